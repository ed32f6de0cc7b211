//! `cargo bench --bench calc`: time per `calculate` call for orders of 10 … 10 000 lines.
//! Plain std timing (median of several runs), and the time per line so linearity shows.
//! Then the receipt's `fiscalLines` on their own (the part of a calculation they cost), over
//! 10 000 lines of mixed whole and weighed quantities, and a calculation of such an order.
use bonusplus_1c::engine::fiscal::fiscal_lines_kopecks;
use bonusplus_1c::engine::{calculate, Account, BonusPolicy, Order, OrderLine};
use rust_decimal::Decimal;
use std::hint::black_box;
use std::time::{Duration, Instant};

/// An order with varied line sums (kopecks included), some zero lines and a few products that
/// the policy excludes, so every branch of the calculation is exercised.
fn order_with(lines: usize) -> Order {
    let mut seed: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    Order {
        document_id: format!("BENCH-{lines}"),
        phone: "79001112233".into(),
        card_number: String::new(),
        organization: String::new(),
        use_bonuses: true,
        bonus_debit: None,
        date: None,
        coupons: Vec::new(),
        reserve_id: None,
        gift_cards: Vec::new(),
        lines: (0..lines)
            .map(|i| {
                let kopecks = if i % 37 == 5 {
                    0
                } else {
                    (next() % 2_000_000) as i64 + 1
                };
                OrderLine {
                    line_no: i as u32 + 1,
                    product: format!("P{}", i % 500).into(),
                    category: Default::default(),
                    name: Default::default(),
                    quantity: Decimal::ONE,
                    price: Decimal::new(kopecks, 2),
                    sum: Decimal::new(kopecks, 2),
                    discount_sum: Decimal::ZERO,
                }
            })
            .collect(),
    }
}

/// The median time of `calls` calls of `work`, over 9 runs.
fn median_per_call(calls: usize, mut work: impl FnMut()) -> Duration {
    let mut runs: Vec<Duration> = (0..9)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..calls {
                work();
            }
            start.elapsed() / calls as u32
        })
        .collect();
    runs.sort();
    runs[runs.len() / 2]
}

/// The same order with quantities 1 … 7 and every fifth line weighed (x.xxx).
fn mixed_quantities(mut order: Order) -> Order {
    for (i, line) in order.lines.iter_mut().enumerate() {
        line.quantity = if i % 5 == 4 {
            Decimal::new(1_000 + (i as i64 % 997), 3)
        } else {
            Decimal::from(i as i64 % 7 + 1)
        };
    }
    order
}

fn main() {
    let policy = BonusPolicy {
        accrual_percent: Decimal::new(3, 0),
        discount_percent: Decimal::new(5, 0),
        max_payment_percent: Some(Decimal::new(50, 0)),
        payment_excluded: vec!["P7".into(), "P8".into()],
        accrual_excluded: vec!["P9".into()],
        no_accrual_when_paid_with_bonuses: true,
        rate: Decimal::new(5, 1),
        ..BonusPolicy::default()
    };
    let account = Account {
        phone: "79001112233".into(),
        available_bonuses: Decimal::new(123_456_789, 2),
        discount_percent: None,
    };
    println!("{:>7}  {:>12}  {:>12}", "lines", "per call", "per line");
    for lines in [10usize, 100, 1_000, 10_000] {
        let order = order_with(lines);
        // Enough calls per run for a measurable time, several runs, the median.
        let calls = (200_000 / lines).max(20);
        let mut runs: Vec<Duration> = (0..9)
            .map(|_| {
                let start = Instant::now();
                for _ in 0..calls {
                    black_box(
                        calculate(black_box(&order), &account, &policy).expect("valid order"),
                    );
                }
                start.elapsed() / calls as u32
            })
            .collect();
        runs.sort();
        let median = runs[runs.len() / 2];
        println!(
            "{lines:>7}  {:>9.1} µs  {:>9.1} ns",
            median.as_secs_f64() * 1e6,
            median.as_secs_f64() * 1e9 / lines as f64
        );
    }
    let order = mixed_quantities(order_with(10_000));
    let calc = calculate(&order, &account, &policy).expect("valid order");
    let pairs: Vec<(Decimal, i64)> = order
        .lines
        .iter()
        .zip(&calc.lines)
        .map(|(l, c)| {
            (
                l.quantity,
                (c.sum_after * Decimal::ONE_HUNDRED).try_into().unwrap(),
            )
        })
        .collect();
    let fiscal = median_per_call(20, || {
        for (quantity, kopecks) in &pairs {
            black_box(fiscal_lines_kopecks(black_box(*quantity), *kopecks));
        }
    });
    let whole = median_per_call(20, || {
        black_box(calculate(black_box(&order), &account, &policy).expect("valid order"));
    });
    let split = calc
        .lines
        .iter()
        .filter(|l| l.fiscal_lines.len() == 2)
        .count();
    println!(
        "fiscalLines alone, 10 000 mixed lines ({split} split in two): {:.1} µs per call, {:.1} ns per line",
        fiscal.as_secs_f64() * 1e6,
        fiscal.as_secs_f64() * 1e9 / 10_000.0
    );
    println!(
        "calculate with them, 10 000 mixed lines: {:.1} µs per call; fiscalLines are {:.1} % of it",
        whole.as_secs_f64() * 1e6,
        fiscal.as_secs_f64() / whole.as_secs_f64() * 100.0
    );
}
