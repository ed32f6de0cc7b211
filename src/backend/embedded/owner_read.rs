//! What the owner's cabinet reads: the figures of the dashboard, customer search, a customer's
//! ledger, reserves, purchases and returns, expiring bonuses and the policy history. All straight
//! from the store the API writes; amounts leave here as `Decimal` (bonuses / roubles).

use super::db::{self, SqlResult};
use super::units::from_cents;
use super::{customers, ledger, EmbeddedBackend};
use crate::engine::LocalDateTime;
use crate::error::Result;
use rusqlite::{params, Connection, Row};
use rust_decimal::Decimal;
use serde::{Serialize, Serializer};

const DAY: i64 = 86_400;

fn text<S: Serializer>(d: &Decimal, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.collect_str(d)
}

fn when(secs: Option<i64>) -> String {
    secs.map(|s| LocalDateTime::from_unix_seconds(s).to_string())
        .unwrap_or_default()
}

/// The dashboard's figures at one moment.
#[derive(Clone, Debug, Serialize)]
pub struct OwnerDashboard {
    pub customers: i64,
    /// Spendable-or-not credits already active and not expired (money owed to customers).
    #[serde(serialize_with = "text")]
    pub active: Decimal,
    /// Credits not active yet.
    #[serde(serialize_with = "text")]
    pub pending: Decimal,
    #[serde(serialize_with = "text")]
    pub reserved: Decimal,
    pub sales_30: i64,
    #[serde(serialize_with = "text")]
    pub revenue_30: Decimal,
    #[serde(serialize_with = "text")]
    pub accrued_30: Decimal,
    #[serde(serialize_with = "text")]
    pub spent_30: Decimal,
    /// Per day, oldest first, the last `days` days up to today.
    pub days: Vec<OwnerDay>,
}

#[derive(Clone, Debug, Serialize)]
pub struct OwnerDay {
    pub date: String,
    #[serde(serialize_with = "text")]
    pub accrued: Decimal,
    #[serde(serialize_with = "text")]
    pub spent: Decimal,
    #[serde(serialize_with = "text")]
    pub expired: Decimal,
}

#[derive(Clone, Debug, Serialize)]
pub struct OwnerCustomer {
    pub phone: String,
    pub card: String,
    pub name: String,
    pub email: String,
    #[serde(serialize_with = "text")]
    pub balance: Decimal,
    #[serde(serialize_with = "text")]
    pub pending: Decimal,
    #[serde(serialize_with = "text")]
    pub reserved: Decimal,
    #[serde(serialize_with = "text")]
    pub purchases: Decimal,
}

#[derive(Clone, Debug, Serialize)]
pub struct OwnerLedgerRow {
    pub at: String,
    pub kind: String,
    pub document_id: String,
    #[serde(serialize_with = "text")]
    pub amount: Decimal,
    #[serde(serialize_with = "text")]
    pub remaining: Decimal,
    pub active_from: String,
    pub expires_at: String,
    /// The reason of a manual adjustment; empty otherwise.
    pub reason: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct OwnerDocument {
    pub at: String,
    pub document_id: String,
    #[serde(serialize_with = "text")]
    pub sum: Decimal,
    #[serde(serialize_with = "text")]
    pub bonus_debit: Decimal,
    #[serde(serialize_with = "text")]
    pub bonus_accrual: Decimal,
}

/// A customer's card in the cabinet.
#[derive(Clone, Debug, Serialize)]
pub struct OwnerCustomerCard {
    pub customer: OwnerCustomer,
    pub ledger: Vec<OwnerLedgerRow>,
    /// Held reserves: `sum` is the amount held.
    pub reserves: Vec<OwnerDocument>,
    pub purchases: Vec<OwnerDocument>,
    /// Returns: `document_id` is the return's id, `sum` unused.
    pub returns: Vec<OwnerDocument>,
}

#[derive(Clone, Debug, Serialize)]
pub struct OwnerExpiring {
    pub phone: String,
    pub name: String,
    #[serde(serialize_with = "text")]
    pub amount: Decimal,
    pub first_expiry: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct OwnerPolicyChange {
    pub at: String,
    pub organization: String,
    pub start_date: String,
    pub old_json: String,
    pub new_json: String,
}

fn summary(conn: &Connection, row: &customers::CustomerRow, now: i64) -> Result<OwnerCustomer> {
    let b = ledger::balances(conn, row.id, now, &[])?;
    Ok(OwnerCustomer {
        phone: row.phone.clone(),
        card: row.card_number.clone().unwrap_or_default(),
        name: customers::holder_of(row),
        email: row.email.clone(),
        balance: from_cents(b.spendable()),
        pending: from_cents(b.inactive),
        reserved: from_cents(b.reserved),
        purchases: from_cents(row.purchases_total),
    })
}

fn cents(conn: &Connection, sql: &str, p: impl rusqlite::Params) -> Result<i64> {
    conn.query_row(sql, p, |r| r.get(0)).db()
}

fn all<T>(
    conn: &Connection,
    sql: &str,
    p: impl rusqlite::Params,
    f: impl FnMut(&Row) -> rusqlite::Result<T>,
) -> Result<Vec<T>> {
    let mut stmt = conn.prepare(sql).db()?;
    let rows = stmt.query_map(p, f).db()?;
    rows.collect::<rusqlite::Result<Vec<T>>>().db()
}

impl EmbeddedBackend {
    /// The dashboard at now: totals, the last 30 days, and `days` days of accrued / spent /
    /// expired bonuses.
    pub fn owner_dashboard(&self, days: i64) -> Result<OwnerDashboard> {
        let now_dt = self.now();
        let now = now_dt.unix_seconds();
        let since = now - 30 * DAY;
        let conn = self.conn();
        db::read(&conn, |tx| {
            let active = "remaining > 0 AND (expires_at IS NULL OR expires_at > ?1)";
            let customers = cents(tx, "SELECT COUNT(*) FROM customers", [])?;
            let active_sum = cents(tx, &format!("SELECT COALESCE(SUM(remaining),0) FROM ledger WHERE {active} AND active_from <= ?1"), [now])?;
            let pending = cents(tx, &format!("SELECT COALESCE(SUM(remaining),0) FROM ledger WHERE {active} AND active_from > ?1"), [now])?;
            let reserved = cents(tx, "SELECT COALESCE(SUM(amount),0) FROM reserves", [])?;
            let sales_30 = cents(
                tx,
                "SELECT COUNT(*) FROM sales WHERE sale_at >= ?1",
                [since],
            )?;
            let revenue_30 = cents(
                tx,
                "SELECT COALESCE(SUM(to_pay),0) FROM sales WHERE sale_at >= ?1",
                [since],
            )?;
            let accrued_30 = cents(
                tx,
                "SELECT COALESCE(SUM(amount),0) FROM ledger WHERE amount > 0 AND created_at >= ?1",
                [since],
            )?;
            let spent_30 = -cents(tx, "SELECT COALESCE(SUM(amount),0) FROM ledger WHERE kind = 'debit' AND created_at >= ?1", [since])?;
            let first = now_dt.start_of_day().add_days(1 - days.clamp(1, 3660));
            let start = first.unix_seconds();
            let n = days.clamp(1, 3660);
            let end = start + n * DAY;
            // One grouped pass per series: (day index, hundredths).
            let per_day = |sql: &str, p: &[&dyn rusqlite::ToSql]| -> Result<Vec<i64>> {
                let mut v = vec![0i64; n as usize];
                for (day, sum) in all(tx, sql, p, |r| {
                    Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?))
                })? {
                    if let Some(slot) = usize::try_from(day).ok().and_then(|i| v.get_mut(i)) {
                        *slot = sum;
                    }
                }
                Ok(v)
            };
            let accrued = per_day("SELECT (created_at - ?1) / 86400, SUM(amount) FROM ledger WHERE amount > 0 AND created_at >= ?1 AND created_at < ?2 GROUP BY 1", &[&start, &end])?;
            let spent = per_day("SELECT (created_at - ?1) / 86400, -SUM(amount) FROM ledger WHERE kind = 'debit' AND created_at >= ?1 AND created_at < ?2 GROUP BY 1", &[&start, &end])?;
            // What an expiry takes is what was left of the credit when it passed.
            let expired = per_day("SELECT (expires_at - ?1) / 86400, SUM(remaining) FROM ledger WHERE remaining > 0 AND expires_at >= ?1 AND expires_at < ?2 AND expires_at <= ?3 GROUP BY 1", &[&start, &end, &now])?;
            let series = (0..n)
                .map(|d| {
                    let i = d as usize;
                    OwnerDay {
                        date: LocalDateTime::from_unix_seconds(start + d * DAY).to_string()[..10]
                            .to_string(),
                        accrued: from_cents(accrued[i]),
                        spent: from_cents(spent[i]),
                        expired: from_cents(expired[i]),
                    }
                })
                .collect();
            Ok(OwnerDashboard {
                customers,
                active: from_cents(active_sum),
                pending: from_cents(pending),
                reserved: from_cents(reserved),
                sales_30,
                revenue_30: from_cents(revenue_30),
                accrued_30: from_cents(accrued_30),
                spent_30: from_cents(spent_30),
                days: series,
            })
        })
    }

    /// Customers whose phone, card or name contains `query` (all when empty), at most `limit`.
    /// Names match regardless of case in any alphabet (SQLite's LIKE folds ASCII only).
    pub fn owner_search(&self, query: &str, limit: i64) -> Result<Vec<OwnerCustomer>> {
        let now = self.now().unix_seconds();
        let q = query.trim().to_lowercase();
        let digits: String = q.chars().filter(char::is_ascii_digit).collect();
        let conn = self.conn();
        db::read(&conn, |tx| {
            let rows: Vec<(i64, String, String, String)> = all(
                tx,
                "SELECT id, phone, COALESCE(card_number, ''),
                        holder || ' ' || last_name || ' ' || first_name || ' ' || middle_name || ' '
                        || first_name || ' ' || last_name
                 FROM customers ORDER BY id",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )?;
            rows.into_iter()
                .filter(|(_, phone, card, names)| {
                    q.is_empty()
                        || (!digits.is_empty()
                            && (phone.contains(&digits) || card.contains(&digits)))
                        || card.to_lowercase().contains(&q)
                        || names.to_lowercase().contains(&q)
                })
                .take(usize::try_from(limit).unwrap_or(0))
                .map(|(id, ..)| summary(tx, &customers::by_id(tx, id)?, now))
                .collect()
        })
    }

    /// The customer with this phone: balances, the ledger (newest first), reserves, purchases,
    /// returns. NOT_FOUND when there is none.
    pub fn owner_customer(&self, phone: &str) -> Result<OwnerCustomerCard> {
        let now = self.now().unix_seconds();
        let conn = self.conn();
        db::read(&conn, |tx| {
            let row = customers::require(tx, "", phone)?;
            let id = row.id;
            let ledger = all(
                tx,
                "SELECT l.created_at, l.kind, l.document_id, l.amount, l.remaining, l.active_from,
                        l.expires_at, COALESCE(a.reason, '')
                 FROM ledger l LEFT JOIN owner_adjustments a ON a.document_id = l.document_id
                 WHERE l.customer_id = ?1 ORDER BY l.id DESC",
                [id],
                |r| {
                    Ok(OwnerLedgerRow {
                        at: when(r.get(0)?),
                        kind: r.get(1)?,
                        document_id: r.get(2)?,
                        amount: from_cents(r.get(3)?),
                        remaining: from_cents(r.get(4)?),
                        active_from: when(r.get(5)?),
                        expires_at: when(r.get(6)?),
                        reason: r.get(7)?,
                    })
                },
            )?;
            let doc = |r: &Row| {
                Ok(OwnerDocument {
                    at: when(r.get(0)?),
                    document_id: r.get(1)?,
                    sum: from_cents(r.get(2)?),
                    bonus_debit: from_cents(r.get(3)?),
                    bonus_accrual: from_cents(r.get(4)?),
                })
            };
            let reserves = all(tx, "SELECT created_at, document_id, amount, 0, 0 FROM reserves WHERE customer_id = ?1 ORDER BY created_at DESC", [id], doc)?;
            let purchases = all(tx, "SELECT sale_at, document_id, document_sum, bonus_debit, bonus_accrual FROM sales WHERE customer_id = ?1 ORDER BY sale_at DESC", [id], doc)?;
            let returns = all(
                tx,
                "SELECT r.return_at, r.return_id, 0,
                        COALESCE((SELECT SUM(restored_debit) FROM sale_lines WHERE document_id = r.document_id), 0),
                        COALESCE((SELECT SUM(reversed_accrual) FROM sale_lines WHERE document_id = r.document_id), 0)
                 FROM returns r JOIN sales s ON s.document_id = r.document_id
                 WHERE s.customer_id = ?1 ORDER BY r.return_at DESC",
                [id],
                doc,
            )?;
            Ok(OwnerCustomerCard {
                customer: summary(tx, &row, now)?,
                ledger,
                reserves,
                purchases,
                returns,
            })
        })
    }

    /// Customers with unspent bonuses expiring within `days` days from now, soonest first.
    pub fn owner_expiring(&self, days: i64) -> Result<Vec<OwnerExpiring>> {
        let now = self.now().unix_seconds();
        let conn = self.conn();
        db::read(&conn, |tx| {
            let rows: Vec<(i64, i64, i64)> = all(
                tx,
                "SELECT customer_id, SUM(remaining), MIN(expires_at) FROM ledger
                 WHERE remaining > 0 AND expires_at > ?1 AND expires_at <= ?2
                 GROUP BY customer_id ORDER BY MIN(expires_at), customer_id",
                params![now, now + days.clamp(0, 3650) * DAY],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )?;
            rows.into_iter()
                .map(|(id, amount, first)| {
                    let row = customers::by_id(tx, id)?;
                    Ok(OwnerExpiring {
                        phone: row.phone.clone(),
                        name: customers::holder_of(&row),
                        amount: from_cents(amount),
                        first_expiry: when(Some(first)),
                    })
                })
                .collect()
        })
    }

    /// Every policy change made through the cabinet, newest first.
    pub fn owner_policy_history(&self) -> Result<Vec<OwnerPolicyChange>> {
        let conn = self.conn();
        db::read(&conn, |tx| {
            all(
                tx,
                "SELECT created_at, organization, start_date, COALESCE(old_json, ''), new_json
                 FROM owner_policy_history ORDER BY id DESC",
                [],
                |r| {
                    Ok(OwnerPolicyChange {
                        at: when(r.get(0)?),
                        organization: r.get(1)?,
                        start_date: when(r.get(2)?),
                        old_json: r.get(3)?,
                        new_json: r.get(4)?,
                    })
                },
            )
        })
    }
}
