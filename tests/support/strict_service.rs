//! A stricter stand-in for the BonusPlus service on loopback, for the exactly-once fault matrix.
//! Unlike the local server it never de-duplicates `externalId` (a second post is a second sale),
//! and it can misbehave on the first `POST retail`: hold it past the client's timeout and then
//! act on it, cut the connection before or after acting, or act and answer 500. Reserves are
//! consumed by the sale that names them, or (the other reading of the API) kept until released.
//! `retail/bonusActivities` lists the receipts with their `desc`, as the client's evidence.
#![allow(dead_code)]

use rust_decimal::Decimal;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub const PHONE: &str = "79001112233";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Answers normally.
    None,
    /// Holds the request for `hold`, then acts on it and answers (the client has given up).
    SlowAccept,
    /// Reads the request and closes the connection without acting.
    CutBeforeAccept,
    /// Acts on the request and closes the connection without answering.
    CutAfterAccept,
    /// Acts on the request and answers 500.
    ServerErrorAfterAccept,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Sale {
    pub external_id: String,
    pub desc: String,
    pub bonus_debit: Decimal,
}

#[derive(Debug)]
pub struct Books {
    pub fault: Fault,
    /// Faults still to inject (on `POST retail` only).
    pub faults_left: usize,
    pub hold: Duration,
    pub reserve_kept: bool,
    /// The customer's bonus balance (reserves not subtracted).
    pub balance: Decimal,
    pub reserves: HashMap<String, Decimal>,
    pub sales: Vec<Sale>,
    /// `POST retail` requests acted on or held right now.
    pub in_flight: usize,
    /// Every request waits this long before it is handled (a slow service).
    pub delay: Duration,
    /// Answer every request 401 with the request's headers echoed in the body (a gateway that
    /// quotes what it refused).
    pub echo_401: bool,
}

impl Books {
    fn available(&self) -> Decimal {
        self.balance - self.reserves.values().copied().sum::<Decimal>()
    }
}

pub struct StrictService {
    pub port: u16,
    pub books: Arc<Mutex<Books>>,
    stop: Arc<AtomicBool>,
}

impl Drop for StrictService {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

impl StrictService {
    /// Starts on `port` (0: any free one) with a customer holding `balance` bonuses.
    pub fn start(
        port: u16,
        fault: Fault,
        hold: Duration,
        reserve_kept: bool,
        balance: u32,
    ) -> Self {
        let listener = TcpListener::bind(("127.0.0.1", port)).expect("bind the stand-in");
        let port = listener.local_addr().unwrap().port();
        let books = Arc::new(Mutex::new(Books {
            fault,
            faults_left: usize::from(fault != Fault::None),
            hold,
            reserve_kept,
            balance: Decimal::from(balance),
            reserves: HashMap::new(),
            sales: Vec::new(),
            in_flight: 0,
            delay: Duration::ZERO,
            echo_401: false,
        }));
        let stop = Arc::new(AtomicBool::new(false));
        let (b, s) = (books.clone(), stop.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if s.load(Ordering::SeqCst) {
                    return;
                }
                let Ok(stream) = stream else { continue };
                let b = b.clone();
                std::thread::spawn(move || serve(stream, &b));
            }
        });
        StrictService { port, books, stop }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/", self.port)
    }

    pub fn sales_of(&self, doc: &str) -> usize {
        let b = self.books.lock().unwrap();
        b.sales.iter().filter(|s| s.external_id == doc).count()
    }

    pub fn balance(&self) -> Decimal {
        self.books.lock().unwrap().balance
    }

    pub fn held(&self, id: &str) -> Decimal {
        let b = self.books.lock().unwrap();
        b.reserves.get(id).copied().unwrap_or_default()
    }

    pub fn in_flight(&self) -> usize {
        self.books.lock().unwrap().in_flight
    }

    pub fn set_delay(&self, delay: Duration) {
        self.books.lock().unwrap().delay = delay;
    }

    pub fn set_echo_401(&self, on: bool) {
        self.books.lock().unwrap().echo_401 = on;
    }

    pub fn reserve(&self, id: &str, amount: u32) {
        let mut b = self.books.lock().unwrap();
        b.reserves.insert(id.to_owned(), Decimal::from(amount));
    }
}

struct Request {
    method: String,
    path: String,
    query: Vec<(String, String)>,
    headers: String,
    body: Value,
}

fn read_request(reader: &mut BufReader<TcpStream>) -> Option<Request> {
    let mut line = String::new();
    if reader.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_owned();
    let target = parts.next()?.to_owned();
    let mut length = 0usize;
    let mut headers = String::new();
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).ok()?;
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        headers.push_str(header);
        headers.push('\n');
        if let Some((name, value)) = header.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().ok()?;
            }
        }
    }
    let mut body = vec![0u8; length];
    reader.read_exact(&mut body).ok()?;
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    let query = query
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    Some(Request {
        method,
        path: path.trim_matches('/').to_owned(),
        query,
        headers,
        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
    })
}

fn respond(w: &mut TcpStream, status: u16, body: &str) -> std::io::Result<()> {
    let head = format!(
        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    w.write_all(head.as_bytes())?;
    w.write_all(body.as_bytes())?;
    w.flush()
}

fn dec(v: &Value) -> Decimal {
    match v {
        Value::Number(n) => Decimal::from_str(&n.to_string()).unwrap_or_default(),
        Value::String(s) => Decimal::from_str(s).unwrap_or_default(),
        _ => Decimal::ZERO,
    }
}

fn not_found(code: &str) -> (u16, String) {
    (412, json!({"code": code, "msg": "не найдено"}).to_string())
}

fn customer(b: &Books) -> Value {
    json!({"phone": PHONE, "availableBonuses": b.available(), "discountCardNumber": ""})
}

fn serve(stream: TcpStream, books: &Mutex<Books>) {
    let mut writer = stream.try_clone().unwrap();
    let mut reader = BufReader::new(stream);
    while let Some(req) = read_request(&mut reader) {
        let (delay, echo) = {
            let b = books.lock().unwrap();
            (b.delay, b.echo_401)
        };
        std::thread::sleep(delay);
        if echo {
            let body = json!({"Message": format!("Authorization has been denied. Request: {} /{}\n{}", req.method, req.path, req.headers)});
            if respond(&mut writer, 401, &body.to_string()).is_err() {
                return;
            }
            continue;
        }
        let (status, body) = if req.method == "POST" && req.path == "retail" {
            let fault = {
                let mut b = books.lock().unwrap();
                if b.faults_left > 0 {
                    b.faults_left -= 1;
                    b.fault
                } else {
                    Fault::None
                }
            };
            match fault {
                Fault::CutBeforeAccept => {
                    let _ = writer.shutdown(Shutdown::Both);
                    return;
                }
                Fault::SlowAccept => {
                    books.lock().unwrap().in_flight += 1;
                    let hold = books.lock().unwrap().hold;
                    std::thread::sleep(hold);
                    let answer = retail(books, &req.body);
                    books.lock().unwrap().in_flight -= 1;
                    answer
                }
                Fault::CutAfterAccept => {
                    let _ = retail(books, &req.body);
                    let _ = writer.shutdown(Shutdown::Both);
                    return;
                }
                Fault::ServerErrorAfterAccept => {
                    let _ = retail(books, &req.body);
                    (500, r#"{"Message":"An error has occurred."}"#.to_owned())
                }
                Fault::None => retail(books, &req.body),
            }
        } else {
            route(books, &req)
        };
        if respond(&mut writer, status, &body).is_err() {
            return;
        }
    }
}

fn retail(books: &Mutex<Books>, body: &Value) -> (u16, String) {
    let mut b = books.lock().unwrap();
    let debit = dec(&body["bonusDebit"]);
    let named = body["reserveId"].as_str().unwrap_or("").to_owned();
    // The named reserve's bonuses are this sale's to spend.
    let own = b.reserves.get(&named).copied().unwrap_or_default();
    if debit > b.available() + own {
        return (
            412,
            json!({"code": "NOT_ENOUGH_BONUSES", "msg": "Недостаточно бонусов"}).to_string(),
        );
    }
    b.balance -= debit;
    if !named.is_empty() && !b.reserve_kept {
        b.reserves.remove(&named);
    }
    b.sales.push(Sale {
        external_id: body["externalId"].as_str().unwrap_or("").to_owned(),
        desc: body["desc"].as_str().unwrap_or("").to_owned(),
        bonus_debit: debit,
    });
    let id = b.sales.len();
    (200, json!({"id": id, "customer": customer(&b)}).to_string())
}

fn route(books: &Mutex<Books>, req: &Request) -> (u16, String) {
    let mut b = books.lock().unwrap();
    let segments: Vec<&str> = req.path.split('/').collect();
    match (req.method.as_str(), segments.as_slice()) {
        ("GET", ["customer"]) => {
            let phone = req.query.iter().any(|(k, v)| k == "phone" && v == PHONE);
            if phone {
                (200, customer(&b).to_string())
            } else {
                not_found("CUSTOMER_NOT_FOUND")
            }
        }
        ("PUT", ["retail", "calc"]) => {
            let items = req.body["items"].as_array().cloned().unwrap_or_default();
            let asked = dec(&req.body["bonusDebit"]);
            let lines: Vec<Value> = items
                .iter()
                .enumerate()
                .map(|(i, it)| {
                    let db = if i == 0 { asked } else { Decimal::ZERO };
                    json!({"ext": it["ext"], "ds": 0, "ids": 0, "db": db, "cb": 0})
                })
                .collect();
            let max = b.available().max(Decimal::ZERO);
            (
                200,
                json!({"discount": lines, "maxDebitBonuses": max}).to_string(),
            )
        }
        ("GET", ["customer", _, "balance", "reserve", id]) => match b.reserves.get(*id) {
            Some(a) => (
                200,
                json!({"phone": PHONE, "id": id, "amount": a}).to_string(),
            ),
            None => not_found("RESERVE_NOT_FOUND"),
        },
        ("PATCH", ["customer", _, "balance", "reserve"]) => {
            let id = req.body["id"].as_str().unwrap_or("").to_owned();
            let now = b.reserves.get(&id).copied().unwrap_or_default() + dec(&req.body["amount"]);
            if now.is_zero() {
                b.reserves.remove(&id);
            } else {
                b.reserves.insert(id, now);
            }
            (204, String::new())
        }
        ("DELETE", ["customer", "balance", "reserve"]) => {
            let id = req.body["id"].as_str().unwrap_or("");
            match b.reserves.remove(id) {
                Some(_) => (204, String::new()),
                None => not_found("RESERVE_NOT_FOUND"),
            }
        }
        ("POST", ["retail", "bonusActivities"]) => {
            let list: Vec<Value> = b
                .sales
                .iter()
                .rev()
                .map(|s| {
                    json!({"transactionName": "Покупка", "description": s.desc,
                           "bonusDebit": s.bonus_debit})
                })
                .collect();
            (200, json!({"bonusActivities": list}).to_string())
        }
        _ => (404, r#"{"Message":"No route"}"#.to_owned()),
    }
}
