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
    let number = text.trim();
    let number = number.strip_prefix('+').unwrap_or(number);
    phone_units(number.chars().map(u32::from))
        .map(Phone::ascii)
        .ok_or_else(|| bad_phone(text))
}

/// [`normalize_phone_digits`] of UTF-16 text, read where it lies (a 1C string parameter).
pub fn normalize_phone_utf16(units: &[u16]) -> Result<Phone, Error> {
    phone_utf16(units).ok_or_else(|| bad_phone_utf16(units))
}

/// [`normalize_phone_utf16`] in two halves, for a caller on the hot path: the phone, or `None`
/// (then [`bad_phone_utf16`] is the error), so no `Result` with an `Error` is built and moved on
/// every call.
#[inline]
pub fn phone_utf16(units: &[u16]) -> Option<Phone> {
    let number = trim_utf16(units);
    let number = number.strip_prefix(&[u16::from(b'+')]).unwrap_or(number);
    phone_units(number.iter().map(|&u| u32::from(u)))
}

/// `units` without the whitespace around them, as `str::trim` cuts it (a surrogate unit is
/// never whitespace).
fn trim_utf16(units: &[u16]) -> &[u16] {
    let space = |&u: &u16| char::from_u32(u32::from(u)).is_some_and(char::is_whitespace);
    let start = units.iter().position(|u| !space(u)).unwrap_or(units.len());
    let end = units
        .iter()
        .rposition(|u| !space(u))
        .map_or(start, |last| last + 1);
    &units[start..end]
}

/// The error for `units` that are not a phone (see [`phone_utf16`]).
#[cold]
pub fn bad_phone_utf16(units: &[u16]) -> Error {
    // Only the start is shown, so only the start is decoded.
    let head = &units[..units.len().min(2 * SHOWN_CHARS)];
    bad_phone(&utf16_chars(head).collect::<String>())
}

fn utf16_chars(units: &[u16]) -> impl Iterator<Item = char> + '_ {
    char::decode_utf16(units.iter().copied()).map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
}

/// The rule on the number itself, once the whitespace around it and one leading `+` are cut
/// off: digits, and between them separators (`(`, `)`, `-`, `.`, space, tab, no-break space)
/// only. Code points come as a `char`'s, or as UTF-16 units as they lie: a surrogate unit (half
/// of a character beyond the BMP, or a lone one) is never a digit or a separator, so UTF-16
/// needs no decoding. Plain comparisons throughout, as a C++ component would write them: the
/// loop runs on every call from a form or a scanner.
fn phone_units(number: impl Iterator<Item = u32>) -> Option<Phone> {
    // The digits read so far, four bits each, the latest lowest: held in one register rather
    // than stored to memory one by one, where the loads of the next units could wait behind them.
    let mut packed: u64 = 0;
    let mut count = 0;
    for u in number {
        let digit = u.wrapping_sub(u32::from(b'0'));
        let is_digit = digit < 10;
        if !is_digit && !matches!(u, 0x28 | 0x29 | 0x2d | 0x2e | 0x20 | 0x09 | 0xa0) {
            return None;
        }
        // Without a branch on digit or separator: the pattern differs from phone to phone.
        let shifted = packed << 4 | u64::from(digit & 0xf);
        packed = if is_digit { shifted } else { packed };
        count += u32::from(is_digit);
        // A phone never needs more than 11 digits; a 13th proves the input too long (and
        // caps the work on absurd input).
        if count > 12 {
            return None;
        }
    }
    // The last ten digits are the number; an eleventh before them must be the 7 or 8.
    const TEN_DIGITS: u64 = (1 << 40) - 1;
    let national = match count {
        10 => packed,
        11 if matches!(packed >> 40, 7 | 8) => packed & TEN_DIGITS,
        _ => return None,
    };
    Some(Phone(7 << 40 | national))
}

/// A phone, `7XXXXXXXXXX`: its eleven digits packed four bits each, the last lowest.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Phone(u64);

impl Phone {
    /// The digits in ASCII, first first.
    #[inline]
    pub fn ascii(self) -> [u8; 11] {
        std::array::from_fn(|i| b'0' + (self.0 >> (4 * (10 - i)) & 0xf) as u8)
    }

    /// Appends the phone's UTF-16 units (each digit's byte is its unit).
    #[inline]
    pub fn push_utf16(self, out: &mut Vec<u16>) {
        out.extend(self.ascii().map(u16::from));
    }
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
            let from_text = normalize_phone_digits(text)
                .map(|digits| digits.to_vec())
                .map_err(|e| e.message_en);
            let from_units = normalize_phone_utf16(&units)
                .map(|phone| phone.ascii().to_vec())
                .map_err(|e| e.message_en);
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
        // Ten digits, or eleven starting with 7 or 8, as `7XXXXXXXXXX`.
        let national = match (count, digits[0]) {
            (10, _) => &digits[..10],
            (11, b'7' | b'8') => &digits[1..11],
            _ => return None,
        };
        let mut phone = [b'7'; 11];
        phone[1..].copy_from_slice(national);
        Some(phone)
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
                let read = phone_utf16(units).map(Phone::ascii);
                assert_eq!(read, character_rule(chars), "{units:x?}");
            }
        }
        let phone: Vec<u16> = " +7 (900) 111-22-33\u{2003}".encode_utf16().collect();
        assert_eq!(phone_utf16(&phone).map(Phone::ascii), Some(*b"79001112233"));
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
