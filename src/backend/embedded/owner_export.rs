//! The ledger for a CSV export: every row (or one customer's) with the customer's phone.

use super::db::{self, SqlResult};
use super::owner_read::OwnerLedgerRow;
use super::units::from_cents;
use super::{customers, EmbeddedBackend};
use crate::engine::LocalDateTime;
use crate::error::Result;

fn when(secs: Option<i64>) -> String {
    secs.map(|s| LocalDateTime::from_unix_seconds(s).to_string())
        .unwrap_or_default()
}

impl EmbeddedBackend {
    /// (phone, row) oldest first; only the customer with `phone` when given.
    pub fn owner_ledger_export(
        &self,
        phone: Option<&str>,
    ) -> Result<Vec<(String, OwnerLedgerRow)>> {
        let conn = self.conn();
        db::read(&conn, |tx| {
            let only = match phone {
                Some(p) => Some(customers::require(tx, "", p)?.id),
                None => None,
            };
            let mut stmt = tx
                .prepare(
                    "SELECT c.phone, l.created_at, l.kind, l.document_id, l.amount, l.remaining,
                            l.active_from, l.expires_at, COALESCE(a.reason, '')
                     FROM ledger l JOIN customers c ON c.id = l.customer_id
                     LEFT JOIN owner_adjustments a ON a.document_id = l.document_id
                     WHERE ?1 IS NULL OR l.customer_id = ?1 ORDER BY l.id",
                )
                .db()?;
            let rows = stmt
                .query_map([only], |r| {
                    Ok((
                        r.get(0)?,
                        OwnerLedgerRow {
                            at: when(r.get(1)?),
                            kind: r.get(2)?,
                            document_id: r.get(3)?,
                            amount: from_cents(r.get(4)?),
                            remaining: from_cents(r.get(5)?),
                            active_from: when(r.get(6)?),
                            expires_at: when(r.get(7)?),
                            reason: r.get(8)?,
                        },
                    ))
                })
                .db()?;
            rows.collect::<rusqlite::Result<Vec<_>>>().db()
        })
    }
}
