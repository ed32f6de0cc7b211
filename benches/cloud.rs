//! N sequential calculations through the cloud client against the local server, beside the same
//! HTTP requests sent by a bare ureq loop with the same timeout: both times, the ratio, and the TCP
//! connections opened.
//!
//!     cargo bench --bench cloud            (N = 2000; BENCH_N overrides)

use bonusplus_1c::backend::cloud::base64;
use bonusplus_1c::backend::{ApiKey, Backend, CloudBackend, CloudConfig, CustomerData};
use bonusplus_1c::engine::{BonusPolicy, Order};
use bonusplus_1c::server::{Server, ServerConfig};
use serde_json::json;
use std::time::{Duration, Instant};

/// The cloud client's Timeout, and the bare loop's.
const CLIENT_TIMEOUT: Duration = Duration::from_secs(20);

const KEY: &str = "bench-key";
const PHONE: &str = "79001112233";

fn main() {
    let n: usize = std::env::var("BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000);
    let server_dir = tempfile::tempdir().unwrap();
    let client_dir = tempfile::tempdir().unwrap();
    let server = Server::start(ServerConfig {
        listen: "127.0.0.1:0".into(),
        data_dir: server_dir.path().to_path_buf(),
        api_key: KEY.into(),
    })
    .unwrap();
    server
        .backend()
        .set_policy(BonusPolicy::from_json(r#"{"accrualPercent":1,"rate":1}"#).unwrap())
        .unwrap();
    server
        .backend()
        .register_customer(PHONE, "", &CustomerData::default())
        .unwrap();
    let order_json = json!({"phone": PHONE, "useBonuses": false, "lines": [
        {"lineNo": 1, "product": "00-00000012", "quantity": 1, "price": 3000, "sum": 3000},
        {"lineNo": 2, "product": "00-00000013", "quantity": 2, "price": 1560, "sum": 3120},
        {"lineNo": 3, "product": "00-00000014", "quantity": 1, "price": 2040, "sum": 2040}]});
    let order = Order::from_json(&order_json.to_string()).unwrap();

    // The cloud client: per calculation GET customer + PUT retail/calc (accrual only).
    let cloud = CloudBackend::open(CloudConfig {
        server_address: server.base_url(),
        api_key: ApiKey::new(KEY),
        timeout: CLIENT_TIMEOUT,
        store: "S".into(),
        cashier_code: String::new(),
        data_dir: client_dir.path().to_path_buf(),
    })
    .unwrap();
    let opened_before = server.stats().connections;
    cloud.calculate(&order).unwrap(); // warm-up (connection, caches)
    let before = server.stats().connections;
    let t = Instant::now();
    for _ in 0..n {
        let c = cloud.calculate(&order).unwrap();
        assert_eq!(c.lines.len(), 3);
    }
    let client_time = t.elapsed();
    let client_connections = server.stats().connections - before;
    let client_total = server.stats().connections - opened_before;

    // The bare loop: the same two requests with the same bodies, one ureq Agent.
    // With the client's Timeout: a till never waits unbounded, and ureq's timeout itself costs
    // (on loopback here ~70-130 µs per calculation against no timeout at all), so the floor
    // pays it too.
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .proxy(None)
        .timeout_global(Some(CLIENT_TIMEOUT))
        .build()
        .into();
    let auth = format!("ApiKey {}", base64(KEY.as_bytes()));
    let base = server.base_url();
    let calc_body = json!({"phone": PHONE, "bonusDebit": 0, "store": "S", "items": [
        {"sum": 3000, "qnt": 1, "product": "00-00000012", "ds": 0, "price": 3000, "ext": "1"},
        {"sum": 3120, "qnt": 2, "product": "00-00000013", "ds": 0, "price": 1560, "ext": "2"},
        {"sum": 2040, "qnt": 1, "product": "00-00000014", "ds": 0, "price": 2040, "ext": "3"}]})
    .to_string();
    let bare_once = || {
        let mut r = agent
            .get(&format!("{base}customer"))
            .query("phone", PHONE)
            .header("Authorization", &auth)
            .call()
            .unwrap();
        let text = r.body_mut().read_to_string().unwrap();
        let _: serde_json::Value = serde_json::from_str(&text).unwrap();
        let mut r = agent
            .put(&format!("{base}retail/calc"))
            .header("Authorization", &auth)
            .header("Content-Type", "application/json")
            .send(calc_body.as_bytes())
            .unwrap();
        let text = r.body_mut().read_to_string().unwrap();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["discount"].as_array().map(Vec::len), Some(3));
    };
    bare_once();
    let before = server.stats().connections;
    let t = Instant::now();
    for _ in 0..n {
        bare_once();
    }
    let bare_time = t.elapsed();
    let bare_connections = server.stats().connections - before;

    let per = |d: Duration| d.as_secs_f64() * 1e6 / n as f64;
    let ratio = client_time.as_secs_f64() / bare_time.as_secs_f64();
    println!(
        "cloud calculate × {n} (GET customer + PUT retail/calc each) against the local server"
    );
    println!(
        "  cloud client: {:>8.1} ms total, {:>7.1} µs per calculation, {} new TCP connection(s)",
        client_time.as_secs_f64() * 1e3,
        per(client_time),
        client_connections
    );
    println!(
        "  bare ureq:    {:>8.1} ms total, {:>7.1} µs per calculation, {} new TCP connection(s)",
        bare_time.as_secs_f64() * 1e3,
        per(bare_time),
        bare_connections
    );
    println!("  ratio client / bare: {ratio:.3} (target ≤ 1.2)");
    println!("  TCP connections the cloud client opened in all (warm-up + {n}): {client_total}");
}
