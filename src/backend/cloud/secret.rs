//! The API key and what keeps it secret: the key prints as `***`, its `Authorization` header
//! value is made only here, and [`Redactor`] cleans any text from the service (or the transport,
//! which may quote it) of the key, its Base64 and any quoted `Authorization` before the text
//! reaches a message, LastError, the log or a file.

use std::fmt;

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
        assert!(r.clean(&"x".repeat(10_000)).chars().count() <= MAX_SERVICE_TEXT + 1);
        assert_eq!(r.clean("Клиент не найден"), "Клиент не найден");
    }
}
