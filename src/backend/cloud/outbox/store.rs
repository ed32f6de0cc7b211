//! The durable outbox of the cloud backend (and, in `cache.rs`, its journal): one SQLite file
//! (`outbox.db`) in the data directory, WAL, one `BEGIN IMMEDIATE` transaction per state change,
//! shared safely by every process that uses the same directory.
//!
//! An outbox row is a sale (`kind = sale`, key = documentId) or a return (`kind = return`, key =
//! returnId), in one of the [`State`]s. The one rule that keeps a sale from reaching the service
//! twice lives here: a request is sent only by the process that moved the row from `queued` to
//! `sending` in one transaction ([`Store::claim_send`]), under its own owner token, and only that
//! owner may write the outcome ([`Store::finish`]). Nothing else ever moves a row back to
//! `queued` except an operator ([`Store::requeue`]) or a certain non-delivery seen by the owner.
//! No wall-clock lease is involved, so a clock step or a second process cannot double a send.

use crate::error::{Error, ErrorCode, Result};
use crate::messages;
use rusqlite::{params, Connection, OptionalExtension, Transaction, TransactionBehavior};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

pub const FILE_NAME: &str = "outbox.db";

pub use super::row::{now, owner_token, AuditEntry, Kind, Row, SendStamp, State, StoredError};

pub struct Store {
    conn: Mutex<Connection>,
    path: PathBuf,
}

pub(super) fn db_error(e: rusqlite::Error) -> Error {
    Error::of(ErrorCode::Server, messages::outbox::file_error(e))
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

/// Schema 2: the owner token and send stamp of the at-most-once rule, typed errors, the
/// follow-up column and the audit history of dropped and operator-settled rows.
const SCHEMA_2: &str = "
ALTER TABLE outbox ADD COLUMN owner TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN sent_wall INTEGER NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN sent_boot TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN sent_mono INTEGER NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN error_code TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN service_code TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN cleanup TEXT NOT NULL DEFAULT '';
CREATE TABLE IF NOT EXISTS outbox_audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    seq INTEGER NOT NULL,
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    action TEXT NOT NULL,
    state_before TEXT NOT NULL,
    plan TEXT NOT NULL,
    result TEXT NOT NULL,
    last_error TEXT NOT NULL,
    at INTEGER NOT NULL
);
";

/// How long one statement waits for another process's write before giving up: short, so a
/// locked file cannot stretch a 1C call far past its Timeout.
const BUSY_WAIT: Duration = Duration::from_millis(500);

impl Store {
    pub fn open(dir: &Path) -> Result<Store> {
        if dir.as_os_str().is_empty() {
            return Err(Error::of(
                ErrorCode::NotConfigured,
                messages::outbox::DATA_DIR_NOT_SET,
            ));
        }
        crate::private_files::create_dir(dir).map_err(|e| {
            Error::of(
                ErrorCode::NotConfigured,
                messages::outbox::data_dir_not_created(dir.display(), e),
            )
        })?;
        let path = dir.join(FILE_NAME);
        // Sales with customers' phones: the file is private (best effort, as the embedded store).
        let _ = crate::private_files::prepare_database(&path);
        let conn = Connection::open(&path).map_err(|e| {
            Error::of(
                ErrorCode::NotConfigured,
                messages::outbox::cannot_open(path.display(), e),
            )
        })?;
        conn.busy_timeout(BUSY_WAIT).map_err(db_error)?;
        let _mode: String = conn
            .query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))
            .map_err(db_error)?;
        // FULL: a sale handed to the outbox must survive a power cut too.
        conn.execute_batch("PRAGMA synchronous=FULL;")
            .map_err(db_error)?;
        conn.execute_batch(SCHEMA).map_err(db_error)?;
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(db_error)?;
        if version < 2 {
            let tx = Transaction::new_unchecked(&conn, TransactionBehavior::Immediate)
                .map_err(db_error)?;
            // Another process may have upgraded it meanwhile.
            let again: i64 = tx
                .query_row("PRAGMA user_version", [], |r| r.get(0))
                .map_err(db_error)?;
            if again < 2 {
                tx.execute_batch(SCHEMA_2).map_err(db_error)?;
                tx.execute_batch("PRAGMA user_version = 2")
                    .map_err(db_error)?;
            }
            tx.commit().map_err(db_error)?;
        }
        Ok(Store {
            conn: Mutex::new(conn),
            path,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub(super) fn conn(&self) -> MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(super) fn write<T>(
        &self,
        work: impl FnOnce(&Transaction) -> rusqlite::Result<T>,
    ) -> Result<T> {
        let conn = self.conn();
        let tx =
            Transaction::new_unchecked(&conn, TransactionBehavior::Immediate).map_err(db_error)?;
        let out = work(&tx).map_err(db_error)?;
        tx.commit().map_err(db_error)?;
        Ok(out)
    }

    const COLUMNS: &'static str = "seq, kind, key, state, plan, result, attempts, created_at,
        sent_wall, sent_boot, sent_mono, error_code, last_error, service_code, cleanup";

    fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
        Ok(Row {
            seq: r.get(0)?,
            kind: Kind::parse(&r.get::<_, String>(1)?),
            key: r.get(2)?,
            state: State::parse(&r.get::<_, String>(3)?),
            plan: r.get(4)?,
            result: r.get(5)?,
            attempts: r.get(6)?,
            created_at: r.get(7)?,
            sent: SendStamp {
                wall: r.get(8)?,
                boot: r.get(9)?,
                mono_ms: r.get(10)?,
            },
            last_error: StoredError {
                code: r.get(11)?,
                message: r.get(12)?,
                service_code: r.get(13)?,
            },
            cleanup: r.get(14)?,
        })
    }

    fn select_one(
        conn: &Connection,
        filter: &str,
        args: impl rusqlite::Params,
    ) -> rusqlite::Result<Option<Row>> {
        conn.query_row(
            &format!("SELECT {} FROM outbox WHERE {filter}", Self::COLUMNS),
            args,
            Self::row,
        )
        .optional()
    }

    pub fn get(&self, kind: Kind, key: &str) -> Result<Option<Row>> {
        Self::select_one(
            &self.conn(),
            "kind = ?1 AND key = ?2",
            params![kind.as_str(), key],
        )
        .map_err(db_error)
    }

    pub fn by_seq(&self, seq: i64) -> Result<Option<Row>> {
        Self::select_one(&self.conn(), "seq = ?1", params![seq]).map_err(db_error)
    }

    /// Stores a new row (state `queued`), or, when the key is there already, returns that row.
    /// A `failed` row is replaced by the new request: the service refused it, so it never happened.
    pub fn insert(&self, kind: Kind, key: &str, plan: &str, estimate: &str) -> Result<Row> {
        let t = now();
        self.write(|tx| {
            match Self::select_one(tx, "kind = ?1 AND key = ?2", params![kind.as_str(), key])? {
                Some(row) if row.state != State::Failed => return Ok(row),
                Some(row) => {
                    tx.execute(
                        "UPDATE outbox SET state = 'queued', plan = ?2, result = ?3, last_error = '',
                             error_code = '', service_code = '', owner = '', updated_at = ?4
                         WHERE seq = ?1",
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
            Self::select_one(tx, "kind = ?1 AND key = ?2", params![kind.as_str(), key])
                .map(|r| r.expect("written above"))
        })
    }

    /// Replaces the plan (and the estimate) of a row nobody is sending, keeping its state.
    pub fn save_plan(&self, seq: i64, plan: &str, result: Option<&str>) -> Result<()> {
        let t = now();
        self.write(|tx| {
            tx.execute(
                "UPDATE outbox SET plan = ?2, result = COALESCE(?3, result), updated_at = ?4
                 WHERE seq = ?1 AND state <> 'sending'",
                params![seq, plan, result, t],
            )
            .map(|_| ())
        })
    }

    /// The at-most-once gate: moves the row from `queued` to `sending` under `owner`, with the
    /// plan about to be sent. False when the row is in any other state (someone else sent it, is
    /// sending it, or it is settled): the caller must not send.
    pub fn claim_send(&self, seq: i64, owner: &str, plan: &str) -> Result<bool> {
        let stamp = SendStamp::now();
        let t = now();
        self.write(|tx| {
            let n = tx.execute(
                "UPDATE outbox SET state = 'sending', owner = ?2, plan = ?3, attempts = attempts + 1,
                     sent_wall = ?4, sent_boot = ?5, sent_mono = ?6, updated_at = ?4
                 WHERE seq = ?1 AND state = 'queued'",
                params![seq, owner, plan, t, stamp.boot, stamp.mono_ms],
            )?;
            Ok(n == 1)
        })
    }

    /// The owner writes what came of its request. Nothing happens when the row is no longer
    /// `sending` under this owner (evidence or an operator settled it meanwhile): returns false.
    pub fn finish(&self, seq: i64, owner: &str, outcome: &Outcome<'_>) -> Result<bool> {
        let t = now();
        self.write(|tx| {
            let n = tx.execute(
                "UPDATE outbox SET state = ?3, plan = COALESCE(?4, plan), result = COALESCE(?5, result),
                     remote_id = COALESCE(?6, remote_id), error_code = ?7, last_error = ?8,
                     service_code = ?9, cleanup = COALESCE(?10, cleanup), owner = '', updated_at = ?11
                 WHERE seq = ?1 AND state = 'sending' AND owner = ?2",
                params![
                    seq,
                    owner,
                    outcome.state.as_str(),
                    outcome.plan,
                    outcome.result,
                    outcome.remote_id,
                    outcome.error.code,
                    outcome.error.message,
                    outcome.error.service_code,
                    outcome.cleanup,
                    t
                ],
            )?;
            Ok(n == 1)
        })
    }

    /// Evidence proved the request reached the service: `sending` or `unconfirmed` becomes done,
    /// whoever sent it. False when the row was in another state.
    pub fn settle_posted(&self, seq: i64, result: &str, cleanup: &str) -> Result<bool> {
        let t = now();
        self.write(|tx| {
            let n = tx.execute(
                "UPDATE outbox SET state = 'done', result = ?2, cleanup = ?3, owner = '',
                     error_code = '', last_error = '', service_code = '', updated_at = ?4
                 WHERE seq = ?1 AND state IN ('sending', 'unconfirmed')",
                params![seq, result, cleanup, t],
            )?;
            Ok(n == 1)
        })
    }

    /// Records why an `unconfirmed` row is still unsettled (the last settlement attempt).
    pub fn note_unconfirmed(&self, seq: i64, why: &StoredError) -> Result<()> {
        let t = now();
        self.write(|tx| {
            tx.execute(
                "UPDATE outbox SET error_code = ?2, last_error = ?3, service_code = ?4, updated_at = ?5
                 WHERE seq = ?1 AND state = 'unconfirmed'",
                params![seq, why.code, why.message, why.service_code, t],
            )
            .map(|_| ())
        })
    }

    /// Operator or 1C decisions: moves a row from one of `from` to `to` (with the plan, result
    /// and follow-up of `change` when given), keeping an audit entry. False when the row is not
    /// in one of `from`.
    pub fn operator_move(
        &self,
        seq: i64,
        from: &[State],
        to: State,
        action: &str,
        change: &Change<'_>,
    ) -> Result<bool> {
        let t = now();
        self.write(|tx| {
            let Some(row) = Self::select_one(tx, "seq = ?1", params![seq])? else {
                return Ok(false);
            };
            if !from.contains(&row.state) {
                return Ok(false);
            }
            Self::audit(tx, &row, action, t)?;
            tx.execute(
                "UPDATE outbox SET state = ?2, owner = '', plan = COALESCE(?3, plan),
                     result = COALESCE(?4, result), cleanup = COALESCE(?5, cleanup), updated_at = ?6
                 WHERE seq = ?1",
                params![
                    seq,
                    to.as_str(),
                    change.plan,
                    change.result,
                    change.cleanup,
                    t
                ],
            )?;
            Ok(true)
        })
    }

    /// A `queued` row that was not sent: it stays queued (or becomes failed when the service
    /// refused something it needs first, such as an unknown customer), with why.
    pub fn not_sent(
        &self,
        seq: i64,
        to: State,
        plan: Option<&str>,
        why: &StoredError,
    ) -> Result<()> {
        let t = now();
        self.write(|tx| {
            tx.execute(
                "UPDATE outbox SET state = ?2, plan = COALESCE(?3, plan), error_code = ?4,
                     last_error = ?5, service_code = ?6, updated_at = ?7
                 WHERE seq = ?1 AND state = 'queued'",
                params![
                    seq,
                    to.as_str(),
                    plan,
                    why.code,
                    why.message,
                    why.service_code,
                    t
                ],
            )
            .map(|_| ())
        })
    }

    /// Rows in the `failed` state.
    pub fn failed_count(&self) -> Result<usize> {
        let conn = self.conn();
        conn.query_row(
            "SELECT COUNT(*) FROM outbox WHERE state = 'failed'",
            [],
            |r| r.get::<_, i64>(0),
        )
        .map(|n| n as usize)
        .map_err(db_error)
    }

    /// Removes a `queued` or `failed` row from the outbox, keeping it in the audit history.
    pub fn drop_row(&self, seq: i64) -> Result<bool> {
        let t = now();
        self.write(|tx| {
            let Some(row) = Self::select_one(tx, "seq = ?1", params![seq])? else {
                return Ok(false);
            };
            if !matches!(row.state, State::Queued | State::Failed) {
                return Ok(false);
            }
            Self::audit(tx, &row, "dropped", t)?;
            tx.execute("DELETE FROM outbox WHERE seq = ?1", params![seq])?;
            Ok(true)
        })
    }

    fn audit(tx: &Transaction, row: &Row, action: &str, t: i64) -> rusqlite::Result<()> {
        tx.execute(
            "INSERT INTO outbox_audit (seq, kind, key, action, state_before, plan, result, last_error, at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                row.seq,
                row.kind.as_str(),
                row.key,
                action,
                row.state.as_str(),
                row.plan,
                row.result,
                row.last_error.message,
                t
            ],
        )
        .map(|_| ())
    }

    /// The audit history, oldest first.
    pub fn audit_entries(&self) -> Result<Vec<AuditEntry>> {
        let conn = self.conn();
        let mut st = conn
            .prepare("SELECT kind, key, action, state_before FROM outbox_audit ORDER BY id")
            .map_err(db_error)?;
        let rows = st
            .query_map([], |r| {
                Ok(AuditEntry {
                    kind: Kind::parse(&r.get::<_, String>(0)?),
                    key: r.get(1)?,
                    action: r.get(2)?,
                    state_before: r.get(3)?,
                })
            })
            .map_err(db_error)?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(db_error)
    }

    /// Clears a done row's follow-up once it is carried out.
    pub fn clear_cleanup(&self, seq: i64) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "UPDATE outbox SET cleanup = '' WHERE seq = ?1",
                params![seq],
            )
            .map(|_| ())
        })
    }

    /// Rows not yet done (failed included), oldest first.
    pub fn open_rows(&self) -> Result<Vec<Row>> {
        self.rows("state <> 'done' ORDER BY seq")
    }

    /// Done rows that still owe a follow-up.
    pub fn cleanups(&self) -> Result<Vec<Row>> {
        self.rows("state = 'done' AND cleanup <> '' ORDER BY seq")
    }

    fn rows(&self, filter: &str) -> Result<Vec<Row>> {
        let conn = self.conn();
        let mut st = conn
            .prepare(&format!(
                "SELECT {} FROM outbox WHERE {filter}",
                Self::COLUMNS
            ))
            .map_err(db_error)?;
        let rows = st.query_map([], Self::row).map_err(db_error)?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(db_error)
    }

    /// Items waiting for delivery or settlement (queued, sending, unconfirmed); failed ones wait
    /// for 1C and are not counted.
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
}

/// What the owner of a send writes when its request is over.
pub struct Outcome<'a> {
    pub state: State,
    pub plan: Option<&'a str>,
    pub result: Option<&'a str>,
    pub remote_id: Option<&'a str>,
    pub error: StoredError,
    pub cleanup: Option<&'a str>,
}

/// What an operator's move changes besides the state.
#[derive(Default)]
pub struct Change<'a> {
    pub plan: Option<&'a str>,
    pub result: Option<&'a str>,
    pub cleanup: Option<&'a str>,
}

#[cfg(all(test, unix))]
mod tests {
    use super::{Store, FILE_NAME};
    use std::os::unix::fs::PermissionsExt;

    /// The outbox holds sales with customers' phones: its folder is made 0700 and the database
    /// and its WAL files 0600, also when an older version left the database 0644.
    #[test]
    fn the_outbox_files_are_private() {
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("outbox-data");
        let store = Store::open(&dir).unwrap();
        assert_eq!(mode(&dir), 0o700);
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            assert_eq!(mode(&path), 0o600, "{}", path.display());
        }
        drop(store);
        let db = dir.join(FILE_NAME);
        std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).unwrap();
        let _store = Store::open(&dir).unwrap();
        assert_eq!(mode(&db), 0o600);
    }
}
