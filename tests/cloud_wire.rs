//! The cloud client against the local BonusPlus server on loopback: the seed flow end to end,
//! balances checked on both sides; then the same flow through the real `.so` in cloud mode.

#[path = "support/host.rs"]
mod host_support;
#[path = "support/session.rs"]
mod session;

use bonusplus_1c::backend::{
    ApiKey, Backend, CloudBackend, CloudConfig, CustomerData, DeliveryStatus, DocumentState,
    ProductItem, Products, ReturnLine, ReturnRequest,
};
use bonusplus_1c::engine::{BonusPolicy, Order};
use bonusplus_1c::error::ErrorCode;
use bonusplus_1c::i18n::Lang;
use bonusplus_1c::server::{Server, ServerConfig, World};
use rust_decimal::Decimal;
use serde_json::json;
use session::{Arg, Session};
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

const KEY: &str = "test-key-Ключ-42";
const PHONE: &str = "79001112233";
const CARD: &str = "4601234567893";

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

fn start_server(dir: &Path) -> Server {
    let server = Server::start(ServerConfig {
        listen: "127.0.0.1:0".into(),
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

fn client(url: &str, dir: &Path) -> CloudBackend {
    CloudBackend::open(CloudConfig {
        server_address: url.into(),
        api_key: ApiKey::new(KEY),
        timeout: Duration::from_secs(5),
        store: "Магазин на Ленина".into(),
        cashier_code: "7".into(),
        data_dir: dir.to_path_buf(),
    })
    .unwrap()
}

fn first_sale() -> Order {
    Order::from_json(
        &json!({"documentId": "РТУ-000001", "phone": PHONE, "date": "2021-01-10T12:00:00", "bonusDebit": 0,
            "lines": [{"lineNo": 1, "product": "00-00000099", "quantity": 1, "price": 10000, "sum": 10000}]})
        .to_string(),
    )
    .unwrap()
}

fn order() -> serde_json::Value {
    json!({"documentId": "ЗК-000001", "phone": PHONE, "cardNumber": CARD, "useBonuses": true, "bonusDebit": 100,
        "date": "2021-01-15T15:49:30",
        "lines": [
            {"lineNo": 1, "product": "00-00000012", "quantity": 1, "price": 3000, "sum": 3000},
            {"lineNo": 2, "product": "00-00000013", "quantity": 2, "price": 1560, "sum": 3120},
            {"lineNo": 3, "product": "00-00000014", "quantity": 1, "price": 2040, "sum": 2040}]})
}

/// A JSON number as a Decimal (`100.00` and `100` are the same amount).
fn num(v: &serde_json::Value) -> Decimal {
    Decimal::from_str(&v.to_string()).unwrap_or_else(|_| panic!("not a number: {v}"))
}

fn server_available(server: &Server) -> Decimal {
    server
        .backend()
        .find_customer("", PHONE)
        .unwrap()
        .unwrap()
        .available_bonuses
}

#[test]
fn seed_flow_over_the_wire_with_balances_on_both_sides() {
    seed_flow(World::default());
}

/// The other reading of the API's open questions: a sale naming a reserve leaves it held, and
/// `ds` includes the discount sent in. The client's figures and balances are the same.
#[test]
fn seed_flow_with_kept_reserves_and_echoed_discounts() {
    seed_flow(World {
        reserve_kept: true,
        ds_includes_sent: true,
        ..World::default()
    });
}

/// A discount 1C already applied (`discountSum`) is never counted again, whichever way the
/// service reports `ds`: the card discount comes on top of the net sum.
#[test]
fn a_1c_discount_is_never_counted_twice() {
    for world in [
        World::default(),
        World {
            reserve_kept: false,
            ds_includes_sent: true,
            ..World::default()
        },
    ] {
        let server_dir = tempfile::tempdir().unwrap();
        let client_dir = tempfile::tempdir().unwrap();
        let server = start_server(server_dir.path());
        server.set_world(world);
        server
            .backend()
            .set_policy(BonusPolicy::from_json(r#"{"discountPercent":10}"#).unwrap())
            .unwrap();
        let cloud = client(&server.base_url(), client_dir.path());
        cloud
            .register_customer(PHONE, "", &CustomerData::default())
            .unwrap();
        let order = json!({"documentId": "DISC-1", "phone": PHONE, "useBonuses": false,
            "lines": [{"lineNo": 1, "product": "A", "quantity": 1, "price": 3000, "sum": 2700,
                       "discountSum": 300}]});
        let calc = cloud
            .calculate(&Order::from_json(&order.to_string()).unwrap())
            .unwrap();
        assert_eq!(calc.percent_discount_sum, d("270"), "{world:?}");
        assert_eq!(calc.lines[0].discount_sum, d("270"), "{world:?}");
        assert_eq!(calc.lines[0].sum_after, d("2430"), "{world:?}");
        assert_eq!(calc.to_pay, d("2430"), "{world:?}");
    }
}

fn seed_flow(world: World) {
    let server_dir = tempfile::tempdir().unwrap();
    let client_dir = tempfile::tempdir().unwrap();
    let server = start_server(server_dir.path());
    server.set_world(world);
    let cloud = client(&server.base_url(), client_dir.path());

    // 1. Register; a second time answers created:false.
    let data = CustomerData {
        first_name: Some("Иван".into()),
        last_name: Some("Иванов".into()),
        middle_name: Some("Иванович".into()),
        ..CustomerData::default()
    };
    let reg = cloud
        .register_customer("+7 (900) 111-22-33", CARD, &data)
        .unwrap();
    assert!(reg.created);
    assert_eq!(reg.customer.phone, PHONE);
    assert_eq!(reg.customer.card_number, CARD);
    assert_eq!(reg.customer.holder, "Иванов Иван Иванович");
    let on_server = server.backend().find_customer(CARD, "").unwrap().unwrap();
    assert_eq!(on_server.phone, PHONE);
    assert!(
        !cloud
            .register_customer(PHONE, "", &CustomerData::default())
            .unwrap()
            .created
    );

    // 2. The first sale earns 1 % = 100 bonuses.
    let sale1 = cloud.fix_sale(&first_sale()).unwrap();
    assert_eq!(sale1.status, DeliveryStatus::Done);
    assert_eq!(sale1.bonus_accrued, d("100"));
    assert!(!sale1.sale_id.is_empty());
    assert_eq!(sale1.customer.available_bonuses, d("100"));
    assert_eq!(server_available(&server), d("100"));

    // 3. Found by card.
    let found = cloud.find_customer(CARD, "").unwrap().unwrap();
    assert_eq!(found.phone, PHONE);
    assert_eq!(found.available_bonuses, d("100"));
    assert_eq!(found.purchases_total, d("10000"));
    assert!(cloud.find_customer("", "79009999999").unwrap().is_none());

    // 4. The order paying 100 bonuses.
    let calc = cloud
        .calculate(&Order::from_json(&order().to_string()).unwrap())
        .unwrap();
    let debits: Vec<Decimal> = calc.lines.iter().map(|l| l.bonus_debit_sum).collect();
    assert_eq!(debits, vec![d("36.76"), d("38.24"), d("25.00")]);
    assert_eq!(calc.to_pay, d("8060"));
    assert_eq!(calc.bonus_debit, d("100"));
    assert_eq!(calc.max_bonus_debit, d("100"));
    assert_eq!(calc.bonus_accrual, d("80.6"));
    assert_eq!(calc.lines[0].discount_percent, d("1.23"));
    let total: Decimal = calc.lines.iter().map(|l| l.discount_sum).sum();
    assert_eq!(total, calc.total_discount);
    assert_eq!(
        calc.lines.iter().map(|l| l.sum_after).sum::<Decimal>(),
        calc.to_pay
    );
    // Asking for more than allowed is capped, not an error.
    let mut greedy = order();
    greedy["bonusDebit"] = json!(500);
    let capped = cloud
        .calculate(&Order::from_json(&greedy.to_string()).unwrap())
        .unwrap();
    assert_eq!(capped.bonus_debit, d("100"));
    assert_eq!(
        capped.messages,
        // The same note as the built-in program writes (one text for both modes).
        ["Запрошено списание 500 бонусов, списать можно не больше 100: списано 100"]
    );
    let capped = cloud
        .calculate_in(&Order::from_json(&greedy.to_string()).unwrap(), Lang::En)
        .unwrap();
    assert_eq!(
        capped.messages,
        ["500 bonuses were requested; at most 100 can be applied, so 100 were applied"]
    );
    assert_eq!(
        cloud.bonus_info("ЗК-000001").unwrap().state,
        DocumentState::Calculated
    );

    // 5. Reserve 100; again with 60 replaces (sends the difference); back to 100.
    cloud.reserve("ЗК-000001", PHONE, d("100")).unwrap();
    assert_eq!(server_available(&server), d("0"));
    cloud.reserve("ЗК-000001", PHONE, d("60")).unwrap();
    assert_eq!(server_available(&server), d("40"));
    assert_eq!(
        cloud
            .find_customer("", PHONE)
            .unwrap()
            .unwrap()
            .available_bonuses,
        d("40")
    );
    cloud.reserve("ЗК-000001", PHONE, d("100")).unwrap();
    assert_eq!(server_available(&server), d("0"));
    assert_eq!(
        cloud.bonus_info("ЗК-000001").unwrap().state,
        DocumentState::Reserved
    );
    cloud.cancel_reserve("никогда-не-было").unwrap();

    // 6. The sale names the reserve.
    let mut sale = order();
    sale["documentId"] = json!("РТУ-000002");
    sale["reserveId"] = json!("ЗК-000001");
    let sale = Order::from_json(&sale.to_string()).unwrap();
    let fixed = cloud.fix_sale(&sale).unwrap();
    assert_eq!(fixed.status, DeliveryStatus::Done);
    assert_eq!(fixed.bonus_debited, d("100"));
    assert_eq!(fixed.bonus_accrued, d("80.6"));
    assert_eq!(fixed.customer.available_bonuses, d("80.6"));
    assert_eq!(server_available(&server), d("80.6"));
    let on_server = server.backend().find_customer("", PHONE).unwrap().unwrap();
    assert_eq!(on_server.purchases_total, d("18060"));
    assert_eq!(on_server.reserved_bonuses, d("0"));
    // Consumed by the sale or kept by the service, the reserve is released once the sale is done.
    assert_eq!(server.reserve_held("ЗК-000001"), None, "{world:?}");
    let again = cloud.fix_sale(&sale).unwrap();
    assert_eq!(again, fixed);
    assert_eq!(
        server.stats().retail_posts,
        2,
        "each sale posted exactly once"
    );
    assert_eq!(
        cloud.bonus_info("РТУ-000002").unwrap().state,
        DocumentState::Fixed
    );
    // The order whose reserve the sale spent is done too, with the bonuses it held.
    let order_info = cloud.bonus_info("ЗК-000001").unwrap();
    assert_eq!(
        (order_info.state, order_info.bonus_debit),
        (DocumentState::Fixed, d("100"))
    );

    // 7. Return line 1 (paid 2963.24): the client's answer matches the server's books.
    let ret = ReturnRequest {
        return_id: "ВЗ-000001".into(),
        document_id: "РТУ-000002".into(),
        date: None,
        lines: vec![ReturnLine {
            line_no: 1,
            quantity: d("1"),
            sum: d("2963.24"),
        }],
    };
    let back = cloud.return_sale(&ret).unwrap();
    assert_eq!(back.status, DeliveryStatus::Done);
    assert_eq!(back.bonus_reversed, d("29.63"));
    let after = server.backend().find_customer("", PHONE).unwrap().unwrap();
    assert_eq!(back.customer.available_bonuses, after.available_bonuses);
    assert_eq!(after.purchases_total, d("18060") - d("2963.24"));
    assert_eq!(
        cloud.return_sale(&ret).unwrap(),
        back,
        "idempotent per returnId"
    );
    assert_eq!(
        cloud.bonus_info("РТУ-000002").unwrap().state,
        DocumentState::Returned
    );

    // SMS codes: a wrong one is false, the right one (from the server's sms.log) true.
    cloud.send_code(PHONE).unwrap();
    assert!(!cloud.check_code(PHONE, "000000x").unwrap());
    let log = std::fs::read_to_string(server_dir.path().join("sms.log")).unwrap();
    let code = log.trim().rsplit(' ').next().unwrap().to_string();
    let wrong = if code == "111111" { "222222" } else { "111111" };
    assert!(!cloud.check_code(PHONE, wrong).unwrap());
    assert!(cloud.check_code(PHONE, &code).unwrap());

    // Nomenclature in batches, with progress.
    let items: Vec<ProductItem> = (0..1200)
        .map(|i| ProductItem {
            id: format!("P{i}"),
            parent_id: String::new(),
            name: format!("Товар {i}"),
            is_group: false,
            article: String::new(),
        })
        .collect();
    let mut seen = Vec::new();
    let n = cloud
        .upload_products(
            &Products {
                store: String::new(),
                items,
            },
            &mut |done, total| seen.push((done, total)),
        )
        .unwrap();
    assert_eq!(n, 1200);
    assert_eq!(
        seen,
        vec![(0, 1200), (500, 1200), (1000, 1200), (1200, 1200)]
    );

    // What has no API says so.
    let err = cloud.bind_card(PHONE, "4601234567886").unwrap_err();
    assert_eq!(err.code, ErrorCode::NotConfigured);
    assert_eq!(cloud.bind_card(PHONE, CARD).unwrap().phone, PHONE);
    let renamed = cloud
        .update_customer(
            PHONE,
            &CustomerData {
                card_name: Some("GOLD".into()),
                ..CustomerData::default()
            },
        )
        .unwrap();
    assert_eq!(renamed.card_name, "GOLD");
    let info = cloud.check_connection().unwrap();
    assert!(info.ok && info.mode == "cloud");
    assert_eq!(cloud.pending_count().unwrap(), 0);

    // Every request of the flow went over one kept-alive connection.
    assert_eq!(server.stats().connections, 1, "{:?}", server.stats());
}

#[test]
fn wrong_key_is_auth_and_plain_http_elsewhere_is_refused() {
    let server_dir = tempfile::tempdir().unwrap();
    let client_dir = tempfile::tempdir().unwrap();
    let server = start_server(server_dir.path());
    let wrong = CloudBackend::open(CloudConfig {
        server_address: server.base_url(),
        api_key: ApiKey::new("not-the-key"),
        timeout: Duration::from_secs(5),
        store: String::new(),
        cashier_code: String::new(),
        data_dir: client_dir.path().to_path_buf(),
    })
    .unwrap();
    let err = wrong.check_connection().unwrap_err();
    assert_eq!(err.code, ErrorCode::Auth);
    assert!(!format!("{err:?}{}{}", err.message_ru, err.message_en).contains("not-the-key"));
    let refused = CloudBackend::open(CloudConfig {
        server_address: "http://bonusplus.pro/api/".into(),
        api_key: ApiKey::new(KEY),
        timeout: Duration::from_secs(5),
        store: String::new(),
        cashier_code: String::new(),
        data_dir: client_dir.path().to_path_buf(),
    });
    assert_eq!(refused.unwrap_err().code, ErrorCode::NotConfigured);
}

#[test]
fn the_add_in_in_cloud_mode_runs_the_seed_flow_and_frees_everything() {
    let server_dir = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    let server = start_server(server_dir.path());
    let host = host_support::build_host(Path::new(env!("CARGO_TARGET_TMPDIR")), false);
    let mut bp = Session::start(&host, &host_support::addin_library(), "BonusPlus");
    bp.set("КаталогДанных", Arg::Str(work.path().display().to_string()))
        .unwrap();
    bp.set("Режим", "cloud".into()).unwrap();
    bp.set("АдресСервера", server.base_url().into()).unwrap();
    bp.set("КлючAPI", KEY.into()).unwrap();
    bp.set("Магазин", "Магазин на Ленина".into()).unwrap();
    bp.set("КодКассира", "7".into()).unwrap();
    let conn = bp.call_json("ПроверитьПодключение", &[]).unwrap();
    assert_eq!(conn["mode"], "cloud");

    let reg = bp
        .call_json(
            "ЗарегистрироватьКлиента",
            &[
                PHONE.into(),
                CARD.into(),
                json!({"firstName": "Иван"}).to_string().into(),
            ],
        )
        .unwrap();
    assert_eq!(reg["created"], true);
    let s1 = bp
        .call_json(
            "ЗафиксироватьПродажу",
            &[serde_json::to_string(&first_sale()).unwrap().into()],
        )
        .unwrap();
    assert_eq!(s1["status"], "done");
    assert_eq!(num(&s1["bonusAccrued"]), d("100"));
    let found = bp
        .call_json("НайтиКарту", &[CARD.into(), "".into()])
        .unwrap();
    assert_eq!(found["found"], true);
    assert_eq!(num(&found["customer"]["availableBonuses"]), d("100"));
    let missing = bp
        .call_json("НайтиКарту", &["".into(), "79005550000".into()])
        .unwrap();
    assert_eq!(missing, json!({"found": false}));

    let calc = bp
        .call_json("РассчитатьСкидки", &[order().to_string().into()])
        .unwrap();
    assert_eq!(num(&calc["toPay"]), d("8060"));
    assert_eq!(num(&calc["lines"][0]["bonusDebitSum"]), d("36.76"));
    assert_eq!(num(&calc["lines"][1]["bonusDebitSum"]), d("38.24"));
    assert_eq!(num(&calc["lines"][2]["bonusDebitSum"]), d("25.00"));
    bp.call(
        "ЗарезервироватьБонусы",
        &["ЗК-000001".into(), PHONE.into(), Arg::Int(100)],
    )
    .unwrap();
    let mut sale = order();
    sale["documentId"] = json!("РТУ-000002");
    sale["reserveId"] = json!("ЗК-000001");
    let fixed = bp
        .call_json("ЗафиксироватьПродажу", &[sale.to_string().into()])
        .unwrap();
    assert_eq!(fixed["status"], "done");
    assert_eq!(num(&fixed["customer"]["availableBonuses"]), d("80.6"));
    assert_eq!(server_available(&server), d("80.6"));
    let ret = json!({"returnId": "ВЗ-1", "documentId": "РТУ-000002", "lines": [{"lineNo": 1, "quantity": 1, "sum": 2963.24}]});
    let back = bp
        .call_json("ОформитьВозврат", &[ret.to_string().into()])
        .unwrap();
    assert_eq!(back["status"], "done");
    let info = bp
        .call_json("ИнформацияОБонусах", &["РТУ-000002".into()])
        .unwrap();
    assert_eq!(info["state"], "returned");
    assert_eq!(bp.call("КоличествоОтложенных", &[]).unwrap(), Arg::Int(0));

    // A wrong key: AUTH in LastError, and the key is nowhere in it.
    bp.set("КлючAPI", "wrong-secret-key".into()).unwrap();
    let err = bp.call("ПроверитьПодключение", &[]).unwrap_err();
    assert!(!err.contains("wrong-secret-key"), "{err}");
    let last = bp.get("ПоследняяОшибка").unwrap();
    assert!(
        last.text().contains("\"AUTH\"") && !last.text().contains("wrong-secret-key"),
        "{last:?}"
    );

    let ending = bp.finish();
    assert_eq!(ending.live_blocks, 0, "{ending:?}");
    assert_eq!(ending.bad_frees, 0, "{ending:?}");
}
