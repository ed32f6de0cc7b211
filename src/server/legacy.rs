//! Upgrading from a server that kept its own `server.db` beside `bonusplus.db`: its `ext` → line
//! mapping (with each sale's store and cashier, and its note and gift certificates where the last
//! version of that server kept them) moves into `bonusplus.db` once, then the old file is renamed
//! `server.db.imported` (kept as a backup, never read again). Amounts are not taken over: the
//! sales themselves were always in `bonusplus.db`.

use crate::backend::cloud::api::ApiGiftCard;
use crate::backend::{EmbeddedBackend, LegacyLine, LegacyNotes};
use crate::engine::GiftCard;
use crate::error::Result;
use rusqlite::{Connection, OpenFlags};
use std::path::Path;

pub(crate) const FILE_NAME: &str = "server.db";

fn read_lines(path: &Path) -> rusqlite::Result<Vec<LegacyLine>> {
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let mut st = conn.prepare(
        "SELECT l.ext, l.document_id, l.line_no, l.cat, l.price, l.ds, s.store, s.cashier
         FROM sale_lines l JOIN sales s ON s.id = l.sale_id",
    )?;
    let rows = st.query_map([], |r| {
        Ok(LegacyLine {
            ext: r.get(0)?,
            document_id: r.get(1)?,
            line_no: r.get(2)?,
            category: r.get(3)?,
            price: r.get(4)?,
            pos_discount: r.get(5)?,
            store: r.get(6)?,
            cashier: r.get(7)?,
        })
    })?;
    rows.collect()
}

/// Each sale's `desc` and gift certificates (JSON), if this `server.db` has them.
fn read_notes(path: &Path) -> rusqlite::Result<Vec<LegacyNotes>> {
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let has_notes: bool = conn.query_row(
        "SELECT COUNT(*) = 2 FROM pragma_table_info('sales') WHERE name IN ('description', 'gift_cards')",
        [],
        |r| r.get(0),
    )?;
    if !has_notes {
        return Ok(Vec::new());
    }
    let mut st = conn.prepare("SELECT document_id, description, gift_cards FROM sales")?;
    let rows = st.query_map([], |r| {
        let cards: String = r.get(2)?;
        Ok(LegacyNotes {
            document_id: r.get(0)?,
            description: r.get(1)?,
            gift_cards: serde_json::from_str::<Vec<ApiGiftCard>>(&cards)
                .unwrap_or_default()
                .into_iter()
                .map(|g| GiftCard {
                    id: g.id,
                    payment_sum: g.payment_sum,
                })
                .collect(),
        })
    })?;
    rows.collect()
}

/// Imports `server.db` if there is one; problems are logged and leave the old file in place.
pub(crate) fn import(data_dir: &Path, backend: &EmbeddedBackend) -> Result<()> {
    let path = data_dir.join(FILE_NAME);
    if !path.exists() {
        return Ok(());
    }
    let read = read_lines(&path).and_then(|lines| Ok((lines, read_notes(&path)?)));
    let (lines, notes) = match read {
        Ok(read) => read,
        Err(e) => {
            super::log(&format!("{}: not imported: {e}", path.display()));
            return Ok(());
        }
    };
    let taken = backend.import_legacy(&lines, &notes)?;
    super::log(&format!(
        "imported {taken} of {} receipt lines from {}",
        lines.len(),
        path.display()
    ));
    if let Err(e) = std::fs::rename(&path, data_dir.join("server.db.imported")) {
        super::log(&format!("{}: not renamed: {e}", path.display()));
    }
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(data_dir.join(format!("{FILE_NAME}{suffix}")));
    }
    Ok(())
}
