//! The embedded backend end to end: the seed flow, idempotency, customers and codes, bonus info,
//! products, policies, and invalid input that must change nothing.

#[path = "support/backend.rs"]
mod support;

use bonusplus_1c::backend::{
    Backend, CustomerData, DocumentState, Products, ReturnLine, ReturnRequest,
};
use bonusplus_1c::error::ErrorCode;
use support::*;

#[test]
fn seed_flow_register_earn_find_calculate_reserve_fix() {
    let dir = tempfile::tempdir().unwrap();
    let shop = open_shop(dir.path());
    let b = &shop.backend;
    b.set_policy(policy(r#"{"accrualPercent":10}"#)).unwrap();

    let reg = b
        .register_customer(
            "+7 (900) 111-22-33",
            "123456789",
            &CustomerData::from_json(r#"{"firstName":"Иван","lastName":"Иванов"}"#).unwrap(),
        )
        .unwrap();
    assert!(reg.created);
    assert_eq!(reg.customer.phone, PHONE);
    assert_eq!(reg.customer.holder, "Иванов Иван");

    // First purchase: 1000 paid, 10 % accrued.
    let first = b
        .fix_sale(&sale("S-1", "0", vec![line(1, "00-1", "1000")]))
        .unwrap();
    assert_eq!(first.bonus_accrued, d("100"));

    let found = b
        .find_customer("123456789", "")
        .unwrap()
        .expect("found by card");
    assert_eq!(found.available_bonuses, d("100"));
    assert_eq!(found.purchases_total, d("1000"));

    let lines = || {
        vec![
            line(1, "00-12", "3000"),
            line(2, "00-13", "3120"),
            line(3, "00-14", "2040"),
        ]
    };
    let calc = b.calculate(&order("D-2", Some("100"), lines())).unwrap();
    let shares: Vec<_> = calc.lines.iter().map(|l| l.bonus_debit_sum).collect();
    assert_eq!(shares, vec![d("36.76"), d("38.24"), d("25.00")]);
    assert_eq!(calc.to_pay, d("8060"));
    assert_eq!(calc.bonus_debit, d("100"));
    assert_eq!(
        b.bonus_info("D-2").unwrap().state,
        DocumentState::Calculated
    );

    b.reserve("D-2", "89001112233", d("100")).unwrap();
    assert_eq!(balances(b), (d("0"), d("0"), d("100")));
    let info = b.bonus_info("D-2").unwrap();
    assert_eq!(
        (info.state, info.bonus_debit),
        (DocumentState::Reserved, d("100"))
    );

    let mut s = sale("D-2", "100", lines());
    s.reserve_id = Some("D-2".into());
    let fixed = b.fix_sale(&s).unwrap();
    assert_eq!(fixed.bonus_debited, d("100"));
    assert_eq!(fixed.bonus_accrued, d("806")); // 10 % of 8060 paid
    assert_eq!(fixed.customer.available_bonuses, d("806"));
    assert_eq!(fixed.customer.reserved_bonuses, d("0"));
    assert_eq!(fixed.customer.purchases_total, d("9060"));

    let info = b.bonus_info("D-2").unwrap();
    assert_eq!(info.state, DocumentState::Fixed);
    assert_eq!(
        (info.document_sum, info.to_pay, info.bonus_debit),
        (d("8160"), d("8060"), d("100"))
    );
    assert_eq!(
        (info.card_number.as_str(), info.phone.as_str()),
        ("123456789", PHONE)
    );
    assert_clean(b);
}

#[test]
fn fixing_twice_returns_the_first_result_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let shop = open_shop(dir.path());
    let b = &shop.backend;
    register(b);
    seed_bonuses(b, "100", r#"{"accrualPercent":5}"#);
    let s = sale("D-1", "40", vec![line(1, "A", "500")]);
    let first = b.fix_sale(&s).unwrap();
    let after_first = available(b);
    assert_eq!(after_first, d("60") + d("23")); // 100 - 40 + 5 % of 460
                                                // Same document again, even with other content: the stored answer, nothing applied.
    let again = b
        .fix_sale(&sale("D-1", "60", vec![line(1, "A", "900")]))
        .unwrap();
    assert_eq!(again, first);
    assert_eq!(available(b), after_first);
    assert_eq!(b.audit().unwrap().sales, 2);
    assert_clean(b);
}

#[test]
fn returns_are_idempotent_and_bounded_by_what_was_sold() {
    let dir = tempfile::tempdir().unwrap();
    let shop = open_shop(dir.path());
    let b = &shop.backend;
    register(b);
    seed_bonuses(b, "100", r#"{"accrualPercent":10}"#);
    let mut two = line(1, "A", "1000");
    two.quantity = d("2");
    b.fix_sale(&sale("D-1", "0", vec![two, line(2, "B", "500")]))
        .unwrap();
    assert_eq!(available(b), d("250"));

    let ret = |id: &str, qty: &str, sum: &str| ReturnRequest {
        return_id: id.into(),
        document_id: "D-1".into(),
        date: None,
        lines: vec![ReturnLine {
            line_no: 1,
            quantity: d(qty),
            sum: d(sum),
        }],
    };
    let r1 = b.return_sale(&ret("R-1", "1", "500")).unwrap();
    assert_eq!(r1.bonus_reversed, d("50"));
    assert_eq!(available(b), d("200"));
    assert_eq!(b.return_sale(&ret("R-1", "1", "500")).unwrap(), r1);
    assert_eq!(available(b), d("200"));

    // One more piece is fine, a third is more than was sold.
    let err = b.return_sale(&ret("R-2", "2", "1000")).unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidArgument);
    b.return_sale(&ret("R-2", "1", "500")).unwrap();
    let err = b.return_sale(&ret("R-3", "0.001", "0")).unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidArgument);
    assert_eq!(available(b), d("150"));
    assert_eq!(b.bonus_info("D-1").unwrap().state, DocumentState::Returned);

    let mut unknown = ret("R-9", "1", "1");
    unknown.document_id = "NOPE".into();
    assert_eq!(
        b.return_sale(&unknown).unwrap_err().code,
        ErrorCode::NotFound
    );
    // A return id already used for another sale is refused, not silently answered.
    b.fix_sale(&sale("D-2", "0", vec![line(1, "A", "100")]))
        .unwrap();
    let mut reused = ret("R-1", "1", "10");
    reused.document_id = "D-2".into();
    assert_eq!(
        b.return_sale(&reused).unwrap_err().code,
        ErrorCode::InvalidArgument
    );
    let customer = b.find_customer("", PHONE).unwrap().unwrap();
    assert_eq!(
        customer.purchases_total,
        d("1000") + d("1500") - d("1000") + d("100")
    );
    assert_clean(b);
}

#[test]
fn returning_an_accrual_already_spent_leaves_a_debt_paid_by_the_next_accrual() {
    let dir = tempfile::tempdir().unwrap();
    let shop = open_shop(dir.path());
    let b = &shop.backend;
    register(b);
    b.set_policy(policy(r#"{"accrualPercent":10}"#)).unwrap();
    b.fix_sale(&sale("D-1", "0", vec![line(1, "A", "1000")]))
        .unwrap(); // +100
    b.fix_sale(&sale("D-2", "80", vec![line(1, "B", "80")]))
        .unwrap(); // -80, pays 0 → +0
    assert_eq!(available(b), d("20"));
    let r = b
        .return_sale(&ReturnRequest {
            return_id: "R-1".into(),
            document_id: "D-1".into(),
            date: None,
            lines: vec![ReturnLine {
                line_no: 1,
                quantity: d("1"),
                sum: d("1000"),
            }],
        })
        .unwrap();
    assert_eq!(r.bonus_reversed, d("100"));
    assert_eq!(r.customer.available_bonuses, d("-80"));
    // Spending is impossible while in debt; the next accrual pays the debt first.
    assert_eq!(
        b.reserve("X", PHONE, d("1")).unwrap_err().code,
        ErrorCode::InsufficientBonuses
    );
    b.fix_sale(&sale("D-3", "0", vec![line(1, "C", "1000")]))
        .unwrap(); // +100
    assert_eq!(available(b), d("20"));
    assert_clean(b);
}

#[test]
fn reserves_replace_cancel_idempotently_and_hold_bonuses() {
    let dir = tempfile::tempdir().unwrap();
    let shop = open_shop(dir.path());
    let b = &shop.backend;
    register(b);
    seed_bonuses(b, "100", "{}");
    b.cancel_reserve("UNKNOWN").unwrap();
    b.reserve("D-1", PHONE, d("70")).unwrap();
    assert_eq!(balances(b), (d("30"), d("0"), d("70")));
    b.reserve("D-1", PHONE, d("40")).unwrap();
    assert_eq!(balances(b), (d("60"), d("0"), d("40")));
    // Another document cannot take what D-1 holds; D-1 itself may re-reserve up to all of it.
    assert_eq!(
        b.reserve("D-2", PHONE, d("61")).unwrap_err().code,
        ErrorCode::InsufficientBonuses
    );
    b.reserve("D-1", PHONE, d("100")).unwrap();
    // A sale of another document sees only what is not reserved.
    let err = b
        .fix_sale(&sale("D-3", "1", vec![line(1, "A", "100")]))
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::InsufficientBonuses);
    b.cancel_reserve("D-1").unwrap();
    b.cancel_reserve("D-1").unwrap();
    assert_eq!(balances(b), (d("100"), d("0"), d("0")));
    assert!(
        b.bonus_info("D-1").is_err(),
        "a reserve never calculated leaves no journal after cancel"
    );
    assert_eq!(
        b.reserve("D-1", PHONE, d("100.01")).unwrap_err().code,
        ErrorCode::InsufficientBonuses
    );
    assert_eq!(
        b.reserve("D-1", "79990000000", d("1")).unwrap_err().code,
        ErrorCode::Rejected
    );
    assert_clean(b);
}

#[test]
fn customers_register_update_bind_and_find() {
    let dir = tempfile::tempdir().unwrap();
    let shop = open_shop(dir.path());
    let b = &shop.backend;
    let data = CustomerData::from_json(
        r#"{"firstName":"Иван","lastName":"Иванов","middleName":"Иванович","birthDate":"1990-05-01T00:00:00",
            "gender":"male","email":"ivan@example.com","availableBonuses":1000000}"#,
    )
    .unwrap();
    let r = b.register_customer("89001112233", "", &data).unwrap();
    assert!(r.created);
    assert_eq!(
        r.customer.available_bonuses,
        d("0"),
        "balances are not settable through CustomerData"
    );
    assert_eq!(r.customer.holder, "Иванов Иван Иванович");
    assert!(!r.customer.phone_confirmed);
    let again = b
        .register_customer("9001112233", "777", &CustomerData::default())
        .unwrap();
    assert!(!again.created);
    assert_eq!(
        again.customer.card_number, "",
        "an existing customer is returned as is"
    );

    let c = b.bind_card(PHONE, "CARD-1").unwrap();
    assert_eq!(c.card_number, "CARD-1");
    b.register_customer("79005554433", "", &CustomerData::default())
        .unwrap();
    let err = b.bind_card("79005554433", "CARD-1").unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidArgument);

    let updated = b
        .update_customer(
            PHONE,
            // discountPercent is one of the Customer keys CustomerData cannot change: ignored.
            &CustomerData::from_json(r#"{"email":"","discountPercent":7}"#).unwrap(),
        )
        .unwrap();
    assert_eq!(
        (
            updated.email.as_str(),
            updated.discount_percent,
            updated.first_name.as_str()
        ),
        ("", d("0"), "Иван")
    );
    assert_eq!(b.find_customer("CARD-1", "").unwrap().unwrap().phone, PHONE);
    // Card first; an unknown card falls back to the phone; nothing at all is "not found".
    assert_eq!(
        b.find_customer("CARD-1", "79005554433")
            .unwrap()
            .unwrap()
            .phone,
        PHONE
    );
    assert_eq!(
        b.find_customer("NOCARD", "79005554433")
            .unwrap()
            .unwrap()
            .phone,
        "79005554433"
    );
    assert_eq!(b.find_customer("", "").unwrap(), None);
    assert_eq!(b.find_customer("NOCARD", "").unwrap(), None);
    assert_eq!(
        b.update_customer("79990000000", &CustomerData::default())
            .unwrap_err()
            .code,
        ErrorCode::Rejected
    );
}

#[test]
fn codes_expire_limit_attempts_and_confirm_the_phone() {
    let dir = tempfile::tempdir().unwrap();
    let shop = open_shop(dir.path());
    let b = &shop.backend;
    register(b);
    b.send_code(PHONE).unwrap();
    let code = shop.sms.last_code(PHONE).unwrap();
    assert!(!b.check_code(PHONE, "not a code").unwrap());
    assert!(!b.check_code(PHONE, &wrong(&code)).unwrap());
    assert!(b.check_code(PHONE, &code).unwrap());
    assert!(!b.check_code(PHONE, &code).unwrap(), "a code works once");
    assert!(b.find_customer("", PHONE).unwrap().unwrap().phone_confirmed);

    // Expiry.
    b.send_code(PHONE).unwrap();
    let code = shop.sms.last_code(PHONE).unwrap();
    shop.clock.advance_seconds(301);
    assert!(!b.check_code(PHONE, &code).unwrap());

    // Five wrong attempts burn the code.
    b.send_code(PHONE).unwrap();
    let code = shop.sms.last_code(PHONE).unwrap();
    for _ in 0..5 {
        assert!(!b.check_code(PHONE, &wrong(&code)).unwrap());
    }
    assert!(!b.check_code(PHONE, &code).unwrap());
    assert_eq!(
        b.send_code("12").unwrap_err().code,
        ErrorCode::InvalidArgument
    );
}

fn wrong(code: &str) -> String {
    code.chars()
        .map(|c| {
            if c == '9' {
                '0'
            } else {
                ((c as u8) + 1) as char
            }
        })
        .collect()
}

#[test]
fn default_sender_writes_codes_to_the_log_in_the_data_directory() {
    let dir = tempfile::tempdir().unwrap();
    let b = bonusplus_1c::backend::EmbeddedBackend::open(dir.path()).unwrap();
    b.send_code(PHONE).unwrap();
    let log = std::fs::read_to_string(dir.path().join("sms.log")).unwrap();
    let code = log.trim().rsplit(' ').next().unwrap().to_string();
    assert!(log.contains(PHONE) && code.len() == 6, "{log}");
    assert!(b.check_code(PHONE, &code).unwrap());
}

#[test]
fn products_are_stored_with_progress() {
    let dir = tempfile::tempdir().unwrap();
    let shop = open_shop(dir.path());
    let items: Vec<String> = (0..1203)
        .map(|i| format!(r#"{{"id":"P{i}","parentId":"G","name":"Товар {i}","isGroup":false,"article":"A{i}"}}"#))
        .collect();
    let products = Products::from_json(&format!(
        r#"{{"store":"Main","items":[{}]}}"#,
        items.join(",")
    ))
    .unwrap();
    let mut seen = Vec::new();
    let n = shop
        .backend
        .upload_products(&products, &mut |done, total| seen.push((done, total)))
        .unwrap();
    assert_eq!(n, 1203);
    assert_eq!(
        seen,
        vec![(0, 1203), (500, 1203), (1000, 1203), (1203, 1203)]
    );
    let bad = Products::from_json(r#"{"items":[{"id":"ok"},{"id":""}]}"#).unwrap();
    assert_eq!(
        shop.backend
            .upload_products(&bad, &mut |_, _| {})
            .unwrap_err()
            .code,
        ErrorCode::InvalidArgument
    );
    assert!(Products::from_json("{").is_err());
}

#[test]
fn policies_are_added_replaced_and_listed() {
    let dir = tempfile::tempdir().unwrap();
    let shop = open_shop(dir.path());
    let b = &shop.backend;
    assert!(b.policies().unwrap().is_empty());
    b.set_policy(policy(
        r#"{"accrualPercent":5,"startDate":"2025-01-01T00:00:00"}"#,
    ))
    .unwrap();
    b.set_policy(policy(
        r#"{"accrualPercent":7,"startDate":"2025-01-01T00:00:00"}"#,
    ))
    .unwrap();
    b.set_policy(policy(
        r#"{"organization":"ООО Ромашка","accrualPercent":3}"#,
    ))
    .unwrap();
    let all = b.policies().unwrap();
    assert_eq!(all.len(), 2);
    assert!(all
        .iter()
        .any(|p| p.organization.is_empty() && p.accrual_percent == d("7")));
    let mut bad = policy("{}");
    bad.accrual_percent = d("101");
    assert_eq!(
        b.set_policy(bad).unwrap_err().code,
        ErrorCode::InvalidArgument
    );
    assert_eq!(b.policies().unwrap().len(), 2);
    assert!(b.check_connection().unwrap().ok);
}

/// Every table, as text: "nothing changed" is checked on the stored data itself.
fn fingerprint(dir: &std::path::Path) -> String {
    let conn = rusqlite::Connection::open(dir.join("bonusplus.db")).unwrap();
    let mut out = String::new();
    for table in [
        "customers",
        "ledger",
        "reserves",
        "sales",
        "sale_lines",
        "returns",
        "documents",
        "sms_codes",
        "products",
        "policies",
    ] {
        let mut stmt = conn
            .prepare(&format!("SELECT * FROM {table} ORDER BY 1"))
            .unwrap();
        let cols = stmt.column_count();
        let rows = stmt
            .query_map([], |r| {
                (0..cols)
                    .map(|i| {
                        r.get::<_, rusqlite::types::Value>(i)
                            .map(|v| format!("{v:?}"))
                    })
                    .collect::<Result<Vec<_>, _>>()
            })
            .unwrap();
        for row in rows {
            out.push_str(&format!("{table}: {}\n", row.unwrap().join("|")));
        }
    }
    out
}

/// One call that must be refused.
type BadCall<'a> = Box<dyn Fn() -> bonusplus_1c::error::Result<()> + 'a>;

#[test]
fn invalid_input_is_refused_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let shop = open_shop(dir.path());
    let b = &shop.backend;
    register(b);
    seed_bonuses(b, "100", r#"{"accrualPercent":10}"#);
    b.fix_sale(&sale("D-1", "10", vec![line(1, "A", "100")]))
        .unwrap();
    let before = fingerprint(dir.path());

    let mut calls: Vec<(&str, ErrorCode, BadCall)> = Vec::new();
    calls.push((
        "negative money",
        ErrorCode::InvalidArgument,
        Box::new(|| {
            b.fix_sale(&sale("N-1", "0", vec![line(1, "A", "-1")]))
                .map(drop)
        }),
    ));
    calls.push((
        "three decimals",
        ErrorCode::InvalidArgument,
        Box::new(|| {
            b.fix_sale(&sale("N-2", "0.001", vec![line(1, "A", "1")]))
                .map(drop)
        }),
    ));
    calls.push((
        "no document id",
        ErrorCode::InvalidArgument,
        Box::new(|| {
            b.fix_sale(&sale("", "0", vec![line(1, "A", "1")]))
                .map(drop)
        }),
    ));
    calls.push((
        "unknown customer",
        ErrorCode::Rejected,
        Box::new(|| {
            let mut s = sale("N-3", "0", vec![line(1, "A", "1")]);
            s.phone = "79990000000".into();
            b.fix_sale(&s).map(drop)
        }),
    ));
    calls.push((
        "over balance",
        ErrorCode::InsufficientBonuses,
        Box::new(|| {
            b.fix_sale(&sale("N-4", "1000", vec![line(1, "A", "5000")]))
                .map(drop)
        }),
    ));
    calls.push((
        "bad phone",
        ErrorCode::InvalidArgument,
        Box::new(|| {
            b.register_customer("12345", "", &CustomerData::default())
                .map(drop)
        }),
    ));
    calls.push((
        "bad card",
        ErrorCode::InvalidArgument,
        Box::new(|| {
            b.register_customer("79001234567", "карта\u{7}1", &CustomerData::default())
                .map(drop)
        }),
    ));
    calls.push((
        "bad gender",
        ErrorCode::InvalidArgument,
        Box::new(|| {
            b.update_customer(
                PHONE,
                &CustomerData {
                    gender: Some("x".into()),
                    ..Default::default()
                },
            )
            .map(drop)
        }),
    ));
    calls.push((
        "future birth",
        ErrorCode::InvalidArgument,
        Box::new(|| {
            b.update_customer(
                PHONE,
                &CustomerData::from_json(r#"{"firstName":"Пётр","birthDate":"2999-01-01"}"#)
                    .unwrap(),
            )
            .map(drop)
        }),
    ));
    calls.push((
        "NUL in a name",
        ErrorCode::InvalidArgument,
        Box::new(|| {
            b.update_customer(
                PHONE,
                &CustomerData::from_json(r#"{"lastName":"Х\u0000","discountPercent":100.5}"#)
                    .unwrap(),
            )
            .map(drop)
        }),
    ));
    calls.push((
        "negative reserve",
        ErrorCode::InvalidArgument,
        Box::new(|| b.reserve("D-9", PHONE, d("-1"))),
    ));
    calls.push((
        "reserve of fixed sale",
        ErrorCode::InvalidArgument,
        Box::new(|| b.reserve("D-1", PHONE, d("1"))),
    ));
    calls.push((
        "control chars in id",
        ErrorCode::InvalidArgument,
        Box::new(|| b.cancel_reserve("D\u{0}1")),
    ));
    calls.push((
        "huge id",
        ErrorCode::InvalidArgument,
        Box::new(|| b.cancel_reserve(&"Я".repeat(100_000))),
    ));
    calls.push((
        "duplicate return line",
        ErrorCode::InvalidArgument,
        Box::new(|| {
            let l = ReturnLine {
                line_no: 1,
                quantity: d("0.5"),
                sum: d("1"),
            };
            b.return_sale(&ReturnRequest {
                return_id: "R".into(),
                document_id: "D-1".into(),
                date: None,
                lines: vec![l.clone(), l],
            })
            .map(drop)
        }),
    ));
    calls.push((
        "unknown return line",
        ErrorCode::InvalidArgument,
        Box::new(|| {
            let l = ReturnLine {
                line_no: 7,
                quantity: d("1"),
                sum: d("1"),
            };
            b.return_sale(&ReturnRequest {
                return_id: "R".into(),
                document_id: "D-1".into(),
                date: None,
                lines: vec![l],
            })
            .map(drop)
        }),
    ));
    calls.push((
        "zero quantity return",
        ErrorCode::InvalidArgument,
        Box::new(|| {
            let l = ReturnLine {
                line_no: 1,
                quantity: d("0"),
                sum: d("0"),
            };
            b.return_sale(&ReturnRequest {
                return_id: "R".into(),
                document_id: "D-1".into(),
                date: None,
                lines: vec![l],
            })
            .map(drop)
        }),
    ));
    calls.push((
        "unknown document info",
        ErrorCode::NotFound,
        Box::new(|| b.bonus_info("NOPE").map(drop)),
    ));
    for (what, code, call) in &calls {
        let err = call().expect_err(what);
        assert_eq!(err.code, *code, "{what}: {err}");
        assert!(!err.message_ru.is_empty() && !err.message_en.is_empty());
        assert_eq!(
            fingerprint(dir.path()),
            before,
            "{what} changed stored data"
        );
    }
    assert!(CustomerData::from_json(r#"{"birthDate":"вчера"}"#).is_err());
    assert_clean(b);
}

#[test]
fn a_database_from_a_newer_add_in_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    drop(open_shop(dir.path()));
    let conn = rusqlite::Connection::open(dir.path().join("bonusplus.db")).unwrap();
    conn.pragma_update(None, "user_version", 99).unwrap();
    drop(conn);
    let err = bonusplus_1c::backend::EmbeddedBackend::open(dir.path())
        .err()
        .unwrap();
    assert_eq!(err.code, ErrorCode::NotConfigured);
}

/// An order reserves, a sale (another document) names that reserve: the order's BonusInfo turns
/// `fixed` with the bonuses it held, and the audit accepts it. Run on a database made by schema 1,
/// so the upgrade that adds `documents.spent_by` is exercised on a real file with live data.
#[test]
fn the_order_whose_reserve_a_sale_spent_is_fixed_after_an_upgrade() {
    let dir = tempfile::tempdir().unwrap();
    {
        let shop = open_shop(dir.path());
        let b = &shop.backend;
        register(b);
        seed_bonuses(b, "100", r#"{"accrualPercent":5}"#);
        b.calculate(&order("O-1", Some("60"), vec![line(1, "A", "500")]))
            .unwrap();
        b.reserve("O-1", PHONE, d("60")).unwrap();
    }
    // Back to schema 1, as a database of the first release would be.
    let conn = rusqlite::Connection::open(dir.path().join("bonusplus.db")).unwrap();
    conn.execute_batch(
        "DROP TABLE released_reserves; DROP INDEX reserves_by_age;
         ALTER TABLE documents DROP COLUMN spent_by; PRAGMA user_version = 1;",
    )
    .unwrap();
    drop(conn);

    let shop = open_shop(dir.path());
    let b = &shop.backend;
    let version: i64 = rusqlite::Connection::open(dir.path().join("bonusplus.db"))
        .unwrap()
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(
        version, 6,
        "migrated on open (3: released_reserves, 4-5: the server's records, 6: the cabinet's)"
    );
    assert_eq!(b.bonus_info("O-1").unwrap().state, DocumentState::Reserved);

    let mut s = sale("S-1", "60", vec![line(1, "A", "500")]);
    s.reserve_id = Some("O-1".into());
    b.fix_sale(&s).unwrap();
    let order_info = b.bonus_info("O-1").unwrap();
    assert_eq!(
        (order_info.state, order_info.bonus_debit),
        (DocumentState::Fixed, d("60"))
    );
    assert_eq!(b.bonus_info("S-1").unwrap().state, DocumentState::Fixed);
    assert_eq!(balances(b).2, d("0"), "nothing reserved any more");
    // Un-posting the order afterwards changes nothing: its reserve was spent.
    b.cancel_reserve("O-1").unwrap();
    assert_eq!(b.bonus_info("O-1").unwrap().state, DocumentState::Fixed);
    assert_clean(b);
}
