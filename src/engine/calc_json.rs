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
use super::number_text::DecimalText;
use rust_decimal::Decimal;

/// About what one line of the answer takes, so that the text is allocated once.
const BYTES_PER_LINE: usize = 320;

impl Calculation {
    /// The contract's JSON text of this calculation (see the module's comment).
    pub fn to_json_text(&self) -> String {
        let mut out = String::with_capacity(512 + self.lines.len() * BYTES_PER_LINE);
        out.push_str("{\"documentId\":");
        push_string(&mut out, &self.document_id);
        out.push_str(",\"phone\":");
        push_string(&mut out, &self.phone);
        push_amount(&mut out, ",\"documentSum\":", self.document_sum);
        push_amount(&mut out, ",\"discountPercent\":", self.discount_percent);
        push_amount(
            &mut out,
            ",\"percentDiscountSum\":",
            self.percent_discount_sum,
        );
        push_amount(&mut out, ",\"availableBonuses\":", self.available_bonuses);
        push_amount(&mut out, ",\"maxBonusDebit\":", self.max_bonus_debit);
        push_amount(&mut out, ",\"bonusDebit\":", self.bonus_debit);
        push_amount(&mut out, ",\"bonusDebitSum\":", self.bonus_debit_sum);
        push_amount(&mut out, ",\"totalDiscount\":", self.total_discount);
        push_amount(&mut out, ",\"toPay\":", self.to_pay);
        push_amount(&mut out, ",\"bonusAccrual\":", self.bonus_accrual);
        out.push_str(",\"messages\":[");
        for (i, message) in self.messages.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            push_string(&mut out, message);
        }
        out.push_str("],\"lines\":[");
        for (i, line) in self.lines.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            push_line(&mut out, line);
        }
        out.push(']');
        if self.offline {
            out.push_str(",\"offline\":true");
        }
        out.push('}');
        out
    }
}

fn push_line(out: &mut String, line: &CalculationLine) {
    out.push_str("{\"lineNo\":");
    push_whole(out, u64::from(line.line_no));
    push_amount(out, ",\"sum\":", line.sum);
    push_amount(out, ",\"percentDiscountSum\":", line.percent_discount_sum);
    push_amount(out, ",\"bonusDebitSum\":", line.bonus_debit_sum);
    push_amount(out, ",\"discountSum\":", line.discount_sum);
    push_amount(out, ",\"discountPercent\":", line.discount_percent);
    push_amount(out, ",\"sumAfter\":", line.sum_after);
    push_amount(out, ",\"bonusAccrual\":", line.bonus_accrual);
    out.push_str(",\"fiscalLines\":");
    push_fiscal(out, &line.fiscal_lines);
    out.push('}');
}

fn push_fiscal(out: &mut String, fiscal: &FiscalLines) {
    out.push('[');
    for (i, group) in fiscal.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_amount(out, "{\"quantity\":", group.quantity);
        push_amount(out, ",\"price\":", group.price);
        push_amount(out, ",\"sum\":", group.sum);
        out.push('}');
    }
    out.push(']');
}

#[inline]
fn push_amount(out: &mut String, key: &str, value: Decimal) {
    out.push_str(key);
    out.push_str(DecimalText::new(value).as_str());
}

fn push_whole(out: &mut String, n: u64) {
    out.push_str(DecimalText::new(Decimal::from(n)).as_str());
}

/// `text` as a JSON string, escaped as serde_json escapes: `"` and `\` with a backslash, the
/// control characters below U+0020 as `\b \t \n \f \r` or `\u00XX` (lower-case hex), nothing else.
pub(crate) fn push_string(out: &mut String, text: &str) {
    out.push('"');
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
        out.push_str(&text[start..i]);
        if escape.is_empty() {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.push_str("\\u00");
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 0xf)]));
        } else {
            out.push_str(escape);
        }
        start = i + 1;
    }
    out.push_str(&text[start..]);
    out.push('"');
}
