//! The loyalty server: the BonusPlus REST API over the built-in engine ([`EmbeddedBackend`]),
//! the shop's own loyalty service for several PCs. hyper + tokio serve the connections ([`conn`]),
//! axum routes them ([`app`]); `bonusplus.db` is the one store (sales, their API ids and lines,
//! reserves and returns are written in the sale's own transaction).
//!
//! Endpoints (paths also accepted under `/api/`); each one needs `Authorization: ApiKey
//! <base64(key)>`, checked before any body is read, else 401 and the connection closes:
//! * `GET customer?phone=|ean=|id=` → Customer (with the next card level of `--levels`);
//!   412 `CUSTOMER_NOT_FOUND`. `POST customer/list {cardNumber: [...], phone: [...]}` → [Customer].
//! * `POST customer` → Customer; 412 `CUSTOMER_ALREADY_EXISTS`.
//! * `PATCH customer/{phone}` `{"newCard"}` → Customer (the card name).
//! * `PUT customer/{phone}/sendCode` → 204 (the code goes to `sms.log` in the data directory);
//!   `PUT customer/{phone}/checkCode/{code}` → 204, 412 `WRONG_CODE`. Both need `Content-Length`.
//! * `PUT retail/calc` → CalcResult. `POST retail` → `{id, orderUrl, customer}` (its `desc` and
//!   `giftCards` kept with the sale). `PUT retail/back` → `{returnedPurchaseId}`. `GET retail/{id}`
//!   → Sale. `POST retail/bonusActivities {phone, rowCount, startRow}` → the customer's receipts,
//!   newest first, with their `desc`.
//! * `PATCH customer/{phone}/balance/reserve {id, amount}` → 204 (amount < 0 releases);
//!   `DELETE customer/balance/reserve {id}` → 204, 412 `RESERVE_NOT_FOUND`;
//!   `GET customer/{phone}/balance/reserve/{id}` → `{phone, id, amount}`, 412 `RESERVE_NOT_FOUND`.
//! * `POST product/import` → 204. `GET account` → account info.
//! * `GET _admin/stats` → `{connections, requests, retailPosts, evicted}` (not part of BonusPlus).
//!
//! Without a key: `GET /health` → `{"status":"ok"}` (503 `unavailable` when storage fails).
//!
//! Business errors are 412 `{code, msg}`; malformed JSON is 400 `{"Message"}`; a storage failure
//! is 503 with a generic message (the detail goes to the server log, stderr).
//!
//! Where the real service's behaviour is unknown the server answers one way or the other as
//! [`World`] says (tests and the probe try both).

mod app;
pub mod cabinet;
mod conn;
mod files;
mod inspect;
mod legacy;
mod levels;
mod request;
mod routes;
pub mod tls;
mod world;

pub use levels::Level;
pub use request::Request;
pub use world::World;

use crate::backend::cloud::base64;
use crate::backend::EmbeddedBackend;
use crate::error::{Error, ErrorCode, Result};
use crate::messages;
use std::net::{SocketAddr, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

#[derive(Clone, Debug)]
pub struct ServerConfig {
    /// `127.0.0.1:8080`; port 0 picks a free one. Without TLS only a loopback address.
    pub listen: String,
    pub data_dir: PathBuf,
    /// Never printed.
    pub api_key: String,
}

/// What [`Server::start_with`] adds to a [`ServerConfig`].
#[derive(Clone, Debug, Default)]
pub struct ServerOptions {
    /// Serve `https://` with the certificate kept in the data folder (created on first start).
    pub tls: bool,
    pub limits: Limits,
}

/// The bounds that keep one client (or many without a key) from starving the others.
#[derive(Clone, Debug)]
pub struct Limits {
    /// A connection must present a request with the right key this soon after it opens (TLS
    /// handshake included), else it is closed.
    pub head_deadline: Duration,
    /// The whole body of an authorized request must arrive this soon.
    pub body_deadline: Duration,
    /// An authorized keep-alive connection idle this long is closed (also bounds a later head).
    pub idle_timeout: Duration,
    pub max_body_bytes: usize,
    /// The request line plus headers (hyper's read buffer; at least 8 KiB).
    pub max_head_bytes: usize,
    /// Connections without an authorized request yet, per client address: the oldest of a client
    /// over this is closed, so a client flooding slow connections only pushes out its own.
    pub max_pending_per_client: usize,
    /// The same for all clients together: the oldest of the client holding most goes first.
    pub max_pending: usize,
    /// Open connections in all; more are closed at once.
    pub max_connections: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            head_deadline: Duration::from_secs(10),
            body_deadline: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(60),
            // A product import of a few thousand items fits easily.
            max_body_bytes: 16 * 1024 * 1024,
            max_head_bytes: 16 * 1024,
            max_pending_per_client: 64,
            max_pending: 512,
            max_connections: 4096,
        }
    }
}

/// Counters for tests and the benchmark.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// TCP connections accepted since start.
    pub connections: u64,
    /// HTTP requests that reached the API (with or without a key).
    pub requests: u64,
    /// `POST retail` requests received (accepted or not).
    pub retail_posts: u64,
    /// Connections closed for sitting without an authorized request (evicted or past the deadline).
    pub evicted: u64,
}

pub(crate) struct State {
    pub backend: EmbeddedBackend,
    auth: String,
    limits: Limits,
    /// Served over TLS (the cabinet's cookies are then Secure).
    tls: bool,
    connections: AtomicU64,
    requests: AtomicU64,
    pub retail_posts: AtomicU64,
    evicted: AtomicU64,
    world: Mutex<World>,
    /// Reserves a sale named that still answer as held (the kept-reserve reading of [`World`]).
    pub kept: world::KeptReserves,
    /// Card levels by purchases total, lowest first (`--levels`).
    pub levels: Mutex<Vec<Level>>,
    /// `http://addr/` (or `https://`), for the receipt links the sale answers carry.
    pub base_url: String,
}

/// A running server. Dropping it stops it and closes every connection.
pub struct Server {
    addr: SocketAddr,
    tls_fingerprint: Option<String>,
    state: Arc<State>,
    stop: Option<tokio::sync::watch::Sender<bool>>,
    thread: Option<JoinHandle<()>>,
}

fn setup_error(what: &str, e: impl std::fmt::Display) -> Error {
    Error::of(
        ErrorCode::NotConfigured,
        messages::server::setup_failed(what, e),
    )
}

/// Every address `listen` names is a loopback one.
fn loopback_only(listen: &str) -> Result<bool> {
    let addrs: Vec<SocketAddr> = listen
        .to_socket_addrs()
        .map_err(|e| setup_error("listen", e))?
        .collect();
    Ok(!addrs.is_empty() && addrs.iter().all(|a| a.ip().is_loopback()))
}

impl Server {
    /// Plain `http://` on a loopback address, default limits.
    pub fn start(config: ServerConfig) -> Result<Server> {
        Server::start_with(config, ServerOptions::default())
    }

    pub fn start_with(config: ServerConfig, options: ServerOptions) -> Result<Server> {
        let key = config.api_key.trim();
        if key.is_empty() {
            return Err(Error::of(
                ErrorCode::NotConfigured,
                messages::server::API_KEY_REQUIRED,
            ));
        }
        if !options.tls && !loopback_only(&config.listen)? {
            return Err(Error::of(
                ErrorCode::NotConfigured,
                messages::server::plain_http_loopback_only(&config.listen),
            ));
        }
        files::secure_dir(&config.data_dir)?;
        files::private_file(&config.data_dir.join(EmbeddedBackend::FILE_NAME))?;
        files::private_file(&config.data_dir.join(EmbeddedBackend::SMS_LOG_NAME))?;
        let backend = EmbeddedBackend::open(&config.data_dir)?;
        legacy::import(&config.data_dir, &backend)?;
        files::secure_existing(&config.data_dir)?;
        let tls = if options.tls {
            Some(tls::load_or_create(&config.data_dir)?)
        } else {
            None
        };
        let listener =
            std::net::TcpListener::bind(&config.listen).map_err(|e| setup_error("listen", e))?;
        let addr = listener
            .local_addr()
            .map_err(|e| setup_error("listen", e))?;
        listener
            .set_nonblocking(true)
            .map_err(|e| setup_error("listen", e))?;
        let scheme = if tls.is_some() { "https" } else { "http" };
        let state = Arc::new(State {
            backend,
            auth: format!("ApiKey {}", base64(key.as_bytes())),
            limits: options.limits,
            tls: options.tls,
            connections: AtomicU64::new(0),
            requests: AtomicU64::new(0),
            retail_posts: AtomicU64::new(0),
            evicted: AtomicU64::new(0),
            world: Mutex::new(World::default()),
            kept: world::KeptReserves::default(),
            levels: Mutex::new(Vec::new()),
            base_url: format!("{scheme}://{addr}/"),
        });
        // Two workers: the work is SQLite behind one lock (run on the blocking pool); the
        // workers only move bytes and keep timers.
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .max_blocking_threads(16)
            .thread_name("bonusplus-server")
            .enable_io()
            .enable_time()
            .build()
            .map_err(|e| setup_error("runtime", e))?;
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        let fingerprint = tls.as_ref().map(|t| t.fingerprint.clone());
        let acceptor = tls.map(|t| tokio_rustls::TlsAcceptor::from(t.config));
        let serve_state = Arc::clone(&state);
        let thread = std::thread::Builder::new()
            .name("bonusplus-server".into())
            .spawn(move || {
                runtime.block_on(conn::accept_loop(listener, acceptor, serve_state, stop_rx));
                // Drops every connection task (closing its socket); handlers in the blocking
                // pool get a moment to finish their transaction.
                runtime.shutdown_timeout(Duration::from_secs(2));
            })
            .map_err(|e| setup_error("thread", e))?;
        Ok(Server {
            addr,
            tls_fingerprint: fingerprint,
            state,
            stop: Some(stop_tx),
            thread: Some(thread),
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT/` (or `https://…` with TLS).
    pub fn base_url(&self) -> String {
        self.state.base_url.clone()
    }

    /// The SHA-256 fingerprint of the TLS certificate (`AB:CD:…`), the add-ins' pin.
    pub fn tls_fingerprint(&self) -> Option<&str> {
        self.tls_fingerprint.as_deref()
    }

    pub fn stats(&self) -> Stats {
        self.state.stats()
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
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }

    /// Stops accepting, closes every open connection and waits for the server thread.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(true);
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.shutdown();
    }
}

impl State {
    fn stats(&self) -> Stats {
        Stats {
            connections: self.connections.load(Ordering::Relaxed),
            requests: self.requests.load(Ordering::Relaxed),
            retail_posts: self.retail_posts.load(Ordering::Relaxed),
            evicted: self.evicted.load(Ordering::Relaxed),
        }
    }

    /// How to answer the API's open questions now.
    pub fn world(&self) -> World {
        *self.world.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn authorized(&self, header: Option<&[u8]>) -> bool {
        header.is_some_and(|h| constant_time_eq(h.trim_ascii(), self.auth.as_bytes()))
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

pub(crate) fn stats_json(state: &State) -> String {
    let s = state.stats();
    serde_json::json!({"connections": s.connections, "requests": s.requests,
        "retailPosts": s.retail_posts, "evicted": s.evicted})
    .to_string()
}

/// A line in the server log (stderr: the journal under systemd, a file under a Windows service
/// wrapper). Details of storage failures go here, never to clients.
pub(crate) fn log(line: &str) {
    use crate::backend::Clock;
    eprintln!(
        "{} bonusplus-server: {line}",
        crate::backend::SystemClock.now()
    );
}
