//! Opening the database file and running transactions: WAL, busy timeout, `BEGIN IMMEDIATE`.

use super::{schema, Durability};
use crate::error::{Error, ErrorCode, Result};
use rusqlite::{Connection, Transaction, TransactionBehavior};
use std::path::Path;
use std::time::Duration;

/// How long a statement waits for another process's write lock before giving up. Writes are
/// short (well under a millisecond each), so this is only reached when something is stuck.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

pub(crate) fn open(path: &Path, durability: Durability) -> Result<Connection> {
    let conn = Connection::open(path).map_err(|e| {
        Error::new(
            ErrorCode::NotConfigured,
            format!("Не удалось открыть базу бонусов {}: {e}", path.display()),
            format!("Could not open the bonus database {}: {e}", path.display()),
        )
    })?;
    conn.busy_timeout(BUSY_TIMEOUT).map_err(db_error)?;
    let mode: String = conn
        .query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))
        .map_err(db_error)?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(Error::new(
            ErrorCode::NotConfigured,
            format!("База бонусов не поддерживает режим WAL (режим {mode}): нужен локальный диск"),
            format!("The bonus database cannot use WAL (got {mode}): it needs a local disk"),
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
    let tx = Transaction::new_unchecked(conn, TransactionBehavior::Immediate).map_err(db_error)?;
    let out = work(&tx)?;
    tx.commit().map_err(db_error)?;
    Ok(out)
}

/// Runs `work` in a read transaction: one consistent snapshot across several queries.
pub(crate) fn read<T>(
    conn: &Connection,
    work: impl FnOnce(&Transaction) -> Result<T>,
) -> Result<T> {
    let tx = Transaction::new_unchecked(conn, TransactionBehavior::Deferred).map_err(db_error)?;
    let out = work(&tx)?;
    tx.commit().map_err(db_error)?;
    Ok(out)
}

/// A storage failure: the database file could not be read or written.
pub(crate) fn db_error(e: rusqlite::Error) -> Error {
    Error::new(
        ErrorCode::Server,
        format!("Ошибка базы бонусов: {e}"),
        format!("Bonus database error: {e}"),
    )
}

/// Stored data that does not parse: a bug or a damaged file.
pub(crate) fn corrupt(what: &str) -> Error {
    Error::new(
        ErrorCode::Internal,
        format!("Повреждённые данные в базе бонусов: {what}"),
        format!("Damaged data in the bonus database: {what}"),
    )
}

pub(crate) trait SqlResult<T> {
    fn db(self) -> Result<T>;
}

impl<T> SqlResult<T> for rusqlite::Result<T> {
    fn db(self) -> Result<T> {
        self.map_err(db_error)
    }
}
