//! Money and quantities from 1C: one type, one limit.

use super::bad;
use crate::engine::money::{exceeds, has_at_most_decimals, MAX_MONEY};
use crate::error::Result;
use crate::messages::{self, Msg};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

/// A money or bonus amount from 1C, checked once: 0 to 10^12, at most 2 decimals. Held
/// normalized (`100`, `80.6`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Money(Decimal);

/// [`MAX_MONEY`] in whole roubles, for the mantissa comparison.
const MAX_MONEY_UNITS: i128 = 1_000_000_000_000;

/// The largest quantity of a line (10^9).
pub const MAX_QUANTITY: Decimal = Decimal::from_parts(1_000_000_000, 0, 0, false, 0);

impl Money {
    /// The largest amount: 10^12.
    pub const MAX: Decimal = MAX_MONEY;

    /// Checks an amount the caller passed in `field`.
    pub fn new(value: Decimal, field: &str) -> Result<Money> {
        match Money::fault(value) {
            None => Ok(Money(if value.scale() > 2 {
                value.normalize()
            } else {
                value.abs()
            })),
            Some(what) => Err(bad(field, what)),
        }
    }

    /// What is wrong with an amount (Russian, English), if anything: the rule itself, for callers
    /// that name the place their own way (an Order's `lines[2].sum`).
    pub fn fault(value: Decimal) -> Option<Msg> {
        if value.is_sign_negative() && !value.is_zero() {
            return Some(messages::contract::amount_negative(value));
        }
        // Cheap check first: 1C amounts almost always arrive with a scale of at most 2.
        if value.scale() > 2 && !has_at_most_decimals(value, 2) {
            return Some(messages::contract::amount_decimals(value));
        }
        if exceeds(value, MAX_MONEY_UNITS) {
            return Some(messages::contract::amount_over_limit(value, MAX_MONEY));
        }
        None
    }

    pub fn value(self) -> Decimal {
        self.0
    }

    /// The amount in kopecks (exact: at most 2 decimals, at most 10^14 kopecks).
    pub fn kopecks(self) -> i64 {
        (self.0 * Decimal::ONE_HUNDRED).to_i64().unwrap_or(i64::MAX)
    }
}

impl From<Money> for Decimal {
    fn from(m: Money) -> Decimal {
        m.0
    }
}

/// A quantity: above zero, at most 10^9, at most 3 decimals.
pub fn quantity(value: Decimal, field: &str) -> Result<Decimal> {
    match quantity_fault(value) {
        None => Ok(value),
        Some(what) => Err(bad(field, what)),
    }
}

/// What is wrong with a quantity (Russian, English), if anything.
pub fn quantity_fault(value: Decimal) -> Option<Msg> {
    if value.is_sign_negative() || value.is_zero() {
        return Some(messages::contract::quantity_not_positive(value));
    }
    if exceeds(value, 1_000_000_000) || (value.scale() > 3 && !has_at_most_decimals(value, 3)) {
        return Some(messages::contract::quantity_out_of_range(value));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn one_limit_two_decimals_not_negative() {
        assert_eq!(Money::new(d("36.760"), "x").unwrap().value(), d("36.76"));
        assert_eq!(Money::new(d("-0"), "x").unwrap().value(), d("0"));
        assert_eq!(
            Money::new(d("1000000000000"), "x").unwrap().kopecks(),
            100_000_000_000_000
        );
        assert!(Money::new(d("1000000000000.01"), "x").is_err());
        assert!(Money::new(d("-0.01"), "x").is_err());
        assert!(Money::new(d("0.001"), "x").is_err());
        assert_eq!(Money::new(d("12.34"), "x").unwrap().kopecks(), 1234);
    }

    #[test]
    fn quantities() {
        assert!(quantity(d("0.001"), "q").is_ok());
        assert!(quantity(d("1.5000"), "q").is_ok());
        assert!(quantity(d("0"), "q").is_err());
        assert!(quantity(d("0.0001"), "q").is_err());
        assert!(quantity(d("1000000001"), "q").is_err());
        assert_eq!(MAX_QUANTITY, d("1000000000"));
    }
}
