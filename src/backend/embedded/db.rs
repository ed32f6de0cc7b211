//! Opening the database file and running transactions: WAL, busy timeout, `BEGIN IMMEDIATE`.

use super::{schema, Durability};
use crate::error::{Error, ErrorCode, Result};
use crate::messages;
use rusqlite::{Connection, Transaction, TransactionBehavior};
use std::path::Path;
use std::time::Duration;

/// How long a statement waits for another process's write lock before giving up. Writes are
/// short (well under a millisecond each), so this is only reached when something is stuck.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

pub(crate) fn open(path: &Path, durability: Durability) -> Result<Connection> {
    open_unlocated(path, durability).map_err(|e| locate(e, path))
}

fn open_unlocated(path: &Path, durability: Durability) -> Result<Connection> {
    let conn = Connection::open(path).map_err(|e| unusable_storage().with_detail(e.to_string()))?;
    conn.busy_timeout(BUSY_TIMEOUT).map_err(db_error)?;
    let mode: String = conn
        .query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))
        .map_err(db_error)?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(Error::of(
            ErrorCode::NotConfigured,
            messages::embedded::no_wal(mode),
        ));
    }
    let synchronous = match durability {
        Durability::ProcessCrash => "NORMAL",
        Durability::PowerLoss => "FULL",
    };
    conn.execute_batch(&format!(
        "PRAGMA synchronous={synchronous}; PRAGMA foreign_keys=ON;"
    ))
    .map_err(db_error)?;
    conn.set_prepared_statement_cache_capacity(64);
    schema::migrate(&conn)?;
    Ok(conn)
}

/// Runs `work` in one `BEGIN IMMEDIATE` transaction: the write lock is taken up front, so two
/// processes never both read a state and then write on top of it. Any error (or a panic) rolls back.
pub(crate) fn write<T>(
    conn: &Connection,
    work: impl FnOnce(&Transaction) -> Result<T>,
) -> Result<T> {
    let run = || {
        let tx =
            Transaction::new_unchecked(conn, TransactionBehavior::Immediate).map_err(db_error)?;
        let out = work(&tx)?;
        tx.commit().map_err(db_error)?;
        Ok(out)
    };
    run().map_err(|e| located_in(e, conn))
}

/// Runs `work` in a read transaction: one consistent snapshot across several queries.
pub(crate) fn read<T>(
    conn: &Connection,
    work: impl FnOnce(&Transaction) -> Result<T>,
) -> Result<T> {
    let run = || {
        let tx =
            Transaction::new_unchecked(conn, TransactionBehavior::Deferred).map_err(db_error)?;
        let out = work(&tx)?;
        tx.commit().map_err(db_error)?;
        Ok(out)
    };
    run().map_err(|e| located_in(e, conn))
}

/// The data folder cannot hold the database (read-only, full, missing, no permission): the
/// 1C administrator has to act, so NOT_CONFIGURED; the path is added by [`locate`].
fn unusable_storage() -> Error {
    Error::of(
        ErrorCode::NotConfigured,
        messages::embedded::STORAGE_UNWRITABLE,
    )
}

/// Names the file and what to do in a storage failure.
fn locate(mut e: Error, path: &Path) -> Error {
    if e.code == ErrorCode::NotConfigured
        && e.message_en == messages::embedded::STORAGE_UNWRITABLE.en
    {
        (e.message_ru, e.message_en) =
            messages::embedded::storage_unwritable_at(path.display()).pair();
    }
    e
}

fn located_in(e: Error, conn: &Connection) -> Error {
    match conn.path() {
        Some(path) => locate(e, Path::new(path)),
        None => e,
    }
}

/// A failure of the database: a storage problem (see [`unusable_storage`]) or SERVER with a
/// message free of SQLite's own text, which goes to the log as the detail.
pub(crate) fn db_error(e: rusqlite::Error) -> Error {
    use rusqlite::ErrorCode as Sqlite;
    let storage = matches!(
        e.sqlite_error_code(),
        Some(
            Sqlite::ReadOnly
                | Sqlite::CannotOpen
                | Sqlite::DiskFull
                | Sqlite::PermissionDenied
                | Sqlite::SystemIoFailure
        )
    );
    let error = if storage {
        unusable_storage()
    } else {
        Error::of(ErrorCode::Server, messages::embedded::DATABASE_ERROR)
    };
    error.with_detail(e.to_string())
}

/// Stored data that does not parse: a bug or a damaged file.
pub(crate) fn corrupt(what: &str) -> Error {
    Error::of(ErrorCode::Internal, messages::embedded::damaged_data(what))
}

pub(crate) trait SqlResult<T> {
    fn db(self) -> Result<T>;
}

impl<T> SqlResult<T> for rusqlite::Result<T> {
    fn db(self) -> Result<T> {
        self.map_err(db_error)
    }
}
