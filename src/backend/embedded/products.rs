//! The product catalogue uploaded from 1C.

use super::db::SqlResult;
use crate::backend::Products;
use crate::error::Result;
use rusqlite::{params, Connection};

/// Rows written between two progress reports.
pub(crate) const BATCH: usize = 500;
/// Upserts the items (checked by the boundary: ids trimmed and unique), reporting progress after each batch.
pub(crate) fn store(
    conn: &Connection,
    products: &Products,
    now: i64,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<usize> {
    let total = products.items.len();
    let mut stmt = conn
        .prepare_cached(
            "INSERT INTO products (id, parent_id, name, is_group, article, store, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT (id) DO UPDATE SET parent_id = excluded.parent_id, name = excluded.name,
                 is_group = excluded.is_group, article = excluded.article, store = excluded.store,
                 updated_at = excluded.updated_at",
        )
        .db()?;
    progress(0, total);
    for (done, chunk) in products.items.chunks(BATCH).enumerate() {
        for item in chunk {
            stmt.execute(params![
                item.id,
                item.parent_id,
                item.name,
                item.is_group,
                item.article,
                products.store,
                now
            ])
            .db()?;
        }
        progress((done * BATCH + chunk.len()).min(total), total);
    }
    Ok(total)
}

pub(crate) fn count(conn: &Connection) -> Result<usize> {
    let n: i64 = conn
        .query_row("SELECT COUNT(*) FROM products", [], |r| r.get(0))
        .db()?;
    Ok(n as usize)
}
