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
        let mut bytes = [0; CAPACITY];
        // A 96-bit mantissa is mostly far below 2^64: then every division is a 64-bit one.
        let start = match FixedText::of_decimal(value) {
            Some(text) => {
                text.write(&mut bytes[CAPACITY - text.width()..]);
                CAPACITY - text.width()
            }
            None => large(&mut bytes, value),
        };
        DecimalText { bytes, start }
    }

    pub fn as_str(&self) -> &str {
        // SAFETY: only ASCII digits, '.' and '-' are ever written into `bytes[start..]`.
        unsafe { std::str::from_utf8_unchecked(&self.bytes[self.start..]) }
    }
}

/// The text of an amount whose mantissa is below 2^64 (every amount of money), measured before
/// it is written: a writer reserves [`FixedText::width`] bytes and the digits go straight there,
/// with no buffer of their own in between.
#[derive(Clone, Copy, Debug)]
pub(crate) struct FixedText {
    /// Without trailing zeros in the fraction; zero has scale 0.
    mantissa: u64,
    scale: u32,
    negative: bool,
    width: usize,
}

impl FixedText {
    /// The widest text: see [`CAPACITY`].
    pub(crate) const MAX_WIDTH: usize = CAPACITY;

    /// `value` as [`DecimalText::new`] writes it, or `None` for a mantissa of 2^64 and above.
    #[inline(always)]
    pub(crate) fn of_decimal(value: Decimal) -> Option<FixedText> {
        let mantissa = u64::try_from(value.mantissa().unsigned_abs()).ok()?;
        Some(FixedText::new(
            mantissa,
            value.scale(),
            value.is_sign_negative(),
        ))
    }

    /// `mantissa / 10^scale` (an amount held as whole kopecks or thousandths), as
    /// [`DecimalText::new`] writes `Decimal::new(mantissa, scale)`.
    #[inline(always)]
    pub(crate) fn of_fixed(mantissa: i64, scale: u32) -> FixedText {
        FixedText::new(mantissa.unsigned_abs(), scale, mantissa < 0)
    }

    #[inline(always)]
    fn new(mut mantissa: u64, mut scale: u32, negative: bool) -> FixedText {
        while scale > 0 && mantissa % 10 == 0 {
            mantissa /= 10;
            scale -= 1;
        }
        // Zero, negative or not, is `0`.
        let negative = negative && mantissa != 0;
        let digits = digit_count(mantissa);
        // A fraction below one reads `0.…`: at least `scale + 1` digits, and the point.
        let body = if scale > 0 {
            digits.max(scale + 1) + 1
        } else {
            digits
        };
        FixedText {
            mantissa,
            scale,
            negative,
            width: body as usize + usize::from(negative),
        }
    }

    /// How many bytes the text takes.
    #[inline(always)]
    pub(crate) fn width(&self) -> usize {
        self.width
    }

    /// Writes the text into `out`, which is [`FixedText::width`] bytes long.
    #[inline(always)]
    pub(crate) fn write(&self, out: &mut [u8]) {
        debug_assert_eq!(out.len(), self.width);
        let mut back = Backwards {
            start: out.len(),
            bytes: out,
        };
        let mut small = self.mantissa;
        if self.scale > 0 {
            // The fraction's `scale` digits from the right, then the point.
            let mut left = self.scale;
            while left >= 2 {
                back.pair((small % 100) as usize);
                small /= 100;
                left -= 2;
            }
            if left == 1 {
                back.push(b'0' + (small % 10) as u8);
                small /= 10;
            }
            back.push(b'.');
        }
        // The whole part (`0` when there is none).
        back.pairs(small);
        if self.negative {
            back.push(b'-');
        }
    }
}

/// 10^0 … 10^19, as `u64`. `money::POW10` holds the same powers as `i128`; comparing with
/// those cost ~9 k more instructions per 100-line answer (callgrind), so this table stays.
const POWERS_OF_TEN: [u64; 20] = {
    let mut table = [1u64; 20];
    let mut i = 1;
    while i < 20 {
        table[i] = table[i - 1] * 10;
        i += 1;
    }
    table
};

/// How many decimal digits `n` has (`0` has one): from its bit length, since log10(2) is about
/// 1233/4096, then one comparison — instead of `ilog10`'s chain of them.
#[inline(always)]
fn digit_count(n: u64) -> u32 {
    // `n | 1` has as many digits as `n` (an even `n` is never 10^k - 1) and at least one bit.
    let n = n | 1;
    let guess = ((64 - n.leading_zeros()) * 1233) >> 12;
    guess + 1 - u32::from(n < POWERS_OF_TEN[guess as usize])
}

/// The text of a `Decimal` whose mantissa is 2^64 or above (never money), written at the end of
/// `bytes`; where it starts.
#[cold]
#[inline(never)]
fn large(bytes: &mut [u8; CAPACITY], value: Decimal) -> usize {
    let mut back = Backwards {
        bytes,
        start: CAPACITY,
    };
    let (mut mantissa, mut scale) = (value.mantissa().unsigned_abs(), value.scale());
    while scale > 0 && mantissa % 10 == 0 {
        mantissa /= 10;
        scale -= 1;
    }
    let mut written = 0;
    // At least `scale + 1` digits, so a fraction below one reads `0.…`.
    while mantissa > 0 || written <= scale {
        if written == scale && scale > 0 {
            back.push(b'.');
        }
        back.push(b'0' + (mantissa % 10) as u8);
        mantissa /= 10;
        written += 1;
    }
    if value.is_sign_negative() {
        back.push(b'-');
    }
    back.start
}

/// Digits written from the end of `bytes` towards its start.
struct Backwards<'a> {
    bytes: &'a mut [u8],
    start: usize,
}

impl Backwards<'_> {
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

    #[inline(always)]
    fn push(&mut self, byte: u8) {
        self.start -= 1;
        self.bytes[self.start] = byte;
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

    #[test]
    fn digit_counts_are_the_lengths_of_the_numbers() {
        let mut numbers = vec![0, 1, 9, 10, 11, 99, 100, u64::MAX, u64::MAX - 1];
        for power in POWERS_OF_TEN {
            numbers.extend([power - 1, power, power + 1, power.wrapping_mul(2)]);
        }
        let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
        for i in 0..100_000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            numbers.push(seed >> (i % 64));
        }
        for n in numbers {
            assert_eq!(digit_count(n) as usize, n.to_string().len(), "{n}");
        }
    }

    /// A fixed-point text written where its width was reserved is `new` of the same `Decimal`,
    /// for whole numbers of every size and sign at the scales amounts are held in; and so is a
    /// `Decimal`'s own below 2^64 (the samples above 2^64 have none).
    #[test]
    fn fixed_point_texts_fill_their_width_with_the_decimal_text() {
        let mut seed: u64 = 0x2545_F491_4F6C_DD1D;
        let mut mantissas = vec![0, 1, -1, 9, 10, 99, 100, i64::MAX, i64::MIN, i64::MIN + 1];
        for i in 0..20_000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let m = (seed >> (i % 64)) as i64;
            mantissas.push(if i % 3 == 0 { -m } else { m });
        }
        let written = |text: FixedText| {
            // Bytes on both sides of the width: nothing outside it is touched.
            let mut room = vec![b'#'; text.width() + 2];
            text.write(&mut room[1..text.width() + 1]);
            assert_eq!((room[0], room[text.width() + 1]), (b'#', b'#'));
            String::from_utf8(room[1..text.width() + 1].to_vec()).unwrap()
        };
        for (i, &m) in mantissas.iter().enumerate() {
            for scale in [0, 1, 2, 3, (i % 29) as u32] {
                let expected = DecimalText::new(Decimal::new(m, scale));
                assert_eq!(written(FixedText::of_fixed(m, scale)), expected.as_str());
            }
        }
        for d in samples() {
            match FixedText::of_decimal(d) {
                Some(text) => assert_eq!(written(text), DecimalText::new(d).as_str(), "{d:?}"),
                None => assert!(d.mantissa().unsigned_abs() > u128::from(u64::MAX)),
            }
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
