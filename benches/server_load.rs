//! The loyalty server under a shop chain's load: 50 tills in cloud mode (one thread and one
//! CloudBackend each, pinned to the server's certificate) run the seed checkout against one
//! `bonusplus-server --tls` process, while 300 idle connections without a key sit open (spread
//! over five loopback addresses, reopened when the server closes them). Prints sales/s, p50/p99
//! of a checkout (Calculate + FixSale), the server's peak RSS; then checks every sale is on the
//! server exactly once and every balance is exact.
//!
//!     cargo bench --features server --bench server_load [-- TILLS SALES_PER_TILL]

use bonusplus_1c::backend::{ApiKey, Backend, CertPin, CloudBackend, CloudConfig, CustomerData};
use bonusplus_1c::engine::Order;
use rust_decimal::Decimal;
use serde_json::json;
use std::io::{BufRead, BufReader, Read};
use std::net::{SocketAddr, TcpStream};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

const KEY: &str = "load-bench-key";
const IDLE: usize = 300;

fn phone(till: usize) -> String {
    format!("7901{till:07}")
}

fn idle_connection(server: SocketAddr, from: u8) -> Option<TcpStream> {
    use socket2::{Domain, Socket, Type};
    let socket = Socket::new(Domain::IPV4, Type::STREAM, None).ok()?;
    let local: SocketAddr = format!("127.0.0.{from}:0").parse().ok()?;
    socket.bind(&local.into()).ok()?;
    socket.connect(&server.into()).ok()?;
    Some(socket.into())
}

/// Keeps `IDLE` keyless connections open until `stop`.
fn idle_keeper(server: SocketAddr, stop: Arc<AtomicBool>) -> std::thread::JoinHandle<usize> {
    std::thread::spawn(move || {
        let mut conns: Vec<Option<TcpStream>> = (0..IDLE)
            .map(|i| idle_connection(server, 2 + (i % 5) as u8))
            .collect();
        let mut reopened = 0;
        while !stop.load(Ordering::Relaxed) {
            for (i, slot) in conns.iter_mut().enumerate() {
                let closed = match slot {
                    Some(s) => {
                        let _ = s.set_nonblocking(true);
                        let mut b = [0u8; 1];
                        s.read(&mut b).is_ok()
                    }
                    None => true,
                };
                if closed {
                    *slot = idle_connection(server, 2 + (i % 5) as u8);
                    reopened += 1;
                }
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        reopened
    })
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let tills = args.first().copied().unwrap_or(50);
    let per_till = args.get(1).copied().unwrap_or(20);

    let root = tempfile::tempdir().unwrap();
    let key_file = root.path().join("key");
    std::fs::write(&key_file, KEY).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_bonusplus-server"))
        .arg("--data")
        .arg(root.path().join("server"))
        .arg("--api-key-file")
        .arg(&key_file)
        .args(["--tls", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let (mut url, mut pin) = (String::new(), String::new());
    let mut line = String::new();
    while out.read_line(&mut line).unwrap() > 0 {
        if let Some(fp) = line.trim().split("(ServerCertificate): ").nth(1) {
            pin = fp.to_owned();
        }
        if let Some(rest) = line.split("listening on ").nth(1) {
            url = rest.split_whitespace().next().unwrap().to_owned();
            break;
        }
        line.clear();
    }
    let pin = CertPin::parse(&pin).unwrap();
    let addr: SocketAddr = url
        .trim_start_matches("https://")
        .trim_end_matches('/')
        .parse()
        .unwrap();

    let stop = Arc::new(AtomicBool::new(false));
    let keeper = idle_keeper(addr, Arc::clone(&stop));
    std::thread::sleep(Duration::from_millis(500));

    let client = |till: usize| {
        CloudBackend::open_pinned(
            CloudConfig {
                server_address: url.clone(),
                api_key: ApiKey::new(KEY),
                timeout: Duration::from_secs(10),
                store: format!("Касса {till}"),
                cashier_code: "1".into(),
                data_dir: root.path().join(format!("till-{till}")),
            },
            Some(pin),
        )
        .unwrap()
    };
    let barrier = Arc::new(Barrier::new(tills + 1));
    let started = std::thread::scope(|s| {
        let handles: Vec<_> = (0..tills)
            .map(|till| {
                let (barrier, cloud) = (Arc::clone(&barrier), client(till));
                s.spawn(move || {
                    let phone = phone(till);
                    cloud
                        .register_customer(&phone, "", &CustomerData::default())
                        .unwrap();
                    barrier.wait();
                    let mut latencies = Vec::with_capacity(per_till);
                    for k in 0..per_till {
                        // The seed checkout: a calculation, then the sale; every second sale
                        // spends 5 of the bonuses earned so far.
                        let debit = if k % 2 == 1 { 5 } else { 0 };
                        let order = Order::from_json(
                            &json!({"documentId": format!("T{till}-{k}"), "phone": phone,
                                "bonusDebit": debit, "useBonuses": debit > 0,
                                "lines": [
                                    {"lineNo": 1, "product": "A", "quantity": 1, "price": 600, "sum": 600},
                                    {"lineNo": 2, "product": "B", "quantity": 2, "price": 200, "sum": 400}]})
                            .to_string(),
                        )
                        .unwrap();
                        let t = Instant::now();
                        cloud.calculate(&order).unwrap();
                        cloud.fix_sale(&order).unwrap();
                        latencies.push(t.elapsed());
                    }
                    latencies
                })
            })
            .collect();
        barrier.wait();
        let started = Instant::now();
        let mut all: Vec<Duration> = handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect();
        let elapsed = started.elapsed();
        all.sort();
        (all, elapsed)
    });
    let (latencies, elapsed) = started;
    stop.store(true, Ordering::Relaxed);
    let reopened = keeper.join().unwrap();
    let peak = std::fs::read_to_string(format!("/proc/{}/status", child.id()))
        .unwrap()
        .lines()
        .find(|l| l.starts_with("VmHWM"))
        .map(|l| l.split_whitespace().nth(1).unwrap().parse::<u64>().unwrap())
        .unwrap();

    let sales = latencies.len();
    println!(
        "server_load: {tills} tills × {per_till} checkouts over TLS, {IDLE} idle keyless connections ({reopened} reopened)"
    );
    println!(
        "  {:.0} sales/s ({sales} in {:.2} s); checkout p50 {:.1} ms, p99 {:.1} ms; server peak RSS {:.1} MiB",
        sales as f64 / elapsed.as_secs_f64(),
        elapsed.as_secs_f64(),
        percentile(&latencies, 0.5).as_secs_f64() * 1000.0,
        percentile(&latencies, 0.99).as_secs_f64() * 1000.0,
        peak as f64 / 1024.0
    );

    // Every sale exactly once, every balance exact: through one more pinned client.
    let check = client(tills);
    let per_sale_accrual = |spent: Decimal| (Decimal::from(1000) - spent) / Decimal::from(100);
    for till in 0..tills {
        let c = check.find_customer("", &phone(till)).unwrap().unwrap();
        let (mut accrued, mut spent) = (Decimal::ZERO, Decimal::ZERO);
        for k in 0..per_till {
            let debit = Decimal::from(if k % 2 == 1 { 5 } else { 0 });
            accrued += per_sale_accrual(debit).round_dp(2);
            spent += debit;
        }
        assert_eq!(
            c.purchases_total,
            Decimal::from(1000 * per_till as i64) - spent,
            "till {till}: purchases"
        );
        assert_eq!(c.available_bonuses, accrued - spent, "till {till}: balance");
    }
    let _ = child.kill();
    let _ = child.wait();
    let db = rusqlite::Connection::open(root.path().join("server/bonusplus.db")).unwrap();
    let (count, distinct): (i64, i64) = db
        .query_row(
            "SELECT COUNT(*), COUNT(DISTINCT document_id) FROM sales WHERE document_id LIKE 'T%'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((count, distinct), (sales as i64, sales as i64));
    println!("  checked: {sales} sales on the server exactly once, {tills} balances exact");
}
