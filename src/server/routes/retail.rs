//! Sales: `POST retail`, `GET retail/{id}`, `PUT retail/back`, `POST retail/bonusActivities`.

use super::calc::order_lines;
use super::customer::api_customer;
use super::{body, business, not_found_route, ok, Reply};
use crate::backend::cloud::api::{ActivitiesRequest, BackRequest, RetailRequest};
use crate::backend::{ApiLine, ApiReceipt, BackOutcome, Backend};
use crate::engine::{GiftCard, LocalDateTime, Order};
use crate::error::Result;
use crate::phone::normalize_phone;
use crate::server::{Request, State};
use rust_decimal::Decimal;
use serde_json::{json, Value};

/// The longest note (`desc`) a sale keeps.
const MAX_DESC_CHARS: usize = 1000;

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
    let description = r.desc.clone().unwrap_or_default();
    if description.chars().count() > MAX_DESC_CHARS {
        return Ok(business(
            "INVALID_ARGUMENT",
            &format!("Поле desc длиннее {MAX_DESC_CHARS} символов"),
        ));
    }
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
            category: line.category.to_string(),
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
        // Checked with the order (unique ids, above zero, at most the receipt) and kept with the
        // sale; the bonus program itself does not count them.
        gift_cards: r
            .gift_cards
            .iter()
            .map(|g| GiftCard {
                id: g.id.clone(),
                payment_sum: g.payment_sum,
            })
            .collect(),
        lines,
    };
    let receipt = ApiReceipt {
        lines: api_lines,
        store: r.store.clone().unwrap_or_default(),
        cashier: r.cashier.map(|c| c.to_string()).unwrap_or_default(),
        description,
    };
    let kept = state.world().reserve_kept;
    // The reserves the sale spends (the one it names, the one of its own document), for the
    // kept-reserve reading.
    let spent: Vec<(String, String, Decimal)> = if kept {
        let named = [
            order.reserve_id.as_deref(),
            Some(order.document_id.as_str()),
        ];
        let mut held = Vec::new();
        for id in named.into_iter().flatten().filter(|id| !id.is_empty()) {
            if let Some((owner, amount)) = state.backend.held_reserve(id)? {
                held.push((id.to_owned(), owner, amount));
            }
        }
        held
    } else {
        Vec::new()
    };
    let (id, result) = state.backend.post_api_sale(&order, &receipt)?;
    for (reserve, owner, amount) in spent {
        if state.backend.held_reserve(&reserve)?.is_none() {
            state.kept.set(&reserve, &owner, amount);
        }
    }
    Ok(ok(json!({
        "id": id,
        "orderUrl": format!("{}receipt/{id}", state.base_url),
        "customer": api_customer(state, &result.customer),
    })))
}

/// The customer's receipts, newest first, each with the note the till sent (`desc`).
pub(super) fn activities(state: &State, req: &Request) -> Result<Reply> {
    let a: ActivitiesRequest = match body(req) {
        Ok(a) => a,
        Err(r) => return Ok(r),
    };
    let rows = a.row_count.clamp(1, 500);
    let skip = a.start_row.max(1) - 1;
    let list: Vec<Value> = state
        .backend
        .api_activities(&a.phone, rows, skip)?
        .into_iter()
        .map(|s| {
            json!({
                "receiptDate": s.date.to_string(), "transactionName": "Покупка",
                "description": s.description, "bonusCredit": s.bonus_credit,
                "bonusDebit": s.bonus_debit,
            })
        })
        .collect();
    Ok(ok(json!({ "bonusActivities": list })))
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
