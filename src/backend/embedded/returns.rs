//! Returns of fixed sales, per line, exactly once per return id.
//!
//! The share of a line that is returned is measured by quantity, cumulatively: after returns of
//! q₁…qₙ out of Q, the reversed accrual is round(accrual × Σq / Q) and so is the restored spend,
//! so returning a line in pieces ends exactly at the full amounts. The money returned (`sum`) is
//! checked against the line's paid sum (also cumulatively) and lowers `purchasesTotal`.

use super::db::{corrupt, SqlResult};
use super::units::{from_cents, input_millis, proportion};
use super::{customers, journal, ledger, policies};
use crate::backend::{DeliveryStatus, ReturnRequest, ReturnResult};
use crate::contract::Money;
use crate::engine::LocalDateTime;
use crate::error::{Error, ErrorCode, Result};
use crate::messages;
use rusqlite::{params, Connection, OptionalExtension};

/// The lines of a Return the boundary checked ([`contract::check_return`]), in hundredths /
/// thousandths.
fn lines_of(request: &ReturnRequest) -> Result<Vec<(u32, i64, i64)>> {
    request
        .lines
        .iter()
        .map(|l| {
            Ok((
                l.line_no,
                input_millis(l.quantity, "quantity")?,
                Money::new(l.sum, "sum")?.kopecks(),
            ))
        })
        .collect()
}

struct LineState {
    quantity: i64,
    sum_after: i64,
    bonus_debit: i64,
    accrual: i64,
    returned_quantity: i64,
    returned_sum: i64,
    reversed: i64,
    restored: i64,
}

fn too_much(line_no: u32) -> Error {
    Error::bad_input(messages::embedded::return_over_sold(line_no))
}

pub(crate) fn return_sale(
    conn: &Connection,
    request: &ReturnRequest,
    now: LocalDateTime,
) -> Result<ReturnResult> {
    let lines = lines_of(request)?;
    let now_s = now.unix_seconds();
    let rid = request.return_id.as_str();
    let doc = request.document_id.as_str();
    let earlier: Option<(String, String)> = conn
        .prepare_cached("SELECT document_id, result_json FROM returns WHERE return_id = ?1")
        .db()?
        .query_row(params![rid], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()
        .db()?;
    if let Some((earlier_doc, json)) = earlier {
        if earlier_doc != doc {
            return Err(Error::bad_input(
                messages::embedded::return_of_another_sale(rid, &earlier_doc),
            ));
        }
        return serde_json::from_str(&json).map_err(|_| corrupt("return result"));
    }
    let sale: Option<(i64, Option<i64>, bool)> = conn
        .prepare_cached("SELECT customer_id, accrual_credit_id, restore_on_return FROM sales WHERE document_id = ?1")
        .db()?
        .query_row(params![doc], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()
        .db()?;
    let Some((customer_id, credit_id, restore_on_return)) = sale else {
        return Err(Error::of(
            ErrorCode::NotFound,
            messages::embedded::sale_not_found(doc),
        ));
    };
    let expiry_days: Option<i64> = conn
        .query_row(
            "SELECT expiry_days FROM sales WHERE document_id = ?1",
            params![doc],
            |r| r.get(0),
        )
        .db()?;

    // Every line checked and every amount computed before the first write.
    let mut updates = Vec::with_capacity(lines.len());
    let (mut reversed, mut restored, mut money) = (0i64, 0i64, 0i64);
    for &(line_no, quantity, sum) in &lines {
        let st: Option<LineState> = conn
            .prepare_cached(
                "SELECT quantity, sum_after, bonus_debit, bonus_accrual, returned_quantity, returned_sum,
                        reversed_accrual, restored_debit
                 FROM sale_lines WHERE document_id = ?1 AND line_no = ?2",
            )
            .db()?
            .query_row(params![doc, line_no], |r| {
                Ok(LineState {
                    quantity: r.get(0)?,
                    sum_after: r.get(1)?,
                    bonus_debit: r.get(2)?,
                    accrual: r.get(3)?,
                    returned_quantity: r.get(4)?,
                    returned_sum: r.get(5)?,
                    reversed: r.get(6)?,
                    restored: r.get(7)?,
                })
            })
            .optional()
            .db()?;
        let Some(st) = st else {
            return Err(Error::bad_input(messages::embedded::sale_has_no_line(
                doc, line_no,
            )));
        };
        let new_quantity = st.returned_quantity + quantity;
        let new_sum = st.returned_sum + sum;
        if new_quantity > st.quantity || new_sum > st.sum_after {
            return Err(too_much(line_no));
        }
        let new_reversed = proportion(st.accrual, new_quantity, st.quantity);
        let new_restored = if restore_on_return {
            proportion(st.bonus_debit, new_quantity, st.quantity)
        } else {
            0
        };
        reversed += new_reversed - st.reversed;
        restored += new_restored - st.restored;
        money += sum;
        updates.push((line_no, new_quantity, new_sum, new_reversed, new_restored));
    }

    for (line_no, q, s, rev, res) in updates {
        conn.prepare_cached(
            "UPDATE sale_lines SET returned_quantity = ?3, returned_sum = ?4, reversed_accrual = ?5, restored_debit = ?6
             WHERE document_id = ?1 AND line_no = ?2",
        )
        .db()?
        .execute(params![doc, line_no, q, s, rev, res])
        .db()?;
    }
    if reversed > 0 {
        ledger::reverse(conn, customer_id, doc, rid, credit_id, reversed, now_s)?;
    }
    if restored > 0 {
        // Bonuses given back are spendable at once and live as long as new accruals would.
        let expires = expiry_days.map(|d| now.start_of_day().add_days(d).unix_seconds());
        ledger::credit(
            conn,
            customer_id,
            "restore",
            doc,
            Some(rid),
            restored,
            now_s,
            expires,
            now_s,
        )?;
    }
    customers::add_purchases(conn, customer_id, -money)?;
    journal::record_return(conn, doc, now_s)?;

    let row = customers::by_id(conn, customer_id)?;
    let discount = policies::applying(conn, "", now)?.discount_percent;
    let result = ReturnResult {
        return_id: rid.to_string(),
        status: DeliveryStatus::Done,
        bonus_restored: from_cents(restored),
        bonus_reversed: from_cents(reversed),
        customer: customers::view(conn, &row, now_s, discount)?,
    };
    let json = serde_json::to_string(&result).map_err(|_| corrupt("return result"))?;
    let return_at = request.date.unwrap_or(now).unix_seconds();
    conn.prepare_cached(
        "INSERT INTO returns (return_id, document_id, return_at, result_json, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
    )
    .db()?
    .execute(params![rid, doc, return_at, json, now_s])
    .db()?;
    Ok(result)
}
