//! The bonus ledger: credits with activation and expiry, debits consuming them FIFO by expiry,
//! and the balances derived from it. Amounts are hundredths of a bonus.
//!
//! Rules:
//! * spendable = Σ remaining of active, unexpired credits − live reserves − debt;
//! * a spend consumes active, unexpired credits, earliest expiry first (never-expiring last);
//! * a reversal (a returned purchase's accrual) first takes back that purchase's own credit, then
//!   any other unexpired credit (active or not, earliest expiry first); what no credit covers stays
//!   on the reversal as `uncovered` — a debt that the next credits pay before anything else;
//! * `customers.ledger_total` moves with every row, so it always equals Σ ledger.amount.

use super::db::SqlResult;
use super::units::from_cents;
use crate::error::{Error, ErrorCode, Result};
use crate::messages;
use rusqlite::{params, Connection, OptionalExtension};

/// A customer's bonus position at one moment, in hundredths.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Balances {
    pub active: i64,
    pub inactive: i64,
    pub reserved: i64,
    pub debt: i64,
}

impl Balances {
    /// What may be spent now. Negative only while a debt is open.
    pub fn spendable(&self) -> i64 {
        (self.active - self.reserved).max(0) - self.debt
    }
}

/// Balances at `now`; reserves of the documents in `except` are not counted as held.
pub(crate) fn balances(
    conn: &Connection,
    customer_id: i64,
    now: i64,
    except: &[&str],
) -> Result<Balances> {
    let (active, inactive): (i64, i64) = conn
        .prepare_cached(
            "SELECT COALESCE(SUM(CASE WHEN active_from <= ?2 THEN remaining END), 0),
                    COALESCE(SUM(CASE WHEN active_from > ?2 THEN remaining END), 0)
             FROM ledger
             WHERE customer_id = ?1 AND remaining > 0 AND (expires_at IS NULL OR expires_at > ?2)",
        )
        .db()?
        .query_row(params![customer_id, now], |r| Ok((r.get(0)?, r.get(1)?)))
        .db()?;
    let debt: i64 = conn
        .prepare_cached("SELECT COALESCE(SUM(uncovered), 0) FROM ledger WHERE customer_id = ?1 AND uncovered > 0")
        .db()?
        .query_row(params![customer_id], |r| r.get(0))
        .db()?;
    // Only live reserves hold bonuses: one older than `reserveDays` counts as released even
    // before a write gets round to releasing it (reserves::release_expired).
    let cutoff = super::policies::reserve_cutoff(conn, now)?.unwrap_or(i64::MIN);
    let mut reserved = 0;
    let mut stmt = conn
        .prepare_cached(
            "SELECT document_id, amount FROM reserves WHERE customer_id = ?1 AND created_at > ?2",
        )
        .db()?;
    let rows = stmt
        .query_map(params![customer_id, cutoff], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
        })
        .db()?;
    for row in rows {
        let (doc, amount) = row.db()?;
        if !except.contains(&doc.as_str()) {
            reserved += amount;
        }
    }
    Ok(Balances {
        active,
        inactive,
        reserved,
        debt,
    })
}

/// The nearest expiry after `now` and how much of the unspent credits expire then (hundredths,
/// local seconds), or `None` when nothing is set to expire.
pub(crate) fn nearest_expiry(
    conn: &Connection,
    customer_id: i64,
    now: i64,
) -> Result<Option<(i64, i64)>> {
    conn.prepare_cached(
        "SELECT SUM(remaining), expires_at FROM ledger
         WHERE customer_id = ?1 AND remaining > 0 AND expires_at > ?2
         GROUP BY expires_at ORDER BY expires_at LIMIT 1",
    )
    .db()?
    .query_row(params![customer_id, now], |r| Ok((r.get(0)?, r.get(1)?)))
    .optional()
    .db()
}

/// A new credit for the customer; it pays open debt first. Returns the ledger row id.
#[allow(clippy::too_many_arguments)]
pub(crate) fn credit(
    conn: &Connection,
    customer_id: i64,
    kind: &str,
    document_id: &str,
    return_id: Option<&str>,
    amount: i64,
    active_from: i64,
    expires_at: Option<i64>,
    now: i64,
) -> Result<i64> {
    debug_assert!(kind == "accrual" || kind == "restore");
    let mut remaining = amount;
    let mut debts = Vec::new();
    {
        let mut stmt = conn
            .prepare_cached("SELECT id, uncovered FROM ledger WHERE customer_id = ?1 AND uncovered > 0 ORDER BY id")
            .db()?;
        let rows = stmt
            .query_map(params![customer_id], |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?))
            })
            .db()?;
        for row in rows {
            debts.push(row.db()?);
        }
    }
    for (debit_id, uncovered) in debts {
        if remaining == 0 {
            break;
        }
        let pay = uncovered.min(remaining);
        conn.prepare_cached("UPDATE ledger SET uncovered = uncovered - ?2 WHERE id = ?1")
            .db()?
            .execute(params![debit_id, pay])
            .db()?;
        remaining -= pay;
    }
    conn.prepare_cached(
        "INSERT INTO ledger (customer_id, kind, document_id, return_id, amount, active_from, expires_at, remaining, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )
    .db()?
    .execute(params![customer_id, kind, document_id, return_id, amount, active_from, expires_at, remaining, now])
    .db()?;
    let id = conn.last_insert_rowid();
    add_to_total(conn, customer_id, amount)?;
    Ok(id)
}

/// Spends `amount` from active, unexpired credits, earliest expiry first. The caller has checked
/// the spendable balance; a shortfall here is a bug and rolls the transaction back.
pub(crate) fn spend(
    conn: &Connection,
    customer_id: i64,
    document_id: &str,
    amount: i64,
    now: i64,
) -> Result<()> {
    let credits = open_credits(conn, customer_id, now, true)?;
    let left = consume(conn, &credits, amount)?;
    if left > 0 {
        return Err(Error::of(
            ErrorCode::Internal,
            messages::embedded::ledger_short(from_cents(amount)),
        ));
    }
    insert_debit(
        conn,
        customer_id,
        "debit",
        document_id,
        None,
        amount,
        0,
        now,
    )
}

/// Takes back `amount` accrued by a returned purchase (see the module rules).
pub(crate) fn reverse(
    conn: &Connection,
    customer_id: i64,
    document_id: &str,
    return_id: &str,
    own_credit: Option<i64>,
    amount: i64,
    now: i64,
) -> Result<()> {
    let mut left = amount;
    if let Some(id) = own_credit {
        let remaining: Option<i64> = conn
            .prepare_cached("SELECT remaining FROM ledger WHERE id = ?1 AND (expires_at IS NULL OR expires_at > ?2)")
            .db()?
            .query_row(params![id, now], |r| r.get(0))
            .optional()
            .db()?;
        if let Some(remaining) = remaining {
            left = consume(conn, &[(id, remaining)], left)?;
        }
    }
    if left > 0 {
        let credits = open_credits(conn, customer_id, now, false)?;
        left = consume(conn, &credits, left)?;
    }
    insert_debit(
        conn,
        customer_id,
        "reversal",
        document_id,
        Some(return_id),
        amount,
        left,
        now,
    )
}

/// Open credits (id, remaining), unexpired at `now`, in spending order.
fn open_credits(
    conn: &Connection,
    customer_id: i64,
    now: i64,
    active_only: bool,
) -> Result<Vec<(i64, i64)>> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT id, remaining FROM ledger
             WHERE customer_id = ?1 AND remaining > 0 AND (expires_at IS NULL OR expires_at > ?2)
               AND (?3 = 0 OR active_from <= ?2)
             ORDER BY expires_at IS NULL, expires_at, active_from, id",
        )
        .db()?;
    let rows = stmt
        .query_map(params![customer_id, now, active_only as i64], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .db()?;
    rows.map(|r| r.db()).collect()
}

/// Takes up to `amount` from the credits in order; returns what is left uncovered.
fn consume(conn: &Connection, credits: &[(i64, i64)], amount: i64) -> Result<i64> {
    let mut left = amount;
    for &(id, remaining) in credits {
        if left == 0 {
            break;
        }
        let take = remaining.min(left);
        if take > 0 {
            conn.prepare_cached("UPDATE ledger SET remaining = remaining - ?2 WHERE id = ?1")
                .db()?
                .execute(params![id, take])
                .db()?;
            left -= take;
        }
    }
    Ok(left)
}

#[allow(clippy::too_many_arguments)]
fn insert_debit(
    conn: &Connection,
    customer_id: i64,
    kind: &str,
    document_id: &str,
    return_id: Option<&str>,
    amount: i64,
    uncovered: i64,
    now: i64,
) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO ledger (customer_id, kind, document_id, return_id, amount, uncovered, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )
    .db()?
    .execute(params![
        customer_id,
        kind,
        document_id,
        return_id,
        -amount,
        uncovered,
        now
    ])
    .db()?;
    add_to_total(conn, customer_id, -amount)
}

fn add_to_total(conn: &Connection, customer_id: i64, delta: i64) -> Result<()> {
    conn.prepare_cached("UPDATE customers SET ledger_total = ledger_total + ?2 WHERE id = ?1")
        .db()?
        .execute(params![customer_id, delta])
        .db()?;
    Ok(())
}
