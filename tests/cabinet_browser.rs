//! The owner's cabinet in headless Chromium (Debian's chromium + chromium-driver, over
//! WebDriver), beside a till: the add-in in cloud mode against the same loyalty server. Signs in,
//! finds the seed customer, sees the seed checkout in the ledger, adjusts the balance and sees
//! the till get it, edits the policy and sees the till's next calculation follow it, and saves a
//! screenshot of the dashboard under target/. Without chromedriver it is skipped with a message,
//! except under CI=true, where it fails.

#[path = "support/cabinet.rs"]
mod cabinet_support;
#[path = "support/webdriver.rs"]
mod webdriver;

use bonusplus_1c::backend::{ApiKey, Backend, CloudBackend, CloudConfig, CustomerData};
use bonusplus_1c::engine::Order;
use cabinet_support::{server, KEY, PASSWORD};
use rust_decimal::Decimal;
use serde_json::json;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

const PHONE: &str = "79001112233";

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

fn till(url: &str, dir: &Path) -> CloudBackend {
    CloudBackend::open(CloudConfig {
        server_address: url.into(),
        api_key: ApiKey::new(KEY),
        timeout: Duration::from_secs(5),
        store: "Магазин 1".into(),
        cashier_code: String::new(),
        data_dir: dir.to_path_buf(),
    })
    .unwrap()
}

fn order(doc: &str, sum: u32, debit: u32) -> Order {
    serde_json::from_value(json!({"documentId": doc, "phone": PHONE, "bonusDebit": debit,
        "lines": [{"lineNo": 1, "product": "A", "name": "Кофе", "quantity": 1, "price": sum, "sum": sum}]}))
    .unwrap()
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
    let server = server(&dir.path().join("server"));
    server
        .backend()
        .set_policy(
            bonusplus_1c::engine::BonusPolicy::from_json(r#"{"accrualPercent":10,"rate":1}"#)
                .unwrap(),
        )
        .unwrap();
    // The seed checkout, from a till.
    let till = till(&server.base_url(), &dir.path().join("till"));
    let data = CustomerData {
        first_name: Some("Анна".into()),
        last_name: Some("Покупатель".into()),
        ..Default::default()
    };
    till.register_customer(PHONE, "", &data).unwrap();
    till.fix_sale(&order("ЧК-0001", 1500, 0)).unwrap();
    let before = till
        .find_customer("", PHONE)
        .unwrap()
        .unwrap()
        .available_bonuses;
    assert_eq!(before, d("150"));

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
    b.wait_text("#customers", "1");

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
    let after = till
        .find_customer("", PHONE)
        .unwrap()
        .unwrap()
        .available_bonuses;
    assert_eq!(after, d("175"));

    // The policy: accrual 10 % -> 20 %; the till's next calculation follows.
    let calc = till.calculate(&order("ЧК-0002", 1000, 0)).unwrap();
    assert_eq!(calc.lines[0].bonus_accrual, d("100"));
    b.goto(&format!("{base}cabinet/policy?index=0"));
    b.type_into("#f-accrualPercent", "20");
    b.click("#policy-save");
    b.wait_text("#history", "\"accrualPercent\":20");
    let calc = till.calculate(&order("ЧК-0003", 1000, 0)).unwrap();
    assert_eq!(calc.lines[0].bonus_accrual, d("200"));

    // The dashboard, as the owner sees it.
    b.goto(&format!("{base}cabinet/"));
    b.wait_text("#active", "175.00");
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
