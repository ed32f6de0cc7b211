//! Kopeck-exact distribution of a total over lines.
//!
//! * [`distribute_proportionally`] gives the same numbers as the standard 1C library routine
//!   (БСП `РаспределитьСуммуПропорциональноКоэффициентам`): each share is
//!   `Окр(total × weight / Σweights, 2)` (multiplication first, then division, rounded half away
//!   from zero) and the rounding residue goes to the line with the largest weight, the first one
//!   on ties.
//! * [`distribute_with_caps`] adds per-line caps. Which caps bind is decided exactly, without
//!   rounding (water-filling: a line binds when its exact proportional share of what is left,
//!   `left × weight / Σ free weights`, exceeds its cap; bound lines get their cap and the rest is
//!   spread again over the others, until no free line binds). The free lines then get the 1C
//!   routine's numbers. Only when the routine's residue pushes a line below zero or above its cap
//!   (possible with many lines and a few kopecks to spread) are shares clamped and the difference
//!   moved kopeck by kopeck, largest weight first.
//! * [`fit_to_total`] fits a service's per-line answer onto 2-decimal lines.
//!
//! Conventions shared by all three: weights and caps below zero count as zero; a missing cap (caps
//! shorter than weights) is zero; caps are rounded down to kopecks so that no share can exceed
//! the real cap. Nothing here panics on any input; results are exact (Σ = total) for every
//! amount below ~10^20, which the order validation guarantees with a wide margin.
use super::money::{floor_money, mul_div_round, pow10, round_money, KOPECK};
use rust_decimal::Decimal;
use std::cmp::Ordering;

fn non_negative(x: Decimal) -> Decimal {
    if x.is_sign_negative() {
        Decimal::ZERO
    } else {
        x
    }
}

/// Compares `a × b` with `c × d` (all non-negative, `b` and `d` positive), exactly when the
/// products fit (always, for money); integer mantissas first because this runs once per line.
fn compare_products(a: Decimal, b: Decimal, c: Decimal, d: Decimal) -> Ordering {
    // a × b = ma × mb / 10^(sa + sb): bring both sides to the larger scale.
    let (left_scale, right_scale) = (a.scale() + b.scale(), c.scale() + d.scale());
    let integer = || {
        let left = a.mantissa().checked_mul(b.mantissa())?;
        let right = c.mantissa().checked_mul(d.mantissa())?;
        Some(if left_scale >= right_scale {
            left.cmp(&right.checked_mul(pow10(left_scale - right_scale)?)?)
        } else {
            left.checked_mul(pow10(right_scale - left_scale)?)?
                .cmp(&right)
        })
    };
    if let Some(order) = integer() {
        return order;
    }
    match (a.checked_mul(b), c.checked_mul(d)) {
        (Some(left), Some(right)) => left.cmp(&right),
        // Absurd magnitudes: compare a/d with c/b instead.
        _ => match (a.checked_div(d), c.checked_div(b)) {
            (Some(left), Some(right)) => left.cmp(&right),
            _ => Ordering::Equal,
        },
    }
}

/// Σ of the (non-negative) weights; `None` on overflow.
fn weight_sum(weights: &[Decimal]) -> Option<Decimal> {
    weights
        .iter()
        .try_fold(Decimal::ZERO, |sum, w| sum.checked_add(non_negative(*w)))
}

/// Weights clamped at zero, scaled down when their sum would not fit in a `Decimal` (proportions
/// are kept), together with their sum.
fn usable_weights(weights: &[Decimal]) -> (Vec<Decimal>, Decimal) {
    let mut usable: Vec<Decimal> = weights.iter().map(|w| non_negative(*w)).collect();
    let mut divisor = Decimal::from(weights.len());
    loop {
        if let Some(sum) = weight_sum(&usable) {
            return (usable, sum);
        }
        usable = weights.iter().map(|w| non_negative(*w) / divisor).collect();
        divisor = divisor.saturating_mul(Decimal::TWO);
    }
}

/// The 1C routine on non-negative weights whose sum fits: shares rounded half away from zero,
/// the residue to the largest weight. All weights zero: everything to the first line.
/// Also returns the index that took the residue.
fn proportional_shares(
    total: Decimal,
    weights: &[Decimal],
    weight_total: Decimal,
) -> (Vec<Decimal>, usize) {
    let mut shares = vec![Decimal::ZERO; weights.len()];
    if shares.is_empty() || total.is_zero() {
        return (shares, 0);
    }
    if weight_total.is_zero() {
        shares[0] = total;
        return (shares, 0);
    }
    let mut distributed = Decimal::ZERO;
    let mut largest = 0;
    for (i, (share, weight)) in shares.iter_mut().zip(weights).enumerate() {
        if !weight.is_zero() {
            *share = mul_div_round(total, *weight, weight_total, 2).unwrap_or(Decimal::ZERO);
            distributed = distributed.saturating_add(*share);
            if *weight > weights[largest] {
                largest = i;
            }
        }
    }
    let residue = total.saturating_sub(distributed);
    shares[largest] = shares[largest].saturating_add(residue);
    (shares, largest)
}

/// Spreads `total` (2 decimals) in proportion to `weights`: each share rounded half away from zero
/// to kopecks, the residue to the line with the largest weight (the first on ties), as the standard
/// 1C library routine. All weights zero: everything goes to the first line (the 1C routine returns
/// Undefined there; a total must land somewhere). No weights: an empty result. `total` is rounded
/// to kopecks first; weights below zero count as zero. Σ shares = total exactly. A share can come
/// out below zero (or above its own weight) when many lines split a few kopecks — exactly as in
/// 1C; [`distribute_with_caps`] never does that.
pub fn distribute_proportionally(total: Decimal, weights: &[Decimal]) -> Vec<Decimal> {
    let total = round_money(total);
    let (weights, weight_total) = usable_weights(weights);
    proportional_shares(total, &weights, weight_total).0
}

/// Like `distribute_proportionally`, but no share exceeds its cap: lines whose cap binds get their
/// cap and the rest is spread again over the others. Requires `total <= Σ caps`.
///
/// Guarantees for every input: `0 ≤ share ≤ cap` on every line; a line with zero weight or zero cap
/// gets nothing; Σ shares = `total` rounded to kopecks and clamped to `0..=Σ caps` of the lines that
/// can take a share (a larger total is cut to that sum; a negative one gives all zeros).
/// When no cap binds and no share leaves `0..=cap`, the result is exactly the 1C routine's.
/// Runs in O(n) when no cap binds and O(n log n) otherwise.
pub fn distribute_with_caps(total: Decimal, weights: &[Decimal], caps: &[Decimal]) -> Vec<Decimal> {
    let n = weights.len();
    let (weights, _) = usable_weights(weights);
    // One pass: usable caps (whole kopecks; zero where the weight is zero), their sum, and the
    // free weights (lines that can take a share) with their sum.
    let mut usable_caps = Vec::with_capacity(n);
    let mut free_weights = Vec::with_capacity(n);
    let mut room_total = Decimal::ZERO;
    let mut free_weight_total = Decimal::ZERO;
    for (i, weight) in weights.iter().enumerate() {
        let mut cap = non_negative(caps.get(i).copied().unwrap_or_default());
        if cap.scale() > 2 {
            cap = floor_money(cap);
        }
        if weight.is_zero() || cap.is_zero() {
            usable_caps.push(Decimal::ZERO);
            free_weights.push(Decimal::ZERO);
        } else {
            usable_caps.push(cap);
            free_weights.push(*weight);
            room_total = room_total.saturating_add(cap);
            free_weight_total = free_weight_total.saturating_add(*weight); // fits: usable_weights
        }
    }
    let caps = usable_caps;
    let mut shares = vec![Decimal::ZERO; n];
    let target = round_money(total).min(room_total);
    if target <= Decimal::ZERO {
        return shares;
    }

    let mut left = target;
    bind_caps(
        &mut shares,
        &mut free_weights,
        &mut free_weight_total,
        &mut left,
        &caps,
    );

    // The 1C routine over the free lines. Their exact shares are within 0..=cap and the cap is whole
    // kopecks, so every rounded share is too; only the line that took the residue can leave the range.
    let (free_shares, residue_line) = proportional_shares(left, &free_weights, free_weight_total);
    for (i, share) in free_shares.into_iter().enumerate() {
        if !free_weights[i].is_zero() {
            shares[i] = share;
        }
    }
    let residue_share = shares[residue_line];
    if residue_share.is_sign_negative() || residue_share > caps[residue_line] {
        for (share, cap) in shares.iter_mut().zip(&caps) {
            *share = (*share).clamp(Decimal::ZERO, *cap);
        }
        let mut priority: Vec<usize> = (0..n).filter(|&i| !caps[i].is_zero()).collect();
        // Largest weight first, then the earlier line (the sort is stable).
        priority.sort_by(|&a, &b| weights[b].cmp(&weights[a]));
        settle_difference(&mut shares, &caps, &priority, target);
    }
    shares
}

/// Water-filling: moves every free line whose exact proportional share of `left` exceeds its cap
/// to its cap, repeating with what is left until no free line binds. Lines bind in the order of
/// `cap / weight` (the most constrained first), so one sorted walk finds the final set; a
/// confirming sweep afterwards (normally a single O(n) pass) makes the result independent of any
/// rounding in the sort key.
fn bind_caps(
    shares: &mut [Decimal],
    free_weights: &mut [Decimal],
    free_weight_total: &mut Decimal,
    left: &mut Decimal,
    caps: &[Decimal],
) {
    let binds = |i: usize, weights: &[Decimal], left: Decimal, weight_total: Decimal| {
        !weights[i].is_zero()
            && compare_products(left, weights[i], caps[i], weight_total) == Ordering::Greater
    };
    let mut bind =
        |i: usize, weights: &mut [Decimal], weight_total: &mut Decimal, left: &mut Decimal| {
            shares[i] = caps[i];
            *left -= caps[i];
            *weight_total -= weights[i];
            weights[i] = Decimal::ZERO;
        };

    if !(0..free_weights.len()).any(|i| binds(i, free_weights, *left, *free_weight_total)) {
        return; // the common case: nothing binds
    }
    // Binding only raises the level `left / Σ free weights`, so lines bind in ascending
    // `cap / weight` order: walk them in that order until one no longer binds.
    let mut order: Vec<(Decimal, usize)> = (0..free_weights.len())
        .filter(|&i| !free_weights[i].is_zero())
        .map(|i| {
            (
                caps[i]
                    .checked_div(free_weights[i])
                    .unwrap_or(Decimal::ZERO),
                i,
            )
        })
        .collect();
    order.sort_unstable();
    for &(_, i) in &order {
        if free_weight_total.is_zero() || !binds(i, free_weights, *left, *free_weight_total) {
            break;
        }
        bind(i, free_weights, free_weight_total, left);
    }
    // Confirm the fixed point (catches a sort key rounded at 28 digits).
    loop {
        if free_weight_total.is_zero() {
            break;
        }
        let binding: Vec<usize> = (0..free_weights.len())
            .filter(|&i| binds(i, free_weights, *left, *free_weight_total))
            .collect();
        if binding.is_empty() {
            break;
        }
        for i in binding {
            bind(i, free_weights, free_weight_total, left);
        }
    }
}

/// Makes Σ shares equal `target` after clamping: adds kopecks to lines below their cap, or takes
/// kopecks from lines above zero, one kopeck per line per round, in `priority` order.
/// Requires `0 ≤ target ≤ Σ caps` of the lines in `priority`.
fn settle_difference(
    shares: &mut [Decimal],
    caps: &[Decimal],
    priority: &[usize],
    target: Decimal,
) {
    let sum = shares
        .iter()
        .fold(Decimal::ZERO, |s, x| s.saturating_add(*x));
    let difference = target.saturating_sub(sum);
    if difference > Decimal::ZERO {
        let rooms: Vec<Decimal> = priority.iter().map(|&i| caps[i] - shares[i]).collect();
        for (k, extra) in round_robin_kopecks(difference, &rooms)
            .into_iter()
            .enumerate()
        {
            shares[priority[k]] += extra;
        }
    } else if difference < Decimal::ZERO {
        let rooms: Vec<Decimal> = priority.iter().map(|&i| shares[i]).collect();
        for (k, less) in round_robin_kopecks(-difference, &rooms)
            .into_iter()
            .enumerate()
        {
            shares[priority[k]] -= less;
        }
    }
}

/// How many kopecks each of the lines (`rooms` in visiting order, multiples of a kopeck, ≥ 0) gets
/// when `amount` is handed out one kopeck per line per round, skipping full lines, until it is
/// gone. Computed in closed form (O(n log n)) rather than kopeck by kopeck: after L full rounds
/// every line holds min(room, L); the kopecks of the last, partial round go to the first lines,
/// in visiting order, that still have room.
fn round_robin_kopecks(amount: Decimal, rooms: &[Decimal]) -> Vec<Decimal> {
    let room_total = rooms
        .iter()
        .fold(Decimal::ZERO, |s, r| s.saturating_add(*r));
    if amount >= room_total {
        return rooms.to_vec();
    }
    let mut sorted = rooms.to_vec();
    sorted.sort_unstable();
    // Raise the level room by room while the whole raise fits into `amount`.
    let mut level = Decimal::ZERO;
    let mut consumed = Decimal::ZERO;
    let mut next = 0;
    while next < sorted.len() {
        let room = sorted[next];
        if room <= level {
            next += 1;
            continue;
        }
        let lines_with_room = Decimal::from(sorted.len() - next);
        let cost = (room - level).saturating_mul(lines_with_room);
        if consumed.saturating_add(cost) > amount {
            break;
        }
        consumed += cost;
        level = room;
        next += 1;
    }
    if next < sorted.len() {
        let lines_with_room = Decimal::from(sorted.len() - next);
        level += floor_money((amount - consumed) / lines_with_room);
    }
    let mut gives: Vec<Decimal> = rooms.iter().map(|r| (*r).min(level)).collect();
    let mut leftover = amount - gives.iter().copied().sum::<Decimal>();
    // The partial round: one kopeck each to the first lines with room left.
    for (give, room) in gives.iter_mut().zip(rooms) {
        if leftover < KOPECK {
            break;
        }
        if *give < *room {
            *give += KOPECK;
            leftover -= KOPECK;
        }
    }
    gives
}

/// Fits per-line values from a service (more decimals, or a sum that misses `total`) onto 2-decimal
/// lines that add up to `total` exactly and stay within `0..=caps[i]`.
///
/// Each value is rounded half away from zero and clamped to `0..=cap`; the difference to `total`
/// is then added (or taken) one kopeck per line per round, the line with the largest value first
/// (the first one on ties), never crossing a cap or zero. `total` is rounded to kopecks and
/// clamped to `0..=Σ caps` (when the caps cannot hold it, every line ends at its cap).
pub fn fit_to_total(values: &[Decimal], total: Decimal, caps: &[Decimal]) -> Vec<Decimal> {
    let n = values.len();
    let caps: Vec<Decimal> = (0..n)
        .map(|i| floor_money(non_negative(caps.get(i).copied().unwrap_or_default())))
        .collect();
    let mut shares: Vec<Decimal> = values
        .iter()
        .zip(&caps)
        .map(|(v, cap)| round_money(*v).clamp(Decimal::ZERO, *cap))
        .collect();
    let room_total = caps.iter().fold(Decimal::ZERO, |s, c| s.saturating_add(*c));
    let target = round_money(total).clamp(Decimal::ZERO, room_total);
    let mut priority: Vec<usize> = (0..n).collect();
    priority.sort_by(|&a, &b| values[b].cmp(&values[a]));
    settle_difference(&mut shares, &caps, &priority, target);
    shares
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }
    fn ds(v: &[&str]) -> Vec<Decimal> {
        v.iter().map(|s| d(s)).collect()
    }

    #[test]
    fn the_seed_example() {
        let shares = distribute_proportionally(d("100"), &ds(&["3000", "3120", "2040"]));
        assert_eq!(shares, ds(&["36.76", "38.24", "25.00"]));
    }

    #[test]
    fn residue_goes_to_the_first_largest() {
        // 0.01 × 1/3 rounds to 0 everywhere: the kopeck goes to the first of the equal lines.
        assert_eq!(
            distribute_proportionally(d("0.01"), &ds(&["1", "1", "1"])),
            ds(&["0.01", "0", "0"])
        );
        // 1.00 over three equal lines: 0.33 each, the residue 0.01 to the first.
        assert_eq!(
            distribute_proportionally(d("1"), &ds(&["5", "5", "5"])),
            ds(&["0.34", "0.33", "0.33"])
        );
        // Largest weight in the middle.
        assert_eq!(
            distribute_proportionally(d("1"), &ds(&["1", "2", "1"])),
            ds(&["0.25", "0.50", "0.25"])
        );
        assert_eq!(
            distribute_proportionally(d("0.02"), &ds(&["1", "3", "3"])),
            ds(&["0", "0.01", "0.01"])
        );
    }

    #[test]
    fn half_kopecks_round_away_from_zero_with_multiplication_first() {
        // 0.06 × 1 / 12 = 0.005 exactly → 0.01; 0.06 × (1/12) in 28 digits would give 0.00.
        assert_eq!(
            distribute_proportionally(d("0.06"), &ds(&["1", "11"])),
            ds(&["0.01", "0.05"])
        );
    }

    #[test]
    fn degenerate_inputs() {
        assert_eq!(
            distribute_proportionally(d("5"), &[]),
            Vec::<Decimal>::new()
        );
        assert_eq!(
            distribute_proportionally(d("5"), &ds(&["0", "0"])),
            ds(&["5", "0"])
        );
        assert_eq!(
            distribute_proportionally(d("0"), &ds(&["1", "2"])),
            ds(&["0", "0"])
        );
        assert_eq!(
            distribute_proportionally(d("1"), &ds(&["-5", "1"])),
            ds(&["0", "1"])
        );
        assert_eq!(
            distribute_proportionally(d("-1"), &ds(&["1", "1"])),
            ds(&["-0.50", "-0.50"])
        );
        assert_eq!(
            distribute_proportionally(d("0.125"), &ds(&["1"])),
            ds(&["0.13"])
        );
        // The 1C routine can give a negative share when many lines split a few kopecks.
        let many = distribute_proportionally(d("0.05"), &[Decimal::ONE; 10]);
        assert_eq!(many[0], d("-0.04"));
        assert_eq!(many.iter().copied().sum::<Decimal>(), d("0.05"));
    }

    #[test]
    fn absurd_magnitudes_do_not_panic() {
        let huge = vec![Decimal::MAX, Decimal::MAX, Decimal::MAX];
        let shares = distribute_proportionally(Decimal::MAX, &huge);
        assert_eq!(shares.len(), 3);
        let _ = distribute_with_caps(Decimal::MAX, &huge, &huge);
        let _ = distribute_with_caps(Decimal::MIN, &huge, &huge);
        let _ = fit_to_total(&huge, Decimal::MAX, &huge);
        let _ = fit_to_total(&[Decimal::MIN], Decimal::MAX, &[Decimal::MAX]);
    }

    #[test]
    fn caps_bind_and_the_rest_is_spread_again() {
        // 100 over 3000/3120/2040, the first line capped at 10: 90 over 3120/2040.
        let shares = distribute_with_caps(
            d("100"),
            &ds(&["3000", "3120", "2040"]),
            &ds(&["10", "5000", "5000"]),
        );
        assert_eq!(shares, ds(&["10", "54.42", "35.58"]));
        // Binding cascades: after the first binds, the second binds too.
        let shares =
            distribute_with_caps(d("90"), &ds(&["1", "1", "1"]), &ds(&["10", "29", "100"]));
        assert_eq!(shares, ds(&["10", "29", "51"]));
        // The total larger than the caps is cut to Σ caps.
        assert_eq!(
            distribute_with_caps(d("50"), &ds(&["1", "1"]), &ds(&["10", "20"])),
            ds(&["10", "20"])
        );
        // Zero weight or zero cap takes nothing.
        assert_eq!(
            distribute_with_caps(d("5"), &ds(&["0", "1", "1"]), &ds(&["9", "0", "9"])),
            ds(&["0", "0", "5"])
        );
        assert_eq!(
            distribute_with_caps(d("5"), &ds(&["0", "0"]), &ds(&["9", "9"])),
            ds(&["0", "0"])
        );
    }

    #[test]
    fn caps_fix_the_routines_negative_residue() {
        let shares = distribute_with_caps(d("0.05"), &[Decimal::ONE; 10], &[d("100"); 10]);
        assert!(shares.iter().all(|s| *s >= Decimal::ZERO));
        assert_eq!(shares.iter().copied().sum::<Decimal>(), d("0.05"));
        // Clamped to 0/0.01/… then kopecks taken back from the first lines.
        assert_eq!(
            shares,
            ds(&["0", "0", "0", "0", "0", "0.01", "0.01", "0.01", "0.01", "0.01"])
        );
    }

    #[test]
    fn round_robin_closed_form_matches_the_plain_loop() {
        fn plain(amount: Decimal, rooms: &[Decimal]) -> Vec<Decimal> {
            let mut gives = vec![Decimal::ZERO; rooms.len()];
            let mut left = amount;
            while left >= KOPECK && gives.iter().zip(rooms).any(|(g, r)| g < r) {
                for (g, r) in gives.iter_mut().zip(rooms) {
                    if left >= KOPECK && *g < *r {
                        *g += KOPECK;
                        left -= KOPECK;
                    }
                }
            }
            gives
        }
        let rooms = ds(&["0.03", "0", "1.00", "0.03", "0.10", "0.02"]);
        for kopecks in 0..=125 {
            let amount = Decimal::new(kopecks, 2);
            assert_eq!(
                round_robin_kopecks(amount, &rooms),
                plain(amount, &rooms),
                "{amount}"
            );
        }
    }

    #[test]
    fn fit_to_total_examples() {
        // More decimals than kopecks: rounded, then the missing kopeck to the largest value.
        assert_eq!(
            fit_to_total(
                &ds(&["33.333", "33.333", "33.334"]),
                d("100"),
                &ds(&["50", "50", "50"])
            ),
            ds(&["33.33", "33.33", "33.34"])
        );
        // Rounding overshoots by a kopeck: it is taken from the first of the largest values.
        assert_eq!(
            fit_to_total(
                &ds(&["33.335", "33.335", "33.33"]),
                d("100"),
                &ds(&["50", "50", "50"])
            ),
            ds(&["33.33", "33.34", "33.33"])
        );
        // A sum that misses the total by a lot, and caps.
        assert_eq!(
            fit_to_total(&ds(&["0", "0"]), d("1"), &ds(&["0.30", "5"])),
            ds(&["0.30", "0.70"])
        );
        // Negative values and values above their cap are clamped.
        assert_eq!(
            fit_to_total(&ds(&["-3", "12"]), d("10"), &ds(&["5", "10"])),
            ds(&["0", "10"])
        );
        // Σ caps below the total: every line at its cap.
        assert_eq!(
            fit_to_total(&ds(&["1", "1"]), d("10"), &ds(&["2", "3"])),
            ds(&["2", "3"])
        );
        assert_eq!(fit_to_total(&[], d("10"), &[]), Vec::<Decimal>::new());
    }
}
