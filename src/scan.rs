//! Raw barcode-scanner data (as 1C forwards it from the scanner's external event) → a card code or
//! a phone.

use crate::error::Error;
use crate::phone::normalize_phone;
use serde::Serialize;

/// What a scan identified.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "value", rename_all = "lowercase")]
pub enum Scan {
    Card(String),
    Phone(String),
}

/// Longest scan we look at: a loyalty card barcode or a phone is short; a QR payload with a phone
/// is under a hundred characters.
const MAX_SCAN_CHARS: usize = 512;

/// Parses raw scanner data:
/// * control characters (STX/ETX framing, CR/LF suffixes, GS separators) and surrounding spaces
///   are dropped, and so is an AIM symbology identifier prefix (`]E0`, `]C1`, …);
/// * `tel:` payloads, `+…` numbers and 10/11-digit Russian numbers are phones (normalized);
/// * 8 and 13 digits are EAN-8 / EAN-13 card codes whose check digit must be right;
/// * anything else printable is a card code as it stands.
pub fn parse_scan(raw: &str) -> Result<Scan, Error> {
    if raw.chars().count() > MAX_SCAN_CHARS {
        return Err(Error::invalid(
            format!("Слишком длинные данные сканера (больше {MAX_SCAN_CHARS} символов)"),
            format!("Scanner data too long (over {MAX_SCAN_CHARS} characters)"),
        ));
    }
    let cleaned: String = raw.chars().filter(|c| !c.is_control()).collect();
    let mut text = cleaned.trim();
    if let Some(rest) = text.strip_prefix(']') {
        // AIM identifier: ']' + symbology letter + modifier digit.
        text = rest.get(2..).unwrap_or("").trim_start();
    }
    if text.is_empty() {
        return Err(Error::invalid(
            "Пустые данные сканера: код карты или телефон не распознан",
            "Empty scanner data: no card code or phone found",
        ));
    }
    let lower = text.to_lowercase();
    if let Some(number) = lower.strip_prefix("tel:") {
        return normalize_phone(number).map(Scan::Phone);
    }
    let digits_only = text.chars().all(|c| c.is_ascii_digit());
    if text.starts_with('+') || looks_like_phone(text, digits_only) {
        return normalize_phone(text).map(Scan::Phone);
    }
    if digits_only && (text.len() == 8 || text.len() == 13) {
        return if ean_check_digit_ok(text) {
            Ok(Scan::Card(text.to_owned()))
        } else {
            Err(Error::invalid(
                format!(
                    "Неверная контрольная цифра штрихкода EAN-{}: {text}",
                    text.len()
                ),
                format!("Wrong EAN-{} check digit: {text}", text.len()),
            ))
        };
    }
    Ok(Scan::Card(text.to_owned()))
}

/// 11 digits starting with 7 or 8, or 10 digits starting with 9 (a mobile number without the
/// country code); with separators only when the shape is a phone's (`8 (900) 111-22-33`).
fn looks_like_phone(text: &str, digits_only: bool) -> bool {
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    let separators_only = text
        .chars()
        .all(|c| c.is_ascii_digit() || " ()-".contains(c));
    let phone_shaped = digits_only || (separators_only && text.contains(['(', '-', ' ']));
    if !phone_shaped {
        return false;
    }
    (digits.len() == 11 && (digits.starts_with('7') || digits.starts_with('8')))
        || (digits.len() == 10 && digits.starts_with('9'))
}

/// EAN-8 / EAN-13: weights 3,1,3,… from the digit next to the check digit leftwards.
fn ean_check_digit_ok(code: &str) -> bool {
    let digits: Vec<u32> = code.chars().filter_map(|c| c.to_digit(10)).collect();
    let Some((&check, body)) = digits.split_last() else {
        return false;
    };
    let sum: u32 = body
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| if i % 2 == 0 { d * 3 } else { *d })
        .sum();
    (10 - sum % 10) % 10 == check
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    #[test]
    fn ean13_and_ean8_with_right_check_digits_are_cards() {
        assert_eq!(
            parse_scan("4601234567893").unwrap(),
            Scan::Card("4601234567893".into())
        );
        assert_eq!(
            parse_scan("2000000012345").unwrap_err().code,
            ErrorCode::InvalidArgument
        );
        assert_eq!(
            parse_scan("2000000012346").unwrap(),
            Scan::Card("2000000012346".into())
        );
        assert_eq!(
            parse_scan("96385074").unwrap(),
            Scan::Card("96385074".into())
        );
        assert_eq!(
            parse_scan("96385075").unwrap_err().code,
            ErrorCode::InvalidArgument
        );
    }

    #[test]
    fn framing_control_characters_and_aim_prefix_are_stripped() {
        assert_eq!(
            parse_scan("\u{2}4601234567893\u{3}\r\n").unwrap(),
            Scan::Card("4601234567893".into())
        );
        assert_eq!(
            parse_scan("]E04601234567893").unwrap(),
            Scan::Card("4601234567893".into())
        );
        assert_eq!(
            parse_scan("  CARD-00042\t").unwrap(),
            Scan::Card("CARD-00042".into())
        );
    }

    #[test]
    fn phones_in_any_form_are_phones() {
        for raw in [
            "+7 (900) 111-22-33",
            "89001112233",
            "79001112233",
            "9001112233",
            "tel:+79001112233",
            "TEL:8-900-111-22-33\r",
        ] {
            assert_eq!(
                parse_scan(raw).unwrap(),
                Scan::Phone("79001112233".into()),
                "{raw}"
            );
        }
    }

    #[test]
    fn other_codes_stay_cards_and_garbage_is_an_error() {
        assert_eq!(
            parse_scan("123456789").unwrap(),
            Scan::Card("123456789".into())
        );
        assert_eq!(
            parse_scan("000123456789").unwrap(),
            Scan::Card("000123456789".into())
        );
        assert_eq!(
            parse_scan("\r\n\u{1d}").unwrap_err().code,
            ErrorCode::InvalidArgument
        );
        assert_eq!(
            parse_scan("]E0").unwrap_err().code,
            ErrorCode::InvalidArgument
        );
        assert_eq!(
            parse_scan(&"1".repeat(10_000)).unwrap_err().code,
            ErrorCode::InvalidArgument
        );
        assert_eq!(
            parse_scan("+12").unwrap_err().code,
            ErrorCode::InvalidArgument
        );
    }

    #[test]
    fn json_shape_is_the_contracts() {
        let json = serde_json::to_string(&parse_scan("4601234567893").unwrap()).unwrap();
        assert_eq!(json, r#"{"kind":"card","value":"4601234567893"}"#);
        let json = serde_json::to_string(&parse_scan("89001112233").unwrap()).unwrap();
        assert_eq!(json, r#"{"kind":"phone","value":"79001112233"}"#);
    }
}
