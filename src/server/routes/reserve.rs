//! Bonus reserves: `PATCH customer/{phone}/balance/reserve`, `DELETE customer/balance/reserve`,
//! `GET customer/{phone}/balance/reserve/{id}`. A reserve a sale spent may still answer as held
//! (the kept-reserve reading of [`World`](crate::server::World)) until it is released.

use super::{body, business, ok, Reply};
use crate::backend::cloud::api::ReserveRequest;
use crate::backend::ReserveOutcome;
use crate::error::Result;
use crate::phone::normalize_phone;
use crate::server::{Request, State};
use rust_decimal::Decimal;
use serde_json::json;

fn outcome_reply(outcome: ReserveOutcome) -> Reply {
    match outcome {
        ReserveOutcome::Held => (204, String::new()),
        ReserveOutcome::OtherOwner => business(
            "RESERVE_ID_IN_USE",
            "Резерв с таким id принадлежит другому клиенту",
        ),
        ReserveOutcome::BelowZero => business(
            "RESERVE_AMOUNT_INVALID",
            "Снимается больше, чем зарезервировано",
        ),
    }
}

/// A change of a kept reserve (the store holds nothing under its id any more): down to zero
/// releases it, anything else changes what it answers with.
fn change_kept(state: &State, id: &str, phone: &str, delta: Decimal) -> Result<Option<Reply>> {
    if state.backend.held_reserve(id)?.is_some() {
        return Ok(None);
    }
    let Some((owner, amount)) = state.kept.get(id) else {
        return Ok(None);
    };
    let outcome = if owner != normalize_phone(phone)? {
        ReserveOutcome::OtherOwner
    } else if amount + delta < Decimal::ZERO {
        ReserveOutcome::BelowZero
    } else {
        state.kept.set(id, &owner, amount + delta);
        ReserveOutcome::Held
    };
    Ok(Some(outcome_reply(outcome)))
}

pub(super) fn change(state: &State, req: &Request, phone: &str) -> Result<Reply> {
    let r: ReserveRequest = match body(req) {
        Ok(r) => r,
        Err(reply) => return Ok(reply),
    };
    if r.id.trim().is_empty() {
        return Ok(business("INVALID_ARGUMENT", "Не указан id резерва"));
    }
    let delta = r.amount.unwrap_or_default();
    if let Some(reply) = change_kept(state, &r.id, phone, delta)? {
        return Ok(reply);
    }
    Ok(outcome_reply(
        state.backend.change_reserve(&r.id, phone, delta)?,
    ))
}

pub(super) fn cancel(state: &State, req: &Request) -> Result<Reply> {
    let r: ReserveRequest = match body(req) {
        Ok(r) => r,
        Err(reply) => return Ok(reply),
    };
    if r.id.trim().is_empty()
        || !(state.backend.release_reserve(&r.id)? || state.kept.release(&r.id))
    {
        return Ok(business("RESERVE_NOT_FOUND", "Резерв не найден"));
    }
    Ok((204, String::new()))
}

pub(super) fn info(state: &State, phone: &str, id: &str) -> Result<Reply> {
    let phone = normalize_phone(phone)?;
    let held = match state.backend.held_reserve(id)? {
        Some(held) => Some(held),
        None => state.kept.get(id),
    };
    match held {
        Some((owner, amount)) if owner == phone => {
            Ok(ok(json!({ "phone": owner, "id": id, "amount": amount })))
        }
        _ => Ok(business("RESERVE_NOT_FOUND", "Резерв не найден")),
    }
}
