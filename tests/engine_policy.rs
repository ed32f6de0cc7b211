//! One test per Policy key: its effect on a calculation, or (for the keys the backend acts on)
//! its serde, default and validation.
use bonusplus_1c::engine::{
    calculate, calculate_in, select_policy, Account, BonusPolicy, LocalDateTime, Order,
};
use bonusplus_1c::error::ErrorCode;
use bonusplus_1c::i18n::Lang;
use rust_decimal::Decimal;
use std::str::FromStr;

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

/// Lines: A 3000, B 3120, C 2040 (the seed receipt).
fn order() -> Order {
    Order::from_json(
        r#"{"phone":"79001112233","lines":[
            {"lineNo":1,"product":"A","quantity":1,"sum":3000},
            {"lineNo":2,"product":"B","quantity":1,"sum":3120},
            {"lineNo":3,"product":"C","quantity":2,"sum":2040}]}"#,
    )
    .unwrap()
}

fn account(bonuses: &str) -> Account {
    Account {
        phone: "79001112233".into(),
        available_bonuses: d(bonuses),
        discount_percent: None,
    }
}

fn column(
    calc: &bonusplus_1c::engine::Calculation,
    f: fn(&bonusplus_1c::engine::CalculationLine) -> Decimal,
) -> Vec<Decimal> {
    calc.lines.iter().map(f).collect()
}

#[test]
fn accrual_percent() {
    let none = calculate(&order(), &account("0"), &BonusPolicy::default()).unwrap();
    assert_eq!(none.bonus_accrual, d("0"));
    let policy = BonusPolicy {
        accrual_percent: d("5"),
        ..BonusPolicy::default()
    };
    let calc = calculate(&order(), &account("0"), &policy).unwrap();
    assert_eq!(
        column(&calc, |l| l.bonus_accrual),
        vec![d("150"), d("156"), d("102")]
    );
    assert_eq!(calc.bonus_accrual, d("408"));
}

#[test]
fn accrual_excluded_without_the_switch_has_no_effect() {
    let policy = BonusPolicy {
        accrual_percent: d("1"),
        accrual_excluded: vec!["A".into()],
        no_accrual_when_paid_with_bonuses: false,
        ..BonusPolicy::default()
    };
    let calc = calculate(&order(), &account("100"), &policy).unwrap();
    assert_eq!(
        column(&calc, |l| l.bonus_accrual),
        vec![d("29.63"), d("30.82"), d("20.15")]
    );
}

#[test]
fn accrual_excluded_with_the_switch() {
    let policy = BonusPolicy {
        accrual_percent: d("1"),
        accrual_excluded: vec!["A".into(), "C".into()],
        no_accrual_when_paid_with_bonuses: true,
        payment_excluded: vec!["C".into()],
        ..BonusPolicy::default()
    };
    let calc = calculate(&order(), &account("100"), &policy).unwrap();
    // A is paid partly with bonuses: nothing. C is excluded too but not paid with bonuses: earns.
    assert!(calc.lines[0].bonus_debit_sum > d("0"));
    assert_eq!(calc.lines[2].bonus_debit_sum, d("0"));
    assert_eq!(calc.lines[0].bonus_accrual, d("0"));
    assert_eq!(calc.lines[2].bonus_accrual, d("20.40"));
    assert!(calc.lines[1].bonus_accrual > d("0"));
    // Without bonuses spent, the excluded products earn as usual.
    let calc = calculate(&order(), &account("0"), &policy).unwrap();
    assert_eq!(
        column(&calc, |l| l.bonus_accrual),
        vec![d("30"), d("31.20"), d("20.40")]
    );
}

#[test]
fn rate() {
    // One bonus is worth 0.5 rouble: 100 bonuses pay 50 roubles.
    let policy = BonusPolicy {
        rate: d("0.5"),
        accrual_percent: d("1"),
        ..BonusPolicy::default()
    };
    let calc = calculate(&order(), &account("100"), &policy).unwrap();
    assert_eq!(calc.bonus_debit, d("100"));
    assert_eq!(calc.bonus_debit_sum, d("50"));
    assert_eq!(calc.to_pay, d("8110"));
    // Accrual converts back: 1 % of 2981.62 = 29.8162 roubles = 59.6324 bonuses.
    assert_eq!(calc.lines[0].sum_after, d("2981.62"));
    assert_eq!(calc.lines[0].bonus_accrual, d("59.63"));
    // Two roubles per bonus, limited by the receipt: a 10-rouble receipt takes 5 bonuses.
    let small =
        Order::from_json(r#"{"cardNumber":"1","lines":[{"lineNo":1,"quantity":1,"sum":10}]}"#)
            .unwrap();
    let policy = BonusPolicy {
        rate: d("2"),
        ..BonusPolicy::default()
    };
    let calc = calculate(&small, &account("100"), &policy).unwrap();
    assert_eq!(
        (
            calc.max_bonus_debit,
            calc.bonus_debit,
            calc.bonus_debit_sum,
            calc.to_pay
        ),
        (d("5"), d("5"), d("10"), d("0"))
    );
    // An awkward rate: the bonuses are derived back from the money (10 / 0.3 = 33.33).
    let policy = BonusPolicy {
        rate: d("0.3"),
        ..BonusPolicy::default()
    };
    let calc = calculate(&small, &account("1000"), &policy).unwrap();
    assert_eq!(calc.bonus_debit_sum, d("10"));
    assert_eq!(calc.bonus_debit, d("33.33")); // 33.33 × 0.3 = 9.999 → 10.00
}

#[test]
fn max_payment_percent() {
    let policy = BonusPolicy {
        max_payment_percent: Some(d("1")),
        ..BonusPolicy::default()
    };
    let calc = calculate(&order(), &account("1000"), &policy).unwrap();
    assert_eq!(calc.max_bonus_debit, d("81.60"));
    assert_eq!(calc.bonus_debit_sum, d("81.60"));
    // Of the receipt AFTER the percent discount, rounded down: 50 % of 99.99 is 49.99.
    let odd = Order::from_json(r#"{"phone":"7","lines":[{"lineNo":1,"quantity":1,"sum":99.99}]}"#)
        .unwrap();
    let policy = BonusPolicy {
        max_payment_percent: Some(d("50")),
        ..BonusPolicy::default()
    };
    assert_eq!(
        calculate(&odd, &account("1000"), &policy)
            .unwrap()
            .bonus_debit_sum,
        d("49.99")
    );
    let policy = BonusPolicy {
        max_payment_percent: Some(d("50")),
        discount_percent: d("10"),
        ..BonusPolicy::default()
    };
    let calc = calculate(&order(), &account("100000"), &policy).unwrap();
    assert_eq!(calc.percent_discount_sum, d("816"));
    assert_eq!(calc.bonus_debit_sum, d("3672"));
    // null = no limit: the whole receipt.
    let calc = calculate(&odd, &account("1000"), &BonusPolicy::default()).unwrap();
    assert_eq!(calc.to_pay, d("0"));
}

#[test]
fn payment_excluded() {
    let policy = BonusPolicy {
        payment_excluded: vec!["B".into()],
        ..BonusPolicy::default()
    };
    let calc = calculate(&order(), &account("100"), &policy).unwrap();
    // 100 over A 3000 and C 2040 only.
    assert_eq!(
        column(&calc, |l| l.bonus_debit_sum),
        vec![d("59.52"), d("0"), d("40.48")]
    );
    // Everything excluded: nothing can be paid with bonuses.
    let policy = BonusPolicy {
        payment_excluded: vec!["A".into(), "B".into(), "C".into()],
        ..BonusPolicy::default()
    };
    let calc = calculate(&order(), &account("100"), &policy).unwrap();
    assert_eq!(
        (calc.max_bonus_debit, calc.bonus_debit_sum),
        (d("0"), d("0"))
    );
}

#[test]
fn discount_percent_of_the_policy_and_of_the_card() {
    let policy = BonusPolicy {
        discount_percent: d("5"),
        ..BonusPolicy::default()
    };
    let calc = calculate(&order(), &account("0"), &policy).unwrap();
    assert_eq!(calc.percent_discount_sum, d("408"));
    assert_eq!(
        column(&calc, |l| l.percent_discount_sum),
        vec![d("150"), d("156"), d("102")]
    );
    assert_eq!(calc.discount_percent, d("5"));
    // The card's own percent wins over the policy's.
    let card = Account {
        discount_percent: Some(d("0")),
        ..account("0")
    };
    assert_eq!(
        calculate(&order(), &card, &policy)
            .unwrap()
            .percent_discount_sum,
        d("0")
    );
    let bad = Account {
        discount_percent: Some(d("101")),
        ..account("0")
    };
    assert_eq!(
        calculate(&order(), &bad, &policy).unwrap_err().code,
        ErrorCode::InvalidArgument
    );
}

#[test]
fn use_bonuses_false_and_requested_bonus_debit() {
    let mut order = order();
    order.use_bonuses = false;
    let calc = calculate(&order, &account("100"), &BonusPolicy::default()).unwrap();
    assert_eq!(
        (calc.bonus_debit, calc.bonus_debit_sum, calc.max_bonus_debit),
        (d("0"), d("0"), d("100"))
    );
    order.use_bonuses = true;
    order.bonus_debit = Some(d("40"));
    let calc = calculate(&order, &account("100"), &BonusPolicy::default()).unwrap();
    assert_eq!(calc.bonus_debit, d("40"));
    assert!(calc.messages.is_empty());
    order.bonus_debit = Some(d("150"));
    let calc = calculate_in(&order, &account("100"), &BonusPolicy::default(), Lang::En).unwrap();
    assert_eq!(calc.bonus_debit, d("100"));
    assert_eq!(calc.messages.len(), 1);
    assert!(
        calc.messages[0].contains("150") && calc.messages[0].contains("100"),
        "{:?}",
        calc.messages
    );
    let ru = calculate(&order, &account("100"), &BonusPolicy::default()).unwrap();
    assert!(ru.messages[0].contains("Запрошено"));
}

fn at(s: &str) -> LocalDateTime {
    LocalDateTime::parse(s).unwrap()
}

#[test]
fn start_date_and_organization_select_the_policy() {
    let policy = |org: &str, start: &str, accrual: &str| BonusPolicy {
        organization: org.into(),
        start_date: at(start),
        accrual_percent: d(accrual),
        ..BonusPolicy::default()
    };
    let policies = vec![
        policy("", "2020-01-01", "1"),
        policy("", "2021-01-01", "2"),
        policy("Org", "2021-06-01", "3"),
        policy("Org", "2022-01-01", "4"),
    ];
    let pick =
        |org: &str, date: &str| select_policy(&policies, org, at(date)).map(|p| p.accrual_percent);
    assert_eq!(pick("", "2019-12-31T23:59:59"), None);
    assert_eq!(pick("", "2020-01-01T00:00:00"), Some(d("1")));
    assert_eq!(pick("", "2021-05-01"), Some(d("2")));
    assert_eq!(pick("Other", "2021-05-01"), Some(d("2"))); // no own policy: the general one
    assert_eq!(pick("Org", "2021-07-01"), Some(d("3")));
    assert_eq!(pick("Org", "2023-01-01"), Some(d("4")));
    // Org's own policies start later: the general one applies until then.
    assert_eq!(pick("Org", "2021-05-31T23:59:59"), Some(d("2")));
    assert_eq!(select_policy(&[], "Org", at("2021-01-01")), None);
    // The selected policy drives the calculation.
    let chosen = select_policy(&policies, "Org", at("2021-07-01")).unwrap();
    assert_eq!(
        calculate(&order(), &account("0"), chosen)
            .unwrap()
            .bonus_accrual,
        d("244.80")
    );
}

#[test]
fn keys_without_calculation_effect_serde_defaults_and_validation() {
    let json = r#"{"organization":"Org","startDate":"2021-01-01T00:00:00","activationDelayDays":14,
        "expiryDays":365,"restoreOnReturn":true,"smsControl":true,"confirmPhoneOnRegistration":true,
        "skipConfirmationAfterSeconds":120,"rate":0.5,"maxPaymentPercent":30}"#;
    let policy = BonusPolicy::from_json(json).unwrap();
    assert_eq!(policy.activation_delay_days, 14);
    assert_eq!(policy.expiry_days, Some(365));
    assert_eq!(policy.expiry(), Some(365));
    assert!(policy.restore_on_return && policy.sms_control && policy.confirm_phone_on_registration);
    assert_eq!(policy.skip_confirmation_after_seconds, Some(120));
    // They do not change the calculation.
    let plain = BonusPolicy {
        rate: d("0.5"),
        max_payment_percent: Some(d("30")),
        ..BonusPolicy::default()
    };
    let with_keys = BonusPolicy {
        organization: String::new(),
        start_date: LocalDateTime::MIN,
        ..policy.clone()
    };
    assert_eq!(
        calculate(&order(), &account("100"), &plain).unwrap(),
        calculate(&order(), &account("100"), &with_keys).unwrap()
    );
    // Output JSON: numbers as numbers, every key present, and it reads back the same.
    let out = serde_json::to_string(&policy).unwrap();
    for key in [
        r#""rate":0.5"#,
        r#""maxPaymentPercent":30"#,
        r#""accrualPercent":0"#,
        r#""startDate":"2021-01-01T00:00:00""#,
        r#""expiryDays":365"#,
        r#""accrualExcluded":[]"#,
        r#""noAccrualWhenPaidWithBonuses":false"#,
    ] {
        assert!(out.contains(key), "{key} not in {out}");
    }
    assert_eq!(BonusPolicy::from_json(&out).unwrap(), policy);
    // Defaults: null expiry and 0 both mean never.
    let defaults = BonusPolicy::from_json(r#"{"expiryDays":0,"maxPaymentPercent":null}"#).unwrap();
    assert_eq!(defaults.expiry(), None);
    assert_eq!(defaults.max_payment_percent, None);
    assert_eq!(defaults.rate, d("1"));
    assert!(
        !defaults.sms_control
            && !defaults.restore_on_return
            && !defaults.confirm_phone_on_registration
    );
    assert_eq!(defaults.skip_confirmation_after_seconds, None);
}

#[test]
fn policy_validation_names_the_key() {
    for (json, key) in [
        (r#"{"accrualPercent":101}"#, "accrualPercent"),
        (r#"{"accrualPercent":-1}"#, "accrualPercent"),
        (r#"{"discountPercent":100.01}"#, "discountPercent"),
        (r#"{"maxPaymentPercent":-5}"#, "maxPaymentPercent"),
        (r#"{"rate":0}"#, "rate"),
        (r#"{"rate":-1}"#, "rate"),
        (r#"{"activationDelayDays":-1}"#, "activationDelayDays"),
        (r#"{"activationDelayDays":100000}"#, "activationDelayDays"),
        (r#"{"expiryDays":1.5}"#, "expiryDays"),
        (r#"{"smsControl":"yes"}"#, "smsControl"),
        (r#"{"accrualPercent":"5"}"#, "accrualPercent"),
        (r#"{"startDate":"2021-02-30"}"#, "startDate"),
        (r#"{"paymentExcluded":"A"}"#, "paymentExcluded"),
        (r#"{"paymentExcluded":[""]}"#, "paymentExcluded"),
        (r#"{"accrualPrecent":5}"#, "accrualPrecent"),
        (
            r#"{"skipConfirmationAfterSeconds":-3}"#,
            "skipConfirmationAfterSeconds",
        ),
    ] {
        let error = BonusPolicy::from_json(json).unwrap_err();
        assert_eq!(error.code, ErrorCode::InvalidArgument, "{json}");
        assert!(
            error.message_en.contains(key) && error.message_ru.contains(key),
            "{json}: {error:?}"
        );
    }
    assert_eq!(
        BonusPolicy::from_json("[1]").unwrap_err().code,
        ErrorCode::InvalidArgument
    );
    assert_eq!(
        BonusPolicy::from_json("{").unwrap_err().code,
        ErrorCode::InvalidArgument
    );
    // calculate refuses an invalid policy built in code.
    let bad = BonusPolicy {
        rate: d("0"),
        ..BonusPolicy::default()
    };
    assert_eq!(
        calculate(&order(), &account("1"), &bad).unwrap_err().code,
        ErrorCode::InvalidArgument
    );
}
