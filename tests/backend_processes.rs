//! Several real processes on one database file, and processes killed with SIGKILL mid-work.
//! The test binary spawns itself: a child runs the same test function, which sees the role in
//! its environment and does the child's part instead.

#[path = "support/backend.rs"]
mod support;

use bonusplus_1c::backend::{Backend, DocumentState, ReturnLine, ReturnRequest, SaleResult};
use rust_decimal::Decimal;
use std::collections::{BTreeMap, HashSet};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use support::*;

const ROLE: &str = "BONUSPLUS_TEST_ROLE";
const DIR: &str = "BONUSPLUS_TEST_DIR";
const WORKER: &str = "BONUSPLUS_TEST_WORKER";

const CUSTOMERS: usize = 4;
const SHARED_DOCS: usize = 60;
const WORKERS: usize = 4;

fn phone(i: usize) -> String {
    format!("7900000000{}", i % CUSTOMERS)
}

fn spawn(test: &str, role: &str, dir: &Path, worker: usize, out: &Path) -> Child {
    Command::new(std::env::current_exe().unwrap())
        .args([test, "--exact", "--nocapture", "--test-threads=1"])
        .env(ROLE, role)
        .env(DIR, dir)
        .env(WORKER, worker.to_string())
        .stdout(std::fs::File::create(out).unwrap())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap()
}

/// A shop with CUSTOMERS customers holding 1000 bonuses each and a 10 % accrual policy.
fn prepare_shop(dir: &Path) {
    let shop = open_shop(dir);
    let b = &shop.backend;
    b.set_policy(policy(r#"{"accrualPercent":10}"#)).unwrap();
    for i in 0..CUSTOMERS {
        b.register_customer(&phone(i), "", &Default::default())
            .unwrap();
        let mut s = sale(&format!("SEED-{i}"), "0", vec![line(1, "SEED", "10000")]);
        s.phone = phone(i);
        b.fix_sale(&s).unwrap();
    }
}

fn shared_sale(k: usize) -> bonusplus_1c::engine::Order {
    let mut s = sale(
        &format!("MP-{k}"),
        "1",
        vec![line(1, "A", &format!("{}.50", 100 + k)), line(2, "B", "50")],
    );
    s.phone = phone(k);
    s
}

fn shared_return(k: usize) -> ReturnRequest {
    ReturnRequest {
        return_id: format!("MPR-{k}"),
        document_id: format!("MP-{k}"),
        date: None,
        lines: vec![ReturnLine {
            line_no: 1,
            quantity: Decimal::ONE,
            sum: d("1"),
        }],
    }
}

/// Child: every worker fixes and returns the SAME documents, each worker in its own order,
/// printing every answer it gets.
fn multi_process_child(dir: &Path, worker: usize) {
    let shop = open_shop(dir);
    let b = &shop.backend;
    // libtest has printed "test <name> ... " without a newline: start our lines on a fresh one.
    println!();
    let mut order: Vec<usize> = (0..SHARED_DOCS).collect();
    order.rotate_left(worker * SHARED_DOCS / WORKERS);
    if worker % 2 == 1 {
        order.reverse();
    }
    for k in order {
        let r = b.fix_sale(&shared_sale(k)).unwrap();
        println!("sale\tMP-{k}\t{}", serde_json::to_string(&r).unwrap());
        let r = b.return_sale(&shared_return(k)).unwrap();
        println!("return\tMPR-{k}\t{}", serde_json::to_string(&r).unwrap());
    }
}

#[test]
fn processes_fix_and_return_the_same_sales_on_one_file_exactly_once() {
    if std::env::var(ROLE).as_deref() == Ok("multi") {
        let dir = std::env::var(DIR).unwrap();
        multi_process_child(
            Path::new(&dir),
            std::env::var(WORKER).unwrap().parse().unwrap(),
        );
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    prepare_shop(&dir);
    let test = "processes_fix_and_return_the_same_sales_on_one_file_exactly_once";
    let outs: Vec<_> = (0..WORKERS)
        .map(|w| tmp.path().join(format!("out-{w}.txt")))
        .collect();
    let children: Vec<Child> = (0..WORKERS)
        .map(|w| spawn(test, "multi", &dir, w, &outs[w]))
        .collect();
    for mut c in children {
        assert!(c.wait().unwrap().success(), "a worker failed");
    }

    // Every worker got the same answer for each document: the first one, stored.
    let mut answers: BTreeMap<String, HashSet<String>> = BTreeMap::new();
    let mut sales: BTreeMap<usize, SaleResult> = BTreeMap::new();
    let mut reversed = [Decimal::ZERO; CUSTOMERS];
    for out in &outs {
        for l in std::fs::read_to_string(out).unwrap().lines() {
            let parts: Vec<&str> = l.splitn(3, '\t').collect();
            if parts.len() != 3 {
                continue;
            }
            let first_seen = answers.entry(parts[1].to_string()).or_default();
            if first_seen.insert(parts[2].to_string()) && first_seen.len() == 1 {
                let k: usize = parts[1].rsplit('-').next().unwrap().parse().unwrap();
                if parts[0] == "sale" {
                    sales.insert(k, serde_json::from_str(parts[2]).unwrap());
                } else {
                    let r: bonusplus_1c::backend::ReturnResult =
                        serde_json::from_str(parts[2]).unwrap();
                    reversed[k % CUSTOMERS] += r.bonus_reversed;
                }
            }
        }
    }
    assert_eq!(answers.len(), 2 * SHARED_DOCS);
    for (doc, set) in &answers {
        assert_eq!(set.len(), 1, "{doc} got different answers: {set:?}");
    }
    for set in answers.values() {
        assert_eq!(set.len(), 1);
    }
    assert_eq!(
        answers.values().map(|s| s.len()).sum::<usize>(),
        2 * SHARED_DOCS
    );

    let shop = open_shop(&dir);
    let report = shop.backend.audit().unwrap();
    assert!(report.is_clean(), "{:#?}", report.problems);
    assert_eq!(report.sales, CUSTOMERS + SHARED_DOCS);
    assert_eq!(report.returns, SHARED_DOCS);
    // Balances: seed + every accrual once − every spend once − every reversal once.
    for (i, reversed) in reversed.iter().enumerate() {
        let mut expected = d("1000") - reversed;
        for (k, s) in &sales {
            if k % CUSTOMERS == i {
                expected += s.bonus_accrued - s.bonus_debited;
            }
        }
        let c = shop.backend.find_customer("", &phone(i)).unwrap().unwrap();
        assert_eq!(c.available_bonuses, expected, "customer {i}");
    }
}

/// Child: fixes sales (and returns every third one) forever, printing each after it returned.
fn crash_child(dir: &Path, run: usize) {
    let shop = open_shop(dir);
    let b = &shop.backend;
    println!();
    for i in 0.. {
        let doc = format!("C-{run}-{i}");
        let mut s = sale(
            &doc,
            "1",
            vec![line(1, "A", "100"), line(2, "B", &format!("{}.25", i % 50))],
        );
        s.phone = phone(i);
        b.fix_sale(&s).unwrap();
        println!("fixed\t{doc}");
        if i % 3 == 2 {
            let r = ReturnRequest {
                return_id: format!("CR-{run}-{i}"),
                document_id: doc.clone(),
                date: None,
                lines: vec![ReturnLine {
                    line_no: 1,
                    quantity: d("0.5"),
                    sum: d("49.5"),
                }],
            };
            b.return_sale(&r).unwrap();
            println!("returned\t{doc}");
        }
    }
}

/// xorshift64*: good enough to scatter kill times.
fn next(state: &mut u64) -> u64 {
    *state ^= *state >> 12;
    *state ^= *state << 25;
    *state ^= *state >> 27;
    state.wrapping_mul(0x2545_F491_4F6C_DD1D)
}

#[test]
fn processes_killed_mid_sale_leave_no_half_applied_sale() {
    if std::env::var(ROLE).as_deref() == Ok("crash") {
        let dir = std::env::var(DIR).unwrap();
        crash_child(
            Path::new(&dir),
            std::env::var(WORKER).unwrap().parse().unwrap(),
        );
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    prepare_shop(&dir);
    let mut seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        | 1;
    eprintln!("crash test seed {seed}");
    let test = "processes_killed_mid_sale_leave_no_half_applied_sale";
    let started = Instant::now();
    let mut total_fixed = 0;
    for run in 0..10 {
        let out = tmp.path().join(format!("crash-{run}.txt"));
        let mut child = spawn(test, "crash", &dir, run, &out);
        wait_until_ready(&mut child, &out);
        std::thread::sleep(Duration::from_millis(next(&mut seed) % 400));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();

        let printed = std::fs::read_to_string(&out).unwrap();
        let fixed: Vec<&str> = printed
            .lines()
            .filter_map(|l| l.strip_prefix("fixed\t"))
            .collect();
        let returned = printed
            .lines()
            .filter(|l| l.starts_with("returned\t"))
            .count();
        let shop = open_shop(&dir);
        let report = shop.backend.audit().unwrap();
        assert!(report.is_clean(), "run {run}: {:#?}", report.problems);
        // Every sale reported done survived; at most one more (committed, killed before printing).
        for doc in &fixed {
            let state = shop.backend.bonus_info(doc).unwrap().state;
            assert!(
                matches!(state, DocumentState::Fixed | DocumentState::Returned),
                "{doc}"
            );
        }
        let stored = count_like(&dir, &format!("C-{run}-%"));
        assert!(
            stored == fixed.len() || stored == fixed.len() + 1,
            "run {run}: {stored} stored, {} printed",
            fixed.len()
        );
        let stored_returns = count_returns_like(&dir, &format!("CR-{run}-%"));
        assert!(
            stored_returns == returned || stored_returns == returned + 1,
            "run {run}"
        );
        total_fixed += stored;
    }
    eprintln!(
        "crash test: {total_fixed} sales over 10 killed processes in {:?}",
        started.elapsed()
    );
    assert!(total_fixed > 0, "the children never got to fix a sale");
}

/// Waits until the child has opened the shop (its first line), so every kill lands in its sale
/// loop however slowly a loaded machine starts processes.
fn wait_until_ready(child: &mut Child, out: &Path) {
    let started = Instant::now();
    while std::fs::metadata(out).map_or(0, |m| m.len()) == 0 {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the crash child exited before it was ready"
        );
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "the crash child did not start within 2 minutes"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn count_like(dir: &Path, pattern: &str) -> usize {
    let conn = rusqlite::Connection::open(dir.join("bonusplus.db")).unwrap();
    conn.query_row(
        "SELECT COUNT(*) FROM sales WHERE document_id LIKE ?1",
        [pattern],
        |r| r.get::<_, i64>(0),
    )
    .unwrap() as usize
}

fn count_returns_like(dir: &Path, pattern: &str) -> usize {
    let conn = rusqlite::Connection::open(dir.join("bonusplus.db")).unwrap();
    conn.query_row(
        "SELECT COUNT(*) FROM returns WHERE return_id LIKE ?1",
        [pattern],
        |r| r.get::<_, i64>(0),
    )
    .unwrap() as usize
}
