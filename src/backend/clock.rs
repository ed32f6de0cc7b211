//! Where "now" comes from: the system's local time, or a settable clock in tests.

use crate::engine::LocalDateTime;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

/// The current local date-time (1C dates carry no zone, so neither does the ledger).
pub trait Clock: Send + Sync {
    fn now(&self) -> LocalDateTime;
}

/// The machine's local time: UTC seconds plus the offset the system time zone has at that
/// instant (daylight saving included): `TZ` or `/etc/localtime` on Unix, the time zone setting on
/// Windows.
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
/// libc keeps its zone data inside libc, so nothing of it stays behind in our library's statics
/// when 1C unloads it.
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

/// Windows has no localtime_r: jiff reads the zone setting and applies the IANA rules it carries.
#[cfg(windows)]
fn local_offset_seconds(utc: i64) -> i64 {
    zone_offset_seconds(utc, &jiff::tz::TimeZone::system())
}

#[cfg(not(any(unix, windows)))]
fn local_offset_seconds(_utc: i64) -> i64 {
    0
}

/// The offset `zone` has at the instant `utc` (Unix seconds); 0 for an instant jiff cannot hold
/// (beyond the years -9999..=9999).
#[cfg(any(windows, test))]
fn zone_offset_seconds(utc: i64, zone: &jiff::tz::TimeZone) -> i64 {
    jiff::Timestamp::from_second(utc)
        .map(|instant| i64::from(zone.to_offset(instant).seconds()))
        .unwrap_or(0)
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

    /// 2026-12-04T22:30:00Z, when it is already 01:30 of the next day in Moscow.
    const LATE_EVENING_UTC: i64 = 1_796_423_400;

    /// The Windows path's conversion, with named zones instead of the system setting.
    #[test]
    fn local_time_is_the_zone_offset_at_that_instant() {
        let at = |zone: &str, utc: i64| {
            let zone = jiff::tz::TimeZone::get(zone).expect("the system's zoneinfo has the zone");
            LocalDateTime::from_unix_seconds(utc + zone_offset_seconds(utc, &zone)).to_string()
        };
        assert_eq!(at("Europe/Moscow", LATE_EVENING_UTC), "2026-12-05T01:30:00");
        assert_eq!(at("UTC", LATE_EVENING_UTC), "2026-12-04T22:30:00");
        assert_eq!(at("Asia/Kolkata", LATE_EVENING_UTC), "2026-12-05T04:00:00");
        // Daylight saving: Berlin is UTC+1 in December and UTC+2 in July.
        assert_eq!(at("Europe/Berlin", LATE_EVENING_UTC), "2026-12-04T23:30:00");
        assert_eq!(
            at("Europe/Berlin", LATE_EVENING_UTC - 150 * 86_400),
            "2026-07-08T00:30:00"
        );
    }

    /// The system clock takes the zone the system is set to. Each zone runs in a child process of
    /// this test binary with its own `TZ` (the zone is read once per process).
    #[test]
    fn system_clock_follows_the_system_time_zone() {
        const NAME: &str = "backend::clock::tests::system_clock_follows_the_system_time_zone";
        if let Ok(expected) = std::env::var("BONUSPLUS_CLOCK_TEST_OFFSET") {
            let expected: i64 = expected.parse().unwrap();
            let before = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
            let local = SystemClock.now().unix_seconds();
            let offset = local - before.as_secs() as i64;
            assert!(
                (offset - expected).abs() <= 2,
                "offset {offset}, want {expected}"
            );
            return;
        }
        for (zone, offset) in [
            ("Europe/Moscow", 3 * 3600),
            ("Asia/Kolkata", 19_800),
            ("UTC", 0),
        ] {
            let out = std::process::Command::new(std::env::current_exe().unwrap())
                .args(["--exact", NAME, "--test-threads=1"])
                .env("TZ", zone)
                .env("BONUSPLUS_CLOCK_TEST_OFFSET", offset.to_string())
                .output()
                .unwrap();
            let stdout = String::from_utf8_lossy(&out.stdout);
            assert!(
                out.status.success() && stdout.contains("1 passed"),
                "TZ={zone}: {stdout}{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
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
