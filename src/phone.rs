//! Russian phone numbers in the one form the contract returns: `7XXXXXXXXXX`.

use crate::error::Error;
use crate::messages;

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
    phone_digits(text.chars().map(u32::from)).ok_or_else(|| bad_phone(text))
}

/// [`normalize_phone_digits`] of UTF-16 text, read where it lies (a 1C string parameter).
pub fn normalize_phone_utf16(units: &[u16]) -> Result<[u8; 11], Error> {
    phone_digits(units.iter().map(|&u| u32::from(u))).ok_or_else(|| {
        // Only the start is shown, so only the start is decoded.
        let head = &units[..units.len().min(2 * SHOWN_CHARS)];
        bad_phone(&utf16_chars(head).collect::<String>())
    })
}

fn utf16_chars(units: &[u16]) -> impl Iterator<Item = char> + '_ {
    char::decode_utf16(units.iter().copied()).map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
}

/// What a unit below U+0100 is to the phone rule (anything else is [`Class::Other`]).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Class {
    Digit,
    /// `(`, `)`, `-`, `.`
    Separator,
    /// Space, tab, no-break space: skipped anywhere.
    Space,
    Plus,
    /// Refused, unless it is whitespace around the number.
    Other,
}

const ASCII_CLASS: [Class; 256] = {
    let mut table = [Class::Other; 256];
    let mut d = b'0';
    while d <= b'9' {
        table[d as usize] = Class::Digit;
        d += 1;
    }
    table[b'(' as usize] = Class::Separator;
    table[b')' as usize] = Class::Separator;
    table[b'-' as usize] = Class::Separator;
    table[b'.' as usize] = Class::Separator;
    table[b' ' as usize] = Class::Space;
    table[b'\t' as usize] = Class::Space;
    table[0xa0] = Class::Space;
    table[b'+' as usize] = Class::Plus;
    table
};

/// The rule, on a stream of code points (a `char`'s, or a UTF-16 unit as it lies): whitespace
/// around the number is ignored (as `str::trim` does), then one `+` may come first; inside, only
/// digits and separators. A surrogate unit (half of a character beyond the BMP, or a lone one) is
/// never a digit, separator or whitespace, so UTF-16 needs no decoding: such a unit is simply one
/// the rule refuses. Only a unit beyond ASCII is asked whether it is whitespace.
fn phone_digits(units: impl Iterator<Item = u32>) -> Option<[u8; 11]> {
    let class = |u: u32| {
        usize::try_from(u)
            .ok()
            .and_then(|i| ASCII_CLASS.get(i))
            .copied()
            .unwrap_or(Class::Other)
    };
    let whitespace = |u: u32| char::from_u32(u).is_some_and(char::is_whitespace);
    // A phone never needs more than 11 digits; one more proves the input too long.
    let mut digits = [0u8; 12];
    let mut count = 0;
    let mut started = false;
    let mut rest = units;
    for u in rest.by_ref() {
        // Digits first, without the table: most of a phone.
        if u.wrapping_sub(u32::from(b'0')) < 10 {
            // Cap the work on absurd input.
            *digits.get_mut(count)? = u as u8;
            count += 1;
            started = true;
            continue;
        }
        match class(u) {
            Class::Digit => {
                *digits.get_mut(count)? = u as u8;
                count += 1;
                started = true;
            }
            Class::Separator => started = true,
            Class::Space => {}
            Class::Plus if !started => started = true,
            // Whitespace before the number is skipped; after it, only whitespace may follow.
            _ if whitespace(u) => {
                if started {
                    break;
                }
            }
            _ => return None,
        }
    }
    for u in rest {
        if class(u) != Class::Space && !whitespace(u) {
            return None;
        }
    }
    as_phone(&digits, count)
}

/// The digits read (`count` of them) as `7XXXXXXXXXX`: ten digits, or eleven starting with 7 or 8.
fn as_phone(digits: &[u8; 12], count: usize) -> Option<[u8; 11]> {
    let national = match (count, digits[0]) {
        (10, _) => &digits[..10],
        (11, b'7' | b'8') => &digits[1..11],
        _ => return None,
    };
    let mut phone = [b'7'; 11];
    phone[1..].copy_from_slice(national);
    Some(phone)
}

/// How much of a wrong phone the message shows.
const SHOWN_CHARS: usize = 40;

fn bad_phone(text: &str) -> Error {
    // Show at most a short prefix of what was passed: the message must stay readable.
    let shown: String = text.chars().take(SHOWN_CHARS).collect();
    Error::bad_input(messages::scan::bad_phone(&shown))
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

    /// The UTF-16 reading gives what the `&str` one gives, on every case above and on awkward ones.
    #[test]
    fn utf16_input_reads_the_same_as_text() {
        for text in [
            "+7 (900) 111-22-33",
            " +79001112233 ",
            "\u{2003}+7 900 111.22.33\n",
            "8\u{a0}900\u{a0}111\u{a0}22\u{a0}33",
            "\n\t 89001112233 \r\n",
            "9001112233",
            "",
            "+",
            "++79001112233",
            "7900\n1112233",
            "79001112233\n)",
            "8\u{2000}9001112233",
            "+ 7 900 111 22 33",
            " ( +79001112233",
            "990011122334",
            "7900abc2233",
            "😀79001112233",
        ] {
            let units: Vec<u16> = text.encode_utf16().collect();
            let from_text = normalize_phone_digits(text).map_err(|e| e.message_en);
            let from_units = normalize_phone_utf16(&units).map_err(|e| e.message_en);
            assert_eq!(from_text, from_units, "{text:?}");
        }
        // A lone surrogate is not a digit.
        assert!(normalize_phone_utf16(&[0x37, 0xd800, 0x39]).is_err());
    }

    /// The rule as first written, on characters: the reference the code-point reader is held to.
    /// Whitespace around the number is ignored (as `str::trim` does), then one `+` may come
    /// first; inside, only digits and separators.
    fn character_rule(chars: impl Iterator<Item = char>) -> Option<[u8; 11]> {
        // A phone never needs more than 11 digits; one more proves the input too long.
        let mut digits = [0u8; 12];
        let mut count = 0;
        let mut started = false;
        // Whitespace that is not a separator may only trail the number.
        let mut trailing = false;
        for ch in chars {
            match ch {
                '0'..='9' | '(' | ')' | '-' | '.' if trailing => return None,
                '0'..='9' => {
                    // Cap the work on absurd input.
                    *digits.get_mut(count)? = ch as u8;
                    count += 1;
                }
                '(' | ')' | '-' | '.' => {}
                // Whitespace neither starts the number nor ends it.
                ' ' | '\t' | '\u{a0}' => continue,
                '+' if !started => {}
                c if c.is_whitespace() => {
                    trailing = started;
                    continue;
                }
                _ => return None,
            }
            started = true;
        }
        as_phone(&digits, count)
    }

    /// The code-point reader on UTF-16 units agrees with the rule on decoded characters (a surrogate read as
    /// U+FFFD) for every mix of digits, separators, whitespace, letters and surrogates.
    #[test]
    fn the_utf16_reader_is_the_character_rule() {
        let alphabet: Vec<u16> = "0123456789789()-.+ \t\n\r\u{a0}\u{2003}\u{3000}\u{85}x\u{0}Ж"
            .encode_utf16()
            .chain([0xd800, 0xdc00, 0xd83d, 0xde00, 0xfffd, 0x180e])
            .collect();
        let mut seed: u64 = 0x2545_F491_4F6C_DD1D;
        for _ in 0..200_000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let len = (seed % 17) as usize;
            let units: Vec<u16> = (0..len)
                .map(|k| alphabet[((seed >> (3 * k % 60)) as usize + k) % alphabet.len()])
                .collect();
            // Around a valid phone too, so that leading and trailing text is tried on phones.
            let phone: Vec<u16> = "+7 (900) 111-22-33".encode_utf16().collect();
            let (head, tail) = units.split_at(len / 2);
            let around: Vec<u16> = [head, &phone, tail].concat();
            for units in [&units, &around] {
                let chars = units
                    .iter()
                    .map(|&u| char::from_u32(u32::from(u)).unwrap_or(char::REPLACEMENT_CHARACTER));
                let read = phone_digits(units.iter().map(|&u| u32::from(u)));
                assert_eq!(read, character_rule(chars), "{units:x?}");
            }
        }
        let phone: Vec<u16> = " +7 (900) 111-22-33\u{2003}".encode_utf16().collect();
        assert_eq!(
            phone_digits(phone.iter().map(|&u| u32::from(u))),
            Some(*b"79001112233")
        );
    }

    #[test]
    fn absurdly_long_input_is_rejected_quickly_with_a_short_message() {
        let huge = "9".repeat(1_000_000);
        let err = normalize_phone(&huge).unwrap_err();
        assert!(err.message_ru.chars().count() < 200);
        let units: Vec<u16> = huge.encode_utf16().collect();
        let err = normalize_phone_utf16(&units).unwrap_err();
        assert!(err.message_ru.chars().count() < 200);
    }
}
