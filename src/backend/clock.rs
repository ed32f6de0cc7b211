//! Where "now" comes from: the system's local time, or a settable clock in tests.

use crate::engine::LocalDateTime;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

/// The current local date-time (1C dates carry no zone, so neither does the ledger).
pub trait Clock: Send + Sync {
    fn now(&self) -> LocalDateTime;
}

/// The machine's local time: UTC seconds plus the local offset that applies at that instant.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> LocalDateTime {
        let utc = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        LocalDateTime::from_unix_seconds(utc + local_offset_seconds(utc))
    }
}

/// The machine's local time at the Unix second `utc`.
pub fn local_time_at(utc: i64) -> LocalDateTime {
    LocalDateTime::from_unix_seconds(utc + local_offset_seconds(utc))
}

/// The local zone's offset from UTC at `utc` (seconds), daylight saving included; 0 if unknown.
#[cfg(unix)]
fn local_offset_seconds(utc: i64) -> i64 {
    let t: libc::time_t = utc as libc::time_t;
    // SAFETY: `tm` is plain data, zero is a valid bit pattern; localtime_r only writes into it.
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    let ok = unsafe { !libc::localtime_r(&t, &mut tm).is_null() };
    if ok {
        tm.tm_gmtoff as i64
    } else {
        0
    }
}

#[cfg(not(unix))]
fn local_offset_seconds(_utc: i64) -> i64 {
    // Without localtime_r the ledger runs on UTC; 1C passes document dates itself.
    0
}

/// A clock that stands still until told otherwise. Clones share the same time.
#[derive(Clone, Debug)]
pub struct ManualClock {
    seconds: Arc<AtomicI64>,
}

impl ManualClock {
    pub fn new(at: LocalDateTime) -> ManualClock {
        ManualClock {
            seconds: Arc::new(AtomicI64::new(at.unix_seconds())),
        }
    }
    pub fn set(&self, at: LocalDateTime) {
        self.seconds.store(at.unix_seconds(), Ordering::SeqCst);
    }
    pub fn advance_seconds(&self, secs: i64) {
        self.seconds.fetch_add(secs, Ordering::SeqCst);
    }
    pub fn advance_days(&self, days: i64) {
        self.advance_seconds(days * 86_400);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> LocalDateTime {
        LocalDateTime::from_unix_seconds(self.seconds.load(Ordering::SeqCst))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn system_clock_is_utc_plus_a_sane_offset() {
        let utc = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        let local = SystemClock.now().unix_seconds();
        // Real zones are within -12h..+14h of UTC.
        assert!(
            (local - utc) >= -12 * 3600 - 5 && (local - utc) <= 14 * 3600 + 5,
            "{}",
            local - utc
        );
    }

    #[test]
    fn manual_clock_clones_share_time() {
        let c = ManualClock::new(LocalDateTime::from_unix_seconds(1_000));
        let d = c.clone();
        c.advance_days(2);
        assert_eq!(d.now().unix_seconds(), 1_000 + 2 * 86_400);
        d.set(LocalDateTime::from_unix_seconds(5));
        assert_eq!(c.now().unix_seconds(), 5);
    }
}
