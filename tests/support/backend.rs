//! Helpers shared by the backend test files (included with `#[path]`; has no tests of its own).
#![allow(dead_code)]

use bonusplus_1c::backend::{Backend, CapturingSms, EmbeddedBackend, EmbeddedOptions, ManualClock};
use bonusplus_1c::engine::{BonusPolicy, LocalDateTime, Order, OrderLine};
use rust_decimal::Decimal;
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;

pub const PHONE: &str = "79001112233";

pub fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

pub fn at(s: &str) -> LocalDateTime {
    LocalDateTime::parse(s).unwrap()
}

/// A backend on `dir` with a settable clock (starting 2025-03-10 12:00) and captured SMS.
pub struct Shop {
    pub backend: EmbeddedBackend,
    pub clock: ManualClock,
    pub sms: Arc<CapturingSms>,
}

pub fn open_shop(dir: &Path) -> Shop {
    let clock = ManualClock::new(at("2025-03-10T12:00:00"));
    let sms = Arc::new(CapturingSms::new());
    let options = EmbeddedOptions {
        clock: Arc::new(clock.clone()),
        sms: Some(sms.clone()),
        ..EmbeddedOptions::default()
    };
    Shop {
        backend: EmbeddedBackend::open_with(dir, options).unwrap(),
        clock,
        sms,
    }
}

pub fn policy(json: &str) -> BonusPolicy {
    BonusPolicy::from_json(json).unwrap()
}

pub fn line(line_no: u32, product: &str, sum: &str) -> OrderLine {
    OrderLine {
        line_no,
        product: product.into(),
        category: Default::default(),
        name: format!("Товар {product}").into(),
        quantity: Decimal::ONE,
        price: d(sum),
        sum: d(sum),
        discount_sum: Decimal::ZERO,
    }
}

/// An order of the customer `PHONE`; `debit`: None = as many as allowed.
pub fn order(document_id: &str, debit: Option<&str>, lines: Vec<OrderLine>) -> Order {
    Order {
        document_id: document_id.to_string(),
        phone: PHONE.to_string(),
        card_number: String::new(),
        organization: String::new(),
        use_bonuses: true,
        bonus_debit: debit.map(d),
        date: None,
        coupons: Vec::new(),
        reserve_id: None,
        gift_cards: Vec::new(),
        lines,
    }
}

/// A sale spending exactly `debit` bonuses.
pub fn sale(document_id: &str, debit: &str, lines: Vec<OrderLine>) -> Order {
    order(document_id, Some(debit), lines)
}

/// Registers `PHONE` (no policy confirmation involved).
pub fn register(b: &EmbeddedBackend) {
    b.register_customer(PHONE, "", &Default::default()).unwrap();
}

/// Spendable, inactive and reserved bonuses of `PHONE`.
pub fn balances(b: &EmbeddedBackend) -> (Decimal, Decimal, Decimal) {
    let c = b.find_customer("", PHONE).unwrap().expect("customer");
    (c.available_bonuses, c.inactive_bonuses, c.reserved_bonuses)
}

pub fn available(b: &EmbeddedBackend) -> Decimal {
    balances(b).0
}

pub fn assert_clean(b: &EmbeddedBackend) {
    let report = b.audit().unwrap();
    assert!(report.is_clean(), "{:#?}", report.problems);
}

/// Gives `PHONE` `amount` spendable bonuses under a 10 % accrual policy set for the occasion,
/// then puts `then_policy` in place (same start date: it replaces the helper's).
pub fn seed_bonuses(b: &EmbeddedBackend, amount: &str, then_policy: &str) {
    b.set_policy(policy(
        r#"{"accrualPercent":10,"startDate":"2000-01-01T00:00:00"}"#,
    ))
    .unwrap();
    let paid = (d(amount) * Decimal::TEN).to_string();
    b.fix_sale(&sale("SEED", "0", vec![line(1, "SEED", &paid)]))
        .unwrap();
    let mut p = policy(then_policy);
    p.start_date = at("2000-01-01T00:00:00");
    b.set_policy(p).unwrap();
}
