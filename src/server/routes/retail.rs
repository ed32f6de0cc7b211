//! Sales: `POST retail`, `GET retail/{id}`, `PUT retail/back`.

use super::calc::order_lines;
use super::customer::api_customer;
use super::{body, business, not_found_route, ok, Reply};
use crate::backend::cloud::api::{BackRequest, RetailRequest};
use crate::backend::{ApiLine, BackOutcome, Backend};
use crate::engine::{LocalDateTime, Order};
use crate::error::Result;
use crate::phone::normalize_phone;
use crate::server::{Request, State};
use rust_decimal::Decimal;
use serde_json::{json, Value};

fn parse_date(s: &str) -> Option<LocalDateTime> {
    let s = s.trim();
    let base = s.get(..19)?.replacen(' ', "T", 1);
    LocalDateTime::parse(&base)
}

pub(super) fn retail(state: &State, req: &Request) -> Result<Reply> {
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

pub(super) fn back(state: &State, req: &Request) -> Result<Reply> {
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

pub(super) fn sale(state: &State, id: &str) -> Result<Reply> {
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
