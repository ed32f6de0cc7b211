//! A full consistency check of the database: SQLite's own integrity check, then the ledger and
//! sale invariants. Used by the tests after concurrent and crashing writers, and useful in the
//! field when someone doubts a balance.

use super::db::SqlResult;
use crate::error::Result;
use rusqlite::Connection;

/// What `EmbeddedBackend::audit` found. `problems` is empty for a consistent database.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuditReport {
    pub customers: usize,
    pub sales: usize,
    pub returns: usize,
    pub ledger_rows: usize,
    pub problems: Vec<String>,
}

impl AuditReport {
    pub fn is_clean(&self) -> bool {
        self.problems.is_empty()
    }
}

/// (what it means, a query listing the offenders as text).
const CHECKS: &[(&str, &str)] = &[
    (
        "customer ledger_total differs from the sum of its ledger rows",
        "SELECT c.phone || ': ' || c.ledger_total || ' vs ' || s FROM
           (SELECT c.id, c.phone, c.ledger_total, COALESCE((SELECT SUM(amount) FROM ledger l WHERE l.customer_id = c.id), 0) AS s
            FROM customers c) c WHERE c.ledger_total != s",
    ),
    (
        "consumed credits differ from covered debits",
        "SELECT phone || ': ' || consumed || ' vs ' || covered FROM
           (SELECT c.phone,
              COALESCE((SELECT SUM(amount - remaining) FROM ledger WHERE customer_id = c.id AND amount > 0), 0) AS consumed,
              COALESCE((SELECT SUM(-amount - uncovered) FROM ledger WHERE customer_id = c.id AND amount < 0), 0) AS covered
            FROM customers c) WHERE consumed != covered",
    ),
    (
        "purchasesTotal differs from the sales minus returns",
        "SELECT phone FROM (SELECT c.phone, c.purchases_total AS p,
              COALESCE((SELECT SUM(to_pay) FROM sales WHERE customer_id = c.id), 0)
            - COALESCE((SELECT SUM(sl.returned_sum) FROM sale_lines sl JOIN sales s USING (document_id)
                        WHERE s.customer_id = c.id), 0) AS expected
            FROM customers c) WHERE p != expected",
    ),
    (
        "sale not applied completely (lines, ledger rows, journal)",
        "SELECT s.document_id FROM sales s WHERE
              s.line_count != (SELECT COUNT(*) FROM sale_lines WHERE document_id = s.document_id)
           OR s.bonus_debit != (SELECT COALESCE(SUM(bonus_debit), 0) FROM sale_lines WHERE document_id = s.document_id)
           OR s.bonus_accrual != (SELECT COALESCE(SUM(bonus_accrual), 0) FROM sale_lines WHERE document_id = s.document_id)
           OR (SELECT COUNT(*) FROM ledger WHERE document_id = s.document_id AND kind = 'debit') != (s.bonus_debit > 0)
           OR (SELECT COUNT(*) FROM ledger WHERE document_id = s.document_id AND kind = 'accrual') != (s.bonus_accrual > 0)
           OR s.bonus_debit != -(SELECT COALESCE(SUM(amount), 0) FROM ledger WHERE document_id = s.document_id AND kind = 'debit')
           OR s.bonus_accrual != (SELECT COALESCE(SUM(amount), 0) FROM ledger WHERE document_id = s.document_id AND kind = 'accrual')
           OR (s.accrual_credit_id IS NOT NULL) != (s.bonus_accrual > 0)
           OR s.result_json = ''
           OR NOT EXISTS (SELECT 1 FROM documents d WHERE d.document_id = s.document_id AND d.state IN ('fixed', 'returned'))",
    ),
    (
        "returned amounts on sale lines differ from the return ledger rows",
        "SELECT s.document_id FROM sales s WHERE
              (SELECT COALESCE(SUM(reversed_accrual), 0) FROM sale_lines WHERE document_id = s.document_id)
           != -(SELECT COALESCE(SUM(amount), 0) FROM ledger WHERE document_id = s.document_id AND kind = 'reversal')
           OR (SELECT COALESCE(SUM(restored_debit), 0) FROM sale_lines WHERE document_id = s.document_id)
           != (SELECT COALESCE(SUM(amount), 0) FROM ledger WHERE document_id = s.document_id AND kind = 'restore')
           OR (SELECT COUNT(*) FROM sale_lines WHERE document_id = s.document_id AND
                 (returned_quantity > quantity OR returned_sum > sum_after))",
    ),
    (
        "ledger row without its sale or return",
        "SELECT l.id || ' ' || l.kind || ' ' || l.document_id FROM ledger l WHERE
              (l.kind IN ('debit', 'accrual') AND NOT EXISTS (SELECT 1 FROM sales s WHERE s.document_id = l.document_id)
                AND NOT EXISTS (SELECT 1 FROM owner_adjustments a
                                WHERE a.document_id = l.document_id AND a.customer_id = l.customer_id AND a.amount = l.amount))
           OR (l.kind IN ('reversal', 'restore') AND NOT EXISTS
                 (SELECT 1 FROM returns r WHERE r.return_id = l.return_id AND r.document_id = l.document_id))",
    ),
    (
        "journal says fixed but there is no sale",
        "SELECT document_id FROM documents d WHERE state IN ('fixed', 'returned')
           AND NOT EXISTS (SELECT 1 FROM sales s WHERE s.document_id = COALESCE(d.spent_by, d.document_id))",
    ),
    (
        "reserve of a fixed sale still held",
        "SELECT r.document_id FROM reserves r JOIN sales s USING (document_id)",
    ),
];

pub(crate) fn run(conn: &Connection) -> Result<AuditReport> {
    let mut report = AuditReport::default();
    let mut stmt = conn.prepare("PRAGMA integrity_check").db()?;
    let integrity: Vec<String> = stmt
        .query_map([], |r| r.get(0))
        .db()?
        .collect::<rusqlite::Result<_>>()
        .db()?;
    if integrity != ["ok"] {
        report.problems.extend(
            integrity
                .into_iter()
                .map(|m| format!("integrity_check: {m}")),
        );
    }
    for (what, sql) in CHECKS {
        let mut stmt = conn.prepare(sql).db()?;
        let offenders: Vec<String> = stmt
            .query_map([], |r| r.get::<_, String>(0))
            .db()?
            .collect::<rusqlite::Result<_>>()
            .db()?;
        report.problems.extend(
            offenders
                .into_iter()
                .take(20)
                .map(|o| format!("{what}: {o}")),
        );
    }
    let count = |table: &str| -> Result<usize> {
        let n: i64 = conn
            .query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))
            .db()?;
        Ok(n as usize)
    };
    report.customers = count("customers")?;
    report.sales = count("sales")?;
    report.returns = count("returns")?;
    report.ledger_rows = count("ledger")?;
    Ok(report)
}
