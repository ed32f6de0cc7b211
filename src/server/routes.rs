//! The BonusPlus endpoints over the embedded backend. Everything is kept in `bonusplus.db`: the
//! API's sale ids, lines by `ext`, reserves and returns live with the engine's own records and are
//! written in the same transaction (`backend/embedded/api_store.rs`).

use super::request::Request;
use super::{stats_json, State};
use crate::backend::cloud::api::{
    parse_birth_day, ApiCustomer, ApiPerson, BackRequest, CalcRequest, CreateCustomer,
    ProductImport, ReserveRequest, RetailItem, RetailRequest,
};
use crate::backend::{
    ApiLine, BackOutcome, Backend, Customer, CustomerData, ProductItem, Products, ReserveOutcome,
};
use crate::engine::{LocalDateTime, Order, OrderLine};
use crate::error::{Error, ErrorCode, Result};
use crate::phone::normalize_phone;
use rust_decimal::Decimal;
use serde::de::DeserializeOwned;
use serde_json::{json, Value};
use std::sync::atomic::Ordering;

type Reply = (u16, String);

fn business(code: &str, msg: &str) -> Reply {
    (412, json!({ "code": code, "msg": msg }).to_string())
}

fn bad_json(e: impl std::fmt::Display) -> Reply {
    (
        400,
        json!({ "Message": format!("Ошибка в структуре JSON: {e}") }).to_string(),
    )
}

fn not_found_route() -> Reply {
    (
        404,
        json!({ "Message": "Запрошенный ресурс не существует" }).to_string(),
    )
}

fn ok(v: Value) -> Reply {
    (200, v.to_string())
}

/// An embedded error as the real service would answer it.
fn from_error(e: Error) -> Reply {
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
            super::log(&format!("{:?}: {}", e.code, e.message_en));
            (
                503,
                json!({ "Message": "Сервер бонусов временно не может выполнить запрос, повторите позже" })
                    .to_string(),
            )
        }
    }
}

fn body<T: DeserializeOwned>(req: &Request) -> std::result::Result<T, Reply> {
    serde_json::from_slice(&req.body).map_err(bad_json)
}

fn reply(r: Result<Reply>) -> Reply {
    r.unwrap_or_else(from_error)
}

pub(crate) fn handle(state: &State, req: &Request) -> Reply {
    let seg: Vec<&str> = req.segments.iter().map(String::as_str).collect();
    let result = match (req.method.as_str(), seg.as_slice()) {
        ("GET", ["customer"]) => Ok(get_customer(state, req)),
        ("POST", ["customer"]) => create_customer(state, req),
        ("PATCH", ["customer", phone]) => patch_customer(state, req, phone),
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
        ("PUT", ["retail", "calc"]) => calc(state, req),
        ("POST", ["retail"]) => {
            state.retail_posts.fetch_add(1, Ordering::Relaxed);
            retail(state, req)
        }
        ("PUT", ["retail", "back"]) => back(state, req),
        ("GET", ["retail", id]) => sale(state, id),
        ("PATCH", ["customer", phone, "balance", "reserve"]) => reserve(state, req, phone),
        ("DELETE", ["customer", "balance", "reserve"]) => cancel_reserve(state, req),
        ("GET", ["customer", phone, "balance", "reserve", id]) => reserve_info(state, phone, id),
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

fn last_purchase(state: &State, phone: &str) -> Option<String> {
    state
        .backend
        .last_purchase(phone)
        .ok()
        .flatten()
        .map(|d| d.to_string())
}

fn api_customer(state: &State, c: &Customer) -> ApiCustomer {
    let some = |s: &str| (!s.is_empty()).then(|| s.to_owned());
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
        next_card_name: None,
        purchases_sum_to_next_card: None,
        nearest_bonuses_expiration_amount: None,
        nearest_bonuses_expiration_date: None,
        bonus_debit_denided: None,
        multiplicity_debit_bonus: None,
    }
}

fn customer_reply(state: &State, c: &Customer) -> Reply {
    ok(serde_json::to_value(api_customer(state, c)).unwrap_or(Value::Null))
}

fn get_customer(state: &State, req: &Request) -> Reply {
    let ean = req.query("ean").unwrap_or("");
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

fn create_customer(state: &State, req: &Request) -> Result<Reply> {
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

fn patch_customer(state: &State, req: &Request, phone: &str) -> Result<Reply> {
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

/// Receipt lines as the engine's order lines: `sum` arrives gross with `ds` the POS discount;
/// `lineNo` is the number after the last `-` of `ext` when every line has a distinct one.
fn order_lines(items: &[RetailItem]) -> Vec<OrderLine> {
    let numbers: Vec<Option<u32>> = items
        .iter()
        .map(|i| {
            i.ext
                .as_deref()
                .and_then(|e| e.rsplit('-').next())
                .and_then(|n| n.parse().ok())
        })
        .collect();
    let mut unique = std::collections::HashSet::new();
    let use_ext = numbers.iter().all(|n| n.is_some_and(|n| unique.insert(n)));
    items
        .iter()
        .enumerate()
        .map(|(i, it)| {
            let ds = it.ds.unwrap_or_default();
            OrderLine {
                line_no: if use_ext {
                    numbers[i].unwrap_or(0)
                } else {
                    i as u32 + 1
                },
                product: it.product.clone(),
                category: it.cat.clone().unwrap_or_default(),
                name: String::new(),
                quantity: it.qnt,
                price: it.price.unwrap_or_default(),
                sum: it.sum - ds,
                discount_sum: ds,
            }
        })
        .collect()
}

fn calc(state: &State, req: &Request) -> Result<Reply> {
    let c: CalcRequest = match body(req) {
        Ok(c) => c,
        Err(r) => return Ok(r),
    };
    let order = Order {
        document_id: String::new(),
        phone: c.phone.clone(),
        card_number: String::new(),
        organization: String::new(),
        use_bonuses: true,
        bonus_debit: Some(c.bonus_debit),
        date: None,
        coupons: c.coupons.clone(),
        reserve_id: None,
        gift_cards: Vec::new(),
        lines: order_lines(&c.items),
    };
    let calc = state.backend.calculate(&order)?;
    let discount: Vec<Value> = calc
        .lines
        .iter()
        .zip(&c.items)
        .enumerate()
        .map(|(i, (l, item))| {
            let dp = if l.sum.is_zero() {
                Decimal::ZERO
            } else {
                (l.percent_discount_sum * Decimal::ONE_HUNDRED / l.sum).round_dp(2)
            };
            json!({
                "ext": item.ext, "cb": l.bonus_accrual, "db": l.bonus_debit_sum,
                "ds": l.percent_discount_sum, "dp": dp,
                "messages": if i == 0 { calc.messages.clone() } else { Vec::new() }
            })
        })
        .collect();
    Ok(ok(json!({
        "discount": discount,
        "maxDebitBonuses": calc.max_bonus_debit,
        "multiplicityDebitBonus": 0
    })))
}

fn parse_date(s: &str) -> Option<LocalDateTime> {
    let s = s.trim();
    let base = s.get(..19)?.replacen(' ', "T", 1);
    LocalDateTime::parse(&base)
}

fn retail(state: &State, req: &Request) -> Result<Reply> {
    let r: RetailRequest = match body(req) {
        Ok(r) => r,
        Err(reply) => return Ok(reply),
    };
    let phone = normalize_phone(&r.phone)?;
    if state.backend.find_customer("", &phone)?.is_none() {
        return Ok(business("CUSTOMER_NOT_FOUND", "Клиент не найден"));
    }
    let lines = order_lines(&r.items);
    let api_lines: Vec<ApiLine> = r
        .items
        .iter()
        .zip(&lines)
        .map(|(item, line)| ApiLine {
            line_no: line.line_no,
            ext: item.ext.clone(),
            category: line.category.clone(),
            price: line.price,
            pos_discount: item.ds.unwrap_or_default(),
        })
        .collect();
    let order = Order {
        // Empty: the store gives the sale a fresh unique id in its own transaction.
        document_id: r
            .external_id
            .clone()
            .filter(|e| !e.trim().is_empty())
            .unwrap_or_default(),
        phone,
        card_number: String::new(),
        organization: String::new(),
        use_bonuses: r.bonus_debit > Decimal::ZERO,
        bonus_debit: Some(r.bonus_debit),
        date: r.date.as_deref().and_then(parse_date),
        coupons: r.coupons.clone(),
        reserve_id: r.reserve_id.clone(),
        gift_cards: Vec::new(),
        lines,
    };
    let (id, result) = state.backend.post_api_sale(
        &order,
        &api_lines,
        r.store.as_deref().unwrap_or(""),
        &r.cashier.map(|c| c.to_string()).unwrap_or_default(),
    )?;
    Ok(ok(json!({
        "id": id,
        "customer": api_customer(state, &result.customer),
    })))
}

fn back(state: &State, req: &Request) -> Result<Reply> {
    let b: BackRequest = match body(req) {
        Ok(b) => b,
        Err(r) => return Ok(r),
    };
    Ok(match state.backend.return_api_line(&b.ext, b.sum)? {
        BackOutcome::Returned { back_id } => ok(json!({ "returnedPurchaseId": back_id })),
        BackOutcome::UnknownLine => business("POSITION_NOT_FOUND", "Позиция чека не найдена"),
        BackOutcome::InvalidSum => business(
            "RETURN_SUM_INVALID",
            "Сумма возврата больше оплаченной суммы позиции",
        ),
    })
}

fn sale(state: &State, id: &str) -> Result<Reply> {
    let Ok(id) = id.parse::<i64>() else {
        return Ok(not_found_route());
    };
    let Some(sale) = state.backend.api_sale(id)? else {
        return Ok(business("SALE_NOT_FOUND", "Продажа не найдена"));
    };
    let positions: Vec<Value> = sale
        .positions
        .iter()
        .map(|p| {
            json!({
                "ext": p.ext, "product": p.product, "cat": p.category, "qnt": p.quantity,
                "price": p.price, "sum": p.sum, "discount": p.sum - p.sum_after,
                "bonusDebit": p.bonus_debit, "bonusCredit": p.bonus_accrual, "totalSum": p.sum_after
            })
        })
        .collect();
    Ok(ok(json!({
        "id": sale.id, "type": 0, "date": sale.date.to_string(), "customerPhone": sale.phone,
        "storeName": sale.store, "externalId": sale.document_id, "totalSum": sale.to_pay,
        "positions": positions
    })))
}

fn reserve(state: &State, req: &Request, phone: &str) -> Result<Reply> {
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

fn cancel_reserve(state: &State, req: &Request) -> Result<Reply> {
    let r: ReserveRequest = match body(req) {
        Ok(r) => r,
        Err(reply) => return Ok(reply),
    };
    if r.id.trim().is_empty() || !state.backend.release_reserve(&r.id)? {
        return Ok(business("RESERVE_NOT_FOUND", "Резерв не найден"));
    }
    Ok((204, String::new()))
}

fn reserve_info(state: &State, phone: &str, id: &str) -> Result<Reply> {
    let phone = normalize_phone(phone)?;
    match state.backend.held_reserve(id)? {
        Some((owner, amount)) if owner == phone => {
            Ok(ok(json!({ "phone": owner, "id": id, "amount": amount })))
        }
        _ => Ok(business("RESERVE_NOT_FOUND", "Резерв не найден")),
    }
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
