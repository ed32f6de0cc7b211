//! The seed examples of issue 3 and the contract's example JSON.
use bonusplus_1c::engine::{calculate, Account, BonusPolicy, Order};
use rust_decimal::Decimal;
use std::str::FromStr;

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

const SEED_ORDER: &str = r#"{"documentId":"ТД00-000001","phone":"79001112233","cardNumber":"","useBonuses":true,
 "bonusDebit":null,"date":"2021-01-15T15:49:30","coupons":[],
 "lines":[{"lineNo":1,"product":"00-00000012","category":"","name":"Вентилятор настольный","quantity":1,"price":3000,"sum":3000,"discountSum":0},
          {"lineNo":2,"product":"00-00000013","name":"Чайник","quantity":1,"price":3120,"sum":3120,"discountSum":0},
          {"lineNo":3,"product":"00-00000014","name":"Утюг","quantity":2,"price":1020,"sum":2040,"discountSum":0}]}"#;

fn account(bonuses: &str, discount: Option<&str>) -> Account {
    Account {
        phone: "79001112233".into(),
        available_bonuses: d(bonuses),
        discount_percent: discount.map(d),
    }
}

#[test]
fn seed_three_lines_hundred_bonuses() {
    let order = Order::from_json(SEED_ORDER).unwrap();
    let policy = BonusPolicy {
        accrual_percent: d("1"),
        ..BonusPolicy::default()
    };
    let calc = calculate(&order, &account("100", None), &policy).unwrap();
    let debit: Vec<Decimal> = calc.lines.iter().map(|l| l.bonus_debit_sum).collect();
    assert_eq!(debit, vec![d("36.76"), d("38.24"), d("25.00")]);
    assert!(calc.lines.iter().all(|l| l.discount_percent == d("1.23")));
    let accrual: Vec<Decimal> = calc.lines.iter().map(|l| l.bonus_accrual).collect();
    assert_eq!(accrual, vec![d("29.63"), d("30.82"), d("20.15")]);
    assert_eq!(calc.document_sum, d("8160"));
    assert_eq!(calc.to_pay, d("8060"));
    assert_eq!(calc.bonus_debit, d("100"));
    assert_eq!(calc.max_bonus_debit, d("100"));
    assert_eq!(calc.bonus_debit_sum, d("100"));
    assert_eq!(calc.total_discount, d("100"));
    assert_eq!(calc.bonus_accrual, d("80.60"));
    assert_eq!(calc.lines[0].sum_after, d("2963.24"));
    assert!(calc.messages.is_empty());
}

#[test]
fn seed_ten_percent_card_and_hundred_bonuses() {
    let order = Order::from_json(
        r#"{"phone":"79001112233","lines":[{"lineNo":1,"product":"A","quantity":1,"price":3000,"sum":3000}]}"#,
    )
    .unwrap();
    let calc = calculate(&order, &account("100", Some("10")), &BonusPolicy::default()).unwrap();
    assert_eq!(calc.percent_discount_sum, d("300"));
    assert_eq!(calc.bonus_debit_sum, d("100"));
    assert_eq!(calc.to_pay, d("2600"));
    assert_eq!(calc.discount_percent, d("10"));
    assert_eq!(calc.lines[0].discount_percent, d("13.33"));
}

#[test]
fn output_json_has_numbers_like_the_contract() {
    let order = Order::from_json(SEED_ORDER).unwrap();
    let policy = BonusPolicy {
        accrual_percent: d("1"),
        ..BonusPolicy::default()
    };
    let calc = calculate(&order, &account("100", None), &policy).unwrap();
    let json = serde_json::to_string(&calc).unwrap();
    for expected in [
        r#""documentSum":8160,"#,
        r#""discountPercent":0,"#,
        r#""toPay":8060,"#,
        r#""bonusAccrual":80.6,"#,
        r#""bonusDebit":100,"#,
        r#""messages":[]"#,
        r#"{"lineNo":1,"sum":3000,"percentDiscountSum":0,"bonusDebitSum":36.76,"discountSum":36.76,"discountPercent":1.23,"sumAfter":2963.24,"bonusAccrual":29.63,"fiscalLines":[{"quantity":1,"price":2963.24,"sum":2963.24}]}"#,
        // Line 3 (2 units, 2015): one group at a whole-kopeck price.
        r#""sumAfter":2015,"bonusAccrual":20.15,"fiscalLines":[{"quantity":2,"price":1007.5,"sum":2015}]"#,
        r#""bonusDebitSum":25,"#,
    ] {
        assert!(json.contains(expected), "{expected} not in {json}");
    }
    // The contract's example reads back into the same structure, exactly.
    let back: bonusplus_1c::engine::Calculation = serde_json::from_str(&json).unwrap();
    assert_eq!(back, calc);
    assert_eq!(back.lines[0].bonus_debit_sum.to_string(), "36.76");
    // Through serde_json::Value too (what the component may do).
    let value = serde_json::to_value(&calc).unwrap();
    assert_eq!(value["lines"][0]["bonusDebitSum"].to_string(), "36.76");
    assert!(value["toPay"].is_number());
}

#[test]
fn decimal_round_trips_exactly_through_json() {
    let order = Order::from_json(
        r#"{"phone":"7","bonusDebit":36.76,"lines":[{"lineNo":1,"quantity":0.001,"sum":36.76,"price":36760}]}"#,
    )
    .unwrap();
    assert_eq!(order.bonus_debit, Some(d("36.76")));
    assert_eq!(order.lines[0].sum.to_string(), "36.76");
    let json = serde_json::to_string(&order).unwrap();
    assert!(json.contains(r#""bonusDebit":36.76"#), "{json}");
    assert!(json.contains(r#""sum":36.76"#), "{json}");
    assert!(json.contains(r#""quantity":0.001"#), "{json}");
    let back = Order::from_json(&json).unwrap();
    assert_eq!(back, order);
}

/// After a card discount the bonus money is still spread in proportion to the line sums (the 1C
/// routine), not to what the discount left of each line: 30.08 over 33.12 / 33.95 at 5 % gives
/// 14.85 / 15.23, where shares of the remainders (31.47 / 32.25) would give 14.86 / 15.22.
#[test]
fn bonus_after_a_card_discount_is_spread_by_line_sums() {
    let order = Order::from_json(
        r#"{"phone":"79001112233","bonusDebit":30.08,"lines":[
            {"lineNo":1,"product":"A","quantity":1,"sum":33.12},
            {"lineNo":2,"product":"B","quantity":1,"sum":33.95}]}"#,
    )
    .unwrap();
    let calc = calculate(&order, &account("100", Some("5")), &BonusPolicy::default()).unwrap();
    let percent: Vec<Decimal> = calc.lines.iter().map(|l| l.percent_discount_sum).collect();
    assert_eq!(percent, vec![d("1.65"), d("1.70")]);
    let debit: Vec<Decimal> = calc.lines.iter().map(|l| l.bonus_debit_sum).collect();
    assert_eq!(debit, vec![d("14.85"), d("15.23")]);
    assert_eq!(calc.bonus_debit_sum, d("30.08"));
    assert_eq!(calc.to_pay, d("33.64"));
}
