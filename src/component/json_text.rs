//! The JSON text 1C gets, written in one pass: serialized straight to a string, then every number
//! shortened in place, with no intermediate tree.

use serde::Serialize;

/// `value` as JSON, every number with a fraction in its shortest exact form (`100.00` → `100`,
/// `80.60` → `80.6`), so money looks the same whichever backend or table it came from.
pub fn to_json<T: Serialize>(value: &T) -> serde_json::Result<String> {
    serde_json::to_string(value).map(shorten_numbers)
}

/// Drops the trailing zeros of each number that has a decimal point and no exponent, and the
/// point they leave (`-0.00` becomes `0`). Text inside strings is left alone.
fn shorten_numbers(text: String) -> String {
    let mut bytes = text.into_bytes();
    let (mut read, mut write) = (0, 0);
    let mut in_string = false;
    while read < bytes.len() {
        let b = bytes[read];
        if in_string || b == b'"' || !(b == b'-' || b.is_ascii_digit()) {
            // Inside a string an escaped character is copied with its backslash.
            let escaped = in_string && b == b'\\' && read + 1 < bytes.len();
            let take = if escaped { 2 } else { 1 };
            if b == b'"' {
                in_string = !in_string;
            }
            bytes.copy_within(read..read + take, write);
            read += take;
            write += take;
            continue;
        }
        let start = read;
        while read < bytes.len()
            && matches!(bytes[read], b'0'..=b'9' | b'.' | b'e' | b'E' | b'+' | b'-')
        {
            read += 1;
        }
        let number = &bytes[start..read];
        let (mut from, mut end) = (start, read);
        if number.contains(&b'.') && !number.iter().any(|c| matches!(c, b'e' | b'E')) {
            while bytes[end - 1] == b'0' {
                end -= 1;
            }
            if bytes[end - 1] == b'.' {
                end -= 1;
            }
            if &bytes[from..end] == b"-0" {
                from += 1;
            }
        }
        bytes.copy_within(from..end, write);
        write += end - from;
    }
    bytes.truncate(write);
    // Only ASCII bytes outside strings were removed, so the text is still UTF-8.
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::Decimal;
    use std::str::FromStr;

    fn shorten(text: &str) -> String {
        shorten_numbers(text.to_owned())
    }

    #[test]
    fn fractions_lose_their_trailing_zeros_and_nothing_else_changes() {
        assert_eq!(
            shorten(r#"{"x":100.00,"y":[80.60,0.10,3,-0.00,-1.50,1.5e10,2.50E-3,10,0]}"#),
            r#"{"x":100,"y":[80.6,0.1,3,0,-1.5,1.5e10,2.50E-3,10,0]}"#
        );
        assert_eq!(
            shorten(r#"{"a":"100.00 руб.","b\"":"x\\","c":[1.0,"\"2.50\""]}"#),
            r#"{"a":"100.00 руб.","b\"":"x\\","c":[1,"\"2.50\""]}"#
        );
        assert_eq!(shorten(""), "");
        assert_eq!(shorten("7.000"), "7");
    }

    /// The same text the old tree walk gave: a number as `Decimal::normalize` writes it.
    #[test]
    fn the_result_is_what_decimal_normalize_writes() {
        for text in [
            "100.00",
            "80.60",
            "0.10",
            "-0.00",
            "12345.678900",
            "0.01",
            "-5.0",
            "1.23",
        ] {
            let normalized = Decimal::from_str(text).unwrap().normalize().to_string();
            assert_eq!(shorten(text), normalized, "{text}");
        }
    }

    #[test]
    fn decimals_serialize_in_their_shortest_form() {
        #[derive(Serialize)]
        struct Line {
            #[serde(with = "crate::engine::money::json_number")]
            sum: Decimal,
            name: &'static str,
        }
        let lines = [
            Line {
                sum: Decimal::new(10000, 2),
                name: "a 1.50 b",
            },
            Line {
                sum: Decimal::new(8060, 2),
                name: "",
            },
        ];
        assert_eq!(
            to_json(&lines).unwrap(),
            r#"[{"sum":100,"name":"a 1.50 b"},{"sum":80.6,"name":""}]"#
        );
    }
}
