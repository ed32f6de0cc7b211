//! The boundary: the one place where the contract's input is checked, for both modes.
//!
//! Every value 1C passes (a parameter or a key of a JSON document) goes through these rules
//! before a backend sees it, so the same input is valid or refused with the same code whether the
//! add-in talks to the cloud or to its own database. The rules are pure: no 1C, no HTTP, no SQL.
//!
//! * Ids (`documentId`, `returnId`, `reserveId`, `DocumentId`): trimmed, 1 to 200 characters.
//! * Card numbers: trimmed, at most 64 characters, none of them a control character.
//! * Phones: [`crate::phone::normalize_phone`].
//! * Money: [`Money`], one type with one limit (0 to 10^12, at most 2 decimals).
//! * Quantities: above zero, at most 10^9, at most 3 decimals.
//! * Dates: 2000-01-01 to 2100-12-31 (1C's empty date means "now" and is read before this).
//! * Text: no NUL or other control characters, a length bound per field.
//!
//! Whole documents: [`documents`].

pub mod documents;
mod money;

pub use documents::{
    check_customer_data, check_order, check_products, check_return, customer_data, order,
    plain_order_utf16, products, registration, return_request, sale, CheckedOrder,
};
pub use money::{quantity, quantity_fault, Money, MAX_QUANTITY};

use crate::engine::LocalDateTime;
use crate::error::{Error, Result};
use crate::messages::{self, Msg};

/// Ids and codes: far above any 1C code, number or GUID.
pub const MAX_ID_CHARS: usize = 200;
/// Card numbers: a magnetic or barcode card number, with room for a prefix.
pub const MAX_CARD_CHARS: usize = 64;

/// An input error naming the field: `Поле «field»: …`.
pub fn bad(field: &str, what: impl Into<Msg>) -> Error {
    Error::bad_input(messages::contract::field(field, what.into()))
}

/// A value for a message, cut to a readable length.
pub fn shown(text: &str) -> String {
    let mut out: String = text.chars().take(40).collect();
    if out.len() < text.len() {
        out.push('…');
    }
    out.escape_debug().to_string()
}

/// Text from 1C: at most `max_chars` characters, no NUL or other control characters.
pub fn text(value: &str, field: &str, max_chars: usize) -> Result<()> {
    // Bytes bound chars from above: most strings never need counting.
    if value.len() > max_chars && value.chars().count() > max_chars {
        return Err(bad(field, messages::contract::text_too_long(max_chars)));
    }
    if let Some(c) = value.chars().find(|c| c.is_control()) {
        return Err(bad(field, messages::contract::control_char(c)));
    }
    Ok(())
}

/// A document id (`documentId`, `returnId`, `reserveId`): the trimmed id, 1 to 200 characters.
pub fn document_id(raw: &str, field: &str) -> Result<String> {
    let id = raw.trim();
    if id.is_empty() {
        return Err(bad(field, messages::contract::DOCUMENT_ID_REQUIRED));
    }
    text(id, field, MAX_ID_CHARS)?;
    Ok(id.to_owned())
}

/// An id that may be absent (`""`): the trimmed id or `""`.
pub fn optional_document_id(raw: &str, field: &str) -> Result<String> {
    if raw.trim().is_empty() {
        Ok(String::new())
    } else {
        document_id(raw, field)
    }
}

/// A card number: the trimmed number (`""` = none), at most 64 characters, no control characters.
/// Letters, digits, dashes, spaces and any other printable character a card may carry are fine.
pub fn card(raw: &str) -> Result<String> {
    let card = raw.trim();
    if card.len() > MAX_CARD_CHARS && card.chars().count() > MAX_CARD_CHARS {
        return Err(bad(
            "cardNumber",
            messages::contract::card_too_long(MAX_CARD_CHARS),
        ));
    }
    if card.chars().any(char::is_control) {
        return Err(bad(
            "cardNumber",
            messages::contract::card_control_char(&shown(card)),
        ));
    }
    Ok(card.to_owned())
}

/// A card number that must be given.
pub fn required_card(raw: &str) -> Result<String> {
    let card = card(raw)?;
    if card.is_empty() {
        return Err(bad("CardCode", messages::contract::CARD_NOT_GIVEN));
    }
    Ok(card)
}

/// A phone, normalized to `7XXXXXXXXXX`.
pub fn phone(raw: &str) -> Result<String> {
    crate::phone::normalize_phone(raw)
}

/// A phone that may be absent: `""` or the normalized phone.
pub fn optional_phone(raw: &str) -> Result<String> {
    if raw.trim().is_empty() {
        Ok(String::new())
    } else {
        phone(raw)
    }
}

/// The first moment a business date may have: 2000-01-01T00:00:00.
pub const FIRST_DATE: LocalDateTime = LocalDateTime::from_unix_seconds(946_684_800);
/// The last moment a business date may have: 2100-12-31T23:59:59.
pub const LAST_DATE: LocalDateTime = LocalDateTime::from_unix_seconds(4_133_980_799);

/// A sale, order or return date: 2000 to 2100. A date far off (a typo, 1600, 9999) would choose
/// the wrong policy or create bonuses that never activate.
pub fn date(value: LocalDateTime, field: &str) -> Result<LocalDateTime> {
    if value < FIRST_DATE || value > LAST_DATE {
        return Err(bad(field, messages::contract::date_out_of_range(value)));
    }
    Ok(value)
}

/// An optional date (`None` = now, decided by the backend).
pub fn optional_date(value: Option<LocalDateTime>, field: &str) -> Result<Option<LocalDateTime>> {
    value.map(|d| date(d, field)).transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_bounds_are_what_they_say() {
        assert_eq!(FIRST_DATE.to_string(), "2000-01-01T00:00:00");
        assert_eq!(LAST_DATE.to_string(), "2100-12-31T23:59:59");
        let d = |s: &str| LocalDateTime::parse(s).unwrap();
        assert!(date(d("1999-12-31T23:59:59"), "date").is_err());
        assert!(date(d("2101-01-01T00:00:00"), "date").is_err());
        assert!(date(d("9999-12-31T00:00:00"), "date").is_err());
        assert!(date(d("2026-12-04T20:00:00"), "date").is_ok());
    }

    #[test]
    fn ids_are_trimmed_and_checked_once() {
        assert_eq!(document_id("  ТД-1 \t", "documentId").unwrap(), "ТД-1");
        assert!(document_id(" ", "documentId").is_err());
        assert!(document_id("A\0B", "documentId").is_err());
        assert!(document_id(&"x".repeat(201), "documentId").is_err());
        assert_eq!(optional_document_id("  ", "documentId").unwrap(), "");
    }

    #[test]
    fn one_card_rule_fits_real_cards() {
        for ok in ["4601234567893", "A-12", "1234 5678", "№ 77/5", "", "  42  "] {
            assert!(card(ok).is_ok(), "{ok:?}");
        }
        assert_eq!(card("  42  ").unwrap(), "42");
        for bad in ["12\u{0}3", "12\n3", &"9".repeat(65)] {
            assert!(card(bad).is_err(), "{bad:?}");
        }
        assert!(required_card(" ").is_err());
    }

    #[test]
    fn text_refuses_control_characters() {
        assert!(text("Вентилятор", "name", 10).is_ok());
        assert!(text("a\u{0}b", "product", 10).is_err());
        assert!(text("a\u{1b}b", "product", 10).is_err());
        assert!(text("a\u{85}b", "product", 10).is_err());
        assert!(text("ёёёёё", "name", 5).is_ok());
        assert!(text("ёёёёёё", "name", 5).is_err());
    }
}
