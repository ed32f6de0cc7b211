//! The code units the plain order reader ([`super::order_plain`]) reads: UTF-8 bytes of a
//! decoded text, or UTF-16 units where the host holds them. The reader itself looks only at
//! ASCII (JSON's punctuation, digits, keys); finding where a string ends and turning its units
//! into a text is each unit's own.

use super::order::LineText;

/// A UTF-8 byte or a UTF-16 unit.
pub(super) trait Unit: Copy {
    /// The unit's value, compared with ASCII: a UTF-16 unit such as U+0122 is never `"`.
    fn value(self) -> u32;

    /// How many units come before the first `"`, `\` or control character (all of them when
    /// none does).
    fn plain_run(units: &[Self]) -> usize;

    /// The text of a string's units (no escapes or quotes among them); `None` when they are not
    /// a whole text (a lone surrogate), which the strict reader then words.
    fn text(units: &[Self]) -> Option<LineText>;

    /// The object key at the start of `units` (just after its opening quote): its bytes in a
    /// `u128`, little-endian and zero-padded, and how many units it has before its closing
    /// quote. `None` unless it is at most [`MAX_KEY`] units of printable ASCII other than `\`
    /// closed by `"` — no key of the order's is anything else.
    fn key(units: &[Self]) -> Option<(u128, usize)>;
}

/// The longest key either object of the order has ("organization").
pub(super) const MAX_KEY: usize = 12;

/// [`Unit::key`] unit by unit: for the last few units of a text, and the rule the vector
/// version is tested against.
fn key_by_units<U: Unit>(units: &[U]) -> Option<(u128, usize)> {
    let mut key = 0u128;
    for (i, unit) in units.iter().enumerate().take(MAX_KEY + 1) {
        let value = unit.value();
        if value == u32::from(b'"') {
            return Some((key, i));
        }
        if i == MAX_KEY || !(0x20..0x7f).contains(&value) || value == u32::from(b'\\') {
            return None;
        }
        key |= u128::from(value) << (8 * i);
    }
    None
}

/// [`Unit::key`] of sixteen bytes at once (SSE2, part of every x86_64): the key is where the
/// first quote is, every byte before it must be printable ASCII other than `\`, and the bytes
/// from the quote on are cleared.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn key_of_16(bytes: std::arch::x86_64::__m128i) -> Option<(u128, usize)> {
    use std::arch::x86_64::{
        _mm_and_si128, _mm_cmpeq_epi8, _mm_cmplt_epi8, _mm_movemask_epi8, _mm_or_si128,
        _mm_set1_epi8, _mm_setr_epi8,
    };
    // SAFETY: SSE2 is part of x86_64; these intrinsics only compute on registers.
    let (quotes, bad, key) = unsafe {
        let quotes = _mm_movemask_epi8(_mm_cmpeq_epi8(bytes, _mm_set1_epi8(b'"' as i8)));
        // As signed bytes, below 0x20 and 0x80 and above are both less than 0x20.
        let outside = _mm_cmplt_epi8(bytes, _mm_set1_epi8(0x20));
        let del = _mm_cmpeq_epi8(bytes, _mm_set1_epi8(0x7f));
        let backslash = _mm_cmpeq_epi8(bytes, _mm_set1_epi8(b'\\' as i8));
        let bad = _mm_movemask_epi8(_mm_or_si128(_mm_or_si128(outside, del), backslash));
        let len = (quotes as u32 | 1 << 16).trailing_zeros() as i8;
        let index = _mm_setr_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        let kept = _mm_cmplt_epi8(index, _mm_set1_epi8(len));
        let mut key = [0u8; 16];
        std::arch::x86_64::_mm_storeu_si128(key.as_mut_ptr().cast(), _mm_and_si128(bytes, kept));
        (quotes, bad, u128::from_le_bytes(key))
    };
    let len = quotes.trailing_zeros() as usize;
    (len <= MAX_KEY && bad & ((1 << len) - 1) == 0).then_some((key, len))
}

impl Unit for u8 {
    #[inline(always)]
    fn value(self) -> u32 {
        u32::from(self)
    }

    /// Sixteen at a time where the CPU has SSE2 (every x86_64): the strings of an order run to a
    /// few bytes each, but the scan of each is most of reading it.
    #[inline]
    fn plain_run(bytes: &[u8]) -> usize {
        let mut i = 0;
        #[cfg(target_arch = "x86_64")]
        while i + 16 <= bytes.len() {
            use std::arch::x86_64::{
                __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_max_epu8, _mm_movemask_epi8,
                _mm_or_si128, _mm_set1_epi8,
            };
            // SAFETY: SSE2 is part of x86_64. 16 bytes are read from `bytes[i..i + 16]`, within
            // the slice since `i + 16 <= bytes.len()`.
            let stops = unsafe {
                let v = _mm_loadu_si128(bytes.as_ptr().add(i) as *const __m128i);
                let quote = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'"' as i8));
                let backslash = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'\\' as i8));
                // Unsigned b < 0x20 is max(b, 0x1f) == 0x1f.
                let low = _mm_set1_epi8(0x1f);
                let control = _mm_cmpeq_epi8(_mm_max_epu8(v, low), low);
                _mm_movemask_epi8(_mm_or_si128(_mm_or_si128(quote, backslash), control))
            };
            if stops != 0 {
                return i + stops.trailing_zeros() as usize;
            }
            i += 16;
        }
        i + bytes[i..]
            .iter()
            .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
            .unwrap_or(bytes.len() - i)
    }

    /// The bytes lie between two ASCII quotes of a text that was UTF-8 as a whole, so they are
    /// whole characters: the check never fails, and costs little on a few bytes.
    #[inline]
    fn text(bytes: &[u8]) -> Option<LineText> {
        std::str::from_utf8(bytes).ok().map(LineText::from)
    }

    #[inline]
    fn key(bytes: &[u8]) -> Option<(u128, usize)> {
        #[cfg(target_arch = "x86_64")]
        if bytes.len() >= 16 {
            // SAFETY: SSE2 is part of x86_64; 16 bytes are read from `bytes[..16]`, within the
            // slice.
            let v = unsafe {
                std::arch::x86_64::_mm_loadu_si128(
                    bytes.as_ptr() as *const std::arch::x86_64::__m128i
                )
            };
            return key_of_16(v);
        }
        key_by_units(bytes)
    }
}

impl Unit for u16 {
    #[inline(always)]
    fn value(self) -> u32 {
        u32::from(self)
    }

    /// Eight at a time where the CPU has SSE2 (every x86_64).
    #[inline]
    fn plain_run(units: &[u16]) -> usize {
        let mut i = 0;
        #[cfg(target_arch = "x86_64")]
        while i + 8 <= units.len() {
            use std::arch::x86_64::{
                __m128i, _mm_and_si128, _mm_cmpeq_epi16, _mm_loadu_si128, _mm_movemask_epi8,
                _mm_or_si128, _mm_set1_epi16, _mm_setzero_si128,
            };
            // SAFETY: SSE2 is part of x86_64. 8 units are read from `units[i..i + 8]`, within
            // the slice since `i + 8 <= units.len()`.
            let stops = unsafe {
                let v = _mm_loadu_si128(units.as_ptr().add(i) as *const __m128i);
                let quote = _mm_cmpeq_epi16(v, _mm_set1_epi16(0x22));
                let backslash = _mm_cmpeq_epi16(v, _mm_set1_epi16(0x5c));
                // u < 0x20 exactly when no bit above the low five is set.
                let high = _mm_and_si128(v, _mm_set1_epi16(0xffe0u16 as i16));
                let control = _mm_cmpeq_epi16(high, _mm_setzero_si128());
                _mm_movemask_epi8(_mm_or_si128(_mm_or_si128(quote, backslash), control))
            };
            if stops != 0 {
                // Two mask bits per unit.
                return i + stops.trailing_zeros() as usize / 2;
            }
            i += 8;
        }
        i + units[i..]
            .iter()
            .position(|&u| u == 0x22 || u == 0x5c || u < 0x20)
            .unwrap_or(units.len() - i)
    }

    /// Sixteen units packed into sixteen bytes: a unit above 0xff becomes 0xff or 0 (signed
    /// saturation), both refused as a key's byte, so only the units 0x20..0x7e pass as
    /// themselves.
    #[inline]
    fn key(units: &[u16]) -> Option<(u128, usize)> {
        #[cfg(target_arch = "x86_64")]
        if units.len() >= 16 {
            use std::arch::x86_64::{__m128i, _mm_loadu_si128, _mm_packus_epi16};
            // SAFETY: SSE2 is part of x86_64; 16 units are read from `units[..16]` (two loads
            // of eight), within the slice.
            let v = unsafe {
                let low = _mm_loadu_si128(units.as_ptr() as *const __m128i);
                let high = _mm_loadu_si128(units.as_ptr().add(8) as *const __m128i);
                _mm_packus_epi16(low, high)
            };
            return key_of_16(v);
        }
        key_by_units(units)
    }

    /// A short text below U+0800 (a product code, a name) is encoded in one pass into a
    /// buffer on the stack and then copied into the text (inline up to its limit, else a heap
    /// block of exactly its size); anything else goes the general way.
    #[inline]
    fn text(units: &[u16]) -> Option<LineText> {
        let mut bytes = [0u8; 2 * SHORT_TEXT];
        if units.len() <= SHORT_TEXT {
            if let Some(len) = encode_short(units, &mut bytes) {
                // SAFETY: `encode_short` wrote each unit, all below U+0800, as the one- or
                // two-byte UTF-8 form of its scalar value: `bytes[..len]` is UTF-8.
                return Some(LineText::from(unsafe {
                    std::str::from_utf8_unchecked(&bytes[..len])
                }));
            }
        }
        text_sized(units).map(LineText::from)
    }
}

/// The most UTF-16 units [`u16::text`] encodes on the stack (two bytes each at most).
const SHORT_TEXT: usize = 64;

/// `units` as UTF-8 in `out`, and how many bytes that took; `None` at the first unit from
/// U+0800 on (a three-byte character or half of a pair: left to the general way, which also
/// refuses lone halves).
#[inline]
fn encode_short(units: &[u16], out: &mut [u8; 2 * SHORT_TEXT]) -> Option<usize> {
    // Texts below U+0800 (ASCII, Cyrillic, Latin, Greek: nearly every 1C code and name) take
    // one or two bytes a unit, written without a branch on each unit's kind: a name mixing
    // letters, spaces and digits does not trip the branch predictor at each change.
    let mut len = 0;
    for &unit in units {
        if unit >= 0x800 {
            return None;
        }
        let two = unit >= 0x80;
        let lead = if two {
            0xc0 | (unit >> 6) as u8
        } else {
            unit as u8
        };
        // `len + 2 <= 2 * SHORT_TEXT` since at most SHORT_TEXT units are encoded.
        let place = out.get_mut(len..len + 2)?;
        place[0] = lead;
        // Past the text when the unit took one byte: the next unit writes over it.
        place[1] = 0x80 | (unit & 0x3f) as u8;
        len += 1 + usize::from(two);
    }
    Some(len)
}

/// Sized exactly first: a Cyrillic name takes two bytes a unit, and a `String` grown from the
/// unit count would be reallocated for almost every one.
fn text_sized(units: &[u16]) -> Option<String> {
    let bytes = units
        .iter()
        .map(|&u| match u {
            0..=0x7f => 1,
            0x80..=0x7ff => 2,
            // Each half of a pair: four bytes for the two.
            0xd800..=0xdfff => 2,
            _ => 3,
        })
        .sum();
    let mut text = String::with_capacity(bytes);
    for c in char::decode_utf16(units.iter().copied()) {
        text.push(c.ok()?);
    }
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::{key_by_units, LineText, Unit};
    use crate::test_random::XorShift as Random;

    fn expected<U: Unit>(units: &[U]) -> usize {
        units
            .iter()
            .position(|u| matches!(u.value(), 0x22 | 0x5c | 0..0x20))
            .unwrap_or(units.len())
    }

    /// The vector scans stop where a unit-by-unit scan does, at every offset of every length,
    /// among units that only look like a stop in their low byte (U+0122, U+015C, U+0100).
    #[test]
    fn the_run_scans_stop_at_the_first_quote_backslash_or_control() {
        let mut r = Random(5);
        for _ in 0..20_000 {
            let len = (r.next() % 70) as usize;
            let units: Vec<u16> = (0..len)
                .map(|_| match r.next() % 44 {
                    0 => 0x22,
                    1 => 0x5c,
                    2 => (r.next() % 0x20) as u16,
                    3 => 0x7f,
                    4 => 0x20,
                    5 => 0x410 + (r.next() % 0x40) as u16,
                    6 => 0x122,
                    7 => 0x15c,
                    8 => 0x100 + (r.next() % 0x20) as u16,
                    9 => 0xd800 + (r.next() % 0x800) as u16,
                    _ => u16::from(b'a') + (r.next() % 26) as u16,
                })
                .collect();
            assert_eq!(u16::plain_run(&units), expected(&units), "{units:x?}");
            let bytes: Vec<u8> = units.iter().map(|&u| u as u8).collect();
            assert_eq!(u8::plain_run(&bytes), expected(&bytes), "{bytes:?}");
        }
    }

    /// The short way and the general way give the same text (or both refuse), for every length
    /// around the short limit and every kind of unit: ASCII, two-byte, three-byte, pairs, lone
    /// halves.
    #[test]
    fn short_texts_read_as_the_general_way_reads_them() {
        let mut r = Random(11);
        for _ in 0..20_000 {
            let len = (r.next() % (super::SHORT_TEXT as u64 + 8)) as usize;
            let mut units: Vec<u16> = (0..len)
                .map(|_| match r.next() % 8 {
                    0 => (r.next() % 0x80) as u16,
                    1 => 0x80 + (r.next() % 0x780) as u16,
                    2 => 0x800 + (r.next() % 0xd000) as u16,
                    3 => 0xe000 + (r.next() % 0x2000) as u16,
                    4 if r.next() % 16 == 0 => 0xd800 + (r.next() % 0x800) as u16,
                    5 => 0x410 + (r.next() % 0x40) as u16,
                    _ => u16::from(b'a') + (r.next() % 26) as u16,
                })
                .collect();
            if r.next() % 8 == 0 && len > 0 {
                // A whole pair somewhere.
                let at = (r.next() % len as u64) as usize;
                units.splice(at..at, [0xd83d, 0xde00]);
            }
            let expected = String::from_utf16(&units).ok();
            assert_eq!(u16::text(&units).map(String::from), expected, "{units:x?}");
            if let Some(text) = u16::text(&units) {
                held_exactly(&text);
            }
        }
    }

    /// The vector key readers agree with the unit-by-unit rule on every kind of unit at every
    /// place: quotes around the length limit, units that only look like ASCII in their low byte
    /// (U+0122, U+8022, U+FF22), DEL, backslash, control characters, bytes 0x80 and above; and
    /// the keys they read are the names' own numbers.
    #[test]
    fn keys_read_sixteen_at_a_time_are_read_as_unit_by_unit() {
        let mut r = Random(17);
        for _ in 0..50_000 {
            let len = 16 + (r.next() % 8) as usize;
            let quote_at = (r.next() % 18) as usize;
            let units: Vec<u16> = (0..len)
                .map(|i| match r.next() % 40 {
                    _ if i == quote_at => 0x22,
                    0 => 0x22,
                    1 => 0x5c,
                    2 => 0x7f,
                    3 => (r.next() % 0x20) as u16,
                    4 => 0x122,
                    5 => 0x8022,
                    6 => 0xff22,
                    7 => 0x80 + (r.next() % 0x80) as u16,
                    8 => 0x20,
                    _ => u16::from(b'a') + (r.next() % 26) as u16,
                })
                .collect();
            assert_eq!(u16::key(&units), key_by_units(&units), "{units:x?}");
            let bytes: Vec<u8> = units.iter().map(|&u| u as u8).collect();
            assert_eq!(u8::key(&bytes), key_by_units(&bytes), "{bytes:x?}");
        }
        for name in ["lineNo", "organization", "sum", ""] {
            let text = format!("{name}\":1,\"someMoreUnitsHere\"");
            let units: Vec<u16> = text.encode_utf16().collect();
            let number = name
                .bytes()
                .enumerate()
                .fold(0u128, |key, (i, b)| key | u128::from(b) << (8 * i));
            assert_eq!(u16::key(&units), Some((number, name.len())));
            assert_eq!(u8::key(text.as_bytes()), Some((number, name.len())));
            assert_eq!(
                key_by_units(&units[..name.len() + 1]),
                Some((number, name.len()))
            );
        }
        // One past the longest key, and a key cut off by the end of the text.
        assert_eq!(u8::key(b"organizations\":1,\"more\":2}"), None);
        assert_eq!(u8::key(b"lineNo"), None);
    }

    /// A text up to the inline size is held inline; a longer one in a block of its own size
    /// (the crate's smallest heap block is 32 bytes): never grown on the way, no slack kept.
    fn held_exactly(text: &LineText) {
        if text.len() <= std::mem::size_of::<LineText>() {
            assert!(!text.is_heap_allocated(), "{text:?}");
        } else {
            assert!(text.capacity() <= text.len().max(32), "{text:?}");
        }
    }

    #[test]
    fn texts_are_whole_characters_or_nothing() {
        let text = "Молоко 3,2% — 1 л 😀";
        let units: Vec<u16> = text.encode_utf16().collect();
        assert_eq!(u16::text(&units).as_deref(), Some(text));
        // Inline when short, else sized exactly: no reallocation on the way, no slack kept.
        for sample in [
            text,
            "",
            "P12",
            "00-00000012",
            "Товар 12",
            "€ 😀",
            "Вентилятор настольный",
        ] {
            let units: Vec<u16> = sample.encode_utf16().collect();
            let read = u16::text(&units).expect("whole characters");
            assert_eq!(read, sample);
            held_exactly(&read);
            held_exactly(&u8::text(sample.as_bytes()).expect("UTF-8"));
        }
        assert!(
            !u16::text(&"00-00000012".encode_utf16().collect::<Vec<_>>())
                .expect("text")
                .is_heap_allocated()
        );
        assert_eq!(u8::text(text.as_bytes()).as_deref(), Some(text));
        // A lone surrogate, at either end or inside.
        for at in [0, 3, units.len()] {
            let mut lone = units.clone();
            lone.insert(at, 0xd83d);
            assert_eq!(u16::text(&lone), None, "{at}");
            let mut lone = units.clone();
            lone.insert(at, 0xde00);
            assert_eq!(u16::text(&lone), None, "{at}");
        }
    }
}
