//! GS1 facts ParseScan needs: check digits, which prefixes mark trade items, and the shape of a
//! GS1 element string that starts with a GTIN (AI 01), as DataMatrix marking codes do.

/// The GS1 group separator (FNC1 inside a DataMatrix), as scanners send it.
pub const GS: char = '\u{1d}';

/// Mod-10 check digit of EAN-8, UPC-A, EAN-13 and GTIN-14: weights 3,1,3,… from the digit next to
/// the check digit leftwards. `code` must be ASCII digits.
pub fn check_digit_ok(code: &str) -> bool {
    let bytes = code.as_bytes();
    let Some((&check, body)) = bytes.split_last() else {
        return false;
    };
    if !bytes.iter().all(u8::is_ascii_digit) {
        return false;
    }
    // From the right, the body's digits weigh 3, 1, 3, …
    let sum: u32 = body
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| u32::from(d - b'0') * if i % 2 == 0 { 3 } else { 1 })
        .sum();
    (10 - sum % 10) % 10 == u32::from(check - b'0')
}

/// Whether the three-digit prefix of a GTIN-13 (a UPC-A is a GTIN-13 with a leading 0) belongs to
/// a trade item. Not trade items: restricted circulation (020–029, 040–049, 200–299: in-store codes,
/// weighed goods, loyalty cards), coupons and refund receipts (050–059, 980–999), and the ranges
/// GS1 keeps unassigned (140–199, 970–976). ISSN/ISBN (977–979) are trade items.
pub fn is_trade_item_prefix13(gtin13: &str) -> bool {
    gtin13
        .get(..3)
        .and_then(|p| p.parse::<u16>().ok())
        .is_some_and(trade_item_prefix)
}

/// [`is_trade_item_prefix13`] of a UPC-A (12 digits): the GTIN-13 `0` + `upc`, whose three-digit
/// prefix is the UPC's first two digits.
pub fn is_trade_item_prefix12(upc: &str) -> bool {
    upc.get(..2)
        .and_then(|p| p.parse::<u16>().ok())
        .is_some_and(trade_item_prefix)
}

fn trade_item_prefix(prefix: u16) -> bool {
    matches!(prefix, 0..=19 | 30..=39 | 60..=139 | 300..=969 | 977..=979)
}

/// EAN-8 numbers starting with 0 or 2 are restricted circulation (RCN-8); the rest are GTIN-8.
pub fn is_trade_item_prefix8(ean8: &str) -> bool {
    !ean8.starts_with(['0', '2'])
}

/// What a GS1 element string opening with AI 01 holds.
#[derive(Debug, PartialEq, Eq)]
pub enum ElementString {
    /// Only `01` + GTIN-14: the GTIN.
    Gtin(String),
    /// `01` + GTIN-14 followed by more data (serial `21`, crypto tail `91`/`92`/`93`, batch `10`,
    /// expiry `17`, …): a marking code such as «Честный знак».
    MarkingCode,
}

/// AIs that follow the GTIN in marking codes and other GS1 DataMatrix symbols on goods.
const FOLLOWING_AIS: [&str; 6] = ["21", "10", "17", "11", "93", "91"];

/// Reads `text` as a GS1 element string opening with AI 01 and a GTIN-14 whose check digit is
/// right; `None` when it is not one.
pub fn element_string(text: &str) -> Option<ElementString> {
    let gtin = text.strip_prefix("01")?.get(..14)?;
    if !check_digit_ok(gtin) {
        return None;
    }
    let rest = &text[16..];
    if rest.is_empty() {
        return Some(ElementString::Gtin(gtin.to_owned()));
    }
    let rest = rest.trim_start_matches(GS);
    let ai_follows = FOLLOWING_AIS.iter().any(|ai| rest.starts_with(ai));
    (ai_follows || text.contains(GS)).then_some(ElementString::MarkingCode)
}

/// A «Честный знак» code of a cigarette pack: 29 characters with no AIs, the GTIN-14 first (then a
/// 7-character serial, the 4-character maximum retail price and a 4-character crypto tail).
pub fn is_tobacco_pack_code(text: &str) -> bool {
    text.len() == 29
        && text.is_ascii()
        && text.get(..14).is_some_and(check_digit_ok)
        && !text[14..].chars().any(char::is_whitespace)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every string of up to 14 characters from digits, a letter and a Cyrillic letter: the
    /// byte rule agrees with the digit rule it replaced, and `0` + UPC-A with the 12-digit prefix.
    #[test]
    fn check_digit_and_prefix_rules_agree_with_the_char_rules() {
        fn reference(code: &str) -> bool {
            let digits: Vec<u32> = code.chars().filter_map(|c| c.to_digit(10)).collect();
            if digits.len() != code.len() {
                return false;
            }
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
        let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
        let alphabet = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'a', 'Ж'];
        let mut agreed = 0;
        for _ in 0..20_000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let len = (seed % 15) as usize;
            let code: String = (0..len)
                .map(|i| {
                    let pick = (seed >> (4 + 4 * i)) as usize % 16;
                    alphabet[pick.min(alphabet.len() - 1) * usize::from(pick < 14)]
                })
                .collect();
            assert_eq!(check_digit_ok(&code), reference(&code), "{code:?}");
            agreed += usize::from(reference(&code));
            if len == 12 && code.bytes().all(|b| b.is_ascii_digit()) {
                assert_eq!(
                    is_trade_item_prefix12(&code),
                    is_trade_item_prefix13(&format!("0{code}")),
                    "{code}"
                );
            }
        }
        // Some codes of the mix carry a right check digit.
        assert!(agreed > 100, "{agreed}");
    }

    #[test]
    fn check_digits_of_every_length() {
        for good in [
            "96385074",
            "036000291452",
            "4601234567893",
            "04601234567893",
        ] {
            assert!(check_digit_ok(good), "{good}");
        }
        for bad in [
            "96385075",
            "036000291453",
            "4601234567890",
            "",
            "46O1234567893",
        ] {
            assert!(!check_digit_ok(bad), "{bad}");
        }
    }

    #[test]
    fn prefixes() {
        for item in [
            "4601234567893",
            "0036000291452",
            "9785170000000",
            "5449000000996",
        ] {
            assert!(is_trade_item_prefix13(item), "{item}");
        }
        for other in [
            "2000000012346",
            "0212345678900",
            "0412345678900",
            "0512345678900",
        ] {
            assert!(!is_trade_item_prefix13(other), "{other}");
        }
        for other in ["9801234567890", "9991234567890", "1501234567890"] {
            assert!(!is_trade_item_prefix13(other), "{other}");
        }
        assert!(is_trade_item_prefix8("96385074"));
        assert!(!is_trade_item_prefix8("20001230"));
        assert!(!is_trade_item_prefix8("02345673"));
    }

    #[test]
    fn element_strings() {
        assert_eq!(
            element_string("0104601234567893"),
            Some(ElementString::Gtin("04601234567893".into()))
        );
        assert_eq!(
            element_string("0104601234567893215Wq9xA\u{1d}93dGVz"),
            Some(ElementString::MarkingCode)
        );
        // A wrong GTIN check digit, a short GTIN, no following AI: not an element string.
        assert_eq!(element_string("0104601234567890215Wq9xA"), None);
        assert_eq!(element_string("01046012345"), None);
        assert_eq!(element_string("0104601234567893XYZ"), None);
    }

    #[test]
    fn tobacco_pack_codes() {
        assert!(is_tobacco_pack_code("04601234567893-5WqxA7AAAAbcd1"));
        assert!(
            !is_tobacco_pack_code("04601234567890-5WqxA7AAAAbcd1"),
            "check digit"
        );
        assert!(
            !is_tobacco_pack_code("04601234567893-5WqxA7AAAAbcd"),
            "28 characters"
        );
        assert!(!is_tobacco_pack_code("046012345678 3-5WqxA7AAAAbcd1"));
    }
}
