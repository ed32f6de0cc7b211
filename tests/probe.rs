//! The probe a user runs against their own account, run here against the local server in both
//! readings of the API: its table tells them apart, it cleans up after itself, and the key
//! (given only through the environment) appears nowhere in what it prints.

use bonusplus_1c::backend::{Backend, CustomerData};
use bonusplus_1c::engine::{BonusPolicy, Order};
use bonusplus_1c::server::{Server, ServerConfig, World};
use serde_json::json;
use std::process::Command;

const KEY: &str = "probe-key-31337";
const PHONE: &str = "79005556677";

fn server(dir: &std::path::Path, world: World) -> Server {
    let s = Server::start(ServerConfig {
        listen: "127.0.0.1:0".into(),
        data_dir: dir.to_path_buf(),
        api_key: KEY.into(),
    })
    .unwrap();
    s.set_world(world);
    let b = s.backend();
    b.set_policy(
        BonusPolicy::from_json(
            r#"{"accrualPercent":5,"discountPercent":3,"restoreOnReturn":true}"#,
        )
        .unwrap(),
    )
    .unwrap();
    b.register_customer(PHONE, "", &CustomerData::default())
        .unwrap();
    let earn = json!({"documentId": "EARN", "phone": PHONE, "bonusDebit": 0,
        "lines": [{"lineNo": 1, "product": "A", "quantity": 1, "price": 1000, "sum": 1000}]});
    b.fix_sale(&Order::from_json(&earn.to_string()).unwrap())
        .unwrap();
    s
}

fn run_probe(url: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_bonusplus-probe"))
        .args(["--phone", PHONE, "--server", url, "--timeout", "5"])
        .env("BONUSPLUS_API_KEY", KEY)
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{text}");
    assert!(!text.contains(KEY), "{text}");
    text
}

fn answer<'a>(table: &'a str, question: &str) -> &'a str {
    table
        .lines()
        .find(|l| l.starts_with(question))
        .and_then(|l| l.split(" | ").nth(1))
        .unwrap_or_else(|| panic!("no row {question} in\n{table}"))
}

#[test]
fn the_probe_tells_both_readings_apart_and_cleans_up() {
    for (world, reserve, ds) in [
        (World::default(), "consumed", "own discount"),
        (
            World {
                reserve_kept: true,
                ds_includes_sent: true,
                ..World::default()
            },
            "kept",
            "INCLUDES",
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let s = server(dir.path(), world);
        let before = s.backend().find_customer("", PHONE).unwrap().unwrap();
        let table = run_probe(&s.base_url());
        println!("{table}");
        assert!(
            answer(&table, "Q3 a sale naming reserveId").starts_with(reserve),
            "{table}"
        );
        assert!(answer(&table, "§11 ds vs ids").contains(ds), "{table}");
        assert!(answer(&table, "§11 retail/bonusActivities").starts_with("yes"));
        assert!(answer(&table, "Q2 a repeated externalId").starts_with("de-duplicated"));
        assert!(answer(&table, "Q5 an unknown phone").contains("CUSTOMER_NOT_FOUND"));
        assert!(answer(&table, "clean-up").contains("returned"), "{table}");
        // Everything the probe did is undone: no reserve held, the bonus spent came back.
        let after = s.backend().find_customer("", PHONE).unwrap().unwrap();
        assert_eq!(after.reserved_bonuses, before.reserved_bonuses);
        assert_eq!(after.available_bonuses, before.available_bonuses, "{table}");
    }
}

#[test]
fn the_key_is_refused_on_the_command_line() {
    let out = Command::new(env!("CARGO_BIN_EXE_bonusplus-probe"))
        .args(["--phone", PHONE, "--api-key", KEY])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}
