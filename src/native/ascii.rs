//! ASCII between UTF-8 bytes and UTF-16 units, sixteen at a time where the CPU has SSE2 (every
//! x86_64): most of what crosses the boundary (JSON, codes, phones) is ASCII, and a 100-line
//! order's answer is tens of kilobytes of it.

#[cfg(target_arch = "x86_64")]
use std::arch::x86_64::{
    __m128i, _mm_and_si128, _mm_cmpeq_epi16, _mm_loadu_si128, _mm_movemask_epi8, _mm_packus_epi16,
    _mm_set1_epi16, _mm_setzero_si128, _mm_storeu_si128, _mm_unpackhi_epi8, _mm_unpacklo_epi8,
};

/// Each byte of `bytes` as a UTF-16 unit into `out` (as many units as bytes; a byte above 0x7F
/// would come out as the Latin-1 character, so callers pass ASCII).
#[inline]
pub fn widen(bytes: &[u8], out: &mut [u16]) {
    let n = bytes.len().min(out.len());
    let mut i = 0;
    #[cfg(target_arch = "x86_64")]
    while i + 16 <= n {
        // SAFETY: SSE2 is part of x86_64. 16 bytes are read from `bytes[i..i + 16]` and 16 units
        // written to `out[i..i + 16]`: both within the slices, since `i + 16 <= n`.
        unsafe {
            let v = _mm_loadu_si128(bytes.as_ptr().add(i) as *const __m128i);
            let zero = _mm_setzero_si128();
            let to = out.as_mut_ptr().add(i) as *mut __m128i;
            _mm_storeu_si128(to, _mm_unpacklo_epi8(v, zero));
            _mm_storeu_si128(to.add(1), _mm_unpackhi_epi8(v, zero));
        }
        i += 16;
    }
    #[cfg(target_arch = "x86_64")]
    if i < n && n >= 8 {
        widen_tail(bytes, out, i, n);
        return;
    }
    for (unit, &byte) in out[i..n].iter_mut().zip(&bytes[i..n]) {
        *unit = u16::from(byte);
    }
}

/// The last `n - i` (< 16) of `n >= 8` bytes: whole blocks that end at `n`, overlapping what
/// is already written (the same units again) rather than a unit-by-unit loop.
#[cfg(target_arch = "x86_64")]
#[inline]
fn widen_tail(bytes: &[u8], out: &mut [u16], i: usize, n: usize) {
    use std::arch::x86_64::_mm_loadl_epi64;
    debug_assert!(n >= 8 && i < n && n - i < 16 && n <= bytes.len() && n <= out.len());
    // SAFETY: SSE2 is part of x86_64. Every read is of bytes below `n` and every write of
    // units below `n`: 16 bytes from `n - 16` when `n >= 16`; else 8 bytes from 0 (when the
    // tail is longer than 8) and 8 from `n - 8`, with `n >= 8`.
    unsafe {
        let zero = _mm_setzero_si128();
        if n >= 16 {
            let v = _mm_loadu_si128(bytes.as_ptr().add(n - 16) as *const __m128i);
            let to = out.as_mut_ptr().add(n - 16) as *mut __m128i;
            _mm_storeu_si128(to, _mm_unpacklo_epi8(v, zero));
            _mm_storeu_si128(to.add(1), _mm_unpackhi_epi8(v, zero));
            return;
        }
        for at in [0, n - 8] {
            let v = _mm_loadl_epi64(bytes.as_ptr().add(at) as *const __m128i);
            _mm_storeu_si128(
                out.as_mut_ptr().add(at) as *mut __m128i,
                _mm_unpacklo_epi8(v, zero),
            );
        }
    }
}

/// How many units at the start of `units` are ASCII (below 0x80).
#[inline]
pub fn ascii_len(units: &[u16]) -> usize {
    let mut i = 0;
    #[cfg(target_arch = "x86_64")]
    while i + 8 <= units.len() {
        // SAFETY: SSE2 is part of x86_64; 8 units are read from `units[i..i + 8]`, within the
        // slice since `i + 8 <= units.len()`.
        let all_ascii = unsafe {
            let v = _mm_loadu_si128(units.as_ptr().add(i) as *const __m128i);
            let high = _mm_and_si128(v, _mm_set1_epi16(0xff80u16 as i16));
            _mm_movemask_epi8(_mm_cmpeq_epi16(high, _mm_setzero_si128())) == 0xffff
        };
        if !all_ascii {
            break;
        }
        i += 8;
    }
    i + units[i..].iter().take_while(|&&u| u < 0x80).count()
}

/// Appends ASCII `units` (every one below 0x80, as [`ascii_len`] found them) to `out` as bytes.
pub fn narrow(units: &[u16], out: &mut Vec<u8>) {
    let start = out.len();
    out.resize(start + units.len(), 0);
    let bytes = &mut out[start..];
    let mut i = 0;
    #[cfg(target_arch = "x86_64")]
    while i + 16 <= units.len() {
        // SAFETY: SSE2 is part of x86_64. 16 units are read from `units[i..i + 16]` and 16 bytes
        // written to `bytes[i..i + 16]` (as long as `units`): within both since `i + 16 <= len`.
        // Packing with unsigned saturation is exact for units below 0x80.
        unsafe {
            let from = units.as_ptr().add(i) as *const __m128i;
            let packed = _mm_packus_epi16(_mm_loadu_si128(from), _mm_loadu_si128(from.add(1)));
            _mm_storeu_si128(bytes.as_mut_ptr().add(i) as *mut __m128i, packed);
        }
        i += 16;
    }
    for (byte, &unit) in bytes[i..].iter_mut().zip(&units[i..]) {
        *byte = unit as u8;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every length up to a few blocks, with a non-ASCII unit at every place: the same as one
    /// unit at a time.
    #[test]
    fn the_same_as_one_at_a_time() {
        for len in 0..70 {
            let text: Vec<u8> = (0..len).map(|i| b' ' + (i * 7 % 95) as u8).collect();
            // Room after the text: nothing past it may be written.
            let mut room = vec![0xbeef_u16; len + 20];
            widen(&text, &mut room);
            let (wide, after) = room.split_at(len);
            assert!(wide.iter().zip(&text).all(|(&u, &b)| u == u16::from(b)));
            assert!(after.iter().all(|&u| u == 0xbeef), "{len}");
            let wide = wide.to_vec();
            let mut back = b"kept".to_vec();
            narrow(&wide, &mut back);
            assert_eq!(&back[4..], &text[..]);
            assert_eq!(ascii_len(&wide), len);
            for at in 0..len {
                for odd in [0x80u16, 0xff, 0x100, 0x416, 0xd800, 0xffff] {
                    let mut units = wide.clone();
                    units[at] = odd;
                    assert_eq!(ascii_len(&units), at, "{len} {at} {odd:x}");
                }
            }
        }
    }
}
