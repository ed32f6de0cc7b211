//! The Order as 1C's JSON writer produces it, read in one pass over the text — UTF-8 bytes, or
//! the host's UTF-16 units where they lie, so a Calculate reads its order without a decoded copy.
//!
//! serde_json with exact numbers turns each number into a `String` and each key into a visitor
//! call; for a 100-line order that was several times the calculation itself. This reader takes
//! the common shape straight into an [`Order`]: known keys, strings without escapes, plain
//! numbers (no sign, no exponent, at most 18 digits), `null` where the strict reader allows it.
//!
//! It never decides an error. Anything else — an escape, an exponent, a negative number, an
//! unknown or repeated key, a missing required key, `giftCards`, a wrong type, broken JSON, a
//! lone surrogate — makes it give up, and the strict reader ([`Order::read_json`]) reads the
//! document again with its own messages. What it returns is exactly what the strict reader
//! returns for the same text: the tests hold the two to that, down to each amount's scale, for
//! both kinds of unit.

use super::order::{LineText, Order, OrderLine, MAX_LINES};
use super::order_units::{Unit, MAX_KEY};
use super::time::LocalDateTime;
use rust_decimal::Decimal;

/// Reads `json` when it has the common shape; `None` hands it to the strict reader.
pub(super) fn read_plain(json: &str) -> Option<Order> {
    read_units(json.as_bytes())
}

/// [`read_plain`] of the text these UTF-16 units hold, without decoding it first.
pub(super) fn read_plain_utf16(units: &[u16]) -> Option<Order> {
    read_units(units)
}

fn read_units<U: Unit>(units: &[U]) -> Option<Order> {
    let mut reader = Reader { units, at: 0 };
    let order = reader.order()?;
    reader.space();
    (reader.at == units.len()).then_some(order)
}

/// The digits a `u64` mantissa always holds.
const MAX_DIGITS: usize = 18;

struct Reader<'a, U> {
    units: &'a [U],
    at: usize,
}

impl<'a, U: Unit> Reader<'a, U> {
    #[inline(always)]
    fn peek(&self) -> Option<u32> {
        self.units.get(self.at).map(|u| u.value())
    }

    #[inline(always)]
    fn space(&mut self) {
        while let Some(0x20 | 0x09 | 0x0a | 0x0d) = self.peek() {
            self.at += 1;
        }
    }

    /// Skips whitespace, then takes `ascii` if it comes next.
    #[inline(always)]
    fn eat(&mut self, ascii: u8) -> bool {
        self.space();
        if self.peek() == Some(u32::from(ascii)) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn literal(&mut self, word: &str) -> bool {
        self.space();
        let matches = self
            .units
            .get(self.at..self.at + word.len())
            .is_some_and(|units| {
                units
                    .iter()
                    .zip(word.bytes())
                    .all(|(u, b)| u.value() == u32::from(b))
            });
        if matches {
            self.at += word.len();
        }
        matches
    }

    /// The units of a string without escapes or control characters (which only the strict
    /// reader handles).
    #[inline]
    fn string(&mut self) -> Option<&'a [U]> {
        if !self.eat(b'"') {
            return None;
        }
        let start = self.at;
        let len = U::plain_run(&self.units[start..]);
        self.at = start + len;
        // Only the closing quote ends the string here; an escape or a control character is the
        // strict reader's.
        if self.peek() != Some(u32::from(b'"')) {
            return None;
        }
        self.at += 1;
        Some(&self.units[start..start + len])
    }

    /// A string's text; `None` also for one that is not a whole text (a lone surrogate).
    fn owned(&mut self) -> Option<String> {
        self.line_owned().map(String::from)
    }

    /// [`Reader::owned`] as a line holds it.
    fn line_owned(&mut self) -> Option<LineText> {
        self.string().and_then(U::text)
    }

    /// A string or `null` (the empty string), as the strict reader takes a text.
    fn text(&mut self) -> Option<String> {
        if self.literal("null") {
            return Some(String::new());
        }
        self.owned()
    }

    /// [`Reader::text`] as a line holds it.
    fn line_text(&mut self) -> Option<LineText> {
        if self.literal("null") {
            return Some(LineText::const_new(""));
        }
        self.line_owned()
    }

    /// A non-negative number without an exponent, of at most [`MAX_DIGITS`] digits, with the
    /// scale it was written with (`1.50` has scale 2), as the strict reader keeps it.
    fn number(&mut self) -> Option<Decimal> {
        let (mantissa, scale) = self.plain_number()?;
        // Below 10^18 < 2^64: two 32-bit words of the 96-bit mantissa.
        Some(Decimal::from_parts(
            mantissa as u32,
            (mantissa >> 32) as u32,
            0,
            false,
            scale,
        ))
    }

    /// A whole number that fits `u32` (`7` or `7.0`, as the strict reader takes a `lineNo`).
    fn whole(&mut self) -> Option<u32> {
        let (mut mantissa, scale) = self.plain_number()?;
        for _ in 0..scale {
            if mantissa % 10 != 0 {
                return None;
            }
            mantissa /= 10;
        }
        u32::try_from(mantissa).ok()
    }

    /// The digits of a plain number as a mantissa and a scale, in one pass over them.
    fn plain_number(&mut self) -> Option<(u64, u32)> {
        self.space();
        let units = &self.units[self.at..];
        let (mut mantissa, mut taken) = (0, 0);
        let integer = take_digits(units, 0, &mut mantissa, &mut taken)?;
        // JSON allows no leading zero ("01").
        if integer == 0 || (integer > 1 && units[0].value() == u32::from(b'0')) {
            return None;
        }
        let is = |at: usize, ascii: &[u8]| {
            units
                .get(at)
                .is_some_and(|u| ascii.iter().any(|&b| u.value() == u32::from(b)))
        };
        let (end, fraction) = if is(integer, b".") {
            match take_digits(units, integer + 1, &mut mantissa, &mut taken)? - integer - 1 {
                // "1." is not JSON.
                0 => return None,
                n => (integer + 1 + n, n),
            }
        } else {
            (integer, 0)
        };
        // An exponent is the strict reader's.
        if is(end, b"eE") {
            return None;
        }
        self.at += end;
        Some((mantissa, fraction as u32))
    }

    /// A number, or `null` for zero (as the strict reader takes `price` and `discountSum`).
    fn number_or_zero(&mut self) -> Option<Decimal> {
        if self.literal("null") {
            return Some(Decimal::ZERO);
        }
        self.number()
    }

    /// `true`, `false`, or `null` for `default`.
    fn switch(&mut self, default: bool) -> Option<bool> {
        if self.literal("true") {
            Some(true)
        } else if self.literal("false") {
            Some(false)
        } else {
            self.literal("null").then_some(default)
        }
    }

    /// `"key":` of an object, after its `{` or a `,` (`None` for a key that is none of ours, as
    /// for any unknown key); `Some(None)` at the closing `}`.
    #[inline]
    fn next_key(&mut self, first: bool) -> Option<Option<Key>> {
        if !self.key_opening(first)? {
            return Some(None);
        }
        let (key, len) = U::key(&self.units[self.at..])?;
        self.at += len + 1;
        // 1C writes the colon right after the key; anything else goes the general way.
        if self.peek() == Some(u32::from(b':')) {
            self.at += 1;
            return Some(Some(Key(key)));
        }
        self.eat(b':').then_some(Some(Key(key)))
    }

    /// Takes what comes before a key — its opening quote, after a comma unless it is the
    /// object's first: `Some(true)`; the closing `}` instead: `Some(false)`. 1C's shape (no
    /// whitespace) is taken by looking at the next two units; anything else the general way.
    #[inline(always)]
    fn key_opening(&mut self, first: bool) -> Option<bool> {
        let (quote, comma) = (u32::from(b'"'), u32::from(b','));
        let unit = |at: usize| self.units.get(at).map(|u| u.value());
        if first && unit(self.at) == Some(quote) {
            self.at += 1;
            return Some(true);
        }
        if !first && unit(self.at) == Some(comma) && unit(self.at + 1) == Some(quote) {
            self.at += 2;
            return Some(true);
        }
        if self.eat(b'}') {
            return Some(false);
        }
        if !first && !self.eat(b',') {
            return None;
        }
        self.eat(b'"').then_some(true)
    }

    /// The items of an array, each read by `item`, after the `[`.
    fn items<T>(&mut self, mut item: impl FnMut(&mut Self) -> Option<T>) -> Option<Vec<T>> {
        let mut out = Vec::new();
        if self.eat(b']') {
            return Some(out);
        }
        loop {
            out.push(item(self)?);
            if self.eat(b']') {
                return Some(out);
            }
            if !self.eat(b',') {
                return None;
            }
        }
    }

    /// The lines, after the `[`. Room for all of them is reserved after the first, from its
    /// width and what is left of the text: 1C writes every line alike, so the vector is not
    /// regrown (and its lines moved) again and again.
    fn lines(&mut self) -> Option<Vec<OrderLine>> {
        let mut lines = Vec::new();
        if self.eat(b']') {
            return Some(lines);
        }
        loop {
            // Beyond the limit it stops at once (the strict reader words the error).
            if lines.len() == MAX_LINES {
                return None;
            }
            let start = self.at;
            // Read into its place in the vector: a line is ~150 bytes, and returning it through
            // an `Option` and pushing it cost three `memcpy` calls a line (~5 % of the call).
            lines.push(OrderLine::blank());
            self.line_into(lines.last_mut()?)?;
            if lines.len() == 1 {
                let width = (self.at - start).max(1);
                let left = self.units.len() - self.at;
                // An eighth more, for lines a little wider or narrower than the first.
                let expected = left / width + left / width / 8 + 1;
                lines.reserve(expected.min(MAX_LINES - 1));
            }
            if self.eat(b']') {
                return Some(lines);
            }
            if !self.eat(b',') {
                return None;
            }
        }
    }

    fn order(&mut self) -> Option<Order> {
        if !self.eat(b'{') {
            return None;
        }
        let mut order = Order::blank();
        let mut seen = [false; 11];
        let mut first = true;
        while let Some(key) = self.next_key(first)? {
            first = false;
            let slot = match key {
                DOCUMENT_ID => 0,
                PHONE => 1,
                CARD_NUMBER => 2,
                ORGANIZATION => 3,
                USE_BONUSES => 4,
                BONUS_DEBIT => 5,
                DATE => 6,
                COUPONS => 7,
                RESERVE_ID => 8,
                GIFT_CARDS => 9,
                LINES => 10,
                _ => return None,
            };
            if std::mem::replace(&mut seen[slot], true) {
                return None;
            }
            match slot {
                0 => order.document_id = self.text()?,
                1 => order.phone = self.text()?,
                2 => order.card_number = self.text()?,
                3 => order.organization = self.text()?,
                4 => order.use_bonuses = self.switch(true)?,
                5 => {
                    order.bonus_debit = if self.literal("null") {
                        None
                    } else {
                        Some(self.number()?)
                    }
                }
                6 => {
                    if !self.literal("null") {
                        order.date = LocalDateTime::parse_optional(&self.owned()?)?;
                    }
                }
                7 => {
                    if !self.literal("null") {
                        if !self.eat(b'[') {
                            return None;
                        }
                        order.coupons = self.items(|r| r.owned())?;
                    }
                }
                8 => {
                    if !self.literal("null") {
                        order.reserve_id = Some(self.owned()?);
                    }
                }
                // Gift certificates (a Sale's) are the strict reader's.
                9 => {
                    if !self.literal("null") {
                        return None;
                    }
                }
                _ => {
                    if !self.eat(b'[') {
                        return None;
                    }
                    order.lines = self.lines()?;
                }
            }
        }
        seen[10].then_some(order)
    }

    /// A line's keys into `line`, a blank one.
    fn line_into(&mut self, line: &mut OrderLine) -> Option<()> {
        if !self.eat(b'{') {
            return None;
        }
        let mut seen = [false; 8];
        let mut first = true;
        while let Some(key) = self.next_key(first)? {
            first = false;
            let slot = match key {
                LINE_NO => 0,
                PRODUCT => 1,
                CATEGORY => 2,
                NAME => 3,
                QUANTITY => 4,
                PRICE => 5,
                SUM => 6,
                DISCOUNT_SUM => 7,
                _ => return None,
            };
            if std::mem::replace(&mut seen[slot], true) {
                return None;
            }
            match slot {
                0 => line.line_no = self.whole()?,
                1 => line.product = self.line_text()?,
                2 => line.category = self.line_text()?,
                3 => line.name = self.line_text()?,
                4 => line.quantity = self.number()?,
                5 => line.price = self.number_or_zero()?,
                6 => line.sum = self.number()?,
                _ => line.discount_sum = self.number_or_zero()?,
            }
        }
        // lineNo, quantity and sum are required.
        (seen[0] && seen[4] && seen[6]).then_some(())
    }
}

// The keys of both objects.
const DOCUMENT_ID: Key = Key::of("documentId");
const PHONE: Key = Key::of("phone");
const CARD_NUMBER: Key = Key::of("cardNumber");
const ORGANIZATION: Key = Key::of("organization");
const USE_BONUSES: Key = Key::of("useBonuses");
const BONUS_DEBIT: Key = Key::of("bonusDebit");
const DATE: Key = Key::of("date");
const COUPONS: Key = Key::of("coupons");
const RESERVE_ID: Key = Key::of("reserveId");
const GIFT_CARDS: Key = Key::of("giftCards");
const LINES: Key = Key::of("lines");
const LINE_NO: Key = Key::of("lineNo");
const PRODUCT: Key = Key::of("product");
const CATEGORY: Key = Key::of("category");
const NAME: Key = Key::of("name");
const QUANTITY: Key = Key::of("quantity");
const PRICE: Key = Key::of("price");
const SUM: Key = Key::of("sum");
const DISCOUNT_SUM: Key = Key::of("discountSum");

/// An ASCII key as [`Unit::key`] reads it: its bytes in a `u128`, little-endian, zero-padded.
/// Two keys are equal exactly when their numbers are (a key has no zero byte), so a key is
/// matched by comparing two words.
#[derive(PartialEq, Eq)]
struct Key(u128);

impl Key {
    /// The key of a name the reader knows (at most [`MAX_KEY`] bytes, checked when compiled).
    const fn of(name: &str) -> Key {
        let name = name.as_bytes();
        assert!(name.len() <= MAX_KEY);
        let mut key = 0u128;
        let mut i = 0;
        while i < name.len() {
            key |= (name[i] as u128) << (8 * i);
            i += 1;
        }
        Key(key)
    }
}

/// The ASCII digits of `units` from `from` on, appended to `mantissa` (which holds `taken`
/// digits); where they end, or `None` past [`MAX_DIGITS`] digits in all, which the reader gives
/// up on anyway: so the mantissa never overflows.
#[inline]
fn take_digits<U: Unit>(
    units: &[U],
    from: usize,
    mantissa: &mut u64,
    taken: &mut usize,
) -> Option<usize> {
    let mut i = from;
    while let Some(unit) = units.get(i) {
        let digit = unit.value().wrapping_sub(u32::from(b'0'));
        if digit > 9 {
            break;
        }
        if *taken == MAX_DIGITS {
            return None;
        }
        *taken += 1;
        *mantissa = *mantissa * 10 + u64::from(digit);
        i += 1;
    }
    Some(i)
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::test_random::XorShift as Random;

    impl Random {
        fn pick<'s>(&mut self, items: &[&'s str]) -> &'s str {
            items[(self.next() % items.len() as u64) as usize]
        }

        fn one_in(&mut self, n: u64) -> bool {
            self.next() % n == 0
        }
    }

    /// Whitespace JSON allows, mostly none.
    fn gap(r: &mut Random) -> &'static str {
        r.pick(&["", "", "", "", " ", "\n  ", "\t", "\r\n"])
    }

    fn number(r: &mut Random, awkward: bool) -> String {
        if awkward && r.one_in(4) {
            return r
                .pick(&[
                    "-1",
                    "-0",
                    "-0.00",
                    "1e2",
                    "1.5E-1",
                    "01",
                    "1.",
                    ".5",
                    "0.5",
                    "1234567890123456789",
                    "123456789012345678",
                    "0.000000000000000001",
                    "99999999999999999999999999999",
                    "\"5\"",
                    "null",
                    "true",
                    "1.0",
                    "7.000",
                    "4294967296",
                    "2.5",
                    "0",
                ])
                .to_string();
        }
        let whole = r.next() % 100_000;
        match r.next() % 4 {
            0 => whole.to_string(),
            1 => format!("{whole}.{}", r.next() % 10),
            2 => format!("{whole}.{:02}", r.next() % 100),
            _ => format!("{whole}.{:03}", r.next() % 1000),
        }
    }

    fn text(r: &mut Random, awkward: bool) -> String {
        if awkward && r.one_in(4) {
            return r
                .pick(&[
                    "null",
                    "\"a\\\"b\"",
                    "\"\\u0041\"",
                    "\"tab\tin\"",
                    "5",
                    "[]",
                    "{}",
                    "\"\"",
                    "\"😀\"",
                    "true",
                ])
                .to_string();
        }
        format!(
            "\"{}\"",
            r.pick(&[
                "P1",
                "Товар 1",
                "",
                " x ",
                "Молоко 3,2% 1 л",
                "a/b",
                "\u{7f}"
            ])
        )
    }

    /// An Order document: plain (the shape 1C writes) or, when `awkward`, with everything the
    /// plain reader must leave to the strict one mixed in.
    fn document(r: &mut Random, awkward: bool) -> String {
        let mut keys: Vec<String> = Vec::new();
        fn push(keys: &mut Vec<String>, r: &mut Random, name: &str, value: String) {
            keys.push(format!("{}\"{name}\"{}:{}{value}", gap(r), gap(r), gap(r)));
        }
        if r.one_in(2) {
            let value = text(r, awkward);
            push(&mut keys, r, "phone", value);
        }
        if r.one_in(2) {
            let value = text(r, awkward);
            push(&mut keys, r, "cardNumber", value);
        }
        for name in ["documentId", "organization", "reserveId"] {
            if r.one_in(4) {
                let value = text(r, awkward);
                push(&mut keys, r, name, value);
            }
        }
        if r.one_in(3) {
            let value = r.pick(&["true", "false", "null"]).to_string();
            push(&mut keys, r, "useBonuses", value);
        }
        if r.one_in(3) {
            let value = if r.one_in(3) {
                "null".to_string()
            } else {
                number(r, awkward)
            };
            push(&mut keys, r, "bonusDebit", value);
        }
        if r.one_in(4) {
            let value = if awkward && r.one_in(3) {
                r.pick(&["\"yesterday\"", "\"2026-02-30T00:00:00\"", "5"])
            } else {
                r.pick(&[
                    "null",
                    "\"\"",
                    "\"2026-12-05T10:00:00\"",
                    "\"0001-01-01T00:00:00\"",
                    "\"2026-12-05\"",
                ])
            }
            .to_string();
            push(&mut keys, r, "date", value);
        }
        if r.one_in(4) {
            let value = if awkward && r.one_in(3) {
                r.pick(&["[null]", "\"C1\"", "[\"C1\",]", "[5]"])
            } else {
                r.pick(&["null", "[]", "[\"C1\"]", "[\"C1\", \"C2\"]"])
            }
            .to_string();
            push(&mut keys, r, "coupons", value);
        }
        if awkward && r.one_in(8) {
            let value = r
                .pick(&["null", "[]", "[{\"id\":\"G\",\"paymentSum\":1}]"])
                .to_string();
            push(&mut keys, r, "giftCards", value);
        }
        if !(awkward && r.one_in(20)) {
            let lines: Vec<String> = (0..r.next() % 6).map(|i| line(r, i, awkward)).collect();
            let value = format!("[{}{}]", lines.join(","), gap(r));
            push(&mut keys, r, "lines", value);
        }
        if awkward && !keys.is_empty() && r.one_in(10) {
            let repeated = keys[(r.next() % keys.len() as u64) as usize].clone();
            keys.push(repeated);
        }
        if awkward && r.one_in(15) {
            // Near misses too: a prefix, an extension, one past the longest key.
            let name = r.pick(&[
                "bonusDebt",
                "Phone",
                "line\\u004eo",
                "line",
                "linesX",
                "organizations",
                "",
            ]);
            push(&mut keys, r, name, "1".to_string());
        }
        // Keys in any order.
        for i in (1..keys.len()).rev() {
            keys.swap(i, (r.next() % (i as u64 + 1)) as usize);
        }
        let tail = if awkward && r.one_in(20) {
            r.pick(&[" x", "}", ","])
        } else {
            gap(r)
        };
        format!("{}{{{}{}}}{tail}", gap(r), keys.join(","), gap(r))
    }

    fn line(r: &mut Random, i: u64, awkward: bool) -> String {
        let mut keys = vec![
            format!(
                "\"lineNo\":{}",
                if awkward && r.one_in(10) {
                    number(r, true)
                } else {
                    (i + 1).to_string()
                }
            ),
            format!("\"quantity\":{}", number(r, awkward)),
            format!("\"sum\":{}", number(r, awkward)),
        ];
        for name in ["product", "category", "name"] {
            if r.one_in(2) {
                keys.push(format!("\"{name}\":{}", text(r, awkward)));
            }
        }
        for name in ["price", "discountSum"] {
            if r.one_in(2) {
                let value = if r.one_in(4) {
                    "null".to_string()
                } else {
                    number(r, awkward)
                };
                keys.push(format!("\"{name}\":{value}"));
            }
        }
        if awkward && r.one_in(12) {
            keys.remove((r.next() % 3) as usize);
        }
        if awkward && r.one_in(15) {
            let name = r.pick(&["su", "sums", "lineNoX", "discountSums", "nam"]);
            keys.push(format!("\"{name}\":1"));
        }
        for i in (1..keys.len()).rev() {
            keys.swap(i, (r.next() % (i as u64 + 1)) as usize);
        }
        format!("{}{{{}}}", gap(r), keys.join(&format!(",{}", gap(r))))
    }

    /// What the plain reader returns is what the strict reader returns, amounts with the same
    /// scale (Debug shows `1.50`, not `1.5`).
    fn agrees(json: &str) -> bool {
        let plain = read_plain(json);
        // The host's UTF-16 of the same text reads the same.
        let units: Vec<u16> = json.encode_utf16().collect();
        assert_eq!(
            format!("{:?}", read_plain_utf16(&units)),
            format!("{plain:?}"),
            "{json}"
        );
        let strict = Order::read_json_strict(json);
        if let Some(order) = &plain {
            match &strict {
                Ok(expected) => assert_eq!(format!("{order:?}"), format!("{expected:?}"), "{json}"),
                Err(e) => panic!("the plain reader took what the strict one refuses ({e}): {json}"),
            }
        }
        plain.is_some()
    }

    #[test]
    fn plain_documents_are_read_by_the_plain_reader_as_the_strict_one_reads_them() {
        let mut r = Random(0x9E37_79B9_7F4A_7C15);
        for _ in 0..3_000 {
            let json = document(&mut r, false);
            assert!(
                agrees(&json),
                "the plain reader gave up on a plain document: {json:?} ({:?})",
                Order::read_json_strict(&json).err()
            );
        }
    }

    #[test]
    fn awkward_documents_are_never_read_differently() {
        let mut r = Random(0x2545_F491_4F6C_DD1D);
        let (mut plain, mut total) = (0, 0);
        for _ in 0..20_000 {
            let json = document(&mut r, true);
            plain += usize::from(agrees(&json));
            total += 1;
        }
        // Both kinds come up: the mix is neither all plain nor all handed over.
        assert!(
            plain > total / 10 && plain < total * 9 / 10,
            "{plain} of {total}"
        );
    }

    #[test]
    fn a_document_cut_anywhere_is_handed_over() {
        let mut r = Random(42);
        for _ in 0..200 {
            let json = document(&mut r, false);
            for end in (0..json.len()).filter(|&end| json.is_char_boundary(end)) {
                let cut = &json[..end];
                if read_plain(cut).is_some() {
                    // Only whitespace was cut off.
                    assert_eq!(cut.trim_end(), json.trim_end(), "{cut}");
                }
            }
        }
    }

    /// UTF-16 cut anywhere (inside a surrogate pair too) or with a lone surrogate put anywhere:
    /// handed over, unless only whitespace was cut off.
    #[test]
    fn broken_utf16_is_handed_over() {
        let mut r = Random(43);
        for _ in 0..200 {
            let json = document(&mut r, false).replace("Товар 1", "Товар 😀");
            let units: Vec<u16> = json.encode_utf16().collect();
            for end in 0..units.len() {
                if let Some(order) = read_plain_utf16(&units[..end]) {
                    let cut = String::from_utf16(&units[..end]).expect("whole characters");
                    assert_eq!(cut.trim_end(), json.trim_end(), "{cut}");
                    assert_eq!(
                        format!("{order:?}"),
                        format!("{:?}", Order::read_json_strict(&cut).expect("valid"))
                    );
                }
            }
            for _ in 0..20 {
                let mut lone = units.clone();
                let at = (r.next() % (units.len() as u64 + 1)) as usize;
                lone.insert(at, if r.one_in(2) { 0xd83d } else { 0xde00 });
                if char::decode_utf16(lone.iter().copied()).any(|c| c.is_err()) {
                    assert_eq!(read_plain_utf16(&lone), None, "{lone:x?}");
                }
            }
        }
    }

    /// Plain documents with a few bytes changed, added or dropped (JSON's own punctuation, digits,
    /// letters of its literals): never a panic, and never a reading the strict reader disagrees with.
    #[test]
    fn mutated_documents_are_never_read_differently() {
        const BYTES: &[u8] = b"\"\\{}[],: 0123456789.eE-+ntrufalsx\t\n";
        let mut r = Random(77);
        for _ in 0..20_000 {
            let mut json = document(&mut r, false).into_bytes();
            for _ in 0..1 + r.next() % 3 {
                // ASCII positions only, so the text stays UTF-8.
                let ascii: Vec<usize> = (0..json.len()).filter(|&i| json[i].is_ascii()).collect();
                let at = ascii[(r.next() % ascii.len() as u64) as usize];
                let byte = BYTES[(r.next() % BYTES.len() as u64) as usize];
                match r.next() % 3 {
                    0 => json[at] = byte,
                    1 => json.insert(at, byte),
                    _ => {
                        json.remove(at);
                    }
                }
            }
            agrees(&String::from_utf8(json).expect("still UTF-8"));
        }
    }

    #[test]
    fn the_common_shape_keeps_its_scales() {
        let order = read_plain(
            r#"{"phone":"79001112233","useBonuses":false,"lines":[{"lineNo":1,"product":"P0","name":"Товар 0","quantity":1,"price":2869.50,"sum":2869.5}]}"#,
        )
        .expect("plain");
        assert_eq!(order.lines[0].price.to_string(), "2869.50");
        assert_eq!(order.lines[0].sum.to_string(), "2869.5");
        assert_eq!(order.lines[0].name, "Товар 0");
        assert!(!order.use_bonuses);
        assert_eq!(
            read_plain(r#"{"lines":[{"lineNo":1,"quantity":1,"sum":1e2}]}"#),
            None
        );
        assert_eq!(
            read_plain(r#"{"lines":[{"lineNo":1,"quantity":-1,"sum":1}]}"#),
            None
        );
        assert_eq!(
            read_plain(r#"{"lines":[{"lineNo":1,"quantity":1,"sum":1,"x":1}]}"#),
            None
        );
    }
}
