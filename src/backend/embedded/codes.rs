//! SMS confirmation codes: 6 random digits, valid for a while, a few attempts, single use.
//! A confirmed phone stays confirmed for spending for a window (see `EmbeddedOptions`).

use super::db::SqlResult;
use crate::error::Result;
use rusqlite::{params, Connection, OptionalExtension};
use std::io::Read;

/// Digits in a code: 10^6 combinations against a handful of attempts.
const CODE_DIGITS: u32 = 6;

/// A fresh random code. The OS generator when there is one; otherwise std's per-process random
/// hasher keys mixed with the time (still unpredictable to a cashier, which is the threat here).
pub(crate) fn random_code() -> String {
    let mut bytes = [0u8; 8];
    let from_os = std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut bytes))
        .is_ok();
    let n = if from_os {
        u64::from_le_bytes(bytes)
    } else {
        use std::hash::{BuildHasher, Hasher};
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0),
        );
        h.finish()
    };
    let modulus = 10u64.pow(CODE_DIGITS);
    format!("{:0width$}", n % modulus, width = CODE_DIGITS as usize)
}

/// Is `code` shaped like one of ours? Anything else is simply wrong, without spending an attempt.
pub(crate) fn well_formed(code: &str) -> bool {
    code.len() == CODE_DIGITS as usize && code.bytes().all(|b| b.is_ascii_digit())
}

/// Stores a new code for the phone, replacing the previous one and its confirmation.
pub(crate) fn store(conn: &Connection, phone: &str, code: &str, now: i64, ttl: i64) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO sms_codes (phone, code, sent_at, expires_at, attempts, confirmed_at)
         VALUES (?1, ?2, ?3, ?4, 0, NULL)
         ON CONFLICT (phone) DO UPDATE SET code = excluded.code, sent_at = excluded.sent_at,
             expires_at = excluded.expires_at, attempts = 0, confirmed_at = NULL",
    )
    .db()?
    .execute(params![phone, code, now, now + ttl])
    .db()?;
    Ok(())
}

/// Checks a code: right, unexpired and within the attempts → confirmed (and used up).
pub(crate) fn check(
    conn: &Connection,
    phone: &str,
    code: &str,
    now: i64,
    max_attempts: u32,
) -> Result<bool> {
    let row: Option<(Option<String>, i64, i64)> = conn
        .prepare_cached("SELECT code, expires_at, attempts FROM sms_codes WHERE phone = ?1")
        .db()?
        .query_row(params![phone], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()
        .db()?;
    let Some((Some(expected), expires_at, attempts)) = row else {
        return Ok(false);
    };
    if now >= expires_at || attempts >= max_attempts as i64 {
        return Ok(false);
    }
    if expected != code {
        conn.prepare_cached("UPDATE sms_codes SET attempts = attempts + 1 WHERE phone = ?1")
            .db()?
            .execute(params![phone])
            .db()?;
        return Ok(false);
    }
    conn.prepare_cached("UPDATE sms_codes SET code = NULL, confirmed_at = ?2 WHERE phone = ?1")
        .db()?
        .execute(params![phone, now])
        .db()?;
    Ok(true)
}

/// When the phone's code was last sent and last confirmed.
pub(crate) fn status(conn: &Connection, phone: &str) -> Result<(Option<i64>, Option<i64>)> {
    let row: Option<(i64, Option<i64>)> = conn
        .prepare_cached("SELECT sent_at, confirmed_at FROM sms_codes WHERE phone = ?1")
        .db()?
        .query_row(params![phone], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()
        .db()?;
    Ok(match row {
        Some((sent, confirmed)) => (Some(sent), confirmed),
        None => (None, None),
    })
}

/// Was a code for this phone confirmed within the last `window` seconds?
pub(crate) fn confirmed_within(
    conn: &Connection,
    phone: &str,
    now: i64,
    window: i64,
) -> Result<bool> {
    let (_, confirmed) = status(conn, phone)?;
    Ok(matches!(confirmed, Some(at) if at <= now && now - at <= window))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_six_digits_and_vary() {
        let codes: std::collections::HashSet<String> = (0..50).map(|_| random_code()).collect();
        assert!(codes.iter().all(|c| well_formed(c)));
        assert!(codes.len() > 40, "{}", codes.len());
        assert!(!well_formed("12345"));
        assert!(!well_formed("12a456"));
        assert!(!well_formed("１２３４５６"));
    }
}
