//! What the owner's cabinet writes: manual adjustments (a credit or a debit with a reason, kept in
//! `owner_adjustments` beside its ledger row) and policy edits with their history
//! (`owner_policy_history`). Both tables come with a schema migration.

use super::db::{self, corrupt, SqlResult};
use super::{customers, ledger, policies, units, EmbeddedBackend};
use crate::engine::BonusPolicy;
use crate::error::{Error, Result};
use crate::messages;
use rusqlite::{params, OptionalExtension};
use rust_decimal::Decimal;

pub(crate) const TABLES: &str = "
CREATE TABLE IF NOT EXISTS owner_adjustments (
    id          INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers(id),
    document_id TEXT NOT NULL UNIQUE,
    amount      INTEGER NOT NULL,           -- hundredths; > 0 credit, < 0 debit
    reason      TEXT NOT NULL,
    created_at  INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS owner_policy_history (
    id           INTEGER PRIMARY KEY,
    organization TEXT NOT NULL,
    start_date   INTEGER NOT NULL,
    old_json     TEXT,                      -- NULL: the policy was created
    new_json     TEXT NOT NULL,
    created_at   INTEGER NOT NULL
);";

impl EmbeddedBackend {
    /// Credits (`amount` > 0) or debits (`amount` < 0) the customer's bonuses by hand. The reason is
    /// required; a debit may not exceed what the customer can spend now. Returns the ledger's
    /// document id (`manual-N`).
    pub fn owner_adjust(&self, phone: &str, amount: Decimal, reason: &str) -> Result<String> {
        let reason = reason.trim();
        if reason.is_empty() || reason.chars().count() > 500 {
            return Err(Error::bad_input(
                messages::embedded::ADJUSTMENT_REASON_REQUIRED,
            ));
        }
        let magnitude = crate::contract::Money::new(amount.abs(), "amount")?.kopecks();
        let cents = if amount.is_sign_negative() {
            -magnitude
        } else {
            magnitude
        };
        if cents == 0 {
            return Err(Error::bad_input(messages::embedded::ADJUSTMENT_ZERO));
        }
        let now = self.now().unix_seconds();
        let conn = self.conn();
        db::write(&conn, |tx| {
            let customer = customers::require(tx, "", phone)?;
            let next: i64 = tx
                .query_row(
                    "SELECT COALESCE(MAX(id), 0) + 1 FROM owner_adjustments",
                    [],
                    |r| r.get(0),
                )
                .db()?;
            let document_id = format!("manual-{next}");
            if cents > 0 {
                ledger::credit(
                    tx,
                    customer.id,
                    "accrual",
                    &document_id,
                    None,
                    cents,
                    now,
                    None,
                    now,
                )?;
            } else {
                let spendable = ledger::balances(tx, customer.id, now, &[])?.spendable();
                if -cents > spendable {
                    return Err(Error::bad_input(
                        messages::embedded::adjustment_over_spendable(units::from_cents(
                            spendable.max(0),
                        )),
                    ));
                }
                ledger::spend(tx, customer.id, &document_id, -cents, now)?;
            }
            tx.execute(
                "INSERT INTO owner_adjustments (id, customer_id, document_id, amount, reason, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![next, customer.id, document_id, cents, reason, now],
            )
            .db()?;
            Ok(document_id)
        })
    }

    /// Stores the policy (as [`crate::backend::Backend::set_policy`]) and records the change.
    pub fn owner_save_policy(&self, policy: &BonusPolicy) -> Result<()> {
        let now = self.now().unix_seconds();
        let conn = self.conn();
        db::write(&conn, |tx| {
            let start = policy.start_date.unix_seconds();
            let old: Option<String> = tx
                .query_row(
                    "SELECT policy_json FROM policies WHERE organization = ?1 AND start_date = ?2",
                    params![policy.organization, start],
                    |r| r.get(0),
                )
                .optional()
                .db()?;
            policies::put(tx, policy)?;
            let new = serde_json::to_string(policy).map_err(|_| corrupt("policy"))?;
            if old.as_deref() != Some(new.as_str()) {
                tx.execute(
                    "INSERT INTO owner_policy_history (organization, start_date, old_json, new_json, created_at)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![policy.organization, start, old, new, now],
                )
                .db()?;
            }
            Ok(())
        })
    }
}
