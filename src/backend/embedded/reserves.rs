//! Bonus reserves held for open documents.

use super::db::SqlResult;
use super::sales::{insufficient, sms_required};
use super::{codes, customers, journal, ledger, policies, Settings};
use crate::backend::{customer_not_found, DocumentState};
use crate::engine::LocalDateTime;
use crate::error::{Error, Result};
use crate::messages;
use rusqlite::{params, Connection};

/// Holds `amount` for the document (replacing an earlier reserve of it). Reserves carry no
/// organization, so the policy of organization "" decides on SMS control.
pub(crate) fn reserve(
    conn: &Connection,
    doc: &str,
    phone: &str,
    amount: i64,
    now: LocalDateTime,
    s: &Settings,
) -> Result<()> {
    let now_s = now.unix_seconds();
    let customer =
        customers::by_phone(conn, phone)?.ok_or_else(|| customer_not_found("", phone))?;
    if matches!(
        journal::state(conn, doc)?,
        Some(DocumentState::Fixed | DocumentState::Returned)
    ) {
        return Err(Error::bad_input(
            messages::embedded::already_fixed_no_reserve(doc),
        ));
    }
    let policy = policies::applying(conn, "", now)?;
    if amount > 0
        && policy.sms_control
        && !codes::confirmed_within(conn, phone, now_s, s.sms_window_seconds)?
    {
        return Err(sms_required());
    }
    let spendable = ledger::balances(conn, customer.id, now_s, &[doc])?.spendable();
    if amount > 0 && amount > spendable {
        return Err(insufficient(amount, spendable.max(0)));
    }
    conn.prepare_cached(
        "INSERT INTO reserves (document_id, customer_id, amount, created_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (document_id) DO UPDATE SET customer_id = excluded.customer_id, amount = excluded.amount,
             created_at = excluded.created_at",
    )
    .db()?
    .execute(params![doc, customer.id, amount, now_s])
    .db()?;
    journal::record_reserve(conn, doc, customer.id, amount, now_s)
}

/// Releases every reserve older than the policy's `reserveDays`: each is kept in
/// `released_reserves` (the audit trail of what was held, by whom and when it lapsed) and its
/// document goes back to its calculation, as after CancelReserve. Run at the start of the writes
/// that touch reserves; reads already ignore such reserves ([`ledger::balances`]).
pub(crate) fn release_expired(conn: &Connection, now: LocalDateTime) -> Result<()> {
    let now_s = now.unix_seconds();
    let Some(cutoff) = policies::reserve_cutoff(conn, now_s)? else {
        return Ok(());
    };
    let expired: Vec<String> = conn
        .prepare_cached("SELECT document_id FROM reserves WHERE created_at <= ?1")
        .db()?
        .query_map(params![cutoff], |r| r.get(0))
        .db()?
        .collect::<rusqlite::Result<_>>()
        .db()?;
    for doc in expired {
        conn.prepare_cached(
            "INSERT INTO released_reserves (document_id, customer_id, amount, created_at, released_at)
             SELECT document_id, customer_id, amount, created_at, ?2 FROM reserves WHERE document_id = ?1",
        )
        .db()?
        .execute(params![doc, now_s])
        .db()?;
        conn.prepare_cached("DELETE FROM reserves WHERE document_id = ?1")
            .db()?
            .execute(params![doc])
            .db()?;
        journal::record_cancel(conn, &doc, now_s)?;
    }
    Ok(())
}

/// Whether a reserve of this document was released for its age.
pub(crate) fn was_released(conn: &Connection, doc: &str) -> Result<bool> {
    conn.prepare_cached("SELECT 1 FROM released_reserves WHERE document_id = ?1 LIMIT 1")
        .db()?
        .exists(params![doc])
        .db()
}

/// Releases the document's reserve; nothing to release is fine.
pub(crate) fn cancel(conn: &Connection, doc: &str, now: LocalDateTime) -> Result<()> {
    conn.prepare_cached("DELETE FROM reserves WHERE document_id = ?1")
        .db()?
        .execute(params![doc])
        .db()?;
    journal::record_cancel(conn, doc, now.unix_seconds())
}
