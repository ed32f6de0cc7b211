//! Cabinet sessions (random tokens held in memory: a restart signs everyone out) and their CSRF
//! tokens. The sign-in lockout is in `lockout.rs`.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A session lasts this long after sign-in.
pub const SESSION_TTL: Duration = Duration::from_secs(12 * 3600);
const MAX_SESSIONS: usize = 64;

/// 32 random bytes as hex.
pub fn token() -> String {
    let mut bytes = [0u8; 32];
    // SystemRandom reads the OS generator; failing it, no session can be made at all.
    if ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut bytes).is_err() {
        return String::new();
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[derive(Clone)]
pub struct Session {
    pub csrf: String,
    expires: Instant,
}

#[derive(Default)]
struct Inner {
    sessions: HashMap<String, Session>,
}

#[derive(Default)]
pub struct Sessions {
    inner: Mutex<Inner>,
}

impl Sessions {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A successful sign-in: a new session (its token and CSRF token).
    pub fn create(&self) -> Option<(String, Session)> {
        let (id, csrf) = (token(), token());
        if id.is_empty() || csrf.is_empty() {
            return None;
        }
        let mut inner = self.lock();
        let now = Instant::now();
        inner.sessions.retain(|_, s| s.expires > now);
        if inner.sessions.len() >= MAX_SESSIONS {
            if let Some(oldest) = inner
                .sessions
                .iter()
                .min_by_key(|(_, s)| s.expires)
                .map(|(k, _)| k.clone())
            {
                inner.sessions.remove(&oldest);
            }
        }
        let session = Session {
            csrf,
            expires: now + SESSION_TTL,
        };
        inner.sessions.insert(id.clone(), session.clone());
        Some((id, session))
    }

    pub fn get(&self, id: &str) -> Option<Session> {
        let inner = self.lock();
        inner
            .sessions
            .get(id)
            .filter(|s| s.expires > Instant::now())
            .cloned()
    }

    pub fn end(&self, id: &str) {
        self.lock().sessions.remove(id);
    }
}
