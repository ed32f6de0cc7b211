//! Every property and method of the BonusPlus component in embedded mode, through the real `.so`
//! loaded by our C++ host: results, error codes in `LastError`, Russian/English messages, and
//! stored state left unchanged by every bad input.

#[path = "support/db.rs"]
mod db;
#[path = "support/host.rs"]
mod host_support;
#[path = "support/session.rs"]
mod session;

use serde_json::{json, Value};
use session::{Arg, Session};
use std::path::Path;

const PHONE: &str = "79001112233";
const CARD: &str = "4601234567893";

fn start(data: &Path) -> Session {
    let host = host_support::build_host(Path::new(env!("CARGO_TARGET_TMPDIR")), false);
    let mut bp = Session::start(&host, &host_support::addin_library(), "BonusPlus");
    bp.set("DataDirectory", Arg::Str(data.display().to_string()))
        .unwrap();
    bp
}

fn last_error_code(bp: &mut Session) -> String {
    let text = bp.get("LastError").unwrap();
    let json: Value =
        serde_json::from_str(text.text()).unwrap_or_else(|_| panic!("LastError {text:?}"));
    json["code"].as_str().unwrap().to_owned()
}

/// Calls `method` expecting a failure with `code`, and checks nothing stored changed.
fn expect_error(bp: &mut Session, data: &Path, method: &str, args: &[Arg], code: &str) {
    let before = db::snapshot(data);
    let err = bp
        .call(method, args)
        .expect_err(&format!("{method}{args:?} should fail"));
    assert!(!err.is_empty());
    assert_eq!(last_error_code(bp), code, "{method}{args:?}: {err}");
    assert_eq!(
        db::snapshot(data),
        before,
        "{method}{args:?} changed stored state"
    );
}

fn order(document_id: &str, bonus_debit: Value) -> String {
    json!({
        "documentId": document_id, "phone": PHONE, "cardNumber": CARD, "useBonuses": true, "bonusDebit": bonus_debit,
        "date": "2021-01-15T15:49:30",
        "lines": [
            {"lineNo": 1, "product": "00-00000012", "quantity": 1, "price": 3000, "sum": 3000},
            {"lineNo": 2, "product": "00-00000013", "quantity": 2, "price": 1560, "sum": 3120},
            {"lineNo": 3, "product": "00-00000014", "quantity": 1, "price": 2040, "sum": 2040}
        ]
    })
    .to_string()
}

#[test]
fn properties_read_write_and_refuse_bad_values() {
    let data = tempfile::tempdir().unwrap();
    let mut bp = start(data.path());
    assert_eq!(
        bp.get("Версия").unwrap(),
        Arg::Str(env!("CARGO_PKG_VERSION").into())
    );
    assert!(bp.set("Version", "9.9".into()).is_err());
    assert_eq!(bp.get("Mode").unwrap(), Arg::Str("embedded".into()));
    assert_eq!(
        bp.get("ServerAddress").unwrap(),
        Arg::Str("https://bonusplus.pro/api/".into())
    );
    assert_eq!(bp.get("Timeout").unwrap(), Arg::Int(20));
    assert_eq!(bp.get("ApiKey").unwrap(), Arg::Str(String::new()));
    assert_eq!(
        bp.get("DataDirectory").unwrap(),
        Arg::Str(data.path().display().to_string())
    );

    bp.set("КлючAPI", "secret-api-key-123".into()).unwrap();
    assert_eq!(bp.get("ApiKey").unwrap(), Arg::Str("***".into()));
    bp.set("Таймаут", Arg::Int(45)).unwrap();
    assert_eq!(bp.get("Timeout").unwrap(), Arg::Int(45));
    bp.set("Timeout", Arg::Num(60.0)).unwrap();
    assert_eq!(bp.get("Timeout").unwrap(), Arg::Int(60));
    bp.set("Магазин", "Магазин №1".into()).unwrap();
    assert_eq!(bp.get("Store").unwrap(), Arg::Str("Магазин №1".into()));
    bp.set("КодКассира", "12".into()).unwrap();
    assert_eq!(bp.get("CashierCode").unwrap(), Arg::Str("12".into()));
    bp.set("АдресСервера", "http://127.0.0.1:8080/api".into())
        .unwrap();
    assert_eq!(
        bp.get("ServerAddress").unwrap(),
        Arg::Str("http://127.0.0.1:8080/api/".into())
    );
    bp.set("Режим", "cloud".into()).unwrap();
    assert_eq!(bp.get("Mode").unwrap(), Arg::Str("cloud".into()));
    bp.set("Mode", "embedded".into()).unwrap();

    // CardMask: "" by default; set, it decides what ParseScan calls a card.
    assert_eq!(bp.get("CardMask").unwrap(), Arg::Str(String::new()));
    let marking = "0104601234567893215Wq9xA\u{1d}93dGVz";
    let kind = |bp: &mut Session, raw: &str| {
        bp.call_json("ParseScan", &[raw.into()]).unwrap()["kind"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert_eq!(kind(&mut bp, "460123450001"), "card");
    assert_eq!(kind(&mut bp, "CARD-00042"), "card");
    bp.set("МаскаКарты", " 46012345???? ; ".into()).unwrap();
    assert_eq!(bp.get("CardMask").unwrap(), Arg::Str("46012345????".into()));
    assert_eq!(kind(&mut bp, "460123450001"), "card");
    assert_eq!(kind(&mut bp, "CARD-00042"), "product");
    assert_eq!(
        bp.call_json("ParseScan", &[format!("\u{1d}{marking}\r").as_str().into()])
            .unwrap(),
        json!({"kind": "product", "value": marking})
    );
    bp.set("CardMask", "".into()).unwrap();
    assert_eq!(kind(&mut bp, "CARD-00042"), "card");
    bp.set("CardMask", "46012345????".into()).unwrap();

    // Bad values: an error with INVALID_ARGUMENT, and the old value stays.
    for (prop, value) in [
        ("Timeout", Arg::Int(0)),
        ("Timeout", Arg::Int(301)),
        ("Timeout", Arg::Str("x".into())),
        ("Timeout", Arg::Num(1.5)),
        ("Mode", "offline".into()),
        ("Mode", Arg::Int(1)),
        ("ServerAddress", "http://bonusplus.pro/api/".into()),
        ("ServerAddress", "ftp://127.0.0.1/".into()),
        ("Store", Arg::Bool(true)),
        ("CardMask", "4*6".into()),
        ("CardMask", Arg::Int(2)),
        ("LastError", "x".into()),
    ] {
        let before = bp.get(prop).unwrap();
        assert!(bp.set(prop, value.clone()).is_err(), "{prop} = {value:?}");
        if prop != "LastError" {
            assert_eq!(
                last_error_code(&mut bp),
                "INVALID_ARGUMENT",
                "{prop} = {value:?}"
            );
            assert_eq!(bp.get(prop).unwrap(), before, "{prop} changed");
        }
    }
    // A successful call clears LastError.
    bp.call("NormalizePhone", &["89001112233".into()]).unwrap();
    assert_eq!(bp.get("LastError").unwrap(), Arg::Str(String::new()));
    // A failing call in cloud mode (nothing listens on port 9) logs its error; the key never
    // reaches the log.
    bp.set("ServerAddress", "http://127.0.0.1:9/".into())
        .unwrap();
    bp.set("Mode", "cloud".into()).unwrap();
    assert!(bp
        .call("FindCard", &["".into(), "79001112233".into()])
        .is_err());
    bp.set("Mode", "embedded".into()).unwrap();
    let log = std::fs::read_to_string(data.path().join("bonusplus.log")).unwrap();
    assert!(log.contains("FindCard NETWORK"), "{log}");
    assert!(!log.contains("secret-api-key"), "{log}");
    // The key never shows, in any property.
    for prop in ["ApiKey", "LastError", "ServerAddress", "Store"] {
        assert!(!bp.get(prop).unwrap().text().contains("secret-api-key"));
    }
    let ending = bp.finish();
    assert_eq!((ending.live_blocks, ending.bad_frees), (0, 0));
}

#[test]
fn every_method_in_embedded_mode() {
    let data = tempfile::tempdir().unwrap();
    let dir = data.path();
    let mut bp = start(dir);

    assert_eq!(
        bp.call("НормализоватьТелефон", &["+7 (900) 111-22-33".into()])
            .unwrap(),
        Arg::Str(PHONE.into())
    );
    assert_eq!(
        bp.call_json("ParseScan", &["]E04601234567893\r\n".into()])
            .unwrap(),
        json!({"kind": "product", "value": "4601234567893"})
    );
    assert_eq!(
        bp.call_json("РазобратьСканирование", &["2000000012346".into()])
            .unwrap(),
        json!({"kind": "card", "value": "2000000012346"})
    );
    assert_eq!(
        bp.call_json("ПроверитьПодключение", &[]).unwrap()["mode"],
        json!("embedded")
    );
    assert_eq!(bp.call("КоличествоОтложенных", &[]).unwrap(), Arg::Int(0));
    assert_eq!(
        bp.call_json("ОтправитьОтложенные", &[]).unwrap(),
        json!({"sent": 0, "left": 0, "failed": 0})
    );

    assert!(
        bp.call(
            "УстановитьПолитику",
            &[json!({"accrualPercent": 1}).to_string().into()]
        )
        .unwrap()
            == Arg::Bool(true)
    );
    let policies = bp.call_json("ПолучитьПолитики", &[]).unwrap();
    assert_eq!(policies.as_array().unwrap().len(), 1);
    assert_eq!(policies[0]["accrualPercent"], json!(1));

    assert_eq!(
        bp.call_json("НайтиКарту", &[CARD.into(), "".into()])
            .unwrap(),
        json!({"found": false})
    );
    let reg = bp
        .call_json(
            "ЗарегистрироватьКлиента",
            &[
                "8 900 111 22 33".into(),
                CARD.into(),
                json!({"firstName": "Иван"}).to_string().into(),
            ],
        )
        .unwrap();
    assert_eq!(reg["created"], json!(true));
    assert_eq!(reg["customer"]["phone"], json!(PHONE));
    let again = bp
        .call_json("RegisterCustomer", &[PHONE.into(), "".into(), "".into()])
        .unwrap();
    assert_eq!(again["created"], json!(false));

    let updated = bp
        .call_json(
            "ИзменитьКлиента",
            &[
                PHONE.into(),
                json!({"lastName": "Иванов"}).to_string().into(),
            ],
        )
        .unwrap();
    assert_eq!(updated["lastName"], json!("Иванов"));
    let bound = bp
        .call_json("ПривязатьКарту", &[PHONE.into(), "2000000012346".into()])
        .unwrap();
    assert_eq!(bound["cardNumber"], json!("2000000012346"));
    bp.call_json("BindCard", &[PHONE.into(), CARD.into()])
        .unwrap();
    let found = bp
        .call_json("FindCard", &["".into(), "+7 900 111-22-33".into()])
        .unwrap();
    assert_eq!(found["found"], json!(true));
    assert_eq!(found["customer"]["cardNumber"], json!(CARD));

    // SMS: the development sender writes the code to sms.log in the data directory.
    assert_eq!(
        bp.call("ОтправитьКод", &[PHONE.into()]).unwrap(),
        Arg::Bool(true)
    );
    let log = std::fs::read_to_string(dir.join("sms.log")).unwrap();
    let code = log
        .lines()
        .last()
        .unwrap()
        .split_whitespace()
        .last()
        .unwrap()
        .to_owned();
    assert_eq!(
        bp.call("ПроверитьКод", &[PHONE.into(), "000000x".into()])
            .unwrap(),
        Arg::Bool(false)
    );
    assert_eq!(
        bp.call("ПроверитьКод", &[PHONE.into(), code.into()])
            .unwrap(),
        Arg::Bool(true)
    );

    // Earn 100, then the seed order with 100 bonuses.
    let first = json!({"documentId": "S-1", "phone": PHONE, "bonusDebit": 0,
        "lines": [{"lineNo": 1, "product": "X", "quantity": 1, "sum": 10000}]});
    let sale = bp
        .call_json("FixSale", &[first.to_string().into()])
        .unwrap();
    assert_eq!(sale["bonusAccrued"], json!(100));
    let calc = bp
        .call_json("РассчитатьСкидки", &[order("O-1", json!(100)).into()])
        .unwrap();
    let shares: Vec<String> = calc["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["bonusDebitSum"].to_string())
        .collect();
    assert_eq!(shares, ["36.76", "38.24", "25"]);
    assert_eq!(calc["toPay"], json!(8060));
    assert_eq!(calc["messages"], json!([]));
    // Asking for more than the balance is capped, with a note in the interface language.
    let greedy = order("", json!(500));
    let capped = bp.call_json("Calculate", &[greedy.clone().into()]).unwrap();
    assert_eq!(capped["bonusDebit"], json!(100));
    let note = capped["messages"][0].as_str().unwrap();
    assert!(note.contains("Запрошено списание 500"), "{note}");
    bp.set_locale("en_US");
    let capped = bp.call_json("Calculate", &[greedy.into()]).unwrap();
    assert_eq!(capped["bonusDebit"], json!(100));
    let note = capped["messages"][0].as_str().unwrap();
    assert!(note.starts_with("500 bonuses were requested"), "{note}");
    bp.set_locale("ru_RU");
    assert_eq!(
        bp.call_json("ИнформацияОБонусах", &["O-1".into()]).unwrap()["state"],
        json!("calculated")
    );

    assert_eq!(
        bp.call(
            "ЗарезервироватьБонусы",
            &["O-1".into(), PHONE.into(), Arg::Num(100.0)]
        )
        .unwrap(),
        Arg::Bool(true)
    );
    assert_eq!(
        bp.call_json("FindCard", &[CARD.into(), "".into()]).unwrap()["customer"]["reservedBonuses"],
        json!(100)
    );
    assert_eq!(
        bp.call("ОтменитьРезерв", &["O-1".into()]).unwrap(),
        Arg::Bool(true)
    );
    assert_eq!(
        bp.call("ОтменитьРезерв", &["O-1".into()]).unwrap(),
        Arg::Bool(true)
    );
    assert_eq!(
        bp.call("CancelReserve", &["never-reserved".into()])
            .unwrap(),
        Arg::Bool(true)
    );
    bp.call(
        "Reserve",
        &["O-1".into(), PHONE.into(), Arg::Str("100".into())],
    )
    .unwrap();

    let mut sale2: Value = serde_json::from_str(&order("S-2", json!(100))).unwrap();
    sale2["reserveId"] = json!("O-1");
    let fixed = bp
        .call_json("ЗафиксироватьПродажу", &[sale2.to_string().into()])
        .unwrap();
    assert_eq!(
        (fixed["status"].clone(), fixed["bonusDebited"].clone()),
        (json!("done"), json!(100))
    );
    // The order whose reserve the sale spent shows it as done, with the bonuses it held.
    let order_info = bp.call_json("BonusInfo", &["O-1".into()]).unwrap();
    assert_eq!(
        (
            order_info["state"].clone(),
            order_info["bonusDebit"].clone()
        ),
        (json!("fixed"), json!(100))
    );
    let state = db::snapshot(dir);
    assert_eq!(
        bp.call_json("FixSale", &[sale2.to_string().into()])
            .unwrap(),
        fixed,
        "idempotent"
    );
    assert_eq!(
        db::snapshot(dir),
        state,
        "a repeated FixSale changes nothing"
    );
    assert_eq!(
        bp.call_json("BonusInfo", &["S-2".into()]).unwrap()["state"],
        json!("fixed")
    );

    let ret = json!({"returnId": "R-1", "documentId": "S-2", "lines": [{"lineNo": 3, "quantity": 1, "sum": 2015}]});
    let returned = bp
        .call_json("ОформитьВозврат", &[ret.to_string().into()])
        .unwrap();
    assert_eq!(returned["status"], json!("done"));
    assert_eq!(
        bp.call_json("ReturnSale", &[ret.to_string().into()])
            .unwrap(),
        returned,
        "idempotent"
    );

    let products = json!({"store": "s", "items": (0..1200).map(|i| json!({"id": format!("P{i}"), "name": format!("Товар {i}")})).collect::<Vec<_>>()});
    assert_eq!(
        bp.call_json("ВыгрузитьНоменклатуру", &[products.to_string().into()])
            .unwrap(),
        json!({"uploaded": 1200})
    );

    let ending = bp.finish();
    assert_eq!((ending.live_blocks, ending.bad_frees), (0, 0));
    // The log in the data directory: one line per call, phones masked.
    let log = std::fs::read_to_string(dir.join("bonusplus.log")).unwrap();
    assert!(
        log.contains("FixSale ok") && log.contains("Calculate ok"),
        "{log}"
    );
    assert!(!log.contains(PHONE), "a full phone reached the log:\n{log}");
    assert!(
        ending.status_lines >= 2,
        "progress reached the status line: {ending:?}"
    );
    assert_eq!(
        ending.status_resets, 1,
        "the status line is reset at the end"
    );
}

#[test]
fn bad_inputs_give_their_codes_and_change_nothing() {
    let data = tempfile::tempdir().unwrap();
    let dir = data.path();
    let mut bp = start(dir);
    bp.call(
        "SetPolicy",
        &[json!({"accrualPercent": 1}).to_string().into()],
    )
    .unwrap();
    bp.call(
        "RegisterCustomer",
        &[PHONE.into(), CARD.into(), "{}".into()],
    )
    .unwrap();
    bp.call(
        "FixSale",
        &[json!({"documentId": "S-1", "phone": PHONE, "bonusDebit": 0,
        "lines": [{"lineNo": 1, "product": "X", "quantity": 1, "sum": 1000}]})
        .to_string()
        .into()],
    )
    .unwrap();

    let s = |t: &str| Arg::Str(t.to_owned());
    let cases: Vec<(&str, Vec<Arg>, &str)> = vec![
        ("NormalizePhone", vec![s("12345")], "INVALID_ARGUMENT"),
        (
            "NormalizePhone",
            vec![Arg::Int(89001112233)],
            "INVALID_ARGUMENT",
        ),
        ("NormalizePhone", vec![], "INVALID_ARGUMENT"),
        // Read where it lies (the text-function path): a lone surrogate is not a phone.
        (
            "NormalizePhone",
            vec![Arg::Units(vec![0x37, 0xD800, 0x39])],
            "INVALID_ARGUMENT",
        ),
        ("ParseScan", vec![s("2000000012345")], "INVALID_ARGUMENT"),
        ("FindCard", vec![s(""), s("")], "INVALID_ARGUMENT"),
        (
            "FindCard",
            vec![s(""), s("not a phone")],
            "INVALID_ARGUMENT",
        ),
        ("FindCard", vec![Arg::Bool(true), s("")], "INVALID_ARGUMENT"),
        ("SendCode", vec![s("123")], "INVALID_ARGUMENT"),
        (
            "RegisterCustomer",
            vec![s("bad"), s(""), s("{}")],
            "INVALID_ARGUMENT",
        ),
        (
            "RegisterCustomer",
            vec![s("79005556677"), s(""), s("{broken")],
            "INVALID_ARGUMENT",
        ),
        (
            "RegisterCustomer",
            vec![s("79005556677"), s(""), s(r#"{"birthDate":"1990-13-45"}"#)],
            "INVALID_ARGUMENT",
        ),
        (
            "UpdateCustomer",
            vec![s("79005556677"), s("{}")],
            "REJECTED",
        ),
        ("BindCard", vec![s(PHONE), s("")], "INVALID_ARGUMENT"),
        ("Calculate", vec![s("")], "INVALID_ARGUMENT"),
        ("Calculate", vec![s("{not json")], "INVALID_ARGUMENT"),
        (
            "Calculate",
            vec![s(r#"{"documentId":"O","phone":"79001112233","lines":[]}"#)],
            "INVALID_ARGUMENT",
        ),
        (
            "Calculate",
            vec![s(
                r#"{"documentId":"O","phone":"79001112233","lines":[{"lineNo":1,"quantity":1,"sum":-5}]}"#,
            )],
            "INVALID_ARGUMENT",
        ),
        (
            "Calculate",
            vec![s(
                r#"{"documentId":"O","phone":"79001112233","lines":[{"lineNo":1,"quantity":1,"sum":1.005}]}"#,
            )],
            "INVALID_ARGUMENT",
        ),
        (
            "Calculate",
            vec![s(
                r#"{"documentId":"O","phone":"79001112233","lines":[{"lineNo":1,"quantity":1,"sum":1},{"lineNo":1,"quantity":1,"sum":2}]}"#,
            )],
            "INVALID_ARGUMENT",
        ),
        ("Calculate", vec![Arg::Int(5)], "INVALID_ARGUMENT"),
        (
            "Reserve",
            vec![s(""), s(PHONE), Arg::Int(1)],
            "INVALID_ARGUMENT",
        ),
        (
            "Reserve",
            vec![s("O-1"), s(PHONE), Arg::Int(-1)],
            "INVALID_ARGUMENT",
        ),
        (
            "Reserve",
            vec![s("O-1"), s(PHONE), Arg::Num(1.005)],
            "INVALID_ARGUMENT",
        ),
        (
            "Reserve",
            vec![s("O-1"), s(PHONE), Arg::Num(f64::NAN)],
            "INVALID_ARGUMENT",
        ),
        (
            "Reserve",
            vec![s("O-1"), s(PHONE), Arg::Int(1_000_000)],
            "INSUFFICIENT_BONUSES",
        ),
        (
            "Reserve",
            vec![s("O-1"), s("79005556677"), Arg::Int(1)],
            "REJECTED",
        ),
        ("CancelReserve", vec![s("")], "INVALID_ARGUMENT"),
        (
            "FixSale",
            vec![s(
                r#"{"phone":"79001112233","lines":[{"lineNo":1,"quantity":1,"sum":1}]}"#,
            )],
            "INVALID_ARGUMENT",
        ),
        (
            "FixSale",
            vec![s(
                r#"{"documentId":"S-9","phone":"79001112233","bonusDebit":1000000,"lines":[{"lineNo":1,"quantity":1,"sum":100}]}"#,
            )],
            "INSUFFICIENT_BONUSES",
        ),
        (
            "ReturnSale",
            vec![s(
                r#"{"returnId":"R","documentId":"unknown","lines":[{"lineNo":1,"quantity":1,"sum":1}]}"#,
            )],
            "NOT_FOUND",
        ),
        (
            "ReturnSale",
            vec![s(
                r#"{"returnId":"R","documentId":"S-1","lines":[{"lineNo":1,"quantity":5,"sum":5000}]}"#,
            )],
            "INVALID_ARGUMENT",
        ),
        ("BonusInfo", vec![s("unknown-document")], "NOT_FOUND"),
        (
            "UploadProducts",
            vec![s(r#"{"items":"nope"}"#)],
            "INVALID_ARGUMENT",
        ),
        (
            "SetPolicy",
            vec![s(r#"{"accrualPercent":150}"#)],
            "INVALID_ARGUMENT",
        ),
        ("SetPolicy", vec![s(r#"{"rate":0}"#)], "INVALID_ARGUMENT"),
        (
            "SetPolicy",
            vec![s(r#"{"noSuchKey":1}"#)],
            "INVALID_ARGUMENT",
        ),
    ];
    for (method, args, code) in &cases {
        expect_error(&mut bp, dir, method, args, code);
    }

    // An unknown customer is refused as the cloud refuses it: REJECTED, CUSTOMER_NOT_FOUND.
    assert!(bp
        .call(
            "Calculate",
            &[order("", json!(0))
                .replace(PHONE, "79005556677")
                .replace(CARD, "")
                .into()]
        )
        .is_err());
    let last: Value = serde_json::from_str(bp.get("LastError").unwrap().text()).unwrap();
    assert_eq!(
        (last["code"].clone(), last["serviceCode"].clone()),
        (json!("REJECTED"), json!("CUSTOMER_NOT_FOUND"))
    );

    // English messages after SetLocale("en_US").
    bp.set_locale("en_US");
    let err = bp.call("NormalizePhone", &["abc".into()]).unwrap_err();
    assert!(err.contains("Invalid phone"), "{err}");
    bp.set_locale("ru_RU");
    let err = bp.call("NormalizePhone", &["abc".into()]).unwrap_err();
    assert!(err.contains("телефон"), "{err}");

    // Cloud mode without a key: NOT_CONFIGURED, and the embedded store is untouched.
    bp.set("Mode", "cloud".into()).unwrap();
    let before = db::snapshot(dir);
    assert!(bp.call("FindCard", &[CARD.into(), "".into()]).is_err());
    assert_eq!(last_error_code(&mut bp), "NOT_CONFIGURED");
    assert_eq!(db::snapshot(dir), before);

    let ending = bp.finish();
    assert_eq!((ending.live_blocks, ending.bad_frees), (0, 0));
}
