//! Money, bonus and quantity rounding (half away from zero, as 1C's `Окр`).
//!
//! Every amount is a `rust_decimal::Decimal`; nothing here goes through floating point.
//! The rounding functions never panic: rounding cannot overflow.
use rust_decimal::{Decimal, RoundingStrategy};

/// The largest money amount (a line sum, a document sum, a price …) the engine accepts.
/// Bounding inputs keeps every intermediate product far below `Decimal::MAX` (~7.9e28).
pub const MAX_MONEY: Decimal = Decimal::from_parts(3_567_587_328, 232, 0, false, 0); // 10^12

/// One kopeck.
pub const KOPECK: Decimal = Decimal::from_parts(1, 0, 0, false, 2);

/// Rounds to kopecks, half away from zero (1C `Окр(x, 2)`).
pub fn round_money(x: Decimal) -> Decimal {
    x.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}
/// Rounds a bonus amount to 2 decimals, half away from zero.
pub fn round_bonus(x: Decimal) -> Decimal {
    x.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}
/// Rounds a quantity to 3 decimals, half away from zero.
pub fn round_quantity(x: Decimal) -> Decimal {
    x.round_dp_with_strategy(3, RoundingStrategy::MidpointAwayFromZero)
}
/// `x * percent / 100`, unrounded.
///
/// Never panics: when `x * percent` would overflow, the division is done first (the result then
/// loses only digits far below a kopeck); when even that overflows the result saturates.
pub fn percent_of(x: Decimal, percent: Decimal) -> Decimal {
    match x.checked_mul(percent) {
        Some(product) => product / Decimal::ONE_HUNDRED,
        None => {
            let scaled = x / Decimal::ONE_HUNDRED;
            scaled.checked_mul(percent).unwrap_or(
                if scaled.is_sign_negative() != percent.is_sign_negative() {
                    Decimal::MIN
                } else {
                    Decimal::MAX
                },
            )
        }
    }
}

/// Rounds down (towards zero) to 2 decimals: used for limits that must never be exceeded.
pub fn floor_money(x: Decimal) -> Decimal {
    x.round_dp_with_strategy(2, RoundingStrategy::ToZero)
}

/// Rounds up (away from zero) to 2 decimals.
pub fn ceil_money(x: Decimal) -> Decimal {
    x.round_dp_with_strategy(2, RoundingStrategy::AwayFromZero)
}

/// Whether `x` has at most `places` significant decimals (`3000.00` has 0, `36.760` has 2).
pub fn has_at_most_decimals(x: Decimal, places: u32) -> bool {
    x.normalize().scale() <= places
}

/// `a × b / c` rounded half away from zero to `places` decimals, exactly (one rounding of the
/// exact quotient, as 1C's `Окр(a * b / c, places)`); `None` when `c` is zero.
///
/// This is the hot operation of the engine: it runs on the integer mantissas (i128) and falls
/// back to `Decimal` arithmetic only for magnitudes far beyond any money amount.
pub fn mul_div_round(a: Decimal, b: Decimal, c: Decimal, places: u32) -> Option<Decimal> {
    if c.is_zero() {
        return None;
    }
    if let Some(exact) = mul_div_round_integer(a, b, c, places) {
        return Some(exact);
    }
    let quotient = match a.checked_mul(b) {
        Some(product) => product.checked_div(c)?,
        None => b.checked_div(c).and_then(|ratio| a.checked_mul(ratio))?,
    };
    Some(quotient.round_dp_with_strategy(places, RoundingStrategy::MidpointAwayFromZero))
}

/// Powers of ten that fit in an i128 (10^0 ..= 10^38).
const POW10: [i128; 39] = {
    let mut table = [1i128; 39];
    let mut i = 1;
    while i < 39 {
        table[i] = table[i - 1] * 10;
        i += 1;
    }
    table
};

/// 10^exponent as an i128, when it fits.
pub(crate) fn pow10(exponent: u32) -> Option<i128> {
    POW10.get(exponent as usize).copied()
}

fn mul_div_round_integer(a: Decimal, b: Decimal, c: Decimal, places: u32) -> Option<Decimal> {
    // a × b / c × 10^places = (ma × mb × 10^(sc + places)) / (mc × 10^(sa + sb))
    let up = c.scale() + places;
    let down = a.scale() + b.scale();
    let mut numerator = a.mantissa().checked_mul(b.mantissa())?;
    let mut denominator = c.mantissa();
    if up >= down {
        numerator = numerator.checked_mul(pow10(up - down)?)?;
    } else {
        denominator = denominator.checked_mul(pow10(down - up)?)?;
    }
    let negative = (numerator < 0) != (denominator < 0);
    let (n, d) = (numerator.unsigned_abs(), denominator.unsigned_abs());
    // 64-bit division when both fit: several times faster than the 128-bit routine.
    let (mut quotient, remainder) = match (u64::try_from(n), u64::try_from(d)) {
        (Ok(n), Ok(d)) => (u128::from(n / d), u128::from(n % d)),
        _ => (n / d, n % d),
    };
    // Half or more of the divisor left over: one more unit away from zero (remainder < d ≤ 2^127).
    if remainder * 2 >= d {
        quotient += 1;
    }
    let magnitude = i128::try_from(quotient).ok()?;
    Decimal::try_from_i128_with_scale(if negative { -magnitude } else { magnitude }, places).ok()
}

/// `value > limit` for a non-negative `limit` with scale 0, on the mantissa when it can.
pub(crate) fn exceeds(value: Decimal, limit_units: i128) -> bool {
    // |value| is at most its mantissa (the scale only divides): the usual amount stops here.
    if value.mantissa().unsigned_abs() <= limit_units.unsigned_abs() {
        return false;
    }
    match limit_units.checked_mul(pow10(value.scale()).unwrap_or(i128::MAX)) {
        Some(scaled_limit) if pow10(value.scale()).is_some() => value.mantissa() > scaled_limit,
        _ => value > Decimal::from_i128_with_scale(limit_units, 0),
    }
}

/// Serde for amounts in the contract's JSON: written as exact JSON numbers without trailing zeros
/// (`8060`, `80.6`, `36.76`; the crate's default would write strings), read from JSON numbers
/// exactly (no float on the way). Use as `#[serde(with = "crate::engine::money::json_number")]`.
/// The text is written on the stack ([`DecimalText`](super::number_text::DecimalText)).
pub mod json_number {
    use super::super::number_text::DecimalText;
    use rust_decimal::Decimal;
    use serde::Serialize;

    pub fn serialize<S: serde::Serializer>(
        value: &Decimal,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        DecimalText::new(*value).serialize(serializer)
    }

    pub fn deserialize<'de, D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Decimal, D::Error> {
        rust_decimal::serde::arbitrary_precision::deserialize(deserializer)
    }
}

/// [`json_number`] for optional amounts (`null` when `None`).
pub mod json_number_option {
    use super::super::number_text::DecimalText;
    use rust_decimal::Decimal;
    use serde::Serialize;

    pub fn serialize<S: serde::Serializer>(
        value: &Option<Decimal>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(value) => DecimalText::new(*value).serialize(serializer),
            None => serializer.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Decimal>, D::Error> {
        rust_decimal::serde::arbitrary_precision_option::deserialize(deserializer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    /// `exceeds` is `value > limit`, at every scale and sign, at and around the limit.
    #[test]
    fn exceeds_is_a_comparison() {
        for limit in [0i128, 1, 1_000_000_000, 1_000_000_000_000] {
            let l = Decimal::from_i128_with_scale(limit, 0);
            for scale in 0..=28u32 {
                for delta in [-2i128, -1, 0, 1, 2] {
                    let Some(m) = limit
                        .checked_mul(10i128.pow(scale.min(20)))
                        .and_then(|m| m.checked_add(delta))
                        .filter(|m| m.unsigned_abs() < 1u128 << 96)
                    else {
                        continue;
                    };
                    for sign in [1i128, -1] {
                        let value = Decimal::from_i128_with_scale(sign * m, scale);
                        assert_eq!(exceeds(value, limit), value > l, "{value} vs {limit}");
                    }
                }
            }
        }
        assert!(exceeds(Decimal::MAX, 1_000_000_000_000));
        assert!(!exceeds(Decimal::MIN, 0));
    }

    #[test]
    fn constants_are_what_they_say() {
        assert_eq!(MAX_MONEY, d("1000000000000"));
        assert_eq!(KOPECK, d("0.01"));
    }

    #[test]
    fn rounding_is_half_away_from_zero() {
        assert_eq!(round_money(d("0.005")), d("0.01"));
        assert_eq!(round_money(d("0.0049999")), d("0.00"));
        assert_eq!(round_money(d("-0.005")), d("-0.01"));
        assert_eq!(round_money(d("2.675")), d("2.68"));
        assert_eq!(round_money(d("36.7647")), d("36.76"));
        assert_eq!(round_bonus(d("29.6324")), d("29.63"));
        assert_eq!(round_bonus(d("20.155")), d("20.16"));
        assert_eq!(round_quantity(d("1.0005")), d("1.001"));
        assert_eq!(round_quantity(d("-1.0005")), d("-1.001"));
        assert_eq!(round_money(Decimal::MAX), Decimal::MAX);
    }

    #[test]
    fn percent_of_is_exact_and_never_panics() {
        assert_eq!(percent_of(d("3000"), d("10")), d("300"));
        assert_eq!(percent_of(d("2963.24"), d("1")), d("29.6324"));
        assert_eq!(percent_of(d("0.01"), d("50")), d("0.005"));
        assert!(percent_of(Decimal::MAX, Decimal::MAX) > Decimal::ZERO);
        assert!(percent_of(Decimal::MIN, Decimal::MAX) < Decimal::ZERO);
        assert!(percent_of(Decimal::MAX, d("100")) > d("79000000000000000000000000000"));
    }

    #[test]
    fn mul_div_round_matches_decimal_arithmetic() {
        let cases = [
            ("100", "3000", "8160"),
            ("100", "2040", "8160"),
            ("0.06", "1", "12"),
            ("-0.06", "1", "12"),
            ("0.06", "-1", "12"),
            ("2963.24", "1", "100"),
            ("36.76", "100", "3000"),
            ("1", "1", "3"),
            ("0.01", "0.5", "1"),
            ("999999999999.99", "99999.999", "0.000001"),
        ];
        for (a, b, c) in cases {
            let (a, b, c) = (d(a), d(b), d(c));
            let expected = round_money(a * b / c);
            assert_eq!(mul_div_round(a, b, c, 2), Some(expected), "{a} × {b} / {c}");
        }
        assert_eq!(mul_div_round(d("1"), d("1"), d("0"), 2), None);
        // Beyond i128: the Decimal fallback.
        assert_eq!(
            mul_div_round(Decimal::MAX, d("1"), Decimal::MAX, 2),
            Some(d("1"))
        );
        assert!(mul_div_round(Decimal::MAX, Decimal::MAX, d("0.5"), 2).is_none());
    }

    #[test]
    fn floor_ceil_and_decimals() {
        assert_eq!(floor_money(d("49.995")), d("49.99"));
        assert_eq!(ceil_money(d("49.991")), d("50.00"));
        assert!(has_at_most_decimals(d("3000.00"), 0));
        assert!(has_at_most_decimals(d("36.760"), 2));
        assert!(!has_at_most_decimals(d("36.761"), 2));
    }
}
