//! Stored bonus policies; the one that applies to an organization at a moment.

use super::db::{corrupt, SqlResult};
#[cfg(test)]
use crate::engine::select_policy;
use crate::engine::{BonusPolicy, LocalDateTime};
use crate::error::{Error, Result};
use crate::messages;
use rusqlite::{params, Connection, OptionalExtension};

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
///
/// [`select_policy`]'s rule asked of the table's key (organization, start date): the
/// organization's latest policy started by `at`, else the general one's. Only that policy is read
/// and parsed: every Calculate asks, and the history grows with each edit of the policy.
pub(crate) fn applying(
    conn: &Connection,
    organization: &str,
    at: LocalDateTime,
) -> Result<BonusPolicy> {
    let mut json = latest(conn, organization, at)?;
    if json.is_none() && !organization.is_empty() {
        json = latest(conn, "", at)?;
    }
    match json {
        Some(json) => serde_json::from_str(&json).map_err(|_| corrupt("policy")),
        None => Ok(BonusPolicy::default()),
    }
}

/// The stored text of the organization's latest policy started by `at`: one seek in the key.
fn latest(conn: &Connection, organization: &str, at: LocalDateTime) -> Result<Option<String>> {
    conn.prepare_cached(
        "SELECT policy_json FROM policies WHERE organization = ?1 AND start_date <= ?2
         ORDER BY start_date DESC LIMIT 1",
    )
    .db()?
    .query_row(params![organization, at.unix_seconds()], |r| r.get(0))
    .optional()
    .db()
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

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::Decimal;

    /// A history of policies for the general case and two organizations, asked at many moments
    /// for many organizations: the query picks what `select_policy` picks from them all.
    #[test]
    fn the_query_picks_what_select_policy_picks() {
        let conn = Connection::open_in_memory().unwrap();
        super::super::schema::migrate(&conn).unwrap();
        let day = |d: i64| LocalDateTime::from_unix_seconds(1_700_000_000 + d * 86_400);
        let mut percent = 0;
        for (organization, days) in [
            ("", &[-400, 0, 30, 90][..]),
            ("A", &[10, 60][..]),
            ("B", &[-1000, 45][..]),
            ("C", &[500][..]),
        ] {
            for &d in days {
                percent += 1;
                put(
                    &conn,
                    &BonusPolicy {
                        organization: organization.into(),
                        start_date: day(d),
                        accrual_percent: Decimal::from(percent),
                        ..BonusPolicy::default()
                    },
                )
                .unwrap();
            }
        }
        let stored = all(&conn).unwrap();
        let mut general = 0;
        for organization in ["", "A", "B", "C", "D", "a"] {
            for d in (-1200..700).step_by(5) {
                let at = day(d);
                let expected = select_policy(&stored, organization, at)
                    .cloned()
                    .unwrap_or_default();
                let got = applying(&conn, organization, at).unwrap();
                assert_eq!(got, expected, "{organization:?} at day {d}");
                general +=
                    usize::from(got.organization.is_empty() && got != BonusPolicy::default());
            }
        }
        // Organizations without their own policy yet, and dates before any: the general one
        // or the defaults.
        assert!(general > 100, "{general}");
        assert_eq!(
            applying(&conn, "A", day(-500)).unwrap(),
            BonusPolicy::default()
        );
    }
}
