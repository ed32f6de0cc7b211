//! The outbox as 1C and an operator see it: a refused sale becomes `failed` (with the service's
//! reason, not blocking the others, `failed` in BonusInfo), RetryPending / DropPending /
//! ConfirmPending and their audit; every call stays inside Timeout + 1 s however slow the service
//! or long the backlog; and an echoing 401 leaves the key and its Base64 nowhere.

#[path = "support/host.rs"]
mod host_support;
#[path = "support/session.rs"]
mod session;
#[path = "support/strict_service.rs"]
mod strict;

use bonusplus_1c::backend::cloud::base64;
use bonusplus_1c::backend::{
    ApiKey, Backend, CloudBackend, CloudConfig, DeliveryStatus, DocumentState,
};
use bonusplus_1c::engine::Order;
use bonusplus_1c::error::ErrorCode;
use serde_json::json;
use session::{Arg, Session};
use std::path::Path;
use std::time::{Duration, Instant};
use strict::{Fault, StrictService, PHONE};

const KEY: &str = "ops-key-ÄÖ-77";

fn backend(url: &str, dir: &Path, timeout: Duration) -> CloudBackend {
    CloudBackend::open(CloudConfig {
        server_address: url.into(),
        api_key: ApiKey::new(KEY),
        timeout,
        store: String::new(),
        cashier_code: String::new(),
        data_dir: dir.to_path_buf(),
    })
    .unwrap()
}

fn sale(doc: &str, debit: u32) -> Order {
    let v = json!({"documentId": doc, "phone": PHONE, "bonusDebit": debit,
        "lines": [{"lineNo": 1, "product": "A", "quantity": 1, "price": 1000, "sum": 1000}]});
    Order::from_json(&v.to_string()).unwrap()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn a_refused_sale_is_failed_visible_and_does_not_block_the_others() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let b = backend(
        &format!("http://127.0.0.1:{port}/"),
        dir.path(),
        Duration::from_secs(1),
    );
    // The service is down: both sales queue.
    for (doc, debit) in [("GREEDY", 500), ("PLAIN", 0)] {
        assert_eq!(
            b.fix_sale(&sale(doc, debit)).unwrap().status,
            DeliveryStatus::Queued
        );
    }
    let service = StrictService::start(port, Fault::None, Duration::ZERO, false, 100);
    let report = b.send_pending().unwrap();
    assert_eq!((report.sent, report.left, report.failed), (1, 0, 1));
    assert_eq!(service.sales_of("PLAIN"), 1);
    assert_eq!(service.sales_of("GREEDY"), 0);
    let items = b.pending_items().unwrap();
    assert_eq!(items.len(), 1);
    let item = &items[0];
    assert_eq!(
        (
            item.document_id.as_str(),
            item.kind.as_str(),
            item.state.as_str()
        ),
        ("GREEDY", "sale", "failed")
    );
    let error = item.last_error.as_ref().unwrap();
    assert_eq!(error.code, "REJECTED");
    assert_eq!(error.service_code.as_deref(), Some("NOT_ENOUGH_BONUSES"));
    assert_eq!(b.bonus_info("GREEDY").unwrap().state, DocumentState::Failed);
    assert_eq!(b.bonus_info("PLAIN").unwrap().state, DocumentState::Fixed);
    // Not re-sent by itself; failed items are not "left".
    assert_eq!(b.send_pending().unwrap().left, 0);
    assert_eq!(b.pending_count().unwrap(), 0);

    // Only a failed item can be retried; unknown ones are NOT_FOUND.
    assert_eq!(
        b.retry_pending("PLAIN").unwrap_err().code,
        ErrorCode::InvalidArgument
    );
    assert_eq!(
        b.retry_pending("NOPE").unwrap_err().code,
        ErrorCode::NotFound
    );
    service.books.lock().unwrap().balance = 1000.into();
    b.retry_pending("GREEDY").unwrap();
    assert_eq!(b.send_pending().unwrap().sent, 1);
    assert_eq!(service.sales_of("GREEDY"), 1);
    assert!(b.pending_items().unwrap().is_empty());
    let audit = b.outbox_audit().unwrap();
    assert!(audit
        .iter()
        .any(|a| a.key == "GREEDY" && a.action == "retried"));
}

#[test]
fn drop_keeps_an_audit_entry_and_an_unconfirmed_item_cannot_be_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let service = StrictService::start(0, Fault::CutBeforeAccept, Duration::ZERO, false, 100);
    let b = backend(&service.url(), dir.path(), Duration::from_secs(1));
    assert_eq!(
        b.fix_sale(&sale("CUT", 0)).unwrap().status,
        DeliveryStatus::Queued
    );
    assert_eq!(b.pending_items().unwrap()[0].state, "unconfirmed");
    let refused = b.drop_pending("CUT").unwrap_err();
    assert_eq!(refused.code, ErrorCode::InvalidArgument);
    assert!(refused.message_en.contains("ConfirmPending"), "{refused:?}");
    assert_eq!(b.pending_items().unwrap().len(), 1);
    // The operator found the sale in the cabinet.
    b.confirm_pending("CUT", true).unwrap();
    assert!(b.pending_items().unwrap().is_empty());
    assert_eq!(b.bonus_info("CUT").unwrap().state, DocumentState::Fixed);
    assert_eq!(service.sales_of("CUT"), 0, "ConfirmPending sends nothing");

    // A queued item can be dropped; it stays in the audit history.
    drop(service);
    let b = backend(
        &format!("http://127.0.0.1:{}/", free_port()),
        dir.path(),
        Duration::from_secs(1),
    );
    assert_eq!(
        b.fix_sale(&sale("LATER", 0)).unwrap().status,
        DeliveryStatus::Queued
    );
    b.drop_pending("LATER").unwrap();
    assert!(b.pending_items().unwrap().is_empty());
    let audit = b.outbox_audit().unwrap();
    let actions: Vec<(&str, &str)> = audit
        .iter()
        .map(|a| (a.key.as_str(), a.action.as_str()))
        .collect();
    assert_eq!(actions, [("CUT", "confirmed posted"), ("LATER", "dropped")]);
    assert_eq!(
        b.drop_pending("LATER").unwrap_err().code,
        ErrorCode::NotFound
    );
}

/// Every call of a till after an outage with 100 queued sales, against a service that takes
/// 40 ms per request, Timeout 2: none blocks past Timeout + 1 s, and the backlog drains in slices.
#[test]
fn the_backlog_goes_out_in_slices_within_the_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let timeout = Duration::from_secs(2);
    let b = backend(&format!("http://127.0.0.1:{port}/"), dir.path(), timeout);
    for i in 0..100 {
        b.fix_sale(&sale(&format!("Q-{i:03}"), 0)).unwrap();
    }
    assert_eq!(b.pending_count().unwrap(), 100);
    let service = StrictService::start(port, Fault::None, Duration::ZERO, false, 100);
    service.set_delay(Duration::from_millis(40));
    // A fresh backend, as after a restart (no pause from the failed passes).
    let b = backend(&service.url(), dir.path(), timeout);
    let mut worst = Duration::ZERO;
    let mut calls = 0;
    while b.pending_count().unwrap() > 0 && calls < 200 {
        let t = Instant::now();
        if calls % 2 == 0 {
            b.find_customer("", PHONE).unwrap();
        } else {
            b.send_pending().unwrap();
        }
        worst = worst.max(t.elapsed());
        calls += 1;
    }
    println!(
        "backlog of 100 sales, Timeout 2 s, 40 ms per request: drained in {calls} calls, worst call {worst:?}"
    );
    assert_eq!(b.pending_count().unwrap(), 0);
    assert!(calls > 1, "delivered in slices, not in one call");
    assert!(worst <= timeout + Duration::from_secs(1), "{worst:?}");
    for i in 0..100 {
        assert_eq!(service.sales_of(&format!("Q-{i:03}")), 1);
    }
}

/// Each request of a call takes most of the Timeout: the call still ends within Timeout + 1 s,
/// however many requests it would make.
#[test]
fn many_requests_share_one_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let service = StrictService::start(0, Fault::None, Duration::ZERO, false, 100);
    let timeout = Duration::from_secs(1);
    let b = backend(&service.url(), dir.path(), timeout);
    service.set_delay(Duration::from_millis(700));
    let order = sale("CALC", 0);
    let t = Instant::now();
    let calc = b.calculate(&order);
    let took = t.elapsed();
    println!("Calculate with 700 ms per request, Timeout 1 s: {took:?} ({calc:?})");
    assert_eq!(calc.unwrap_err().code, ErrorCode::Network);
    assert!(took <= timeout + Duration::from_secs(1), "{took:?}");
}

/// A gateway that echoes the request headers in a 401: the key and its Base64 reach no message,
/// LastError, log line or file.
#[test]
fn an_echoing_401_leaves_the_key_nowhere() {
    let service = StrictService::start(0, Fault::None, Duration::ZERO, false, 100);
    service.set_echo_401(true);
    let dir = tempfile::tempdir().unwrap();
    let host = host_support::build_host(Path::new(env!("CARGO_TARGET_TMPDIR")), false);
    let mut bp = Session::start(&host, &host_support::addin_library(), "BonusPlus");
    bp.set("DataDirectory", Arg::Str(dir.path().display().to_string()))
        .unwrap();
    bp.set("Mode", "cloud".into()).unwrap();
    bp.set("ServerAddress", service.url().as_str().into())
        .unwrap();
    bp.set("ApiKey", KEY.into()).unwrap();
    bp.set("Timeout", Arg::Int(2)).unwrap();
    let mut seen = Vec::new();
    let found = bp.call("FindCard", &["".into(), PHONE.into()]);
    seen.push(format!("{found:?}"));
    seen.push(bp.get("LastError").unwrap().text().to_owned());
    let sale_json = json!({"documentId": "K-1", "phone": PHONE, "bonusDebit": 0,
        "lines": [{"lineNo": 1, "product": "A", "quantity": 1, "price": 10, "sum": 10}]});
    let fixed = bp.call("FixSale", &[sale_json.to_string().as_str().into()]);
    seen.push(format!("{fixed:?}"));
    seen.push(bp.get("LastError").unwrap().text().to_owned());
    let items = bp.call("PendingItems", &[]);
    seen.push(format!("{items:?}"));
    let ending = bp.finish();
    assert_eq!(ending.live_blocks, 0);
    let last_error: serde_json::Value = serde_json::from_str(&seen[1]).unwrap();
    assert_eq!(last_error["code"], "AUTH", "{seen:?}");

    let encoded = base64(KEY.as_bytes());
    let secrets = [
        KEY.to_owned(),
        encoded.clone(),
        encoded.trim_end_matches('=').to_owned(),
    ];
    for text in &seen {
        for s in &secrets {
            assert!(!text.contains(s.as_str()), "{s} in {text}");
        }
    }
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        for s in &secrets {
            assert!(
                !bytes.windows(s.len()).any(|w| w == s.as_bytes()),
                "{s} in {}",
                path.display()
            );
        }
    }
    assert!(
        std::fs::read_to_string(dir.path().join("bonusplus.log"))
            .unwrap()
            .contains("AUTH"),
        "the refusal is logged"
    );
}
