//! Bonus reserves: `PATCH customer/{phone}/balance/reserve`, `DELETE customer/balance/reserve`,
//! `GET customer/{phone}/balance/reserve/{id}`.

use super::{body, business, ok, Reply};
use crate::backend::cloud::api::ReserveRequest;
use crate::backend::ReserveOutcome;
use crate::error::Result;
use crate::phone::normalize_phone;
use crate::server::{Request, State};
use serde_json::json;

pub(super) fn change(state: &State, req: &Request, phone: &str) -> Result<Reply> {
    let r: ReserveRequest = match body(req) {
        Ok(r) => r,
        Err(reply) => return Ok(reply),
    };
    if r.id.trim().is_empty() {
        return Ok(business("INVALID_ARGUMENT", "Не указан id резерва"));
    }
    Ok(
        match state
            .backend
            .change_reserve(&r.id, phone, r.amount.unwrap_or_default())?
        {
            ReserveOutcome::Held => (204, String::new()),
            ReserveOutcome::OtherOwner => business(
                "RESERVE_ID_IN_USE",
                "Резерв с таким id принадлежит другому клиенту",
            ),
            ReserveOutcome::BelowZero => business(
                "RESERVE_AMOUNT_INVALID",
                "Снимается больше, чем зарезервировано",
            ),
        },
    )
}

pub(super) fn cancel(state: &State, req: &Request) -> Result<Reply> {
    let r: ReserveRequest = match body(req) {
        Ok(r) => r,
        Err(reply) => return Ok(reply),
    };
    if r.id.trim().is_empty() || !state.backend.release_reserve(&r.id)? {
        return Ok(business("RESERVE_NOT_FOUND", "Резерв не найден"));
    }
    Ok((204, String::new()))
}

pub(super) fn info(state: &State, phone: &str, id: &str) -> Result<Reply> {
    let phone = normalize_phone(phone)?;
    match state.backend.held_reserve(id)? {
        Some((owner, amount)) if owner == phone => {
            Ok(ok(json!({ "phone": owner, "id": id, "amount": amount })))
        }
        _ => Ok(business("RESERVE_NOT_FOUND", "Резерв не найден")),
    }
}
