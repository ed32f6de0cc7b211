//! Raw barcode-scanner data (as 1C forwards it from the equipment subsystem) → a loyalty card, a
//! phone, or a product (so a product scanned into an order is not mistaken for a card).

mod card_mask;
mod gs1;

pub use card_mask::CardMask;

use crate::error::Error;
use crate::messages;
use crate::phone::normalize_phone;
use gs1::{ElementString, GS};
use serde::Serialize;
use std::borrow::Cow;

/// What a scan identified.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "value", rename_all = "lowercase")]
pub enum Scan {
    Card(String),
    Phone(String),
    /// A GTIN, or a whole marking code (GS separators kept, as 1C's marking routines expect).
    Product(String),
}

/// Longest scan we look at: a «Честный знак» code with its crypto tail is under 150 characters.
const MAX_SCAN_CHARS: usize = 512;

/// Parses raw scanner data:
/// * framing control characters (STX/ETX, CR/LF) and surrounding spaces are dropped, and so is an
///   AIM symbology identifier (`]E0`, `]d2`, …) and a leading FNC1; GS separators inside a code stay;
/// * a code matching `mask` (when set) is a card;
/// * `tel:` payloads, `+…` numbers and 10/11-digit Russian numbers are phones (normalized);
/// * a GS1 element string with AI 01 is a product: the GTIN alone, or the whole marking code; so is
///   a cigarette pack's 29-character marking code;
/// * EAN-13 / UPC-A / EAN-8 with a trade-item prefix are products, with restricted-circulation
///   prefixes (EAN-13 `2…`) cards; EAN-8 and EAN-13 must carry a right check digit;
/// * any other code is a card, or a product when a mask is set (the mask then says what cards are).
pub fn parse_scan(raw: &str, mask: &CardMask) -> Result<Scan, Error> {
    if raw.len() > MAX_SCAN_CHARS && raw.chars().count() > MAX_SCAN_CHARS {
        return Err(Error::bad_input(messages::scan::scan_too_long(
            MAX_SCAN_CHARS,
        )));
    }
    let text = clean(raw);
    let text = &*text;
    if text.is_empty() {
        return Err(Error::bad_input(messages::scan::SCAN_EMPTY));
    }
    if mask.is_set() && mask.matches(text) {
        return Ok(Scan::Card(text.to_owned()));
    }
    // No character but ASCII lower-cases to `t`, `e` or `l`: an ASCII comparison finds the prefix.
    if text
        .get(..4)
        .is_some_and(|p| p.eq_ignore_ascii_case("tel:"))
    {
        return normalize_phone(&text[4..].to_lowercase()).map(Scan::Phone);
    }
    let digits_only = text.chars().all(|c| c.is_ascii_digit());
    if text.starts_with('+') || looks_like_phone(text, digits_only) {
        return normalize_phone(text).map(Scan::Phone);
    }
    match gs1::element_string(text) {
        Some(ElementString::Gtin(gtin)) => {
            // The GTIN-13 form (without the leading 0) is what 1C's barcode register holds.
            let gtin = gtin.strip_prefix('0').unwrap_or(&gtin).to_owned();
            return Ok(Scan::Product(gtin));
        }
        Some(ElementString::MarkingCode) => return Ok(Scan::Product(text.to_owned())),
        None if gs1::is_tobacco_pack_code(text) => return Ok(Scan::Product(text.to_owned())),
        None => {}
    }
    let other = || {
        Ok(if mask.is_set() {
            Scan::Product(text.to_owned())
        } else {
            Scan::Card(text.to_owned())
        })
    };
    if !digits_only {
        return other();
    }
    let trade_item = match text.len() {
        8 | 13 if !gs1::check_digit_ok(text) => {
            return Err(Error::bad_input(messages::scan::ean_check_digit(
                text.len(),
                text,
            )))
        }
        13 => gs1::is_trade_item_prefix13(text),
        8 => gs1::is_trade_item_prefix8(text),
        12 => gs1::check_digit_ok(text) && gs1::is_trade_item_prefix12(text),
        _ => false,
    };
    if trade_item {
        Ok(Scan::Product(text.to_owned()))
    } else {
        other()
    }
}

/// Drops control characters except GS, then surrounding spaces, an AIM identifier and leading or
/// trailing GS (a leading one is the FNC1 that opens a GS1 symbol). Borrowed unless a control
/// character sits inside the code (framing at the ends, STX or CR LF, is only cut off).
fn clean(raw: &str) -> Cow<'_, str> {
    let core = trim_framing(raw);
    if core.chars().any(|c| c != GS && c.is_control()) {
        let kept: String = core
            .chars()
            .filter(|&c| c == GS || !c.is_control())
            .collect();
        // Its ends are the core's, which are not framing: nothing more to cut there.
        return Cow::Owned(without_aim(&kept).to_owned());
    }
    Cow::Borrowed(without_aim(core))
}

/// Spaces, GS and other control characters cut from both ends.
fn trim_framing(text: &str) -> &str {
    text.trim_matches(|c: char| c == GS || c.is_whitespace() || c.is_control())
}

/// Text already cut of framing, less an AIM identifier: ']' + symbology letter + modifier.
fn without_aim(text: &str) -> &str {
    match text.strip_prefix(']') {
        Some(rest) => trim_framing(rest.get(2..).unwrap_or("")),
        None => text,
    }
}

/// Digits alone, or digits with brackets, dashes and spaces where at least one of them is used.
fn phone_shaped(text: &str, digits_only: bool) -> bool {
    let separators_only = text
        .chars()
        .all(|c| c.is_ascii_digit() || " ()-".contains(c));
    digits_only || (separators_only && text.contains(['(', '-', ' ']))
}

/// 11 digits starting with 7 or 8, or 10 digits starting with 9 (a mobile number without the
/// country code); with separators only when the shape is a phone's (`8 (900) 111-22-33`).
fn looks_like_phone(text: &str, digits_only: bool) -> bool {
    if !phone_shaped(text, digits_only) {
        return false;
    }
    // ASCII digits are single bytes: counting bytes counts them.
    let mut digits = text.bytes().filter(u8::is_ascii_digit);
    let first = digits.next();
    let count = digits.count() + usize::from(first.is_some());
    (count == 11 && matches!(first, Some(b'7' | b'8'))) || (count == 10 && first == Some(b'9'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    fn scan(raw: &str) -> Scan {
        parse_scan(raw, &CardMask::default()).unwrap_or_else(|e| panic!("{raw:?}: {e:?}"))
    }

    fn product(code: &str) -> Scan {
        Scan::Product(code.into())
    }

    fn card(code: &str) -> Scan {
        Scan::Card(code.into())
    }

    #[test]
    fn russian_gtins_460_to_469_are_products() {
        for gtin in [
            "4601234567893",
            "4610123456781",
            "4620001234561",
            "4630045678900",
            "4641234000129",
            "4650007654322",
            "4667000123458",
            "4678000011119",
            "4680900012349",
            "4691234567894",
        ] {
            assert_eq!(scan(gtin), product(gtin));
        }
        // Other GS1 countries too (Ukraine, Belgium), and the scanner's framing goes.
        assert_eq!(scan("4820024700016"), product("4820024700016"));
        assert_eq!(scan("]E05449000000996\r\n"), product("5449000000996"));
    }

    #[test]
    fn upc_a_and_ean_8_are_products() {
        assert_eq!(scan("036000291452"), product("036000291452"));
        assert_eq!(scan("]E4 96385074"), product("96385074"));
        // EAN-8 of restricted circulation (0…, 2…) is the shop's own: a card.
        assert_eq!(scan("20001230"), card("20001230"));
        // UPC-A with number system 4 (EAN 04…) is in-store: a card; a 12-digit number whose
        // check digit is not a UPC's is some other code: a card.
        assert_eq!(scan("446012345676"), card("446012345676"));
        assert_eq!(scan("036000291453"), card("036000291453"));
    }

    #[test]
    fn restricted_circulation_ean_13_is_a_card_and_check_digits_are_checked() {
        assert_eq!(scan("2000000012346"), card("2000000012346"));
        for misread in ["2000000012345", "4601234567890", "96385075"] {
            assert_eq!(
                parse_scan(misread, &CardMask::default()).unwrap_err().code,
                ErrorCode::InvalidArgument,
                "{misread}"
            );
        }
    }

    #[test]
    fn gs1_datamatrix_and_marking_codes_are_products() {
        // GS1 DataMatrix as a scanner sends it: AIM ]d2, FNC1 as a leading GS, GS between fields.
        let datamatrix = "]d2\u{1d}0104601234567893215Wq9xA\u{1d}93dGVz\r";
        assert_eq!(
            scan(datamatrix),
            product("0104601234567893215Wq9xA\u{1d}93dGVz")
        );
        // «Честный знак» (shoes): 01 GTIN, 21 serial (13), GS, 91 key id, GS, 92 crypto code (44).
        let marking = "010460123456789321JgXJ5.T112000\u{1d}91EE06\u{1d}92\
                       YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXowMTIzNDU2Nzg5PQ==";
        assert_eq!(scan(marking), product(marking));
        // A scanner that drops GS still sends AI 21 right after the GTIN.
        assert_eq!(
            scan("0104601234567893215Wq9xA93dGVz"),
            product("0104601234567893215Wq9xA93dGVz")
        );
        // A cigarette pack's code has no AIs: GTIN-14, serial, price, crypto tail (29 characters).
        assert_eq!(
            scan("04601234567893-5WqxA7AAAAbcd1"),
            product("04601234567893-5WqxA7AAAAbcd1")
        );
        // AI 01 alone is the GTIN, in the 13-digit form 1C's barcode register holds.
        assert_eq!(scan("0104601234567893"), product("4601234567893"));
        assert_eq!(scan("0100036000291452"), product("0036000291452"));
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
            assert_eq!(scan(raw), Scan::Phone("79001112233".into()), "{raw}");
        }
    }

    #[test]
    fn other_codes_are_cards_and_garbage_is_an_error() {
        assert_eq!(scan("123456789"), card("123456789"));
        assert_eq!(scan("  CARD-00042\t"), card("CARD-00042"));
        assert_eq!(scan("\u{2}00042\u{3}"), card("00042"));
        for garbage in ["\r\n\u{1d}", "]E0", "+12", &"1".repeat(10_000)] {
            assert_eq!(
                parse_scan(garbage, &CardMask::default()).unwrap_err().code,
                ErrorCode::InvalidArgument,
                "{garbage:?}"
            );
        }
    }

    #[test]
    fn card_mask_decides_what_is_a_card() {
        let mask = CardMask::parse("46012345????").unwrap();
        let with_mask = |raw: &str| parse_scan(raw, &mask).unwrap();
        assert_eq!(with_mask("460123450001"), card("460123450001"));
        assert_eq!(with_mask("]E0460123459999\r"), card("460123459999"));
        // Not matching: a GTIN stays a product, a phone a phone, and any other code is a product
        // now, since the mask says what cards look like (prefix 2 is weighed goods, say).
        assert_eq!(with_mask("4601234500012"), product("4601234500012"));
        assert_eq!(with_mask("2000000012346"), product("2000000012346"));
        assert_eq!(with_mask("CARD-00042"), product("CARD-00042"));
        assert_eq!(with_mask("89001112233"), Scan::Phone("79001112233".into()));
        // A shop whose cards carry its own GS1 company prefix as EAN-13.
        let own = CardMask::parse("2*;46012345?????").unwrap();
        assert_eq!(scan("4601234500012"), product("4601234500012"));
        assert_eq!(
            parse_scan("4601234500012", &own).unwrap(),
            card("4601234500012")
        );
        assert_eq!(
            parse_scan("2000000012345", &own).unwrap(),
            card("2000000012345")
        );
        assert_eq!(
            parse_scan("4610123456781", &own).unwrap(),
            product("4610123456781")
        );
    }

    #[test]
    fn json_shape_is_the_contracts() {
        let json = |raw: &str| serde_json::to_string(&scan(raw)).unwrap();
        assert_eq!(
            json("2000000012346"),
            r#"{"kind":"card","value":"2000000012346"}"#
        );
        assert_eq!(
            json("89001112233"),
            r#"{"kind":"phone","value":"79001112233"}"#
        );
        assert_eq!(
            json("4601234567893"),
            r#"{"kind":"product","value":"4601234567893"}"#
        );
    }

    /// The rules as they were first written (allocating, char by char): the faster ones above
    /// must agree with them on every mix of framing, separators, AIM prefixes and codes.
    mod reference {
        use super::super::GS;

        pub fn clean(raw: &str) -> String {
            let kept: String = raw
                .chars()
                .filter(|&c| c == GS || !c.is_control())
                .collect();
            let trim = |s: &str| {
                s.trim_matches(|c: char| c == GS || c.is_whitespace())
                    .to_owned()
            };
            let text = trim(&kept);
            match text.strip_prefix(']') {
                Some(rest) => trim(rest.get(2..).unwrap_or("")),
                None => text,
            }
        }

        /// The digit count as it was (the shape rule is unchanged and shared).
        pub fn looks_like_phone(text: &str, digits_only: bool) -> bool {
            let digits: String = text.chars().filter(char::is_ascii_digit).collect();
            if !super::super::phone_shaped(text, digits_only) {
                return false;
            }
            (digits.len() == 11 && (digits.starts_with('7') || digits.starts_with('8')))
                || (digits.len() == 10 && digits.starts_with('9'))
        }
    }

    #[test]
    fn cleaning_and_phone_shape_agree_with_the_reference_rules() {
        let pieces = [
            "\u{2}",
            "\r\n",
            " ",
            "\u{1d}",
            "]E0",
            "]d2",
            "]",
            "\t",
            "\u{85}",
            "\u{a0}",
            "\u{7f}",
            "Ж",
            "8 (900) 111-22-33",
            "9001112233",
            "79001112233",
            "0104601234567893",
            "21AB",
            "tel:",
            "(",
            "-",
        ];
        let n = pieces.len();
        let mut checked = 0;
        for a in 0..n {
            for b in 0..n {
                for c in 0..n {
                    for d in [0, 4, 13, 16] {
                        let raw = [pieces[a], pieces[b], pieces[c], pieces[d]].concat();
                        let text = clean(&raw);
                        assert_eq!(*text, reference::clean(&raw), "{raw:?}");
                        let digits_only = text.chars().all(|c| c.is_ascii_digit());
                        assert_eq!(
                            looks_like_phone(&text, digits_only),
                            reference::looks_like_phone(&text, digits_only),
                            "{raw:?}"
                        );
                        checked += 1;
                    }
                }
            }
        }
        assert_eq!(checked, n * n * n * 4);
        // Phones found by shape, in a case-mixed tel: link, and framing around a product.
        assert_eq!(
            scan("TeL:+7 900 111-22-33"),
            Scan::Phone("79001112233".into())
        );
        assert_eq!(scan("\u{2}4601234567893\r\n"), product("4601234567893"));
    }
}
