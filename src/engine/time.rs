//! A naive local date-time (1C dates carry no zone), with day arithmetic. std only.
use serde::{Deserialize, Serialize};

/// Seconds since 1970-01-01T00:00:00 of the local calendar (no time zone).
/// Serde: the string `"YYYY-MM-DDTHH:MM:SS"`; parsing also accepts `"YYYY-MM-DD"`,
/// a space instead of `T`, and fractional seconds (dropped).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LocalDateTime(i64);

impl LocalDateTime {
    pub fn from_unix_seconds(secs: i64) -> LocalDateTime {
        LocalDateTime(secs)
    }
    pub fn unix_seconds(self) -> i64 {
        self.0
    }
    pub fn parse(s: &str) -> Option<LocalDateTime> {
        todo!("engine helper: {s}")
    }
    pub fn from_parts(year: i32, month: u32, day: u32, hour: u32, minute: u32, second: u32) -> Option<LocalDateTime> {
        todo!("engine helper: {year}{month}{day}{hour}{minute}{second}")
    }
    /// (year, month 1-12, day 1-31, hour, minute, second, weekday 0=Sunday, day of year 0-365)
    pub fn parts(self) -> (i32, u32, u32, u32, u32, u32, u32, u32) {
        todo!()
    }
    pub fn add_days(self, days: i64) -> LocalDateTime {
        LocalDateTime(self.0 + days * 86_400)
    }
    pub fn add_seconds(self, secs: i64) -> LocalDateTime {
        LocalDateTime(self.0 + secs)
    }
    /// Midnight of the same day.
    pub fn start_of_day(self) -> LocalDateTime {
        LocalDateTime(self.0.div_euclid(86_400) * 86_400)
    }
}

impl std::fmt::Display for LocalDateTime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let _ = f;
        todo!("engine helper")
    }
}
impl Serialize for LocalDateTime {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}
impl<'de> Deserialize<'de> for LocalDateTime {
    fn deserialize<D: serde::Deserializer<'de>>(_d: D) -> Result<Self, D::Error> {
        todo!("engine helper")
    }
}
