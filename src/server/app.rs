//! The router: `GET /health` without a key, and the BonusPlus API behind the key check. The
//! key is checked on the request head, before a byte of the body is read; a request without it
//! is answered 401 and its connection closed, so its body is never read at all. Pages (an
//! owner's cabinet) can be added here as further routes with their own sign-in.

use super::conn::{ConnHandle, Tracker};
use super::{routes, Request, State};
use axum::body::Body;
use axum::extract::State as Shared;
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Instant;

#[derive(Clone)]
struct AppState {
    state: Arc<State>,
    tracker: Arc<Tracker>,
    /// The last storage check of `/health` (at most one a second, whoever asks).
    health: Arc<Mutex<Option<(Instant, bool)>>>,
}

pub(crate) fn router(state: Arc<State>, tracker: Arc<Tracker>) -> Router {
    let app = AppState {
        state,
        tracker,
        health: Arc::new(Mutex::new(None)),
    };
    let cabinet = super::cabinet::router(Arc::clone(&app.state), Arc::clone(&app.tracker));
    Router::new()
        .route("/health", get(health))
        .fallback(api)
        .with_state(app)
        .merge(cabinet)
}

fn json(status: u16, body: String, close: bool) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = if status == StatusCode::NO_CONTENT {
        Response::new(Body::empty())
    } else {
        let mut r = Response::new(Body::from(body));
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=utf-8"),
        );
        r
    };
    *response.status_mut() = status;
    if close {
        response
            .headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    response
}

fn message(status: u16, text: &str, close: bool) -> Response {
    json(
        status,
        serde_json::json!({ "Message": text }).to_string(),
        close,
    )
}

async fn health(Shared(app): Shared<AppState>) -> Response {
    let cached = *app.health.lock().unwrap_or_else(|p| p.into_inner());
    let ok = match cached {
        Some((at, ok)) if at.elapsed().as_secs() < 1 => ok,
        _ => {
            let state = Arc::clone(&app.state);
            let ok = tokio::task::spawn_blocking(move || {
                use crate::backend::Backend;
                state.backend.check_connection().is_ok()
            })
            .await
            .unwrap_or(false);
            *app.health.lock().unwrap_or_else(|p| p.into_inner()) = Some((Instant::now(), ok));
            ok
        }
    };
    if ok {
        json(200, r#"{"status":"ok"}"#.into(), false)
    } else {
        json(503, r#"{"status":"unavailable"}"#.into(), false)
    }
}

async fn api(Shared(app): Shared<AppState>, req: axum::extract::Request) -> Response {
    let state = &app.state;
    state.requests.fetch_add(1, Ordering::Relaxed);
    let key = req
        .headers()
        .get(header::AUTHORIZATION)
        .map(HeaderValue::as_bytes);
    if !state.authorized(key) {
        return message(401, "Authorization has been denied for this request.", true);
    }
    if let Some(ConnHandle(conn)) = req.extensions().get::<ConnHandle>() {
        app.tracker.trust(conn);
    }
    let limits = &state.limits;
    let (parts, body) = req.into_parts();
    let length = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.trim().parse::<u64>().ok());
    let chunked = parts.headers.contains_key(header::TRANSFER_ENCODING);
    if length.is_none()
        && !chunked
        && matches!(parts.method, Method::POST | Method::PUT | Method::PATCH)
    {
        // As IIS does: a body-less PUT needs an explicit `Content-Length: 0`.
        return message(411, "Length Required", true);
    }
    if length.is_some_and(|n| n > limits.max_body_bytes as u64) {
        return message(413, "Payload too large", true);
    }
    let body = match tokio::time::timeout(
        limits.body_deadline,
        axum::body::to_bytes(body, limits.max_body_bytes),
    )
    .await
    {
        Ok(Ok(bytes)) => bytes,
        Ok(Err(_)) => return message(413, "Payload too large or broken", true),
        Err(_) => return message(408, "Request body timeout", true),
    };
    let request = Request::new(
        parts.method.as_str(),
        parts.uri.path(),
        parts.uri.query().unwrap_or(""),
        body.to_vec(),
    );
    let worker = Arc::clone(state);
    // SQLite work runs on the blocking pool, never on the workers that move bytes.
    let outcome = tokio::task::spawn_blocking(move || {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            routes::handle(&worker, &request)
        }))
    })
    .await;
    match outcome {
        Ok(Ok((status, body))) => json(status, body, false),
        _ => {
            super::log("a request handler panicked");
            message(500, "An error has occurred.", false)
        }
    }
}
