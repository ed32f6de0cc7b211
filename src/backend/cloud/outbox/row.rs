//! What the outbox stores about an item: its kind and [`State`], the [`Row`] itself, the error
//! kept with it, the stamp of a send (the wall clock plus the boot's monotonic clock, so the quiet
//! period survives a clock step), the audit entries, and the owner tokens of a claim.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Sale,
    Return,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Sale => "sale",
            Kind::Return => "return",
        }
    }
    pub(super) fn parse(s: &str) -> Kind {
        if s == "return" {
            Kind::Return
        } else {
            Kind::Sale
        }
    }
}

/// Where an outbox row is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    /// Stored, not sent, or known not to have reached the service: may be sent.
    Queued,
    /// A request is on the wire (or its owner died while it was): treated as unconfirmed.
    Sending,
    /// The request may have reached the service and nothing proves either way yet.
    Unconfirmed,
    /// Delivered; `result` holds the final answer.
    Done,
    /// The service refused it; not sent again unless 1C or an operator asks.
    Failed,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Queued => "queued",
            State::Sending => "sending",
            State::Unconfirmed => "unconfirmed",
            State::Done => "done",
            State::Failed => "failed",
        }
    }
    pub(super) fn parse(s: &str) -> State {
        match s {
            "sending" => State::Sending,
            "unconfirmed" => State::Unconfirmed,
            "done" => State::Done,
            "failed" => State::Failed,
            _ => State::Queued,
        }
    }
    /// The state 1C sees in PendingItems: an in-flight request is as uncertain as a lost one.
    pub fn shown(self) -> &'static str {
        match self {
            State::Sending => State::Unconfirmed.as_str(),
            other => other.as_str(),
        }
    }
}

/// One outbox row. `plan` and `result` are JSON owned by the backend.
#[derive(Clone, Debug)]
pub struct Row {
    pub seq: i64,
    pub kind: Kind,
    pub key: String,
    pub state: State,
    pub plan: String,
    pub result: String,
    pub attempts: i64,
    /// Wall-clock seconds of the row's creation.
    pub created_at: i64,
    /// When the last request left (wall seconds, and the system's monotonic clock where known).
    pub sent: SendStamp,
    pub last_error: StoredError,
    /// A follow-up owed after delivery (the reserve to release), `""` when none.
    pub cleanup: String,
}

/// The last error of a row, as PendingItems shows it (already sanitised).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StoredError {
    pub code: String,
    pub message: String,
    pub service_code: String,
}

/// When a request was sent: wall seconds, plus the system-wide monotonic clock (milliseconds since
/// boot) and the boot it belongs to, so elapsed time survives a wall-clock step on the same boot.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SendStamp {
    pub wall: i64,
    pub boot: String,
    pub mono_ms: i64,
}

impl SendStamp {
    pub fn now() -> SendStamp {
        let (boot, mono_ms) = monotonic();
        SendStamp {
            wall: now(),
            boot,
            mono_ms,
        }
    }

    /// Time since this stamp, measured by the monotonic clock when both stamps come from the same
    /// boot, else by the wall clock (never negative).
    pub fn elapsed(&self) -> Duration {
        let current = SendStamp::now();
        let ms = if !self.boot.is_empty() && self.boot == current.boot {
            current.mono_ms - self.mono_ms
        } else {
            (current.wall - self.wall).saturating_mul(1000)
        };
        Duration::from_millis(ms.max(0) as u64)
    }
}

/// The system's boot identity and milliseconds since boot (CLOCK_BOOTTIME counts suspend too).
#[cfg(target_os = "linux")]
fn monotonic() -> (String, i64) {
    let boot = std::fs::read_to_string("/proc/sys/kernel/random/boot_id")
        .map(|s| s.trim().to_owned())
        .unwrap_or_default();
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec for the duration of the call.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_BOOTTIME, &mut ts) };
    if rc != 0 || boot.is_empty() {
        return (String::new(), 0);
    }
    (
        boot,
        // time_t and c_long are i64 on every 64-bit Linux; `as` keeps 32-bit targets building.
        #[allow(clippy::unnecessary_cast)]
        {
            ts.tv_sec as i64 * 1000 + ts.tv_nsec as i64 / 1_000_000
        },
    )
}

/// Elsewhere only the wall clock is stored (see `SendStamp::elapsed`).
#[cfg(not(target_os = "linux"))]
fn monotonic() -> (String, i64) {
    (String::new(), 0)
}

/// A dropped or operator-settled row, kept for audit.
#[derive(Clone, Debug)]
pub struct AuditEntry {
    pub kind: Kind,
    pub key: String,
    pub action: String,
    pub state_before: String,
}

pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// A fresh owner token: unique per claim across processes (pid, time, a process-wide counter).
pub fn owner_token() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!(
        "{}-{nanos:x}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}
