//! Connections: accept, TLS, hyper's HTTP/1.1, and the bound on unauthenticated work.
//!
//! A connection is *pending* until one of its requests carries the right key. Pending
//! connections are what an attacker without the key can hold, so they are bounded: each must
//! authenticate within `head_deadline` of opening, and when a client holds more than
//! `max_pending_per_client` (or all clients more than `max_pending`), the oldest pending one of
//! the heaviest client is closed to make room. A new connection is therefore always served; a
//! flood of slow connections only pushes out the flooder's own. An authorized connection is
//! never evicted; hyper closes it after `idle_timeout` without a request.

use super::{app, State};
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::{watch, Notify};
use tower_service::Service;

/// One open connection, as the request handlers and the pending bound see it.
pub(crate) struct Conn {
    id: u64,
    client: IpAddr,
    trusted: AtomicBool,
    evict: Notify,
}

impl Conn {
    /// The address the connection came from.
    pub(crate) fn client(&self) -> IpAddr {
        self.client
    }
}

/// The request extension that lets the API handler mark its connection trusted.
#[derive(Clone)]
pub(crate) struct ConnHandle(pub Arc<Conn>);

#[derive(Default)]
struct Pending {
    by_client: HashMap<IpAddr, VecDeque<Arc<Conn>>>,
    count: usize,
    open: usize,
    next_id: u64,
}

pub(crate) struct Tracker {
    inner: Mutex<Pending>,
}

impl Tracker {
    pub fn new() -> Tracker {
        Tracker {
            inner: Mutex::new(Pending::default()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Pending> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Registers a new connection as pending, evicting as the limits say; `None`: too many open.
    fn admit(&self, client: IpAddr, state: &State) -> Option<Arc<Conn>> {
        let limits = &state.limits;
        let mut p = self.lock();
        if p.open >= limits.max_connections {
            return None;
        }
        p.open += 1;
        p.next_id += 1;
        let conn = Arc::new(Conn {
            id: p.next_id,
            client,
            trusted: AtomicBool::new(false),
            evict: Notify::new(),
        });
        let own = p.by_client.get(&client).map_or(0, VecDeque::len);
        if own >= limits.max_pending_per_client.max(1) {
            p.evict_oldest(client, state);
        }
        if p.count >= limits.max_pending.max(1) {
            if let Some(heaviest) = p
                .by_client
                .iter()
                .max_by_key(|(_, q)| q.len())
                .map(|(ip, _)| *ip)
            {
                p.evict_oldest(heaviest, state);
            }
        }
        p.by_client
            .entry(client)
            .or_default()
            .push_back(Arc::clone(&conn));
        p.count += 1;
        Some(conn)
    }

    /// The connection sent a request with the key: it leaves the pending set for good.
    pub fn trust(&self, conn: &Conn) {
        if !conn.trusted.swap(true, Ordering::SeqCst) {
            self.lock().remove(conn);
        }
    }

    fn closed(&self, conn: &Conn) {
        let mut p = self.lock();
        p.open -= 1;
        if !conn.trusted.load(Ordering::SeqCst) {
            p.remove(conn);
        }
    }
}

impl Pending {
    fn remove(&mut self, conn: &Conn) {
        if let Some(q) = self.by_client.get_mut(&conn.client) {
            if let Some(i) = q.iter().position(|c| c.id == conn.id) {
                q.remove(i);
                self.count -= 1;
            }
            if q.is_empty() {
                self.by_client.remove(&conn.client);
            }
        }
    }

    fn evict_oldest(&mut self, client: IpAddr, state: &State) {
        if let Some(q) = self.by_client.get_mut(&client) {
            if let Some(old) = q.pop_front() {
                self.count -= 1;
                old.evict.notify_one();
                state.evicted.fetch_add(1, Ordering::Relaxed);
            }
            if q.is_empty() {
                self.by_client.remove(&client);
            }
        }
    }
}

pub(crate) async fn accept_loop(
    listener: std::net::TcpListener,
    tls: Option<tokio_rustls::TlsAcceptor>,
    state: Arc<State>,
    mut stop: watch::Receiver<bool>,
) {
    let listener = match tokio::net::TcpListener::from_std(listener) {
        Ok(l) => l,
        Err(e) => {
            super::log(&format!("listen: {e}"));
            return;
        }
    };
    let tracker = Arc::new(Tracker::new());
    let router = app::router(Arc::clone(&state), Arc::clone(&tracker));
    loop {
        let accepted = tokio::select! {
            _ = stop.changed() => return,
            a = listener.accept() => a,
        };
        let (tcp, peer) = match accepted {
            Ok(a) => a,
            Err(e) => {
                // Out of descriptors and the like: let some connections close first.
                super::log(&format!("accept: {e}"));
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                continue;
            }
        };
        state.connections.fetch_add(1, Ordering::Relaxed);
        let Some(conn) = tracker.admit(peer.ip(), &state) else {
            continue;
        };
        let _ = tcp.set_nodelay(true);
        let (state, tracker, router, tls) = (
            Arc::clone(&state),
            Arc::clone(&tracker),
            router.clone(),
            tls.clone(),
        );
        tokio::spawn(async move {
            serve(tcp, tls, &conn, &state, router).await;
            tracker.closed(&conn);
        });
    }
}

async fn serve(
    tcp: tokio::net::TcpStream,
    tls: Option<tokio_rustls::TlsAcceptor>,
    conn: &Arc<Conn>,
    state: &State,
    router: Router,
) {
    let limits = &state.limits;
    let work = async {
        match tls {
            Some(acceptor) => {
                if let Ok(Ok(stream)) =
                    tokio::time::timeout(limits.head_deadline, acceptor.accept(tcp)).await
                {
                    http(stream, conn, state, router).await;
                }
            }
            None => http(tcp, conn, state, router).await,
        }
    };
    let watchdog = async {
        tokio::select! {
            _ = conn.evict.notified() => {}
            _ = tokio::time::sleep(limits.head_deadline) => {
                if conn.trusted.load(Ordering::SeqCst) {
                    // Only eviction could end it now, and trusted connections are not evicted.
                    std::future::pending::<()>().await;
                }
                state.evicted.fetch_add(1, Ordering::Relaxed);
            }
        }
    };
    // Whichever ends first: dropping the HTTP future closes the socket.
    tokio::select! {
        _ = work => {}
        _ = watchdog => {}
    }
}

async fn http<IO>(io: IO, conn: &Arc<Conn>, state: &State, router: Router)
where
    IO: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let handle = ConnHandle(Arc::clone(conn));
    let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
        req.extensions_mut().insert(handle.clone());
        let mut router = router.clone();
        async move { router.call(req).await }
    });
    let limits = &state.limits;
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.idle_timeout)
        .max_buf_size(limits.max_head_bytes.max(8192))
        .max_headers(64)
        .keep_alive(true);
    // Errors here are the client's (a reset, a malformed head answered by hyper itself).
    let _ = builder.serve_connection(TokioIo::new(io), service).await;
}
