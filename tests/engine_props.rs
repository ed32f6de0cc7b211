//! Property tests: the distribution equals plain reference implementations written here
//! (straightforward loops, no shortcuts), and every invariant of the contract's Calculation holds
//! for random orders of 1 to 10 000 lines with random policies.
use bonusplus_1c::engine::money::round_money;
use bonusplus_1c::engine::{
    calculate, distribute_proportionally, distribute_with_caps, fit_to_total, Account, BonusPolicy,
    Calculation, Order, OrderLine,
};
use proptest::prelude::*;
use rust_decimal::{Decimal, RoundingStrategy};

fn kop(k: i64) -> Decimal {
    Decimal::new(k, 2)
}
fn cent() -> Decimal {
    kop(1)
}

// ---------------------------------------------------------------- reference implementations

/// The 1C library routine, literally: shares Окр(total × w / Σw, 2), residue to the first largest.
fn reference_proportional(total: Decimal, weights: &[Decimal]) -> Vec<Decimal> {
    let total = round_money(total);
    let weights: Vec<Decimal> = weights
        .iter()
        .map(|w| {
            if *w < Decimal::ZERO {
                Decimal::ZERO
            } else {
                *w
            }
        })
        .collect();
    let mut shares = vec![Decimal::ZERO; weights.len()];
    if weights.is_empty() || total.is_zero() {
        return shares;
    }
    let sum: Decimal = weights.iter().copied().sum();
    if sum.is_zero() {
        shares[0] = total;
        return shares;
    }
    let mut largest = 0;
    for i in 0..weights.len() {
        shares[i] = round_money(total * weights[i] / sum);
        if weights[i] > weights[largest] {
            largest = i;
        }
    }
    let distributed: Decimal = shares.iter().copied().sum();
    shares[largest] += total - distributed;
    shares
}

/// Moves `difference` kopeck by kopeck, one per line per round, in `priority` order.
fn reference_settle(shares: &mut [Decimal], caps: &[Decimal], priority: &[usize], target: Decimal) {
    let mut difference = target - shares.iter().copied().sum::<Decimal>();
    while !difference.is_zero() {
        let mut moved = false;
        for &i in priority {
            if difference > Decimal::ZERO && shares[i] < caps[i] {
                shares[i] += cent();
                difference -= cent();
                moved = true;
            } else if difference < Decimal::ZERO && shares[i] > Decimal::ZERO {
                shares[i] -= cent();
                difference += cent();
                moved = true;
            }
            if difference.is_zero() {
                break;
            }
        }
        assert!(moved, "reference could not settle");
    }
}

/// Caps by repeated rounds: bind every free line whose exact share exceeds its cap, spread the
/// rest again; then the 1C routine over the free lines; clamp and settle if a share left 0..=cap.
fn reference_with_caps(total: Decimal, weights: &[Decimal], caps: &[Decimal]) -> Vec<Decimal> {
    let n = weights.len();
    let weights: Vec<Decimal> = weights.iter().map(|w| (*w).max(Decimal::ZERO)).collect();
    let caps: Vec<Decimal> = (0..n)
        .map(|i| {
            let cap = caps[i]
                .max(Decimal::ZERO)
                .round_dp_with_strategy(2, RoundingStrategy::ToZero);
            if weights[i].is_zero() {
                Decimal::ZERO
            } else {
                cap
            }
        })
        .collect();
    let eligible: Vec<bool> = (0..n).map(|i| !caps[i].is_zero()).collect();
    let room: Decimal = caps.iter().copied().sum();
    let target = round_money(total).min(room);
    let mut shares = vec![Decimal::ZERO; n];
    if target <= Decimal::ZERO {
        return shares;
    }
    let mut free = eligible.clone();
    let mut left = target;
    loop {
        let free_weight: Decimal = (0..n).filter(|&i| free[i]).map(|i| weights[i]).sum();
        let binding: Vec<usize> = (0..n)
            .filter(|&i| free[i] && left * weights[i] > caps[i] * free_weight)
            .collect();
        if binding.is_empty() {
            break;
        }
        for i in binding {
            shares[i] = caps[i];
            left -= caps[i];
            free[i] = false;
        }
    }
    let free_weights: Vec<Decimal> = (0..n)
        .map(|i| if free[i] { weights[i] } else { Decimal::ZERO })
        .collect();
    if free_weights.iter().any(|w| !w.is_zero()) {
        let spread = reference_proportional(left, &free_weights);
        for i in 0..n {
            if free[i] {
                shares[i] = spread[i];
            }
        }
    }
    if (0..n).any(|i| shares[i] < Decimal::ZERO || shares[i] > caps[i]) {
        for i in 0..n {
            shares[i] = shares[i].max(Decimal::ZERO).min(caps[i]);
        }
        let mut priority: Vec<usize> = (0..n).filter(|&i| eligible[i]).collect();
        priority.sort_by(|&a, &b| weights[b].cmp(&weights[a]));
        reference_settle(&mut shares, &caps, &priority, target);
    }
    shares
}

fn reference_fit(values: &[Decimal], total: Decimal, caps: &[Decimal]) -> Vec<Decimal> {
    let caps: Vec<Decimal> = caps
        .iter()
        .map(|c| {
            (*c).max(Decimal::ZERO)
                .round_dp_with_strategy(2, RoundingStrategy::ToZero)
        })
        .collect();
    let mut shares: Vec<Decimal> = values
        .iter()
        .zip(&caps)
        .map(|(v, c)| round_money(*v).max(Decimal::ZERO).min(*c))
        .collect();
    let target = round_money(total)
        .max(Decimal::ZERO)
        .min(caps.iter().copied().sum());
    let mut priority: Vec<usize> = (0..values.len()).collect();
    priority.sort_by(|&a, &b| values[b].cmp(&values[a]));
    reference_settle(&mut shares, &caps, &priority, target);
    shares
}

// ---------------------------------------------------------------- strategies

/// Kopeck amounts biased towards the edges: 0, 0.01, small, large.
fn amount() -> impl Strategy<Value = Decimal> {
    prop_oneof![
        2 => Just(Decimal::ZERO),
        2 => Just(cent()),
        4 => (1i64..=500).prop_map(kop),
        4 => (1i64..=100_000_000).prop_map(kop),
    ]
}

fn weights_and_caps(max_lines: usize) -> impl Strategy<Value = (Vec<Decimal>, Vec<Decimal>)> {
    (1..=max_lines).prop_flat_map(|n| {
        (
            prop::collection::vec(amount(), n),
            prop::collection::vec(amount(), n),
        )
    })
}

// ---------------------------------------------------------------- distribution properties

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn proportional_equals_the_reference(weights in prop::collection::vec(amount(), 1..40), total in amount()) {
        let shares = distribute_proportionally(total, &weights);
        prop_assert_eq!(shares.iter().copied().sum::<Decimal>(), total);
        prop_assert_eq!(shares, reference_proportional(total, &weights));
    }

    #[test]
    fn caps_equal_the_reference_and_hold((weights, caps) in weights_and_caps(40), total in amount()) {
        let shares = distribute_with_caps(total, &weights, &caps);
        let room: Decimal = (0..weights.len()).filter(|&i| !weights[i].is_zero()).map(|i| caps[i]).sum();
        prop_assert_eq!(shares.iter().copied().sum::<Decimal>(), total.min(room));
        for i in 0..shares.len() {
            prop_assert!(shares[i] >= Decimal::ZERO && shares[i] <= caps[i], "line {} {} cap {}", i, shares[i], caps[i]);
            if weights[i].is_zero() {
                prop_assert!(shares[i].is_zero());
            }
        }
        prop_assert_eq!(shares, reference_with_caps(total, &weights, &caps));
    }

    /// Few kopecks over many lines: the 1C routine's residue goes negative; caps still hold.
    #[test]
    fn tiny_totals_over_many_lines((weights, caps) in (5usize..60).prop_flat_map(|n| (
            prop::collection::vec((1i64..=5).prop_map(kop), n),
            prop::collection::vec((0i64..=3).prop_map(kop), n))),
        kopecks in 1i64..40) {
        let total = kop(kopecks);
        let shares = distribute_with_caps(total, &weights, &caps);
        prop_assert_eq!(&shares, &reference_with_caps(total, &weights, &caps));
        prop_assert!(shares.iter().zip(&caps).all(|(s, c)| *s >= Decimal::ZERO && s <= c));
    }

    /// Binding chains: caps proportional-ish to weights with a few much smaller.
    #[test]
    fn binding_cascades((weights, caps) in (2usize..30).prop_flat_map(|n| (
            prop::collection::vec((1i64..=100_000).prop_map(kop), n),
            prop::collection::vec((1i64..=20_000).prop_map(kop), n))),
        total_share in 1u32..=100) {
        let room: Decimal = caps.iter().copied().sum();
        let total = round_money(room * Decimal::from(total_share) / Decimal::ONE_HUNDRED);
        let shares = distribute_with_caps(total, &weights, &caps);
        prop_assert_eq!(shares.iter().copied().sum::<Decimal>(), total);
        prop_assert_eq!(shares, reference_with_caps(total, &weights, &caps));
    }

    #[test]
    fn fit_equals_the_reference(values in prop::collection::vec((-100_000i64..=3_000_000).prop_map(|v| Decimal::new(v, 4)), 1..30),
                                caps in prop::collection::vec(amount(), 30),
                                total in amount()) {
        let caps = &caps[..values.len()];
        let total = total.min(kop(100_000)); // keeps the kopeck-by-kopeck reference quick
        let shares = fit_to_total(&values, total, caps);
        let room: Decimal = caps.iter().copied().sum();
        prop_assert_eq!(shares.iter().copied().sum::<Decimal>(), total.min(room));
        prop_assert!(shares.iter().zip(caps).all(|(s, c)| *s >= Decimal::ZERO && s <= c && s.scale() <= 2));
        prop_assert_eq!(shares, reference_fit(&values, total, caps));
    }
}

// ---------------------------------------------------------------- calculation invariants

#[derive(Debug, Clone)]
struct Case {
    order: Order,
    account: Account,
    policy: BonusPolicy,
}

const PRODUCTS: [&str; 5] = ["A", "B", "C", "D", "E"];

fn rate() -> impl Strategy<Value = Decimal> {
    prop_oneof![
        4 => Just(Decimal::ONE),
        1 => Just(Decimal::new(5, 1)),
        1 => Just(Decimal::new(3, 1)),
        1 => Just(Decimal::new(2, 0)),
        1 => Just(Decimal::new(10, 0)),
        1 => Just(Decimal::new(1, 2)),
        1 => Just(Decimal::new(37, 1)),
    ]
}

fn percent() -> impl Strategy<Value = Decimal> {
    prop_oneof![2 => Just(Decimal::ZERO), 1 => Just(Decimal::ONE_HUNDRED), 4 => (1i64..=9999).prop_map(kop)]
}

fn product_list() -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec(
        prop::sample::select(&PRODUCTS[..]).prop_map(String::from),
        0..3,
    )
}

/// Whole quantities (1 to 50) and weighed ones (0.001 to 99.999, some of them whole).
fn quantity() -> impl Strategy<Value = Decimal> {
    prop_oneof![
        (1i64..=50).prop_map(Decimal::from),
        (1i64..=99_999).prop_map(|m| Decimal::new(m, 3)),
    ]
}

fn case(lines: std::ops::RangeInclusive<usize>) -> impl Strategy<Value = Case> {
    let line = (amount(), prop::sample::select(&PRODUCTS[..]), quantity());
    let order = (
        prop::collection::vec(line, lines),
        any::<bool>(),
        prop::option::of(amount()),
    );
    let policy = (
        percent(),
        product_list(),
        any::<bool>(),
        rate(),
        prop::option::of(percent()),
        product_list(),
        percent(),
    );
    let account = (amount(), prop::option::of(percent()));
    (order, policy, account).prop_map(
        |(
            (lines, use_bonuses, bonus_debit),
            (accrual, accrual_excluded, switch, rate, max_payment, payment_excluded, discount),
            (bonuses, card_discount),
        )| Case {
            order: Order {
                document_id: "D".into(),
                phone: "79001112233".into(),
                card_number: String::new(),
                organization: String::new(),
                use_bonuses,
                bonus_debit,
                date: None,
                coupons: Vec::new(),
                reserve_id: None,
                gift_cards: Vec::new(),
                lines: lines
                    .into_iter()
                    .enumerate()
                    .map(|(i, (sum, product, quantity))| OrderLine {
                        line_no: i as u32 + 1,
                        product: product.into(),
                        category: Default::default(),
                        name: Default::default(),
                        quantity,
                        price: sum,
                        sum,
                        discount_sum: Decimal::ZERO,
                    })
                    .collect(),
            },
            account: Account {
                phone: "79001112233".into(),
                available_bonuses: bonuses * Decimal::from(50),
                discount_percent: card_discount,
            },
            policy: BonusPolicy {
                accrual_percent: accrual,
                accrual_excluded,
                no_accrual_when_paid_with_bonuses: switch,
                rate,
                max_payment_percent: max_payment,
                payment_excluded,
                discount_percent: discount,
                ..BonusPolicy::default()
            },
        },
    )
}

fn check_invariants(case: &Case, calc: &Calculation) -> Result<(), TestCaseError> {
    let (order, policy) = (&case.order, &case.policy);
    let zero = Decimal::ZERO;
    let sum_of = |f: fn(&bonusplus_1c::engine::CalculationLine) -> Decimal| {
        calc.lines.iter().map(f).sum::<Decimal>()
    };
    prop_assert_eq!(calc.document_sum, order.document_sum());
    prop_assert_eq!(sum_of(|l| l.discount_sum), calc.total_discount);
    prop_assert_eq!(
        calc.total_discount,
        calc.percent_discount_sum + calc.bonus_debit_sum
    );
    prop_assert_eq!(sum_of(|l| l.bonus_debit_sum), calc.bonus_debit_sum);
    prop_assert_eq!(
        sum_of(|l| l.percent_discount_sum),
        calc.percent_discount_sum
    );
    prop_assert_eq!(calc.to_pay, calc.document_sum - calc.total_discount);
    prop_assert_eq!(sum_of(|l| l.sum_after), calc.to_pay);
    prop_assert_eq!(sum_of(|l| l.bonus_accrual), calc.bonus_accrual);

    // Percent discount: the total rounded once, spread like the 1C routine.
    let percent = case
        .account
        .discount_percent
        .unwrap_or(policy.discount_percent);
    prop_assert_eq!(
        calc.percent_discount_sum,
        round_money(calc.document_sum * percent / Decimal::ONE_HUNDRED)
    );
    let sums: Vec<Decimal> = order.lines.iter().map(|l| l.sum).collect();
    let percent_lines: Vec<Decimal> = calc.lines.iter().map(|l| l.percent_discount_sum).collect();
    prop_assert_eq!(
        &percent_lines,
        &reference_with_caps(calc.percent_discount_sum, &sums, &sums)
    );

    // Bonuses: rate rule, limits, exclusions, spread like the reference.
    prop_assert_eq!(
        calc.bonus_debit_sum,
        round_money(calc.bonus_debit * policy.rate)
    );
    prop_assert!(calc.bonus_debit <= calc.max_bonus_debit);
    prop_assert!(calc.max_bonus_debit <= case.account.available_bonuses);
    if !order.use_bonuses {
        prop_assert_eq!(calc.bonus_debit, zero);
    }
    if let (true, Some(requested)) = (order.use_bonuses, order.bonus_debit) {
        prop_assert!(calc.bonus_debit <= requested);
    }
    if let Some(max_payment) = policy.max_payment_percent {
        let receipt = calc.document_sum - calc.percent_discount_sum;
        prop_assert!(calc.bonus_debit_sum <= receipt * max_payment / Decimal::ONE_HUNDRED);
    }
    let caps: Vec<Decimal> = order
        .lines
        .iter()
        .zip(&percent_lines)
        .map(|(l, p)| {
            if policy.payment_excluded.iter().any(|p| *p == l.product) {
                zero
            } else {
                l.sum - p
            }
        })
        .collect();
    let bonus_lines: Vec<Decimal> = calc.lines.iter().map(|l| l.bonus_debit_sum).collect();
    prop_assert_eq!(
        &bonus_lines,
        &reference_with_caps(calc.bonus_debit_sum, &sums, &caps)
    );

    for ((line, out), cap) in order.lines.iter().zip(&calc.lines).zip(&caps) {
        prop_assert_eq!(out.line_no, line.line_no);
        prop_assert_eq!(out.sum, line.sum);
        prop_assert!(out.bonus_debit_sum >= zero && out.bonus_debit_sum <= *cap);
        prop_assert!(out.percent_discount_sum >= zero);
        prop_assert_eq!(
            out.discount_sum,
            out.percent_discount_sum + out.bonus_debit_sum
        );
        prop_assert_eq!(out.sum_after, out.sum - out.discount_sum);
        prop_assert!(out.sum_after >= zero);
        let expected_percent = if out.sum.is_zero() {
            zero
        } else {
            round_money(out.discount_sum / out.sum * Decimal::ONE_HUNDRED)
        };
        prop_assert_eq!(out.discount_percent, expected_percent);
        check_fiscal_lines(line.quantity, out)?;
        let excluded = policy.no_accrual_when_paid_with_bonuses
            && policy.accrual_excluded.iter().any(|p| *p == line.product)
            && !out.bonus_debit_sum.is_zero();
        let expected_accrual = if excluded {
            zero
        } else {
            round_money(out.sum_after * policy.accrual_percent / Decimal::ONE_HUNDRED / policy.rate)
        };
        prop_assert_eq!(out.bonus_accrual, expected_accrual);
        for value in [
            out.percent_discount_sum,
            out.bonus_debit_sum,
            out.sum_after,
            out.bonus_accrual,
            out.discount_percent,
        ] {
            prop_assert!(value.normalize().scale() <= 2);
        }
    }
    Ok(())
}

/// The receipt's groups of a line: one or two, adding up to the line's quantity and `sumAfter`;
/// for a whole quantity each group's price × quantity is its sum exactly and two groups differ
/// by one kopeck in price (the fewest units at the higher price); for a weighed quantity one
/// group priced `sumAfter / quantity` rounded half away from zero.
fn check_fiscal_lines(
    quantity: Decimal,
    out: &bonusplus_1c::engine::CalculationLine,
) -> Result<(), TestCaseError> {
    let groups = out.fiscal_lines.groups();
    prop_assert!(matches!(groups.len(), 1 | 2), "{:?}", groups);
    prop_assert_eq!(groups.iter().map(|g| g.quantity).sum::<Decimal>(), quantity);
    prop_assert_eq!(groups.iter().map(|g| g.sum).sum::<Decimal>(), out.sum_after);
    for g in &groups {
        prop_assert!(g.price >= Decimal::ZERO && g.price.normalize().scale() <= 2);
        prop_assert!(g.sum >= Decimal::ZERO && g.sum.normalize().scale() <= 2);
        prop_assert!(g.quantity > Decimal::ZERO);
    }
    if quantity.fract().is_zero() {
        for g in &groups {
            prop_assert!(g.quantity.fract().is_zero());
            prop_assert_eq!(g.price * g.quantity, g.sum);
        }
        if let [high, low] = groups.as_slice() {
            prop_assert_eq!(high.price - low.price, cent());
            prop_assert!(high.quantity < quantity);
        }
    } else {
        prop_assert_eq!(groups.len(), 1);
        prop_assert_eq!(
            groups[0].price,
            (out.sum_after / quantity)
                .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]
    #[test]
    fn invariants_small_orders(case in case(1..=12)) {
        let calc = calculate(&case.order, &case.account, &case.policy).unwrap();
        check_invariants(&case, &calc)?;
        // And the JSON output reads back to the same numbers.
        let json = serde_json::to_string(&calc).unwrap();
        prop_assert!(!json.contains("\"toPay\":\""));
        prop_assert_eq!(serde_json::from_str::<Calculation>(&json).unwrap(), calc);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]
    #[test]
    fn invariants_medium_orders(case in case(1..=1_000)) {
        let calc = calculate(&case.order, &case.account, &case.policy).unwrap();
        check_invariants(&case, &calc)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2, ..ProptestConfig::default() })]
    #[test]
    fn invariants_ten_thousand_lines(case in case(10_000..=10_000)) {
        let calc = calculate(&case.order, &case.account, &case.policy).unwrap();
        check_invariants(&case, &calc)?;
    }
}

/// The 1C routine's residue would make a line negative (ten lines of 0.05, a 10 % discount of
/// 0.05 in all): the calculation takes the general capped path and every invariant still holds.
#[test]
fn negative_residue_case_in_a_calculation() {
    let lines = (1..=10)
        .map(|i| OrderLine {
            line_no: i,
            product: "A".into(),
            category: Default::default(),
            name: Default::default(),
            quantity: Decimal::ONE,
            price: kop(5),
            sum: kop(5),
            discount_sum: Decimal::ZERO,
        })
        .collect();
    let case = Case {
        order: Order {
            document_id: String::new(),
            phone: "7".into(),
            card_number: String::new(),
            organization: String::new(),
            use_bonuses: true,
            bonus_debit: None,
            date: None,
            coupons: Vec::new(),
            reserve_id: None,
            gift_cards: Vec::new(),
            lines,
        },
        account: Account {
            phone: "7".into(),
            available_bonuses: kop(5),
            discount_percent: Some(Decimal::TEN),
        },
        policy: BonusPolicy::default(),
    };
    let calc = calculate(&case.order, &case.account, &case.policy).unwrap();
    assert_eq!(calc.percent_discount_sum, kop(5));
    assert!(calc
        .lines
        .iter()
        .all(|l| l.percent_discount_sum >= Decimal::ZERO));
    check_invariants(&case, &calc).unwrap();
}
