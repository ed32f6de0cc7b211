//! Stored bonus policies; the one that applies to an organization at a moment.

use super::db::{corrupt, SqlResult};
use crate::engine::{select_policy, BonusPolicy, LocalDateTime};
use crate::error::{Error, Result};
use crate::messages;
use rusqlite::{params, Connection};

pub(crate) fn all(conn: &Connection) -> Result<Vec<BonusPolicy>> {
    let mut stmt = conn
        .prepare_cached("SELECT policy_json FROM policies ORDER BY organization, start_date")
        .db()?;
    let rows = stmt.query_map([], |r| r.get::<_, String>(0)).db()?;
    let mut out = Vec::new();
    for row in rows {
        let json = row.db()?;
        out.push(serde_json::from_str(&json).map_err(|_| corrupt("policy"))?);
    }
    Ok(out)
}

/// The policy for `organization` at `at`; without a stored one, the defaults.
pub(crate) fn applying(
    conn: &Connection,
    organization: &str,
    at: LocalDateTime,
) -> Result<BonusPolicy> {
    let stored = all(conn)?;
    Ok(select_policy(&stored, organization, at)
        .cloned()
        .unwrap_or_default())
}

/// The moment up to which a reserve made then has expired at `now` (the general policy's
/// `reserveDays`; reserves carry no organization), or `None` when reserves never expire.
pub(crate) fn reserve_cutoff(conn: &Connection, now: i64) -> Result<Option<i64>> {
    let days = applying(conn, "", LocalDateTime::from_unix_seconds(now))?.reserve_days;
    Ok((days > 0).then(|| now - i64::from(days) * 86_400))
}

/// Adds the policy or replaces the one with the same organization and start date.
pub(crate) fn put(conn: &Connection, policy: &BonusPolicy) -> Result<()> {
    if policy.organization.chars().count() > 200 {
        return Err(Error::bad_input(messages::embedded::ORGANIZATION_TOO_LONG));
    }
    policy.validate()?;
    let json = serde_json::to_string(policy).map_err(|_| corrupt("policy"))?;
    conn.prepare_cached(
        "INSERT INTO policies (organization, start_date, policy_json) VALUES (?1, ?2, ?3)
         ON CONFLICT (organization, start_date) DO UPDATE SET policy_json = excluded.policy_json",
    )
    .db()?
    .execute(params![
        policy.organization,
        policy.start_date.unix_seconds(),
        json
    ])
    .db()?;
    Ok(())
}
