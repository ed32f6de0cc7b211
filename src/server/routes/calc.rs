//! `PUT retail/calc`, and the receipt lines as the engine's order lines (also for `POST retail`).
//! Each answer line has the loyalty discount twice: `ids`/`idp` (the service's own) and `ds`/`dp`,
//! which in one reading of the API (§11, [`World::ds_includes_sent`]) also holds the `ds` sent in.
//!
//! [`World::ds_includes_sent`]: crate::server::World::ds_includes_sent

use super::{body, ok, Reply};
use crate::backend::cloud::api::{CalcRequest, RetailItem};
use crate::backend::Backend;
use crate::engine::{LineText, Order, OrderLine};
use crate::error::Result;
use crate::server::{Request, State};
use rust_decimal::Decimal;
use serde_json::{json, Value};

/// Receipt lines as the engine's order lines: `sum` arrives gross with `ds` the POS discount;
/// `lineNo` is the number after the last `-` of `ext` when every line has a distinct one.
pub(super) fn order_lines(items: &[RetailItem]) -> Vec<OrderLine> {
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
                product: it.product.as_str().into(),
                category: it.cat.as_deref().unwrap_or_default().into(),
                name: LineText::default(),
                quantity: it.qnt,
                price: it.price.unwrap_or_default(),
                sum: it.sum - ds,
                discount_sum: ds,
            }
        })
        .collect()
}

pub(super) fn calc(state: &State, req: &Request) -> Result<Reply> {
    let c: CalcRequest = match body(req) {
        Ok(c) => c,
        Err(r) => return Ok(r),
    };
    let world = state.world();
    // A customer barred from spending gets no debit at all.
    let order = Order {
        document_id: String::new(),
        phone: c.phone.clone(),
        card_number: String::new(),
        organization: String::new(),
        use_bonuses: !world.debit_denied,
        bonus_debit: Some(if world.debit_denied {
            Decimal::ZERO
        } else {
            c.bonus_debit
        }),
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
            let sent = if world.ds_includes_sent {
                item.ds.unwrap_or_default()
            } else {
                Decimal::ZERO
            };
            json!({
                "ext": item.ext, "cb": l.bonus_accrual, "db": l.bonus_debit_sum,
                "ds": l.percent_discount_sum + sent, "dp": dp, "ids": l.percent_discount_sum, "idp": dp,
                "messages": if i == 0 { calc.messages.clone() } else { Vec::new() }
            })
        })
        .collect();
    Ok(ok(json!({
        "discount": discount,
        "maxDebitBonuses": if world.debit_denied { Decimal::ZERO } else { calc.max_bonus_debit },
        "multiplicityDebitBonus": world.debit_step
    })))
}
