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
//! * Rate: money value of `b` bonuses is `round_money(b × rate)` — this is the contract's
//!   `bonusDebitSum = bonusDebit × rate` to the kopeck. The most bonuses that fit a money limit
//!   are `floor_2(limit / rate)` (capped by the balance); the money they buy is their value; then
//!   `bonusDebit` is lowered to the FEWEST bonuses with that same value, so rounding never costs
//!   the customer bonuses (with rate 1 nothing changes). A requested `bonusDebit` goes through the
//!   same rule and is capped at `maxBonusDebit` with a message.
//! * `maxBonusDebit` is reported even with `useBonuses:false` (what could have been spent).
//! * Accrual: `round_bonus(sumAfter × accrualPercent / 100 / rate)` per line; the total is the
//!   sum of the lines. The accrual exclusion list acts only while `noAccrualWhenPaidWithBonuses`
//!   is on, and then only on lines that got a bonus share.
use super::distribute::distribute_with_caps;
use super::money::{ceil_money, floor_money, percent_of, round_bonus, round_money, KOPECK};
use super::order::Order;
use super::policy::BonusPolicy;
use crate::error::Error;
use crate::i18n::Lang;
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
    order.validate()?;
    policy.validate()?;
    let discount_percent = account.discount_percent.unwrap_or(policy.discount_percent);
    if discount_percent < Decimal::ZERO || discount_percent > Decimal::ONE_HUNDRED {
        return Err(Error::invalid(
            format!("Скидка по карте discountPercent должна быть от 0 до 100, получено {discount_percent}"),
            format!("The card's discountPercent must be between 0 and 100, got {discount_percent}"),
        ));
    }
    let available = account.available_bonuses.max(Decimal::ZERO);
    let rate = policy.rate;
    let mut messages = Vec::new();

    // 1. The card's percent discount.
    let sums: Vec<Decimal> = order.lines.iter().map(|line| line.sum).collect();
    let document_sum: Decimal = sums.iter().copied().sum();
    let percent_discount_sum = round_money(percent_of(document_sum, discount_percent));
    let percent_shares = distribute_with_caps(percent_discount_sum, &sums, &sums);

    // 2. The bonus payment: what each line can still take, then the limits.
    let payment_excluded: HashSet<&str> =
        policy.payment_excluded.iter().map(String::as_str).collect();
    let bonus_caps: Vec<Decimal> = order
        .lines
        .iter()
        .zip(&percent_shares)
        .map(|(line, share)| {
            if payment_excluded.contains(line.product.as_str()) {
                Decimal::ZERO
            } else {
                line.sum - share
            }
        })
        .collect();
    let mut money_limit: Decimal = bonus_caps.iter().copied().sum();
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
                let bonuses = fewest_bonuses_worth(money, rate, requested);
                if bonuses < requested {
                    messages.push(message_rate_rounding(lang, requested, bonuses, money));
                }
                (bonuses, money)
            }
        }
    };
    // 3. The bonus money over the payable lines, in proportion to what is left of them.
    let bonus_shares = distribute_with_caps(bonus_debit_sum, &bonus_caps, &bonus_caps);

    // 4. Accrual on the money actually paid. The exclusion list takes effect only with its switch.
    let accrual_excluded: HashSet<&str> = if policy.no_accrual_when_paid_with_bonuses {
        policy.accrual_excluded.iter().map(String::as_str).collect()
    } else {
        HashSet::new()
    };
    // 5. The lines.
    let mut lines = Vec::with_capacity(order.lines.len());
    let mut bonus_accrual = Decimal::ZERO;
    for ((line, percent_share), bonus_share) in
        order.lines.iter().zip(percent_shares).zip(bonus_shares)
    {
        let discount_sum = percent_share + bonus_share;
        let sum_after = line.sum - discount_sum;
        let excluded_from_accrual =
            !bonus_share.is_zero() && accrual_excluded.contains(line.product.as_str());
        let accrual = if excluded_from_accrual || policy.accrual_percent.is_zero() {
            Decimal::ZERO
        } else {
            round_bonus(percent_of(sum_after, policy.accrual_percent) / rate)
        };
        bonus_accrual += accrual;
        let line_discount_percent = if line.sum.is_zero() {
            Decimal::ZERO
        } else {
            round_money(discount_sum * Decimal::ONE_HUNDRED / line.sum)
        };
        lines.push(CalculationLine {
            line_no: line.line_no,
            sum: line.sum,
            percent_discount_sum: percent_share,
            bonus_debit_sum: bonus_share,
            discount_sum,
            discount_percent: line_discount_percent,
            sum_after,
            bonus_accrual: accrual,
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
        bonus_accrual,
        messages,
        lines,
    })
}

/// The money value of `bonuses` at `rate`, to the kopeck.
pub fn value_of(bonuses: Decimal, rate: Decimal) -> Decimal {
    round_money(bonuses.checked_mul(rate).unwrap_or(Decimal::MAX))
}

/// The most bonuses (2 decimals, at most `available`) whose value stays within `money_limit`,
/// lowered to the fewest bonuses of that value; returns (bonuses, their value).
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
    (fewest_bonuses_worth(money, rate, most), money)
}

/// The fewest bonuses (2 decimals) whose value at `rate` is `money`, given that `upper` bonuses
/// are worth exactly that (so the answer is at most `upper`).
pub fn fewest_bonuses_worth(money: Decimal, rate: Decimal, upper: Decimal) -> Decimal {
    if money <= Decimal::ZERO || rate <= Decimal::ZERO {
        return Decimal::ZERO;
    }
    // value_of(b) = money ⇔ b × rate ≥ money − half a kopeck (rounding half away from zero).
    let half_kopeck = KOPECK / Decimal::TWO;
    let estimate = (money - half_kopeck)
        .checked_div(rate)
        .map(ceil_money)
        .unwrap_or(upper);
    let mut bonuses = estimate.clamp(Decimal::ZERO, upper);
    // The division is exact to 28 digits; a step or two corrects the kopeck it may miss.
    for _ in 0..3 {
        if bonuses >= KOPECK && value_of(bonuses - KOPECK, rate) == money {
            bonuses -= KOPECK;
        } else if value_of(bonuses, rate) < money {
            bonuses += KOPECK;
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

fn message_capped(lang: Lang, requested: Decimal, allowed: Decimal) -> String {
    let (requested, allowed) = (requested.normalize(), allowed.normalize());
    lang.pick(
        &format!("Запрошено списание {requested} бонусов, списать можно не больше {allowed}: списано {allowed}"),
        &format!("{requested} bonuses were requested; at most {allowed} can be applied, so {allowed} were applied"),
    )
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
    lang.pick(
        &format!("Запрошено {requested} бонусов; по курсу это {money} руб., для чего достаточно {applied}: списано {applied}"),
        &format!("{requested} bonuses were requested; at the rate they are worth {money}, which {applied} bonuses cover: {applied} were applied"),
    )
    .to_string()
}
