//! Russian phone numbers in the one form the contract returns: `7XXXXXXXXXX`.

use crate::error::Error;

/// Normalizes a phone written in any common form (`+7 (900) 111-22-33`, `89001112233`,
/// `9001112233`, `8-900-111-22-33`) to `79001112233`.
///
/// Separators (spaces, brackets, dashes, dots) are dropped; one leading `+` is allowed.
/// Eleven digits must start with 7 or 8 (8 is the domestic trunk prefix); ten digits get the 7.
pub fn normalize_phone(text: &str) -> Result<String, Error> {
    let trimmed = text.trim();
    let body = trimmed.strip_prefix('+').unwrap_or(trimmed);
    let mut digits = String::with_capacity(11);
    for ch in body.chars() {
        match ch {
            '0'..='9' => {
                // Cap the work on absurd input: a phone never needs more than 11 digits.
                if digits.len() > 11 {
                    return Err(bad_phone(text));
                }
                digits.push(ch);
            }
            ' ' | '\t' | '(' | ')' | '-' | '.' | '\u{a0}' => {}
            _ => return Err(bad_phone(text)),
        }
    }
    match digits.len() {
        10 => Ok(format!("7{digits}")),
        11 if digits.starts_with('7') || digits.starts_with('8') => {
            Ok(format!("7{}", &digits[1..]))
        }
        _ => Err(bad_phone(text)),
    }
}

fn bad_phone(text: &str) -> Error {
    // Show at most a short prefix of what was passed: the message must stay readable.
    let shown: String = text.chars().take(40).collect();
    Error::invalid(
        format!(
            "Некорректный номер телефона: «{shown}». Ожидается 11 цифр, например +7 900 111-22-33"
        ),
        format!("Invalid phone number: \"{shown}\". Expected 11 digits, e.g. +7 900 111-22-33"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    #[test]
    fn common_forms_normalize_to_seven_and_ten_digits() {
        for form in [
            "+7 (900) 111-22-33",
            "89001112233",
            "9001112233",
            "79001112233",
            "8-900-111-22-33",
            " +79001112233 ",
            "8 900 111 22 33",
        ] {
            assert_eq!(normalize_phone(form).unwrap(), "79001112233", "{form}");
        }
    }

    #[test]
    fn wrong_length_letters_and_foreign_prefixes_are_invalid() {
        for bad in [
            "",
            "+",
            "12345",
            "900111223",
            "990011122334",
            "59001112233",
            "7900abc2233",
            "++79001112233",
            "79001112233x",
        ] {
            let err = normalize_phone(bad).unwrap_err();
            assert_eq!(err.code, ErrorCode::InvalidArgument, "{bad}");
            assert!(err.message_ru.contains("телефон"), "{}", err.message_ru);
        }
    }

    #[test]
    fn absurdly_long_input_is_rejected_quickly_with_a_short_message() {
        let huge = "9".repeat(1_000_000);
        let err = normalize_phone(&huge).unwrap_err();
        assert!(err.message_ru.chars().count() < 200);
    }
}
