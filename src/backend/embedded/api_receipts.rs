//! What a till tells the loyalty server about a receipt beyond its lines: its note (`desc`, where
//! the add-in puts the marker that finds the receipt again) and the gift certificates that paid
//! part of it. Both are written with the sale, in its transaction, and only by the post that made
//! it (a repeat changes nothing). `retail/bonusActivities` lists a customer's receipts with their
//! notes, read from the sales themselves.

use super::db::{self, SqlResult};
use super::units::{cents, from_cents};
use super::EmbeddedBackend;
use crate::engine::{GiftCard, LocalDateTime};
use crate::error::Result;
use crate::phone::normalize_phone;
use rusqlite::{params, Connection, OptionalExtension};
use rust_decimal::Decimal;

/// A receipt as `retail/bonusActivities` lists it.
#[derive(Clone, Debug, PartialEq)]
pub struct ApiActivity {
    pub date: LocalDateTime,
    pub description: String,
    pub bonus_credit: Decimal,
    pub bonus_debit: Decimal,
}

/// The notes of a sale an older server kept in its own `server.db`.
#[derive(Clone, Debug, Default)]
pub struct LegacyNotes {
    pub document_id: String,
    pub description: String,
    pub gift_cards: Vec<GiftCard>,
}

/// The sale's note (none when empty) and gift certificates, in the receipt's order. The
/// certificates were validated with the order (unique ids, each above zero, together at most the
/// receipt); an amount that is not whole kopecks is skipped (only an older server's file can hold
/// one). A note or certificate already there stays.
pub(crate) fn record_notes(
    tx: &Connection,
    doc: &str,
    description: &str,
    cards: &[GiftCard],
) -> Result<()> {
    if !description.is_empty() {
        tx.prepare_cached(
            "INSERT OR IGNORE INTO api_sale_notes (document_id, description) VALUES (?1, ?2)",
        )
        .db()?
        .execute(params![doc, description])
        .db()?;
    }
    let mut st = tx
        .prepare_cached(
            "INSERT OR IGNORE INTO api_gift_cards (document_id, position, card, payment_sum)
             VALUES (?1, ?2, ?3, ?4)",
        )
        .db()?;
    for (i, card) in cards.iter().enumerate() {
        let Some(sum) = cents(card.payment_sum).filter(|s| *s > 0) else {
            continue;
        };
        st.execute(params![doc, i as i64 + 1, card.id.trim(), sum])
            .db()?;
    }
    Ok(())
}

/// Takes over an older server's notes for the sales already in `api_sales` (same transaction as
/// the lines).
pub(crate) fn import_notes(tx: &Connection, notes: &[LegacyNotes]) -> Result<()> {
    for n in notes {
        let known: bool = tx
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM api_sales WHERE document_id = ?1)",
                params![n.document_id],
                |r| r.get(0),
            )
            .db()?;
        if known {
            record_notes(tx, &n.document_id, &n.description, &n.gift_cards)?;
        }
    }
    Ok(())
}

impl EmbeddedBackend {
    /// The gift certificates the sale of `document_id` was paid with.
    pub fn api_gift_cards(&self, document_id: &str) -> Result<Vec<GiftCard>> {
        let conn = self.conn();
        db::read(&conn, |tx| {
            tx.prepare_cached(
                "SELECT card, payment_sum FROM api_gift_cards WHERE document_id = ?1
                 ORDER BY position",
            )
            .db()?
            .query_map(params![document_id], |r| {
                Ok(GiftCard {
                    id: r.get(0)?,
                    payment_sum: from_cents(r.get(1)?).normalize(),
                })
            })
            .db()?
            .collect::<rusqlite::Result<Vec<_>>>()
            .db()
        })
    }

    /// The API id of the sale of `document_id`, if there is one.
    pub fn api_sale_id(&self, document_id: &str) -> Result<Option<i64>> {
        let conn = self.conn();
        db::read(&conn, |tx| {
            tx.query_row(
                "SELECT rowid FROM sales WHERE document_id = ?1",
                params![document_id],
                |r| r.get(0),
            )
            .optional()
            .db()
        })
    }

    /// The customer's receipts, newest first: `rows` of them after skipping `skip`.
    pub fn api_activities(&self, phone: &str, rows: u32, skip: u32) -> Result<Vec<ApiActivity>> {
        let phone = normalize_phone(phone)?;
        let conn = self.conn();
        db::read(&conn, |tx| {
            tx.prepare_cached(
                "SELECT s.sale_at, COALESCE(n.description, ''), s.bonus_accrual, s.bonus_debit
                 FROM sales s JOIN customers c ON c.id = s.customer_id
                 LEFT JOIN api_sale_notes n ON n.document_id = s.document_id
                 WHERE c.phone = ?1 ORDER BY s.rowid DESC LIMIT ?2 OFFSET ?3",
            )
            .db()?
            .query_map(params![phone, rows, skip], |r| {
                Ok(ApiActivity {
                    date: LocalDateTime::from_unix_seconds(r.get(0)?),
                    description: r.get(1)?,
                    bonus_credit: from_cents(r.get(2)?).normalize(),
                    bonus_debit: from_cents(r.get(3)?).normalize(),
                })
            })
            .db()?
            .collect::<rusqlite::Result<Vec<_>>>()
            .db()
        })
    }
}
