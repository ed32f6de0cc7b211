//! The JSON text 1C gets, written in one pass: serialized straight to bytes, each number
//! shortened as it is written (a serde_json `Formatter`), with no tree and no second pass.

use crate::scan::Scan;
use serde::Serialize;
use serde_json::ser::{CompactFormatter, Formatter};
use std::io::{self, Write};

/// `value` as JSON, every number with a fraction in its shortest exact form (`100.00` → `100`,
/// `80.60` → `80.6`, `1.0` → `1`), so money looks the same whichever backend or table it came from.
pub fn to_json<T: Serialize>(value: &T) -> serde_json::Result<String> {
    let mut out = Pieces(Vec::with_capacity(256));
    value.serialize(&mut serde_json::Serializer::with_formatter(
        &mut out,
        ShortNumbers,
    ))?;
    // serde_json writes UTF-8 and the formatter only drops ASCII digits and points.
    String::from_utf8(out.0).map_err(|e| serde::ser::Error::custom(e.utf8_error()))
}

/// ParseScan's answer, the same text as [`to_json`] gives for a [`Scan`]
/// (`{"kind":"card","value":"…"}`), written directly: it runs for every scanned line.
pub fn scan_json(scan: &Scan) -> String {
    let (kind, value) = match scan {
        Scan::Card(value) => ("card", value),
        Scan::Phone(value) => ("phone", value),
        Scan::Product(value) => ("product", value),
    };
    let mut out = String::with_capacity(36 + value.len());
    out.push_str("{\"kind\":\"");
    out.push_str(kind);
    out.push_str("\",\"value\":");
    crate::engine::push_json_string(&mut out, value);
    out.push('}');
    out
}

/// The text being written. serde_json hands it over in pieces of a few bytes (a quote, a key, a
/// colon, a number): those are pushed byte by byte, where `Vec::extend_from_slice` would make a
/// `memcpy` call for each.
struct Pieces(Vec<u8>);

impl Write for Pieces {
    #[inline]
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.write_all(bytes)?;
        Ok(bytes.len())
    }

    #[inline]
    fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        if bytes.len() <= 16 {
            // Only the rare growth calls out; `reserve` itself is not inlined.
            if self.0.capacity() - self.0.len() < bytes.len() {
                self.0.reserve(bytes.len());
            }
            for &byte in bytes {
                self.0.push(byte);
            }
        } else {
            self.0.extend_from_slice(bytes);
        }
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// serde_json's compact output with shortened numbers. Exact numbers (Decimal, parsed JSON)
/// arrive as text through `write_number_str`; floats are written by serde_json, then shortened.
struct ShortNumbers;

impl Formatter for ShortNumbers {
    fn write_number_str<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        value: &str,
    ) -> io::Result<()> {
        writer.write_all(shortened(value.as_bytes()))
    }

    fn write_f64<W: ?Sized + Write>(&mut self, writer: &mut W, value: f64) -> io::Result<()> {
        let mut buffer = io::Cursor::new([0u8; 64]);
        CompactFormatter.write_f64(&mut buffer, value)?;
        let end = buffer.position() as usize;
        writer.write_all(shortened(&buffer.get_ref()[..end]))
    }

    fn write_f32<W: ?Sized + Write>(&mut self, writer: &mut W, value: f32) -> io::Result<()> {
        let mut buffer = io::Cursor::new([0u8; 64]);
        CompactFormatter.write_f32(&mut buffer, value)?;
        let end = buffer.position() as usize;
        writer.write_all(shortened(&buffer.get_ref()[..end]))
    }
}

/// A number without the trailing zeros of its fraction, and without the point they leave, when
/// it has a decimal point and no exponent (`-0.00` becomes `0`).
fn shortened(number: &[u8]) -> &[u8] {
    if !number.contains(&b'.') || number.iter().any(|c| matches!(c, b'e' | b'E')) {
        return number;
    }
    let mut keep = number.len();
    while keep > 0 && number[keep - 1] == b'0' {
        keep -= 1;
    }
    if keep > 0 && number[keep - 1] == b'.' {
        keep -= 1;
    }
    match &number[..keep] {
        b"-0" => b"0",
        short => short,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scan_json_is_the_serialized_scan() {
        for value in [
            "4601234567893",
            "",
            "79001112233",
            "a\"b\\c",
            "\u{1d}0104601234567893215Wq9xA\u{1d}93dGVz",
            "line\nfeed\ttab\r\u{8}\u{c}\u{0}\u{7f}",
            "Карта №5 😀",
        ] {
            for scan in [
                Scan::Card(value.into()),
                Scan::Phone(value.into()),
                Scan::Product(value.into()),
            ] {
                assert_eq!(scan_json(&scan), to_json(&scan).unwrap(), "{scan:?}");
            }
        }
    }
    use rust_decimal::Decimal;
    use std::str::FromStr;

    /// JSON text read as a tree (numbers kept as written) and written back.
    fn shorten(text: &str) -> String {
        if let Ok(tree) = serde_json::from_str::<serde_json::Value>(text) {
            return to_json(&tree).unwrap();
        }
        String::from_utf8(shortened(text.as_bytes()).to_vec()).unwrap()
    }

    #[test]
    fn fractions_lose_their_trailing_zeros_and_nothing_else_changes() {
        assert_eq!(
            shorten(r#"{"x":100.00,"y":[80.60,0.10,3,-0.00,-1.50,10,0]}"#),
            r#"{"x":100,"y":[80.6,0.1,3,0,-1.5,10,0]}"#
        );
        // An exponent is left as it is.
        assert_eq!(shortened(b"2.50E-3"), b"2.50E-3");
        assert_eq!(shortened(b"1.50e+10"), b"1.50e+10");
        assert_eq!(
            shorten(r#"{"a":"100.00 руб.","b\"":"x\\","c":[1.0,"\"2.50\""]}"#),
            r#"{"a":"100.00 руб.","b\"":"x\\","c":[1,"\"2.50\""]}"#
        );
        assert_eq!(shorten("7.000"), "7");
        assert_eq!(to_json(&[1.0f64, 2.5, -0.0, 0.1]).unwrap(), "[1,2.5,0,0.1]");
        assert_eq!(to_json(&1.5f32).unwrap(), "1.5");
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

/// `Calculation::to_json_text` (written by hand, for Calculate) against [`to_json`] of the same
/// value: byte for byte, over random amounts of every scale and sign, awkward strings, and real
/// calculations of the engine.
#[cfg(test)]
mod calculation_text {
    use super::to_json;
    use crate::engine::{fiscal_lines, Calculation, CalculationLine};
    use rust_decimal::Decimal;

    use crate::test_random::XorShift as Random;

    impl Random {
        fn amount(&mut self) -> Decimal {
            let bits = self.next();
            let mantissa = match bits % 5 {
                0 => 0,
                1 => bits % 1000,
                2 => bits % 100_000_000_000_000,
                3 => bits >> 1,
                _ => bits % 10,
            };
            let scale = (self.next() % 8) as u32;
            let mut d = Decimal::new(mantissa as i64, scale);
            if self.next() % 6 == 0 {
                d.set_sign_negative(true);
            }
            d
        }

        fn text(&mut self) -> String {
            const PIECES: [&str; 14] = [
                "",
                "a",
                "Товар",
                "\"",
                "\\",
                "\n",
                "\r\t",
                "\u{0}",
                "\u{1f}",
                "\u{7f}",
                "/",
                "😀",
                "\u{8}\u{c}",
                "100.00 руб.",
            ];
            let n = self.next() % 5;
            (0..n)
                .map(|_| PIECES[(self.next() % PIECES.len() as u64) as usize])
                .collect()
        }
    }

    fn random_calculation(random: &mut Random) -> Calculation {
        let lines = (0..random.next() % 5)
            .map(|i| {
                let quantity = Decimal::new((random.next() % 5000 + 1) as i64, (i % 4) as u32);
                let sum = Decimal::new((random.next() % 10_000_000) as i64, 2);
                CalculationLine {
                    line_no: if i == 3 {
                        u32::MAX
                    } else {
                        random.next() as u32 % 1000
                    },
                    sum: random.amount(),
                    percent_discount_sum: random.amount(),
                    bonus_debit_sum: random.amount(),
                    discount_sum: random.amount(),
                    discount_percent: random.amount(),
                    sum_after: sum,
                    bonus_accrual: random.amount(),
                    fiscal_lines: if i == 2 {
                        Default::default()
                    } else {
                        fiscal_lines(quantity, sum)
                    },
                }
            })
            .collect();
        Calculation {
            document_id: random.text(),
            phone: random.text(),
            document_sum: random.amount(),
            discount_percent: random.amount(),
            percent_discount_sum: random.amount(),
            available_bonuses: random.amount(),
            max_bonus_debit: random.amount(),
            bonus_debit: random.amount(),
            bonus_debit_sum: random.amount(),
            total_discount: random.amount(),
            to_pay: random.amount(),
            bonus_accrual: random.amount(),
            messages: (0..random.next() % 3).map(|_| random.text()).collect(),
            lines,
            offline: random.next() % 2 == 0,
        }
    }

    #[test]
    fn random_calculations_read_the_same() {
        let mut random = Random(0x2545_F491_4F6C_DD1D);
        for _ in 0..5_000 {
            let calculation = random_calculation(&mut random);
            assert_eq!(
                calculation.to_json_text(),
                to_json(&calculation).unwrap(),
                "{calculation:?}"
            );
        }
    }

    #[test]
    fn every_control_character_is_escaped_as_serde_json_does() {
        let mut calculation = random_calculation(&mut Random(7));
        calculation.messages = (0u8..0x80)
            .map(|b| format!("<{}>", char::from(b)))
            .collect();
        calculation.document_id = (0u8..0x80).map(char::from).collect();
        assert_eq!(calculation.to_json_text(), to_json(&calculation).unwrap());
    }

    #[test]
    fn engine_calculations_read_the_same() {
        use crate::engine::{calculate_in, Account, BonusPolicy, Order};
        use crate::i18n::Lang;
        let mut random = Random(99);
        for case in 0..200 {
            let lines: Vec<String> = (0..1 + random.next() % 20)
                .map(|i| {
                    let kopecks = random.next() % 2_000_000 + 1;
                    let quantity = if i % 4 == 3 {
                        "0.375".to_string()
                    } else {
                        (1 + random.next() % 7).to_string()
                    };
                    format!(
                        r#"{{"lineNo":{},"product":"P{}","quantity":{quantity},"sum":{}.{:02}}}"#,
                        i + 1,
                        i % 3,
                        kopecks / 100,
                        kopecks % 100
                    )
                })
                .collect();
            let order = Order::from_json(&format!(
                r#"{{"phone":"79001112233","useBonuses":{},"lines":[{}]}}"#,
                case % 2 == 0,
                lines.join(",")
            ))
            .unwrap();
            let policy = BonusPolicy {
                accrual_percent: Decimal::new((random.next() % 20) as i64, 0),
                discount_percent: Decimal::new((random.next() % 1500) as i64, 2),
                payment_excluded: vec!["P1".into()],
                ..BonusPolicy::default()
            };
            let account = Account {
                phone: "79001112233".into(),
                available_bonuses: Decimal::new((random.next() % 1_000_000) as i64, 2),
                discount_percent: None,
            };
            let calculation = calculate_in(&order, &account, &policy, Lang::Ru).unwrap();
            assert_eq!(calculation.to_json_text(), to_json(&calculation).unwrap());
        }
    }
}
