//! One test per policy key, each showing its effect through the embedded backend.
//! The clock starts at 2025-03-10 12:00 (see support/backend.rs).

#[path = "support/backend.rs"]
mod support;

use bonusplus_1c::backend::{Backend, CustomerData, ReturnLine, ReturnRequest};
use bonusplus_1c::error::ErrorCode;
use bonusplus_1c::i18n::Lang;
use support::*;

fn shop_with(policy_json: &str) -> (tempfile::TempDir, Shop) {
    let dir = tempfile::tempdir().unwrap();
    let shop = open_shop(dir.path());
    shop.backend.set_policy(policy(policy_json)).unwrap();
    register(&shop.backend);
    (dir, shop)
}

#[test]
fn activation_delay_days_hold_accruals_until_that_day() {
    let (_dir, shop) = shop_with(r#"{"accrualPercent":10,"activationDelayDays":3}"#);
    let b = &shop.backend;
    b.fix_sale(&sale("D-1", "0", vec![line(1, "A", "1000")]))
        .unwrap();
    assert_eq!(balances(b), (d("0"), d("100"), d("0")));
    assert_eq!(
        b.reserve("R", PHONE, d("1")).unwrap_err().code,
        ErrorCode::InsufficientBonuses
    );
    shop.clock.set(at("2025-03-12T23:59:59"));
    assert_eq!(balances(b), (d("0"), d("100"), d("0")));
    shop.clock.set(at("2025-03-13T00:00:00"));
    assert_eq!(balances(b), (d("100"), d("0"), d("0")));
    b.fix_sale(&sale("D-2", "100", vec![line(1, "A", "100")]))
        .unwrap();
    assert_clean(b);
}

#[test]
fn expiry_days_remove_unspent_accruals_and_spending_takes_the_earliest_expiring_first() {
    let (_dir, shop) = shop_with(r#"{"accrualPercent":10,"expiryDays":30}"#);
    let b = &shop.backend;
    b.fix_sale(&sale("D-1", "0", vec![line(1, "A", "1000")]))
        .unwrap(); // 100, expires 04-09
    shop.clock.set(at("2025-03-15T12:00:00"));
    b.fix_sale(&sale("D-2", "0", vec![line(1, "A", "1000")]))
        .unwrap(); // 100, expires 04-14
    shop.clock.set(at("2025-03-16T12:00:00"));
    // 100 spent (10 % of the 0 paid accrues nothing): must come from D-1's credit.
    b.fix_sale(&sale("D-3", "100", vec![line(1, "A", "100")]))
        .unwrap();
    shop.clock.set(at("2025-04-08T23:59:59"));
    assert_eq!(available(b), d("100"));
    shop.clock.set(at("2025-04-10T00:00:00"));
    assert_eq!(
        available(b),
        d("100"),
        "D-1's credit was spent, D-2's is left"
    );
    shop.clock.set(at("2025-04-14T00:00:00"));
    assert_eq!(balances(b), (d("0"), d("0"), d("0")));
    assert_clean(b);
}

#[test]
fn rate_sets_the_money_value_of_a_bonus() {
    let (_dir, shop) = shop_with("{}");
    let b = &shop.backend;
    seed_bonuses(b, "100", r#"{"rate":2}"#);
    let calc = b
        .calculate(&order("D-1", Some("100"), vec![line(1, "A", "1000")]))
        .unwrap();
    assert_eq!(
        (calc.bonus_debit, calc.bonus_debit_sum, calc.to_pay),
        (d("100"), d("200"), d("800"))
    );
    let r = b
        .fix_sale(&sale("D-1", "100", vec![line(1, "A", "1000")]))
        .unwrap();
    assert_eq!(r.bonus_debited, d("100"));
    assert_eq!(available(b), d("0"));
    assert_clean(b);
}

#[test]
fn max_payment_percent_caps_the_bonus_part_of_a_receipt() {
    let (_dir, shop) = shop_with("{}");
    let b = &shop.backend;
    seed_bonuses(b, "500", r#"{"maxPaymentPercent":10}"#);
    let calc = b
        .calculate(&order("D-1", None, vec![line(1, "A", "1000")]))
        .unwrap();
    assert_eq!(
        (calc.max_bonus_debit, calc.bonus_debit),
        (d("100"), d("100"))
    );
    let err = b
        .fix_sale(&sale("D-1", "150", vec![line(1, "A", "1000")]))
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::InsufficientBonuses);
    assert_eq!(available(b), d("500"), "a refused sale writes nothing");
    b.fix_sale(&sale("D-1", "100", vec![line(1, "A", "1000")]))
        .unwrap();
    assert_eq!(available(b), d("400"));
    assert_clean(b);
}

#[test]
fn payment_excluded_products_cannot_be_paid_with_bonuses() {
    let (_dir, shop) = shop_with("{}");
    let b = &shop.backend;
    seed_bonuses(b, "500", r#"{"paymentExcluded":["TOBACCO"]}"#);
    let lines = || vec![line(1, "TOBACCO", "300"), line(2, "A", "200")];
    let calc = b.calculate(&order("D-1", None, lines())).unwrap();
    assert_eq!(calc.lines[0].bonus_debit_sum, d("0"));
    assert_eq!(calc.bonus_debit, d("200"));
    let err = b.fix_sale(&sale("D-1", "201", lines())).unwrap_err();
    assert_eq!(err.code, ErrorCode::InsufficientBonuses);
    b.fix_sale(&sale("D-1", "200", lines())).unwrap();
    assert_eq!(available(b), d("300"));
}

#[test]
fn accrual_excluded_products_earn_nothing_when_paid_with_bonuses_only_with_the_switch_on() {
    let lines = || vec![line(1, "ALCO", "1000"), line(2, "A", "1000")];
    // Switch off: the list alone changes nothing.
    let (_dir, shop) = shop_with("{}");
    seed_bonuses(
        &shop.backend,
        "100",
        r#"{"accrualPercent":10,"accrualExcluded":["ALCO"]}"#,
    );
    let off = shop.backend.fix_sale(&sale("D-1", "100", lines())).unwrap();
    assert_eq!(off.bonus_accrued, d("190")); // 10 % of 1900 paid
                                             // Switch on: the excluded line paid partly with bonuses earns nothing…
    let (_dir2, shop2) = shop_with("{}");
    let on =
        r#"{"accrualPercent":10,"accrualExcluded":["ALCO"],"noAccrualWhenPaidWithBonuses":true}"#;
    seed_bonuses(&shop2.backend, "100", on);
    let r = shop2
        .backend
        .fix_sale(&sale("D-1", "100", lines()))
        .unwrap();
    assert_eq!(r.bonus_accrued, d("95")); // only line 2: 10 % of 950
                                          // …and earns as usual when no bonuses were spent.
    let r = shop2.backend.fix_sale(&sale("D-2", "0", lines())).unwrap();
    assert_eq!(r.bonus_accrued, d("200"));
    assert_clean(&shop2.backend);
}

fn return_all(
    b: &bonusplus_1c::backend::EmbeddedBackend,
    rid: &str,
    doc: &str,
) -> bonusplus_1c::backend::ReturnResult {
    b.return_sale(&ReturnRequest {
        return_id: rid.into(),
        document_id: doc.into(),
        date: None,
        lines: vec![ReturnLine {
            line_no: 1,
            quantity: d("1"),
            sum: d("900"),
        }],
    })
    .unwrap()
}

#[test]
fn restore_on_return_gives_spent_bonuses_back_only_when_on() {
    for (on, restored) in [(true, "100"), (false, "0")] {
        let (_dir, shop) = shop_with("{}");
        let b = &shop.backend;
        seed_bonuses(
            b,
            "100",
            &format!(r#"{{"accrualPercent":10,"restoreOnReturn":{on}}}"#),
        );
        let s = b
            .fix_sale(&sale("D-1", "100", vec![line(1, "A", "1000")]))
            .unwrap();
        assert_eq!(s.bonus_accrued, d("90"));
        let r = return_all(b, "R-1", "D-1");
        assert_eq!((r.bonus_restored, r.bonus_reversed), (d(restored), d("90")));
        assert_eq!(available(b), d(restored));
        assert_clean(b);
    }
}

#[test]
fn sms_control_makes_spending_wait_for_a_confirmed_code() {
    let (_dir, shop) = shop_with("{}");
    let b = &shop.backend;
    seed_bonuses(b, "100", r#"{"smsControl":true}"#);
    let calc = b
        .calculate(&order("D-1", None, vec![line(1, "A", "1000")]))
        .unwrap();
    assert_eq!((calc.bonus_debit, calc.max_bonus_debit), (d("0"), d("100")));
    assert_eq!(calc.messages.len(), 1, "{:?}", calc.messages);
    assert!(
        calc.messages[0].starts_with("Бонусы не списаны"),
        "{:?}",
        calc.messages
    );
    let calc = b
        .calculate_in(&order("D-1", None, vec![line(1, "A", "1000")]), Lang::En)
        .unwrap();
    assert_eq!(calc.bonus_debit, d("0"));
    assert_eq!(calc.messages.len(), 1, "{:?}", calc.messages);
    assert!(
        calc.messages[0].starts_with("No bonuses were applied"),
        "{:?}",
        calc.messages
    );
    assert_eq!(
        b.reserve("D-1", PHONE, d("50")).unwrap_err().code,
        ErrorCode::SmsRequired
    );
    let err = b
        .fix_sale(&sale("D-1", "50", vec![line(1, "A", "1000")]))
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::SmsRequired);
    // Earning needs no code.
    b.fix_sale(&sale("D-0", "0", vec![line(1, "A", "10")]))
        .unwrap();

    b.send_code(PHONE).unwrap();
    assert!(b
        .check_code(PHONE, &shop.sms.last_code(PHONE).unwrap())
        .unwrap());
    let calc = b
        .calculate(&order("D-1", None, vec![line(1, "A", "1000")]))
        .unwrap();
    assert_eq!(calc.bonus_debit, d("100"));
    b.reserve("D-1", PHONE, d("50")).unwrap();
    b.fix_sale(&sale("D-1", "50", vec![line(1, "A", "1000")]))
        .unwrap();
    // The confirmation lasts 10 minutes.
    shop.clock.advance_seconds(601);
    let err = b
        .fix_sale(&sale("D-2", "10", vec![line(1, "A", "1000")]))
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::SmsRequired);
    assert_clean(b);
}

#[test]
fn confirm_phone_on_registration_with_skip_after_seconds() {
    let dir = tempfile::tempdir().unwrap();
    let shop = open_shop(dir.path());
    let b = &shop.backend;
    b.set_policy(policy(
        r#"{"confirmPhoneOnRegistration":true,"skipConfirmationAfterSeconds":60}"#,
    ))
    .unwrap();
    // The confirmed path: SendCode → CheckCode → RegisterCustomer.
    b.send_code("79005550001").unwrap();
    assert!(b
        .check_code("79005550001", &shop.sms.last_code("79005550001").unwrap())
        .unwrap());
    let r = b
        .register_customer("79005550001", "", &CustomerData::default())
        .unwrap();
    assert!(r.created && r.customer.phone_confirmed);

    // No code yet: registering sends one and asks for it.
    let err = b
        .register_customer(PHONE, "", &CustomerData::default())
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::SmsRequired);
    assert!(shop.sms.last_code(PHONE).is_some());
    shop.clock.advance_seconds(59);
    let err = b
        .register_customer(PHONE, "", &CustomerData::default())
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::SmsRequired);
    assert!(b.find_customer("", PHONE).unwrap().is_none());
    shop.clock.advance_seconds(1);
    let r = b
        .register_customer(PHONE, "", &CustomerData::default())
        .unwrap();
    assert!(r.created && !r.customer.phone_confirmed);
    assert!(!b.find_customer("", PHONE).unwrap().unwrap().phone_confirmed);
    // Asked again next time: a confirmed code marks the customer.
    b.send_code(PHONE).unwrap();
    assert!(b
        .check_code(PHONE, &shop.sms.last_code(PHONE).unwrap())
        .unwrap());
    assert!(b.find_customer("", PHONE).unwrap().unwrap().phone_confirmed);
}

#[test]
fn confirm_phone_on_registration_without_skip_never_registers_unconfirmed() {
    let (_dir, shop) = shop_with("{}");
    let b = &shop.backend;
    b.set_policy(policy(r#"{"confirmPhoneOnRegistration":true}"#))
        .unwrap();
    b.send_code("79005550002").unwrap();
    shop.clock.advance_days(1);
    let err = b
        .register_customer("79005550002", "", &CustomerData::default())
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::SmsRequired);
}

#[test]
fn start_date_and_organization_choose_the_policy() {
    let (_dir, shop) = shop_with(r#"{"accrualPercent":1,"startDate":"2000-01-01T00:00:00"}"#);
    let b = &shop.backend;
    b.set_policy(policy(
        r#"{"accrualPercent":5,"startDate":"2025-01-01T00:00:00"}"#,
    ))
    .unwrap();
    b.set_policy(policy(
        r#"{"accrualPercent":10,"startDate":"2025-03-01T00:00:00"}"#,
    ))
    .unwrap();
    b.set_policy(policy(
        r#"{"organization":"Ромашка","accrualPercent":20,"startDate":"2025-01-01T00:00:00"}"#,
    ))
    .unwrap();
    let dated = |doc: &str, date: &str, org: &str| {
        let mut s = sale(doc, "0", vec![line(1, "A", "1000")]);
        s.date = Some(at(date));
        s.organization = org.into();
        b.fix_sale(&s).unwrap().bonus_accrued
    };
    assert_eq!(dated("D-1", "2025-02-28T23:59:59", ""), d("50"));
    assert_eq!(dated("D-2", "2025-03-01T00:00:00", ""), d("100"));
    assert_eq!(dated("D-3", "2024-12-31T10:00:00", ""), d("10"));
    assert_eq!(dated("D-4", "2025-03-05T10:00:00", "Ромашка"), d("200"));
    assert_eq!(dated("D-5", "2025-03-05T10:00:00", "Другая"), d("100"));
    assert_clean(b);
}

#[test]
fn discount_percent_applies_to_card_holders_unless_they_have_their_own() {
    let (_dir, shop) = shop_with(r#"{"discountPercent":5}"#);
    let b = &shop.backend;
    assert_eq!(
        b.find_customer("", PHONE)
            .unwrap()
            .unwrap()
            .discount_percent,
        d("5")
    );
    let calc = b
        .calculate(&order("D-1", Some("0"), vec![line(1, "A", "1000")]))
        .unwrap();
    assert_eq!(
        (calc.percent_discount_sum, calc.to_pay),
        (d("50"), d("950"))
    );
    b.update_customer(
        PHONE,
        &CustomerData {
            discount_percent: Some(d("7")),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(
        b.find_customer("", PHONE)
            .unwrap()
            .unwrap()
            .discount_percent,
        d("7")
    );
    let calc = b
        .calculate(&order("D-1", Some("0"), vec![line(1, "A", "1000")]))
        .unwrap();
    assert_eq!(calc.to_pay, d("930"));
    let r = b
        .fix_sale(&sale("D-1", "0", vec![line(1, "A", "1000")]))
        .unwrap();
    assert_eq!(r.customer.purchases_total, d("930"));
    assert_eq!(b.bonus_info("D-1").unwrap().percent_discount_sum, d("70"));
}

#[test]
fn reserve_days_release_an_abandoned_reserve_lazily_and_keep_a_record_of_it() {
    let (dir, shop) = shop_with(r#"{"accrualPercent":10,"reserveDays":30}"#);
    let b = &shop.backend;
    b.fix_sale(&sale("D-1", "0", vec![line(1, "A", "1000")]))
        .unwrap();
    // Day 0: an order holds all 100 bonuses and is never posted as a sale.
    b.reserve("ORDER-1", PHONE, d("100")).unwrap();
    assert_eq!(balances(b), (d("0"), d("0"), d("100")));
    shop.clock.advance_days(29);
    assert_eq!(balances(b), (d("0"), d("0"), d("100")), "live on day 29");
    assert_eq!(
        b.reserve("ORDER-2", PHONE, d("1")).unwrap_err().code,
        ErrorCode::InsufficientBonuses
    );
    shop.clock.advance_days(2);
    // Day 31: FindCard counts only live reserves, before anything is written.
    assert_eq!(
        balances(b),
        (d("100"), d("0"), d("0")),
        "released on day 31"
    );
    let released = |dir: &std::path::Path| -> Vec<(String, i64)> {
        let conn = rusqlite::Connection::open(dir.join("bonusplus.db")).unwrap();
        let mut stmt = conn
            .prepare("SELECT document_id, amount FROM released_reserves")
            .unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    assert!(released(dir.path()).is_empty(), "released lazily, not yet");
    // A new order spends the bonuses; the write releases the old reserve and records it.
    let calc = b
        .calculate(&order("ORDER-3", None, vec![line(1, "A", "500")]))
        .unwrap();
    assert_eq!(calc.bonus_debit, d("100"));
    assert_eq!(released(dir.path()), [("ORDER-1".to_owned(), 10_000)]);
    b.fix_sale(&sale("D-2", "100", vec![line(1, "A", "500")]))
        .unwrap();
    assert_eq!(balances(b), (d("40"), d("0"), d("0")));
    assert_clean(b);
}

#[test]
fn reserve_days_zero_keeps_a_reserve_until_it_is_spent_or_cancelled() {
    let (_dir, shop) = shop_with(r#"{"accrualPercent":10,"reserveDays":0}"#);
    let b = &shop.backend;
    b.fix_sale(&sale("D-1", "0", vec![line(1, "A", "1000")]))
        .unwrap();
    b.reserve("ORDER-1", PHONE, d("100")).unwrap();
    shop.clock.advance_days(400);
    assert_eq!(balances(b), (d("0"), d("0"), d("100")));
    b.cancel_reserve("ORDER-1").unwrap();
    assert_eq!(balances(b), (d("100"), d("0"), d("0")));
    assert_clean(b);
}

#[test]
fn a_sale_naming_an_unknown_reserve_is_not_found_and_an_expired_one_still_sells() {
    let (_dir, shop) = shop_with(r#"{"accrualPercent":10}"#);
    let b = &shop.backend;
    b.fix_sale(&sale("D-1", "0", vec![line(1, "A", "1000")]))
        .unwrap();
    let mut unknown = sale("D-2", "0", vec![line(1, "A", "10")]);
    unknown.reserve_id = Some("NO-SUCH-ORDER".into());
    assert_eq!(b.fix_sale(&unknown).unwrap_err().code, ErrorCode::NotFound);
    // The default reserveDays (30): an order reserved 40 days ago is released, not unknown.
    b.reserve("ORDER-1", PHONE, d("50")).unwrap();
    shop.clock.advance_days(40);
    let mut late = sale("D-3", "50", vec![line(1, "A", "100")]);
    late.reserve_id = Some("ORDER-1".into());
    assert_eq!(b.fix_sale(&late).unwrap().bonus_debited, d("50"));
    assert_clean(b);
}
