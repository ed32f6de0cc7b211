//! What the loyalty server keeps of a receipt beyond its lines, over raw HTTP: the till's note
//! (`desc`) and gift certificates, written once with the sale and listed by
//! `retail/bonusActivities`; bad certificates or notes refused with nothing stored; the
//! kept-reserve reading; `--levels` on the command line; an older server's notes taken over; a
//! database of the schema before them upgraded.

#[path = "support/server_proc.rs"]
mod server_proc;

use bonusplus_1c::backend::{Backend, CustomerData, EmbeddedBackend};
use bonusplus_1c::engine::{BonusPolicy, Order};
use bonusplus_1c::server::{Server, ServerConfig, World};
use rust_decimal::Decimal;
use serde_json::{json, Value};
use server_proc::{agent, call, spawn};
use std::path::Path;
use std::str::FromStr;

const KEY: &str = "receipts-key";
const PHONE: &str = "79001112233";

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

fn start(dir: &Path) -> Server {
    let server = Server::start(ServerConfig {
        listen: "127.0.0.1:0".into(),
        data_dir: dir.to_path_buf(),
        api_key: KEY.into(),
    })
    .unwrap();
    let b = server.backend();
    b.set_policy(BonusPolicy::from_json(r#"{"accrualPercent":10,"rate":1}"#).unwrap())
        .unwrap();
    b.register_customer(PHONE, "", &CustomerData::default())
        .unwrap();
    server
}

/// A JSON number as a Decimal (the server writes money with or without trailing zeros).
fn num(v: &Value) -> Decimal {
    d(&v.to_string())
}

fn api(server: &Server, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
    let url = format!("{}{path}", server.base_url());
    let (status, text) = call(&agent(), KEY, method, &url, body.as_ref());
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

fn retail(external_id: &str, sum: u32, extra: Value) -> Value {
    let mut body = json!({"phone": PHONE, "bonusDebit": 0, "externalId": external_id,
        "items": [{"ext": format!("{external_id}-1"), "product": "P", "qnt": 1, "price": sum,
                   "sum": sum, "ds": 0}]});
    if let (Value::Object(b), Value::Object(e)) = (&mut body, extra) {
        b.extend(e);
    }
    body
}

fn activities(server: &Server, rows: u32, start: u32) -> Vec<Value> {
    let (status, v) = api(
        server,
        "POST",
        "retail/bonusActivities",
        Some(json!({"phone": "+7 900 111-22-33", "rowCount": rows, "startRow": start, "sort": -1})),
    );
    assert_eq!(status, 200, "{v}");
    v["bonusActivities"].as_array().cloned().unwrap()
}

#[test]
fn the_note_and_gift_cards_are_kept_once_and_listed() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path());
    let first = retail(
        "S-1",
        1000,
        json!({"desc": "1C:S-1", "giftCards": [{"id": "GC-1", "paymentSum": 300},
                                                {"id": "GC-2", "paymentSum": 0.5}]}),
    );
    let (status, answer) = api(&server, "POST", "retail", Some(first));
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        answer["orderUrl"],
        json!(format!("{}receipt/{}", server.base_url(), answer["id"]))
    );
    // A repeat of the document answers the first sale and changes none of its notes.
    let repeat = retail(
        "S-1",
        1000,
        json!({"desc": "other", "giftCards": [{"id": "GC-9", "paymentSum": 1}]}),
    );
    let (status, again) = api(&server, "POST", "retail", Some(repeat));
    assert_eq!((status, &again["id"]), (200, &answer["id"]));
    assert_eq!(
        server.gift_cards_of("S-1"),
        [("GC-1".to_owned(), d("300")), ("GC-2".to_owned(), d("0.5"))]
    );
    // A second sale without a note; the list is newest first, paged by startRow.
    let (status, _) = api(
        &server,
        "POST",
        "retail",
        Some(retail("S-2", 500, json!({}))),
    );
    assert_eq!(status, 200);
    let list = activities(&server, 50, 1);
    assert_eq!(list.len(), 2, "{list:?}");
    assert_eq!(list[0]["description"], json!(""));
    assert_eq!(list[1]["description"], json!("1C:S-1"));
    assert_eq!(list[1]["transactionName"], json!("Покупка"));
    assert_eq!(num(&list[1]["bonusCredit"]), d("100"));
    assert_eq!(num(&list[1]["bonusDebit"]), d("0"));
    let page = activities(&server, 1, 2);
    assert_eq!(page.len(), 1);
    assert_eq!(page[0]["description"], json!("1C:S-1"));
    assert!(server.gift_cards_of("S-2").is_empty());
    assert_eq!(server.sales_of("S-1"), 1);
    assert_eq!(server.sales_of("S-3"), 0);
}

#[test]
fn bad_gift_cards_or_notes_store_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path());
    let before = server.backend().find_customer("", PHONE).unwrap().unwrap();
    for extra in [
        json!({"giftCards": [{"id": "G", "paymentSum": 1}, {"id": "G", "paymentSum": 1}]}),
        json!({"giftCards": [{"id": "G", "paymentSum": 0}]}),
        json!({"giftCards": [{"id": " ", "paymentSum": 1}]}),
        json!({"giftCards": [{"id": "G", "paymentSum": 1000.01}]}),
        json!({"giftCards": [{"id": "G", "paymentSum": 1.005}]}),
        json!({"desc": "x".repeat(1001)}),
    ] {
        let (status, v) = api(
            &server,
            "POST",
            "retail",
            Some(retail("BAD", 1000, extra.clone())),
        );
        assert_eq!(status, 412, "{extra}: {v}");
        assert_eq!(v["code"], json!("INVALID_ARGUMENT"), "{extra}: {v}");
        assert_eq!(server.sales_of("BAD"), 0, "{extra}");
        assert!(server.gift_cards_of("BAD").is_empty());
    }
    assert!(activities(&server, 50, 1).is_empty());
    let after = server.backend().find_customer("", PHONE).unwrap().unwrap();
    assert_eq!(after.purchases_total, before.purchases_total);
}

#[test]
fn a_kept_reserve_answers_held_until_released() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path());
    let (status, _) = api(
        &server,
        "POST",
        "retail",
        Some(retail("EARN", 2000, json!({}))),
    );
    assert_eq!(status, 200);
    server.set_world(World {
        reserve_kept: true,
        ..World::default()
    });
    let reserve_path = format!("customer/{PHONE}/balance/reserve");
    let (status, v) = api(
        &server,
        "PATCH",
        &reserve_path,
        Some(json!({"id": "R-1", "amount": 150})),
    );
    assert_eq!(status, 204, "{v}");
    let sale = retail("S-R", 1000, json!({"bonusDebit": 150, "reserveId": "R-1"}));
    let (status, answer) = api(&server, "POST", "retail", Some(sale));
    assert_eq!(status, 200, "{answer}");
    // The sale spent the bonuses (200 - 150 + 85 accrued); the reserve still answers as held.
    assert_eq!(num(&answer["customer"]["availableBonuses"]), d("135"));
    assert_eq!(server.reserve_held("R-1"), Some(d("150")));
    let (status, v) = api(&server, "GET", &format!("{reserve_path}/R-1"), None);
    assert_eq!((status, num(&v["amount"])), (200, d("150")));
    // Another customer's phone does not see it; taking more than it holds is refused.
    let (status, _) = api(
        &server,
        "GET",
        "customer/79009999999/balance/reserve/R-1",
        None,
    );
    assert_eq!(status, 412);
    let (status, v) = api(
        &server,
        "PATCH",
        &reserve_path,
        Some(json!({"id": "R-1", "amount": -151})),
    );
    assert_eq!(
        (status, &v["code"]),
        (412, &json!("RESERVE_AMOUNT_INVALID"))
    );
    // Released once; a second release finds nothing.
    let release = json!({"id": "R-1"});
    let (status, _) = api(
        &server,
        "DELETE",
        "customer/balance/reserve",
        Some(release.clone()),
    );
    assert_eq!(status, 204);
    assert_eq!(server.reserve_held("R-1"), None);
    let (status, _) = api(&server, "DELETE", "customer/balance/reserve", Some(release));
    assert_eq!(status, 412);
    let c = server.backend().find_customer("", PHONE).unwrap().unwrap();
    assert_eq!(
        (c.available_bonuses, c.reserved_bonuses),
        (d("135"), d("0"))
    );

    // The other reading: the sale consumes the reserve.
    server.set_world(World::default());
    let (status, _) = api(
        &server,
        "PATCH",
        &reserve_path,
        Some(json!({"id": "R-2", "amount": 35})),
    );
    assert_eq!(status, 204);
    let sale = retail("S-R2", 100, json!({"bonusDebit": 35, "reserveId": "R-2"}));
    assert_eq!(api(&server, "POST", "retail", Some(sale)).0, 200);
    assert_eq!(server.reserve_held("R-2"), None);
}

#[test]
fn levels_come_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let key_file = dir.path().join("key");
    std::fs::write(&key_file, KEY).unwrap();
    let data = dir.path().join("data");
    {
        let b = EmbeddedBackend::open(&data).unwrap();
        b.register_customer(PHONE, "", &CustomerData::default())
            .unwrap();
    }
    let server = spawn(
        &data,
        &key_file,
        &["--listen", "127.0.0.1:0", "--levels", "GOLD:20000,SILVER:0"],
        false,
    );
    let (status, text) = call(
        &agent(),
        KEY,
        "GET",
        &format!("{}customer?phone={PHONE}", server.url),
        None,
    );
    assert_eq!(status, 200, "{text}");
    let c: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(c["nextCardName"], json!("GOLD"));
    assert_eq!(num(&c["purchasesSumToNextCard"]), d("20000"));
    drop(server);

    let bad = std::process::Command::new(env!("CARGO_BIN_EXE_bonusplus-server"))
        .arg("--data")
        .arg(&data)
        .arg("--api-key-file")
        .arg(&key_file)
        .args(["--levels", "GOLD"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--levels"));
}

/// A sale made through the older server (its `server.db` with notes, as the last version of it
/// kept them).
fn older_server_db(dir: &Path) {
    let b = EmbeddedBackend::open(dir).unwrap();
    b.register_customer(PHONE, "", &CustomerData::default())
        .unwrap();
    b.fix_sale(
        &Order::from_json(
            &json!({"documentId": "OLD-1", "phone": PHONE,
                "lines": [{"lineNo": 1, "product": "P", "quantity": 1, "price": 1000, "sum": 1000}]})
            .to_string(),
        )
        .unwrap(),
    )
    .unwrap();
    drop(b);
    let old = rusqlite::Connection::open(dir.join("server.db")).unwrap();
    old.execute_batch(
        r#"CREATE TABLE sales (id INTEGER PRIMARY KEY AUTOINCREMENT, document_id TEXT NOT NULL,
             phone TEXT NOT NULL, date TEXT NOT NULL, store TEXT NOT NULL, cashier TEXT NOT NULL,
             total_sum TEXT NOT NULL, description TEXT NOT NULL DEFAULT '',
             gift_cards TEXT NOT NULL DEFAULT '[]');
         CREATE TABLE sale_lines (ext TEXT PRIMARY KEY, sale_id INTEGER NOT NULL,
             document_id TEXT NOT NULL, line_no INTEGER NOT NULL, product TEXT NOT NULL, cat TEXT NOT NULL,
             qnt TEXT NOT NULL, price TEXT NOT NULL, sum TEXT NOT NULL, ds TEXT NOT NULL,
             sum_after TEXT NOT NULL, bonus_debit TEXT NOT NULL, bonus_credit TEXT NOT NULL,
             returned_sum TEXT NOT NULL DEFAULT '0', returned_qnt TEXT NOT NULL DEFAULT '0');
         INSERT INTO sales VALUES (1, 'OLD-1', '79001112233', '2021-01-10', 'Магазин', '7', '1000',
             '1C:OLD-1', '[{"id":"GC-OLD","paymentSum":250.5},{"id":"GC-BAD","paymentSum":0}]');
         INSERT INTO sale_lines (ext, sale_id, document_id, line_no, product, cat, qnt, price, sum, ds,
             sum_after, bonus_debit, bonus_credit)
             VALUES ('POS-1', 1, 'OLD-1', 1, 'P', 'C', '1', '1000', '1000', '0', '1000', '0', '0');
         INSERT INTO sales VALUES (2, 'GONE', '79001112233', '2021-01-10', 'Магазин', '7', '5',
             '1C:GONE', '[{"id":"GC-GONE","paymentSum":5}]');
         INSERT INTO sale_lines (ext, sale_id, document_id, line_no, product, cat, qnt, price, sum, ds,
             sum_after, bonus_debit, bonus_credit)
             VALUES ('GONE-1', 2, 'GONE', 1, 'P', 'C', '1', '5', '5', '0', '5', '0', '0');"#,
    )
    .unwrap();
}

#[test]
fn an_older_servers_notes_are_taken_over() {
    let dir = tempfile::tempdir().unwrap();
    older_server_db(dir.path());
    let server = start_again(dir.path());
    assert!(dir.path().join("server.db.imported").exists());
    let list = activities(&server, 50, 1);
    assert_eq!(list.len(), 1, "only the sale in the store: {list:?}");
    assert_eq!(list[0]["description"], json!("1C:OLD-1"));
    assert_eq!(
        server.gift_cards_of("OLD-1"),
        [("GC-OLD".to_owned(), d("250.5"))],
        "a zero certificate is not taken"
    );
    assert!(server.gift_cards_of("GONE").is_empty());
}

/// A database of schema 4 (the server's records without notes) is upgraded on start, and the
/// step can run again over a database that has it (steps renumbered on a merge).
#[test]
fn a_database_without_the_notes_is_upgraded() {
    let dir = tempfile::tempdir().unwrap();
    {
        let server = start(dir.path());
        let sale = retail("S-1", 1000, json!({"desc": "1C:S-1"}));
        assert_eq!(api(&server, "POST", "retail", Some(sale)).0, 200);
    }
    let db = dir.path().join("bonusplus.db");
    let version = |conn: &rusqlite::Connection| -> i64 {
        conn.query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap()
    };
    let conn = rusqlite::Connection::open(&db).unwrap();
    assert_eq!(version(&conn), 6);
    conn.execute_batch(
        "DROP TABLE api_gift_cards; DROP TABLE api_sale_notes; DROP INDEX sales_by_customer;
         PRAGMA user_version = 4;",
    )
    .unwrap();
    drop(conn);
    let server = start_again(dir.path());
    assert_eq!(version(&rusqlite::Connection::open(&db).unwrap()), 6);
    let sale = retail(
        "S-2",
        1000,
        json!({"desc": "1C:S-2", "giftCards": [{"id": "G", "paymentSum": 10}]}),
    );
    assert_eq!(api(&server, "POST", "retail", Some(sale)).0, 200);
    let list = activities(&server, 50, 1);
    let notes: Vec<&Value> = list.iter().map(|a| &a["description"]).collect();
    assert_eq!(
        notes,
        [&json!("1C:S-2"), &json!("")],
        "S-1's note went with the table"
    );
    assert_eq!(server.gift_cards_of("S-2"), [("G".to_owned(), d("10"))]);
    drop(server);

    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.pragma_update(None, "user_version", 2).unwrap();
    drop(conn);
    let server = start_again(dir.path());
    assert_eq!(version(&rusqlite::Connection::open(&db).unwrap()), 6);
    assert_eq!(server.gift_cards_of("S-2"), [("G".to_owned(), d("10"))]);
}

/// A server over an existing data folder, as it is.
fn start_again(dir: &Path) -> Server {
    Server::start(ServerConfig {
        listen: "127.0.0.1:0".into(),
        data_dir: dir.to_path_buf(),
        api_key: KEY.into(),
    })
    .unwrap()
}
