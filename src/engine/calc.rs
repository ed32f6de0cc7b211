//! The calculation: percent discount, bonus payment within limits, accrual, per-line split.
//!
//! Rules where the contract leaves a choice (all deliberate):
//! * Percent discount: the total is `round_money(documentSum × percent / 100)` and it is spread
//!   over the lines in proportion to their sums with the 1C routine (capped at each line's sum),
//!   so the receipt total is what a cashier computes by hand and Σ lines equals it exactly.
//! * Bonus limit in money: the smallest of the bonus-payable line amounts after the percent
//!   discount (lines in `paymentExcluded` count zero), `maxPaymentPercent` of the receipt after
//!   the percent discount rounded DOWN to kopecks (a limit must never be exceeded), and the
//!   balance.
//! * Rate: the money value of `b` bonuses is `round_money(b × rate)` — the contract's
//!   `bonusDebitSum = bonusDebit × rate` to the kopeck. The most bonuses that fit a money limit
//!   are `floor_2(limit / rate)` (capped by the balance); the money is their value; then
//!   `bonusDebit` is derived back from that money, `round_bonus(money / rate)`, nudged by a kopeck
//!   if needed so that its value is exactly the money (with rate 1 nothing changes; with rate 0.3,
//!   10 roubles are 33.33 bonuses). A requested `bonusDebit` goes through the same rule (with a
//!   message if that changes it) and is capped at `maxBonusDebit` with a message.
//! * `maxBonusDebit` is reported even with `useBonuses:false` (what could have been spent).
//! * Accrual: `round_bonus(sumAfter × accrualPercent / 100 / rate)` per line; the total is the
//!   sum of the lines. The accrual exclusion list acts only while `noAccrualWhenPaidWithBonuses`
//!   is on, and then only on lines that got a bonus share.
use super::distribute::distribute_with_caps;
use super::fiscal::{fiscal_lines_kopecks, FiscalLines};
use super::money::{
    floor_money, mul_div_round, percent_of, pow10, round_bonus, round_money, KOPECK,
};
use super::order::{Order, ValidOrder};
use super::policy::BonusPolicy;
use crate::error::Error;
use crate::i18n::Lang;
use crate::messages;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// What the engine needs to know about the customer.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Account {
    pub phone: String,
    /// Spendable bonuses now (already net of reserves held by other documents).
    pub available_bonuses: Decimal,
    /// The card's own percent discount; `None` = the policy's `discountPercent`.
    pub discount_percent: Option<Decimal>,
}

/// The contract's Calculation (output of Calculate). Invariants: see the contract.
/// Amounts serialize as JSON numbers without trailing zeros (`8060`, `80.6`, `36.76`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Calculation {
    pub document_id: String,
    pub phone: String,
    #[serde(with = "crate::engine::money::json_number")]
    pub document_sum: Decimal,
    #[serde(with = "crate::engine::money::json_number")]
    pub discount_percent: Decimal,
    #[serde(with = "crate::engine::money::json_number")]
    pub percent_discount_sum: Decimal,
    #[serde(with = "crate::engine::money::json_number")]
    pub available_bonuses: Decimal,
    #[serde(with = "crate::engine::money::json_number")]
    pub max_bonus_debit: Decimal,
    #[serde(with = "crate::engine::money::json_number")]
    pub bonus_debit: Decimal,
    #[serde(with = "crate::engine::money::json_number")]
    pub bonus_debit_sum: Decimal,
    #[serde(with = "crate::engine::money::json_number")]
    pub total_discount: Decimal,
    #[serde(with = "crate::engine::money::json_number")]
    pub to_pay: Decimal,
    #[serde(with = "crate::engine::money::json_number")]
    pub bonus_accrual: Decimal,
    pub messages: Vec<String>,
    pub lines: Vec<CalculationLine>,
    /// Made while the loyalty service could not be reached: no discount, no debit, accrual later.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub offline: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CalculationLine {
    pub line_no: u32,
    #[serde(with = "crate::engine::money::json_number")]
    pub sum: Decimal,
    #[serde(with = "crate::engine::money::json_number")]
    pub percent_discount_sum: Decimal,
    #[serde(with = "crate::engine::money::json_number")]
    pub bonus_debit_sum: Decimal,
    #[serde(with = "crate::engine::money::json_number")]
    pub discount_sum: Decimal,
    #[serde(with = "crate::engine::money::json_number")]
    pub discount_percent: Decimal,
    #[serde(with = "crate::engine::money::json_number")]
    pub sum_after: Decimal,
    #[serde(with = "crate::engine::money::json_number")]
    pub bonus_accrual: Decimal,
    /// The line as a fiscal receipt prints it: one or two groups, `price × quantity = sum`
    /// exactly for a whole quantity, adding up to `sumAfter` ([`super::fiscal`]).
    #[serde(default)]
    pub fiscal_lines: FiscalLines,
}

/// Calculates discounts, bonus payment and accrual for a validated order.
/// Messages (e.g. "the requested bonuses were capped") are in Russian; see [`calculate_in`].
pub fn calculate(
    order: &Order,
    account: &Account,
    policy: &BonusPolicy,
) -> Result<Calculation, Error> {
    calculate_in(order, account, policy, Lang::Ru)
}

/// [`calculate`] with the messages in `lang`.
///
/// Re-validates the order and the policy (cheap, O(n)) so that no input can break an invariant
/// or overflow; errors are `INVALID_ARGUMENT`.
pub fn calculate_in(
    order: &Order,
    account: &Account,
    policy: &BonusPolicy,
    lang: Lang,
) -> Result<Calculation, Error> {
    calculate_valid(order.valid()?, account, policy, lang)
}

/// [`calculate_in`] of an order already validated (a [`ValidOrder`]): the policy is still
/// checked, the order not again.
pub fn calculate_valid(
    order: ValidOrder<'_>,
    account: &Account,
    policy: &BonusPolicy,
    lang: Lang,
) -> Result<Calculation, Error> {
    let order: &Order = &order;
    policy.validate()?;
    let discount_percent = account.discount_percent.unwrap_or(policy.discount_percent);
    if discount_percent < Decimal::ZERO || discount_percent > Decimal::ONE_HUNDRED {
        return Err(Error::bad_input(messages::engine::card_discount_range(
            discount_percent,
        )));
    }
    let available = account.available_bonuses.max(Decimal::ZERO);
    let rate = policy.rate;
    let mut messages = Vec::new();

    // Amounts per line are whole kopecks in i64 (validated: ≤ 10^12 roubles with 2 decimals, so
    // ≤ 10^14 kopecks), which keeps 10 000 lines well under the 2 ms budget; totals and the
    // per-order rules stay in Decimal.
    let sums: Vec<i64> = order
        .lines
        .iter()
        .map(|line| kopecks_of(line.sum))
        .collect::<Option<_>>()
        .ok_or_else(|| Error::bad_input(messages::engine::ORDER_LINE_SUM_RANGE))?;
    let document_kopecks: i64 = sums.iter().sum();
    let document_sum = money_of(document_kopecks);

    // 1. The card's percent discount.
    let percent_discount_sum =
        mul_div_round(document_sum, discount_percent, Decimal::ONE_HUNDRED, 2).unwrap_or_default();
    let percent_shares =
        spread_kopecks(kopecks_of(percent_discount_sum).unwrap_or(0), &sums, &sums);

    // 2. The bonus payment: what each line can still take, then the limits.
    let payment_excluded: HashSet<&str> =
        policy.payment_excluded.iter().map(String::as_str).collect();
    let bonus_caps: Vec<i64> = order
        .lines
        .iter()
        .zip(&sums)
        .zip(&percent_shares)
        .map(|((line, sum), share)| {
            if !payment_excluded.is_empty() && payment_excluded.contains(line.product.as_str()) {
                0
            } else {
                sum - share
            }
        })
        .collect();
    let mut money_limit = money_of(bonus_caps.iter().sum());
    if let Some(max_payment_percent) = policy.max_payment_percent {
        let receipt_after_discount = document_sum - percent_discount_sum;
        money_limit = money_limit.min(floor_money(percent_of(
            receipt_after_discount,
            max_payment_percent,
        )));
    }
    let (max_bonus_debit, max_money) = most_bonuses_within(money_limit, available, rate);
    let (bonus_debit, bonus_debit_sum) = if !order.use_bonuses {
        (Decimal::ZERO, Decimal::ZERO)
    } else {
        match order.bonus_debit {
            None => (max_bonus_debit, max_money),
            Some(requested) if requested > max_bonus_debit => {
                messages.push(message_capped(lang, requested, max_bonus_debit));
                (max_bonus_debit, max_money)
            }
            Some(requested) => {
                let money = value_of(requested, rate);
                let bonuses = bonuses_worth(money, rate, requested);
                if bonuses < requested {
                    messages.push(message_rate_rounding(lang, requested, bonuses, money));
                }
                (bonuses, money)
            }
        }
    };
    // 3. The bonus money over the payable lines, in proportion to the line sums (as the 1C
    // routine spreads a total), each line capped at what is left of it.
    let bonus_shares = spread_kopecks(kopecks_of(bonus_debit_sum).unwrap_or(0), &sums, &bonus_caps);

    // 4. Accrual on the money actually paid. The exclusion list takes effect only with its switch.
    let accrual_excluded: HashSet<&str> = if policy.no_accrual_when_paid_with_bonuses {
        policy.accrual_excluded.iter().map(String::as_str).collect()
    } else {
        HashSet::new()
    };
    let accrual_rule = AccrualRule::new(policy.accrual_percent, rate);
    // 5. The lines.
    let mut lines = Vec::with_capacity(order.lines.len());
    let mut bonus_accrual = 0i64;
    for (((line, sum), percent_share), bonus_share) in order
        .lines
        .iter()
        .zip(sums)
        .zip(percent_shares)
        .zip(bonus_shares)
    {
        let discount = percent_share + bonus_share;
        let sum_after = sum - discount;
        let excluded_from_accrual = bonus_share != 0
            && !accrual_excluded.is_empty()
            && accrual_excluded.contains(line.product.as_str());
        let accrual = if excluded_from_accrual {
            0
        } else {
            accrual_rule.accrual(sum_after)
        };
        bonus_accrual += accrual;
        // "% руч.": discount / sum × 100 to 2 decimals = hundredths of a percent.
        let discount_percent_hundredths = if sum == 0 {
            0
        } else {
            round_half_up_div(i128::from(discount) * 10_000, i128::from(sum))
        };
        lines.push(CalculationLine {
            line_no: line.line_no,
            sum: line.sum,
            percent_discount_sum: money_of(percent_share),
            bonus_debit_sum: money_of(bonus_share),
            discount_sum: money_of(discount),
            discount_percent: Decimal::from_i128_with_scale(discount_percent_hundredths, 2),
            sum_after: money_of(sum_after),
            bonus_accrual: money_of(accrual),
            fiscal_lines: fiscal_lines_kopecks(line.quantity, sum_after),
        });
    }
    let total_discount = percent_discount_sum + bonus_debit_sum;
    Ok(Calculation {
        document_id: order.document_id.clone(),
        phone: if account.phone.is_empty() {
            order.phone.clone()
        } else {
            account.phone.clone()
        },
        document_sum,
        discount_percent,
        percent_discount_sum,
        available_bonuses: available,
        max_bonus_debit,
        bonus_debit,
        bonus_debit_sum,
        total_discount,
        to_pay: document_sum - total_discount,
        bonus_accrual: money_of(bonus_accrual),
        messages,
        lines,
        offline: false,
    })
}

/// A validated money amount (at most 2 decimals, ≤ 10^12) in kopecks.
fn kopecks_of(amount: Decimal) -> Option<i64> {
    let amount = if amount.scale() > 2 {
        amount.normalize()
    } else {
        amount
    };
    let scale = amount.scale();
    if scale > 2 {
        return None;
    }
    let kopecks = amount.mantissa().checked_mul(if scale == 2 {
        1
    } else if scale == 1 {
        10
    } else {
        100
    })?;
    i64::try_from(kopecks).ok()
}

fn money_of(kopecks: i64) -> Decimal {
    Decimal::new(kopecks, 2)
}

/// `numerator / denominator` rounded half up, both non-negative (`denominator` > 0); 64-bit
/// division when the values allow, which is the usual case.
fn round_half_up_div(numerator: i128, denominator: i128) -> i128 {
    let (quotient, remainder) = match (u64::try_from(numerator), u64::try_from(denominator)) {
        (Ok(n), Ok(d)) => (i128::from(n / d), i128::from(n % d)),
        _ => (numerator / denominator, numerator % denominator),
    };
    if remainder * 2 >= denominator {
        quotient + 1
    } else {
        quotient
    }
}

/// `distribute_with_caps(total, weights, caps)` on kopecks: the 1C routine in proportion to the
/// weights over the lines with room (a line with cap 0 binds at once), each share capped. When no
/// other cap binds (checked exactly: `total × weight ≤ cap × Σ weights`) the routine's numbers are
/// final unless rounding or its residue pushes a line out of `0..=cap`; those rare cases (and any
/// total above Σ caps) go to the general routine, which also binds caps and spreads again.
fn spread_kopecks(total: i64, weights: &[i64], caps: &[i64]) -> Vec<i64> {
    let mut shares = vec![0i64; weights.len()];
    let free = |i: usize| caps[i] > 0 && weights[i] > 0;
    let weight_total: i64 = (0..weights.len())
        .filter(|&i| free(i))
        .map(|i| weights[i])
        .sum();
    if total <= 0 || weight_total <= 0 {
        return shares;
    }
    let (t, w) = (i128::from(total), i128::from(weight_total));
    let binds =
        (0..weights.len()).any(|i| free(i) && t * i128::from(weights[i]) > i128::from(caps[i]) * w);
    if !binds {
        let mut distributed = 0i64;
        let mut largest: Option<usize> = None;
        for i in (0..weights.len()).filter(|&i| free(i)) {
            // ≤ 10^14 × 10^14: fits an i128; the result ≤ total fits an i64.
            shares[i] = round_half_up_div(t * i128::from(weights[i]), w) as i64;
            distributed += shares[i];
            if largest.is_none_or(|l| weights[i] > weights[l]) {
                largest = Some(i);
            }
        }
        if let Some(l) = largest {
            shares[l] += total - distributed;
        }
        if shares.iter().zip(caps).all(|(s, c)| (0..=*c).contains(s)) {
            return shares;
        }
    }
    let money = |values: &[i64]| values.iter().map(|v| money_of(*v)).collect::<Vec<_>>();
    distribute_with_caps(money_of(total), &money(weights), &money(caps))
        .into_iter()
        .map(|share| kopecks_of(share).unwrap_or(0))
        .collect()
}

/// Accrual in kopecks of bonuses: `round(sumAfter × percent / 100 / rate)` as one exact integer
/// division, `sumAfter × factor / divisor`, with the factor and divisor fixed per order.
struct AccrualRule {
    percent: Decimal,
    hundred_rates: Decimal,
    integer: Option<(i128, i128)>,
}

impl AccrualRule {
    fn new(percent: Decimal, rate: Decimal) -> AccrualRule {
        // sumAfter × pm / 10^ps / (100 × rm / 10^rs) = sumAfter × (pm × 10^rs) / (100 × rm × 10^ps)
        let integer = (|| {
            let factor = percent.mantissa().checked_mul(pow10(rate.scale())?)?;
            let divisor = rate
                .mantissa()
                .checked_mul(100)?
                .checked_mul(pow10(percent.scale())?)?;
            // sumAfter ≤ 10^14 kopecks: keep the product inside an i128.
            (factor <= 10i128.pow(20) && divisor > 0).then_some((factor, divisor))
        })();
        AccrualRule {
            percent,
            hundred_rates: Decimal::ONE_HUNDRED * rate,
            integer,
        }
    }

    fn accrual(&self, sum_after: i64) -> i64 {
        if self.percent.is_zero() || sum_after <= 0 {
            return 0;
        }
        match self.integer {
            Some((factor, divisor)) => {
                i64::try_from(round_half_up_div(i128::from(sum_after) * factor, divisor))
                    .unwrap_or(i64::MAX)
            }
            None => mul_div_round(money_of(sum_after), self.percent, self.hundred_rates, 2)
                .and_then(kopecks_of)
                .unwrap_or(0),
        }
    }
}

/// The money value of `bonuses` at `rate`, to the kopeck.
pub fn value_of(bonuses: Decimal, rate: Decimal) -> Decimal {
    round_money(bonuses.checked_mul(rate).unwrap_or(Decimal::MAX))
}

/// The most bonuses (2 decimals, at most `available`) whose value stays within `money_limit`,
/// then expressed by [`bonuses_worth`] of their value; returns (bonuses, their value).
pub fn most_bonuses_within(
    money_limit: Decimal,
    available: Decimal,
    rate: Decimal,
) -> (Decimal, Decimal) {
    if money_limit <= Decimal::ZERO || available <= Decimal::ZERO || rate <= Decimal::ZERO {
        return (Decimal::ZERO, Decimal::ZERO);
    }
    let by_money = money_limit
        .checked_div(rate)
        .map(floor_money)
        .unwrap_or(Decimal::MAX);
    let most = by_money.min(floor_money(available));
    // `most × rate ≤ money_limit` and the limit is whole kopecks, so its rounding stays within.
    let money = value_of(most, rate).min(money_limit);
    (bonuses_worth(money, rate, most), money)
}

/// The bonuses (2 decimals) for `money` at `rate`: `round_bonus(money / rate)`, moved by a kopeck
/// if needed so that their value is exactly `money`, and never more than `upper` (which is known to
/// be worth `money`).
pub fn bonuses_worth(money: Decimal, rate: Decimal, upper: Decimal) -> Decimal {
    if money <= Decimal::ZERO || rate <= Decimal::ZERO {
        return Decimal::ZERO;
    }
    let estimate = money.checked_div(rate).map(round_bonus).unwrap_or(upper);
    let mut bonuses = estimate.clamp(Decimal::ZERO, upper);
    // With a rate above 1 kopeck per bonus-kopeck the rounding can miss by a step; two suffice.
    for _ in 0..2 {
        let value = value_of(bonuses, rate);
        if value < money && bonuses < upper {
            bonuses += KOPECK;
        } else if value > money && bonuses >= KOPECK {
            bonuses -= KOPECK;
        } else {
            break;
        }
    }
    if value_of(bonuses, rate) == money && bonuses <= upper {
        bonuses
    } else {
        upper
    }
}

/// The note when a requested `bonusDebit` is capped at what may be spent: one wording for both
/// modes (the cloud's answer gets the same note).
pub fn message_capped(lang: Lang, requested: Decimal, allowed: Decimal) -> String {
    let (requested, allowed) = (requested.normalize(), allowed.normalize());
    messages::engine::debit_capped(requested, allowed)
        .pick(lang)
        .to_string()
}

fn message_rate_rounding(
    lang: Lang,
    requested: Decimal,
    applied: Decimal,
    money: Decimal,
) -> String {
    let (requested, applied, money) = (
        requested.normalize(),
        applied.normalize(),
        money.normalize(),
    );
    messages::engine::debit_rate_rounding(requested, applied, money)
        .pick(lang)
        .to_string()
}
