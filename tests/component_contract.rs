//! One contract in both modes: every bad input from a table goes through the real `.so` in our C++
//! host twice, once in embedded mode (a database with a customer and a sale in it) and once in
//! cloud mode (a key, a closed loopback port, an outbox with a queued sale in it). Both must refuse
//! it with the same code before touching storage or the network: the database and the outbox stay
//! byte-for-byte what they were.

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

fn session(data: &Path) -> Session {
    let host = host_support::build_host(Path::new(env!("CARGO_TARGET_TMPDIR")), false);
    let mut bp = Session::start(&host, &host_support::addin_library(), "BonusPlus");
    bp.set("DataDirectory", Arg::Str(data.display().to_string()))
        .unwrap();
    bp
}

/// A port on loopback that nothing listens on.
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

fn sale(document_id: &str) -> Value {
    json!({
        "documentId": document_id, "phone": PHONE, "cardNumber": CARD, "bonusDebit": 0,
        "date": "2021-01-15T15:49:30",
        "lines": [
            {"lineNo": 1, "product": "00-00000012", "quantity": 3, "price": 1000, "sum": 3000},
            {"lineNo": 2, "product": "00-00000013", "quantity": 1.5, "price": 100, "sum": 150}
        ]
    })
}

/// `base` with `key` set to `value` (`null` removes it), at the top or in the first line.
fn with(base: Value, key: &str, value: Value) -> String {
    let mut doc = base;
    let target = match key.strip_prefix("lines.") {
        Some(line_key) => (&mut doc["lines"][0], line_key),
        None => (&mut doc, key),
    };
    let object = target.0.as_object_mut().unwrap();
    if value.is_null() {
        object.remove(target.1);
    } else {
        object.insert(target.1.to_owned(), value);
    }
    doc.to_string()
}

fn s(text: &str) -> Arg {
    Arg::Str(text.to_owned())
}

fn code_of(bp: &mut Session) -> String {
    let text = bp.get("LastError").unwrap();
    let json: Value = serde_json::from_str(text.text()).unwrap();
    json["code"].as_str().unwrap().to_owned()
}

fn bad_inputs() -> Vec<(&'static str, &'static str, Vec<Arg>)> {
    let lone_surrogate = Arg::Units(vec![u16::from(b'D'), 0xd800, u16::from(b'1')]);
    let return_json = |lines: Value| {
        s(&json!({"returnId": "R-1", "documentId": "S-1", "lines": lines}).to_string())
    };
    vec![
        // Sales and orders.
        ("sale without bonusDebit", "FixSale", vec![s(&with(sale("S-2"), "bonusDebit", Value::Null))]),
        ("sale with bonusDebit null", "FixSale", vec![s(&sale("S-2").to_string().replace("\"bonusDebit\":0", "\"bonusDebit\":null"))]),
        ("sale without documentId", "FixSale", vec![s(&with(sale("S-2"), "documentId", json!("  ")))]),
        ("NUL in a product code", "FixSale", vec![s(&with(sale("S-2"), "lines.product", json!("00-0\u{0}12")))]),
        ("escape in a name", "FixSale", vec![s(&with(sale("S-2"), "lines.name", json!("Вент\u{1b}[2J")))]),
        ("sale in 1600", "FixSale", vec![s(&with(sale("S-2"), "date", json!("1600-03-01T00:00:00")))]),
        ("sale in 9999", "FixSale", vec![s(&with(sale("S-2"), "date", json!("9999-12-31T00:00:00")))]),
        ("lone surrogate in JSON", "FixSale", vec![s(&sale("S-2").to_string().replace("S-2", "S\\ud800"))]),
        ("negative bonusDebit", "FixSale", vec![s(&with(sale("S-2"), "bonusDebit", json!(-1)))]),
        ("gift card without id", "FixSale", vec![s(&with(sale("S-2"), "giftCards", json!([{"id": " ", "paymentSum": 10}])))]),
        ("gift card paying 0", "FixSale", vec![s(&with(sale("S-2"), "giftCards", json!([{"id": "GC-1", "paymentSum": 0}])))]),
        ("gift card twice", "FixSale", vec![s(&with(sale("S-2"), "giftCards", json!([{"id": "GC-1", "paymentSum": 1}, {"id": "GC-1", "paymentSum": 1}])))]),
        ("gift cards over the receipt", "FixSale", vec![s(&with(sale("S-2"), "giftCards", json!([{"id": "GC-1", "paymentSum": 3150.01}])))]),
        ("control character in a gift card", "FixSale", vec![s(&with(sale("S-2"), "giftCards", json!([{"id": "GC\u{7}1", "paymentSum": 1}])))]),
        ("bonusDebit over 10^12", "FixSale", vec![s(&with(sale("S-2"), "bonusDebit", json!(1_000_000_000_001i64)))]),
        ("sum with 3 decimals", "FixSale", vec![s(&with(sale("S-2"), "lines.sum", json!(0.001)))]),
        ("quantity with 4 decimals", "FixSale", vec![s(&with(sale("S-2"), "lines.quantity", json!(0.0001)))]),
        ("control char in reserveId", "FixSale", vec![s(&with(sale("S-2"), "reserveId", json!("R\u{7}")))]),
        ("control char in card", "Calculate", vec![s(&with(sale(""), "cardNumber", json!("4601\u{7}")))]),
        ("card of 65 characters", "Calculate", vec![s(&with(sale(""), "cardNumber", json!("7".repeat(65))))]),
        ("bad phone in an order", "Calculate", vec![s(&with(sale(""), "phone", json!("12345")))]),
        ("order in 9999", "Calculate", vec![s(&with(sale(""), "date", json!("9999-01-01T00:00:00")))]),
        // Parameters.
        ("lone surrogate in DocumentId", "BonusInfo", vec![lone_surrogate.clone()]),
        ("lone surrogate in a reserve", "Reserve", vec![lone_surrogate, s(PHONE), Arg::Int(1)]),
        ("blank DocumentId", "CancelReserve", vec![s("  ")]),
        ("NUL in DocumentId", "CancelReserve", vec![s("D\u{0}1")]),
        ("id of 201 characters", "BonusInfo", vec![s(&"Я".repeat(201))]),
        ("negative amount", "Reserve", vec![s("D-1"), s(PHONE), Arg::Int(-1)]),
        ("amount with 3 decimals", "Reserve", vec![s("D-1"), s(PHONE), Arg::Num(0.001)]),
        ("amount over 10^12", "Reserve", vec![s("D-1"), s(PHONE), s("1000000000000.01")]),
        ("bad phone in a reserve", "Reserve", vec![s("D-1"), s("+1 555"), Arg::Int(1)]),
        ("card with a control char", "FindCard", vec![s("46\u{1}01"), s("")]),
        ("neither card nor phone", "FindCard", vec![s(" "), s("")]),
        ("empty card to bind", "BindCard", vec![s(PHONE), s(" ")]),
        ("NUL in a name", "UpdateCustomer", vec![s(PHONE), s(r#"{"firstName":"И\u0000"}"#)]),
        ("bad gender", "UpdateCustomer", vec![s(PHONE), s(r#"{"gender":"x"}"#)]),
        ("bad phone to register", "RegisterCustomer", vec![s("12345"), s(""), s("")]),
        ("control char in a card to register", "RegisterCustomer", vec![s("79005556677"), s("C\u{8}"), s("")]),
        ("bad phone for a code", "SendCode", vec![s("0")]),
        // Returns and products.
        ("blank returnId", "ReturnSale", vec![s(&json!({"returnId": " ", "documentId": "S-1", "lines": [{"lineNo": 1, "quantity": 1, "sum": 1}]}).to_string())]),
        ("return line twice", "ReturnSale", vec![return_json(json!([{"lineNo": 1, "quantity": 1, "sum": 1}, {"lineNo": 1, "quantity": 1, "sum": 1}]))]),
        ("return of zero", "ReturnSale", vec![return_json(json!([{"lineNo": 1, "quantity": 0, "sum": 0}]))]),
        ("return sum with 3 decimals", "ReturnSale", vec![return_json(json!([{"lineNo": 1, "quantity": 1, "sum": 0.005}]))]),
        ("return without lines", "ReturnSale", vec![return_json(json!([]))]),
        ("return in 1600", "ReturnSale", vec![s(&json!({"returnId": "R-1", "documentId": "S-1", "date": "1600-01-01T00:00:00", "lines": [{"lineNo": 1, "quantity": 1, "sum": 1}]}).to_string())]),
        ("duplicated product id", "UploadProducts", vec![s(r#"{"items":[{"id":"P-1","name":"a"},{"id":" P-1 ","name":"b"}]}"#)]),
        ("NUL in a product id", "UploadProducts", vec![s(r#"{"items":[{"id":"P\u0000"}]}"#)]),
        ("blank product id", "UploadProducts", vec![s(r#"{"items":[{"id":"  "}]}"#)]),
        (
            "product id of 101 characters",
            "UploadProducts",
            vec![s(&json!({"items": [{"id": "П".repeat(101)}]}).to_string())],
        ),
    ]
}

#[test]
fn every_bad_input_gets_the_same_code_in_both_modes_and_changes_nothing() {
    let embedded_dir = tempfile::tempdir().unwrap();
    let cloud_dir = tempfile::tempdir().unwrap();
    let mut embedded = session(embedded_dir.path());
    embedded
        .call("RegisterCustomer", &[s(PHONE), s(CARD), s("")])
        .unwrap();
    embedded
        .call("FixSale", &[s(&sale("S-1").to_string())])
        .unwrap();
    let mut cloud = session(cloud_dir.path());
    cloud.set("Mode", s("cloud")).unwrap();
    cloud
        .set(
            "ServerAddress",
            s(&format!("http://127.0.0.1:{}/api/", closed_port())),
        )
        .unwrap();
    cloud.set("ApiKey", s("contract-test-key")).unwrap();
    cloud.set("Timeout", Arg::Int(2)).unwrap();
    let queued = cloud
        .call_json("FixSale", &[s(&sale("S-1").to_string())])
        .unwrap();
    assert_eq!(queued["status"], "queued");

    let embedded_before = db::snapshot(embedded_dir.path());
    let cloud_before = db::snapshot(cloud_dir.path());
    assert!(embedded_before.contains(" sales\n") && cloud_before.contains(" outbox\n"));
    for (what, method, args) in bad_inputs() {
        for (mode, bp) in [("embedded", &mut embedded), ("cloud", &mut cloud)] {
            let err = bp
                .call(method, &args)
                .expect_err(&format!("{what}: {mode} accepted it"));
            assert!(!err.is_empty());
            assert_eq!(code_of(bp), "INVALID_ARGUMENT", "{what} in {mode}: {err}");
        }
        assert_eq!(
            db::snapshot(embedded_dir.path()),
            embedded_before,
            "{what} changed the database"
        );
        assert_eq!(
            db::snapshot(cloud_dir.path()),
            cloud_before,
            "{what} changed the outbox"
        );
    }
    // Text properties: no control characters either (they would reach HTTP headers and paths).
    for (prop, value) in [
        ("Store", "Магазин\u{0}1"),
        ("CashierCode", "7\r\nX-Injected: 1"),
        ("ApiKey", "key\u{1}"),
    ] {
        for (mode, bp) in [("embedded", &mut embedded), ("cloud", &mut cloud)] {
            let err = bp.set(prop, s(value)).expect_err(prop);
            assert_eq!(code_of(bp), "INVALID_ARGUMENT", "{prop} in {mode}: {err}");
            assert!(!err.contains("key"), "the message shows the value: {err}");
        }
    }
    assert_eq!(cloud.call("PendingCount", &[]).unwrap(), Arg::Int(1));
}

/// What the old copies let through is now accepted the same way in both modes: a card number with
/// a space or a Cyrillic letter (cloud took it, embedded refused it).
#[test]
fn a_real_card_number_is_valid_in_both_modes() {
    let embedded_dir = tempfile::tempdir().unwrap();
    let mut embedded = session(embedded_dir.path());
    let registered = embedded
        .call_json("RegisterCustomer", &[s(PHONE), s("  Карта 77/5 "), s("")])
        .unwrap();
    assert_eq!(registered["customer"]["cardNumber"], "Карта 77/5");
    let found = embedded
        .call_json("FindCard", &[s("Карта 77/5"), s("")])
        .unwrap();
    assert_eq!(found["found"], true);
}

/// `chattr +i` on the data folder and the database file: a folder even root cannot write to
/// (file permissions do not stop root). Undone on drop, whatever the test does.
struct Immutable(Vec<std::path::PathBuf>);

impl Immutable {
    fn set(paths: &[&Path]) -> Immutable {
        let mut done = Immutable(Vec::new());
        for path in paths {
            let status = std::process::Command::new("chattr")
                .arg("+i")
                .arg(path)
                .status()
                .expect("chattr (e2fsprogs) is needed for this test");
            assert!(
                status.success(),
                "chattr +i {} failed: the test needs root on ext4/xfs",
                path.display()
            );
            done.0.push(path.to_path_buf());
        }
        done
    }
}

impl Drop for Immutable {
    fn drop(&mut self) {
        for path in self.0.iter().rev() {
            let _ = std::process::Command::new("chattr")
                .arg("-i")
                .arg(path)
                .status();
        }
    }
}

#[test]
fn a_read_only_data_folder_is_not_configured_with_its_path() {
    // Under the target directory: a real disk (tmpfs has no immutable flag).
    let root = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let data = root.path().join("data");
    let mut bp = session(&data);
    bp.call("RegisterCustomer", &[s(PHONE), s(CARD), s("")])
        .unwrap();
    let ending = bp.finish();
    assert_eq!((ending.live_blocks, ending.bad_frees), (0, 0));
    let db_file = data.join("bonusplus.db");
    let _guard = Immutable::set(&[&db_file, &data]);

    let mut bp = session(&data);
    for (method, args) in [
        ("FindCard", vec![s(CARD), s("")]),
        ("FixSale", vec![s(&sale("S-9").to_string())]),
    ] {
        let err = bp.call(method, &args).expect_err(method);
        assert_eq!(code_of(&mut bp), "NOT_CONFIGURED", "{method}: {err}");
        assert!(err.contains(&db_file.display().to_string()), "{err}");
        assert!(err.contains("КаталогДанных"), "{err}");
        assert!(!err.to_lowercase().contains("readonly"), "{err}");
    }
    // A data folder that cannot even be made (its parent is a file) is NOT_CONFIGURED too.
    let file = root.path().join("file");
    std::fs::write(&file, "x").unwrap();
    let mut bp = session(&file.join("data"));
    let err = bp.call("FindCard", &[s(CARD), s("")]).unwrap_err();
    assert_eq!(code_of(&mut bp), "NOT_CONFIGURED", "{err}");
    assert!(
        err.contains(&file.join("data").display().to_string()),
        "{err}"
    );
}

/// Both modes return `fiscalLines` on every line, computed by the engine's one rule: the same
/// order gets the same split from the built-in program and through the cloud (the loyalty server
/// on loopback, with the same policy).
#[test]
fn both_modes_return_the_receipts_fiscal_lines() {
    use bonusplus_1c::backend::Backend;
    use bonusplus_1c::engine::BonusPolicy;
    use bonusplus_1c::server::{Server, ServerConfig};
    const KEY: &str = "fiscal-test-key";
    let policy = r#"{"discountPercent":7}"#;
    let server_dir = tempfile::tempdir().unwrap();
    let server = Server::start(ServerConfig {
        listen: "127.0.0.1:0".into(),
        data_dir: server_dir.path().to_path_buf(),
        api_key: KEY.into(),
    })
    .unwrap();
    server
        .backend()
        .set_policy(BonusPolicy::from_json(policy).unwrap())
        .unwrap();
    let cloud_dir = tempfile::tempdir().unwrap();
    let mut cloud = session(cloud_dir.path());
    cloud.set("Mode", s("cloud")).unwrap();
    cloud.set("ServerAddress", s(&server.base_url())).unwrap();
    cloud.set("ApiKey", s(KEY)).unwrap();
    let embedded_dir = tempfile::tempdir().unwrap();
    let mut embedded = session(embedded_dir.path());
    embedded.call("SetPolicy", &[s(policy)]).unwrap();

    let order = json!({
        "phone": PHONE, "cardNumber": CARD,
        "lines": [
            {"lineNo": 1, "product": "L", "quantity": 3, "price": 1062.5, "sum": 3187.5},
            {"lineNo": 2, "product": "W", "quantity": 1.5, "price": 100, "sum": 150}
        ]
    })
    .to_string();
    let mut answers = Vec::new();
    for bp in [&mut embedded, &mut cloud] {
        bp.call("RegisterCustomer", &[s(PHONE), s(CARD), s("")])
            .unwrap();
        let calc = bp.call_json("Calculate", &[s(&order)]).unwrap();
        answers.push(calc["lines"].clone());
    }
    // 7 % of 3337.50 is 233.63, of which line 1 takes 223.13: 2964.37 for 3 units, which no
    // unit price gives; 1 unit at 988.13 and 2 at 988.12 do.
    assert_eq!(answers[0][0]["sumAfter"], json!(2964.37));
    assert_eq!(
        answers[0][0]["fiscalLines"],
        json!([{"quantity": 1, "price": 988.13, "sum": 988.13}, {"quantity": 2, "price": 988.12, "sum": 1976.24}])
    );
    assert_eq!(
        answers[0][1]["fiscalLines"],
        json!([{"quantity": 1.5, "price": 93, "sum": 139.5}])
    );
    for (embedded_line, cloud_line) in answers[0]
        .as_array()
        .unwrap()
        .iter()
        .zip(answers[1].as_array().unwrap())
    {
        assert_eq!(embedded_line["sumAfter"], cloud_line["sumAfter"]);
        assert_eq!(embedded_line["fiscalLines"], cloud_line["fiscalLines"]);
    }
}
