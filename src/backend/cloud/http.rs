//! The HTTP side of the cloud client: one ureq `Agent` (connections kept alive), the
//! `Authorization` header, the per-request timeout, the base URL's rules, and the answers. The key
//! and its redaction are in `secret.rs`; how a request fails is in `failure.rs`.

use super::failure::{status_failure, transport_failure};
pub use super::failure::{Failure, Reach};
pub use super::secret::{base64, ApiKey, Redactor};
use crate::error::{Error, ErrorCode};
use crate::messages::{self, Text};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::fmt;
use std::time::Duration;

/// The largest answer read from the service; anything bigger is not a BonusPlus answer.
const MAX_ANSWER_BYTES: u64 = 8 * 1024 * 1024;

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

#[cfg(test)]
mod tests {
    use super::*;

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
}
