//! What the BonusPlus service offers a till, over the wire against the local server: gift
//! certificates on the sale, the card's next level and expiring bonuses, the e-receipt link, the
//! card lookup that falls back to `customer/list`, the debit step, a customer barred from spending,
//! the store warning, and the calculation while the service is down.

use bonusplus_1c::backend::{
    ApiKey, Backend, CloudBackend, CloudConfig, CustomerData, DeliveryStatus, EmbeddedBackend,
};
use bonusplus_1c::engine::{BonusPolicy, Order};
use bonusplus_1c::error::ErrorCode;
use bonusplus_1c::server::{Level, Server, ServerConfig, World};
use rust_decimal::Decimal;
use serde_json::json;
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

const KEY: &str = "till-key";
const PHONE: &str = "79001112233";
const CARD: &str = "2000000000015";

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

fn start(dir: &Path, listen: &str) -> Server {
    let s = Server::start(ServerConfig {
        listen: listen.into(),
        data_dir: dir.to_path_buf(),
        api_key: KEY.into(),
    })
    .unwrap();
    s.backend()
        .set_policy(BonusPolicy::from_json(r#"{"accrualPercent":1,"expiryDays":30}"#).unwrap())
        .unwrap();
    s
}

fn client(url: &str, dir: &Path, store: &str) -> CloudBackend {
    CloudBackend::open(CloudConfig {
        server_address: url.into(),
        api_key: ApiKey::new(KEY),
        timeout: Duration::from_secs(3),
        store: store.into(),
        cashier_code: String::new(),
        data_dir: dir.to_path_buf(),
    })
    .unwrap()
}

fn sale(doc: &str, sum: u32, debit: u32, gift_cards: serde_json::Value) -> Order {
    let v = json!({"documentId": doc, "phone": PHONE, "bonusDebit": debit,
        "date": "2026-12-01T10:00:00", "giftCards": gift_cards,
        "lines": [{"lineNo": 1, "product": "A", "quantity": 1, "price": sum, "sum": sum}]});
    Order::from_json(&v.to_string()).unwrap()
}

fn order(debit: serde_json::Value) -> Order {
    let v = json!({"documentId": "ЗК-1", "phone": PHONE, "bonusDebit": debit,
        "lines": [{"lineNo": 1, "product": "A", "quantity": 1, "price": 3000, "sum": 3000},
                  {"lineNo": 2, "product": "B", "quantity": 2, "price": 1560, "sum": 3120}]});
    Order::from_json(&v.to_string()).unwrap()
}

#[test]
fn gift_cards_levels_expiry_and_the_receipt_link_reach_the_till() {
    let (sd, cd) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let server = start(sd.path(), "127.0.0.1:0");
    server.set_levels(vec![
        Level {
            name: "SILVER".into(),
            from: Decimal::ZERO,
        },
        Level {
            name: "GOLD".into(),
            from: d("10000"),
        },
    ]);
    let cloud = client(&server.base_url(), cd.path(), "Магазин 1");
    cloud
        .register_customer(PHONE, CARD, &CustomerData::default())
        .unwrap();
    let gifts = json!([{"id": "GC-1", "paymentSum": 500}, {"id": "GC-2", "paymentSum": 250.5}]);
    let result = cloud.fix_sale(&sale("S-1", 5000, 0, gifts)).unwrap();
    assert_eq!(result.status, DeliveryStatus::Done);
    assert!(
        result.receipt_url.starts_with("http://") && result.receipt_url.contains("receipt/"),
        "{}",
        result.receipt_url
    );
    assert_eq!(
        server.gift_cards_of("S-1"),
        [
            ("GC-1".to_owned(), d("500")),
            ("GC-2".to_owned(), d("250.5"))
        ]
    );
    let c = cloud.find_customer("", PHONE).unwrap().unwrap();
    assert_eq!(c.next_level_name, "GOLD");
    assert_eq!(c.sum_to_next_level, d("5000"));
    let expiring = c.expiring_bonuses.clone().expect("bonuses that expire");
    assert_eq!(expiring.amount, d("50"));
    assert_eq!(expiring.date.to_string(), "2026-12-31T00:00:00");
    let shown = serde_json::to_value(&c).unwrap();
    assert_eq!(shown["nextLevelName"], json!("GOLD"));
    assert_eq!(shown["bonusDebitDenied"], json!(false));

    // Gift certificates are checked before anything is stored: a repeated id, zero, more than
    // the receipt.
    for bad in [
        json!([{"id": "G", "paymentSum": 1}, {"id": "G", "paymentSum": 1}]),
        json!([{"id": "G", "paymentSum": 0}]),
        json!([{"id": " ", "paymentSum": 1}]),
        json!([{"id": "G", "paymentSum": 5000.01}]),
    ] {
        let v = json!({"documentId": "S-BAD", "phone": PHONE, "bonusDebit": 0, "giftCards": bad,
            "lines": [{"lineNo": 1, "product": "A", "quantity": 1, "price": 5000, "sum": 5000}]});
        let e = Order::from_json(&v.to_string()).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidArgument, "{bad}");
        assert!(e.message_en.contains("giftCards"), "{e:?}");
    }

    // The built-in program has no certificates yet.
    let ed = tempfile::tempdir().unwrap();
    let embedded = EmbeddedBackend::open(ed.path()).unwrap();
    embedded
        .register_customer(PHONE, "", &CustomerData::default())
        .unwrap();
    let gifts = json!([{"id": "GC-1", "paymentSum": 100}]);
    let e = embedded.fix_sale(&sale("E-1", 1000, 0, gifts)).unwrap_err();
    assert_eq!(e.code, ErrorCode::NotConfigured);
}

#[test]
fn a_card_lookup_the_service_cannot_answer_falls_back_to_the_list() {
    let (sd, cd) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let server = start(sd.path(), "127.0.0.1:0");
    let cloud = client(&server.base_url(), cd.path(), "");
    cloud
        .register_customer(PHONE, CARD, &CustomerData::default())
        .unwrap();
    server.set_world(World {
        ean_lookup_fails: true,
        ..World::default()
    });
    let found = cloud
        .find_customer(CARD, "")
        .unwrap()
        .expect("found by the list");
    assert_eq!(found.phone, PHONE);
    assert_eq!(found.card_number, CARD);
    assert!(cloud.find_customer("2000000000022", "").unwrap().is_none());
    // The store is empty: CheckConnection works and says so.
    let info = cloud.check_connection().unwrap();
    assert!(info.ok);
    assert_eq!(info.warnings.len(), 1, "{info:?}");
    assert!(info.warnings[0].contains("Магазин"));
}

#[test]
fn the_debit_step_and_a_barred_customer_shape_the_calculation() {
    let (sd, cd) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let server = start(sd.path(), "127.0.0.1:0");
    let cloud = client(&server.base_url(), cd.path(), "Магазин 1");
    cloud
        .register_customer(PHONE, "", &CustomerData::default())
        .unwrap();
    // 57 bonuses to spend.
    cloud
        .fix_sale(&sale("EARN", 5700, 0, serde_json::Value::Null))
        .unwrap();
    assert_eq!(
        cloud
            .find_customer("", PHONE)
            .unwrap()
            .unwrap()
            .available_bonuses,
        d("57")
    );
    server.set_world(World {
        debit_step: d("10"),
        ..World::default()
    });
    let calc = cloud.calculate(&order(serde_json::Value::Null)).unwrap();
    assert_eq!(calc.bonus_debit, d("50"), "rounded down to the step of 10");
    let total: Decimal = calc.lines.iter().map(|l| l.bonus_debit_sum).sum();
    assert_eq!(total, d("50"));

    server.set_world(World {
        debit_denied: true,
        ..World::default()
    });
    let calc = cloud.calculate(&order(json!(30))).unwrap();
    assert_eq!(calc.max_bonus_debit, Decimal::ZERO);
    assert_eq!(calc.bonus_debit, Decimal::ZERO);
    assert_eq!(
        calc.messages,
        ["Этому покупателю списание бонусов запрещено"]
    );
    assert!(
        cloud
            .find_customer("", PHONE)
            .unwrap()
            .unwrap()
            .bonus_debit_denied
    );
}

#[test]
fn while_the_service_is_down_the_till_calculates_offline_and_the_sale_goes_later() {
    let (sd, cd) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let server = start(sd.path(), "127.0.0.1:0");
    let addr = server.addr().to_string();
    let url = server.base_url();
    let mut cloud = client(&url, cd.path(), "Магазин 1");
    cloud
        .register_customer(PHONE, "", &CustomerData::default())
        .unwrap();
    server.stop();

    // Off: the till gets NETWORK, as before.
    assert_eq!(
        cloud.calculate(&order(json!(100))).unwrap_err().code,
        ErrorCode::Network
    );
    cloud.set_offline_calculation(true);
    let calc = cloud.calculate(&order(json!(100))).unwrap();
    assert!(calc.offline);
    assert_eq!(calc.document_sum, d("6120"));
    assert_eq!(
        (calc.total_discount, calc.bonus_debit),
        (Decimal::ZERO, Decimal::ZERO)
    );
    assert_eq!(calc.to_pay, d("6120"));
    assert!(
        calc.messages[0].contains("будут начислены"),
        "{:?}",
        calc.messages
    );
    let shown = serde_json::to_value(&calc).unwrap();
    assert_eq!(shown["offline"], json!(true));

    let fixed = cloud
        .fix_sale(&sale("S-OFF", 6120, 0, serde_json::Value::Null))
        .unwrap();
    assert_eq!(fixed.status, DeliveryStatus::Queued);

    // The service is back: the sale goes once, with the service's own accrual.
    let server = start(sd.path(), &addr);
    let report = cloud.send_pending().unwrap();
    assert_eq!((report.sent, report.left), (1, 0));
    assert_eq!(server.sales_of("S-OFF"), 1);
    let done = cloud
        .fix_sale(&sale("S-OFF", 6120, 0, serde_json::Value::Null))
        .unwrap();
    assert_eq!(done.status, DeliveryStatus::Done);
    assert_eq!(done.bonus_accrued, d("61.2"));
    assert_eq!(
        server
            .backend()
            .find_customer("", PHONE)
            .unwrap()
            .unwrap()
            .purchases_total,
        d("6120")
    );
    assert_eq!(cloud.send_pending().unwrap().sent, 0);
    assert_eq!(server.sales_of("S-OFF"), 1);
}
