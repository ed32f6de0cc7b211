//! What the loyalty server keeps beyond the engine's own records, in the same file and in the same
//! transaction as the sale, reserve or return it belongs to: the receipt lines by their `ext`
//! (category, price, POS discount), the sale's store and cashier (its note and gift certificates:
//! `api_receipts.rs`), and each `retail/back` as a return. The API's sale id is the `sales` row
//! id. No second copy of amounts: what was sold, paid and returned is read from
//! `sales`/`sale_lines`, so a concurrent caller can never compute from a stale copy.

use super::api_receipts::{self, LegacyNotes};
use super::db::{self, SqlResult};
use super::units::{from_cents, proportion};
use super::{customers, reserves, returns, sales, EmbeddedBackend};
use crate::backend::{customer_not_found, ReturnLine, ReturnRequest, SaleResult};
use crate::contract;
use crate::engine::{LocalDateTime, Order};
use crate::error::Result;
use crate::phone::normalize_phone;
use rusqlite::{params, OptionalExtension};
use rust_decimal::Decimal;

/// A receipt line's API-only details.
#[derive(Clone, Debug)]
pub struct ApiLine {
    pub line_no: u32,
    /// `None`: `<documentId>-<lineNo>`.
    pub ext: Option<String>,
    pub category: String,
    pub price: Decimal,
    /// The POS discount (`ds`) already taken off the line's sum.
    pub pos_discount: Decimal,
}

/// What a `POST retail` carries beyond the engine's order (whose `giftCards` the store keeps too).
#[derive(Clone, Debug, Default)]
pub struct ApiReceipt {
    pub lines: Vec<ApiLine>,
    pub store: String,
    pub cashier: String,
    /// The till's note (`desc`).
    pub description: String,
}

/// A sale as `GET retail/{id}` shows it.
#[derive(Clone, Debug)]
pub struct ApiSale {
    pub id: i64,
    pub document_id: String,
    pub date: LocalDateTime,
    pub phone: String,
    pub store: String,
    pub to_pay: Decimal,
    pub positions: Vec<ApiPosition>,
}

#[derive(Clone, Debug)]
pub struct ApiPosition {
    pub ext: String,
    pub product: String,
    pub category: String,
    pub quantity: Decimal,
    pub price: Decimal,
    pub sum: Decimal,
    pub sum_after: Decimal,
    pub bonus_debit: Decimal,
    pub bonus_accrual: Decimal,
}

/// What `retail/back` came to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BackOutcome {
    Returned {
        back_id: i64,
    },
    /// No line with this `ext`.
    UnknownLine,
    /// Nothing left to return, or more than what is left, or not positive.
    InvalidSum,
}

/// What a reserve PATCH came to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReserveOutcome {
    Held,
    /// The id holds bonuses of another customer.
    OtherOwner,
    /// The change would take the reserve below zero.
    BelowZero,
}

fn millis_decimal(m: i64) -> Decimal {
    Decimal::new(m, 3).normalize()
}

impl EmbeddedBackend {
    /// Fixes the sale and records its API lines, store, cashier, note and gift certificates in one
    /// transaction. An empty `documentId` gets a fresh one (`retail-<n>`), unique under any
    /// concurrency. Returns the sale's API id with the result; a repeat of a document returns the
    /// first answer and records nothing new.
    pub fn post_api_sale(&self, order: &Order, receipt: &ApiReceipt) -> Result<(i64, SaleResult)> {
        let conn = self.conn();
        let now = self.now();
        db::write(&conn, |tx| {
            let mut order = order.clone();
            if order.document_id.trim().is_empty() {
                // Under the write lock: nobody else can take the same number meanwhile.
                let mut n: i64 = tx
                    .query_row("SELECT COALESCE(MAX(rowid), 0) + 1 FROM sales", [], |r| {
                        r.get(0)
                    })
                    .db()?;
                loop {
                    let candidate = format!("retail-{n}");
                    let taken: bool = tx
                        .query_row(
                            "SELECT EXISTS (SELECT 1 FROM sales WHERE document_id = ?1)",
                            params![candidate],
                            |r| r.get(0),
                        )
                        .db()?;
                    if !taken {
                        order.document_id = candidate;
                        break;
                    }
                    n += 1;
                }
            }
            let order = contract::check_order(order)?;
            let result = sales::fix_sale(tx, order.clone(), now, &self.settings)?;
            let doc = &result.document_id;
            let first = tx
                .prepare_cached(
                    "INSERT OR IGNORE INTO api_sales (document_id, store, cashier) VALUES (?1, ?2, ?3)",
                )
                .db()?
                .execute(params![doc, receipt.store, receipt.cashier])
                .db()?
                > 0;
            if first {
                api_receipts::record_notes(tx, doc, &receipt.description, &order.gift_cards)?;
            }
            for l in &receipt.lines {
                let ext = l
                    .ext
                    .clone()
                    .filter(|e| !e.trim().is_empty())
                    .unwrap_or_else(|| format!("{doc}-{}", l.line_no));
                // The first sale to name an ext keeps it: a later receipt cannot take its lines.
                tx.prepare_cached(
                    "INSERT OR IGNORE INTO api_lines (ext, document_id, line_no, category, price, pos_discount)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                )
                .db()?
                .execute(params![
                    ext,
                    doc,
                    l.line_no,
                    l.category,
                    l.price.to_string(),
                    l.pos_discount.to_string()
                ])
                .db()?;
            }
            let id: i64 = tx
                .query_row(
                    "SELECT rowid FROM sales WHERE document_id = ?1",
                    params![doc],
                    |r| r.get(0),
                )
                .db()?;
            Ok((id, result))
        })
    }

    /// The sale with this API id.
    pub fn api_sale(&self, id: i64) -> Result<Option<ApiSale>> {
        let conn = self.conn();
        db::read(&conn, |tx| {
            let head = tx
                .query_row(
                    "SELECT s.document_id, s.sale_at, c.phone, COALESCE(a.store, ''), s.to_pay
                     FROM sales s JOIN customers c ON c.id = s.customer_id
                     LEFT JOIN api_sales a ON a.document_id = s.document_id WHERE s.rowid = ?1",
                    params![id],
                    |r| {
                        Ok((
                            r.get::<_, String>(0)?,
                            r.get::<_, i64>(1)?,
                            r.get::<_, String>(2)?,
                            r.get::<_, String>(3)?,
                            r.get::<_, i64>(4)?,
                        ))
                    },
                )
                .optional()
                .db()?;
            let Some((document_id, sale_at, phone, store, to_pay)) = head else {
                return Ok(None);
            };
            let mut st = tx
                .prepare_cached(
                    "SELECT COALESCE(a.ext, l.document_id || '-' || l.line_no), l.product,
                            COALESCE(a.category, ''), l.quantity, COALESCE(a.price, '0'), l.sum,
                            l.sum_after, l.bonus_debit, l.bonus_accrual
                     FROM sale_lines l LEFT JOIN api_lines a
                       ON a.document_id = l.document_id AND a.line_no = l.line_no
                     WHERE l.document_id = ?1 ORDER BY l.line_no",
                )
                .db()?;
            let positions = st
                .query_map(params![document_id], |r| {
                    Ok(ApiPosition {
                        ext: r.get(0)?,
                        product: r.get(1)?,
                        category: r.get(2)?,
                        quantity: millis_decimal(r.get(3)?),
                        price: r.get::<_, String>(4)?.parse().unwrap_or_default(),
                        sum: from_cents(r.get(5)?),
                        sum_after: from_cents(r.get(6)?),
                        bonus_debit: from_cents(r.get(7)?),
                        bonus_accrual: from_cents(r.get(8)?),
                    })
                })
                .db()?
                .collect::<rusqlite::Result<Vec<_>>>()
                .db()?;
            Ok(Some(ApiSale {
                id,
                document_id,
                date: LocalDateTime::from_unix_seconds(sale_at),
                phone,
                store,
                to_pay: from_cents(to_pay),
                positions,
            }))
        })
    }

    /// Returns `sum` of the line `ext` (its quantity in proportion), as one return of the sale,
    /// in one transaction: concurrent returns of the same line never exceed what was paid.
    pub fn return_api_line(&self, ext: &str, sum: Decimal) -> Result<BackOutcome> {
        let conn = self.conn();
        let now = self.now();
        db::write(&conn, |tx| {
            let line = tx
                .query_row(
                    "SELECT l.document_id, l.line_no, l.quantity, l.sum_after, l.returned_quantity, l.returned_sum
                     FROM api_lines a JOIN sale_lines l ON l.document_id = a.document_id AND l.line_no = a.line_no
                     WHERE a.ext = ?1",
                    params![ext],
                    |r| {
                        Ok((
                            r.get::<_, String>(0)?,
                            r.get::<_, u32>(1)?,
                            r.get::<_, i64>(2)?,
                            r.get::<_, i64>(3)?,
                            r.get::<_, i64>(4)?,
                            r.get::<_, i64>(5)?,
                        ))
                    },
                )
                .optional()
                .db()?;
            let Some((document_id, line_no, quantity, sum_after, returned_q, returned_sum)) = line
            else {
                return Ok(BackOutcome::UnknownLine);
            };
            let Ok(sum) = contract::Money::new(sum, "sum").map(|m| m.kopecks()) else {
                return Ok(BackOutcome::InvalidSum);
            };
            let (left_q, left_sum) = (quantity - returned_q, sum_after - returned_sum);
            if left_q <= 0 || sum <= 0 || sum > left_sum {
                return Ok(BackOutcome::InvalidSum);
            }
            let back_q = if sum == left_sum || sum_after == 0 {
                left_q
            } else {
                proportion(quantity, sum, sum_after).clamp(1, left_q)
            };
            tx.prepare_cached("INSERT INTO api_backs (ext, sum, created_at) VALUES (?1, ?2, ?3)")
                .db()?
                .execute(params![ext, sum, now.unix_seconds()])
                .db()?;
            let back_id = tx.last_insert_rowid();
            let request = ReturnRequest {
                return_id: format!("back-{back_id}"),
                document_id,
                date: None,
                lines: vec![ReturnLine {
                    line_no,
                    quantity: millis_decimal(back_q),
                    sum: from_cents(sum),
                }],
            };
            let request = contract::check_return(request)?;
            returns::return_sale(tx, &request, now)?;
            Ok(BackOutcome::Returned { back_id })
        })
    }

    /// Adds `delta` (may be negative) to the bonuses held under `id` for `phone`, in one
    /// transaction: parallel changes add up, none is lost.
    pub fn change_reserve(&self, id: &str, phone: &str, delta: Decimal) -> Result<ReserveOutcome> {
        let id = &contract::document_id(id, "id")?;
        let phone = normalize_phone(phone)?;
        let delta = match super::units::cents(delta) {
            Some(c) => c,
            None => contract::Money::new(delta, "amount")?.kopecks(),
        };
        let conn = self.conn();
        let now = self.now();
        db::write(&conn, |tx| {
            let held: Option<(String, i64)> = tx
                .query_row(
                    "SELECT c.phone, r.amount FROM reserves r JOIN customers c ON c.id = r.customer_id
                     WHERE r.document_id = ?1",
                    params![id],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()
                .db()?;
            let current = match held {
                Some((owner, _)) if owner != phone => return Ok(ReserveOutcome::OtherOwner),
                Some((_, amount)) => amount,
                None => {
                    if customers::by_phone(tx, &phone)?.is_none() {
                        return Err(customer_not_found("", &phone));
                    }
                    0
                }
            };
            let new = current + delta;
            if new < 0 {
                return Ok(ReserveOutcome::BelowZero);
            }
            if new == 0 {
                reserves::cancel(tx, id, now)?;
            } else {
                reserves::reserve(tx, id, &phone, new, now, &self.settings)?;
            }
            Ok(ReserveOutcome::Held)
        })
    }

    /// The phone and amount held under `id`.
    pub fn held_reserve(&self, id: &str) -> Result<Option<(String, Decimal)>> {
        let conn = self.conn();
        db::read(&conn, |tx| {
            tx.query_row(
                "SELECT c.phone, r.amount FROM reserves r JOIN customers c ON c.id = r.customer_id
                 WHERE r.document_id = ?1",
                params![id],
                |r| Ok((r.get::<_, String>(0)?, from_cents(r.get(1)?).normalize())),
            )
            .optional()
            .db()
        })
    }

    /// Releases the reserve `id`; `false` if there was none.
    pub fn release_reserve(&self, id: &str) -> Result<bool> {
        let id = &contract::document_id(id, "id")?;
        let conn = self.conn();
        let now = self.now();
        db::write(&conn, |tx| {
            let held: bool = tx
                .query_row(
                    "SELECT EXISTS (SELECT 1 FROM reserves WHERE document_id = ?1)",
                    params![id],
                    |r| r.get(0),
                )
                .db()?;
            if held {
                reserves::cancel(tx, id, now)?;
            }
            Ok(held)
        })
    }

    /// When the customer last bought (the latest sale's date).
    pub fn last_purchase(&self, phone: &str) -> Result<Option<LocalDateTime>> {
        let conn = self.conn();
        db::read(&conn, |tx| {
            let at: Option<i64> = tx
                .query_row(
                    "SELECT MAX(s.sale_at) FROM sales s JOIN customers c ON c.id = s.customer_id
                     WHERE c.phone = ?1",
                    params![phone],
                    |r| r.get(0),
                )
                .db()?;
            Ok(at.map(LocalDateTime::from_unix_seconds))
        })
    }
}

/// A receipt line as an older server kept it in its own `server.db`.
#[derive(Clone, Debug)]
pub struct LegacyLine {
    pub ext: String,
    pub document_id: String,
    pub line_no: u32,
    pub category: String,
    pub price: String,
    pub pos_discount: String,
    pub store: String,
    pub cashier: String,
}

impl EmbeddedBackend {
    /// Takes over the `ext` mapping of an older server's `server.db` and its sales' notes (one
    /// transaction), so returns of sales made before the upgrade still find their lines and the
    /// receipt list still shows their notes. Lines whose sale is not in this store are skipped;
    /// returns the number of lines taken.
    pub fn import_legacy(&self, lines: &[LegacyLine], notes: &[LegacyNotes]) -> Result<usize> {
        let conn = self.conn();
        db::write(&conn, |tx| {
            let mut taken = 0;
            for l in lines {
                let sold: bool = tx
                    .query_row(
                        "SELECT EXISTS (SELECT 1 FROM sale_lines WHERE document_id = ?1 AND line_no = ?2)",
                        params![l.document_id, l.line_no],
                        |r| r.get(0),
                    )
                    .db()?;
                if !sold {
                    continue;
                }
                taken += tx
                    .execute(
                        "INSERT OR IGNORE INTO api_lines (ext, document_id, line_no, category, price, pos_discount)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                        params![l.ext, l.document_id, l.line_no, l.category, l.price, l.pos_discount],
                    )
                    .db()?;
                tx.execute(
                    "INSERT OR IGNORE INTO api_sales (document_id, store, cashier) VALUES (?1, ?2, ?3)",
                    params![l.document_id, l.store, l.cashier],
                )
                .db()?;
            }
            api_receipts::import_notes(tx, notes)?;
            Ok(taken)
        })
    }
}
