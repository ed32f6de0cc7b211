//! Money, bonuses and quantities as integers in the database: hundredths (kopecks) and
//! thousandths. Integer SUMs in SQL are exact; Decimal lives only at the edges.

use crate::error::{Error, ErrorCode, Result};
use crate::messages;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

/// The largest amount stored (input is bounded by the boundary's 10^12): 10^13 roubles in
/// kopecks keeps sums far from i64 overflow.
const MAX_CENTS: i64 = 1_000_000_000_000_000;

/// `x` in hundredths if it has at most 2 decimals and a sane size.
pub(crate) fn cents(x: Decimal) -> Option<i64> {
    scaled(x, 2, 100)
}

/// `x` in thousandths if it has at most 3 decimals and a sane size.
pub(crate) fn millis(x: Decimal) -> Option<i64> {
    scaled(x, 3, 1000)
}

fn scaled(x: Decimal, max_scale: u32, factor: i64) -> Option<i64> {
    let n = x.normalize();
    if n.scale() > max_scale {
        return None;
    }
    let v = n.checked_mul(Decimal::from(factor))?.to_i64()?;
    (v.abs() <= MAX_CENTS).then_some(v)
}

pub(crate) fn from_cents(c: i64) -> Decimal {
    Decimal::new(c, 2)
}

/// A positive input quantity in thousandths, or INVALID_ARGUMENT naming the field.
pub(crate) fn input_millis(x: Decimal, field: &str) -> Result<i64> {
    match millis(x) {
        Some(v) if v > 0 => Ok(v),
        _ => Err(Error::bad_input(
            messages::embedded::positive_quantity_expected(field, x),
        )),
    }
}

/// An amount the engine computed, in kopecks; anything else is a bug.
pub(crate) fn engine_cents(x: Decimal, what: &str) -> Result<i64> {
    cents(x).ok_or_else(|| {
        Error::of(
            ErrorCode::Internal,
            messages::embedded::not_in_kopecks(what, x),
        )
    })
}

/// `total × part / whole`, rounded half away from zero (all non-negative, whole > 0).
pub(crate) fn proportion(total: i64, part: i64, whole: i64) -> i64 {
    if whole <= 0 {
        return 0;
    }
    let num = total as i128 * part as i128;
    let w = whole as i128;
    ((2 * num + w) / (2 * w)) as i64
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn cents_accept_two_decimals_only() {
        assert_eq!(cents(d("36.76")), Some(3676));
        assert_eq!(cents(d("36.700")), Some(3670));
        assert_eq!(cents(d("0.001")), None);
        assert_eq!(cents(d("-1.5")), Some(-150));
        assert_eq!(cents(Decimal::MAX), None);
        assert_eq!(millis(d("1.234")), Some(1234));
        assert_eq!(millis(d("1.2345")), None);
        assert_eq!(from_cents(3676), d("36.76"));
    }

    #[test]
    fn proportion_rounds_half_away_from_zero() {
        assert_eq!(proportion(2963, 1, 2), 1482); // 1481.5
        assert_eq!(proportion(100, 1, 3), 33);
        assert_eq!(proportion(100, 2, 3), 67);
        assert_eq!(proportion(100, 3, 3), 100);
        assert_eq!(proportion(5, 0, 0), 0);
        assert_eq!(
            proportion(MAX_CENTS, 999_999_999, 1_000_000_000),
            999_999_999_000_000
        );
    }
}
