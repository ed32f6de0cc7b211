//! A Calculation as JSON text, written by hand: the answer 1C gets from every Calculate.
//!
//! The derived `Serialize` goes through serde's generic machinery key by key and value by value;
//! for a 100-line answer (~30 KB, ~1 400 keys and values) that was most of the call. Here the
//! keys are constants, amounts are [`DecimalText`] (shortest exact form), and strings are
//! escaped as serde_json escapes them. The text is byte for byte what `serde_json` writes for the
//! same struct with amounts in their shortest form (the component's `to_json`): the tests hold
//! the two to that over random calculations and awkward strings.

use super::calc::{Calculation, CalculationLine};
use super::fiscal::FiscalLines;
use super::number_text::{DecimalText, FixedText};
use rust_decimal::Decimal;

/// About what one line of the answer takes, so that the text is allocated once.
const BYTES_PER_LINE: usize = 320;

impl Calculation {
    /// The contract's JSON text of this calculation (see the module's comment).
    pub fn to_json_text(&self) -> String {
        let mut out = Writer::with_capacity(512 + self.lines.len() * BYTES_PER_LINE);
        out.put("{\"documentId\":");
        out.string(&self.document_id);
        out.put(",\"phone\":");
        out.string(&self.phone);
        out.amount(",\"documentSum\":", self.document_sum);
        out.amount(",\"discountPercent\":", self.discount_percent);
        out.amount(",\"percentDiscountSum\":", self.percent_discount_sum);
        out.amount(",\"availableBonuses\":", self.available_bonuses);
        out.amount(",\"maxBonusDebit\":", self.max_bonus_debit);
        out.amount(",\"bonusDebit\":", self.bonus_debit);
        out.amount(",\"bonusDebitSum\":", self.bonus_debit_sum);
        out.amount(",\"totalDiscount\":", self.total_discount);
        out.amount(",\"toPay\":", self.to_pay);
        out.amount(",\"bonusAccrual\":", self.bonus_accrual);
        out.put(",\"messages\":[");
        for (i, message) in self.messages.iter().enumerate() {
            if i > 0 {
                out.put(",");
            }
            out.string(message);
        }
        out.put("],\"lines\":[");
        for (i, line) in self.lines.iter().enumerate() {
            if i > 0 {
                out.put(",");
            }
            out.line(line);
        }
        out.put("]");
        if self.offline {
            out.put(",\"offline\":true");
        }
        out.put("}");
        out.finish()
    }
}

/// The answer's bytes. Every piece is appended to a buffer reserved once for the whole answer
/// (not zero-filled first): a key is a copy of a known size, and an amount's digits are written
/// into a fixed block on the stack that is copied whole and then cut to the text's width, so no
/// piece costs a `memcpy` call. Only `&str` pieces and ASCII digits, `.` and `-` are appended,
/// so the bytes are UTF-8 by construction ([`Writer::finish`] relies on it).
struct Writer {
    buf: Vec<u8>,
}

impl Writer {
    fn with_capacity(bytes: usize) -> Writer {
        Writer {
            buf: Vec::with_capacity(bytes),
        }
    }

    #[inline(always)]
    fn put(&mut self, text: &str) {
        self.buf.extend_from_slice(text.as_bytes());
    }

    /// The digits are written where they stay: room for the widest number is appended as one
    /// constant block (two vector stores), the digits written over its start, the rest cut
    /// off. (Writing them into a block on the stack and copying that reads bytes just stored
    /// one by one back as a vector, which stalls the CPU: the answer took ~20 µs longer.)
    #[inline(always)]
    fn number(&mut self, text: FixedText) {
        let len = self.buf.len();
        let width = text.width();
        self.buf.extend_from_slice(&[b'0'; FixedText::MAX_WIDTH]);
        text.write(&mut self.buf[len..len + width]);
        self.buf.truncate(len + width);
    }

    #[inline(always)]
    fn amount(&mut self, key: &str, value: Decimal) {
        self.put(key);
        match FixedText::of_decimal(value) {
            Some(text) => self.number(text),
            None => self.put(DecimalText::new(value).as_str()),
        }
    }

    fn string(&mut self, text: &str) {
        escape_json(text, |piece| self.put(piece));
    }

    fn line(&mut self, line: &CalculationLine) {
        self.put("{\"lineNo\":");
        self.number(FixedText::of_fixed(i64::from(line.line_no), 0));
        self.amount(",\"sum\":", line.sum);
        self.amount(",\"percentDiscountSum\":", line.percent_discount_sum);
        self.amount(",\"bonusDebitSum\":", line.bonus_debit_sum);
        self.amount(",\"discountSum\":", line.discount_sum);
        self.amount(",\"discountPercent\":", line.discount_percent);
        self.amount(",\"sumAfter\":", line.sum_after);
        self.amount(",\"bonusAccrual\":", line.bonus_accrual);
        self.put(",\"fiscalLines\":");
        self.fiscal(&line.fiscal_lines);
        self.put("}");
    }

    fn fiscal(&mut self, fiscal: &FiscalLines) {
        self.put("[");
        for (i, (quantity_millis, price_kopecks, sum_kopecks)) in fiscal.held().enumerate() {
            if i > 0 {
                self.put(",");
            }
            self.put("{\"quantity\":");
            self.number(FixedText::of_fixed(quantity_millis, 3));
            self.put(",\"price\":");
            self.number(FixedText::of_fixed(price_kopecks, 2));
            self.put(",\"sum\":");
            self.number(FixedText::of_fixed(sum_kopecks, 2));
            self.put("}");
        }
        self.put("]");
    }

    fn finish(self) -> String {
        debug_assert!(std::str::from_utf8(&self.buf).is_ok());
        // SAFETY: only `&str` pieces (whole, or cut at ASCII bytes by `escape_json`) and bytes
        // of a number's block were appended; the block holds only ASCII (`FixedText::write`'s
        // digits, `.` and `-`, and its initial zeros), so the bytes are UTF-8.
        unsafe { String::from_utf8_unchecked(self.buf) }
    }
}

/// `text` as a JSON string, escaped as serde_json escapes: `"` and `\` with a backslash, the
/// control characters below U+0020 as `\b \t \n \f \r` or `\u00XX` (lower-case hex), nothing else.
pub(crate) fn push_string(out: &mut String, text: &str) {
    escape_json(text, |piece| out.push_str(piece));
}

/// [`push_string`]'s pieces, in order, to `put`: the quotes, runs of `text`, escapes.
#[inline]
fn escape_json(text: &str, mut put: impl FnMut(&str)) {
    put("\"");
    let mut start = 0;
    for (i, byte) in text.bytes().enumerate() {
        let escape: &str = match byte {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0x00..=0x1f => "",
            _ => continue,
        };
        // Every byte matched above is ASCII, so `i` is a character boundary.
        put(&text[start..i]);
        if escape.is_empty() {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            let code = [
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[usize::from(byte >> 4)],
                HEX[usize::from(byte & 0xf)],
            ];
            put(std::str::from_utf8(&code).unwrap_or_default());
        } else {
            put(escape);
        }
        start = i + 1;
    }
    put(&text[start..]);
    put("\"");
}
