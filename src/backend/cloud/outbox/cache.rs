//! The document journal (what BonusInfo shows) and the last customer seen per phone or card, in
//! the same `outbox.db` as the outbox.

use super::store::{db_error, now, Store};
use crate::error::Result;
use rusqlite::{params, OptionalExtension};

impl Store {
    pub fn put_journal(
        &self,
        doc: &str,
        state: &str,
        info: &str,
        calculation: Option<&str>,
    ) -> Result<()> {
        let t = now();
        self.write(|tx| {
            tx.execute(
                "INSERT INTO journal (document_id, state, info, calculation, updated_at)
                 VALUES (?1, ?2, ?3, COALESCE(?4, ''), ?5)
                 ON CONFLICT (document_id) DO UPDATE SET state = excluded.state, info = excluded.info,
                     calculation = COALESCE(?4, journal.calculation), updated_at = excluded.updated_at",
                params![doc, state, info, calculation, t],
            )
            .map(|_| ())
        })
    }

    /// `(state, info JSON, calculation JSON)` of a document.
    pub fn journal(&self, doc: &str) -> Result<Option<(String, String, String)>> {
        let conn = self.conn();
        conn.query_row(
            "SELECT state, info, calculation FROM journal WHERE document_id = ?1",
            params![doc],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()
        .map_err(db_error)
    }

    pub fn put_customer(&self, phone: &str, card: &str, customer: &str) -> Result<()> {
        let t = now();
        self.write(|tx| {
            tx.execute(
                "INSERT INTO customers (phone, card, customer, updated_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (phone) DO UPDATE SET card = excluded.card, customer = excluded.customer,
                     updated_at = excluded.updated_at",
                params![phone, card, customer, t],
            )
            .map(|_| ())
        })
    }

    /// The last customer seen with this phone or card (JSON).
    pub fn customer(&self, phone: &str, card: &str) -> Result<Option<String>> {
        let conn = self.conn();
        conn.query_row(
            "SELECT customer FROM customers WHERE (?1 <> '' AND phone = ?1) OR (?2 <> '' AND card = ?2)
             ORDER BY updated_at DESC LIMIT 1",
            params![phone, card],
            |r| r.get(0),
        )
        .optional()
        .map_err(db_error)
    }
}
