//! Money, bonus and quantity rounding (half away from zero, as 1C's `Окр`).
use rust_decimal::Decimal;

/// Rounds to kopecks, half away from zero (1C `Окр(x, 2)`).
pub fn round_money(x: Decimal) -> Decimal {
    todo!("engine helper: {x}")
}
/// Rounds a bonus amount to 2 decimals, half away from zero.
pub fn round_bonus(x: Decimal) -> Decimal {
    todo!("engine helper: {x}")
}
/// Rounds a quantity to 3 decimals, half away from zero.
pub fn round_quantity(x: Decimal) -> Decimal {
    todo!("engine helper: {x}")
}
/// `x * percent / 100`, unrounded.
pub fn percent_of(x: Decimal, percent: Decimal) -> Decimal {
    todo!("engine helper: {x} {percent}")
}
