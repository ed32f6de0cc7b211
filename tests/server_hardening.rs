//! The loyalty server under a demanding review, one test per failure of the old hand-written
//! server: lockout by slow keyless connections, memory taken by unauthenticated bodies, same-second
//! sales without externalId, parallel reserves and returns, the key in the process list, file
//! modes, and a read-only data folder.

#[path = "support/server_proc.rs"]
mod server_proc;

use bonusplus_1c::backend::{Backend, CustomerData, EmbeddedBackend};
use bonusplus_1c::engine::{BonusPolicy, Order};
use bonusplus_1c::server::{Server, ServerConfig, ServerOptions};
use rust_decimal::Decimal;
use serde_json::{json, Value};
use server_proc::{agent, call, is_root, spawn};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::str::FromStr;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

const KEY: &str = "hardening-key-Ключ-7";
const PHONE: &str = "79001112233";

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

fn start(dir: &Path) -> Server {
    let server = Server::start(ServerConfig {
        listen: "127.0.0.1:0".into(),
        data_dir: dir.to_path_buf(),
        api_key: KEY.into(),
    })
    .unwrap();
    server
        .backend()
        .set_policy(BonusPolicy::from_json(r#"{"accrualPercent":10,"rate":1}"#).unwrap())
        .unwrap();
    server
}

/// The customer with 200 bonuses (a sale of 2000 at 10 %).
fn seed(server: &Server) {
    let b = server.backend();
    b.register_customer(PHONE, "", &CustomerData::default())
        .unwrap();
    b.fix_sale(
        &Order::from_json(
            &json!({"documentId": "SEED", "phone": PHONE, "date": "2021-01-10T12:00:00",
                "lines": [{"lineNo": 1, "product": "P", "quantity": 1, "price": 2000, "sum": 2000}]})
            .to_string(),
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(customer(server).available_bonuses, d("200"));
}

fn customer(server: &Server) -> bonusplus_1c::backend::Customer {
    server.backend().find_customer("", PHONE).unwrap().unwrap()
}

fn key_file(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("api-key");
    std::fs::write(&path, format!("{KEY}\n")).unwrap();
    path
}

#[test]
fn slow_keyless_connections_do_not_lock_out_a_till() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path());
    seed(&server);
    // 256 connections that start a request head and never finish it.
    let slow: Vec<TcpStream> = (0..256)
        .map(|_| {
            let mut s = TcpStream::connect(server.addr()).unwrap();
            s.write_all(b"POST /retail HTTP/1.1\r\nHost: shop\r\n")
                .unwrap();
            s
        })
        .collect();
    std::thread::sleep(Duration::from_millis(200));
    let started = Instant::now();
    let (status, body) = call(
        &agent(),
        KEY,
        "GET",
        &format!("{}customer?phone={PHONE}", server.base_url()),
        None,
    );
    let took = started.elapsed();
    assert_eq!(status, 200, "{body}");
    assert!(took < Duration::from_secs(2), "answered after {took:?}");
    assert!(
        server.stats().evicted >= 256 - 64,
        "{:?}: the slow connections beyond the per-client bound were closed",
        server.stats()
    );
    drop(slow);
}

#[test]
fn unauthenticated_bodies_are_never_read() {
    let dir = tempfile::tempdir().unwrap();
    let key = key_file(dir.path());
    let server = spawn(&dir.path().join("data"), &key, &[], false);
    let addr = server
        .url
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned();
    let before = server.status_kib("VmRSS");
    let chunk = vec![b'x'; 1 << 20];
    let mut conns = Vec::new();
    for _ in 0..24 {
        let mut s = TcpStream::connect(&addr).unwrap();
        s.set_write_timeout(Some(Duration::from_secs(2))).unwrap();
        s.write_all(b"POST /retail HTTP/1.1\r\nHost: shop\r\nContent-Type: application/json\r\nContent-Length: 16000000\r\n\r\n")
            .unwrap();
        // Half the body: 8 MiB, as far as the server lets it in.
        for _ in 0..8 {
            if s.write_all(&chunk).is_err() {
                break;
            }
        }
        conns.push(s);
    }
    std::thread::sleep(Duration::from_millis(300));
    for s in &mut conns {
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let mut head = [0u8; 12];
        let n = s.read(&mut head).unwrap_or(0);
        assert_eq!(&head[..n], b"HTTP/1.1 401", "refused on the head alone");
    }
    let peak = server.status_kib("VmHWM");
    assert!(
        peak < before + 32 * 1024,
        "peak RSS {peak} KiB against {before} KiB before 24 half-sent bodies"
    );
}

fn retail(url: &str, external_id: Option<&str>, sum: &str) -> (u16, Value) {
    let mut body = json!({"phone": PHONE, "bonusDebit": 0,
        "items": [{"product": "P", "qnt": 1, "price": d(sum), "sum": d(sum)}]});
    if let Some(id) = external_id {
        body["externalId"] = json!(id);
        body["items"][0]["ext"] = json!(format!("{id}-1"));
    }
    let (status, text) = call(&agent(), KEY, "POST", &format!("{url}retail"), Some(&body));
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

#[test]
fn same_second_sales_without_external_id_are_both_kept() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path());
    seed(&server);
    let before = customer(&server).purchases_total;
    let url = server.base_url();
    let barrier = Arc::new(Barrier::new(2));
    let answers: Vec<(u16, Value)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..2)
            .map(|_| {
                let (url, barrier) = (url.clone(), Arc::clone(&barrier));
                s.spawn(move || {
                    barrier.wait();
                    retail(&url, None, "300")
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert!(answers.iter().all(|(s, _)| *s == 200), "{answers:?}");
    assert_ne!(answers[0].1["id"], answers[1].1["id"], "two sales, two ids");
    assert_eq!(customer(&server).purchases_total, before + d("600"));
    assert!(server.backend().audit().unwrap().is_clean());
}

#[test]
fn parallel_reserves_and_returns_add_up() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path());
    seed(&server);
    let url = server.base_url();
    let run = |n: usize, work: &(dyn Fn() -> u16 + Sync)| -> Vec<u16> {
        let barrier = Barrier::new(n);
        std::thread::scope(|s| {
            let handles: Vec<_> = (0..n)
                .map(|_| {
                    s.spawn(|| {
                        barrier.wait();
                        work()
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        })
    };
    let reserve = json!({"id": "ORDER-1", "amount": 5});
    let statuses = run(20, &|| {
        let path = format!("{url}customer/{PHONE}/balance/reserve");
        call(&agent(), KEY, "PATCH", &path, Some(&reserve)).0
    });
    assert!(statuses.iter().all(|s| *s == 204), "{statuses:?}");
    let (status, text) = call(
        &agent(),
        KEY,
        "GET",
        &format!("{url}customer/{PHONE}/balance/reserve/ORDER-1"),
        None,
    );
    assert_eq!(status, 200);
    let held: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(d(&held["amount"].to_string()), d("100"), "20 × 5 held");
    assert_eq!(customer(&server).available_bonuses, d("100"));

    // 20 parallel returns of 100 from a line of 1000: ten fit, ten are refused.
    let (status, _) = retail(&url, Some("SALE-R"), "1000");
    assert_eq!(status, 200);
    let back = json!({"ext": "SALE-R-1", "sum": 100});
    let statuses = run(20, &|| {
        call(
            &agent(),
            KEY,
            "PUT",
            &format!("{url}retail/back"),
            Some(&back),
        )
        .0
    });
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        10,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 412).count(),
        10,
        "{statuses:?}"
    );
    let report = server.backend().audit().unwrap();
    assert!(report.is_clean(), "{:?}", report.problems);
    assert_eq!(
        report.returns, 10,
        "one return per accepted back, no orphans"
    );
    let c = customer(&server);
    // Sales 2000 + 1000, all of the second returned; the second sale's 100 accrual taken back.
    assert_eq!(c.purchases_total, d("2000"));
}

#[test]
fn the_key_never_appears_in_the_process_list() {
    let dir = tempfile::tempdir().unwrap();
    let refused = std::process::Command::new(env!("CARGO_BIN_EXE_bonusplus-server"))
        .args([
            "--data",
            &dir.path().display().to_string(),
            "--api-key",
            KEY,
        ])
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--api-key-file"));

    let key = key_file(dir.path());
    let server = spawn(&dir.path().join("data"), &key, &[], false);
    let cmdline = std::fs::read(format!("/proc/{}/cmdline", server.pid())).unwrap();
    let cmdline = String::from_utf8_lossy(&cmdline);
    assert!(cmdline.contains("--api-key-file"), "{cmdline}");
    assert!(!cmdline.contains(KEY), "the key is in ps: {cmdline}");
    let (status, _) = call(
        &agent(),
        KEY,
        "GET",
        &format!("{}account", server.url),
        None,
    );
    assert_eq!(status, 200, "the key from the file works");
    let (status, _) = call(
        &agent(),
        "wrong",
        "GET",
        &format!("{}account", server.url),
        None,
    );
    assert_eq!(status, 401);
}

#[cfg(unix)]
#[test]
fn data_files_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    // A folder and database an older version left world-readable.
    std::fs::create_dir(&data).unwrap();
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).unwrap();
    drop(EmbeddedBackend::open(&data).unwrap());
    std::fs::set_permissions(
        data.join("bonusplus.db"),
        std::fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    let server = Server::start_with(
        ServerConfig {
            listen: "127.0.0.1:0".into(),
            data_dir: data.clone(),
            api_key: KEY.into(),
        },
        ServerOptions {
            tls: true,
            ..ServerOptions::default()
        },
    )
    .unwrap();
    server.backend().send_code(PHONE).unwrap();
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&data), 0o700);
    let mut names = Vec::new();
    for entry in std::fs::read_dir(&data).unwrap() {
        let path = entry.unwrap().path();
        assert_eq!(mode(&path), 0o600, "{}", path.display());
        names.push(path.file_name().unwrap().to_string_lossy().into_owned());
    }
    for expected in [
        "bonusplus.db",
        "bonusplus.db-wal",
        "sms.log",
        "server-key.pem",
    ] {
        assert!(
            names.iter().any(|n| n == expected),
            "{expected} in {names:?}"
        );
    }
    assert!(!names.iter().any(|n| n == "server.db"), "one store only");
}

#[cfg(unix)]
#[test]
fn a_read_only_data_folder_answers_503_without_details() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let key = key_file(dir.path());
    // Root ignores permissions: then the server runs as nobody, owning its folder.
    let as_nobody = is_root();
    if as_nobody {
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::create_dir(&data).unwrap();
        std::os::unix::fs::chown(&data, Some(65534), Some(65534)).unwrap();
        std::os::unix::fs::chown(&key, Some(65534), Some(65534)).unwrap();
    }
    let first = spawn(&data, &key, &[], as_nobody);
    let (status, _) = call(
        &agent(),
        KEY,
        "POST",
        &format!("{}customer", first.url),
        Some(&json!({"phone": PHONE})),
    );
    assert_eq!(status, 200);
    // Killed as a power cut would: the WAL files stay, as on a folder that turned read-only.
    first.kill();
    for entry in std::fs::read_dir(&data).unwrap() {
        let path = entry.unwrap().path();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o400)).unwrap();
    }
    let server = spawn(&data, &key, &[], as_nobody);
    let (status, text) = call(
        &agent(),
        KEY,
        "GET",
        &format!("{}customer?phone={PHONE}", server.url),
        None,
    );
    assert_eq!(status, 200, "reads still work: {text}");
    let (status, text) = call(
        &agent(),
        KEY,
        "POST",
        &format!("{}customer", server.url),
        Some(&json!({"phone": "79005556677"})),
    );
    assert_eq!(status, 503, "{text}");
    let message: Value = serde_json::from_str(&text).unwrap();
    let message = message["Message"].as_str().unwrap();
    assert!(
        !message.to_lowercase().contains("readonly") && !message.contains("SQL"),
        "no storage detail for clients: {message}"
    );
    std::thread::sleep(Duration::from_millis(100));
    let log = server.log.lock().unwrap().clone();
    assert!(log.contains("readonly"), "the detail is in the log: {log}");
}

#[test]
fn an_older_servers_receipt_lines_are_taken_over() {
    let dir = tempfile::tempdir().unwrap();
    {
        // A sale made through an older server: in bonusplus.db, its ext only in server.db.
        let b = EmbeddedBackend::open(dir.path()).unwrap();
        b.register_customer(PHONE, "", &CustomerData::default())
            .unwrap();
        b.fix_sale(
            &Order::from_json(
                &json!({"documentId": "OLD-1", "phone": PHONE,
                    "lines": [{"lineNo": 1, "product": "P", "quantity": 1, "price": 1000, "sum": 1000}]})
                .to_string(),
            )
            .unwrap(),
        )
        .unwrap();
    }
    let old = rusqlite::Connection::open(dir.path().join("server.db")).unwrap();
    old.execute_batch(
        "CREATE TABLE sales (id INTEGER PRIMARY KEY AUTOINCREMENT, document_id TEXT NOT NULL,
             phone TEXT NOT NULL, date TEXT NOT NULL, store TEXT NOT NULL, cashier TEXT NOT NULL,
             total_sum TEXT NOT NULL);
         CREATE TABLE sale_lines (ext TEXT PRIMARY KEY, sale_id INTEGER NOT NULL,
             document_id TEXT NOT NULL, line_no INTEGER NOT NULL, product TEXT NOT NULL, cat TEXT NOT NULL,
             qnt TEXT NOT NULL, price TEXT NOT NULL, sum TEXT NOT NULL, ds TEXT NOT NULL,
             sum_after TEXT NOT NULL, bonus_debit TEXT NOT NULL, bonus_credit TEXT NOT NULL,
             returned_sum TEXT NOT NULL DEFAULT '0', returned_qnt TEXT NOT NULL DEFAULT '0');
         INSERT INTO sales VALUES (1, 'OLD-1', '79001112233', '2021-01-10', 'Магазин', '7', '1000');
         INSERT INTO sale_lines (ext, sale_id, document_id, line_no, product, cat, qnt, price, sum, ds,
             sum_after, bonus_debit, bonus_credit)
             VALUES ('POS-LINE-17', 1, 'OLD-1', 1, 'P', 'C', '1', '1000', '1000', '0', '1000', '0', '0');
         INSERT INTO sales VALUES (2, 'GONE', '79001112233', '2021-01-10', 'Магазин', '7', '5');
         INSERT INTO sale_lines (ext, sale_id, document_id, line_no, product, cat, qnt, price, sum, ds,
             sum_after, bonus_debit, bonus_credit)
             VALUES ('GONE-1', 2, 'GONE', 1, 'P', 'C', '1', '5', '5', '0', '5', '0', '0');",
    )
    .unwrap();
    drop(old);
    let server = start(dir.path());
    assert!(!dir.path().join("server.db").exists());
    assert!(dir.path().join("server.db.imported").exists());
    let (status, text) = call(
        &agent(),
        KEY,
        "PUT",
        &format!("{}retail/back", server.base_url()),
        Some(&json!({"ext": "POS-LINE-17", "sum": 400})),
    );
    assert_eq!(status, 200, "{text}");
    assert_eq!(customer(&server).purchases_total, d("600"));
    let (status, _) = call(
        &agent(),
        KEY,
        "PUT",
        &format!("{}retail/back", server.base_url()),
        Some(&json!({"ext": "GONE-1", "sum": 1})),
    );
    assert_eq!(
        status, 412,
        "a line whose sale is not in the store is not taken over"
    );
}

#[test]
fn help_says_how_to_run_it() {
    let help = std::process::Command::new(env!("CARGO_BIN_EXE_bonusplus-server"))
        .arg("--help")
        .output()
        .unwrap();
    assert!(help.status.success());
    let text = String::from_utf8(help.stdout).unwrap();
    for needed in [
        "--tls",
        "ServerCertificate",
        "--api-key-file",
        "BONUSPLUS_API_KEY",
        "0600",
        "loopback",
        "/health",
        "503",
        "systemd",
        "Windows",
    ] {
        assert!(text.contains(needed), "--help lacks {needed}");
    }
}
