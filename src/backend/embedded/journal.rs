//! The document journal behind BonusInfo: the last calculation, the reserve, the sale, the return.

use super::customers::{self, holder_of};
use super::db::{corrupt, SqlResult};
use super::units::{engine_cents, from_cents};
use crate::backend::{BonusInfo, DocumentState};
use crate::engine::Calculation;
use crate::error::{Error, ErrorCode, Result};
use crate::messages;
use rusqlite::{params, Connection, OptionalExtension};

pub(crate) fn state(conn: &Connection, document_id: &str) -> Result<Option<DocumentState>> {
    let s: Option<String> = conn
        .prepare_cached("SELECT state FROM documents WHERE document_id = ?1")
        .db()?
        .query_row(params![document_id], |r| r.get(0))
        .optional()
        .db()?;
    s.map(|s| DocumentState::parse(&s).ok_or_else(|| corrupt("document state")))
        .transpose()
}

struct Figures {
    document_sum: i64,
    to_pay: i64,
    bonus_debit: i64,
    percent_discount_sum: i64,
    bonus_accrual: i64,
}

fn figures(calc: &Calculation) -> Result<Figures> {
    Ok(Figures {
        document_sum: engine_cents(calc.document_sum, "documentSum")?,
        to_pay: engine_cents(calc.to_pay, "toPay")?,
        bonus_debit: engine_cents(calc.bonus_debit, "bonusDebit")?,
        percent_discount_sum: engine_cents(calc.percent_discount_sum, "percentDiscountSum")?,
        bonus_accrual: engine_cents(calc.bonus_accrual, "bonusAccrual")?,
    })
}

fn upsert(
    conn: &Connection,
    doc: &str,
    state: DocumentState,
    customer_id: i64,
    f: &Figures,
    json: Option<&str>,
    now: i64,
) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO documents (document_id, state, customer_id, document_sum, to_pay, bonus_debit,
             percent_discount_sum, bonus_accrual, calculation_json, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
         ON CONFLICT (document_id) DO UPDATE SET state = excluded.state, customer_id = excluded.customer_id,
             document_sum = excluded.document_sum, to_pay = excluded.to_pay, bonus_debit = excluded.bonus_debit,
             percent_discount_sum = excluded.percent_discount_sum, bonus_accrual = excluded.bonus_accrual,
             calculation_json = COALESCE(excluded.calculation_json, documents.calculation_json),
             updated_at = excluded.updated_at",
    )
    .db()?
    .execute(params![
        doc,
        state.as_str(),
        customer_id,
        f.document_sum,
        f.to_pay,
        f.bonus_debit,
        f.percent_discount_sum,
        f.bonus_accrual,
        json,
        now
    ])
    .db()?;
    Ok(())
}

/// The last calculation of an open document. A fixed or returned document keeps its sale figures;
/// a reserved one stays reserved with the reserved amount.
pub(crate) fn record_calculation(
    conn: &Connection,
    doc: &str,
    customer_id: i64,
    calc: &Calculation,
    now: i64,
) -> Result<()> {
    let json = serde_json::to_string(calc).map_err(|_| corrupt("calculation"))?;
    let mut f = figures(calc)?;
    match state(conn, doc)? {
        Some(
            DocumentState::Fixed
            | DocumentState::Returned
            | DocumentState::Pending
            | DocumentState::Failed,
        ) => Ok(()),
        Some(DocumentState::Reserved) => {
            let reserved: i64 = conn
                .prepare_cached(
                    "SELECT COALESCE(MAX(amount), 0) FROM reserves WHERE document_id = ?1",
                )
                .db()?
                .query_row(params![doc], |r| r.get(0))
                .db()?;
            f.bonus_debit = reserved;
            upsert(
                conn,
                doc,
                DocumentState::Reserved,
                customer_id,
                &f,
                Some(&json),
                now,
            )
        }
        None | Some(DocumentState::Calculated) => upsert(
            conn,
            doc,
            DocumentState::Calculated,
            customer_id,
            &f,
            Some(&json),
            now,
        ),
    }
}

pub(crate) fn record_reserve(
    conn: &Connection,
    doc: &str,
    customer_id: i64,
    amount: i64,
    now: i64,
) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO documents (document_id, state, customer_id, bonus_debit, updated_at) VALUES (?1, 'reserved', ?2, ?3, ?4)
         ON CONFLICT (document_id) DO UPDATE SET state = 'reserved', customer_id = excluded.customer_id,
             bonus_debit = excluded.bonus_debit, updated_at = excluded.updated_at",
    )
    .db()?
    .execute(params![doc, customer_id, amount, now])
    .db()?;
    Ok(())
}

/// Back to the calculation after a reserve is cancelled (or gone, if there never was one).
pub(crate) fn record_cancel(conn: &Connection, doc: &str, now: i64) -> Result<()> {
    if state(conn, doc)? != Some(DocumentState::Reserved) {
        return Ok(());
    }
    let json: Option<String> = conn
        .prepare_cached("SELECT calculation_json FROM documents WHERE document_id = ?1")
        .db()?
        .query_row(params![doc], |r| r.get(0))
        .db()?;
    match json {
        None => {
            conn.prepare_cached("DELETE FROM documents WHERE document_id = ?1")
                .db()?
                .execute(params![doc])
                .db()?;
        }
        Some(json) => {
            let calc: Calculation =
                serde_json::from_str(&json).map_err(|_| corrupt("calculation"))?;
            conn.prepare_cached(
                "UPDATE documents SET state = 'calculated', bonus_debit = ?2, updated_at = ?3 WHERE document_id = ?1",
            )
            .db()?
            .execute(params![doc, engine_cents(calc.bonus_debit, "bonusDebit")?, now])
            .db()?;
        }
    }
    Ok(())
}

pub(crate) fn record_sale(
    conn: &Connection,
    doc: &str,
    customer_id: i64,
    calc: &Calculation,
    now: i64,
) -> Result<()> {
    upsert(
        conn,
        doc,
        DocumentState::Fixed,
        customer_id,
        &figures(calc)?,
        None,
        now,
    )
}

/// The order whose reserve a sale consumed is done with too: its BonusInfo shows `fixed` with
/// the reserved amount, not a reserve that no longer exists; `spent_by` names the sale.
pub(crate) fn record_reserve_spent(
    conn: &Connection,
    doc: &str,
    sale_document: &str,
    now: i64,
) -> Result<()> {
    conn.prepare_cached(
        "UPDATE documents SET state = 'fixed', spent_by = ?2, updated_at = ?3
         WHERE document_id = ?1 AND state = 'reserved'",
    )
    .db()?
    .execute(params![doc, sale_document, now])
    .db()?;
    Ok(())
}

pub(crate) fn record_return(conn: &Connection, doc: &str, now: i64) -> Result<()> {
    conn.prepare_cached(
        "UPDATE documents SET state = 'returned', updated_at = ?2 WHERE document_id = ?1",
    )
    .db()?
    .execute(params![doc, now])
    .db()?;
    Ok(())
}

pub(crate) fn info(conn: &Connection, doc: &str) -> Result<BonusInfo> {
    type Row = (String, Option<i64>, i64, i64, i64, i64, i64);
    let row: Option<Row> = conn
        .prepare_cached(
            "SELECT state, customer_id, document_sum, to_pay, bonus_debit, percent_discount_sum, bonus_accrual
             FROM documents WHERE document_id = ?1",
        )
        .db()?
        .query_row(params![doc], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
            ))
        })
        .optional()
        .db()?;
    let Some((
        state,
        customer_id,
        document_sum,
        to_pay,
        bonus_debit,
        percent_discount_sum,
        bonus_accrual,
    )) = row
    else {
        return Err(Error::of(
            ErrorCode::NotFound,
            messages::embedded::document_unknown(doc),
        ));
    };
    let customer = customer_id
        .map(|id| customers::by_id(conn, id))
        .transpose()?;
    Ok(BonusInfo {
        document_id: doc.to_string(),
        holder: customer.as_ref().map(holder_of).unwrap_or_default(),
        card_number: customer
            .as_ref()
            .and_then(|c| c.card_number.clone())
            .unwrap_or_default(),
        phone: customer
            .as_ref()
            .map(|c| c.phone.clone())
            .unwrap_or_default(),
        document_sum: from_cents(document_sum),
        to_pay: from_cents(to_pay),
        bonus_debit: from_cents(bonus_debit),
        percent_discount_sum: from_cents(percent_discount_sum),
        bonus_accrual: from_cents(bonus_accrual),
        state: DocumentState::parse(&state).ok_or_else(|| corrupt("document state"))?,
    })
}
