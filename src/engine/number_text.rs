//! An amount's JSON text written on the stack: the shortest exact form of a `Decimal` (what
//! `Decimal::normalize().to_string()` gives), handed to serde as a raw JSON number without a heap
//! allocation or a second parse.
//!
//! serde_json (with `arbitrary_precision`, which this crate turns on) serializes a
//! `serde_json::Number` as a one-field struct named [`NUMBER_TOKEN`] whose field holds the number's
//! text; its serializers write that text as the number itself. [`DecimalText`] serializes the same
//! way, so every serializer sees exactly what `serde_json::Number::from_str(text)` would give it:
//! the tests compare both paths through `to_string` and `to_value`.

use rust_decimal::Decimal;
use serde::ser::{Serialize, SerializeStruct, Serializer};
use std::fmt;

/// The struct name serde_json gives an exact number (see the module's comment); its
/// deserializer hands such a number over as a map with this one key (`json_field.rs`).
pub(crate) const NUMBER_TOKEN: &str = "$serde_json::private::Number";

/// "00", "01", … "99".
const PAIRS: [u8; 200] = {
    let mut table = [0u8; 200];
    let mut i = 0;
    while i < 100 {
        table[2 * i] = b'0' + (i / 10) as u8;
        table[2 * i + 1] = b'0' + (i % 10) as u8;
        i += 1;
    }
    table
};

/// Sign, 29 digits of a 96-bit mantissa or "0." and 28 decimals, and the point: 31 bytes at most.
const CAPACITY: usize = 32;

/// The shortest exact text of a `Decimal`, held inline.
#[derive(Clone, Copy)]
pub struct DecimalText {
    /// Written from the end backwards: the text is `bytes[start..]`.
    bytes: [u8; CAPACITY],
    start: usize,
}

impl DecimalText {
    /// `value` without trailing zeros in its fraction (and without the point they leave); zero,
    /// negative or not, is `0`.
    #[inline]
    pub fn new(value: Decimal) -> DecimalText {
        let mut text = DecimalText {
            bytes: [0; CAPACITY],
            start: CAPACITY,
        };
        let mantissa = value.mantissa().unsigned_abs();
        if mantissa == 0 {
            text.push(b'0');
            return text;
        }
        // A 96-bit mantissa is mostly far below 2^64: then every division is a 64-bit one, and
        // this path is short enough to be written in place where an answer is written.
        match u64::try_from(mantissa) {
            Ok(small) => text.small(small, value.scale()),
            Err(_) => text.large(mantissa, value.scale()),
        }
        if value.is_sign_negative() {
            text.push(b'-');
        }
        text
    }

    /// The digits of a mantissa below 2^64 with `scale` decimals, trailing zeros dropped.
    #[inline(always)]
    fn small(&mut self, mut small: u64, mut scale: u32) {
        while scale > 0 && small % 10 == 0 {
            small /= 10;
            scale -= 1;
        }
        if scale > 0 {
            // The fraction's `scale` digits from the right, then the point: nothing is moved
            // afterwards.
            let mut left = scale;
            while left >= 2 {
                self.pair((small % 100) as usize);
                small /= 100;
                left -= 2;
            }
            if left == 1 {
                self.push(b'0' + (small % 10) as u8);
                small /= 10;
            }
            self.push(b'.');
        }
        // The whole part (`0` when there is none).
        self.pairs(small);
    }

    /// [`DecimalText::small`] for a mantissa of 2^64 and above (out of line: never money).
    #[cold]
    #[inline(never)]
    fn large(&mut self, mut mantissa: u128, mut scale: u32) {
        while scale > 0 && mantissa % 10 == 0 {
            mantissa /= 10;
            scale -= 1;
        }
        let mut written = 0;
        while mantissa > u128::from(u64::MAX) {
            self.digit((mantissa % 10) as u8, written, scale);
            mantissa /= 10;
            written += 1;
        }
        self.digits(mantissa as u64, written, scale);
    }

    /// The digits of `n`, two at a time.
    #[inline(always)]
    fn pairs(&mut self, mut n: u64) {
        while n >= 100 {
            self.pair((n % 100) as usize);
            n /= 100;
        }
        if n >= 10 {
            self.pair(n as usize);
        } else {
            self.push(b'0' + n as u8);
        }
    }

    /// Two digits, `00` to `99`.
    #[inline(always)]
    fn pair(&mut self, n: usize) {
        self.start -= 2;
        self.bytes[self.start..self.start + 2].copy_from_slice(&PAIRS[2 * n..2 * n + 2]);
    }

    /// The digits of `small` to the left of the `written` already there, with the point after
    /// `scale` digits in all; at least `scale + 1` digits, so a fraction below one reads `0.…`.
    #[inline(always)]
    fn digits(&mut self, mut small: u64, mut written: u32, scale: u32) {
        while small > 0 || written <= scale {
            self.digit((small % 10) as u8, written, scale);
            small /= 10;
            written += 1;
        }
    }

    /// One digit to the left, after the point once `scale` digits are written.
    #[inline(always)]
    fn digit(&mut self, d: u8, written: u32, scale: u32) {
        if written == scale && scale > 0 {
            self.push(b'.');
        }
        self.push(b'0' + d);
    }

    #[inline(always)]
    fn push(&mut self, byte: u8) {
        self.start -= 1;
        self.bytes[self.start] = byte;
    }

    pub fn as_str(&self) -> &str {
        // SAFETY: only ASCII digits, '.' and '-' are ever written into `bytes[start..]`.
        unsafe { std::str::from_utf8_unchecked(&self.bytes[self.start..]) }
    }
}

impl fmt::Display for DecimalText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for DecimalText {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut number = serializer.serialize_struct(NUMBER_TOKEN, 1)?;
        number.serialize_field(NUMBER_TOKEN, self.as_str())?;
        number.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn samples() -> Vec<Decimal> {
        let mut out: Vec<Decimal> = [
            "0",
            "-0",
            "0.00",
            "-0.00",
            "1",
            "-1",
            "10",
            "100.00",
            "80.60",
            "0.10",
            "0.01",
            "-0.5",
            "2869.52",
            "12345.678900",
            "1000000000000",
            "0.0000000000000000000000000001",
            "-0.0000000000000000000000000010",
        ]
        .iter()
        .map(|s| Decimal::from_str(s).unwrap())
        .collect();
        out.extend([Decimal::MAX, Decimal::MIN, Decimal::ONE_HUNDRED]);
        // Pseudo-random mantissas over the whole 96 bits and every scale.
        let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
        for i in 0..20_000u32 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let bits = match i % 4 {
                0 => seed % 1000,
                1 => seed % 100_000_000_000_000,
                _ => seed,
            };
            let hi = if i % 4 == 3 { (seed >> 35) as u32 } else { 0 };
            let mut d =
                Decimal::from_parts(bits as u32, (bits >> 32) as u32, hi, i % 2 == 0, i % 29);
            if i % 7 == 0 {
                d = d.trunc_with_scale(i % 5);
            }
            out.push(d);
        }
        out
    }

    #[test]
    fn the_text_is_what_normalize_then_display_writes() {
        for d in samples() {
            assert_eq!(
                DecimalText::new(d).as_str(),
                d.normalize().to_string(),
                "{d:?}"
            );
        }
    }

    /// Byte for byte what serializing `serde_json::Number` of the same text gives, as JSON text and
    /// as a `serde_json::Value`.
    #[test]
    fn serializes_as_serde_json_number_does() {
        for d in samples().into_iter().step_by(7) {
            let number = serde_json::Number::from_str(&d.normalize().to_string()).unwrap();
            let text = DecimalText::new(d);
            assert_eq!(
                serde_json::to_string(&text).unwrap(),
                serde_json::to_string(&number).unwrap()
            );
            assert_eq!(
                serde_json::to_value(text).unwrap(),
                serde_json::Value::Number(number)
            );
        }
        assert_eq!(
            serde_json::to_string(&[DecimalText::new(Decimal::new(-150, 2))]).unwrap(),
            "[-1.5]"
        );
    }
}
