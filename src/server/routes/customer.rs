//! Customers: `GET customer`, `POST customer/list`, `POST customer`, `PATCH customer/{phone}`.

use super::{body, business, from_error, ok, Reply};
use crate::backend::cloud::api::{parse_birth_day, ApiCustomer, ApiPerson, CreateCustomer};
use crate::backend::{Backend, Customer, CustomerData};
use crate::error::Result;
use crate::server::levels::next_level;
use crate::server::{Request, State};
use serde_json::{json, Value};

fn last_purchase(state: &State, phone: &str) -> Option<String> {
    state
        .backend
        .last_purchase(phone)
        .ok()
        .flatten()
        .map(|d| d.to_string())
}

pub(super) fn api_customer(state: &State, c: &Customer) -> ApiCustomer {
    let some = |s: &str| (!s.is_empty()).then(|| s.to_owned());
    let world = state.world();
    let next = {
        let levels = state.levels.lock().unwrap_or_else(|p| p.into_inner());
        next_level(&levels, c.purchases_total).cloned()
    };
    let expiring = c.expiring_bonuses.as_ref();
    ApiCustomer {
        id: Some(Value::String(c.phone.clone())),
        phone: Some(c.phone.clone()),
        person: Some(ApiPerson {
            first: some(&c.first_name),
            last: some(&c.last_name),
            middle: some(&c.middle_name),
            email: None,
        }),
        discount_card_name: Some(c.card_name.clone()),
        discount_card_number: Some(c.card_number.clone()),
        available_bonuses: Some(c.available_bonuses),
        not_active_bonuses: Some(c.inactive_bonuses),
        total_bonus_credit: None,
        total_bonus_debit: None,
        purchases_total_sum: Some(c.purchases_total),
        last_purchase_date: last_purchase(state, &c.phone),
        base_discount_percent: Some(c.discount_percent),
        email: some(&c.email),
        purchases_sum_to_next_card: next.as_ref().map(|l| l.from - c.purchases_total),
        next_card_name: next.map(|l| l.name),
        nearest_bonuses_expiration_amount: expiring.map(|e| e.amount),
        // The service's datetimes carry the shop's offset; clients read the local part.
        nearest_bonuses_expiration_date: expiring.map(|e| format!("{}.0000000+03:00", e.date)),
        bonus_debit_denided: Some(world.debit_denied),
        multiplicity_debit_bonus: (!world.debit_step.is_zero()).then_some(world.debit_step),
    }
}

fn customer_reply(state: &State, c: &Customer) -> Reply {
    ok(serde_json::to_value(api_customer(state, c)).unwrap_or(Value::Null))
}

pub(super) fn get(state: &State, req: &Request) -> Reply {
    let ean = req.query("ean").unwrap_or("");
    if !ean.is_empty() && state.world().ean_lookup_fails {
        return (
            500,
            json!({ "Message": "An error has occurred." }).to_string(),
        );
    }
    let phone = req.query("phone").or(req.query("id")).unwrap_or("");
    if ean.is_empty() && phone.is_empty() {
        return business("INVALID_ARGUMENT", "Укажите phone, ean или id");
    }
    match state.backend.find_customer(ean, phone) {
        Ok(Some(c)) => customer_reply(state, &c),
        Ok(None) => business("CUSTOMER_NOT_FOUND", "Клиент не найден"),
        Err(e) => from_error(e),
    }
}

/// `POST customer/list {"cardNumber": [...], "phone": [...]}`: the customers found (at most 100
/// of each list asked), as an array.
pub(super) fn list(state: &State, req: &Request) -> Result<Reply> {
    let wanted: Value = match body(req) {
        Ok(v) => v,
        Err(r) => return Ok(r),
    };
    let texts = |key: &str| -> Vec<String> {
        wanted[key]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .take(100)
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut found = Vec::new();
    let asked = texts("cardNumber")
        .into_iter()
        .map(|card| (card, String::new()))
        .chain(
            texts("phone")
                .into_iter()
                .map(|phone| (String::new(), phone)),
        );
    for (card, phone) in asked {
        if let Some(c) = state.backend.find_customer(&card, &phone)? {
            found.push(serde_json::to_value(api_customer(state, &c)).unwrap_or(Value::Null));
        }
    }
    Ok(ok(Value::Array(found)))
}

pub(super) fn create(state: &State, req: &Request) -> Result<Reply> {
    let c: CreateCustomer = match body(req) {
        Ok(c) => c,
        Err(r) => return Ok(r),
    };
    let data = CustomerData {
        card_name: c.card,
        first_name: c.first,
        last_name: c.last,
        middle_name: c.middle,
        email: c.email,
        birth_date: c.birth_day.as_deref().and_then(parse_birth_day),
        ..CustomerData::default()
    };
    let r = state
        .backend
        .register_customer(&c.phone, c.ean.as_deref().unwrap_or(""), &data)?;
    if !r.created {
        return Ok(business(
            "CUSTOMER_ALREADY_EXISTS",
            "Клиент с таким телефоном уже существует",
        ));
    }
    Ok(customer_reply(state, &r.customer))
}

pub(super) fn patch(state: &State, req: &Request, phone: &str) -> Result<Reply> {
    let v: Value = match body(req) {
        Ok(v) => v,
        Err(r) => return Ok(r),
    };
    let data = CustomerData {
        card_name: v.get("newCard").and_then(Value::as_str).map(str::to_owned),
        ..CustomerData::default()
    };
    let c = state.backend.update_customer(phone, &data)?;
    Ok(customer_reply(state, &c))
}
