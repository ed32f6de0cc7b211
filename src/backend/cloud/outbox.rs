//! The durable outbox and the document journal of the cloud backend: one SQLite file
//! (`outbox.db`) in the data directory, WAL, one `BEGIN IMMEDIATE` transaction per state change,
//! shared safely by every process that uses the same directory.
//!
//! An outbox row is a sale (`kind = sale`, key = documentId) or a return (`kind = return`, key =
//! returnId). States:
//! * `queued`: stored, not sent (or known not to have gone through);
//! * `sending`: the request is on the wire right now (a row left `sending` by a dead process is
//!   treated as `unconfirmed`);
//! * `unconfirmed`: the request may have reached the service (timeout, cut connection, 5xx,
//!   unreadable answer); it is never re-sent before the service's state says it did not arrive;
//! * `done`: delivered, `result` holds the final answer;
//! * `failed`: the service refused it (4xx); not delivered later; fixing the same document again
//!   tries afresh.
//!
//! A process works on a row only under a lease (`lease_until`), so two processes never deliver
//! the same row at once.

use crate::error::{Error, ErrorCode, Result};
use rusqlite::{params, Connection, OptionalExtension, Transaction, TransactionBehavior};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub const FILE_NAME: &str = "outbox.db";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Sale,
    Return,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Sale => "sale",
            Kind::Return => "return",
        }
    }
    fn parse(s: &str) -> Kind {
        if s == "return" {
            Kind::Return
        } else {
            Kind::Sale
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    Queued,
    Sending,
    Unconfirmed,
    Done,
    Failed,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Queued => "queued",
            State::Sending => "sending",
            State::Unconfirmed => "unconfirmed",
            State::Done => "done",
            State::Failed => "failed",
        }
    }
    fn parse(s: &str) -> State {
        match s {
            "sending" => State::Sending,
            "unconfirmed" => State::Unconfirmed,
            "done" => State::Done,
            "failed" => State::Failed,
            _ => State::Queued,
        }
    }
}

/// One outbox row. `plan` and `result` are JSON owned by the backend.
#[derive(Clone, Debug)]
pub struct Row {
    pub seq: i64,
    pub kind: Kind,
    pub key: String,
    pub state: State,
    pub plan: String,
    pub result: String,
}

pub struct Store {
    conn: Mutex<Connection>,
    path: PathBuf,
}

fn db_error(e: rusqlite::Error) -> Error {
    Error::new(
        ErrorCode::Internal,
        format!("Ошибка файла отложенных продаж: {e}"),
        format!("Outbox file error: {e}"),
    )
}

pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    state TEXT NOT NULL,
    plan TEXT NOT NULL,
    result TEXT NOT NULL DEFAULT '',
    remote_id TEXT NOT NULL DEFAULT '',
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT '',
    lease_until INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (kind, key)
);
CREATE TABLE IF NOT EXISTS journal (
    document_id TEXT PRIMARY KEY,
    state TEXT NOT NULL,
    info TEXT NOT NULL,
    calculation TEXT NOT NULL DEFAULT '',
    updated_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS customers (
    phone TEXT PRIMARY KEY,
    card TEXT NOT NULL DEFAULT '',
    customer TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);
";

impl Store {
    pub fn open(dir: &Path) -> Result<Store> {
        if dir.as_os_str().is_empty() {
            return Err(Error::new(
                ErrorCode::NotConfigured,
                "Не задан каталог данных (КаталогДанных) для отложенных продаж",
                "No data directory (DataDirectory) for the outbox",
            ));
        }
        std::fs::create_dir_all(dir).map_err(|e| {
            Error::new(
                ErrorCode::NotConfigured,
                format!("Не удалось создать каталог данных {}: {e}", dir.display()),
                format!("Could not create the data directory {}: {e}", dir.display()),
            )
        })?;
        let path = dir.join(FILE_NAME);
        let conn = Connection::open(&path).map_err(|e| {
            Error::new(
                ErrorCode::NotConfigured,
                format!("Не удалось открыть {}: {e}", path.display()),
                format!("Could not open {}: {e}", path.display()),
            )
        })?;
        conn.busy_timeout(Duration::from_secs(30))
            .map_err(db_error)?;
        let _mode: String = conn
            .query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))
            .map_err(db_error)?;
        // FULL: a sale handed to the outbox must survive a power cut too.
        conn.execute_batch("PRAGMA synchronous=FULL;")
            .map_err(db_error)?;
        conn.execute_batch(SCHEMA).map_err(db_error)?;
        Ok(Store {
            conn: Mutex::new(conn),
            path,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn write<T>(&self, work: impl FnOnce(&Transaction) -> rusqlite::Result<T>) -> Result<T> {
        let conn = self.conn();
        let tx =
            Transaction::new_unchecked(&conn, TransactionBehavior::Immediate).map_err(db_error)?;
        let out = work(&tx).map_err(db_error)?;
        tx.commit().map_err(db_error)?;
        Ok(out)
    }

    fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
        Ok(Row {
            seq: r.get(0)?,
            kind: Kind::parse(&r.get::<_, String>(1)?),
            key: r.get(2)?,
            state: State::parse(&r.get::<_, String>(3)?),
            plan: r.get(4)?,
            result: r.get(5)?,
        })
    }

    const COLUMNS: &'static str = "seq, kind, key, state, plan, result";

    pub fn get(&self, kind: Kind, key: &str) -> Result<Option<Row>> {
        let conn = self.conn();
        conn.query_row(
            &format!(
                "SELECT {} FROM outbox WHERE kind = ?1 AND key = ?2",
                Self::COLUMNS
            ),
            params![kind.as_str(), key],
            Self::row,
        )
        .optional()
        .map_err(db_error)
    }

    pub fn by_seq(&self, seq: i64) -> Result<Option<Row>> {
        let conn = self.conn();
        conn.query_row(
            &format!("SELECT {} FROM outbox WHERE seq = ?1", Self::COLUMNS),
            params![seq],
            Self::row,
        )
        .optional()
        .map_err(db_error)
    }

    /// Stores a new row (state `queued`), or, when the key is there already, returns that row.
    /// A `failed` row is replaced by the new request: the service refused it, so it never happened.
    pub fn insert(&self, kind: Kind, key: &str, plan: &str, estimate: &str) -> Result<Row> {
        let t = now();
        self.write(|tx| {
            let existing = tx
                .query_row(
                    &format!("SELECT {} FROM outbox WHERE kind = ?1 AND key = ?2", Self::COLUMNS),
                    params![kind.as_str(), key],
                    Self::row,
                )
                .optional()?;
            match existing {
                Some(row) if row.state != State::Failed => return Ok(row),
                Some(row) => {
                    tx.execute(
                        "UPDATE outbox SET state = 'queued', plan = ?2, result = ?3, last_error = '',
                             lease_until = 0, updated_at = ?4 WHERE seq = ?1",
                        params![row.seq, plan, estimate, t],
                    )?;
                }
                None => {
                    tx.execute(
                        "INSERT INTO outbox (kind, key, state, plan, result, created_at, updated_at)
                         VALUES (?1, ?2, 'queued', ?3, ?4, ?5, ?5)",
                        params![kind.as_str(), key, plan, estimate, t],
                    )?;
                }
            }
            tx.query_row(
                &format!("SELECT {} FROM outbox WHERE kind = ?1 AND key = ?2", Self::COLUMNS),
                params![kind.as_str(), key],
                Self::row,
            )
        })
    }

    /// Takes the row for delivery until `lease`: false when it is done, failed, or another
    /// process holds it.
    pub fn claim(&self, seq: i64, lease: Duration) -> Result<bool> {
        let t = now();
        self.write(|tx| {
            let n = tx.execute(
                "UPDATE outbox SET lease_until = ?2, attempts = attempts + 1
                 WHERE seq = ?1 AND state NOT IN ('done', 'failed') AND lease_until < ?3",
                params![seq, t + lease.as_secs() as i64 + 1, t],
            )?;
            Ok(n == 1)
        })
    }

    /// Extends the lease of a row being worked on.
    pub fn renew(&self, seq: i64, lease: Duration) -> Result<()> {
        let t = now();
        self.write(|tx| {
            tx.execute(
                "UPDATE outbox SET lease_until = ?2 WHERE seq = ?1",
                params![seq, t + lease.as_secs() as i64 + 1],
            )
            .map(|_| ())
        })
    }

    pub fn release(&self, seq: i64) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "UPDATE outbox SET lease_until = 0 WHERE seq = ?1",
                params![seq],
            )
            .map(|_| ())
        })
    }

    /// One state change: the state, and optionally the plan, result, remote id and error text.
    pub fn set(
        &self,
        seq: i64,
        state: State,
        plan: Option<&str>,
        result: Option<&str>,
        remote_id: Option<&str>,
        error: Option<&str>,
    ) -> Result<()> {
        let t = now();
        self.write(|tx| {
            tx.execute(
                "UPDATE outbox SET state = ?2, plan = COALESCE(?3, plan), result = COALESCE(?4, result),
                     remote_id = COALESCE(?5, remote_id), last_error = COALESCE(?6, last_error),
                     updated_at = ?7 WHERE seq = ?1",
                params![seq, state.as_str(), plan, result, remote_id, error, t],
            )
            .map(|_| ())
        })
    }

    /// Rows still to deliver, oldest first.
    pub fn pending(&self) -> Result<Vec<Row>> {
        let conn = self.conn();
        let mut st = conn
            .prepare(&format!(
                "SELECT {} FROM outbox WHERE state NOT IN ('done', 'failed') ORDER BY seq",
                Self::COLUMNS
            ))
            .map_err(db_error)?;
        let rows = st.query_map([], Self::row).map_err(db_error)?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(db_error)
    }

    pub fn pending_count(&self) -> Result<usize> {
        let conn = self.conn();
        conn.query_row(
            "SELECT COUNT(*) FROM outbox WHERE state NOT IN ('done', 'failed')",
            [],
            |r| r.get::<_, i64>(0),
        )
        .map(|n| n as usize)
        .map_err(db_error)
    }

    // The journal (BonusInfo) and the last customer seen per phone.

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
