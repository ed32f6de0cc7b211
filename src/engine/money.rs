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

/// Serde for amounts in the contract's JSON: written as exact JSON numbers without trailing zeros
/// (`8060`, `80.6`, `36.76`; the crate's default would write strings), read from JSON numbers
/// exactly (no float on the way). Use as `#[serde(with = "crate::engine::money::json_number")]`.
pub mod json_number {
    use rust_decimal::Decimal;

    pub fn serialize<S: serde::Serializer>(
        value: &Decimal,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        rust_decimal::serde::arbitrary_precision::serialize(&value.normalize(), serializer)
    }

    pub fn deserialize<'de, D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Decimal, D::Error> {
        rust_decimal::serde::arbitrary_precision::deserialize(deserializer)
    }
}

/// [`json_number`] for optional amounts (`null` when `None`).
pub mod json_number_option {
    use rust_decimal::Decimal;

    pub fn serialize<S: serde::Serializer>(
        value: &Option<Decimal>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        rust_decimal::serde::arbitrary_precision_option::serialize(
            &value.map(|v| v.normalize()),
            serializer,
        )
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
    fn floor_ceil_and_decimals() {
        assert_eq!(floor_money(d("49.995")), d("49.99"));
        assert_eq!(ceil_money(d("49.991")), d("50.00"));
        assert!(has_at_most_decimals(d("3000.00"), 0));
        assert!(has_at_most_decimals(d("36.760"), 2));
        assert!(!has_at_most_decimals(d("36.761"), 2));
    }
}
