//! The owner's cabinet in headless Chromium (Debian's chromium + chromium-driver, over
//! WebDriver), beside a till: the add-in's library in our C++ host, in cloud mode against the
//! same loyalty server. Signs in, finds the seed customer, sees the seed checkout in the ledger,
//! adjusts the balance and sees the till's FindCard get it, edits the policy and sees the till's
//! next Calculate follow it, and saves a screenshot of the dashboard under target/. Without
//! chromedriver it is skipped with a message, except under CI=true, where it fails.

#[path = "support/cabinet.rs"]
mod cabinet_support;
#[path = "support/host.rs"]
mod host_support;
#[path = "support/session.rs"]
mod session;
#[path = "support/webdriver.rs"]
mod webdriver;

use bonusplus_1c::backend::Backend;
use cabinet_support::{server, KEY, PASSWORD};
use serde_json::{json, Value};
use session::{Arg, Session};
use std::path::{Path, PathBuf};

const PHONE: &str = "79001112233";

/// A till: the shipped add-in's test build in our C++ host, in cloud mode against the server.
fn till(url: &str, dir: &Path) -> Session {
    let host = host_support::build_host(Path::new(env!("CARGO_TARGET_TMPDIR")), false);
    let library = host_support::addin_library();
    let mut bp = Session::start_cloud(&host, &library, dir, url, KEY);
    bp.set("Store", "Магазин 1".into()).unwrap();
    bp
}

fn order(doc: &str, sum: u32, debit: u32) -> Arg {
    json!({"documentId": doc, "phone": PHONE, "bonusDebit": debit,
        "lines": [{"lineNo": 1, "product": "A", "name": "Кофе", "quantity": 1, "price": sum, "sum": sum}]})
    .to_string()
    .into()
}

/// The customer's available bonuses as the till's FindCard shows them.
fn balance(till: &mut Session) -> Value {
    let found = till
        .call_json("FindCard", &["".into(), PHONE.into()])
        .unwrap();
    assert_eq!(found["found"], json!(true), "{found}");
    found["customer"]["availableBonuses"].clone()
}

/// The first line's accrual in the till's calculation of `order`.
fn accrual(till: &mut Session, order: Arg) -> Value {
    let calc = till.call_json("Calculate", &[order]).unwrap();
    calc["lines"][0]["bonusAccrual"].clone()
}

const REGULAR: &str = "79005550000";

/// A regular customer's last quarter, written into the server's store before it starts, under a
/// clock set day by day (the ledger dates a movement by when it is posted): a sale every third day,
/// every fourth one partly paid with bonuses, so the dashboard's chart has a quarter to draw.
fn seed_a_quarter(server_dir: &Path) {
    use bonusplus_1c::backend::{EmbeddedBackend, EmbeddedOptions, ManualClock};
    use bonusplus_1c::engine::BonusPolicy;
    std::fs::create_dir_all(server_dir).unwrap();
    let today = bonusplus_1c::backend::Clock::now(&bonusplus_1c::backend::SystemClock);
    let clock = ManualClock::new(today);
    clock.advance_days(-88);
    let shop = EmbeddedBackend::open_with(
        server_dir,
        EmbeddedOptions {
            clock: std::sync::Arc::new(clock.clone()),
            ..EmbeddedOptions::default()
        },
    )
    .unwrap();
    shop.set_policy(
        BonusPolicy::from_json(r#"{"accrualPercent":10,"rate":1,"expiryDays":60}"#).unwrap(),
    )
    .unwrap();
    let data = bonusplus_1c::backend::CustomerData {
        first_name: Some("Пётр".into()),
        last_name: Some("Постоянный".into()),
        ..Default::default()
    };
    shop.register_customer(REGULAR, "", &data).unwrap();
    for k in 0..29u32 {
        clock.advance_days(3);
        let sum = 600 + (k * 370) % 1900;
        let debit = if k % 4 == 3 { 40 } else { 0 };
        let sale: bonusplus_1c::engine::Order = serde_json::from_value(json!({
            "documentId": format!("ИСТ-{k:03}"), "phone": REGULAR, "bonusDebit": debit,
            "lines": [{"lineNo": 1, "product": "A", "name": "Кофе", "quantity": 1, "price": sum, "sum": sum}]}))
        .unwrap();
        shop.fix_sale(&sale).unwrap();
    }
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"))
}

#[test]
fn the_owner_runs_the_program_from_a_browser() {
    let Some(driver) = webdriver::chromedriver() else {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("chromedriver is missing: .ci/run installs chromium and chromium-driver");
        }
        eprintln!("SKIPPED: no chromedriver on PATH (apt-get install chromium chromium-driver)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    seed_a_quarter(&dir.path().join("server"));
    let server = server(&dir.path().join("server"));
    server
        .backend()
        .set_policy(
            bonusplus_1c::engine::BonusPolicy::from_json(r#"{"accrualPercent":10,"rate":1}"#)
                .unwrap(),
        )
        .unwrap();
    // The seed checkout, from a till.
    let mut till = till(&server.base_url(), &dir.path().join("till"));
    let data = json!({"firstName": "Анна", "lastName": "Покупатель"}).to_string();
    let reg = till
        .call_json("RegisterCustomer", &[PHONE.into(), "".into(), data.into()])
        .unwrap();
    assert_eq!(reg["created"], json!(true), "{reg}");
    let sale = till
        .call_json("FixSale", &[order("ЧК-0001", 1500, 0)])
        .unwrap();
    assert_eq!(sale["status"], json!("done"), "{sale}");
    assert_eq!(balance(&mut till), json!(150));

    let base = server.base_url();
    let b = webdriver::Browser::start(&driver, "ru");
    b.goto(&format!("{base}cabinet/"));
    assert!(
        b.current_url().ends_with("/cabinet/login"),
        "{}",
        b.current_url()
    );
    b.type_into("#password", PASSWORD);
    b.click("#sign-in");
    b.wait_text("#customers", "2");

    // Find the seed customer by part of the name, open the card, see the checkout in the ledger.
    b.goto(&format!("{base}cabinet/customers"));
    b.type_into("#q", "Анна");
    b.click("#search");
    b.wait_text("table#customers", "Покупатель Анна");
    b.click("table#customers a");
    b.wait_text("#balance", "150.00");
    let ledger = b.text("#ledger");
    assert!(
        ledger.contains("accrual") && ledger.contains("150.00"),
        "{ledger}"
    );
    assert!(b.text("#purchases").contains("1500.00"));

    // A manual credit with its reason: the till sees the new balance.
    b.type_into("#amount", "25");
    b.type_into("#reason", "Извинение за очередь");
    b.click("#adjust-save");
    b.wait_text("#balance", "175.00");
    b.wait_text("#ledger", "Извинение за очередь");
    assert_eq!(balance(&mut till), json!(175));

    // The policy: accrual 10 % -> 20 %; the till's next calculation follows.
    assert_eq!(accrual(&mut till, order("ЧК-0002", 1000, 0)), json!(100));
    b.goto(&format!("{base}cabinet/policy?index=0"));
    b.type_into("#f-accrualPercent", "20");
    b.click("#policy-save");
    b.wait_text("#history", "\"accrualPercent\":20");
    assert_eq!(accrual(&mut till, order("ЧК-0003", 1000, 0)), json!(200));

    // The dashboard, as the owner sees it.
    b.goto(&format!("{base}cabinet/"));
    // The dashboard's active bonuses are what the two customers' cards show at the till.
    let regular_balance = {
        let found = till
            .call_json("FindCard", &["".into(), REGULAR.into()])
            .unwrap();
        found["customer"]["availableBonuses"].to_string()
    };
    let active = rust_decimal::Decimal::from_str_exact(&regular_balance).unwrap()
        + rust_decimal::Decimal::from(175);
    b.wait_text("#customers", "2");
    b.wait_text("#active", &format!("{active:.2}"));
    let drawn = b.script("return document.querySelectorAll('svg.chart rect').length;");
    assert!(
        drawn.as_u64().unwrap_or(0) > 30,
        "{drawn} bars: the quarter's accruals and spending, and today's"
    );
    let png = b.screenshot();
    assert!(png.starts_with(b"\x89PNG"), "a PNG");
    let shot = target_dir().join("cabinet-dashboard.png");
    std::fs::create_dir_all(shot.parent().unwrap()).unwrap();
    std::fs::write(&shot, &png).unwrap();
    eprintln!("dashboard screenshot: {}", shot.display());

    // On a phone-sized window no page is wider than the screen (wide tables scroll in place).
    b.resize(390, 844);
    for page in [
        "",
        "customers",
        "customer?phone=79001112233",
        "policies",
        "expiring",
    ] {
        b.goto(&format!("{base}cabinet/{page}"));
        b.find("main");
        let fits = b.script("return document.documentElement.scrollWidth <= window.innerWidth;");
        assert_eq!(fits, json!(true), "{page} is wider than a phone");
    }
    let phone = target_dir().join("cabinet-phone.png");
    std::fs::write(&phone, b.screenshot()).unwrap();
}
