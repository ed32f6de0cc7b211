//! Kopeck-exact distribution of a total over lines.
use rust_decimal::Decimal;

/// Spreads `total` (2 decimals) in proportion to `weights`: each share rounded half away from zero
/// to kopecks, the residue to the line with the largest weight (the first on ties), as the standard
/// 1C library routine. All weights zero: everything goes to the first line… (see module docs).
pub fn distribute_proportionally(total: Decimal, weights: &[Decimal]) -> Vec<Decimal> {
    todo!("engine helper {total} {}", weights.len())
}

/// Like `distribute_proportionally`, but no share exceeds its cap: lines whose cap binds get their
/// cap and the rest is spread again over the others. Requires `total <= Σ caps`.
pub fn distribute_with_caps(total: Decimal, weights: &[Decimal], caps: &[Decimal]) -> Vec<Decimal> {
    todo!("engine helper {total} {} {}", weights.len(), caps.len())
}

/// Fits per-line values from a service (more decimals, or a sum that misses `total`) onto 2-decimal
/// lines that add up to `total` exactly and stay within `0..=caps[i]`.
pub fn fit_to_total(values: &[Decimal], total: Decimal, caps: &[Decimal]) -> Vec<Decimal> {
    todo!("engine helper {total} {} {}", values.len(), caps.len())
}
