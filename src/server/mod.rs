//! A local server that speaks the BonusPlus REST API over the built-in engine
//! ([`EmbeddedBackend`]), for developing and testing 1C integrations offline. Std only: a small
//! HTTP/1.1 server ([`http`]) with a thread per connection.
//!
//! Endpoints (paths also accepted under `/api/`); every one needs `Authorization: ApiKey
//! <base64(key)>`, else 401:
//! * `GET customer?phone=|ean=|id=` → Customer; 412 `CUSTOMER_NOT_FOUND`.
//! * `POST customer` → Customer; 412 `CUSTOMER_ALREADY_EXISTS`.
//! * `PATCH customer/{phone}` `{"newCard"}` → Customer (the card name).
//! * `PUT customer/{phone}/sendCode` → 204 (the code goes to `sms.log` in the data directory);
//!   `PUT customer/{phone}/checkCode/{code}` → 204, 412 `WRONG_CODE`. Both need `Content-Length`.
//! * `PUT retail/calc` → CalcResult. `POST retail` → `{id, customer}`. `PUT retail/back` →
//!   `{returnedPurchaseId}`. `GET retail/{id}` → Sale.
//! * `PATCH customer/{phone}/balance/reserve {id, amount}` → 204 (amount < 0 releases);
//!   `DELETE customer/balance/reserve {id}` → 204, 412 `RESERVE_NOT_FOUND`;
//!   `GET customer/{phone}/balance/reserve/{id}` → `{phone, id, amount}`, 412 `RESERVE_NOT_FOUND`.
//! * `POST product/import` → 204. `GET account` → account info.
//! * `GET _admin/stats` → `{connections, requests, retailPosts}` (not part of BonusPlus).
//!
//! Business errors are 412 `{code, msg}`; malformed JSON is 400 `{"Message"}`.

pub mod http;
mod routes;

use crate::backend::cloud::base64;
use crate::backend::EmbeddedBackend;
use crate::error::{Error, ErrorCode, Result};
use rusqlite::Connection;
use std::collections::HashMap;
use std::io::BufReader;
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// An idle keep-alive connection is closed after this long.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(60);
/// Connections served at once; more are answered 503 and closed.
pub const MAX_CONNECTIONS: usize = 256;

#[derive(Clone, Debug)]
pub struct ServerConfig {
    /// `127.0.0.1:8080`; port 0 picks a free one.
    pub listen: String,
    pub data_dir: PathBuf,
    /// Never printed.
    pub api_key: String,
}

/// Counters for tests and the benchmark.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// TCP connections accepted since start.
    pub connections: u64,
    /// HTTP requests read.
    pub requests: u64,
    /// `POST retail` requests received (accepted or not).
    pub retail_posts: u64,
}

pub(crate) struct State {
    pub backend: EmbeddedBackend,
    pub db: Mutex<Connection>,
    auth: String,
    connections: AtomicU64,
    requests: AtomicU64,
    pub retail_posts: AtomicU64,
    live: Mutex<HashMap<u64, TcpStream>>,
    stopping: AtomicBool,
    pub world: Mutex<World>,
    /// Card levels by purchases total, lowest first (`--levels`).
    pub levels: Mutex<Vec<Level>>,
    /// `http://addr/`, for the receipt links the sale answers carry.
    pub base_url: String,
}

/// How the server answers where the real service's behaviour is unknown
/// (`../shared/spec/bonusplus-api.md` §9 Q3, §11), so the client can be tested against both.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct World {
    /// A sale naming `reserveId` leaves the reserve held (else it consumes it).
    pub reserve_kept: bool,
    /// The `ds` of a calculation line includes the discount the request sent in (else it is
    /// the service's own discount only, like `ids`).
    pub ds_includes_sent: bool,
    /// The service's bonus debit step (`multiplicityDebitBonus`; 0: none).
    pub debit_step: rust_decimal::Decimal,
    /// Every customer is barred from spending bonuses (`bonusDebitDenided`).
    pub debit_denied: bool,
    /// `GET customer?ean=` fails with 500 (a card lookup the service cannot answer), so clients
    /// must fall back to `POST customer/list`.
    pub ean_lookup_fails: bool,
}

/// A card level: its name and the purchases total from which it applies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Level {
    pub name: String,
    pub from: rust_decimal::Decimal,
}

/// A running server. Dropping it stops it and closes every connection.
pub struct Server {
    addr: SocketAddr,
    state: Arc<State>,
    accept: Option<JoinHandle<()>>,
}

fn io_error(what: &str, e: impl std::fmt::Display) -> Error {
    Error::new(
        ErrorCode::NotConfigured,
        format!("Сервер: {what}: {e}"),
        format!("Server: {what}: {e}"),
    )
}

impl Server {
    pub fn start(config: ServerConfig) -> Result<Server> {
        if config.api_key.trim().is_empty() {
            return Err(Error::new(
                ErrorCode::NotConfigured,
                "Серверу нужен ключ API (--api-key)",
                "The server needs an API key (--api-key)",
            ));
        }
        let backend = EmbeddedBackend::open(&config.data_dir)?;
        let db = routes::open_db(&config.data_dir.join("server.db"))?;
        let listener = TcpListener::bind(&config.listen).map_err(|e| io_error("listen", e))?;
        let addr = listener.local_addr().map_err(|e| io_error("listen", e))?;
        let state = Arc::new(State {
            backend,
            db: Mutex::new(db),
            auth: format!("ApiKey {}", base64(config.api_key.trim().as_bytes())),
            connections: AtomicU64::new(0),
            requests: AtomicU64::new(0),
            retail_posts: AtomicU64::new(0),
            live: Mutex::new(HashMap::new()),
            stopping: AtomicBool::new(false),
            world: Mutex::new(World::default()),
            levels: Mutex::new(Vec::new()),
            base_url: format!("http://{addr}/"),
        });
        let accept_state = Arc::clone(&state);
        let accept = std::thread::Builder::new()
            .name("bonusplus-accept".into())
            .spawn(move || accept_loop(listener, accept_state))
            .map_err(|e| io_error("thread", e))?;
        Ok(Server {
            addr,
            state,
            accept: Some(accept),
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT/`.
    pub fn base_url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    pub fn stats(&self) -> Stats {
        self.state.stats()
    }

    /// The card levels the server reports as the customer's next level (any order).
    pub fn set_levels(&self, mut levels: Vec<Level>) {
        levels.sort_by_key(|l| l.from);
        *self.state.levels.lock().unwrap_or_else(|p| p.into_inner()) = levels;
    }

    /// The gift certificates the sale of a document was paid with.
    pub fn gift_cards_of(&self, document_id: &str) -> Vec<(String, rust_decimal::Decimal)> {
        let db = self.state.db.lock().unwrap_or_else(|p| p.into_inner());
        let json: String = db
            .query_row(
                "SELECT gift_cards FROM sales WHERE document_id = ?1",
                rusqlite::params![document_id],
                |r| r.get(0),
            )
            .unwrap_or_default();
        serde_json::from_str::<Vec<crate::backend::cloud::api::ApiGiftCard>>(&json)
            .unwrap_or_default()
            .into_iter()
            .map(|g| (g.id, g.payment_sum))
            .collect()
    }

    /// Chooses how the server answers the API's open questions (see [`World`]).
    pub fn set_world(&self, world: World) {
        *self.state.world.lock().unwrap_or_else(|p| p.into_inner()) = world;
    }

    /// What the reserve `id` holds as the API reports it (`None`: no such reserve).
    pub fn reserve_held(&self, id: &str) -> Option<rust_decimal::Decimal> {
        let db = self.state.db.lock().unwrap_or_else(|p| p.into_inner());
        db.query_row(
            "SELECT amount FROM reserves WHERE id = ?1",
            rusqlite::params![id],
            |r| r.get::<_, String>(0),
        )
        .ok()
        .and_then(|a| a.parse().ok())
    }

    /// The sales the server holds for a document (its `externalId`).
    pub fn sales_of(&self, document_id: &str) -> usize {
        let db = self.state.db.lock().unwrap_or_else(|p| p.into_inner());
        db.query_row(
            "SELECT COUNT(*) FROM sales WHERE document_id = ?1",
            rusqlite::params![document_id],
            |r| r.get::<_, i64>(0),
        )
        .map(|n| n as usize)
        .unwrap_or(0)
    }

    /// The embedded backend behind the API (to check balances in tests).
    pub fn backend(&self) -> &EmbeddedBackend {
        &self.state.backend
    }

    pub fn data_dir(&self) -> &Path {
        self.state
            .backend
            .database_path()
            .parent()
            .unwrap_or(Path::new("."))
    }

    /// Blocks until the server stops (the binary's main loop).
    pub fn wait(mut self) {
        if let Some(t) = self.accept.take() {
            let _ = t.join();
        }
    }

    /// Stops accepting, closes every open connection and waits for the accept loop.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        self.state.stopping.store(true, Ordering::SeqCst);
        // Wake the accept loop.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(t) = self.accept.take() {
            let _ = t.join();
        }
        let live = std::mem::take(&mut *self.state.live.lock().unwrap_or_else(|p| p.into_inner()));
        for (_, s) in live {
            let _ = s.shutdown(Shutdown::Both);
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if self.accept.is_some() {
            self.shutdown();
        }
    }
}

impl State {
    fn stats(&self) -> Stats {
        Stats {
            connections: self.connections.load(Ordering::Relaxed),
            requests: self.requests.load(Ordering::Relaxed),
            retail_posts: self.retail_posts.load(Ordering::Relaxed),
        }
    }

    fn authorized(&self, req: &http::Request) -> bool {
        req.header("authorization")
            .is_some_and(|h| constant_time_eq(h.trim().as_bytes(), self.auth.as_bytes()))
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn accept_loop(listener: TcpListener, state: Arc<State>) {
    let mut next_id = 0u64;
    for stream in listener.incoming() {
        if state.stopping.load(Ordering::SeqCst) {
            break;
        }
        let Ok(mut stream) = stream else { continue };
        state.connections.fetch_add(1, Ordering::Relaxed);
        next_id += 1;
        let id = next_id;
        {
            let mut live = state.live.lock().unwrap_or_else(|p| p.into_inner());
            if live.len() >= MAX_CONNECTIONS {
                let _ = http::write_response(&mut stream, 503, r#"{"Message":"busy"}"#, false);
                continue;
            }
            if let Ok(clone) = stream.try_clone() {
                live.insert(id, clone);
            }
        }
        let conn_state = Arc::clone(&state);
        let spawned = std::thread::Builder::new()
            .name("bonusplus-conn".into())
            .spawn(move || {
                serve_connection(stream, &conn_state);
                conn_state
                    .live
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .remove(&id);
            });
        if spawned.is_err() {
            state
                .live
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .remove(&id);
        }
    }
}

fn serve_connection(stream: TcpStream, state: &State) {
    let _ = stream.set_read_timeout(Some(IDLE_TIMEOUT));
    let _ = stream.set_write_timeout(Some(IDLE_TIMEOUT));
    let _ = stream.set_nodelay(true);
    let Ok(mut writer) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(stream);
    loop {
        if state.stopping.load(Ordering::SeqCst) {
            return;
        }
        let req = match http::read_request(&mut reader) {
            http::Read1::Request(r) => r,
            http::Read1::Closed => return,
            http::Read1::Refused(r) => {
                let body = serde_json::json!({ "Message": r.message }).to_string();
                let _ = http::write_response(&mut writer, r.status, &body, false);
                return;
            }
        };
        state.requests.fetch_add(1, Ordering::Relaxed);
        let (status, body) = if !state.authorized(&req) {
            (
                401,
                serde_json::json!({"Message": "Authorization has been denied for this request."})
                    .to_string(),
            )
        } else {
            // A panic in a handler must not take the connection thread's state down silently.
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| routes::handle(state, &req)))
                .unwrap_or_else(|_| (500, r#"{"Message":"An error has occurred."}"#.to_owned()))
        };
        if http::write_response(&mut writer, status, &body, req.keep_alive).is_err()
            || !req.keep_alive
        {
            return;
        }
    }
}

pub(crate) fn stats_json(state: &State) -> String {
    let s = state.stats();
    serde_json::json!({"connections": s.connections, "requests": s.requests, "retailPosts": s.retail_posts})
        .to_string()
}
