//! The product catalogue uploaded from 1C.

use super::db::SqlResult;
use crate::backend::Products;
use crate::error::{Error, Result};
use rusqlite::{params, Connection};

/// Rows written between two progress reports.
pub(crate) const BATCH: usize = 500;
/// More than any real catalogue; keeps one call's work bounded.
const MAX_ITEMS: usize = 1_000_000;

fn field(value: &str, key: &str, index: usize, max: usize, required: bool) -> Result<()> {
    let bad = (required && value.trim().is_empty())
        || value.chars().count() > max
        || value.chars().any(char::is_control);
    if bad {
        return Err(Error::invalid(
            format!(
                "Номенклатура, элемент {}: поле «{key}» обязательно/не длиннее {max} символов",
                index + 1
            ),
            format!(
                "Products, item {}: field \"{key}\" is required/at most {max} characters",
                index + 1
            ),
        ));
    }
    Ok(())
}

pub(crate) fn validate(products: &Products) -> Result<()> {
    if products.items.len() > MAX_ITEMS {
        return Err(Error::invalid(
            format!("Слишком много номенклатуры за один вызов (больше {MAX_ITEMS})"),
            format!("Too many products in one call (over {MAX_ITEMS})"),
        ));
    }
    field(&products.store, "store", 0, 200, false)?;
    for (i, item) in products.items.iter().enumerate() {
        field(&item.id, "id", i, 100, true)?;
        field(&item.parent_id, "parentId", i, 100, false)?;
        field(&item.name, "name", i, 500, false)?;
        field(&item.article, "article", i, 100, false)?;
    }
    Ok(())
}

/// Upserts the validated items, reporting progress after each batch.
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
                item.id.trim(),
                item.parent_id.trim(),
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
