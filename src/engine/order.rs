//! The Order (input of Calculate; a Sale is an Order plus `reserveId` and the spent `bonusDebit`).
use super::time::LocalDateTime;
use crate::error::Error;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Order {
    #[serde(default)]
    pub document_id: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub card_number: String,
    #[serde(default)]
    pub organization: String,
    #[serde(default = "yes")]
    pub use_bonuses: bool,
    /// `None` = as many as allowed; a number is capped at the allowed maximum.
    #[serde(default)]
    pub bonus_debit: Option<Decimal>,
    /// The moment the policy is chosen for; `None` = now (the caller supplies now).
    #[serde(default)]
    pub date: Option<LocalDateTime>,
    #[serde(default)]
    pub coupons: Vec<String>,
    /// Only in a Sale: the reserve the sale consumes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reserve_id: Option<String>,
    pub lines: Vec<OrderLine>,
}

fn yes() -> bool {
    true
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderLine {
    pub line_no: u32,
    #[serde(default)]
    pub product: String,
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub name: String,
    pub quantity: Decimal,
    #[serde(default)]
    pub price: Decimal,
    /// The line amount after the discounts 1C already applied.
    pub sum: Decimal,
    #[serde(default)]
    pub discount_sum: Decimal,
}

impl Order {
    /// Parses and validates the contract's Order JSON. Errors are `INVALID_ARGUMENT` and name
    /// the field and the line (Russian and English messages).
    pub fn from_json(json: &str) -> Result<Order, Error> {
        todo!("engine helper {json}")
    }
    /// Unique `lineNo`, `sum` >= 0 with at most 2 decimals, `quantity` > 0 (at most 3 decimals),
    /// a phone or a card, a sane `bonusDebit` (>= 0) …
    pub fn validate(&self) -> Result<(), Error> {
        todo!("engine helper")
    }
    /// Σ line sums.
    pub fn document_sum(&self) -> Decimal {
        self.lines.iter().map(|l| l.sum).sum()
    }
}
