//! The calculation: percent discount, bonus payment within limits, accrual, per-line split.
use super::order::Order;
use super::policy::BonusPolicy;
use crate::error::Error;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

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
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Calculation {
    pub document_id: String,
    pub phone: String,
    pub document_sum: Decimal,
    pub discount_percent: Decimal,
    pub percent_discount_sum: Decimal,
    pub available_bonuses: Decimal,
    pub max_bonus_debit: Decimal,
    pub bonus_debit: Decimal,
    pub bonus_debit_sum: Decimal,
    pub total_discount: Decimal,
    pub to_pay: Decimal,
    pub bonus_accrual: Decimal,
    pub messages: Vec<String>,
    pub lines: Vec<CalculationLine>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CalculationLine {
    pub line_no: u32,
    pub sum: Decimal,
    pub percent_discount_sum: Decimal,
    pub bonus_debit_sum: Decimal,
    pub discount_sum: Decimal,
    pub discount_percent: Decimal,
    pub sum_after: Decimal,
    pub bonus_accrual: Decimal,
}

/// Calculates discounts, bonus payment and accrual for a validated order.
pub fn calculate(
    order: &Order,
    account: &Account,
    policy: &BonusPolicy,
) -> Result<Calculation, Error> {
    todo!("engine helper {order:?} {account:?} {policy:?}")
}
