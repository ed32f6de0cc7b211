//! The outbox: sales kept while the service is down, delivered exactly once after a restart of
//! the client and of the server; sales whose answer was lost settled only by the service's record
//! of the receipt, or by the operator after the quiet period — never posted twice.

#[path = "support/fake_http.rs"]
mod fake_http;

use bonusplus_1c::backend::{
    ApiKey, Backend, CloudBackend, CloudConfig, CustomerData, DeliveryStatus,
};
use bonusplus_1c::engine::{BonusPolicy, Order};
use bonusplus_1c::error::ErrorCode;
use bonusplus_1c::server::{Server, ServerConfig};
use fake_http::{read_request, write_response, Read1};
use rust_decimal::Decimal;
use serde_json::json;
use std::io::BufReader;
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::Path;
use std::str::FromStr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

const KEY: &str = "outbox-key";
const PHONE: &str = "79001112233";
const TIMEOUT: Duration = Duration::from_secs(1);

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

fn start_server(dir: &Path, listen: &str) -> Server {
    let s = Server::start(ServerConfig {
        listen: listen.into(),
        data_dir: dir.to_path_buf(),
        api_key: KEY.into(),
    })
    .unwrap();
    s.backend()
        .set_policy(BonusPolicy::from_json(r#"{"accrualPercent":1,"rate":1}"#).unwrap())
        .unwrap();
    s
}

fn client(url: &str, dir: &Path) -> CloudBackend {
    CloudBackend::open(CloudConfig {
        server_address: url.into(),
        api_key: ApiKey::new(KEY),
        timeout: TIMEOUT,
        store: String::new(),
        cashier_code: String::new(),
        data_dir: dir.to_path_buf(),
    })
    .unwrap()
}

fn sale(doc: &str, sum: u32, debit: u32, reserve: Option<&str>) -> Order {
    let mut v = json!({"documentId": doc, "phone": PHONE, "bonusDebit": debit,
        "lines": [{"lineNo": 1, "product": "A", "quantity": 1, "price": sum, "sum": sum}]});
    if let Some(r) = reserve {
        v["reserveId"] = json!(r);
    }
    Order::from_json(&v.to_string()).unwrap()
}

fn purchases(server: &Server) -> Decimal {
    server
        .backend()
        .find_customer("", PHONE)
        .unwrap()
        .unwrap()
        .purchases_total
}

#[test]
fn queued_while_down_delivered_once_after_both_restart() {
    let server_dir = tempfile::tempdir().unwrap();
    let client_dir = tempfile::tempdir().unwrap();
    let server = start_server(server_dir.path(), "127.0.0.1:0");
    let addr = server.addr();
    let url = server.base_url();
    let cloud = client(&url, client_dir.path());
    cloud
        .register_customer(PHONE, "", &CustomerData::default())
        .unwrap();
    server.stop();

    let queued = cloud.fix_sale(&sale("OUT-1", 1000, 0, None)).unwrap();
    assert_eq!(queued.status, DeliveryStatus::Queued);
    assert_eq!(queued.bonus_debited, d("0"));
    let again = cloud.fix_sale(&sale("OUT-1", 1000, 0, None)).unwrap();
    assert_eq!(again.status, DeliveryStatus::Queued);
    assert_eq!(cloud.pending_count().unwrap(), 1);
    assert_eq!(cloud.send_pending().unwrap().left, 1);
    drop(cloud);

    // The client process restarts: the outbox file still holds the sale.
    let cloud = client(&url, client_dir.path());
    assert_eq!(cloud.pending_count().unwrap(), 1);
    // The server comes back on the same address.
    let server = start_server(server_dir.path(), &addr.to_string());
    let report = cloud.send_pending().unwrap();
    assert_eq!((report.sent, report.left), (1, 0));
    assert_eq!(server.stats().retail_posts, 1);
    assert_eq!(purchases(&server), d("1000"));
    let done = cloud.fix_sale(&sale("OUT-1", 1000, 0, None)).unwrap();
    assert_eq!(done.status, DeliveryStatus::Done);
    assert_eq!(done.bonus_accrued, d("10"));
    assert_eq!(cloud.send_pending().unwrap().sent, 0);
    assert_eq!(server.stats().retail_posts, 1, "delivered exactly once");
}

#[test]
fn the_next_successful_call_delivers_what_waits() {
    let server_dir = tempfile::tempdir().unwrap();
    let client_dir = tempfile::tempdir().unwrap();
    let server = start_server(server_dir.path(), "127.0.0.1:0");
    let addr = server.addr().to_string();
    let cloud = client(&server.base_url(), client_dir.path());
    cloud
        .register_customer(PHONE, "", &CustomerData::default())
        .unwrap();
    server.stop();
    assert_eq!(
        cloud.fix_sale(&sale("OPP-1", 500, 0, None)).unwrap().status,
        DeliveryStatus::Queued
    );
    // A fresh backend (no pause from the failed pass) on the same outbox.
    let cloud = client(&format!("http://{addr}/"), client_dir.path());
    let server = start_server(server_dir.path(), &addr);
    cloud.find_customer("", PHONE).unwrap();
    assert_eq!(cloud.pending_count().unwrap(), 0);
    assert_eq!(server.stats().retail_posts, 1);
    assert_eq!(purchases(&server), d("500"));
}

/// A proxy in front of the real server that loses the answer to the first `POST retail`:
/// after forwarding it (the sale went through) or before (it did not).
struct Proxy {
    port: u16,
}

fn proxy(upstream: String, forward_first_sale: bool) -> Proxy {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let swallowed = Arc::new(AtomicUsize::new(0));
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let upstream = upstream.clone();
            let swallowed = swallowed.clone();
            std::thread::spawn(move || relay(stream, &upstream, forward_first_sale, &swallowed));
        }
    });
    Proxy { port }
}

fn relay(stream: TcpStream, upstream: &str, forward_first_sale: bool, swallowed: &AtomicUsize) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut writer = stream.try_clone().unwrap();
    let mut reader = BufReader::new(stream);
    while let Read1::Request(req) = read_request(&mut reader) {
        let is_sale = req.method == "POST" && req.segments == ["retail"];
        let lose = is_sale && swallowed.fetch_add(1, Ordering::SeqCst) == 0;
        if lose && !forward_first_sale {
            std::thread::sleep(TIMEOUT * 2);
            let _ = writer.shutdown(Shutdown::Both);
            return;
        }
        let mut url = format!("{upstream}{}", req.segments.join("/"));
        if !req.query.is_empty() {
            let q: Vec<String> = req.query.iter().map(|(k, v)| format!("{k}={v}")).collect();
            url = format!("{url}?{}", q.join("&"));
        }
        let auth = req.header("authorization").unwrap_or("").to_owned();
        let builder = ureq::http::Request::builder()
            .method(req.method.as_str())
            .uri(url)
            .header("Authorization", auth)
            .header("Content-Type", "application/json")
            .body(req.body.clone())
            .unwrap();
        let mut resp = match agent.run(builder) {
            Ok(r) => r,
            Err(_) => return,
        };
        let status = resp.status().as_u16();
        let body = resp.body_mut().read_to_string().unwrap_or_default();
        if lose {
            // The server has posted it; the answer never arrives.
            std::thread::sleep(TIMEOUT * 2);
            let _ = writer.shutdown(Shutdown::Both);
            return;
        }
        if write_response(&mut writer, status, &body, true).is_err() {
            return;
        }
    }
}

/// Settles the uncertain sale `doc`: evidence when it went through, else (nothing can prove it
/// did not) the operator's "not posted" after the quiet period, and the one resend.
fn settle_lost(cloud: &mut CloudBackend, server: &Server, doc: &str, went_through: bool) {
    let report = cloud.send_pending().unwrap();
    if went_through {
        assert_eq!(
            (report.sent, report.left),
            (1, 0),
            "{doc}: settled by its receipt"
        );
        return;
    }
    // Nothing proves it either way: it stays unconfirmed and visible, never re-sent by itself.
    assert_eq!(
        (report.sent, report.left, report.failed),
        (0, 1, 0),
        "{doc}"
    );
    let items = cloud.pending_items().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(
        (items[0].document_id.as_str(), items[0].state.as_str()),
        (doc, "unconfirmed")
    );
    let posts = server.stats().retail_posts;
    assert_eq!(cloud.send_pending().unwrap().left, 1);
    assert_eq!(
        server.stats().retail_posts,
        posts,
        "{doc}: not re-sent on a hint"
    );
    // The operator checks the cabinet; too early, the request could still be on its way.
    let early = cloud.confirm_pending(doc, false).unwrap_err();
    assert_eq!(early.code, ErrorCode::InvalidArgument, "{early:?}");
    cloud.set_quiet_period(Duration::ZERO);
    cloud.confirm_pending(doc, false).unwrap();
    let report = cloud.send_pending().unwrap();
    assert_eq!((report.sent, report.left), (1, 0), "{doc}: sent again once");
    let audit = cloud.outbox_audit().unwrap();
    assert!(audit
        .iter()
        .any(|a| a.key == doc && a.action == "confirmed not posted"));
}

fn lost_answer_case(forward_first_sale: bool, with_reserve: bool) {
    let server_dir = tempfile::tempdir().unwrap();
    let client_dir = tempfile::tempdir().unwrap();
    let server = start_server(server_dir.path(), "127.0.0.1:0");
    let p = proxy(server.base_url(), forward_first_sale);
    let mut cloud = client(&format!("http://127.0.0.1:{}/", p.port), client_dir.path());
    cloud
        .register_customer(PHONE, "", &CustomerData::default())
        .unwrap();
    // The first POST retail is lost (after or before the server took it).
    let first = cloud.fix_sale(&sale("EARN", 5000, 0, None)).unwrap();
    assert_eq!(first.status, DeliveryStatus::Queued);
    assert_eq!(server.sales_of("EARN"), usize::from(forward_first_sale));
    settle_lost(&mut cloud, &server, "EARN", forward_first_sale);
    assert_eq!(cloud.pending_count().unwrap(), 0, "EARN settled");
    assert_eq!(purchases(&server), d("5000"));
    assert_eq!(server.sales_of("EARN"), 1, "EARN posted exactly once");

    // A second scenario on a fresh proxy that loses the next sale.
    let p2 = proxy(server.base_url(), forward_first_sale);
    let mut cloud = client(&format!("http://127.0.0.1:{}/", p2.port), client_dir.path());
    let reserve = with_reserve.then_some("ORDER-2");
    let debit = if with_reserve { 20 } else { 0 };
    if let Some(r) = reserve {
        cloud.reserve(r, PHONE, d("20")).unwrap();
    }
    let first = cloud
        .fix_sale(&sale("SALE-2", 1000, debit, reserve))
        .unwrap();
    assert_eq!(first.status, DeliveryStatus::Queued, "the answer was lost");
    assert_eq!(server.sales_of("SALE-2"), usize::from(forward_first_sale));
    settle_lost(&mut cloud, &server, "SALE-2", forward_first_sale);
    let done = cloud
        .fix_sale(&sale("SALE-2", 1000, debit, reserve))
        .unwrap();
    assert_eq!(done.status, DeliveryStatus::Done);
    assert_eq!(server.sales_of("SALE-2"), 1, "posted exactly once");
    assert_eq!(
        purchases(&server),
        d("5000") + d("1000") - Decimal::from(debit)
    );
    // No reserve of the fixed sale stays held.
    if let Some(r) = reserve {
        assert_eq!(
            server.backend().bonus_info(r).map(|i| i.state).ok(),
            Some(bonusplus_1c::backend::DocumentState::Fixed)
        );
    }
    let c = server.backend().find_customer("", PHONE).unwrap().unwrap();
    assert_eq!(c.reserved_bonuses, Decimal::ZERO);
}

#[test]
fn lost_answer_after_the_sale_went_through_with_reserve_is_not_reposted() {
    lost_answer_case(true, true);
}

#[test]
fn lost_request_with_reserve_waits_for_the_operator_then_is_sent_once() {
    lost_answer_case(false, true);
}

#[test]
fn lost_answer_without_reserve_is_settled_by_its_receipt() {
    lost_answer_case(true, false);
}

#[test]
fn lost_request_without_reserve_waits_for_the_operator_then_is_sent_once() {
    lost_answer_case(false, false);
}
