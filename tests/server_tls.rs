//! The add-in through the C++ host against the loyalty server over `https://127.0.0.1` with
//! `--tls`: the seed flow with the right `ServerCertificate` pin, NETWORK with a wrong one; plain
//! `http://` refused off loopback; the certificate kept across restarts.

#[path = "support/host.rs"]
mod host_support;
#[path = "support/session.rs"]
mod session;

use bonusplus_1c::backend::Backend;
use bonusplus_1c::engine::BonusPolicy;
use bonusplus_1c::server::{Server, ServerConfig, ServerOptions};
use serde_json::{json, Value};
use session::{Arg, Session};
use std::path::Path;

const KEY: &str = "tls-test-key-Ключ";
const PHONE: &str = "79001112233";

fn start_tls(dir: &Path) -> Server {
    let server = Server::start_with(
        ServerConfig {
            listen: "127.0.0.1:0".into(),
            data_dir: dir.to_path_buf(),
            api_key: KEY.into(),
        },
        ServerOptions {
            tls: true,
            ..ServerOptions::default()
        },
    )
    .unwrap();
    server
        .backend()
        .set_policy(BonusPolicy::from_json(r#"{"accrualPercent":1,"rate":1}"#).unwrap())
        .unwrap();
    server
}

fn session(client_dir: &Path, url: &str, pin: &str) -> Session {
    let host = host_support::build_host(Path::new(env!("CARGO_TARGET_TMPDIR")), false);
    let mut bp = Session::start(&host, &host_support::addin_library(), "BonusPlus");
    bp.set("DataDirectory", Arg::Str(client_dir.display().to_string()))
        .unwrap();
    bp.set("Mode", "cloud".into()).unwrap();
    bp.set("ServerAddress", url.into()).unwrap();
    bp.set("ServerCertificate", pin.into()).unwrap();
    bp.set("ApiKey", KEY.into()).unwrap();
    bp.set("Timeout", Arg::Int(5)).unwrap();
    bp
}

fn last_error(bp: &mut Session) -> Value {
    serde_json::from_str(bp.get("LastError").unwrap().text()).unwrap()
}

#[test]
fn the_add_in_reaches_the_tls_server_by_its_pin_only() {
    let server_dir = tempfile::tempdir().unwrap();
    let client_dir = tempfile::tempdir().unwrap();
    let server = start_tls(server_dir.path());
    let url = server.base_url();
    assert!(url.starts_with("https://127.0.0.1:"), "{url}");
    let fingerprint = server.tls_fingerprint().unwrap().to_owned();

    // The pin as a shop types it: lower case, no colons.
    let pin = fingerprint.replace(':', "").to_lowercase();
    let mut bp = session(client_dir.path(), &url, &pin);
    assert_eq!(
        bp.get("ServerCertificate").unwrap(),
        Arg::Str(fingerprint.clone())
    );
    assert_eq!(
        bp.call_json("CheckConnection", &[]).unwrap()["mode"],
        json!("cloud")
    );
    let reg = bp
        .call_json("RegisterCustomer", &[PHONE.into(), "".into(), "".into()])
        .unwrap();
    assert_eq!(reg["created"], json!(true));
    let sale = json!({"documentId": "S-1", "phone": PHONE, "bonusDebit": 0,
        "lines": [{"lineNo": 1, "product": "X", "quantity": 1, "sum": 10000}]});
    assert_eq!(
        bp.call_json("FixSale", &[sale.to_string().into()]).unwrap()["status"],
        json!("done")
    );
    let order = json!({"documentId": "O-1", "phone": PHONE, "bonusDebit": 100,
        "lines": [{"lineNo": 1, "product": "Y", "quantity": 1, "price": 3000, "sum": 3000}]});
    let calc = bp
        .call_json("Calculate", &[order.to_string().into()])
        .unwrap();
    assert_eq!(calc["toPay"], json!(2900));
    let mut sale2 = order.clone();
    sale2["documentId"] = json!("S-2");
    assert_eq!(
        bp.call_json("FixSale", &[sale2.to_string().into()])
            .unwrap()["status"],
        json!("done")
    );
    let ret = json!({"returnId": "R-1", "documentId": "S-2", "lines": [{"lineNo": 1, "quantity": 1, "sum": 2900}]});
    assert_eq!(
        bp.call_json("ReturnSale", &[ret.to_string().into()])
            .unwrap()["status"],
        json!("done")
    );
    assert_eq!(server.stats().retail_posts, 2);
    let report = server.backend().audit().unwrap();
    assert!(report.is_clean(), "{:?}", report.problems);
    drop(bp);

    // A wrong pin: NETWORK, saying so, and nothing reached the server.
    let requests = server.stats().requests;
    let other_dir = tempfile::tempdir().unwrap();
    let wrong = "00".repeat(32);
    let mut bp = session(other_dir.path(), &url, &wrong);
    assert!(bp.call_json("CheckConnection", &[]).is_err());
    let err = last_error(&mut bp);
    assert_eq!(err["code"], json!("NETWORK"), "{err}");
    assert!(
        err["message"]
            .as_str()
            .unwrap()
            .contains("СертификатСервера"),
        "{err}"
    );
    // Without a pin the self-signed certificate is not trusted either.
    let mut bp = session(other_dir.path(), &url, "");
    assert!(bp.call_json("CheckConnection", &[]).is_err());
    assert_eq!(last_error(&mut bp)["code"], json!("NETWORK"));
    assert_eq!(server.stats().requests, requests, "no request got through");
    // A malformed pin is refused when set.
    assert!(bp.set("ServerCertificate", "AB:CD".into()).is_err());

    // The certificate is kept: the same fingerprint after a restart.
    drop(bp);
    server.stop();
    let again = start_tls(server_dir.path());
    assert_eq!(again.tls_fingerprint(), Some(fingerprint.as_str()));
}

#[test]
fn plain_http_stays_on_loopback() {
    let dir = tempfile::tempdir().unwrap();
    let config = ServerConfig {
        listen: "0.0.0.0:0".into(),
        data_dir: dir.path().to_path_buf(),
        api_key: KEY.into(),
    };
    let refused = Server::start(config.clone()).err().expect("refused");
    assert!(
        refused.message_en.contains("--tls"),
        "{}",
        refused.message_en
    );
    let server = Server::start_with(
        config,
        ServerOptions {
            tls: true,
            ..ServerOptions::default()
        },
    )
    .unwrap();
    assert!(server.base_url().starts_with("https://"));
}
