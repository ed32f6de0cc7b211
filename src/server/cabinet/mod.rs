//! The owner's cabinet under `/cabinet`: server-rendered pages (minijinja, HTML autoescape) for
//! running the built-in program from a browser, signed in with the owner's password.
//!
//! Kept apart from the API on purpose: the API key is never a cabinet login (the cabinet looks at
//! its own session cookie only) and a cabinet cookie never opens the API (the API looks at the
//! `Authorization` header only). Every POST carries the session's CSRF token; the sign-in form
//! carries a token bound to a cookie of its own. Cookies are HttpOnly, SameSite=Strict, path
//! `/cabinet`, and Secure when the server speaks TLS.

mod chart;
mod csv;
mod form;
mod lang;
mod lockout;
mod pages;
mod password;
mod policy_form;
mod reply;
mod sessions;
mod setup;

pub use lockout::{LOCKOUT, MAX_FAILURES};
pub use password::{is_set as owner_password_is_set, set_owner_password, MIN_LEN};
pub use setup::{setup_owner_password, PasswordSetup, ENV_VAR as ADMIN_PASSWORD_ENV};

use super::conn::{ConnHandle, Tracker};
use super::State;
use axum::extract::State as Shared;
use axum::http::{header, Method};
use axum::response::Response;
use axum::routing::any;
use axum::Router;
use lockout::{Gate, Lockout};
use reply::Reply;
use sessions::Sessions;
use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;
use std::sync::Arc;

const SESSION_COOKIE: &str = "bp_session";
const LOGIN_COOKIE: &str = "bp_login";
const MAX_FORM_BYTES: usize = 64 * 1024;

pub(crate) struct Cabinet {
    state: Arc<State>,
    tracker: Arc<Tracker>,
    sessions: Sessions,
    lockout: Lockout,
    templates: minijinja::Environment<'static>,
    data_dir: PathBuf,
    secure: bool,
}

/// The routes `/cabinet`, `/cabinet/` and everything under it.
pub(crate) fn router(state: Arc<State>, tracker: Arc<Tracker>) -> Router {
    let tls = state.tls;
    let data_dir = state
        .backend
        .database_path()
        .parent()
        .map(PathBuf::from)
        .unwrap_or_default();
    let cabinet = Arc::new(Cabinet {
        state,
        tracker,
        sessions: Sessions::default(),
        lockout: Lockout::default(),
        templates: pages::templates(),
        data_dir,
        secure: tls,
    });
    Router::new()
        .route("/cabinet", any(handle))
        .route("/cabinet/", any(handle))
        .route("/cabinet/{*rest}", any(handle))
        .with_state(cabinet)
}

/// One request as the pages see it.
pub(crate) struct Ask {
    pub path: String,
    pub post: bool,
    pub query: HashMap<String, String>,
    pub form: HashMap<String, String>,
    pub english: bool,
    pub csrf: String,
}

impl Ask {
    pub fn get(&self, name: &str) -> &str {
        self.form
            .get(name)
            .or_else(|| self.query.get(name))
            .map_or("", String::as_str)
    }
}

fn header_text(req: &axum::extract::Request, name: header::HeaderName) -> String {
    req.headers()
        .get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect::<Vec<_>>()
        .join("; ")
}

async fn handle(Shared(cab): Shared<Arc<Cabinet>>, req: axum::extract::Request) -> Response {
    let path = req.uri().path().trim_start_matches("/cabinet").to_string();
    let path = if path.is_empty() {
        "/".to_string()
    } else {
        path
    };
    let english = lang::prefers_english(&header_text(&req, header::ACCEPT_LANGUAGE));
    let cookies = header_text(&req, header::COOKIE);
    let query = form::parse(req.uri().query().unwrap_or(""));
    let post = req.method() == Method::POST;
    if !post && req.method() != Method::GET && req.method() != Method::HEAD {
        return Reply::status(405, "Method Not Allowed").into_response(&cab);
    }
    // The client's address, for the per-address lockout (every request arrives on a connection).
    let client = req
        .extensions()
        .get::<ConnHandle>()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |ConnHandle(conn)| {
            conn.client()
        });
    let session_id = form::cookie(&cookies, SESSION_COOKIE).map(str::to_string);
    let session = session_id.as_deref().and_then(|id| cab.sessions.get(id));
    if session.is_some() {
        if let Some(ConnHandle(conn)) = req.extensions().get::<ConnHandle>() {
            cab.tracker.trust(conn);
        }
    }
    let form = if post {
        let limits = &cab.state.limits;
        let body = req.into_body();
        match tokio::time::timeout(
            limits.body_deadline,
            axum::body::to_bytes(body, MAX_FORM_BYTES),
        )
        .await
        {
            Ok(Ok(bytes)) => form::parse(&String::from_utf8_lossy(&bytes)),
            _ => return Reply::status(413, "Payload too large").into_response(&cab),
        }
    } else {
        HashMap::new()
    };
    let mut ask = Ask {
        path,
        post,
        query,
        form,
        english,
        csrf: String::new(),
    };
    if ask.path == "/login" {
        if session.is_some() {
            return Reply::redirect("/cabinet/").into_response(&cab);
        }
        return login(&cab, &ask, client, form::cookie(&cookies, LOGIN_COOKIE))
            .await
            .into_response(&cab);
    }
    let (Some(id), Some(session)) = (session_id, session) else {
        return Reply::redirect("/cabinet/login").into_response(&cab);
    };
    if post && !super::constant_time_eq(ask.get("csrf").as_bytes(), session.csrf.as_bytes()) {
        return Reply::html(403, pages::message(&cab, &ask, lang::word(english, "csrf")))
            .into_response(&cab);
    }
    ask.csrf = session.csrf;
    if ask.path == "/logout" && post {
        cab.sessions.end(&id);
        return Reply::redirect("/cabinet/login")
            .cookie(format!("{SESSION_COOKIE}=; Max-Age=0"))
            .into_response(&cab);
    }
    let worker = Arc::clone(&cab);
    // SQLite work runs on the blocking pool, as the API's does.
    let reply = tokio::task::spawn_blocking(move || {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| pages::page(&worker, &ask)))
    })
    .await;
    match reply {
        Ok(Ok(reply)) => reply.into_response(&cab),
        _ => {
            super::log("a cabinet page panicked");
            Reply::status(500, "Internal error").into_response(&cab)
        }
    }
}

async fn login(cab: &Arc<Cabinet>, ask: &Ask, client: IpAddr, login_cookie: Option<&str>) -> Reply {
    if !ask.post {
        let token = sessions::token();
        return Reply::html(200, pages::login(cab, ask, &token, None))
            .cookie(format!("{LOGIN_COOKIE}={token}"));
    }
    let fresh = sessions::token();
    let retry = |status: u16, key: &str| {
        Reply::html(
            status,
            pages::login(cab, ask, &fresh, Some(lang::word(ask.english, key))),
        )
        .cookie(format!("{LOGIN_COOKIE}={fresh}"))
    };
    let field = ask.get("csrf");
    if field.is_empty()
        || !login_cookie.is_some_and(|c| super::constant_time_eq(c.as_bytes(), field.as_bytes()))
    {
        return retry(403, "csrf");
    }
    if cab.lockout.gate(client) == Gate::Locked {
        return retry(429, "locked");
    }
    let (dir, password) = (cab.data_dir.clone(), ask.get("password").to_string());
    let ok = tokio::task::spawn_blocking(move || password::verify(&dir, &password))
        .await
        .unwrap_or(false);
    if !ok {
        cab.lockout.failed(client);
        super::log(&format!("cabinet: a wrong password from {client}"));
        let key = if cab.lockout.gate(client) == Gate::Locked {
            "locked"
        } else {
            "wrong_password"
        };
        return retry(401, key);
    }
    cab.lockout.succeeded(client);
    match cab.sessions.create() {
        Some((id, _)) => Reply::redirect("/cabinet/")
            .cookie(format!("{SESSION_COOKIE}={id}"))
            .cookie(format!("{LOGIN_COOKIE}=; Max-Age=0")),
        None => Reply::status(503, "No random source"),
    }
}
