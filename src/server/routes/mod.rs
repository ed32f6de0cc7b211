//! The BonusPlus endpoints over the embedded backend, one file per resource. Everything is kept
//! in `bonusplus.db`: the API's sale ids, lines by `ext`, reserves and returns live with the
//! engine's own records and are written in the same transaction (`backend/embedded/api_store.rs`).

mod calc;
mod customer;
mod reserve;
mod retail;

use super::request::Request;
use super::{stats_json, State};
use crate::backend::cloud::api::ProductImport;
use crate::backend::{Backend, ProductItem, Products};
use crate::error::{Error, ErrorCode, Result};
use serde::de::DeserializeOwned;
use serde_json::{json, Value};
use std::sync::atomic::Ordering;

pub(super) type Reply = (u16, String);

pub(super) fn business(code: &str, msg: &str) -> Reply {
    (412, json!({ "code": code, "msg": msg }).to_string())
}

fn bad_json(e: impl std::fmt::Display) -> Reply {
    (
        400,
        json!({ "Message": format!("Ошибка в структуре JSON: {e}") }).to_string(),
    )
}

pub(super) fn not_found_route() -> Reply {
    (
        404,
        json!({ "Message": "Запрошенный ресурс не существует" }).to_string(),
    )
}

pub(super) fn ok(v: Value) -> Reply {
    (200, v.to_string())
}

/// An embedded error as the real service would answer it.
pub(super) fn from_error(e: Error) -> Reply {
    match e.code {
        ErrorCode::InvalidArgument => business("INVALID_ARGUMENT", &e.message_ru),
        ErrorCode::NotFound => business("NOT_FOUND", &e.message_ru),
        ErrorCode::InsufficientBonuses => business("INSUFFICIENT_BONUSES", &e.message_ru),
        ErrorCode::SmsRequired => business("SMS_REQUIRED", &e.message_ru),
        // An unknown customer arrives as REJECTED with CUSTOMER_NOT_FOUND, as the service says it.
        ErrorCode::Rejected => business(
            e.service_code.as_deref().unwrap_or("REJECTED"),
            &e.message_ru,
        ),
        // Storage and internal failures: a generic answer; the detail goes to the server log only.
        _ => {
            let detail = e
                .detail
                .as_deref()
                .map(|d| format!(" ({d})"))
                .unwrap_or_default();
            super::log(&format!("{:?}: {}{detail}", e.code, e.message_en));
            (
                503,
                json!({ "Message": "Сервер бонусов временно не может выполнить запрос, повторите позже" })
                    .to_string(),
            )
        }
    }
}

pub(super) fn body<T: DeserializeOwned>(req: &Request) -> std::result::Result<T, Reply> {
    serde_json::from_slice(&req.body).map_err(bad_json)
}

fn reply(r: Result<Reply>) -> Reply {
    r.unwrap_or_else(from_error)
}

pub(crate) fn handle(state: &State, req: &Request) -> Reply {
    let seg: Vec<&str> = req.segments.iter().map(String::as_str).collect();
    let result = match (req.method.as_str(), seg.as_slice()) {
        ("GET", ["customer"]) => Ok(customer::get(state, req)),
        ("POST", ["customer"]) => customer::create(state, req),
        ("POST", ["customer", "list"]) => customer::list(state, req),
        ("PATCH", ["customer", phone]) => customer::patch(state, req, phone),
        ("PUT", ["customer", phone, "sendCode"]) => {
            state.backend.send_code(phone).map(|_| (204, String::new()))
        }
        ("PUT", ["customer", phone, "checkCode", code]) => {
            state.backend.check_code(phone, code).map(|ok| {
                if ok {
                    (204, String::new())
                } else {
                    business("WRONG_CODE", "Неверный код подтверждения")
                }
            })
        }
        ("PUT", ["retail", "calc"]) => calc::calc(state, req),
        ("POST", ["retail"]) => {
            state.retail_posts.fetch_add(1, Ordering::Relaxed);
            retail::retail(state, req)
        }
        ("PUT", ["retail", "back"]) => retail::back(state, req),
        ("POST", ["retail", "bonusActivities"]) => retail::activities(state, req),
        ("GET", ["retail", id]) => retail::sale(state, id),
        ("PATCH", ["customer", phone, "balance", "reserve"]) => reserve::change(state, req, phone),
        ("DELETE", ["customer", "balance", "reserve"]) => reserve::cancel(state, req),
        ("GET", ["customer", phone, "balance", "reserve", id]) => reserve::info(state, phone, id),
        ("POST", ["product", "import"]) => import(state, req),
        ("GET", ["account"]) => Ok(ok(json!({
            "balance": 0, "tariff": "bonusplus-1c local server", "username": "local",
            "smsPrice": 0, "pushPrice": 0
        }))),
        ("GET", ["_admin", "stats"]) => Ok((200, stats_json(state))),
        _ => Ok(not_found_route()),
    };
    reply(result)
}

fn import(state: &State, req: &Request) -> Result<Reply> {
    let p: ProductImport = match body(req) {
        Ok(p) => p,
        Err(r) => return Ok(r),
    };
    let products = Products {
        store: p.store,
        items: p
            .products
            .into_iter()
            .map(|t| ProductItem {
                id: t.id,
                parent_id: t.pid.unwrap_or_default(),
                name: t.n,
                is_group: t.g,
                article: t.a.unwrap_or_default(),
            })
            .collect(),
    };
    state.backend.upload_products(&products, &mut |_, _| {})?;
    Ok((204, String::new()))
}
