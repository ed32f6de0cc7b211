//! Russian phone numbers in the one form the contract returns: `7XXXXXXXXXX`.

use crate::error::Error;

/// Normalizes a phone written in any common form (`+7 (900) 111-22-33`, `89001112233`,
/// `9001112233`, `8-900-111-22-33`) to `79001112233`.
///
/// Separators (spaces, brackets, dashes, dots) are dropped; one leading `+` is allowed.
/// Eleven digits must start with 7 or 8 (8 is the domestic trunk prefix); ten digits get the 7.
pub fn normalize_phone(text: &str) -> Result<String, Error> {
    normalize_phone_digits(text).map(|digits| digits.iter().map(|&d| char::from(d)).collect())
}

/// [`normalize_phone`] without an allocation: the 11 ASCII digits.
pub fn normalize_phone_digits(text: &str) -> Result<[u8; 11], Error> {
    let trimmed = text.trim();
    let body = trimmed.strip_prefix('+').unwrap_or(trimmed);
    // A phone never needs more than 11 digits; one more proves the input too long.
    let mut digits = [0u8; 12];
    let mut count = 0;
    // Byte by byte: every accepted character is ASCII except the no-break space (C2 A0 in UTF-8);
    // any other non-ASCII character starts with a byte no arm takes.
    let bytes = body.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'0'..=b'9' => {
                // Cap the work on absurd input.
                let Some(slot) = digits.get_mut(count) else {
                    return Err(bad_phone(text));
                };
                *slot = bytes[i];
                count += 1;
            }
            b' ' | b'\t' | b'(' | b')' | b'-' | b'.' => {}
            0xc2 if bytes.get(i + 1) == Some(&0xa0) => i += 1,
            _ => return Err(bad_phone(text)),
        }
        i += 1;
    }
    let national = match (count, digits[0]) {
        (10, _) => &digits[..10],
        (11, b'7' | b'8') => &digits[1..11],
        _ => return Err(bad_phone(text)),
    };
    let mut phone = [b'7'; 11];
    phone[1..].copy_from_slice(national);
    Ok(phone)
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
            "8\u{a0}900\u{a0}111\u{a0}22\u{a0}33",
            "\u{2003}+7 900 111.22.33\n",
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
            "8\u{a1}9001112233",
            "8\u{2000}9001112233",
            "+7\u{a0}\u{a0}",
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
