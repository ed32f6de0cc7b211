//! A naive local date-time (1C dates carry no zone), with day arithmetic. std only.
//!
//! The calendar is the proleptic Gregorian one. Day numbers are converted with the classic
//! era-based civil-date algorithm (400-year eras of 146 097 days), so every conversion is O(1)
//! and exact for any `i64` day count; only parsing is limited to the years 1..=9999 that
//! 1C can hold.
use crate::civil::{civil_from_days, days_from_civil, days_in_month};
use serde::{Deserialize, Serialize};
use std::fmt;

const SECONDS_PER_DAY: i64 = 86_400;

/// Seconds since 1970-01-01T00:00:00 of the local calendar (no time zone).
/// Serde: the string `"YYYY-MM-DDTHH:MM:SS"`; parsing also accepts `"YYYY-MM-DD"`,
/// a space instead of `T`, and fractional seconds (dropped).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LocalDateTime(i64);

/// Parses a short run of ASCII digits (callers pass at most 4).
fn digits(bytes: &[u8]) -> Option<u32> {
    if bytes.is_empty() || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(
        bytes
            .iter()
            .fold(0u32, |acc, b| acc * 10 + u32::from(b - b'0')),
    )
}

impl LocalDateTime {
    /// 0001-01-01T00:00:00, 1C's "empty date".
    pub const MIN: LocalDateTime = LocalDateTime(-62_135_596_800);
    /// How 1C writes a date field nobody filled (`ЗаписатьJSON` of `Дата(1, 1, 1)`): read as
    /// "no date" wherever a date is optional.
    pub const EMPTY_1C: LocalDateTime = LocalDateTime::MIN;
    /// 9999-12-31T23:59:59, the last moment 1C can hold.
    pub const MAX: LocalDateTime = LocalDateTime(253_402_300_799);

    pub const fn from_unix_seconds(secs: i64) -> LocalDateTime {
        LocalDateTime(secs)
    }
    pub fn unix_seconds(self) -> i64 {
        self.0
    }
    /// `YYYY-MM-DDTHH:MM:SS`, `YYYY-MM-DD`, a space instead of `T`, optional fractional seconds
    /// (dropped). Surrounding whitespace is ignored; anything else (zones, impossible dates) is `None`.
    /// An optional date as 1C sends it: `Some(None)` for `""` or [`Self::EMPTY_1C`] (no date),
    /// `Some(Some(date))` for a date, `None` when the text is not a date.
    pub fn parse_optional(s: &str) -> Option<Option<LocalDateTime>> {
        if s.trim().is_empty() {
            return Some(None);
        }
        LocalDateTime::parse(s).map(|date| (date != LocalDateTime::EMPTY_1C).then_some(date))
    }

    pub fn parse(s: &str) -> Option<LocalDateTime> {
        let bytes = s.trim().as_bytes();
        if bytes.len() < 10 || bytes[4] != b'-' || bytes[7] != b'-' {
            return None;
        }
        let year = digits(&bytes[0..4])?;
        let month = digits(&bytes[5..7])?;
        let day = digits(&bytes[8..10])?;
        let rest = &bytes[10..];
        let (hour, minute, second) = if rest.is_empty() {
            (0, 0, 0)
        } else {
            if rest.len() < 9
                || !(rest[0] == b'T' || rest[0] == b' ')
                || rest[3] != b':'
                || rest[6] != b':'
            {
                return None;
            }
            let time = (
                digits(&rest[1..3])?,
                digits(&rest[4..6])?,
                digits(&rest[7..9])?,
            );
            // Fractional seconds: a dot and at least one digit, then dropped.
            let fraction = &rest[9..];
            if !fraction.is_empty()
                && (fraction.len() < 2
                    || fraction[0] != b'.'
                    || !fraction[1..].iter().all(u8::is_ascii_digit))
            {
                return None;
            }
            time
        };
        LocalDateTime::from_parts(year as i32, month, day, hour, minute, second)
    }
    /// A checked civil date-time: years 1..=9999, real months and days, 00:00:00..=23:59:59.
    pub fn from_parts(
        year: i32,
        month: u32,
        day: u32,
        hour: u32,
        minute: u32,
        second: u32,
    ) -> Option<LocalDateTime> {
        let year = i64::from(year);
        if !(1..=9999).contains(&year)
            || !(1..=12).contains(&month)
            || day == 0
            || day > days_in_month(year, month)
            || hour > 23
            || minute > 59
            || second > 59
        {
            return None;
        }
        let days = days_from_civil(year, month, day);
        let seconds = i64::from(hour) * 3600 + i64::from(minute) * 60 + i64::from(second);
        Some(LocalDateTime(days * SECONDS_PER_DAY + seconds))
    }
    /// (year, month 1-12, day 1-31, hour, minute, second, weekday 0=Sunday, day of year 0-365)
    pub fn parts(self) -> (i32, u32, u32, u32, u32, u32, u32, u32) {
        let (year, month, day, hour, minute, second) = self.civil();
        let days = self.0.div_euclid(SECONDS_PER_DAY);
        // 1970-01-01 was a Thursday.
        let weekday = (days.rem_euclid(7) + 4) % 7;
        let day_of_year = days - days_from_civil(year, 1, 1);
        (
            year as i32,
            month,
            day,
            hour,
            minute,
            second,
            weekday as u32,
            day_of_year as u32,
        )
    }
    /// Saturates instead of overflowing on absurd day counts.
    pub fn add_days(self, days: i64) -> LocalDateTime {
        LocalDateTime(self.0.saturating_add(days.saturating_mul(SECONDS_PER_DAY)))
    }
    /// Saturates instead of overflowing.
    pub fn add_seconds(self, secs: i64) -> LocalDateTime {
        LocalDateTime(self.0.saturating_add(secs))
    }
    /// Midnight of the same day (saturating for the first day `i64` can hold).
    pub fn start_of_day(self) -> LocalDateTime {
        LocalDateTime(
            self.0
                .div_euclid(SECONDS_PER_DAY)
                .saturating_mul(SECONDS_PER_DAY),
        )
    }

    /// (year, month, day, hour, minute, second) with the year as `i64`, valid for any value.
    fn civil(self) -> (i64, u32, u32, u32, u32, u32) {
        let days = self.0.div_euclid(SECONDS_PER_DAY);
        let second_of_day = self.0.rem_euclid(SECONDS_PER_DAY);
        let (year, month, day) = civil_from_days(days);
        let hour = (second_of_day / 3600) as u32;
        let minute = (second_of_day % 3600 / 60) as u32;
        let second = (second_of_day % 60) as u32;
        (year, month, day, hour, minute, second)
    }
}

impl Default for LocalDateTime {
    /// 1C's empty date, 0001-01-01T00:00:00.
    fn default() -> Self {
        LocalDateTime::MIN
    }
}

impl LocalDateTime {
    /// Appends the `Display` text to `out` without the formatting machinery (a log line is
    /// stamped on every call from 1C); only a year outside 0..=9999 goes through `Display`.
    pub fn push_to(self, out: &mut String) {
        let (year, month, day, hour, minute, second) = self.civil();
        let Ok(year @ 0..=9999) = u32::try_from(year) else {
            use fmt::Write;
            let _ = write!(out, "{self}");
            return;
        };
        let mut text = *b"0000-00-00T00:00:00";
        let pieces = [
            (0, year / 100),
            (2, year % 100),
            (5, month),
            (8, day),
            (11, hour),
            (14, minute),
            (17, second),
        ];
        for (at, n) in pieces {
            // Every piece is below 100: month, day and the time of a `civil` date are.
            text[at] = b'0' + (n / 10 % 10) as u8;
            text[at + 1] = b'0' + (n % 10) as u8;
        }
        out.push_str(std::str::from_utf8(&text).unwrap_or_default());
    }
}

impl fmt::Display for LocalDateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (year, month, day, hour, minute, second) = self.civil();
        write!(
            f,
            "{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}"
        )
    }
}
impl Serialize for LocalDateTime {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

struct LocalDateTimeVisitor;

impl serde::de::Visitor<'_> for LocalDateTimeVisitor {
    type Value = LocalDateTime;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a date \"YYYY-MM-DDTHH:MM:SS\"")
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<LocalDateTime, E> {
        LocalDateTime::parse(v)
            .ok_or_else(|| E::invalid_value(serde::de::Unexpected::Str(v), &self))
    }
}

impl<'de> Deserialize<'de> for LocalDateTime {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_str(LocalDateTimeVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epoch_and_bounds() {
        assert_eq!(
            LocalDateTime::parse("1970-01-01T00:00:00")
                .unwrap()
                .unix_seconds(),
            0
        );
        assert_eq!(
            LocalDateTime::from_parts(1, 1, 1, 0, 0, 0),
            Some(LocalDateTime::MIN)
        );
        assert_eq!(
            LocalDateTime::from_parts(9999, 12, 31, 23, 59, 59),
            Some(LocalDateTime::MAX)
        );
        assert_eq!(LocalDateTime::default().to_string(), "0001-01-01T00:00:00");
        assert_eq!(LocalDateTime::MAX.to_string(), "9999-12-31T23:59:59");
    }

    #[test]
    fn known_dates() {
        let t = LocalDateTime::parse("2021-01-15T15:49:30").unwrap();
        assert_eq!(t.unix_seconds(), 1_610_725_770);
        // 2021-01-15 was a Friday, day 14 of the year (0-based).
        assert_eq!(t.parts(), (2021, 1, 15, 15, 49, 30, 5, 14));
        let leap = LocalDateTime::parse("2024-12-31").unwrap();
        assert_eq!(leap.parts().7, 365);
        assert_eq!(
            LocalDateTime::parse("2000-02-29 23:59:59.999")
                .unwrap()
                .to_string(),
            "2000-02-29T23:59:59"
        );
        assert_eq!(
            LocalDateTime::parse("1969-12-31T23:59:59")
                .unwrap()
                .unix_seconds(),
            -1
        );
    }

    #[test]
    fn round_trips_every_day_in_a_long_range() {
        // Every day from 1600-01-01 to 2400-12-31: days -> civil -> days and the display -> parse.
        let first = days_from_civil(1600, 1, 1);
        let last = days_from_civil(2400, 12, 31);
        let mut expected_weekday = LocalDateTime(first * SECONDS_PER_DAY).parts().6;
        for days in first..=last {
            let (y, m, d) = civil_from_days(days);
            assert!((1..=12).contains(&m) && d >= 1 && d <= days_in_month(y, m));
            assert_eq!(days_from_civil(y, m, d), days);
            let t = LocalDateTime(days * SECONDS_PER_DAY + 45_296);
            assert_eq!(LocalDateTime::parse(&t.to_string()), Some(t));
            assert_eq!(t.parts().6, expected_weekday);
            expected_weekday = (expected_weekday + 1) % 7;
        }
    }

    #[test]
    fn rejects_nonsense() {
        for bad in [
            "",
            "2021",
            "2021-13-01",
            "2021-00-10",
            "2021-02-29",
            "1900-02-29",
            "2021-02-30",
            "2021-04-31",
            "0000-01-01",
            "2021-01-15T24:00:00",
            "2021-01-15T23:60:00",
            "2021-01-15T23:59:60",
            "2021-01-15X15:49:30",
            "2021-01-15T15:49",
            "2021-01-15T15:49:30Z",
            "2021-01-15T15:49:30+03:00",
            "2021-01-15T15:49:30.",
            "2021-01-15T15:49:30.12a",
            "21-01-15",
            "2021/01/15",
            "+021-01-15",
            "2021-1-15",
            "２０２１-01-15",
        ] {
            assert_eq!(LocalDateTime::parse(bad), None, "{bad}");
        }
        assert_eq!(LocalDateTime::from_parts(2021, 2, 29, 0, 0, 0), None);
        assert_eq!(LocalDateTime::from_parts(10_000, 1, 1, 0, 0, 0), None);
        assert_eq!(LocalDateTime::from_parts(-5, 1, 1, 0, 0, 0), None);
    }

    #[test]
    fn arithmetic_never_panics() {
        let t = LocalDateTime::parse("2021-01-15T15:49:30").unwrap();
        assert_eq!(t.add_days(17).to_string(), "2021-02-01T15:49:30");
        assert_eq!(t.add_seconds(-56_971).to_string(), "2021-01-14T23:59:59");
        assert_eq!(t.start_of_day().to_string(), "2021-01-15T00:00:00");
        assert_eq!(t.add_days(i64::MAX).unix_seconds(), i64::MAX);
        assert_eq!(
            t.add_seconds(i64::MIN).unix_seconds(),
            i64::MIN + t.unix_seconds()
        );
        // Display and parts of absurd values do not panic.
        for v in [i64::MIN, i64::MAX, 0, -1] {
            let x = LocalDateTime::from_unix_seconds(v);
            let _ = x.to_string();
            let _ = x.parts();
            let _ = x.start_of_day();
        }
    }

    #[test]
    fn pushed_text_is_the_display_text() {
        let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut values = vec![
            i64::MIN,
            i64::MAX,
            0,
            -1,
            LocalDateTime::MIN.0,
            LocalDateTime::MIN.0 - 1,
            LocalDateTime::MAX.0,
            LocalDateTime::MAX.0 + 1,
        ];
        for _ in 0..10_000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            // Mostly within 1C's years, some far outside.
            let span = if seed % 10 == 0 {
                u64::MAX
            } else {
                2 * 253_402_300_800
            };
            values.push(((seed % span) as i64).wrapping_sub(253_402_300_800 / 4));
        }
        for v in values {
            let t = LocalDateTime::from_unix_seconds(v);
            let mut pushed = String::from("kept ");
            t.push_to(&mut pushed);
            assert_eq!(pushed, format!("kept {t}"), "{v}");
        }
    }

    #[test]
    fn serde_is_the_contract_string() {
        let t: LocalDateTime = serde_json::from_str("\"2021-01-15 15:49:30.5\"").unwrap();
        assert_eq!(
            serde_json::to_string(&t).unwrap(),
            "\"2021-01-15T15:49:30\""
        );
        assert!(serde_json::from_str::<LocalDateTime>("\"2021-02-30\"").is_err());
        assert!(serde_json::from_str::<LocalDateTime>("20210115").is_err());
    }
}
