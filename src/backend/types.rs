//! The contract's JSON types that are not the engine's (Customer, SaleResult, Return, …).
//! camelCase keys; money and bonuses are `Decimal` (exact JSON numbers).

use crate::engine::LocalDateTime;
use crate::error::{Error, Result};
use crate::messages::{self, Text};
use rust_decimal::Decimal;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize};

/// A loyalty program member as FindCard, RegisterCustomer and the results report it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Customer {
    pub phone: String,
    pub card_number: String,
    pub card_name: String,
    pub holder: String,
    pub first_name: String,
    pub last_name: String,
    pub middle_name: String,
    pub birth_date: Option<LocalDateTime>,
    /// `male`, `female` or empty.
    pub gender: String,
    pub email: String,
    /// Spendable now: active, unexpired bonuses minus reserves (minus a debt left by returns).
    pub available_bonuses: Decimal,
    /// Accrued but not yet active (activation delay).
    pub inactive_bonuses: Decimal,
    /// Held by reserves of open documents.
    pub reserved_bonuses: Decimal,
    pub discount_percent: Decimal,
    pub phone_confirmed: bool,
    pub purchases_total: Decimal,
    /// The card level that comes next (`""`: none or unknown).
    #[serde(default)]
    pub next_level_name: String,
    /// Purchases still needed for the next level (0: none or unknown).
    #[serde(default)]
    pub sum_to_next_level: Decimal,
    /// The nearest bonuses to expire, and when; `None` when none expire.
    #[serde(default)]
    pub expiring_bonuses: Option<ExpiringBonuses>,
    /// The customer may not spend bonuses.
    #[serde(default)]
    pub bonus_debit_denied: bool,
}

/// The nearest amount of bonuses to expire and the moment they do.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExpiringBonuses {
    pub amount: Decimal,
    pub date: LocalDateTime,
}

/// RegisterCustomer / UpdateCustomer input: the editable Customer keys, all optional.
/// Other Customer keys (balances, totals, `discountPercent`, `phoneConfirmed`…) are accepted and
/// ignored, so a whole Customer can be passed back.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CustomerData {
    pub card_number: Option<String>,
    pub card_name: Option<String>,
    pub holder: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub middle_name: Option<String>,
    /// `""`, null and 1C's empty date (`0001-01-01T00:00:00`) mean "no birth date".
    #[serde(deserialize_with = "optional_date")]
    pub birth_date: Option<LocalDateTime>,
    pub gender: Option<String>,
    pub email: Option<String>,
    /// The customer's own discount, overriding the policy's. Never read from 1C's JSON: the
    /// contract lists `discountPercent` among the keys CustomerData cannot change.
    #[serde(skip_deserializing)]
    pub discount_percent: Option<Decimal>,
}

fn optional_date<'de, D: Deserializer<'de>>(
    d: D,
) -> std::result::Result<Option<LocalDateTime>, D::Error> {
    match Option::<String>::deserialize(d)? {
        None => Ok(None),
        Some(s) => LocalDateTime::parse_optional(&s)
            .ok_or_else(|| serde::de::Error::custom(format!("bad date {s:?}"))),
    }
}

/// RegisterCustomer's answer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Registration {
    pub created: bool,
    pub customer: Customer,
}

/// `done`: applied; `queued`: kept in the outbox for later delivery (cloud mode).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DeliveryStatus {
    Done,
    Queued,
}

/// FixSale's answer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SaleResult {
    pub document_id: String,
    pub status: DeliveryStatus,
    pub sale_id: String,
    pub bonus_debited: Decimal,
    pub bonus_accrued: Decimal,
    /// The service's link to the electronic receipt (`""` when none).
    #[serde(default)]
    pub receipt_url: String,
    pub customer: Customer,
}

/// ReturnSale's input: lines of the original sale `document_id`, idempotent per `return_id`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReturnRequest {
    pub return_id: String,
    pub document_id: String,
    /// Optional: missing, `null`, `""` and 1C's empty date all mean now.
    #[serde(default, deserialize_with = "optional_date")]
    pub date: Option<LocalDateTime>,
    pub lines: Vec<ReturnLine>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReturnLine {
    pub line_no: u32,
    pub quantity: Decimal,
    /// The money given back for this line (a part of the line's `sumAfter`).
    pub sum: Decimal,
}

/// ReturnSale's answer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReturnResult {
    pub return_id: String,
    pub status: DeliveryStatus,
    /// Spent bonuses given back (`restoreOnReturn`).
    pub bonus_restored: Decimal,
    /// Accrued bonuses taken back.
    pub bonus_reversed: Decimal,
    pub customer: Customer,
}

/// Where a document is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DocumentState {
    Calculated,
    Reserved,
    /// Cloud mode: the sale is in the outbox (queued or unconfirmed).
    Pending,
    /// Cloud mode: the service refused the sale (see PendingItems).
    Failed,
    Fixed,
    Returned,
}

impl DocumentState {
    pub fn as_str(self) -> &'static str {
        match self {
            DocumentState::Calculated => "calculated",
            DocumentState::Reserved => "reserved",
            DocumentState::Pending => "pending",
            DocumentState::Failed => "failed",
            DocumentState::Fixed => "fixed",
            DocumentState::Returned => "returned",
        }
    }

    pub fn parse(s: &str) -> Option<DocumentState> {
        match s {
            "calculated" => Some(DocumentState::Calculated),
            "reserved" => Some(DocumentState::Reserved),
            "pending" => Some(DocumentState::Pending),
            "failed" => Some(DocumentState::Failed),
            "fixed" => Some(DocumentState::Fixed),
            "returned" => Some(DocumentState::Returned),
            _ => None,
        }
    }
}

/// The data of the 1C form "Информация по бонусам".
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BonusInfo {
    pub document_id: String,
    pub holder: String,
    pub card_number: String,
    pub phone: String,
    pub document_sum: Decimal,
    pub to_pay: Decimal,
    pub bonus_debit: Decimal,
    pub percent_discount_sum: Decimal,
    pub bonus_accrual: Decimal,
    pub state: DocumentState,
}

/// UploadProducts input.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Products {
    #[serde(default)]
    pub store: String,
    pub items: Vec<ProductItem>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProductItem {
    pub id: String,
    #[serde(default)]
    pub parent_id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub is_group: bool,
    #[serde(default)]
    pub article: String,
}

/// CheckConnection's answer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConnectionInfo {
    pub ok: bool,
    /// `embedded` or `cloud`.
    pub mode: String,
    /// What the backend says about the account (null in embedded mode: there is none).
    pub account: serde_json::Value,
    /// Settings that work but should be looked at (e.g. no store set in cloud mode).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// SendPending's answer: delivered now, still waiting (queued or unconfirmed), refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingReport {
    pub sent: usize,
    pub left: usize,
    pub failed: usize,
}

/// One outbox item as PendingItems shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PendingItem {
    /// The sale's documentId, or the return's returnId.
    pub document_id: String,
    /// `sale` or `return`.
    pub kind: String,
    /// `queued`, `unconfirmed` or `failed`.
    pub state: String,
    pub attempts: i64,
    pub since: LocalDateTime,
    pub last_error: Option<PendingError>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PendingError {
    pub code: String,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_code: Option<String>,
}

fn parse_json<T: DeserializeOwned>(json: &str, what: Text) -> Result<T> {
    serde_json::from_str(json).map_err(|e| {
        // serde's message names the key and position; keep it short for the status line.
        let detail: String = e.to_string().chars().take(200).collect();
        Error::bad_input(messages::backend::bad_json(what, &detail))
    })
}

impl CustomerData {
    pub fn from_json(json: &str) -> Result<CustomerData> {
        if json.trim().is_empty() {
            return Ok(CustomerData::default());
        }
        parse_json(json, messages::backend::CUSTOMER_DATA)
    }
}

impl ReturnRequest {
    pub fn from_json(json: &str) -> Result<ReturnRequest> {
        parse_json(json, messages::backend::RETURN)
    }
}

impl Products {
    pub fn from_json(json: &str) -> Result<Products> {
        parse_json(json, messages::backend::PRODUCTS)
    }
}
