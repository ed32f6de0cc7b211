//! Versioned schema: `PRAGMA user_version` counts the migrations applied. Each migration runs in
//! the same `BEGIN IMMEDIATE` transaction as the version bump, so processes starting together
//! apply it once.
//!
//! Units: money and bonuses are INTEGER hundredths, quantities INTEGER thousandths, moments INTEGER
//! local seconds since 1970 (`LocalDateTime`). Never REAL.

use super::db::{self, SqlResult};
use crate::error::{Error, ErrorCode, Result};
use crate::messages;
use rusqlite::Connection;

const MIGRATIONS: &[&str] = &[
    // 1: the whole first schema.
    r#"
CREATE TABLE customers (
    id              INTEGER PRIMARY KEY,
    phone           TEXT NOT NULL UNIQUE,
    card_number     TEXT UNIQUE,            -- NULL: no card
    card_name       TEXT NOT NULL DEFAULT '',
    holder          TEXT NOT NULL DEFAULT '',
    first_name      TEXT NOT NULL DEFAULT '',
    last_name       TEXT NOT NULL DEFAULT '',
    middle_name     TEXT NOT NULL DEFAULT '',
    birth_date      INTEGER,
    gender          TEXT NOT NULL DEFAULT '',
    email           TEXT NOT NULL DEFAULT '',
    discount_percent TEXT,                  -- own discount as decimal text; NULL: the policy's
    phone_confirmed INTEGER NOT NULL DEFAULT 0,
    purchases_total INTEGER NOT NULL DEFAULT 0,
    ledger_total    INTEGER NOT NULL DEFAULT 0,  -- Σ ledger.amount, kept in the same transaction
    created_at      INTEGER NOT NULL
);

-- Credits (accrual, restore) have amount > 0, an activation moment, an optional expiry and the
-- part not yet consumed (remaining). Debits (debit, reversal) have amount < 0 and the part no
-- credit covered yet (uncovered: a debt that the next credits pay first).
CREATE TABLE ledger (
    id          INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers(id),
    kind        TEXT NOT NULL CHECK (kind IN ('accrual', 'restore', 'debit', 'reversal')),
    document_id TEXT NOT NULL,
    return_id   TEXT,
    amount      INTEGER NOT NULL,
    active_from INTEGER,
    expires_at  INTEGER,
    remaining   INTEGER NOT NULL DEFAULT 0,
    uncovered   INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL,
    CHECK ((kind IN ('accrual', 'restore') AND amount > 0 AND remaining BETWEEN 0 AND amount AND uncovered = 0)
        OR (kind IN ('debit', 'reversal') AND amount < 0 AND remaining = 0 AND uncovered BETWEEN 0 AND -amount))
);
CREATE INDEX ledger_open_credits ON ledger(customer_id, expires_at) WHERE remaining > 0;
CREATE INDEX ledger_debts ON ledger(customer_id, id) WHERE uncovered > 0;
CREATE INDEX ledger_by_document ON ledger(document_id);

CREATE TABLE reserves (
    document_id TEXT PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers(id),
    amount      INTEGER NOT NULL CHECK (amount >= 0),
    created_at  INTEGER NOT NULL
);
CREATE INDEX reserves_by_customer ON reserves(customer_id);

CREATE TABLE sales (
    document_id       TEXT PRIMARY KEY,
    customer_id       INTEGER NOT NULL REFERENCES customers(id),
    sale_at           INTEGER NOT NULL,
    organization      TEXT NOT NULL,
    document_sum      INTEGER NOT NULL,
    to_pay            INTEGER NOT NULL,
    bonus_debit       INTEGER NOT NULL,     -- bonuses spent
    bonus_accrual     INTEGER NOT NULL,     -- bonuses credited
    accrual_credit_id INTEGER REFERENCES ledger(id),
    restore_on_return INTEGER NOT NULL,     -- the sale's policy, kept for its returns
    expiry_days       INTEGER,
    line_count        INTEGER NOT NULL,
    result_json       TEXT NOT NULL,        -- the first SaleResult, returned on repeats
    created_at        INTEGER NOT NULL
);

CREATE TABLE sale_lines (
    document_id       TEXT NOT NULL REFERENCES sales(document_id),
    line_no           INTEGER NOT NULL,
    product           TEXT NOT NULL,
    quantity          INTEGER NOT NULL,     -- thousandths
    sum               INTEGER NOT NULL,
    sum_after         INTEGER NOT NULL,     -- paid
    bonus_debit       INTEGER NOT NULL,     -- bonuses spent on this line
    bonus_accrual     INTEGER NOT NULL,
    returned_quantity INTEGER NOT NULL DEFAULT 0,
    returned_sum      INTEGER NOT NULL DEFAULT 0,
    reversed_accrual  INTEGER NOT NULL DEFAULT 0,
    restored_debit    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (document_id, line_no)
) WITHOUT ROWID;

CREATE TABLE returns (
    return_id   TEXT PRIMARY KEY,
    document_id TEXT NOT NULL REFERENCES sales(document_id),
    return_at   INTEGER NOT NULL,
    result_json TEXT NOT NULL,
    created_at  INTEGER NOT NULL
);

-- The document journal behind BonusInfo.
CREATE TABLE documents (
    document_id          TEXT PRIMARY KEY,
    state                TEXT NOT NULL CHECK (state IN ('calculated', 'reserved', 'fixed', 'returned')),
    customer_id          INTEGER REFERENCES customers(id),
    document_sum         INTEGER NOT NULL DEFAULT 0,
    to_pay               INTEGER NOT NULL DEFAULT 0,
    bonus_debit          INTEGER NOT NULL DEFAULT 0,
    percent_discount_sum INTEGER NOT NULL DEFAULT 0,
    bonus_accrual        INTEGER NOT NULL DEFAULT 0,
    calculation_json     TEXT,
    updated_at           INTEGER NOT NULL
);

CREATE TABLE sms_codes (
    phone        TEXT PRIMARY KEY,
    code         TEXT,                      -- NULL once used
    sent_at      INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    confirmed_at INTEGER
);

CREATE TABLE products (
    id         TEXT PRIMARY KEY,
    parent_id  TEXT NOT NULL,
    name       TEXT NOT NULL,
    is_group   INTEGER NOT NULL,
    article    TEXT NOT NULL,
    store      TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE policies (
    organization TEXT NOT NULL,
    start_date   INTEGER NOT NULL,
    policy_json  TEXT NOT NULL,
    PRIMARY KEY (organization, start_date)
);
"#,
    // 2: an order whose reserve a sale spent is `fixed` in the journal; `spent_by` names that sale.
    r#"
ALTER TABLE documents ADD COLUMN spent_by TEXT;
"#,
    // 3: reserves older than the policy's `reserveDays` are released; each release is kept here.
    r#"
CREATE INDEX IF NOT EXISTS reserves_by_age ON reserves(created_at);
CREATE TABLE IF NOT EXISTS released_reserves (
    document_id TEXT NOT NULL,
    customer_id INTEGER NOT NULL REFERENCES customers(id),
    amount      INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    released_at INTEGER NOT NULL
);
"#,
    // 4: the loyalty server's API records, kept with the sales they belong to (api_store.rs).
    r#"
CREATE TABLE IF NOT EXISTS api_sales (
    document_id TEXT PRIMARY KEY REFERENCES sales(document_id),
    store       TEXT NOT NULL,
    cashier     TEXT NOT NULL
) WITHOUT ROWID;

-- A receipt line by the `ext` the POS gave it; price and POS discount as exact decimal text.
CREATE TABLE IF NOT EXISTS api_lines (
    ext          TEXT PRIMARY KEY,
    document_id  TEXT NOT NULL,
    line_no      INTEGER NOT NULL,
    category     TEXT NOT NULL,
    price        TEXT NOT NULL,
    pos_discount TEXT NOT NULL,
    FOREIGN KEY (document_id, line_no) REFERENCES sale_lines(document_id, line_no)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS api_lines_by_line ON api_lines(document_id, line_no);

-- Each `retail/back`: its id is the API's returnedPurchaseId, `back-<id>` the return's id.
CREATE TABLE IF NOT EXISTS api_backs (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    ext        TEXT NOT NULL,
    sum        INTEGER NOT NULL,
    created_at INTEGER NOT NULL
);
"#,
    // 5: the loyalty server's receipt notes (api_receipts.rs): the till's `desc` of a sale (what
    // retail/bonusActivities lists: the add-in's evidence of a posted sale) and the gift
    // certificates that paid part of it; sales by customer (bonusActivities, lastPurchaseDate).
    // Re-runnable like steps 3 and 4, so a renumbering of the steps on a merge cannot break a database.
    r#"
CREATE TABLE IF NOT EXISTS api_sale_notes (
    document_id TEXT PRIMARY KEY REFERENCES api_sales(document_id),
    description TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS api_gift_cards (
    document_id TEXT NOT NULL REFERENCES api_sales(document_id),
    position    INTEGER NOT NULL,           -- on the receipt, from 1
    card        TEXT NOT NULL,
    payment_sum INTEGER NOT NULL CHECK (payment_sum > 0),
    PRIMARY KEY (document_id, position)
) WITHOUT ROWID;

CREATE INDEX IF NOT EXISTS sales_by_customer ON sales(customer_id);
"#,
    // 6: the owner's cabinet (owner_write.rs): manual adjustments and the policy history.
    super::owner_write::TABLES,
];

/// The schema version this build writes.
pub(crate) const VERSION: i64 = MIGRATIONS.len() as i64;

pub(crate) fn migrate(conn: &Connection) -> Result<()> {
    let current: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .db()?;
    if current == VERSION {
        return Ok(());
    }
    db::write(conn, |tx| {
        // Read again under the write lock: another process may have migrated meanwhile.
        let current: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0)).db()?;
        if current > VERSION {
            return Err(Error::of(
                ErrorCode::NotConfigured,
                messages::embedded::schema_too_new(current, VERSION),
            ));
        }
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(current as usize) {
            tx.execute_batch(sql).db()?;
            tx.pragma_update(None, "user_version", (i + 1) as i64)
                .db()?;
        }
        Ok(())
    })
}
