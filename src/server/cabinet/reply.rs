//! A cabinet answer and the headers every one carries: no caching, no framing, no outside
//! resources (the CSP allows only the page's own inline styles), cookies HttpOnly,
//! SameSite=Strict on `/cabinet`, Secure under TLS.

use super::Cabinet;
use axum::body::Body;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::Response;

const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; \
                   form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

pub(crate) struct Reply {
    status: u16,
    body: String,
    content_type: &'static str,
    location: Option<&'static str>,
    location_owned: Option<String>,
    attachment: Option<&'static str>,
    cookies: Vec<String>,
}

impl Reply {
    fn new(status: u16, body: String, content_type: &'static str) -> Reply {
        Reply {
            status,
            body,
            content_type,
            location: None,
            location_owned: None,
            attachment: None,
            cookies: Vec::new(),
        }
    }

    pub fn html(status: u16, body: String) -> Reply {
        Reply::new(status, body, "text/html; charset=utf-8")
    }

    pub fn status(status: u16, text: &str) -> Reply {
        Reply::new(status, text.to_string(), "text/plain; charset=utf-8")
    }

    pub fn redirect(to: &'static str) -> Reply {
        let mut r = Reply::new(303, String::new(), "text/plain; charset=utf-8");
        r.location = Some(to);
        r
    }

    /// A redirect to a path inside the cabinet built from data (query values percent-encoded).
    pub fn redirect_to(to: String) -> Reply {
        let mut r = Reply::new(303, String::new(), "text/plain; charset=utf-8");
        r.location_owned = Some(to);
        r
    }

    /// A CSV download (UTF-8 with a BOM, so spreadsheets read Cyrillic right).
    pub fn csv(name: &'static str, body: String) -> Reply {
        let mut r = Reply::new(200, format!("\u{feff}{body}"), "text/csv; charset=utf-8");
        r.attachment = Some(name);
        r
    }

    pub fn cookie(mut self, cookie: String) -> Reply {
        self.cookies.push(cookie);
        self
    }

    pub fn into_response(self, cab: &Cabinet) -> Response {
        let mut response = Response::new(Body::from(self.body));
        *response.status_mut() =
            StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let h = response.headers_mut();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(self.content_type),
        );
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        );
        h.insert(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        );
        h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
        h.insert(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        );
        if let Some(to) = self.location {
            h.insert(header::LOCATION, HeaderValue::from_static(to));
        }
        if let Some(to) = self
            .location_owned
            .and_then(|t| HeaderValue::from_str(&t).ok())
        {
            h.insert(header::LOCATION, to);
        }
        if let Some(name) = self.attachment {
            if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
                h.insert(header::CONTENT_DISPOSITION, v);
            }
        }
        let secure = if cab.secure { "; Secure" } else { "" };
        for c in self.cookies {
            let full = format!("{c}; Path=/cabinet; HttpOnly; SameSite=Strict{secure}");
            if let Ok(v) = HeaderValue::from_str(&full) {
                h.append(header::SET_COOKIE, v);
            }
        }
        response
    }
}
