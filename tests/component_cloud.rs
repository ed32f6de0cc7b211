//! The BonusPlus component in cloud mode, through the real `.so` in our C++ host, against the local
//! BonusPlus server on loopback: every method, bad inputs leaving both sides unchanged, and the
//! outbox across a real process restart.

#[path = "support/db.rs"]
mod db;
#[path = "support/host.rs"]
mod host_support;
#[path = "support/session.rs"]
mod session;

use bonusplus_1c::backend::{Backend, CustomerData};
use bonusplus_1c::engine::BonusPolicy;
use bonusplus_1c::server::{Server, ServerConfig};
use serde_json::{json, Value};
use session::{Arg, Session};
use std::path::Path;

const KEY: &str = "cloud-test-key-4242";
const PHONE: &str = "79001112233";
const CARD: &str = "4601234567893";

fn start_server(dir: &Path, listen: &str) -> Server {
    let server = Server::start(ServerConfig {
        listen: listen.into(),
        data_dir: dir.to_path_buf(),
        api_key: KEY.into(),
    })
    .unwrap();
    server
        .backend()
        .set_policy(BonusPolicy::from_json(r#"{"accrualPercent":1,"rate":1}"#).unwrap())
        .unwrap();
    server
}

fn cloud_session(client_dir: &Path, url: &str) -> Session {
    let host = host_support::build_host(Path::new(env!("CARGO_TARGET_TMPDIR")), false);
    let library = host_support::addin_library();
    let mut bp = Session::start_cloud(&host, &library, client_dir, url, KEY);
    bp.set("Store", "Магазин на Ленина".into()).unwrap();
    bp.set("CashierCode", "7".into()).unwrap();
    bp
}

fn last_error(bp: &mut Session) -> Value {
    serde_json::from_str(bp.get("LastError").unwrap().text()).unwrap()
}

fn order(document_id: &str, bonus_debit: Value) -> String {
    json!({
        "documentId": document_id, "phone": PHONE, "cardNumber": CARD, "bonusDebit": bonus_debit,
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
fn every_method_in_cloud_mode_and_bad_inputs_change_nothing() {
    let server_dir = tempfile::tempdir().unwrap();
    let client_dir = tempfile::tempdir().unwrap();
    let server = start_server(server_dir.path(), "127.0.0.1:0");
    let mut bp = cloud_session(client_dir.path(), &server.base_url());

    assert_eq!(
        bp.call_json("CheckConnection", &[]).unwrap()["mode"],
        json!("cloud")
    );
    assert_eq!(
        bp.call("NormalizePhone", &["8 (900) 111-22-33".into()])
            .unwrap(),
        Arg::Str(PHONE.into())
    );
    assert_eq!(
        bp.call_json("ParseScan", &["tel:+79001112233".into()])
            .unwrap()["kind"],
        json!("phone")
    );
    assert_eq!(
        bp.call_json("FindCard", &[CARD.into(), "".into()]).unwrap(),
        json!({"found": false})
    );

    assert_eq!(
        bp.call("SendCode", &[PHONE.into()]).unwrap(),
        Arg::Bool(true)
    );
    let sms = std::fs::read_to_string(server_dir.path().join("sms.log")).unwrap();
    let code = sms
        .lines()
        .last()
        .unwrap()
        .split_whitespace()
        .last()
        .unwrap()
        .to_owned();
    assert_eq!(
        bp.call("CheckCode", &[PHONE.into(), "000".into()]).unwrap(),
        Arg::Bool(false)
    );
    assert_eq!(
        bp.call("CheckCode", &[PHONE.into(), code.into()]).unwrap(),
        Arg::Bool(true)
    );

    let reg = bp
        .call_json(
            "RegisterCustomer",
            &[
                PHONE.into(),
                CARD.into(),
                json!({"firstName": "Иван"}).to_string().into(),
            ],
        )
        .unwrap();
    assert_eq!(reg["created"], json!(true));
    assert_eq!(
        bp.call_json("RegisterCustomer", &[PHONE.into(), "".into(), "".into()])
            .unwrap()["created"],
        json!(false)
    );
    assert_eq!(
        bp.call_json("BindCard", &[PHONE.into(), CARD.into()])
            .unwrap()["cardNumber"],
        json!(CARD)
    );
    bp.call_json(
        "UpdateCustomer",
        &[PHONE.into(), json!({"cardName": "GOLD"}).to_string().into()],
    )
    .unwrap();

    let first = json!({"documentId": "S-1", "phone": PHONE, "bonusDebit": 0,
        "lines": [{"lineNo": 1, "product": "X", "quantity": 1, "sum": 10000}]});
    assert_eq!(
        bp.call_json("FixSale", &[first.to_string().into()])
            .unwrap()["status"],
        json!("done")
    );
    let calc = bp
        .call_json("Calculate", &[order("O-1", json!(100)).into()])
        .unwrap();
    let shares: Vec<String> = calc["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["bonusDebitSum"].to_string())
        .collect();
    assert_eq!(shares, ["36.76", "38.24", "25"]);
    assert_eq!(calc["toPay"], json!(8060));
    assert_eq!(
        bp.call("Reserve", &["O-1".into(), PHONE.into(), Arg::Int(100)])
            .unwrap(),
        Arg::Bool(true)
    );
    assert_eq!(
        bp.call("CancelReserve", &["O-1".into()]).unwrap(),
        Arg::Bool(true)
    );
    assert_eq!(
        bp.call("CancelReserve", &["never".into()]).unwrap(),
        Arg::Bool(true)
    );
    bp.call("Reserve", &["O-1".into(), PHONE.into(), Arg::Int(100)])
        .unwrap();
    let mut sale: Value = serde_json::from_str(&order("S-2", json!(100))).unwrap();
    sale["reserveId"] = json!("O-1");
    let fixed = bp.call_json("FixSale", &[sale.to_string().into()]).unwrap();
    assert_eq!(fixed["status"], json!("done"));
    assert_eq!(
        bp.call_json("FixSale", &[sale.to_string().into()]).unwrap(),
        fixed,
        "idempotent"
    );
    assert_eq!(
        server.stats().retail_posts,
        2,
        "two sales, each posted once"
    );
    assert_eq!(
        bp.call_json("BonusInfo", &["S-2".into()]).unwrap()["state"],
        json!("fixed")
    );
    let ret = json!({"returnId": "R-1", "documentId": "S-2", "lines": [{"lineNo": 3, "quantity": 1, "sum": 2015}]});
    assert_eq!(
        bp.call_json("ReturnSale", &[ret.to_string().into()])
            .unwrap()["status"],
        json!("done")
    );
    let products = json!({"store": "s", "items": (0..700).map(|i| json!({"id": format!("P{i}"), "name": "Товар"})).collect::<Vec<_>>()});
    assert_eq!(
        bp.call_json("UploadProducts", &[products.to_string().into()])
            .unwrap(),
        json!({"uploaded": 700})
    );
    assert_eq!(bp.call("PendingCount", &[]).unwrap(), Arg::Int(0));
    assert_eq!(
        bp.call_json("SendPending", &[]).unwrap(),
        json!({"sent": 0, "left": 0, "failed": 0})
    );

    // Bad inputs: their codes, and neither the server's store nor the add-in's outbox changes.
    let s = |t: &str| Arg::Str(t.to_owned());
    let cases: Vec<(&str, Vec<Arg>, &str)> = vec![
        ("NormalizePhone", vec![s("12")], "INVALID_ARGUMENT"),
        ("FindCard", vec![s(""), s("")], "INVALID_ARGUMENT"),
        ("SendCode", vec![s("phone")], "INVALID_ARGUMENT"),
        (
            "RegisterCustomer",
            vec![s("79005550000"), s(""), s("{oops")],
            "INVALID_ARGUMENT",
        ),
        ("Calculate", vec![s("{broken")], "INVALID_ARGUMENT"),
        (
            "Calculate",
            vec![s(
                r#"{"documentId":"O","phone":"79001112233","lines":[{"lineNo":1,"quantity":0,"sum":1}]}"#,
            )],
            "INVALID_ARGUMENT",
        ),
        (
            "Reserve",
            vec![s("O-2"), s(PHONE), Arg::Int(-5)],
            "INVALID_ARGUMENT",
        ),
        (
            "Reserve",
            vec![s(""), s(PHONE), Arg::Int(5)],
            "INVALID_ARGUMENT",
        ),
        (
            "FixSale",
            vec![s(
                r#"{"phone":"79001112233","lines":[{"lineNo":1,"quantity":1,"sum":1}]}"#,
            )],
            "INVALID_ARGUMENT",
        ),
        (
            "ReturnSale",
            vec![s(r#"{"returnId":"R-2"}"#)],
            "INVALID_ARGUMENT",
        ),
        ("BonusInfo", vec![s("unknown-document")], "NOT_FOUND"),
        ("UploadProducts", vec![s("[]")], "INVALID_ARGUMENT"),
        (
            "SetPolicy",
            vec![s(r#"{"accrualPercent":5}"#)],
            "NOT_CONFIGURED",
        ),
        ("GetPolicies", vec![], "NOT_CONFIGURED"),
    ];
    for (method, args, code) in &cases {
        let (before_server, before_client) = (
            db::snapshot(server_dir.path()),
            db::snapshot(client_dir.path()),
        );
        let posts = server.stats().retail_posts;
        assert!(
            bp.call(method, args).is_err(),
            "{method}{args:?} should fail"
        );
        assert_eq!(last_error(&mut bp)["code"], json!(code), "{method}{args:?}");
        assert_eq!(
            db::snapshot(server_dir.path()),
            before_server,
            "{method}{args:?} changed the server"
        );
        assert_eq!(
            db::snapshot(client_dir.path()),
            before_client,
            "{method}{args:?} changed the outbox"
        );
        assert_eq!(server.stats().retail_posts, posts);
    }

    // A wrong key: AUTH, and the key is in no message.
    bp.set("ApiKey", "wrong-key-0000".into()).unwrap();
    let err = bp.call("FindCard", &[CARD.into(), "".into()]).unwrap_err();
    assert_eq!(last_error(&mut bp)["code"], json!("AUTH"));
    assert!(
        !err.contains("wrong-key-0000") && !err.contains(KEY),
        "{err}"
    );
    let log = std::fs::read_to_string(client_dir.path().join("bonusplus.log")).unwrap();
    assert!(
        !log.contains("wrong-key-0000") && !log.contains(KEY),
        "the key reached the log"
    );

    let ending = bp.finish();
    assert_eq!((ending.live_blocks, ending.bad_frees), (0, 0));
}

#[test]
fn a_queued_sale_survives_a_process_restart_and_is_posted_exactly_once() {
    let server_dir = tempfile::tempdir().unwrap();
    let client_dir = tempfile::tempdir().unwrap();
    // Learn a free port, set up the customer, then stop the server: the till is offline.
    let server = start_server(server_dir.path(), "127.0.0.1:0");
    let address = server.addr().to_string();
    let url = server.base_url();
    server
        .backend()
        .register_customer(PHONE, CARD, &CustomerData::default())
        .unwrap();
    server.stop();

    // Process 1: the sale cannot reach the service; it is kept and reported as queued.
    let mut till = cloud_session(client_dir.path(), &url);
    let sale = json!({"documentId": "S-OFFLINE", "phone": PHONE, "bonusDebit": 0, "date": "2021-02-01T10:00:00",
        "lines": [{"lineNo": 1, "product": "X", "quantity": 1, "sum": 5000}]})
    .to_string();
    let queued = till.call_json("FixSale", &[sale.clone().into()]).unwrap();
    assert_eq!(queued["status"], json!("queued"));
    assert_eq!(till.call("PendingCount", &[]).unwrap(), Arg::Int(1));
    assert_eq!(
        till.call_json("SendPending", &[]).unwrap(),
        json!({"sent": 0, "left": 1, "failed": 0})
    );
    let ending = till.finish(); // the 1C process ends
    assert_eq!((ending.live_blocks, ending.bad_frees), (0, 0));

    // The service is back.
    let server = start_server(server_dir.path(), &address);
    // Process 2: a new host process on the same data directory delivers it, once.
    let mut till = cloud_session(client_dir.path(), &url);
    assert_eq!(till.call("PendingCount", &[]).unwrap(), Arg::Int(1));
    assert_eq!(
        till.call_json("SendPending", &[]).unwrap(),
        json!({"sent": 1, "left": 0, "failed": 0})
    );
    assert_eq!(till.call("PendingCount", &[]).unwrap(), Arg::Int(0));
    assert_eq!(server.stats().retail_posts, 1);
    let done = till.call_json("FixSale", &[sale.into()]).unwrap();
    assert_eq!(done["status"], json!("done"));
    assert_eq!(
        till.call_json("SendPending", &[]).unwrap(),
        json!({"sent": 0, "left": 0, "failed": 0})
    );
    assert_eq!(
        server.stats().retail_posts,
        1,
        "the sale reached the service exactly once"
    );
    let customer = server.backend().find_customer(CARD, "").unwrap().unwrap();
    assert_eq!(
        customer.purchases_total.to_string().parse::<f64>().unwrap(),
        5000.0
    );
    let ending = till.finish();
    assert_eq!((ending.live_blocks, ending.bad_frees), (0, 0));
}

/// The outbox methods through the real `.so`: PendingItems lists what waits, with its state;
/// the operator methods check their arguments and the item's state; a dropped item is gone.
#[test]
fn outbox_methods_through_the_host() {
    let client_dir = tempfile::tempdir().unwrap();
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut bp = cloud_session(client_dir.path(), &format!("http://127.0.0.1:{closed}/"));
    assert_eq!(bp.call_json("PendingItems", &[]).unwrap(), json!([]));
    let sale = json!({"documentId": "РТУ-7", "phone": PHONE, "bonusDebit": 0,
        "lines": [{"lineNo": 1, "product": "A", "quantity": 1, "price": 10, "sum": 10}]});
    let fixed = bp
        .call_json("FixSale", &[sale.to_string().as_str().into()])
        .unwrap();
    assert_eq!(fixed["status"], json!("queued"));
    let items = bp.call_json("ОтложенныеДокументы", &[]).unwrap();
    assert_eq!(items.as_array().unwrap().len(), 1);
    assert_eq!(items[0]["documentId"], json!("РТУ-7"));
    assert_eq!(items[0]["kind"], json!("sale"));
    assert_eq!(items[0]["state"], json!("queued"));
    assert_eq!(items[0]["lastError"]["code"], json!("NETWORK"));
    assert_eq!(
        bp.call_json("SendPending", &[]).unwrap(),
        json!({"sent": 0, "left": 1, "failed": 0})
    );
    assert_eq!(
        bp.call_json("BonusInfo", &["РТУ-7".into()]).unwrap()["state"],
        json!("pending")
    );
    // Posted must be a boolean; a queued item is not waiting for confirmation; retry needs failed.
    assert!(bp
        .call("ConfirmPending", &["РТУ-7".into(), "да".into()])
        .is_err());
    assert_eq!(last_error(&mut bp)["code"], json!("INVALID_ARGUMENT"));
    assert!(bp
        .call("ПодтвердитьОтложенный", &["РТУ-7".into(), Arg::Bool(true)])
        .is_err());
    assert_eq!(last_error(&mut bp)["code"], json!("INVALID_ARGUMENT"));
    assert!(bp.call("RetryPending", &["РТУ-7".into()]).is_err());
    assert_eq!(last_error(&mut bp)["code"], json!("INVALID_ARGUMENT"));
    assert!(bp.call("DropPending", &["нет-такого".into()]).is_err());
    assert_eq!(last_error(&mut bp)["code"], json!("NOT_FOUND"));
    assert_eq!(
        bp.call("УдалитьОтложенный", &["РТУ-7".into()]).unwrap(),
        Arg::Bool(true)
    );
    assert_eq!(bp.call_json("PendingItems", &[]).unwrap(), json!([]));
    assert_eq!(bp.call("PendingCount", &[]).unwrap(), Arg::Int(0));

    // OfflineCalculation: off, the unreachable service is NETWORK; on, an accrue-later calculation.
    assert_eq!(bp.get("OfflineCalculation").unwrap(), Arg::Bool(false));
    assert!(bp
        .call("Calculate", &[order("ЗК-9", json!(null)).as_str().into()])
        .is_err());
    assert_eq!(last_error(&mut bp)["code"], json!("NETWORK"));
    assert!(bp.set("РасчетБезСвязи", "да".into()).is_err());
    bp.set("РасчетБезСвязи", Arg::Bool(true)).unwrap();
    let calc = bp
        .call_json("Calculate", &[order("ЗК-9", json!(null)).as_str().into()])
        .unwrap();
    assert_eq!(calc["offline"], json!(true));
    assert_eq!(calc["toPay"], json!(8160));
    assert_eq!(calc["totalDiscount"], json!(0));
    let ending = bp.finish();
    assert_eq!(ending.live_blocks, 0);
}
