//! Calculate and FixSale over the ledger: the policy that applies, the customer's spendable
//! balance, the engine's calculation, then (for a sale) every row written in one transaction.

use super::customers::{self, CustomerRow};
use super::db::{corrupt, SqlResult};
use super::units::{engine_cents, from_cents};
use super::{codes, journal, ledger, policies, Settings};
use crate::backend::{DeliveryStatus, SaleResult};
use crate::contract::{self, CheckedOrder, Money};
use crate::engine::money::round_money;
use crate::engine::{
    self, distribute_proportionally, Account, BonusPolicy, Calculation, LocalDateTime, Order,
};
use crate::error::{Error, ErrorCode, Result};
use crate::i18n::Lang;
use crate::messages;
use rusqlite::{params, Connection, OptionalExtension};
use rust_decimal::Decimal;

/// Resolves the customer of an order the boundary checked ([`contract::check_order`]) and sets
/// its date (now when none).
fn prepare(
    conn: &Connection,
    mut order: Order,
    now: LocalDateTime,
) -> Result<(Order, CustomerRow)> {
    order.date = Some(order.date.unwrap_or(now));
    let customer = customers::require(conn, &order.card_number, &order.phone)?;
    order.phone = customer.phone.clone();
    Ok((order, customer))
}

fn account(customer: &CustomerRow, spendable: i64) -> Account {
    Account {
        phone: customer.phone.clone(),
        available_bonuses: from_cents(spendable.max(0)),
        discount_percent: customer.discount_percent,
    }
}

fn sms_confirmed(
    conn: &Connection,
    policy: &BonusPolicy,
    phone: &str,
    now: i64,
    s: &Settings,
) -> Result<bool> {
    Ok(!policy.sms_control || codes::confirmed_within(conn, phone, now, s.sms_window_seconds)?)
}

pub(crate) fn sms_required() -> Error {
    Error::of(
        ErrorCode::SmsRequired,
        messages::embedded::SMS_CODE_TO_SPEND,
    )
}

/// Calculate: never fails for lack of SMS confirmation, it then calculates without spending.
/// Records the calculation in the journal when the order has a document id.
///
/// The order is the boundary's, checked once: the customer's phone reaches the answer through
/// the account, and the order itself is changed only in ways that keep it valid.
pub(crate) fn calculate(
    conn: &Connection,
    mut order: CheckedOrder,
    now: LocalDateTime,
    s: &Settings,
    lang: Lang,
) -> Result<Calculation> {
    let customer = customers::require(conn, &order.card_number, &order.phone)?;
    let at = order.date.unwrap_or(now);
    let policy = policies::applying(conn, &order.organization, at)?;
    let balances = ledger::balances(
        conn,
        customer.id,
        now.unix_seconds(),
        &[order.document_id.as_str()],
    )?;
    let wants_bonuses = order.use_bonuses && order.bonus_debit != Some(Decimal::ZERO);
    let mut note = None;
    if wants_bonuses && !sms_confirmed(conn, &policy, &customer.phone, now.unix_seconds(), s)? {
        order.spend_no_bonuses();
        note = Some(
            messages::embedded::NO_BONUSES_WITHOUT_SMS_CODE
                .pick(lang)
                .to_string(),
        );
    }
    let account = account(&customer, balances.spendable());
    let mut calc = engine::calculate_valid(order.valid(), &account, &policy, lang)?;
    calc.messages.extend(note);
    if !order.document_id.is_empty() {
        journal::record_calculation(
            conn,
            &order.document_id,
            customer.id,
            &calc,
            now.unix_seconds(),
        )?;
    }
    Ok(calc)
}

/// The stored result of a sale fixed before, if any.
fn stored_result(conn: &Connection, document_id: &str) -> Result<Option<SaleResult>> {
    let json: Option<String> = conn
        .prepare_cached("SELECT result_json FROM sales WHERE document_id = ?1")
        .db()?
        .query_row(params![document_id], |r| r.get(0))
        .optional()
        .db()?;
    json.map(|j| serde_json::from_str(&j).map_err(|_| corrupt("sale result")))
        .transpose()
}

/// Start of the sale's day plus `days`: accruals activate and expire at midnight.
fn day_after(sale_at: LocalDateTime, days: u32) -> i64 {
    sale_at.start_of_day().add_days(days as i64).unix_seconds()
}

pub(crate) fn fix_sale(
    conn: &Connection,
    sale: Order,
    now: LocalDateTime,
    s: &Settings,
) -> Result<SaleResult> {
    contract::document_id(&sale.document_id, "documentId")?;
    // The idempotency key decides first: a repeat gets the stored answer even if the customer or
    // the policy changed since.
    if let Some(first) = stored_result(conn, &sale.document_id)? {
        return Ok(first);
    }
    let (mut order, customer) = prepare(conn, sale, now)?;
    let doc = order.document_id.clone();
    let now_s = now.unix_seconds();
    let sale_at = order.date.unwrap_or(now);
    let spend = Money::new(order.bonus_debit.unwrap_or(Decimal::ZERO), "bonusDebit")?.kopecks();

    // The reserves this sale consumes: the one it names and the one held for its own document.
    let mut consumed: Vec<String> = vec![doc.clone()];
    if let Some(r) = order
        .reserve_id
        .clone()
        .filter(|r| !r.is_empty() && *r != doc)
    {
        let owner: Option<i64> = conn
            .prepare_cached("SELECT customer_id FROM reserves WHERE document_id = ?1")
            .db()?
            .query_row(params![r], |row| row.get(0))
            .optional()
            .db()?;
        if owner.is_none()
            && journal::state(conn, &r)?.is_none()
            && !super::reserves::was_released(conn, &r)?
        {
            return Err(Error::of(
                ErrorCode::NotFound,
                messages::embedded::reserve_not_found(&r),
            ));
        }
        if owner.is_some_and(|o| o != customer.id) {
            return Err(Error::bad_input(
                messages::embedded::reserve_of_another_customer(&r),
            ));
        }
        consumed.push(r);
    }
    let consumed_refs: Vec<&str> = consumed.iter().map(String::as_str).collect();

    let policy = policies::applying(conn, &order.organization, sale_at)?;
    if spend > 0 && !sms_confirmed(conn, &policy, &customer.phone, now_s, s)? {
        return Err(sms_required());
    }
    let balances = ledger::balances(conn, customer.id, now_s, &consumed_refs)?;
    if spend > 0 && spend > balances.spendable() {
        return Err(insufficient(spend, balances.spendable().max(0)));
    }
    order.use_bonuses = spend > 0;
    order.bonus_debit = Some(from_cents(spend));
    let calc = engine::calculate(&order, &account(&customer, balances.spendable()), &policy)?;
    let debited = engine_cents(calc.bonus_debit, "bonusDebit")?;
    // The money the cashier took off the receipt must be exactly what the asked bonuses buy; the
    // engine may reach it with fewer bonuses (fractional rates), and then fewer are debited.
    let asked_value = round_money(from_cents(spend) * policy.rate);
    if calc.bonus_debit_sum < asked_value {
        // The policy allows less (max %, excluded products): the cashier's receipt would be wrong.
        return Err(insufficient(spend, debited));
    }
    let lines = sale_lines(&order, &calc)?;
    let accrual: i64 = lines.iter().map(|l| l.accrual).sum();
    if accrual != engine_cents(calc.bonus_accrual, "bonusAccrual")? {
        return Err(corrupt(
            "the calculation's accrual lines do not add up to its total",
        ));
    }

    // Everything checked; from here on only writes.
    for r in &consumed {
        conn.prepare_cached("DELETE FROM reserves WHERE document_id = ?1")
            .db()?
            .execute(params![r])
            .db()?;
    }
    if debited > 0 {
        ledger::spend(conn, customer.id, &doc, debited, now_s)?;
    }
    let expiry_days = policy.expiry_days.filter(|d| *d > 0);
    let credit_id = if accrual > 0 {
        let active_from = day_after(sale_at, policy.activation_delay_days);
        let expires_at = expiry_days.map(|d| day_after(sale_at, d));
        Some(ledger::credit(
            conn,
            customer.id,
            "accrual",
            &doc,
            None,
            accrual,
            active_from,
            expires_at,
            now_s,
        )?)
    } else {
        None
    };
    let to_pay = engine_cents(calc.to_pay, "toPay")?;
    conn.prepare_cached(
        "INSERT INTO sales (document_id, customer_id, sale_at, organization, document_sum, to_pay, bonus_debit,
             bonus_accrual, accrual_credit_id, restore_on_return, expiry_days, line_count, result_json, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, '', ?13)",
    )
    .db()?
    .execute(params![
        doc,
        customer.id,
        sale_at.unix_seconds(),
        order.organization,
        engine_cents(calc.document_sum, "documentSum")?,
        to_pay,
        debited,
        accrual,
        credit_id,
        policy.restore_on_return,
        expiry_days,
        lines.len() as i64,
        now_s
    ])
    .db()?;
    let sale_id = conn.last_insert_rowid();
    for l in &lines {
        conn.prepare_cached(
            "INSERT INTO sale_lines (document_id, line_no, product, quantity, sum, sum_after, bonus_debit, bonus_accrual)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )
        .db()?
        .execute(params![doc, l.line_no, l.product, l.quantity, l.sum, l.sum_after, l.bonus_debit, l.accrual])
        .db()?;
    }
    customers::add_purchases(conn, customer.id, to_pay)?;
    journal::record_sale(conn, &doc, customer.id, &calc, now_s)?;
    for r in consumed.iter().filter(|r| **r != doc) {
        journal::record_reserve_spent(conn, r, &doc, now_s)?;
    }

    let row = customers::by_id(conn, customer.id)?;
    let discount = policies::applying(conn, "", now)?.discount_percent;
    let result = SaleResult {
        document_id: doc.clone(),
        status: DeliveryStatus::Done,
        sale_id: sale_id.to_string(),
        bonus_debited: from_cents(debited),
        bonus_accrued: from_cents(accrual),
        receipt_url: String::new(),
        customer: customers::view(conn, &row, now_s, discount)?,
    };
    let json = serde_json::to_string(&result).map_err(|_| corrupt("sale result"))?;
    conn.prepare_cached("UPDATE sales SET result_json = ?2 WHERE document_id = ?1")
        .db()?
        .execute(params![doc, json])
        .db()?;
    Ok(result)
}

pub(crate) fn insufficient(asked: i64, allowed: i64) -> Error {
    Error::of(
        ErrorCode::InsufficientBonuses,
        messages::embedded::insufficient_bonuses(from_cents(asked), from_cents(allowed)),
    )
}

/// One line of a fixed sale, in hundredths / thousandths.
struct SaleLine {
    line_no: u32,
    product: String,
    quantity: i64,
    sum: i64,
    sum_after: i64,
    bonus_debit: i64,
    accrual: i64,
}

/// Joins order lines with the calculation's; the bonuses spent are spread over lines in proportion
/// to each line's bonus payment (money), so they add up to the total exactly whatever the rate.
fn sale_lines(order: &Order, calc: &Calculation) -> Result<Vec<SaleLine>> {
    if calc.lines.len() != order.lines.len() {
        return Err(corrupt("the calculation lost lines"));
    }
    let weights: Vec<Decimal> = calc.lines.iter().map(|l| l.bonus_debit_sum).collect();
    let bonus_shares = if calc.bonus_debit > Decimal::ZERO {
        distribute_proportionally(calc.bonus_debit, &weights)
    } else {
        vec![Decimal::ZERO; weights.len()]
    };
    let mut out = Vec::with_capacity(order.lines.len());
    for ((ol, cl), bonus) in order.lines.iter().zip(&calc.lines).zip(bonus_shares) {
        if ol.line_no != cl.line_no {
            return Err(corrupt("the calculation reordered lines"));
        }
        out.push(SaleLine {
            line_no: ol.line_no,
            product: ol.product.to_string(),
            quantity: super::units::input_millis(ol.quantity, "quantity")?,
            sum: engine_cents(cl.sum, "sum")?,
            sum_after: engine_cents(cl.sum_after, "sumAfter")?,
            bonus_debit: engine_cents(bonus, "bonusDebit")?,
            accrual: engine_cents(cl.bonus_accrual, "bonusAccrual")?,
        });
    }
    Ok(out)
}
