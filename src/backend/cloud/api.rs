//! The BonusPlus wire models (camelCase JSON), shared by the client and the local server.
//! Requests skip absent fields; in answers every field is optional and unknown fields are ignored.

use crate::backend::Customer;
use crate::engine::LocalDateTime;
use crate::phone::normalize_phone;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// `Customer` (§5.3), as `GET customer` / `POST customer` answer it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ApiCustomer {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub person: Option<ApiPerson>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub discount_card_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub discount_card_number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub available_bonuses: Option<Decimal>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_active_bonuses: Option<Decimal>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_bonus_credit: Option<Decimal>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_bonus_debit: Option<Decimal>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub purchases_total_sum: Option<Decimal>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_purchase_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base_discount_percent: Option<Decimal>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// The next card level and the purchases still needed for it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_card_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub purchases_sum_to_next_card: Option<Decimal>,
    /// The nearest bonuses to expire and when (a server datetime with an offset).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nearest_bonuses_expiration_amount: Option<Decimal>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nearest_bonuses_expiration_date: Option<String>,
    /// Spelled so by the service.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bonus_debit_denided: Option<bool>,
    /// The step the customer's bonus debit must be a multiple of.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub multiplicity_debit_bonus: Option<Decimal>,
}

/// The local date and time of a service datetime (`2025-03-31T16:50:22.5042374+03:00`, or with a
/// space): its first 19 characters, as the shop's local time the service reports.
pub fn service_datetime(s: &str) -> Option<LocalDateTime> {
    let head = s.trim().get(..19)?.replacen(' ', "T", 1);
    LocalDateTime::parse(&head)
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ApiPerson {
    #[serde(rename = "fn", skip_serializing_if = "Option::is_none")]
    pub first: Option<String>,
    #[serde(rename = "ln", skip_serializing_if = "Option::is_none")]
    pub last: Option<String>,
    #[serde(rename = "mn", skip_serializing_if = "Option::is_none")]
    pub middle: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

impl ApiCustomer {
    /// The contract's Customer. BonusPlus reports no reserved amount and no phone confirmation:
    /// `reservedBonuses` is 0 (its `availableBonuses` already excludes reserves) and
    /// `phoneConfirmed` is true (BonusPlus identifies customers by phone).
    pub fn to_customer(&self, fallback_phone: &str) -> Customer {
        let text = |v: &Option<String>| v.clone().unwrap_or_default().trim().to_owned();
        let person = self.person.clone().unwrap_or_default();
        let (first, last, middle) = (
            text(&person.first),
            text(&person.last),
            text(&person.middle),
        );
        let holder = [&last, &first, &middle]
            .iter()
            .filter(|s| !s.is_empty())
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        let raw_phone = self.phone.clone().unwrap_or_default();
        let phone = normalize_phone(&raw_phone)
            .or_else(|_| normalize_phone(fallback_phone))
            .unwrap_or(raw_phone);
        let money = |v: Option<Decimal>| v.unwrap_or_default();
        Customer {
            phone,
            card_number: text(&self.discount_card_number),
            card_name: text(&self.discount_card_name),
            holder,
            first_name: first,
            last_name: last,
            middle_name: middle,
            birth_date: None,
            gender: String::new(),
            email: self.email.clone().or(person.email).unwrap_or_default(),
            available_bonuses: money(self.available_bonuses),
            inactive_bonuses: money(self.not_active_bonuses),
            reserved_bonuses: Decimal::ZERO,
            discount_percent: money(self.base_discount_percent),
            phone_confirmed: true,
            purchases_total: money(self.purchases_total_sum),
            next_level_name: text(&self.next_card_name),
            sum_to_next_level: money(self.purchases_sum_to_next_card).max(Decimal::ZERO),
            expiring_bonuses: match (
                self.nearest_bonuses_expiration_amount,
                self.nearest_bonuses_expiration_date
                    .as_deref()
                    .and_then(service_datetime),
            ) {
                (Some(amount), Some(date)) if amount > Decimal::ZERO => {
                    Some(crate::backend::ExpiringBonuses { amount, date })
                }
                _ => None,
            },
            bonus_debit_denied: self.bonus_debit_denided.unwrap_or(false),
        }
    }

    /// What changes on this customer when a sale or a return is posted: the marker the outbox
    /// compares to tell whether an unconfirmed request went through. `None`: the service reports
    /// none of these fields, so nothing can be told.
    pub fn fingerprint(&self) -> Option<String> {
        let parts = [
            self.purchases_total_sum.map(|d| d.normalize().to_string()),
            self.last_purchase_date.clone(),
            self.total_bonus_credit.map(|d| d.normalize().to_string()),
            self.total_bonus_debit.map(|d| d.normalize().to_string()),
        ];
        if parts.iter().all(Option::is_none) {
            return None;
        }
        Some(
            parts
                .iter()
                .map(|p| p.clone().unwrap_or_else(|| "-".into()))
                .collect::<Vec<_>>()
                .join("|"),
        )
    }
}

/// `RetailItem` (§5.1): a receipt line of `retail/calc` and `retail`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RetailItem {
    pub sum: Decimal,
    pub qnt: Decimal,
    pub product: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ds: Option<Decimal>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cat: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub price: Option<Decimal>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ext: Option<String>,
}

/// `Calc` (§6.5).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CalcRequest {
    pub phone: String,
    pub bonus_debit: Decimal,
    pub items: Vec<RetailItem>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub store: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub coupons: Vec<String>,
}

/// `CalcResult` (§5.2).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CalcResult {
    pub discount: Option<Vec<ReceiptDiscount>>,
    pub max_debit_bonuses: Option<Decimal>,
    pub multiplicity_debit_bonus: Option<Decimal>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ReceiptDiscount {
    /// Echoed back; some services send it as a number.
    pub ext: Option<Value>,
    pub messages: Option<Vec<String>>,
    pub cb: Option<Decimal>,
    pub db: Option<Decimal>,
    /// The line's discount as the answer states it. It may include the discount the request
    /// sent in (§11), so the loyalty discount is read from `ids` when the service gives it.
    pub ds: Option<Decimal>,
    pub dp: Option<Decimal>,
    /// The discount the service itself applied (the loyalty discount) and its percent.
    pub ids: Option<Decimal>,
    pub idp: Option<Decimal>,
}

impl ReceiptDiscount {
    pub fn ext_text(&self) -> Option<String> {
        match &self.ext {
            Some(Value::String(s)) => Some(s.clone()),
            Some(Value::Number(n)) => Some(n.to_string()),
            _ => None,
        }
    }
}

/// `DoRetail_Request` (§6.9).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RetailRequest {
    pub phone: String,
    pub items: Vec<RetailItem>,
    pub bonus_debit: Decimal,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub store: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cashier: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reserve_id: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub coupons: Vec<String>,
    /// A note; the add-in puts the document's marker here so the receipt can be found again.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub desc: Option<String>,
    /// Gift certificates that paid part of the receipt.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub gift_cards: Vec<ApiGiftCard>,
}

/// `DoRetailGiftCard`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ApiGiftCard {
    pub id: String,
    pub payment_sum: Decimal,
}

/// `RetailResult` (§6.9).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RetailResult {
    pub id: Option<Value>,
    pub customer: Option<ApiCustomer>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order_url: Option<String>,
}

/// `POST retail/bonusActivities` (§6.13): the customer's receipts and bonus transactions.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ActivitiesRequest {
    pub phone: String,
    pub row_count: u32,
    pub start_row: u32,
    /// -1: newest first.
    pub sort: i32,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ActivitiesResult {
    pub bonus_activities: Option<Vec<Activity>>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Activity {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub receipt_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transaction_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bonus_credit: Option<Decimal>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bonus_debit: Option<Decimal>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remain_amount: Option<Decimal>,
    /// Not documented; read when a service version shows the receipt's external id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
}

/// `Back` (§6.10) and its answer.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct BackRequest {
    pub ext: String,
    pub sum: Decimal,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct BackResult {
    pub returned_purchase_id: Option<Value>,
}

/// `ReserveCustomerBonus` (§6.6), `CancelReserveCustomerBonus` (§6.7), the reserve info (§6.8).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ReserveRequest {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount: Option<Decimal>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ReserveInfo {
    pub phone: Option<String>,
    pub id: Option<String>,
    pub amount: Option<Decimal>,
}

/// `CreateCustomer` (§6.2), the fields the contract has.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CreateCustomer {
    pub phone: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ean: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub card: Option<String>,
    #[serde(rename = "fn", skip_serializing_if = "Option::is_none")]
    pub first: Option<String>,
    #[serde(rename = "ln", skip_serializing_if = "Option::is_none")]
    pub last: Option<String>,
    #[serde(rename = "mn", skip_serializing_if = "Option::is_none")]
    pub middle: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// `ДД.ММ.ГГГГ`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub birth_day: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub store: Option<String>,
}

/// `ProductImport` / `ProductTiny` (§6.12).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ProductImport {
    pub store: String,
    pub products: Vec<ProductTiny>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ProductTiny {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pid: Option<String>,
    pub n: String,
    pub g: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub a: Option<String>,
}

/// `dd.MM.yyyy` for `birthDay`.
pub fn birth_day(d: LocalDateTime) -> String {
    let (y, m, day, ..) = d.parts();
    format!("{day:02}.{m:02}.{y:04}")
}

/// Parses `dd.MM.yyyy`.
pub fn parse_birth_day(s: &str) -> Option<LocalDateTime> {
    let mut it = s.trim().split('.');
    let (d, m, y) = (it.next()?, it.next()?, it.next()?);
    LocalDateTime::parse(&format!("{y:0>4}-{m:0>2}-{d:0>2}T00:00:00"))
}

/// The sale date as the API takes it: `YYYY-MM-DD HH:MM:SS` (§4.2).
pub fn sale_date(d: LocalDateTime) -> String {
    d.to_string().replacen('T', " ", 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_fields_are_ignored_and_all_are_optional() {
        let c: ApiCustomer = serde_json::from_str(
            r#"{"id":17,"phone":"+7 900 111-22-33","person":{"fn":"Иван","ln":"Иванов","x":1},
                "availableBonuses":100.5,"discountCardNumber":"123","whatever":{"a":[1]}}"#,
        )
        .unwrap();
        let c = c.to_customer("");
        assert_eq!(c.phone, "79001112233");
        assert_eq!(c.holder, "Иванов Иван");
        assert_eq!(c.available_bonuses.to_string(), "100.5");
        let empty: ApiCustomer = serde_json::from_str("{}").unwrap();
        assert_eq!(empty.to_customer("89001112233").phone, "79001112233");
        assert!(empty.fingerprint().is_none());
        let r: CalcResult =
            serde_json::from_str(r#"{"discount":[{"ext":5,"db":1.25}],"other":true}"#).unwrap();
        assert_eq!(r.discount.unwrap()[0].ext_text().as_deref(), Some("5"));
    }

    #[test]
    fn requests_skip_absent_fields_and_keep_decimals_exact() {
        let item = RetailItem {
            sum: "3000.10".parse().unwrap(),
            qnt: Decimal::ONE,
            product: "p".into(),
            ..RetailItem::default()
        };
        let json = serde_json::to_string(&item).unwrap();
        assert_eq!(json, r#"{"sum":3000.10,"qnt":1,"product":"p"}"#);
        assert_eq!(
            parse_birth_day("01.05.1990").map(birth_day).as_deref(),
            Some("01.05.1990")
        );
    }
}
