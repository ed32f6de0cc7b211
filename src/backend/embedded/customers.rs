//! Customers: validation of their data, storage, lookup and the contract's Customer view.

use super::db::{corrupt, SqlResult};
use super::ledger;
use super::units::from_cents;
use crate::backend::{customer_not_found, Customer, CustomerData};
use crate::engine::LocalDateTime;
use crate::error::{Error, Result};
use crate::messages;
use rusqlite::{params, Connection, OptionalExtension, Row};
use rust_decimal::Decimal;
use std::str::FromStr;

/// A stored customer (money in hundredths).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct CustomerRow {
    pub id: i64,
    pub phone: String,
    pub card_number: Option<String>,
    pub card_name: String,
    pub holder: String,
    pub first_name: String,
    pub last_name: String,
    pub middle_name: String,
    pub birth_date: Option<i64>,
    pub gender: String,
    pub email: String,
    pub discount_percent: Option<Decimal>,
    pub phone_confirmed: bool,
    pub purchases_total: i64,
}

const COLUMNS: &str = "id, phone, card_number, card_name, holder, first_name, last_name, middle_name, \
                       birth_date, gender, email, discount_percent, phone_confirmed, purchases_total";

fn from_row(r: &Row) -> rusqlite::Result<CustomerRow> {
    let discount: Option<String> = r.get(11)?;
    Ok(CustomerRow {
        id: r.get(0)?,
        phone: r.get(1)?,
        card_number: r.get(2)?,
        card_name: r.get(3)?,
        holder: r.get(4)?,
        first_name: r.get(5)?,
        last_name: r.get(6)?,
        middle_name: r.get(7)?,
        birth_date: r.get(8)?,
        gender: r.get(9)?,
        email: r.get(10)?,
        // An unreadable stored discount is treated as absent; `validate_data` never stores one.
        discount_percent: discount.and_then(|s| Decimal::from_str(&s).ok()),
        phone_confirmed: r.get(12)?,
        purchases_total: r.get(13)?,
    })
}

fn one(
    conn: &Connection,
    where_clause: &str,
    key: &dyn rusqlite::ToSql,
) -> Result<Option<CustomerRow>> {
    conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM customers WHERE {where_clause}"
    ))
    .db()?
    .query_row([key], from_row)
    .optional()
    .db()
}

pub(crate) fn by_phone(conn: &Connection, phone: &str) -> Result<Option<CustomerRow>> {
    one(conn, "phone = ?1", &phone)
}

pub(crate) fn by_card(conn: &Connection, card: &str) -> Result<Option<CustomerRow>> {
    one(conn, "card_number = ?1", &card)
}

pub(crate) fn by_id(conn: &Connection, id: i64) -> Result<CustomerRow> {
    one(conn, "id = ?1", &id)?.ok_or_else(|| corrupt("customer"))
}

/// By card first, then by phone (both already validated; either may be empty).
pub(crate) fn find(conn: &Connection, card: &str, phone: &str) -> Result<Option<CustomerRow>> {
    if !card.is_empty() {
        if let Some(c) = by_card(conn, card)? {
            return Ok(Some(c));
        }
    }
    if !phone.is_empty() {
        return by_phone(conn, phone);
    }
    Ok(None)
}

/// The customer an order names (card first, then phone), or the unknown-customer refusal.
pub(crate) fn require(conn: &Connection, card: &str, phone: &str) -> Result<CustomerRow> {
    find(conn, card, phone)?.ok_or_else(|| customer_not_found(card, phone))
}

/// The card must not belong to someone else.
pub(crate) fn ensure_card_free(conn: &Connection, card: &str, owner: Option<i64>) -> Result<()> {
    if card.is_empty() {
        return Ok(());
    }
    if let Some(other) = by_card(conn, card)? {
        if Some(other.id) != owner {
            return Err(Error::bad_input(messages::embedded::card_taken(card)));
        }
    }
    Ok(())
}

/// Inserts a customer with the validated data; returns the new id.
pub(crate) fn insert(
    conn: &Connection,
    phone: &str,
    card: &str,
    data: &CustomerData,
    confirmed: bool,
    now: i64,
) -> Result<i64> {
    conn.prepare_cached(
        "INSERT INTO customers (phone, phone_confirmed, created_at) VALUES (?1, ?2, ?3)",
    )
    .db()?
    .execute(params![phone, confirmed, now])
    .db()?;
    let id = conn.last_insert_rowid();
    let mut data = data.clone();
    if !card.is_empty() {
        data.card_number = Some(card.to_string());
    }
    apply(conn, id, &data)?;
    Ok(id)
}

/// Writes the keys present in the validated `data`.
pub(crate) fn apply(conn: &Connection, id: i64, data: &CustomerData) -> Result<()> {
    let mut row = by_id(conn, id)?;
    let keep = |new: &Option<String>, old: &mut String| {
        if let Some(v) = new {
            *old = v.trim().to_string();
        }
    };
    keep(&data.card_name, &mut row.card_name);
    keep(&data.holder, &mut row.holder);
    keep(&data.first_name, &mut row.first_name);
    keep(&data.last_name, &mut row.last_name);
    keep(&data.middle_name, &mut row.middle_name);
    keep(&data.gender, &mut row.gender);
    keep(&data.email, &mut row.email);
    if let Some(card) = &data.card_number {
        let card = card.trim();
        row.card_number = (!card.is_empty()).then(|| card.to_string());
    }
    if data.birth_date.is_some() {
        row.birth_date = data.birth_date.map(|b| b.unix_seconds());
    }
    if data.discount_percent.is_some() {
        row.discount_percent = data.discount_percent;
    }
    conn.prepare_cached(
        "UPDATE customers SET card_number = ?2, card_name = ?3, holder = ?4, first_name = ?5, last_name = ?6,
             middle_name = ?7, birth_date = ?8, gender = ?9, email = ?10, discount_percent = ?11
         WHERE id = ?1",
    )
    .db()?
    .execute(params![
        id,
        row.card_number,
        row.card_name,
        row.holder,
        row.first_name,
        row.last_name,
        row.middle_name,
        row.birth_date,
        row.gender,
        row.email,
        row.discount_percent.map(|d| d.normalize().to_string()),
    ])
    .db()?;
    Ok(())
}

pub(crate) fn set_phone_confirmed(conn: &Connection, phone: &str) -> Result<()> {
    conn.prepare_cached("UPDATE customers SET phone_confirmed = 1 WHERE phone = ?1")
        .db()?
        .execute(params![phone])
        .db()?;
    Ok(())
}

pub(crate) fn add_purchases(conn: &Connection, id: i64, delta: i64) -> Result<()> {
    conn.prepare_cached(
        "UPDATE customers SET purchases_total = purchases_total + ?2 WHERE id = ?1",
    )
    .db()?
    .execute(params![id, delta])
    .db()?;
    Ok(())
}

/// "Иванов Иван Иванович" from the names, unless a holder was given.
pub(crate) fn holder_of(row: &CustomerRow) -> String {
    if !row.holder.is_empty() {
        return row.holder.clone();
    }
    [&row.last_name, &row.first_name, &row.middle_name]
        .iter()
        .filter(|s| !s.is_empty())
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The contract's Customer at `now`; `policy_discount` applies unless the customer has their own.
pub(crate) fn view(
    conn: &Connection,
    row: &CustomerRow,
    now: i64,
    policy_discount: Decimal,
) -> Result<Customer> {
    let b = ledger::balances(conn, row.id, now, &[])?;
    Ok(Customer {
        phone: row.phone.clone(),
        card_number: row.card_number.clone().unwrap_or_default(),
        card_name: row.card_name.clone(),
        holder: holder_of(row),
        first_name: row.first_name.clone(),
        last_name: row.last_name.clone(),
        middle_name: row.middle_name.clone(),
        birth_date: row.birth_date.map(LocalDateTime::from_unix_seconds),
        gender: row.gender.clone(),
        email: row.email.clone(),
        available_bonuses: from_cents(b.spendable()),
        inactive_bonuses: from_cents(b.inactive),
        reserved_bonuses: from_cents(b.reserved),
        discount_percent: row.discount_percent.unwrap_or(policy_discount),
        phone_confirmed: row.phone_confirmed,
        purchases_total: from_cents(row.purchases_total),
        // The built-in program has no card levels and never denies spending by customer.
        next_level_name: String::new(),
        sum_to_next_level: Decimal::ZERO,
        expiring_bonuses: ledger::nearest_expiry(conn, row.id, now)?.map(|(amount, at)| {
            crate::backend::ExpiringBonuses {
                amount: from_cents(amount),
                date: LocalDateTime::from_unix_seconds(at),
            }
        }),
        bonus_debit_denied: false,
    })
}
