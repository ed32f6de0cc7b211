//! Order validation: every bad input is INVALID_ARGUMENT naming the key (and the line).
use bonusplus_1c::engine::order::{MAX_COUPONS, MAX_ID_CHARS, MAX_LINES, MAX_NAME_CHARS};
use bonusplus_1c::engine::Order;
use bonusplus_1c::error::{Error, ErrorCode};

fn refused(json: &str) -> Error {
    let error = Order::from_json(json).expect_err(json);
    assert_eq!(error.code, ErrorCode::InvalidArgument, "{json}");
    assert!(!error.message_ru.is_empty() && !error.message_en.is_empty());
    error
}

fn assert_names(json: &str, parts: &[&str]) {
    let error = refused(json);
    for part in parts {
        assert!(
            error.message_en.contains(part),
            "{part} not in {:?} for {json}",
            error.message_en
        );
    }
    // The Russian message names the same place.
    assert!(
        error.message_ru.contains(parts[0]),
        "{:?}",
        error.message_ru
    );
}

fn with_line(line: &str) -> String {
    format!(r#"{{"phone":"79001112233","lines":[{{"lineNo":1,"quantity":1,"sum":10}},{line}]}}"#)
}

#[test]
fn a_good_order_passes() {
    let order = Order::from_json(&with_line(
        r#"{"lineNo":2,"quantity":0.125,"sum":0,"price":0,"discountSum":0.01}"#,
    ))
    .unwrap();
    assert_eq!(order.lines.len(), 2);
    assert!(order.use_bonuses);
    // Sale keys and the optional ones.
    let sale = Order::from_json(
        r#"{"documentId":"S1","cardNumber":"123","organization":"Org","coupons":["X"],"reserveId":"R1",
            "bonusDebit":12.5,"useBonuses":false,"date":"2021-01-15 15:49:30","lines":[{"lineNo":7,"quantity":1,"sum":1}]}"#,
    )
    .unwrap();
    assert_eq!(sale.reserve_id.as_deref(), Some("R1"));
    assert_eq!(sale.date.unwrap().to_string(), "2021-01-15T15:49:30");
    assert!(!sale.use_bonuses);
    // null for optional keys means the default.
    let nulls = Order::from_json(
        r#"{"phone":"7","cardNumber":null,"bonusDebit":null,"date":null,"coupons":null,"reserveId":null,
            "lines":[{"lineNo":1,"quantity":1,"sum":1,"price":null,"product":null}]}"#,
    )
    .unwrap();
    assert_eq!(nulls.bonus_debit, None);
    // 1C's unfilled date (ЗаписатьJSON of Дата(1, 1, 1)) is no date, i.e. now; one second later
    // is a real (if odd) date.
    let date_of = |date: &str| {
        Order::from_json(&format!(
            r#"{{"phone":"7","date":"{date}","lines":[{{"lineNo":1,"quantity":1,"sum":1}}]}}"#
        ))
        .unwrap()
        .date
    };
    assert_eq!(date_of("0001-01-01T00:00:00"), None);
    assert_eq!(date_of(""), None);
    assert_eq!(
        date_of("0001-01-01T00:00:01").unwrap().to_string(),
        "0001-01-01T00:00:01"
    );
    // The same for a Return.
    for date in ["\"\"", "\"0001-01-01T00:00:00\"", "null"] {
        let ret: bonusplus_1c::backend::ReturnRequest = serde_json::from_str(&format!(
            r#"{{"returnId":"R","documentId":"S","date":{date},"lines":[]}}"#
        ))
        .unwrap();
        assert_eq!(ret.date, None, "{date}");
    }
}

#[test]
fn malformed_json_and_wrong_shapes() {
    refused("");
    refused("{");
    refused("not json");
    refused("[]");
    refused("42");
    refused(r#"{"phone":"7","lines":[{"lineNo":1,"quantity":1,"sum":1}]} trailing"#);
    assert_names(r#"{"phone":"7","lines":5}"#, &["lines"]);
    assert_names(r#"{"phone":"7","lines":[5]}"#, &["lines[0]"]);
    assert_names(r#"{"phone":"7"}"#, &["lines", "missing"]);
    assert_names(r#"{"phone":"7","lines":[]}"#, &["lines", "no lines"]);
}

#[test]
fn wrong_types_name_the_key_and_line() {
    assert_names(
        &with_line(r#"{"lineNo":2,"quantity":1,"sum":"10"}"#),
        &["lines[1].sum", "lineNo 2", "number"],
    );
    assert_names(
        &with_line(r#"{"lineNo":2,"quantity":true,"sum":10}"#),
        &["lines[1].quantity", "number"],
    );
    assert_names(
        &with_line(r#"{"lineNo":"2","quantity":1,"sum":10}"#),
        &["lines[1].lineNo"],
    );
    assert_names(
        &with_line(r#"{"lineNo":2.5,"quantity":1,"sum":10}"#),
        &["lines[1].lineNo"],
    );
    assert_names(
        &with_line(r#"{"lineNo":2,"quantity":1,"sum":10,"product":5}"#),
        &["lines[1].product", "string"],
    );
    assert_names(
        &with_line(r#"{"lineNo":2,"quantity":1}"#),
        &["lines[1].sum", "missing"],
    );
    assert_names(
        &with_line(r#"{"quantity":1,"sum":1}"#),
        &["lines[1].lineNo", "missing"],
    );
    assert_names(
        &with_line(r#"{"lineNo":2,"quantity":1,"sum":1,"sum":2}"#),
        &["lines[1].sum", "twice"],
    );
    assert_names(
        r#"{"phone":7,"lines":[{"lineNo":1,"quantity":1,"sum":1}]}"#,
        &["phone", "string"],
    );
    assert_names(
        r#"{"phone":"7","useBonuses":"yes","lines":[{"lineNo":1,"quantity":1,"sum":1}]}"#,
        &["useBonuses"],
    );
    assert_names(
        r#"{"phone":"7","bonusDebit":"10","lines":[{"lineNo":1,"quantity":1,"sum":1}]}"#,
        &["bonusDebit"],
    );
    assert_names(
        r#"{"phone":"7","date":"2021-02-30","lines":[{"lineNo":1,"quantity":1,"sum":1}]}"#,
        &["date"],
    );
    assert_names(
        r#"{"phone":"7","coupons":[1],"lines":[{"lineNo":1,"quantity":1,"sum":1}]}"#,
        &["coupons"],
    );
}

#[test]
fn unknown_keys_are_refused() {
    assert_names(
        r#"{"phone":"7","bonusDebt":5,"lines":[{"lineNo":1,"quantity":1,"sum":1}]}"#,
        &["bonusDebt", "unknown"],
    );
    assert_names(
        &with_line(r#"{"lineNo":2,"quantity":1,"sum":1,"summ":1}"#),
        &["lines[1]", "summ", "unknown"],
    );
}

#[test]
fn values_out_of_range() {
    assert_names(
        &with_line(r#"{"lineNo":2,"quantity":1,"sum":-0.01}"#),
        &["lines[1].sum", "lineNo 2", "negative"],
    );
    assert_names(
        &with_line(r#"{"lineNo":2,"quantity":1,"sum":1.005}"#),
        &["lines[1].sum", "2 decimals"],
    );
    assert_names(
        &with_line(r#"{"lineNo":2,"quantity":1,"sum":1e13}"#),
        &["lines[1].sum", "limit"],
    );
    assert_names(
        &with_line(r#"{"lineNo":2,"quantity":1,"sum":1e40}"#),
        &["lines[1].sum"],
    );
    assert_names(
        &with_line(r#"{"lineNo":2,"quantity":0,"sum":1}"#),
        &["lines[1].quantity", "above zero"],
    );
    assert_names(
        &with_line(r#"{"lineNo":2,"quantity":-1,"sum":1}"#),
        &["lines[1].quantity"],
    );
    assert_names(
        &with_line(r#"{"lineNo":2,"quantity":1.0001,"sum":1}"#),
        &["lines[1].quantity", "3 decimals"],
    );
    assert_names(
        &with_line(r#"{"lineNo":2,"quantity":1,"sum":1,"price":-1}"#),
        &["lines[1].price", "negative"],
    );
    assert_names(
        &with_line(r#"{"lineNo":2,"quantity":1,"sum":1,"discountSum":-1}"#),
        &["lines[1].discountSum"],
    );
    assert_names(
        r#"{"phone":"7","bonusDebit":-1,"lines":[{"lineNo":1,"quantity":1,"sum":1}]}"#,
        &["bonusDebit", "negative"],
    );
    assert_names(
        r#"{"phone":"7","bonusDebit":0.001,"lines":[{"lineNo":1,"quantity":1,"sum":1}]}"#,
        &["bonusDebit", "2 decimals"],
    );
    // 3000.00 and 1.50 are fine: trailing zeros are not decimals.
    Order::from_json(&with_line(
        r#"{"lineNo":2,"quantity":1.500,"sum":3000.000}"#,
    ))
    .unwrap();
}

#[test]
fn phone_or_card_required() {
    assert_names(
        r#"{"lines":[{"lineNo":1,"quantity":1,"sum":1}]}"#,
        &["phone", "card"],
    );
    assert_names(
        r#"{"phone":" ","cardNumber":"","lines":[{"lineNo":1,"quantity":1,"sum":1}]}"#,
        &["phone"],
    );
    Order::from_json(r#"{"cardNumber":"123","lines":[{"lineNo":1,"quantity":1,"sum":1}]}"#)
        .unwrap();
}

#[test]
fn duplicate_line_numbers() {
    assert_names(
        &with_line(r#"{"lineNo":1,"quantity":1,"sum":1}"#),
        &["lines[1].lineNo", "1", "repeated", "lines[0]"],
    );
    let json = r#"{"phone":"7","lines":[{"lineNo":5,"quantity":1,"sum":1},{"lineNo":3,"quantity":1,"sum":1},{"lineNo":5,"quantity":1,"sum":1}]}"#;
    assert_names(json, &["lines[2].lineNo", "repeated"]);
    // Unordered but unique is fine.
    Order::from_json(r#"{"phone":"7","lines":[{"lineNo":5,"quantity":1,"sum":1},{"lineNo":3,"quantity":1,"sum":1}]}"#).unwrap();
}

#[test]
fn too_many_lines_is_refused_without_building_them() {
    let line = r#"{"lineNo":0,"quantity":1,"sum":1},"#;
    let mut json = String::from(r#"{"phone":"7","lines":["#);
    for _ in 0..=MAX_LINES {
        json.push_str(line);
    }
    json.push_str(r#"{"lineNo":0,"quantity":1,"sum":1}]}"#);
    assert_names(&json, &["lines", "too many"]);
    // Exactly the limit (with unique numbers) is accepted.
    let mut json = String::from(r#"{"phone":"7","lines":["#);
    for i in 0..MAX_LINES {
        if i > 0 {
            json.push(',');
        }
        json.push_str(&format!(r#"{{"lineNo":{i},"quantity":1,"sum":1}}"#));
    }
    json.push_str("]}");
    assert_eq!(Order::from_json(&json).unwrap().lines.len(), MAX_LINES);
}

#[test]
fn runaway_texts_are_refused_at_their_limit() {
    let id = |n: usize| "Я".repeat(n);
    // Cyrillic is counted in characters, not bytes: exactly the limit passes.
    let at_limit = format!(
        r#"{{"documentId":"{}","phone":"7","lines":[{{"lineNo":1,"product":"{}","name":"{}","quantity":1,"sum":1}}]}}"#,
        id(MAX_ID_CHARS),
        id(MAX_ID_CHARS),
        id(MAX_NAME_CHARS)
    );
    Order::from_json(&at_limit).unwrap();
    for key in ["documentId", "cardNumber", "organization", "reserveId"] {
        let json = format!(
            r#"{{"{key}":"{}","phone":"7","lines":[{{"lineNo":1,"quantity":1,"sum":1}}]}}"#,
            id(MAX_ID_CHARS + 1)
        );
        assert_names(&json, &[key, "longer than 200"]);
    }
    assert_names(
        &format!(
            r#"{{"phone":"{}","lines":[{{"lineNo":1,"quantity":1,"sum":1}}]}}"#,
            "7".repeat(201)
        ),
        &["phone", "longer than 200"],
    );
    assert_names(
        &with_line(&format!(
            r#"{{"lineNo":2,"quantity":1,"sum":1,"product":"{}"}}"#,
            id(201)
        )),
        &["lines[1].product", "lineNo 2", "longer than 200"],
    );
    assert_names(
        &with_line(&format!(
            r#"{{"lineNo":2,"quantity":1,"sum":1,"category":"{}"}}"#,
            id(201)
        )),
        &["lines[1].category", "longer than 200"],
    );
    assert_names(
        &with_line(&format!(
            r#"{{"lineNo":2,"quantity":1,"sum":1,"name":"{}"}}"#,
            id(MAX_NAME_CHARS + 1)
        )),
        &["lines[1].name", "longer than 1000"],
    );
    assert_names(
        &format!(
            r#"{{"phone":"7","coupons":["{}"],"lines":[{{"lineNo":1,"quantity":1,"sum":1}}]}}"#,
            id(201)
        ),
        &["coupons", "longer than 200"],
    );
    let many = vec!["\"C\""; MAX_COUPONS + 1].join(",");
    assert_names(
        &format!(
            r#"{{"phone":"7","coupons":[{many}],"lines":[{{"lineNo":1,"quantity":1,"sum":1}}]}}"#
        ),
        &["coupons", "more than 1000"],
    );
}

#[test]
fn document_sum_limit_and_validate_on_built_orders() {
    let mut lines = String::new();
    for i in 0..3 {
        lines.push_str(&format!(
            r#"{{"lineNo":{i},"quantity":1,"sum":500000000000}},"#
        ));
    }
    lines.pop();
    assert_names(
        &format!(r#"{{"phone":"7","lines":[{lines}]}}"#),
        &["lines", "document sum"],
    );
    // validate() also guards orders built in code (calculate calls it).
    let mut order = Order::from_json(&with_line(r#"{"lineNo":2,"quantity":1,"sum":1}"#)).unwrap();
    order.lines[1].sum = rust_decimal::Decimal::new(-1, 0);
    assert_eq!(
        order.validate().unwrap_err().code,
        ErrorCode::InvalidArgument
    );
}

#[test]
fn deep_nesting_does_not_crash() {
    let deep = format!(
        r#"{{"phone":"7","coupons":{}1{},"lines":[]}}"#,
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    refused(&deep);
}
