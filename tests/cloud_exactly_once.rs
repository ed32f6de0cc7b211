//! The fault matrix of cloud mode's first rule: a sale reaches the service at most once and is
//! never reported delivered without evidence.
//!
//! {slow accept, cut before accept, cut after accept, 5xx after accept, refused}
//! × {no reserve, reserve consumed, reserve kept}
//! × {one process, two processes, a second process whose clock is 120 s ahead (libfaketime)},
//! against a stricter stand-in of the service that never de-duplicates `externalId`. In every
//! cell: at most one sale per document at the service; none there means the sale is not done;
//! one there means it is settled done (by the service's receipt list), its reserve is not held
//! and the balance is debited exactly once.

#[path = "support/strict_service.rs"]
mod strict;

use bonusplus_1c::backend::{ApiKey, Backend, CloudBackend, CloudConfig, DeliveryStatus};
use bonusplus_1c::engine::Order;
use rust_decimal::Decimal;
use serde_json::json;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};
use strict::{Fault, StrictService, PHONE};

const KEY: &str = "matrix-key";
const TIMEOUT: Duration = Duration::from_secs(1);
/// How long a slow service holds the sale before acting on it: well past the client's timeout.
const HOLD: Duration = Duration::from_millis(2500);
const BALANCE: u32 = 100;
const RESERVE: &str = "ORDER-1";
const DOC: &str = "SALE-1";

#[derive(Clone, Copy, Debug, PartialEq)]
enum Net {
    Fault(Fault),
    /// Nothing listens when the sale is fixed; the service comes up afterwards.
    Refused,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Reserve {
    None,
    Consumed,
    Kept,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Till {
    One,
    Two,
    ClockStep,
}

fn backend(url: &str, dir: &Path) -> CloudBackend {
    CloudBackend::open(CloudConfig {
        server_address: url.into(),
        api_key: ApiKey::new(KEY),
        timeout: TIMEOUT,
        store: String::new(),
        cashier_code: String::new(),
        data_dir: dir.to_path_buf(),
    })
    .unwrap()
}

fn sale(debit: u32, reserve: bool) -> Order {
    let mut v = json!({"documentId": DOC, "phone": PHONE, "bonusDebit": debit,
        "lines": [{"lineNo": 1, "product": "A", "quantity": 1, "price": 1000, "sum": 1000}]});
    if reserve {
        v["reserveId"] = json!(RESERVE);
    }
    Order::from_json(&v.to_string()).unwrap()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The other till: this test binary again, running `other_till` on the same outbox.
fn spawn_other_till(url: &str, dir: &Path, clock_step: bool) -> Child {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args(["other_till", "--exact", "--ignored", "--nocapture"])
        .env("BP_OTHER_URL", url)
        .env("BP_OTHER_DIR", dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    if clock_step {
        cmd.env("LD_PRELOAD", faketime_library().expect("libfaketime"))
            .env("FAKETIME", "+120s")
            .env("FAKETIME_DONT_RESET", "1");
    }
    cmd.spawn().unwrap()
}

fn faketime_library() -> Option<String> {
    [
        "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1",
        "/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1",
        "/usr/lib/faketime/libfaketime.so.1",
    ]
    .into_iter()
    .find(|p| Path::new(p).exists())
    .map(str::to_owned)
}

/// Run by the other till's process: delivery passes and a lookup while the first request may
/// still be at the service.
#[test]
#[ignore = "run as the second till by the fault matrix"]
fn other_till() {
    let (Ok(url), Ok(dir)) = (std::env::var("BP_OTHER_URL"), std::env::var("BP_OTHER_DIR")) else {
        return;
    };
    let b = backend(&url, Path::new(&dir));
    for _ in 0..4 {
        let _ = b.send_pending();
        let _ = b.find_customer("", PHONE);
        std::thread::sleep(Duration::from_millis(300));
    }
}

fn cell(net: Net, reserve: Reserve, till: Till) -> Result<(), String> {
    let tag = format!("{net:?}/{reserve:?}/{till:?}");
    let dir = tempfile::tempdir().unwrap();
    let kept = reserve == Reserve::Kept;
    let (port, mut service) = match net {
        Net::Fault(f) => {
            let s = StrictService::start(0, f, HOLD, kept, BALANCE);
            (s.port, Some(s))
        }
        Net::Refused => (free_port(), None),
    };
    let url = format!("http://127.0.0.1:{port}/");
    let debit = if reserve == Reserve::None { 10 } else { 30 };
    if let (Some(s), true) = (&service, reserve != Reserve::None) {
        s.reserve(RESERVE, debit);
    }
    let a = Arc::new(backend(&url, dir.path()));
    let started = Instant::now();
    let fixing = {
        let a = a.clone();
        std::thread::spawn(move || {
            let t = Instant::now();
            let r = a.fix_sale(&sale(debit, reserve != Reserve::None));
            (r, t.elapsed())
        })
    };
    std::thread::sleep(Duration::from_millis(300));
    let mut child = match till {
        Till::One => None,
        Till::Two => Some(spawn_other_till(&url, dir.path(), false)),
        Till::ClockStep => Some(spawn_other_till(&url, dir.path(), true)),
    };
    let (fixed, took) = fixing.join().unwrap();
    if took > TIMEOUT + Duration::from_secs(2) {
        return Err(format!("{tag}: FixSale took {took:?}"));
    }
    match &fixed {
        Ok(r) if r.status == DeliveryStatus::Queued || r.status == DeliveryStatus::Done => {}
        other => return Err(format!("{tag}: FixSale answered {other:?}")),
    }
    // The same till goes on working while the first request may still be at the service.
    let _ = a.find_customer("", PHONE);
    let _ = a.send_pending();
    if let Some(c) = child.as_mut() {
        c.wait().unwrap();
    }
    // Let a held request finish at the service.
    while started.elapsed() < HOLD + Duration::from_millis(300)
        || service.as_ref().is_some_and(|s| s.in_flight() > 0)
    {
        std::thread::sleep(Duration::from_millis(50));
    }
    if net == Net::Refused {
        let s = StrictService::start(port, Fault::None, HOLD, kept, BALANCE);
        if reserve != Reserve::None {
            s.reserve(RESERVE, debit);
        }
        service = Some(s);
    }
    let service = service.unwrap();
    for _ in 0..3 {
        a.send_pending().map_err(|e| format!("{tag}: {e:?}"))?;
    }
    let posted = service.sales_of(DOC);
    let pending: Vec<String> = a
        .pending_items()
        .unwrap()
        .into_iter()
        .map(|i| format!("{}:{}", i.document_id, i.state))
        .collect();
    let done = pending.is_empty();
    if posted > 1 {
        return Err(format!("{tag}: {posted} sales at the service"));
    }
    if posted == 0 && done {
        return Err(format!("{tag}: reported done, none at the service"));
    }
    if posted == 1 && !done {
        return Err(format!("{tag}: posted but left {pending:?}"));
    }
    let expected = Decimal::from(BALANCE) - Decimal::from(debit) * Decimal::from(posted);
    if service.balance() != expected {
        return Err(format!(
            "{tag}: balance {} (expected {expected})",
            service.balance()
        ));
    }
    if reserve != Reserve::None {
        let held = service.held(RESERVE);
        let want = if posted == 1 {
            Decimal::ZERO
        } else {
            Decimal::from(debit)
        };
        if held != want {
            return Err(format!("{tag}: reserve holds {held}, expected {want}"));
        }
    }
    Ok(())
}

#[test]
fn at_most_once_and_never_done_without_evidence_in_every_cell() {
    let nets = [
        Net::Fault(Fault::SlowAccept),
        Net::Fault(Fault::CutBeforeAccept),
        Net::Fault(Fault::CutAfterAccept),
        Net::Fault(Fault::ServerErrorAfterAccept),
        Net::Refused,
    ];
    let reserves = [Reserve::None, Reserve::Consumed, Reserve::Kept];
    let mut tills = vec![Till::One, Till::Two];
    if faketime_library().is_some() {
        tills.push(Till::ClockStep);
    } else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI installs faketime for the clock-step cells"
        );
    }
    let mut cells = Vec::new();
    for net in nets {
        for reserve in reserves {
            for &till in &tills {
                cells.push((net, reserve, till));
            }
        }
    }
    // A handful at a time: each cell waits mostly on the service's hold.
    let mut failures = Vec::new();
    for batch in cells.chunks(9) {
        let running: Vec<_> = batch
            .iter()
            .map(|&(n, r, t)| std::thread::spawn(move || cell(n, r, t)))
            .collect();
        for h in running {
            if let Err(e) = h.join().unwrap() {
                failures.push(e);
            }
        }
    }
    println!("fault matrix: {} cells", cells.len());
    assert!(failures.is_empty(), "{failures:#?}");
}
