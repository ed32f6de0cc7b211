//! Fault injection: a raw loopback server that refuses, resets mid-body, stalls past the timeout,
//! or answers 500, 412, garbage, 204-without-body, 401. Every method answers the right code within
//! the timeout plus one second, nothing panics, and no sale is ever posted twice.

#[path = "support/fake_http.rs"]
mod fake_http;

use bonusplus_1c::backend::{
    ApiKey, Backend, CloudBackend, CloudConfig, CustomerData, DeliveryStatus, ProductItem,
    Products, ReturnLine, ReturnRequest,
};
use bonusplus_1c::engine::Order;
use bonusplus_1c::error::{Error, ErrorCode};
use fake_http::{read_request, write_response, Read1};
use rust_decimal::Decimal;
use serde_json::json;
use std::io::{BufReader, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const TIMEOUT: Duration = Duration::from_secs(1);
const KEY: &str = "fault-key";
const PHONE: &str = "79001112233";

#[derive(Clone, Copy, Debug, PartialEq)]
enum Mode {
    ResetMidBody,
    Stall,
    Status500,
    Status412,
    NotFound412,
    Garbage,
    NoContent,
    Status401,
}

struct Fake {
    port: u16,
    retail_posts: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
}

impl Drop for Fake {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

fn fake(mode: Mode) -> Fake {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let retail_posts = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let (posts, stopping) = (retail_posts.clone(), stop.clone());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            if stopping.load(Ordering::SeqCst) {
                return;
            }
            let Ok(stream) = stream else { continue };
            let posts = posts.clone();
            std::thread::spawn(move || serve(stream, mode, &posts));
        }
    });
    Fake {
        port,
        retail_posts,
        stop,
    }
}

fn serve(stream: TcpStream, mode: Mode, posts: &AtomicUsize) {
    let mut writer = stream.try_clone().unwrap();
    let mut reader = BufReader::new(stream);
    loop {
        let req = match read_request(&mut reader) {
            Read1::Request(r) => r,
            _ => return,
        };
        if req.method == "POST" && req.segments == ["retail"] {
            posts.fetch_add(1, Ordering::SeqCst);
        }
        let sent = match mode {
            Mode::ResetMidBody => {
                let _ = writer.write_all(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n{\"phone\":\"79");
                let _ = writer.flush();
                std::thread::sleep(Duration::from_millis(50));
                let _ = writer.shutdown(Shutdown::Both);
                return;
            }
            Mode::Stall => {
                // Far longer than any bound below: a method that ignored Timeout would show.
                std::thread::sleep(TIMEOUT * 10);
                return;
            }
            Mode::Status500 => write_response(
                &mut writer,
                500,
                r#"{"Message":"An error has occurred."}"#,
                true,
            ),
            Mode::Status412 => write_response(
                &mut writer,
                412,
                r#"{"code":"SOMETHING_WRONG","msg":"Нельзя"}"#,
                true,
            ),
            Mode::NotFound412 => write_response(
                &mut writer,
                412,
                r#"{"code":"CUSTOMER_NOT_FOUND","msg":"Клиент не найден"}"#,
                true,
            ),
            Mode::Garbage => write_response(&mut writer, 200, "{\"discount\": [oops", true),
            Mode::NoContent => write_response(&mut writer, 204, "", true),
            Mode::Status401 => write_response(
                &mut writer,
                401,
                r#"{"Message":"Authorization has been denied"}"#,
                true,
            ),
        };
        if sent.is_err() {
            return;
        }
    }
}

fn backend(port: u16, dir: &std::path::Path) -> CloudBackend {
    CloudBackend::open(CloudConfig {
        server_address: format!("http://127.0.0.1:{port}/"),
        api_key: ApiKey::new(KEY),
        timeout: TIMEOUT,
        store: "S".into(),
        cashier_code: "12".into(),
        data_dir: dir.to_path_buf(),
    })
    .unwrap()
}

fn order(doc: &str) -> Order {
    Order::from_json(
        &json!({"documentId": doc, "phone": PHONE, "bonusDebit": 0,
            "lines": [{"lineNo": 1, "product": "A", "quantity": 1, "price": 100, "sum": 100}]})
        .to_string(),
    )
    .unwrap()
}

/// What a method answered: an error code, or a success label.
#[derive(Debug, PartialEq, Clone)]
enum Got {
    Err(ErrorCode),
    Ok(&'static str),
}

fn got<T>(r: Result<T, Error>, ok: impl FnOnce(T) -> &'static str) -> Got {
    match r {
        Ok(v) => Got::Ok(ok(v)),
        Err(e) => {
            assert!(
                !e.message_en.contains(KEY) && !e.message_ru.contains(KEY),
                "{e:?}"
            );
            Got::Err(e.code)
        }
    }
}

/// Calls every method once, each timed against the timeout plus two seconds.
fn run_all(b: &CloudBackend, tag: &str) -> Vec<(&'static str, Got)> {
    let mut out = Vec::new();
    let mut timed = |name: &'static str, f: &mut dyn FnMut() -> Got| {
        let t = Instant::now();
        let g = f();
        let took = t.elapsed();
        assert!(
            // Two seconds of slack for a loaded machine; the stall lasts ten timeouts.
            took < TIMEOUT + Duration::from_secs(2),
            "{tag}: {name} took {took:?}"
        );
        out.push((name, g));
    };
    timed("find", &mut || {
        got(b.find_customer("", PHONE), |c| {
            if c.is_some() {
                "found"
            } else {
                "none"
            }
        })
    });
    timed("register", &mut || {
        got(
            b.register_customer(PHONE, "", &CustomerData::default()),
            |_| "ok",
        )
    });
    timed("calculate", &mut || {
        got(b.calculate(&order("C-1")), |_| "ok")
    });
    timed("reserve", &mut || {
        got(b.reserve("C-1", PHONE, Decimal::TEN), |_| "ok")
    });
    timed("cancel", &mut || got(b.cancel_reserve("C-1"), |_| "ok"));
    timed("sendCode", &mut || got(b.send_code(PHONE), |_| "ok"));
    timed("checkCode", &mut || {
        got(b.check_code(PHONE, "123456"), |ok| {
            if ok {
                "true"
            } else {
                "false"
            }
        })
    });
    timed("connection", &mut || got(b.check_connection(), |_| "ok"));
    timed("products", &mut || {
        let p = Products {
            store: String::new(),
            items: vec![ProductItem {
                id: "A".into(),
                parent_id: String::new(),
                name: "a".into(),
                is_group: false,
                article: String::new(),
            }],
        };
        got(b.upload_products(&p, &mut |_, _| {}), |_| "ok")
    });
    timed("update", &mut || {
        got(b.update_customer(PHONE, &CustomerData::default()), |_| "ok")
    });
    timed("fixSale", &mut || {
        got(b.fix_sale(&order(&format!("S-{tag}"))), |r| {
            match r.status {
                DeliveryStatus::Done => "done",
                DeliveryStatus::Queued => "queued",
            }
        })
    });
    timed("return", &mut || {
        let r = ReturnRequest {
            return_id: format!("R-{tag}"),
            document_id: "OTHER".into(),
            date: None,
            lines: vec![ReturnLine {
                line_no: 1,
                quantity: Decimal::ONE,
                sum: Decimal::TEN,
            }],
        };
        got(b.return_sale(&r), |r| match r.status {
            DeliveryStatus::Done => "done",
            DeliveryStatus::Queued => "queued",
        })
    });
    timed("sendPending", &mut || got(b.send_pending(), |_| "ok"));
    out
}

fn expect(results: &[(&'static str, Got)], want: &[(&str, Got)], tag: &str) {
    for (name, g) in want {
        let actual = results
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, g)| g.clone());
        assert_eq!(actual.as_ref(), Some(g), "{tag}: {name}; all: {results:?}");
    }
}

use Got::{Err as E, Ok as O};

#[test]
fn closed_port_is_network_and_sales_queue() {
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let dir = tempfile::tempdir().unwrap();
    let b = backend(port, dir.path());
    let r = run_all(&b, "closed");
    expect(
        &r,
        &[
            ("find", E(ErrorCode::Network)),
            ("register", E(ErrorCode::Network)),
            ("calculate", E(ErrorCode::Network)),
            ("reserve", E(ErrorCode::Network)),
            ("cancel", E(ErrorCode::Network)),
            ("sendCode", E(ErrorCode::Network)),
            ("checkCode", E(ErrorCode::Network)),
            ("connection", E(ErrorCode::Network)),
            ("products", E(ErrorCode::Network)),
            ("fixSale", O("queued")),
            ("return", O("queued")),
        ],
        "closed",
    );
    assert_eq!(b.pending_count().unwrap(), 2);
}

#[test]
fn every_fault_maps_to_its_code_in_time_and_no_sale_is_posted() {
    let cases: Vec<(Mode, Vec<(&str, Got)>)> = vec![
        (
            Mode::ResetMidBody,
            vec![
                ("find", E(ErrorCode::Network)),
                ("calculate", E(ErrorCode::Network)),
                ("connection", E(ErrorCode::Network)),
                ("checkCode", E(ErrorCode::Network)),
                ("fixSale", O("queued")),
            ],
        ),
        (
            Mode::Stall,
            vec![
                ("find", E(ErrorCode::Network)),
                ("sendCode", E(ErrorCode::Network)),
                ("connection", E(ErrorCode::Network)),
                ("fixSale", O("queued")),
            ],
        ),
        (
            Mode::Status500,
            vec![
                ("find", E(ErrorCode::Server)),
                ("register", E(ErrorCode::Server)),
                ("calculate", E(ErrorCode::Server)),
                ("reserve", E(ErrorCode::Server)),
                ("cancel", E(ErrorCode::Server)),
                ("sendCode", E(ErrorCode::Server)),
                ("checkCode", E(ErrorCode::Server)),
                ("connection", E(ErrorCode::Server)),
                ("products", E(ErrorCode::Server)),
                ("fixSale", O("queued")),
            ],
        ),
        (
            Mode::Status412,
            vec![
                ("find", E(ErrorCode::Rejected)),
                ("calculate", E(ErrorCode::Rejected)),
                ("sendCode", E(ErrorCode::Rejected)),
                ("checkCode", O("false")),
                ("connection", E(ErrorCode::Rejected)),
                ("products", E(ErrorCode::Rejected)),
                ("fixSale", E(ErrorCode::Rejected)),
            ],
        ),
        (
            Mode::NotFound412,
            vec![
                ("find", O("none")),
                ("calculate", E(ErrorCode::Rejected)),
                ("update", E(ErrorCode::Rejected)),
                ("cancel", O("ok")),
                ("fixSale", E(ErrorCode::Rejected)),
            ],
        ),
        (
            Mode::Garbage,
            vec![
                ("find", E(ErrorCode::Server)),
                ("calculate", E(ErrorCode::Server)),
                ("reserve", E(ErrorCode::Server)),
                ("connection", E(ErrorCode::Server)),
                ("sendCode", O("ok")),
                ("fixSale", O("queued")),
            ],
        ),
        (
            Mode::NoContent,
            vec![
                ("find", E(ErrorCode::Server)),
                ("calculate", E(ErrorCode::Server)),
                ("connection", E(ErrorCode::Server)),
                ("sendCode", O("ok")),
                ("checkCode", O("true")),
                ("cancel", O("ok")),
                ("fixSale", O("queued")),
            ],
        ),
        (
            Mode::Status401,
            vec![
                ("find", E(ErrorCode::Auth)),
                ("register", E(ErrorCode::Auth)),
                ("calculate", E(ErrorCode::Auth)),
                ("reserve", E(ErrorCode::Auth)),
                ("cancel", E(ErrorCode::Auth)),
                ("sendCode", E(ErrorCode::Auth)),
                ("checkCode", E(ErrorCode::Auth)),
                ("connection", E(ErrorCode::Auth)),
                ("products", E(ErrorCode::Auth)),
                ("update", E(ErrorCode::Auth)),
                ("fixSale", E(ErrorCode::Auth)),
            ],
        ),
    ];
    for (mode, want) in cases {
        let tag = format!("{mode:?}");
        let server = fake(mode);
        let dir = tempfile::tempdir().unwrap();
        let b = backend(server.port, dir.path());
        let results = run_all(&b, &tag);
        expect(&results, &want, &tag);
        // The faulty service never got as far as a sale: none was posted (the customer lookup
        // before it failed), and retries (SendPending, FixSale again) do not change that.
        let _ = b.send_pending();
        let _ = b.fix_sale(&order(&format!("S-{tag}")));
        assert_eq!(server.retail_posts.load(Ordering::SeqCst), 0, "{tag}");
    }
}

/// A service that answers the customer but cuts every `POST retail` after reading it: the sale
/// may have been posted, so it is never sent again blindly, whatever the retries.
#[test]
fn a_cut_sale_is_never_posted_twice() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let posts = Arc::new(AtomicUsize::new(0));
    let counter = posts.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let counter = counter.clone();
            std::thread::spawn(move || {
                let mut writer = stream.try_clone().unwrap();
                let mut reader = BufReader::new(stream);
                while let Read1::Request(req) = read_request(&mut reader) {
                    if req.method == "POST" && req.segments == ["retail"] {
                        counter.fetch_add(1, Ordering::SeqCst);
                        let _ = writer.shutdown(Shutdown::Both);
                        return;
                    }
                    let body = match req.segments.first().map(String::as_str) {
                        // No purchase marker at all: the outcome cannot be told.
                        Some("customer") => r#"{"phone":"79001112233","availableBonuses":5}"#,
                        _ => r#"{"discount":[{"ext":"CUT-1-1","cb":1}],"maxDebitBonuses":0}"#,
                    };
                    if write_response(&mut writer, 200, body, true).is_err() {
                        return;
                    }
                }
            });
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let b = backend(port, dir.path());
    let sale = order("CUT-1");
    let first = b.fix_sale(&sale).unwrap();
    assert_eq!(first.status, DeliveryStatus::Queued);
    for _ in 0..3 {
        let report = b.send_pending().unwrap();
        assert_eq!(report.left, 1);
        assert_eq!(b.fix_sale(&sale).unwrap().status, DeliveryStatus::Queued);
    }
    // A new backend on the same outbox (a restarted process) does not re-send either.
    drop(b);
    let b = backend(port, dir.path());
    assert_eq!(b.pending_count().unwrap(), 1);
    let _ = b.send_pending();
    assert_eq!(posts.load(Ordering::SeqCst), 1);
}
