//! RegisterCustomer with optional phone confirmation.
//!
//! With `confirmPhoneOnRegistration` on, a phone counts as confirmed when its code was confirmed
//! within the SMS window. Otherwise registration fails with SMS_REQUIRED — sending a code first
//! when none was sent yet — until `skipConfirmationAfterSeconds` have passed since the code was
//! sent; then the customer is registered with `phoneConfirmed: false` (a later CheckCode sets it).

use super::{codes, customers, policies, Settings};
use crate::backend::{CustomerData, Registration};
use crate::engine::LocalDateTime;
use crate::error::{Error, ErrorCode, Result};
use crate::messages;
use rusqlite::Connection;

pub(crate) enum Outcome {
    Done(Box<Registration>),
    /// Confirmation needed; `Some(code)` = a code was just stored and must now be sent.
    NeedsCode {
        send: Option<String>,
        wait_seconds: Option<i64>,
    },
}

pub(crate) fn register(
    conn: &Connection,
    phone: &str,
    card: &str,
    data: &CustomerData,
    now: LocalDateTime,
    s: &Settings,
) -> Result<Outcome> {
    let now_s = now.unix_seconds();
    let policy = policies::applying(conn, "", now)?;
    if let Some(existing) = customers::by_phone(conn, phone)? {
        return Ok(Outcome::Done(Box::new(Registration {
            created: false,
            customer: customers::view(conn, &existing, now_s, policy.discount_percent)?,
        })));
    }
    let confirmed = codes::confirmed_within(conn, phone, now_s, s.sms_window_seconds)?;
    if policy.confirm_phone_on_registration && !confirmed {
        let (sent_at, _) = codes::status(conn, phone)?;
        match (sent_at, policy.skip_confirmation_after_seconds) {
            (Some(sent), Some(skip)) if now_s - sent >= skip as i64 => {}
            (Some(sent), skip) => {
                let wait_seconds = skip.map(|k| k as i64 - (now_s - sent));
                return Ok(Outcome::NeedsCode {
                    send: None,
                    wait_seconds,
                });
            }
            (None, skip) => {
                let code = codes::random_code();
                codes::store(conn, phone, &code, now_s, s.code_ttl_seconds)?;
                return Ok(Outcome::NeedsCode {
                    send: Some(code),
                    wait_seconds: skip.map(|k| k as i64),
                });
            }
        }
    }
    customers::ensure_card_free(conn, card, None)?;
    let id = customers::insert(conn, phone, card, data, confirmed, now_s)?;
    let row = customers::by_id(conn, id)?;
    Ok(Outcome::Done(Box::new(Registration {
        created: true,
        customer: customers::view(conn, &row, now_s, policy.discount_percent)?,
    })))
}

pub(crate) fn code_required(wait_seconds: Option<i64>) -> Error {
    Error::of(
        ErrorCode::SmsRequired,
        messages::embedded::code_required(wait_seconds),
    )
}
