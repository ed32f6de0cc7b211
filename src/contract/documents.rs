//! The contract's JSON documents from 1C, parsed and checked by the boundary's rules: what comes
//! out is what both backends take, ids trimmed, phones normalized, every amount a valid [`Money`].

use super::{
    bad, card, document_id, optional_date, optional_document_id, optional_phone, quantity, shown,
    text, Money, MAX_ID_CHARS,
};
use crate::backend::{CustomerData, Products, ReturnRequest};
use crate::engine::{LocalDateTime, Order, ValidOrder};
use crate::error::{Error, Result};
use crate::messages;
use std::collections::HashSet;

/// Lines of a Return (a Return names lines of one sale).
pub const MAX_RETURN_LINES: usize = 10_000;
/// Products in one upload: more than any real catalogue, keeps one call's work bounded.
pub const MAX_PRODUCTS: usize = 1_000_000;
/// A product's id and its group's id in an upload (what both backends took before).
pub const MAX_PRODUCT_ID_CHARS: usize = 100;

/// Calculate's Order: parsed as [`Order::from_json`] parses it, then [`check_order`] (which runs
/// the value checks of `from_json` first, once).
pub fn order(json: &str) -> Result<CheckedOrder> {
    CheckedOrder::check(Order::read_json(json)?)
}

/// [`order`] of the text these UTF-16 units (the host's own) hold, when the plain reader reads
/// it without decoding it first; `None` hands the document to [`order`], decoded. What comes out
/// is what [`order`] gives for the decoded text: the same reading, then the same check.
pub fn plain_order_utf16(units: &[u16]) -> Option<Result<CheckedOrder>> {
    Order::read_plain_utf16(units).map(CheckedOrder::check)
}

/// An [`Order`] that passed [`check_order`]. Only [`CheckedOrder::check`] makes one, so a backend
/// given one (`Backend::calculate_checked`) takes it as it is instead of copying and checking it
/// again: the input is checked once, here.
#[derive(Debug, Clone)]
pub struct CheckedOrder(Order);

impl CheckedOrder {
    pub fn check(order: Order) -> Result<CheckedOrder> {
        check_order(order).map(CheckedOrder)
    }

    pub fn into_inner(self) -> Order {
        self.0
    }

    /// The order for the engine ([`crate::engine::calculate_valid`]), which need not check it
    /// again: it passed the check, and the only change allowed since keeps it valid.
    pub fn valid(&self) -> ValidOrder<'_> {
        ValidOrder::checked_before(&self.0)
    }

    /// Calculates without spending bonuses (`bonusDebit` 0, always a valid amount): what a
    /// backend does when the customer has not confirmed spending.
    pub fn spend_no_bonuses(&mut self) {
        self.0.bonus_debit = Some(rust_decimal::Decimal::ZERO);
    }
}

impl std::ops::Deref for CheckedOrder {
    type Target = Order;

    fn deref(&self) -> &Order {
        &self.0
    }
}

/// An Order by the boundary's rules (the engine's own checks, no control characters), with ids
/// trimmed, the card checked, the phone normalized, an empty `reserveId` dropped and the date
/// checked (2000–2100). Idempotent: a backend may run it again on what the component passed.
pub fn check_order(mut order: Order) -> Result<Order> {
    order.validate()?;
    order.check_characters()?;
    order.document_id = optional_document_id(&order.document_id, "documentId")?;
    order.card_number = card(&order.card_number)?;
    order.phone = optional_phone(&order.phone)?;
    order.reserve_id = match order.reserve_id.take() {
        Some(r) if !r.trim().is_empty() => Some(document_id(&r, "reserveId")?),
        _ => None,
    };
    order.date = optional_date(order.date, "date")?;
    Ok(order)
}

/// FixSale's Sale: an [`order`] with a `documentId` and the bonuses actually spent (`bonusDebit`,
/// a number, required: Order JSON reused as a Sale must never give a discount nobody debits).
pub fn sale(json: &str) -> Result<Order> {
    let sale = order(json)?.into_inner();
    if sale.document_id.is_empty() {
        return Err(bad("documentId", messages::contract::SALE_ID_REQUIRED));
    }
    if sale.bonus_debit.is_none() {
        return Err(bad("bonusDebit", messages::contract::SALE_DEBIT_REQUIRED));
    }
    Ok(sale)
}

/// ReturnSale's Return: ids trimmed, 1 to 10 000 lines with unique `lineNo`, quantities above
/// zero, sums valid [`Money`], the date 2000–2100.
pub fn return_request(json: &str) -> Result<ReturnRequest> {
    check_return(ReturnRequest::from_json(json)?)
}

/// The checks of [`return_request`] on a parsed Return (ids come back trimmed).
pub fn check_return(mut request: ReturnRequest) -> Result<ReturnRequest> {
    request.return_id = document_id(&request.return_id, "returnId")?;
    request.document_id = document_id(&request.document_id, "documentId")?;
    request.date = optional_date(request.date, "date")?;
    if request.lines.is_empty() || request.lines.len() > MAX_RETURN_LINES {
        return Err(bad(
            "lines",
            messages::contract::return_lines_count(MAX_RETURN_LINES),
        ));
    }
    let mut seen = HashSet::with_capacity(request.lines.len());
    for line in &mut request.lines {
        if !seen.insert(line.line_no) {
            return Err(bad(
                "lines",
                messages::contract::return_line_twice(line.line_no),
            ));
        }
        line.quantity = quantity(line.quantity, "lines.quantity")?;
        line.sum = Money::new(line.sum, "lines.sum")?.value();
    }
    Ok(request)
}

/// UploadProducts' Products: ids required, trimmed and unique; texts bounded, no control characters.
pub fn products(json: &str) -> Result<Products> {
    let mut products = Products::from_json(json)?;
    check_products(&mut products)?;
    Ok(products)
}

/// The checks of [`products`] on an already parsed catalogue (ids and parents get trimmed).
pub fn check_products(products: &mut Products) -> Result<()> {
    if products.items.len() > MAX_PRODUCTS {
        return Err(bad(
            "items",
            messages::contract::too_many_products(MAX_PRODUCTS),
        ));
    }
    products.store = products.store.trim().to_owned();
    text(&products.store, "store", MAX_ID_CHARS)?;
    let mut seen = HashSet::with_capacity(products.items.len());
    for (i, item) in products.items.iter_mut().enumerate() {
        let at = |key: &str| format!("items[{i}].{key}");
        item.id = item.id.trim().to_owned();
        if item.id.is_empty() {
            return Err(bad(&at("id"), messages::contract::PRODUCT_ID_REQUIRED));
        }
        text(&item.id, &at("id"), MAX_PRODUCT_ID_CHARS)?;
        item.parent_id = item.parent_id.trim().to_owned();
        text(&item.parent_id, &at("parentId"), MAX_PRODUCT_ID_CHARS)?;
        text(&item.name, &at("name"), 1000)?;
        text(&item.article, &at("article"), MAX_ID_CHARS)?;
        if !seen.insert(item.id.clone()) {
            return Err(bad(
                &at("id"),
                messages::contract::product_id_repeated(&shown(&item.id)),
            ));
        }
    }
    Ok(())
}

/// RegisterCustomer's / UpdateCustomer's CustomerData (`""` = nothing to change). A whole Customer
/// is fine: the keys CustomerData cannot change (balances, totals, `discountPercent`,
/// `phoneConfirmed`…) are ignored.
pub fn customer_data(json: &str, now: LocalDateTime) -> Result<CustomerData> {
    let data = CustomerData::from_json(json)?;
    check_customer_data(&data, now)?;
    Ok(data)
}

/// 1900-01-01T00:00:00 in local seconds.
const EARLIEST_BIRTH: i64 = -2_208_988_800;

/// RegisterCustomer's input: the normalized phone and the card (the `CardCode` parameter, else
/// the data's `cardNumber`; empty when neither), with every key of `data` checked.
pub fn registration(
    phone: &str,
    card: &str,
    data: &CustomerData,
    now: LocalDateTime,
) -> Result<(String, String)> {
    let phone = super::phone(phone)?;
    let mut card = super::card(card)?;
    check_customer_data(data, now)?;
    if card.is_empty() {
        card = super::card(data.card_number.as_deref().unwrap_or(""))?;
    }
    Ok((phone, card))
}

/// Checks every key of `data` before anything is written (a birth date from 1900 up to `now`).
pub fn check_customer_data(data: &CustomerData, now: LocalDateTime) -> Result<()> {
    if let Some(c) = &data.card_number {
        card(c)?;
    }
    let texts = [
        (&data.card_name, "cardName", 100),
        (&data.holder, "holder", 300),
        (&data.first_name, "firstName", 100),
        (&data.last_name, "lastName", 100),
        (&data.middle_name, "middleName", 100),
        (&data.email, "email", 254),
        (&data.gender, "gender", 10),
    ];
    for (value, field, max) in texts {
        if let Some(v) = value {
            text(v, field, max)?;
        }
    }
    if let Some(email) = &data.email {
        let e = email.trim();
        if !e.is_empty() && (!e.contains('@') || e.contains(char::is_whitespace)) {
            return Err(bad("email", messages::contract::bad_email(&shown(e))));
        }
    }
    if let Some(g) = &data.gender {
        if !matches!(g.trim(), "" | "male" | "female") {
            return Err(bad("gender", messages::contract::GENDER_EXPECTED));
        }
    }
    if let Some(b) = data.birth_date {
        if b.unix_seconds() < EARLIEST_BIRTH || b > now {
            return Err(bad("birthDate", messages::contract::BIRTH_DATE_RANGE));
        }
    }
    Ok(())
}

/// A JSON parameter that must hold data: `""` is an error naming the parameter.
pub fn non_empty_json<'a>(json: &'a str, name: &str) -> Result<&'a str> {
    if json.trim().is_empty() {
        return Err(Error::bad_input(messages::contract::empty_json_parameter(
            name,
        )));
    }
    Ok(json)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> LocalDateTime {
        LocalDateTime::parse("2026-12-04T12:00:00").unwrap()
    }

    #[test]
    fn a_sale_needs_bonus_debit_and_ids_are_trimmed() {
        let lines = r#""lines":[{"lineNo":1,"quantity":1,"sum":10}]"#;
        let err = sale(&format!(
            r#"{{"documentId":"S1","phone":"9001112233",{lines}}}"#
        ))
        .unwrap_err();
        assert!(err.message_en.contains("bonusDebit"), "{err}");
        let null = sale(&format!(
            r#"{{"documentId":"S1","phone":"9001112233","bonusDebit":null,{lines}}}"#
        ));
        assert!(null.is_err());
        let ok = sale(&format!(
            r#"{{"documentId":"  S1 ","reserveId":" ","phone":"9001112233","bonusDebit":0,{lines}}}"#
        ))
        .unwrap();
        assert_eq!(ok.document_id, "S1");
        assert_eq!(ok.reserve_id, None);
        assert_eq!(ok.phone, "79001112233");
    }

    /// What the boundary passes stays what the engine's own check accepts, also once a backend
    /// has taken the bonuses out: the engine may take it without checking.
    #[test]
    fn a_checked_order_is_a_valid_one() {
        let json = r#"{"phone":" 8 (900) 111-22-33 ","useBonuses":true,"bonusDebit":50,
            "lines":[{"lineNo":1,"product":" P1 ","quantity":2,"price":60,"sum":120}]}"#;
        let mut checked = order(json).unwrap();
        assert!(checked.validate().is_ok());
        checked.spend_no_bonuses();
        assert_eq!(
            checked.valid().bonus_debit,
            Some(rust_decimal::Decimal::ZERO)
        );
        assert!(checked.validate().is_ok());
        assert!(checked.into_inner().valid().is_ok());
    }

    /// Reading once with the checks run once gives what `from_json` then `check_order` gave.
    #[test]
    fn order_is_from_json_then_check_order() {
        let line = r#"{"lineNo":1,"quantity":1,"sum":10}"#;
        for json in [
            format!(r#"{{"phone":"9001112233","lines":[{line}]}}"#),
            format!(r#"{{"phone":"","lines":[{line}]}}"#),
            r#"{"phone":"9001112233","lines":[]}"#.to_owned(),
            format!(r#"{{"phone":"9001112233","documentId":"a","lines":[{line}]}}"#),
            r#"{"phone":"9001112233","lines":[{"lineNo":1,"quantity":0,"sum":10}]}"#.to_owned(),
            r#"{"phone":"9001112233","lines":[{"lineNo":1,"quantity":1,"sum":10.001}]}"#.to_owned(),
            format!(r#"{{"phone":"x","lines":[{line}]}}"#),
            format!(r#"{{"phone":"9001112233","lines":[{line},{line}]}}"#),
            r#"{"phone":"9001112233","lines":[{"lineNo":"1","quantity":1,"sum":10}]}"#.to_owned(),
        ] {
            let once = order(&json)
                .map(CheckedOrder::into_inner)
                .map_err(|e| e.to_string());
            let twice = Order::from_json(&json)
                .and_then(check_order)
                .map_err(|e| e.to_string());
            assert_eq!(once, twice, "{json}");
        }
    }

    #[test]
    fn dates_outside_2000_2100_are_refused_and_the_empty_date_is_now() {
        let with = |date: &str| {
            order(&format!(
                r#"{{"phone":"9001112233","date":"{date}","lines":[{{"lineNo":1,"quantity":1,"sum":10}}]}}"#
            ))
        };
        assert!(with("1600-01-01T00:00:00").is_err());
        assert!(with("9999-01-01T00:00:00").is_err());
        assert_eq!(with("0001-01-01T00:00:00").unwrap().date, None);
        assert!(with("2021-01-15T15:49:30").unwrap().date.is_some());
    }

    #[test]
    fn a_whole_customer_is_fine_as_customer_data() {
        let customer = r#"{"phone":"79001112233","cardNumber":"123456789","cardName":"SILVER","holder":"Иванов Иван Иванович",
 "firstName":"Иван","lastName":"Иванов","middleName":"Иванович","birthDate":"1990-05-01T00:00:00",
 "gender":"male","email":"","availableBonuses":100,"inactiveBonuses":0,"reservedBonuses":0,
 "discountPercent":10,"phoneConfirmed":true,"purchasesTotal":0,
 "nextLevelName":"GOLD","sumToNextLevel":1200,"expiringBonuses":{"amount":10,"date":"2027-01-31T00:00:00"},
 "bonusDebitDenied":false}"#;
        let data = customer_data(customer, now()).unwrap();
        assert_eq!(data.discount_percent, None);
        assert_eq!(data.card_number.as_deref(), Some("123456789"));
    }

    #[test]
    fn duplicated_and_control_product_ids_are_refused() {
        let dup = r#"{"items":[{"id":"A"},{"id":" A "}]}"#;
        assert!(products(dup).unwrap_err().message_en.contains("repeated"));
        assert!(products(r#"{"items":[{"id":"A\u0000"}]}"#).is_err());
        let ok = products(r#"{"items":[{"id":" A ","parentId":" G "}]}"#).unwrap();
        assert_eq!(
            (ok.items[0].id.as_str(), ok.items[0].parent_id.as_str()),
            ("A", "G")
        );
    }
}
