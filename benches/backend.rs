//! Sales fixed per second by the embedded backend: one process, then four processes on one file.
//! Plain std timing; run with `cargo bench --bench backend -j2`. Each configuration runs for both
//! durability settings (synchronous NORMAL and FULL) so the default can be chosen by measurement.

use bonusplus_1c::backend::{Backend, Durability, EmbeddedBackend, EmbeddedOptions};
use bonusplus_1c::engine::{BonusPolicy, Order, OrderLine};
use rust_decimal::Decimal;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

const CUSTOMERS: usize = 100;
const ONE_PROCESS_SALES: usize = 5_000;
const PER_CHILD_SALES: usize = 2_500;
const CHILDREN: usize = 4;

fn phone(i: usize) -> String {
    format!("7901{:07}", i % CUSTOMERS)
}

fn durability(name: &str) -> Durability {
    if name == "FULL" {
        Durability::PowerLoss
    } else {
        Durability::ProcessCrash
    }
}

fn open(dir: &Path, sync: &str) -> EmbeddedBackend {
    let options = EmbeddedOptions {
        durability: durability(sync),
        ..EmbeddedOptions::default()
    };
    EmbeddedBackend::open_with(dir, options).expect("open")
}

/// A three-line receipt spending one bonus; every sale a new document.
fn sale(doc: String, i: usize) -> Order {
    let line = |n: u32, sum: Decimal| OrderLine {
        line_no: n,
        product: format!("P{n}").into(),
        category: Default::default(),
        name: Default::default(),
        quantity: Decimal::ONE,
        price: sum,
        sum,
        discount_sum: Decimal::ZERO,
    };
    Order {
        document_id: doc,
        phone: phone(i),
        card_number: String::new(),
        organization: String::new(),
        use_bonuses: true,
        bonus_debit: Some(Decimal::ONE),
        date: None,
        coupons: Vec::new(),
        reserve_id: None,
        gift_cards: Vec::new(),
        lines: vec![
            line(1, Decimal::new(300_000 + i as i64 % 997, 2)),
            line(2, Decimal::new(312_000, 2)),
            line(3, Decimal::new(204_000, 2)),
        ],
    }
}

fn fix_many(b: &EmbeddedBackend, prefix: &str, n: usize) {
    for i in 0..n {
        b.fix_sale(&sale(format!("{prefix}-{i}"), i))
            .expect("fix_sale");
    }
}

fn prepare(dir: &Path, sync: &str) -> EmbeddedBackend {
    let b = open(dir, sync);
    b.set_policy(BonusPolicy {
        accrual_percent: Decimal::TEN,
        ..BonusPolicy::default()
    })
    .unwrap();
    for i in 0..CUSTOMERS {
        b.register_customer(&phone(i), "", &Default::default())
            .unwrap();
        let mut seed = sale(format!("SEED-{i}"), i);
        seed.bonus_debit = Some(Decimal::ZERO);
        b.fix_sale(&seed).unwrap();
    }
    b
}

fn main() {
    if let Ok(dir) = std::env::var("BONUSPLUS_BENCH_DIR") {
        // Child: fix this worker's share of sales and exit.
        let worker = std::env::var("BONUSPLUS_BENCH_WORKER").unwrap();
        let sync = std::env::var("BONUSPLUS_BENCH_SYNC").unwrap();
        fix_many(
            &open(Path::new(&dir), &sync),
            &format!("W{worker}"),
            PER_CHILD_SALES,
        );
        return;
    }
    // `cargo bench` passes `--bench`; nothing else to parse.
    for sync in ["NORMAL", "FULL"] {
        let tmp = tempfile::tempdir().unwrap();
        let b = prepare(tmp.path(), sync);
        let t = Instant::now();
        fix_many(&b, "ONE", ONE_PROCESS_SALES);
        let one = ONE_PROCESS_SALES as f64 / t.elapsed().as_secs_f64();
        println!("synchronous={sync:<6} 1 process : {ONE_PROCESS_SALES} sales in {:.2} s = {one:.0} sales/s", t.elapsed().as_secs_f64());

        let t = Instant::now();
        let children: Vec<_> = (0..CHILDREN)
            .map(|w| {
                Command::new(std::env::current_exe().unwrap())
                    .env("BONUSPLUS_BENCH_DIR", tmp.path())
                    .env("BONUSPLUS_BENCH_WORKER", w.to_string())
                    .env("BONUSPLUS_BENCH_SYNC", sync)
                    .spawn()
                    .unwrap()
            })
            .collect();
        for mut c in children {
            assert!(c.wait().unwrap().success(), "a bench child failed");
        }
        let total = CHILDREN * PER_CHILD_SALES;
        let secs = t.elapsed().as_secs_f64();
        println!(
            "synchronous={sync:<6} {CHILDREN} processes: {total} sales in {secs:.2} s = {:.0} sales/s in all (process start included)",
            total as f64 / secs
        );
        let report = b.audit().unwrap();
        assert!(report.is_clean(), "{:?}", report.problems);
        assert_eq!(report.sales, CUSTOMERS + ONE_PROCESS_SALES + total);
    }
}
