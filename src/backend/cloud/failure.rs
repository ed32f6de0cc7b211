//! Every way a request can fail, mapped onto the contract's codes plus whether the request may
//! have reached the service ([`Reach`]: what the outbox must know).

use super::secret::Redactor;
use crate::error::{Error, ErrorCode};
use crate::messages;
use std::io::ErrorKind;

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
    pub(crate) fn new(error: Error, reach: Reach, status: Option<u16>) -> Failure {
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

/// A transport error: NETWORK (or SERVER for a malformed HTTP answer), with how far it got.
pub(super) fn transport_failure(e: ureq::Error, redactor: &Redactor) -> Failure {
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

pub(super) fn status_failure(status: u16, text: &str, redactor: &Redactor) -> Failure {
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
    use crate::backend::cloud::secret::{base64, ApiKey};

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
    fn a_refusal_that_echoes_the_key_never_carries_it() {
        let r = Redactor::for_key(&ApiKey::new("s3cr3t-key"));
        let b64 = base64(b"s3cr3t-key");
        let echo = format!("Unauthorized. Request headers: Authorization: ApiKey {b64}, Host: x");
        let f = status_failure(401, &echo, &r);
        assert_eq!(f.error.code, ErrorCode::Auth);
        assert!(!f.error.message_ru.contains(b64.trim_end_matches('=')));
        assert!(!f.error.message_en.contains(b64.trim_end_matches('=')));
    }
}
