//! The HTTP side of the cloud client: one ureq `Agent` (connections kept alive), the
//! `Authorization: ApiKey <base64>` header, the per-request timeout, and every way a request can
//! fail mapped onto the contract's codes plus whether the request may have reached the service.

use crate::error::{Error, ErrorCode};
use crate::messages::{self, Text};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::fmt;
use std::io::ErrorKind;
use std::time::Duration;

/// The largest answer read from the service; anything bigger is not a BonusPlus answer.
const MAX_ANSWER_BYTES: u64 = 8 * 1024 * 1024;

/// The API key. Its `Debug` and `Display` print `***`: it must never reach a log or a message.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    pub fn new(key: impl Into<String>) -> ApiKey {
        ApiKey(key.into())
    }

    pub fn is_empty(&self) -> bool {
        self.0.trim().is_empty()
    }

    /// The `Authorization` header value: `ApiKey <standard base64 of the UTF-8 key>`.
    pub(crate) fn header_value(&self) -> String {
        format!("ApiKey {}", base64(self.0.trim().as_bytes()))
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// Standard Base64 with `=` padding (RFC 4648 §4), as PHP `base64_encode` produces. Twenty lines
/// do not justify a dependency.
pub fn base64(data: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Whether a failed request may have reached the service (what the outbox must know).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reach {
    /// Nothing was sent: connection refused, DNS, TLS handshake, connect timeout, bad address.
    NotSent,
    /// Sent (or partly sent) and then the answer was lost, cut or unreadable: the service may
    /// have acted on it.
    Unknown,
    /// The service answered with an error status: it did not act (4xx) or says it failed (5xx).
    Answered,
}

/// A failed request: the contract error plus how far the request got.
#[derive(Clone, Debug)]
pub struct Failure {
    pub error: Error,
    pub reach: Reach,
    /// The HTTP status when the service answered.
    pub status: Option<u16>,
}

impl Failure {
    fn new(error: Error, reach: Reach, status: Option<u16>) -> Failure {
        Failure {
            error,
            reach,
            status,
        }
    }

    /// The service's business code (`CUSTOMER_NOT_FOUND`, …) of a 412, if any.
    pub fn service_code(&self) -> Option<&str> {
        self.error.service_code.as_deref()
    }

    /// 404, or 412 with a `*_NOT_FOUND` code: what the API says for "no such thing".
    pub fn is_not_found(&self) -> bool {
        self.status == Some(404)
            || (self.status == Some(412)
                && self
                    .service_code()
                    .is_some_and(|c| c.ends_with("NOT_FOUND")))
    }
}

impl From<Failure> for Error {
    fn from(f: Failure) -> Error {
        f.error
    }
}

/// A successful answer: the status (2xx) and the body text (empty for 204).
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub body: String,
}

impl Answer {
    /// The body as `T`; an empty or unreadable body is a SERVER failure that may have acted.
    pub fn json<T: DeserializeOwned>(&self, what: &str) -> Result<T, Failure> {
        if self.body.trim().is_empty() {
            return Err(Failure::new(
                Error::of(
                    ErrorCode::Server,
                    messages::cloud::empty_answer(what, self.status),
                ),
                Reach::Unknown,
                Some(self.status),
            ));
        }
        serde_json::from_str(&self.body).map_err(|e| {
            // Where it broke, never what it said: the body is the service's text.
            let detail = format!(
                "{:?}, line {} column {}",
                e.classify(),
                e.line(),
                e.column()
            );
            Failure::new(
                Error::of(
                    ErrorCode::Server,
                    messages::cloud::unreadable_answer(what, &detail),
                ),
                Reach::Unknown,
                Some(self.status),
            )
        })
    }
}

/// Cleans text that came from the service (or from the transport, which may quote it) before it
/// reaches a message, LastError, the log or a file: the key, its Base64 and any `Authorization`
/// header or `ApiKey …` token are blanked, control characters dropped, the length bounded.
#[derive(Clone, Default)]
pub struct Redactor {
    secrets: Vec<String>,
}

impl fmt::Debug for Redactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Redactor(***)")
    }
}

/// The longest service text kept in a message.
const MAX_SERVICE_TEXT: usize = 300;

impl Redactor {
    pub fn for_key(key: &ApiKey) -> Redactor {
        let raw = key.0.trim().to_owned();
        let b64 = base64(raw.as_bytes());
        let mut secrets = vec![raw, b64.trim_end_matches('=').to_owned(), b64];
        secrets.retain(|s| !s.is_empty());
        // Longest first, so a secret containing another is blanked whole.
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        Redactor { secrets }
    }

    pub fn clean(&self, text: &str) -> String {
        let mut out: String = text
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        for secret in &self.secrets {
            if out.contains(secret.as_str()) {
                out = out.replace(secret.as_str(), "***");
            }
        }
        out = blank_after(&out, "authorization", |c| c == '"' || c == ',' || c == '}');
        for scheme in ["apikey", "basic", "bearer"] {
            out = blank_after(&out, scheme, |c| c.is_whitespace() || c == '"' || c == ',');
        }
        if out.chars().count() > MAX_SERVICE_TEXT {
            out = out
                .chars()
                .take(MAX_SERVICE_TEXT)
                .chain("…".chars())
                .collect();
        }
        out
    }
}

/// Replaces the value after every case-insensitive `word` (skipping `:`/`=`/spaces, and for an
/// auth scheme the one token after it) with `***`, up to a character `stop` accepts.
fn blank_after(text: &str, word: &str, stop: impl Fn(char) -> bool) -> String {
    let lower = text.to_lowercase();
    if lower.len() != text.len() || !lower.contains(word) {
        // Lowercasing changed byte offsets (rare non-ASCII case pairs): blank conservatively.
        if lower.contains(word) {
            return "***".to_owned();
        }
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = 0;
    while let Some(found) = lower[rest..].find(word) {
        let start = rest + found + word.len();
        out.push_str(&text[rest..start]);
        let tail = &text[start..];
        let lead = tail.len() - tail.trim_start_matches([' ', ':', '=', '"', '\\']).len();
        out.push_str(&tail[..lead]);
        let value = &tail[lead..];
        let end = value.find(|c: char| stop(c)).unwrap_or(value.len());
        if end > 0 {
            out.push_str("***");
        }
        rest = start + lead + end;
    }
    out.push_str(&text[rest..]);
    out
}

/// The HTTP client of one backend: one Agent, one base URL, one key.
pub struct Client {
    agent: ureq::Agent,
    base: String,
    auth: String,
    timeout: Duration,
    redactor: Redactor,
}

/// The seam between the cloud backend and the wire: one request, bounded by `timeout` as a
/// whole (connect, send, answer), answered or failed with how far it got.
pub trait Transport: Send + Sync {
    fn call(
        &self,
        method: &str,
        path: &str,
        query: &[(&str, &str)],
        body: Body<'_>,
        timeout: Duration,
    ) -> Result<Answer, Failure>;

    /// Cleans service text before it is kept anywhere.
    fn redactor(&self) -> &Redactor;
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base", &self.base)
            .field("auth", &"***")
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// Checks the base URL: `https://` to any host, `http://` only to a loopback host (defence in
/// depth: the component checks it too). Returns it ending with `/`.
pub fn check_base_url(url: &str) -> Result<String, Error> {
    let url = url.trim();
    let bad = |problem: Text| {
        let shown: String = url.chars().take(80).collect();
        Error::of(
            ErrorCode::NotConfigured,
            messages::cloud::bad_address(&shown, problem),
        )
    };
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| bad(messages::common::ADDRESS_EXPECT_HTTPS))?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = host_of(url);
    if authority.is_empty()
        || authority.contains('@')
        || url.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(bad(messages::cloud::ADDRESS_BAD_HOST));
    }
    match scheme.to_ascii_lowercase().as_str() {
        "https" => {}
        "http" if is_loopback(&host) => {}
        "http" => return Err(bad(messages::cloud::ADDRESS_PLAIN_HTTP_LOOPBACK_ONLY)),
        _ => return Err(bad(messages::common::ADDRESS_EXPECT_HTTPS)),
    }
    Ok(if url.ends_with('/') {
        url.to_owned()
    } else {
        format!("{url}/")
    })
}

/// The lowercased host of `scheme://host[:port]/…` (`[v6]` without brackets).
fn host_of(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    if let Some(v6) = authority.strip_prefix('[') {
        v6.split(']').next().unwrap_or("")
    } else {
        authority.rsplit_once(':').map_or(authority, |(h, _)| h)
    }
    .to_ascii_lowercase()
}

fn is_loopback(host: &str) -> bool {
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// What a request sends.
pub enum Body<'a> {
    /// No body at all (GET).
    None,
    /// An empty body with an explicit `Content-Length: 0` (body-less PUT).
    Empty,
    /// A JSON body (also on DELETE).
    Json(&'a serde_json::Value),
}

impl Client {
    pub fn new(base_url: &str, key: &ApiKey, timeout: Duration) -> Result<Client, Error> {
        Client::new_pinned(base_url, key, timeout, None)
    }

    /// With a pin, `https://` trusts exactly the certificate with that fingerprint (a LAN server).
    pub fn new_pinned(
        base_url: &str,
        key: &ApiKey,
        timeout: Duration,
        pin: Option<super::pinned_tls::CertPin>,
    ) -> Result<Client, Error> {
        let base = check_base_url(base_url)?;
        if key.is_empty() {
            return Err(Error::of(
                ErrorCode::NotConfigured,
                messages::cloud::API_KEY_NOT_SET,
            ));
        }
        let loopback = is_loopback(&host_of(&base));
        let mut config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            // Never follow a redirect: it could carry the key elsewhere or re-post a sale.
            .max_redirects(0)
            .max_redirects_will_error(false)
            // Every phase of every request is bounded by the timeout. Not `timeout_global`: in
            // ureq 3.5 it made each loopback request ~10× slower (see benches/cloud.rs).
            .timeout_connect(Some(timeout))
            .timeout_send_request(Some(timeout))
            .timeout_send_body(Some(timeout))
            .timeout_recv_response(Some(timeout))
            .timeout_recv_body(Some(timeout))
            .user_agent(format!("bonusplus-1c/{}", env!("CARGO_PKG_VERSION")))
            .accept("application/json")
            .max_idle_connections_per_host(4);
        if loopback {
            // A proxy from the environment must not see loopback traffic (or the key).
            config = config.proxy(None);
        }
        Ok(Client {
            agent: match pin {
                Some(pin) => super::pinned_tls::agent(config.build(), pin),
                None => config.build().new_agent(),
            },
            base,
            auth: key.header_value(),
            timeout,
            redactor: Redactor::for_key(key),
        })
    }

    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    /// Any request; a 2xx answer is returned with its body read, anything else is a Failure.
    /// `timeout` bounds the whole request (it is the caller's remaining budget).
    fn send(
        &self,
        method: &str,
        path: &str,
        query: &[(&str, &str)],
        body: Body<'_>,
        timeout: Duration,
    ) -> Result<Answer, Failure> {
        let url = format!("{}{}", self.base, path);
        let limit = Some(timeout.min(self.timeout));
        let result = match (method, &body) {
            ("GET", _) => self
                .with_query(self.agent.get(&url), query)
                .config()
                .timeout_global(limit)
                .build()
                .call(),
            ("DELETE", Body::None) => self
                .with_query(self.agent.delete(&url), query)
                .config()
                .timeout_global(limit)
                .build()
                .call(),
            ("PUT", _) | ("POST", _) | ("PATCH", _) | ("DELETE", _) => {
                let bytes = match &body {
                    Body::Json(v) => json_bytes(v),
                    Body::Empty | Body::None => Vec::new(),
                };
                let req = match method {
                    "PUT" => self.agent.put(&url),
                    "POST" => self.agent.post(&url),
                    "PATCH" => self.agent.patch(&url),
                    _ => self.agent.delete(&url).force_send_body(),
                };
                self.with_query(req, query)
                    .header("Content-Type", "application/json")
                    .config()
                    .timeout_global(limit)
                    .build()
                    .send(&bytes[..])
            }
            _ => {
                return Err(Failure::new(
                    Error::of(
                        ErrorCode::Internal,
                        messages::cloud::unknown_request(method),
                    ),
                    Reach::NotSent,
                    None,
                ))
            }
        };
        let mut response = result.map_err(|e| transport_failure(e, &self.redactor))?;
        let status = response.status().as_u16();
        let text = response
            .body_mut()
            .with_config()
            .limit(MAX_ANSWER_BYTES)
            .lossy_utf8(true)
            .read_to_string()
            .map_err(|e| {
                // The status line came, the body did not: the service did act on the request.
                let mut f = transport_failure(e, &self.redactor);
                if f.reach == Reach::NotSent {
                    f.reach = Reach::Unknown;
                }
                f
            })?;
        if (200..300).contains(&status) {
            Ok(Answer { status, body: text })
        } else {
            Err(status_failure(status, &text, &self.redactor))
        }
    }

    fn with_query<B>(
        &self,
        mut req: ureq::RequestBuilder<B>,
        query: &[(&str, &str)],
    ) -> ureq::RequestBuilder<B> {
        req = req.header("Authorization", &self.auth);
        for (k, v) in query {
            req = req.query(*k, *v);
        }
        req
    }

    /// Serializes a request body; our own types always serialize.
    pub fn to_json<T: Serialize>(value: &T) -> serde_json::Value {
        serde_json::to_value(value).unwrap_or(serde_json::Value::Null)
    }
}

impl Transport for Client {
    fn call(
        &self,
        method: &str,
        path: &str,
        query: &[(&str, &str)],
        body: Body<'_>,
        timeout: Duration,
    ) -> Result<Answer, Failure> {
        self.send(method, path, query, body, timeout)
    }

    fn redactor(&self) -> &Redactor {
        &self.redactor
    }
}

fn json_bytes(v: &serde_json::Value) -> Vec<u8> {
    serde_json::to_vec(v).unwrap_or_default()
}

/// A transport error: NETWORK (or SERVER for a malformed HTTP answer), with how far it got.
fn transport_failure(e: ureq::Error, redactor: &Redactor) -> Failure {
    use ureq::Timeout;
    let (reach, code) = match &e {
        ureq::Error::HostNotFound
        | ureq::Error::ConnectionFailed
        | ureq::Error::BadUri(_)
        | ureq::Error::Tls(_)
        | ureq::Error::InvalidProxyUrl => (Reach::NotSent, ErrorCode::Network),
        ureq::Error::Timeout(Timeout::Resolve | Timeout::Connect) => {
            (Reach::NotSent, ErrorCode::Network)
        }
        ureq::Error::Timeout(_) => (Reach::Unknown, ErrorCode::Network),
        ureq::Error::Io(io) => match io.kind() {
            ErrorKind::ConnectionRefused
            | ErrorKind::AddrNotAvailable
            | ErrorKind::NetworkUnreachable
            | ErrorKind::HostUnreachable
            | ErrorKind::AddrInUse => (Reach::NotSent, ErrorCode::Network),
            _ => (Reach::Unknown, ErrorCode::Network),
        },
        ureq::Error::Protocol(_) => (Reach::Unknown, ErrorCode::Server),
        _ => (Reach::Unknown, ErrorCode::Network),
    };
    if matches!(e, ureq::Error::Tls(m) if m == super::pinned_tls::PIN_MISMATCH) {
        return Failure::new(
            Error::of(ErrorCode::Network, messages::cloud::CERTIFICATE_MISMATCH),
            Reach::NotSent,
            None,
        );
    }
    // ureq's messages name the failure and the host; cleaned all the same.
    let detail = redactor.clean(&e.to_string());
    let error = match code {
        ErrorCode::Server => Error::of(code, messages::cloud::malformed_http(&detail)),
        _ => Error::of(code, messages::cloud::unreachable(&detail)),
    };
    Failure::new(error, reach, None)
}

/// The lenient error body: `{code,msg}`, then `{Message}`, then the raw text.
#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct ErrorBody {
    code: Option<String>,
    msg: Option<String>,
    #[serde(rename = "Message")]
    message: Option<String>,
}

fn status_failure(status: u16, text: &str, redactor: &Redactor) -> Failure {
    let parsed: ErrorBody = serde_json::from_str(text).unwrap_or_default();
    let msg = redactor.clean(
        parsed
            .msg
            .as_deref()
            .or(parsed.message.as_deref())
            .unwrap_or(text),
    );
    let service_code = parsed.code.filter(|c| {
        !c.is_empty()
            && c.len() <= 100
            && c.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '_')
    });
    let shown = if msg.is_empty() {
        format!("HTTP {status}")
    } else {
        msg.clone()
    };
    let error = match status {
        401 | 403 => Error::of(
            ErrorCode::Auth,
            messages::cloud::key_refused(status, &shown),
        ),
        412 => {
            let e = Error::of(ErrorCode::Rejected, messages::cloud::refused(&shown));
            e.with_service_code(
                service_code
                    .clone()
                    .unwrap_or_else(|| "HTTP_412".to_owned()),
            )
        }
        404 => Error::of(ErrorCode::NotFound, messages::cloud::not_found(&shown))
            .with_service_code(
                service_code
                    .clone()
                    .unwrap_or_else(|| "NOT_FOUND".to_owned()),
            ),
        500..=599 => Error::of(
            ErrorCode::Server,
            messages::cloud::service_error(status, &shown),
        ),
        _ => Error::of(
            ErrorCode::Rejected,
            messages::cloud::not_accepted(status, &shown),
        )
        .with_service_code(service_code.unwrap_or_else(|| format!("HTTP_{status}"))),
    };
    let mut f = Failure::new(error, Reach::Answered, Some(status));
    if status >= 500 {
        // A 5xx says the service failed while handling it; whether it acted first is unknown.
        f.reach = Reach::Unknown;
    }
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc4648_vectors() {
        for (input, output) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(input.as_bytes()), output);
        }
        assert_eq!(base64("ключ".as_bytes()), "0LrQu9GO0Yc=");
    }

    #[test]
    fn the_key_never_prints() {
        let key = ApiKey::new("secret-key-123");
        assert_eq!(format!("{key:?} {key}"), "*** ***");
        let client = Client::new("http://127.0.0.1:9/", &key, Duration::from_secs(1)).unwrap();
        let shown = format!("{client:?}");
        assert!(
            !shown.contains("secret") && !shown.contains(&base64(b"secret-key-123")),
            "{shown}"
        );
    }

    #[test]
    fn plain_http_only_to_loopback() {
        assert!(check_base_url("http://127.0.0.1:8080")
            .unwrap()
            .ends_with('/'));
        assert!(check_base_url("http://localhost:1/api/").is_ok());
        assert!(check_base_url("http://[::1]:1/").is_ok());
        assert!(check_base_url("https://bonusplus.pro/api/").is_ok());
        for bad in [
            "http://bonusplus.pro/api/",
            "http://10.0.0.1/",
            "http://127.0.0.1.evil.com/",
            "http://localhost@evil.com/",
            "ftp://x/",
            "bonusplus.pro",
        ] {
            assert_eq!(
                check_base_url(bad).unwrap_err().code,
                ErrorCode::NotConfigured,
                "{bad}"
            );
        }
    }

    #[test]
    fn error_bodies_are_read_leniently() {
        let f = status_failure(
            412,
            r#"{"code":"CUSTOMER_NOT_FOUND","msg":"Клиент не найден"}"#,
            &Redactor::default(),
        );
        assert_eq!(f.error.code, ErrorCode::Rejected);
        assert_eq!(f.service_code(), Some("CUSTOMER_NOT_FOUND"));
        assert!(f.is_not_found());
        assert!(f.error.message_ru.contains("Клиент не найден"));
        let f = status_failure(
            500,
            r#"{"Message":"An error has occurred."}"#,
            &Redactor::default(),
        );
        assert_eq!(f.error.code, ErrorCode::Server);
        assert!(f.error.message_en.contains("An error has occurred."));
        let f = status_failure(401, "<html>no</html>", &Redactor::default());
        assert_eq!(f.error.code, ErrorCode::Auth);
        assert!(status_failure(404, "", &Redactor::default()).is_not_found());
    }

    #[test]
    fn service_text_never_carries_the_key() {
        let key = ApiKey::new("s3cr3t-key");
        let r = Redactor::for_key(&key);
        let b64 = base64(b"s3cr3t-key");
        let echoes = [
            format!("Unauthorized. Request headers: Authorization: ApiKey {b64}, Host: x"),
            format!(r#"{{"headers":{{"Authorization":"ApiKey {b64}"}}}}"#),
            "key s3cr3t-key refused".to_string(),
            format!("token {} trimmed", b64.trim_end_matches('=')),
            format!("authorization=basic {b64}\r\nnext"),
        ];
        for echo in &echoes {
            let clean = r.clean(echo);
            assert!(
                !clean.contains("s3cr3t") && !clean.contains(b64.trim_end_matches('=')),
                "{echo} -> {clean}"
            );
        }
        let f = status_failure(401, &echoes[0], &r);
        assert!(!f.error.message_ru.contains(b64.trim_end_matches('=')));
        assert!(!f.error.message_en.contains(b64.trim_end_matches('=')));
        assert!(r.clean(&"x".repeat(10_000)).chars().count() <= MAX_SERVICE_TEXT + 1);
        assert_eq!(r.clean("Клиент не найден"), "Клиент не найден");
    }
}
