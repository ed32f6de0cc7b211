//! All marshalling between `tVariant` and Rust values, in one place.

use super::host::MemoryManager;
use super::types::{vt, TVariant, Tm, WChar};
use std::fmt;
use widestring::U16Str;

/// Longest string or blob we accept from the host (in UTF-16 units or bytes). A larger length is
/// a broken variant, not data: reading it would only run off the end of the host's buffer.
pub const MAX_INCOMING_LEN: u32 = 256 * 1024 * 1024;

/// A naive date-time, as 1C dates are (no time zone). `year` 1..=9999.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct DateTime {
    pub year: i32,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
}

/// A value crossing the boundary.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// `VTYPE_EMPTY`: "Undefined"; as a parameter, "use the default".
    Empty,
    Null,
    Bool(bool),
    Int(i64),
    /// Unsigned values above `i64::MAX` (other unsigned values arrive as `Int`).
    UInt(u64),
    Float(f64),
    Date(DateTime),
    String(String),
    /// A string that never changes (a version, a name), prepared as UTF-16 once, at compile time
    /// (`widestring::u16str!`): returning it is one copy into the host's memory.
    StaticText(&'static U16Str),
    Blob(Vec<u8>),
}

/// A parameter read by [`read_into`]: a string's text, decoded into the caller's buffer, or any
/// other value.
#[derive(Debug, PartialEq)]
pub enum Param<'b> {
    Text(&'b str),
    Other(Value),
}

/// Why a variant could not be read or written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VariantError {
    /// A `vt` we do not take (INTERFACE, VARIANT, CLSID, arrays, by-ref, or unknown).
    UnsupportedType(u16),
    /// A string/blob with a NULL pointer and a non-zero length, or an absurd length.
    BrokenValue(u16),
    /// A date outside 0001–9999 or an impossible day.
    BadDate,
    /// No memory manager yet, or `AllocMemory` failed.
    NoMemory,
    /// A string with an unpaired UTF-16 surrogate: refused, never replaced with U+FFFD.
    LoneSurrogate,
}

impl fmt::Display for VariantError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VariantError::UnsupportedType(t) => write!(f, "unsupported value type (vt = {t})"),
            VariantError::BrokenValue(t) => write!(f, "broken value (vt = {t})"),
            VariantError::BadDate => f.write_str("date out of range"),
            VariantError::NoMemory => f.write_str("the platform could not allocate memory"),
            VariantError::LoneSurrogate => {
                f.write_str("a string with an unpaired UTF-16 surrogate")
            }
        }
    }
}

impl std::error::Error for VariantError {}

/// Reads a value from a host variant.
///
/// # Safety
/// `var` must point to a readable `tVariant`; when it holds a string or blob, its pointer must
/// address at least `len` units (the host's promise).
pub unsafe fn read(var: *const TVariant) -> Result<Value, VariantError> {
    if var.is_null() {
        return Ok(Value::Empty);
    }
    // SAFETY: `var` is non-NULL and readable (caller's contract); TVariant is Copy.
    let v = unsafe { *var };
    // SAFETY: each arm reads the union member that `vt` says is active.
    unsafe {
        Ok(match v.vt {
            vt::EMPTY => Value::Empty,
            vt::NULL => Value::Null,
            vt::BOOL => Value::Bool(v.u.u8_ != 0),
            vt::I1 => Value::Int(v.u.i8_ as i64),
            vt::I2 => Value::Int(v.u.i16_ as i64),
            vt::I4 | vt::INT | vt::ERROR | vt::HRESULT => Value::Int(v.u.i32_ as i64),
            vt::I8 => Value::Int(v.u.i64_),
            vt::UI1 => Value::Int(v.u.u8_ as i64),
            vt::UI2 => Value::Int(v.u.u16_ as i64),
            vt::UI4 | vt::UINT => Value::Int(v.u.u32_ as i64),
            vt::UI8 => match i64::try_from(v.u.u64_) {
                Ok(i) => Value::Int(i),
                Err(_) => Value::UInt(v.u.u64_),
            },
            vt::R4 => Value::Float(v.u.f32_ as f64),
            vt::R8 => Value::Float(v.u.f64_),
            vt::DATE => Value::Date(ole_date_to_datetime(v.u.f64_)?),
            vt::TM => Value::Date(tm_to_datetime(&v.u.tm)?),
            vt::PWSTR => Value::String(read_wstr(v.u.ws.ptr, v.u.ws.len, vt::PWSTR)?),
            vt::PSTR => {
                let bytes = read_bytes(v.u.s.ptr as *const u8, v.u.s.len, vt::PSTR)?;
                Value::String(String::from_utf8_lossy(bytes).into_owned())
            }
            vt::BLOB => {
                Value::Blob(read_bytes(v.u.s.ptr as *const u8, v.u.s.len, vt::BLOB)?.to_vec())
            }
            other => return Err(VariantError::UnsupportedType(other)),
        })
    }
}

/// The UTF-16 of a PWSTR variant, read where it lies; `Ok(None)` for any other type.
///
/// # Safety
/// As for [`read`]; the slice lives as long as the host's string (the call).
#[inline]
pub unsafe fn read_utf16<'v>(var: *const TVariant) -> Result<Option<&'v [u16]>, VariantError> {
    if var.is_null() {
        return Ok(None);
    }
    // SAFETY: `var` is non-NULL and readable (caller's contract).
    let v = unsafe { *var };
    if v.vt != vt::PWSTR {
        return Ok(None);
    }
    // SAFETY: `vt` says the wide string member is active.
    let (ptr, len) = unsafe { (v.u.ws.ptr, v.u.ws.len) };
    if len == 0 {
        return Ok(Some(&[]));
    }
    if ptr.is_null() || len > MAX_INCOMING_LEN {
        return Err(VariantError::BrokenValue(vt::PWSTR));
    }
    // SAFETY: non-NULL, and the host promises `len` units behind it for the call.
    Ok(Some(unsafe {
        std::slice::from_raw_parts(ptr, len as usize)
    }))
}

/// Reads a parameter: a string (PWSTR, PSTR) is decoded into `buf`, replacing what it held, so a
/// buffer kept between calls makes reading a string allocation-free; any other type is read as by
/// [`read`].
///
/// # Safety
/// As for [`read`].
#[inline]
pub unsafe fn read_into<'b>(
    var: *const TVariant,
    buf: &'b mut String,
) -> Result<Param<'b>, VariantError> {
    if var.is_null() {
        return Ok(Param::Other(Value::Empty));
    }
    // SAFETY: `var` is non-NULL and readable (caller's contract); TVariant is Copy.
    let v = unsafe { *var };
    match v.vt {
        // SAFETY: `vt` says the string member is active; the host promises `len` units.
        vt::PWSTR => unsafe { read_wstr_into(v.u.ws.ptr, v.u.ws.len, vt::PWSTR, buf) }?,
        vt::PSTR => {
            // SAFETY: as above, for the byte string member.
            let bytes = unsafe { read_bytes(v.u.s.ptr as *const u8, v.u.s.len, vt::PSTR) }?;
            buf.clear();
            buf.push_str(&String::from_utf8_lossy(bytes));
        }
        // SAFETY: passed on from the caller.
        _ => return unsafe { read(var) }.map(Param::Other),
    }
    Ok(Param::Text(buf))
}

unsafe fn read_wstr(ptr: *const WChar, len: u32, tag: u16) -> Result<String, VariantError> {
    let mut text = String::new();
    // SAFETY: passed on from the caller.
    unsafe { read_wstr_into(ptr, len, tag, &mut text) }?;
    Ok(text)
}

/// Decodes a PWSTR into `out` (cleared first), reserving the exact UTF-8 size once.
#[inline]
unsafe fn read_wstr_into(
    ptr: *const WChar,
    len: u32,
    tag: u16,
    out: &mut String,
) -> Result<(), VariantError> {
    out.clear();
    if len == 0 {
        return Ok(());
    }
    if ptr.is_null() || len > MAX_INCOMING_LEN {
        return Err(VariantError::BrokenValue(tag));
    }
    // SAFETY: non-NULL, and the host promises `len` units behind it.
    let units = unsafe { std::slice::from_raw_parts(ptr, len as usize) };
    decode_utf16_into(units, out)
}

/// UTF-8 bytes `units` decode to (a lone surrogate counts 2 here, 3 as U+FFFD: a capacity hint).
fn utf8_len(units: &[u16]) -> usize {
    // Branch-free and summed in u16 lanes, so that it runs on vectors: +1 from U+0080, +1 from
    // U+0800 but not for a surrogate (a pair is 4 bytes for 2 units). A chunk of 8 192 units adds
    // at most 16 384: no lane overflows.
    units.len()
        + units
            .chunks(8192)
            .map(|chunk| {
                let extra: u16 = chunk
                    .iter()
                    .map(|&u| {
                        u16::from(u >= 0x80)
                            + u16::from(u >= 0x800 && !(0xd800..=0xdfff).contains(&u))
                    })
                    .sum();
                usize::from(extra)
            })
            .sum::<usize>()
}

/// `String::from_utf16`, appended to `out` with its exact size reserved once; a lone surrogate is
/// refused (it would otherwise be stored as U+FFFD, a character 1C never sent). Runs of ASCII
/// (most of a phone, a code or a JSON document) are narrowed in bulk; other characters one by one.
#[inline]
fn decode_utf16_into(units: &[u16], out: &mut String) -> Result<(), VariantError> {
    out.reserve(utf8_len(units));
    let mut rest = units;
    while !rest.is_empty() {
        let ascii = super::ascii::ascii_len(rest);
        // SAFETY: every unit of the run is below 0x80, so every byte pushed is an ASCII
        // character: the string stays valid UTF-8.
        super::ascii::narrow(&rest[..ascii], unsafe { out.as_mut_vec() });
        rest = &rest[ascii..];
        // Then the characters up to the next ASCII unit (a surrogate pair takes two units).
        let other = rest.iter().take_while(|&&u| u >= 0x80).count();
        // Two-byte characters (Cyrillic, most of what is not ASCII) are encoded in place.
        let two_bytes = rest[..other].iter().take_while(|&&u| u < 0x800).count();
        // SAFETY: a unit in U+0080..U+07FF is a whole character, written as its two UTF-8 bytes.
        let bytes = unsafe { out.as_mut_vec() };
        for &u in &rest[..two_bytes] {
            bytes.extend_from_slice(&[0xc0 | (u >> 6) as u8, 0x80 | (u & 0x3f) as u8]);
        }
        for c in char::decode_utf16(rest[two_bytes..other].iter().copied()) {
            out.push(c.map_err(|_| VariantError::LoneSurrogate)?);
        }
        rest = &rest[other..];
    }
    Ok(())
}

unsafe fn read_bytes<'a>(ptr: *const u8, len: u32, tag: u16) -> Result<&'a [u8], VariantError> {
    if len == 0 {
        return Ok(&[]);
    }
    if ptr.is_null() || len > MAX_INCOMING_LEN {
        return Err(VariantError::BrokenValue(tag));
    }
    // SAFETY: non-NULL, and the host promises `len` bytes behind it.
    Ok(unsafe { std::slice::from_raw_parts(ptr, len as usize) })
}

/// Reads a NUL-terminated UTF-16 string of at most `max` units (names, locales). `None` for
/// NULL or when no terminator comes within `max` units.
///
/// # Safety
/// `p` is NULL or points to a NUL-terminated UTF-16 string.
pub unsafe fn read_nul_terminated(p: *const WChar, max: usize) -> Option<String> {
    if p.is_null() {
        return None;
    }
    let mut len = 0;
    // SAFETY: the string is NUL-terminated, and we stop at the NUL.
    while unsafe { *p.add(len) } != 0 {
        len += 1;
        if len > max {
            return None;
        }
    }
    let mut text = String::new();
    // SAFETY: `len` units before the NUL are readable.
    decode_utf16_into(unsafe { std::slice::from_raw_parts(p, len) }, &mut text).ok()?;
    Some(text)
}

/// Stores `value` into a variant that holds nothing the host expects us to free: the return slot
/// of `CallAsFunc`, `GetPropVal` and `GetParamDefValue`.
///
/// # Safety
/// `var` must point to a writable `tVariant`.
#[inline]
pub unsafe fn store(
    var: *mut TVariant,
    value: &Value,
    mem: Option<&MemoryManager>,
) -> Result<(), VariantError> {
    // Strings, the usual result, go straight into the slot once the host's block is theirs.
    let wide = match value {
        Value::String(s) => Some(alloc_text(s, mem)?),
        Value::StaticText(units) => Some(alloc_units(units.as_slice(), mem)?),
        _ => None,
    };
    if let Some(wide) = wide {
        // SAFETY: writable per the caller's contract.
        unsafe { put_wstr(var, wide) };
        return Ok(());
    }
    let new = encode(value, mem)?;
    // SAFETY: writable per the caller's contract.
    unsafe { *var = new };
    Ok(())
}

/// [`store`] of UTF-16 `units` (a fixed text): one copy into the host's memory.
///
/// # Safety
/// As for [`store`].
#[inline]
pub unsafe fn store_units(
    var: *mut TVariant,
    units: &[u16],
    mem: Option<&MemoryManager>,
) -> Result<(), VariantError> {
    let wide = mem
        .ok_or(VariantError::NoMemory)?
        .alloc_units(units)
        .ok_or(VariantError::NoMemory)?;
    // SAFETY: writable per the caller's contract.
    unsafe { put_wstr(var, wide) };
    Ok(())
}

/// A PWSTR result: the host's block (pointer, length) and the tag, straight into the slot.
///
/// # Safety
/// `var` must point to a writable `tVariant`.
#[inline]
unsafe fn put_wstr(var: *mut TVariant, (ptr, len): (*mut WChar, u32)) {
    // SAFETY: writable per the caller's contract; a PWSTR is its pointer, length and tag.
    unsafe {
        (*var).u.ws = super::types::WStrVal { ptr, len };
        (*var).cb_elements = 0;
        (*var).vt = vt::PWSTR;
    }
}

#[inline]
fn alloc_text(s: &str, mem: Option<&MemoryManager>) -> Result<(*mut WChar, u32), VariantError> {
    mem.ok_or(VariantError::NoMemory)?
        .alloc_wstr(s)
        .ok_or(VariantError::NoMemory)
}

#[inline]
fn alloc_units(
    units: &[u16],
    mem: Option<&MemoryManager>,
) -> Result<(*mut WChar, u32), VariantError> {
    mem.ok_or(VariantError::NoMemory)?
        .alloc_units(units)
        .ok_or(VariantError::NoMemory)
}

/// Overwrites an in/out parameter: the old value is freed first, but only when its type owns
/// memory (PSTR, PWSTR, BLOB); an I4 or a date holds no pointer to free.
///
/// # Safety
/// `var` must point to a writable `tVariant` whose string/blob pointer, if any, came from the
/// host's memory manager.
pub unsafe fn replace(
    var: *mut TVariant,
    value: &Value,
    mem: Option<&MemoryManager>,
) -> Result<(), VariantError> {
    // Encode first: if allocation fails, the caller's variable keeps its old value.
    let new = encode(value, mem)?;
    // SAFETY: readable/writable per the caller's contract.
    unsafe {
        let old = *var;
        if matches!(old.vt, vt::PSTR | vt::PWSTR | vt::BLOB) {
            if let Some(mem) = mem {
                mem.free(old.u.ptr);
            }
        }
        *var = new;
    }
    Ok(())
}

/// A whole number as 1C documents them: I4 when it fits, else R8 (1C's table has no I8 or UI8
/// for values it receives), exact up to 2^53.
fn put_whole(v: &mut TVariant, small: Option<i32>, wide: f64) {
    match small {
        Some(small) => {
            v.u.i32_ = small;
            v.vt = vt::I4;
        }
        None => {
            v.u.f64_ = wide;
            v.vt = vt::R8;
        }
    }
}

fn encode(value: &Value, mem: Option<&MemoryManager>) -> Result<TVariant, VariantError> {
    let mut v = TVariant::empty();
    match value {
        Value::Empty => {}
        Value::Null => v.vt = vt::NULL,
        Value::Bool(b) => {
            v.u.b = *b;
            v.vt = vt::BOOL;
        }
        Value::Int(i) => put_whole(&mut v, i32::try_from(*i).ok(), *i as f64),
        Value::UInt(u) => put_whole(&mut v, i32::try_from(*u).ok(), *u as f64),
        Value::Float(f) => {
            v.u.f64_ = *f;
            v.vt = vt::R8;
        }
        Value::Date(d) => {
            v.u.tm = datetime_to_tm(d)?;
            v.vt = vt::TM;
        }
        Value::String(s) => {
            let (ptr, len) = alloc_text(s, mem)?;
            v.u.ws = super::types::WStrVal { ptr, len };
            v.vt = vt::PWSTR;
        }
        Value::StaticText(units) => {
            let (ptr, len) = alloc_units(units.as_slice(), mem)?;
            v.u.ws = super::types::WStrVal { ptr, len };
            v.vt = vt::PWSTR;
        }
        Value::Blob(bytes) => {
            let (ptr, len) = mem
                .ok_or(VariantError::NoMemory)?
                .alloc_bytes(bytes)
                .ok_or(VariantError::NoMemory)?;
            v.u.s = super::types::StrVal {
                ptr: ptr as *mut _,
                len,
            };
            v.vt = vt::BLOB;
        }
    }
    Ok(v)
}

// ---- calendar ----------------------------------------------------------------------------

fn days_from_civil(year: i32, month: u32, day: u32) -> i64 {
    crate::civil::days_from_civil(i64::from(year), month, day)
}

fn civil_from_days(days: i64) -> (i32, u32, u32) {
    let (year, month, day) = crate::civil::civil_from_days(days);
    // Callers stay within years 1..=9999 (checked by DateTime::new afterwards).
    (i32::try_from(year).unwrap_or(i32::MAX), month, day)
}

fn days_in_month(year: i32, month: u32) -> u32 {
    crate::civil::days_in_month(i64::from(year), month)
}

impl DateTime {
    /// A checked constructor: `None` for impossible dates or years outside 1..=9999.
    pub fn new(
        year: i32,
        month: u32,
        day: u32,
        hour: u32,
        minute: u32,
        second: u32,
    ) -> Option<DateTime> {
        let ok = (1..=9999).contains(&year)
            && (1..=12).contains(&month)
            && day >= 1
            && day <= days_in_month(year, month)
            && hour < 24
            && minute < 60
            && second < 60;
        ok.then_some(DateTime {
            year,
            month,
            day,
            hour,
            minute,
            second,
        })
    }
}

fn tm_to_datetime(tm: &Tm) -> Result<DateTime, VariantError> {
    let conv = |x: i32| u32::try_from(x).map_err(|_| VariantError::BadDate);
    let year = tm.tm_year.checked_add(1900).ok_or(VariantError::BadDate)?;
    let month = conv(tm.tm_mon)?
        .checked_add(1)
        .ok_or(VariantError::BadDate)?;
    // A leap second (tm_sec 60) is folded into 59: 1C dates have no leap seconds.
    let second = conv(tm.tm_sec)?.min(59);
    DateTime::new(
        year,
        month,
        conv(tm.tm_mday)?,
        conv(tm.tm_hour)?,
        conv(tm.tm_min)?,
        second,
    )
    .ok_or(VariantError::BadDate)
}

fn datetime_to_tm(d: &DateTime) -> Result<Tm, VariantError> {
    let d = DateTime::new(d.year, d.month, d.day, d.hour, d.minute, d.second)
        .ok_or(VariantError::BadDate)?;
    let days = days_from_civil(d.year, d.month, d.day);
    Ok(Tm {
        tm_sec: d.second as i32,
        tm_min: d.minute as i32,
        tm_hour: d.hour as i32,
        tm_mday: d.day as i32,
        tm_mon: d.month as i32 - 1,
        tm_year: d.year - 1900,
        // 1970-01-01 was a Thursday (4).
        tm_wday: (days + 4).rem_euclid(7) as i32,
        tm_yday: (days - days_from_civil(d.year, 1, 1)) as i32,
        tm_isdst: 0,
        #[cfg(not(target_os = "windows"))]
        tm_gmtoff: 0,
        #[cfg(not(target_os = "windows"))]
        tm_zone: std::ptr::null(),
    })
}

/// OLE Automation `DATE`: days since 1899-12-30, the fraction being the time of day (for negative
/// values the fraction still counts forward from midnight).
fn ole_date_to_datetime(ole: f64) -> Result<DateTime, VariantError> {
    if !ole.is_finite() || ole.abs() > 3_000_000.0 {
        return Err(VariantError::BadDate);
    }
    let whole = ole.trunc();
    let frac = (ole - whole).abs();
    let mut secs = (frac * 86_400.0).round() as i64;
    let mut days = whole as i64 + days_from_civil(1899, 12, 30);
    if secs >= 86_400 {
        secs -= 86_400;
        days += 1;
    }
    let (year, month, day) = civil_from_days(days);
    DateTime::new(
        year,
        month,
        day,
        (secs / 3600) as u32,
        (secs / 60 % 60) as u32,
        (secs % 60) as u32,
    )
    .ok_or(VariantError::BadDate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trip_over_the_whole_range() {
        for days in (days_from_civil(1, 1, 1)..=days_from_civil(9999, 12, 31)).step_by(97) {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
            assert!(DateTime::new(y, m, d, 0, 0, 0).is_some());
        }
    }

    #[test]
    fn tm_out_fills_weekday_and_yearday() {
        let tm = datetime_to_tm(&DateTime::new(2021, 1, 15, 15, 49, 30).unwrap()).unwrap();
        assert_eq!((tm.tm_year, tm.tm_mon, tm.tm_mday), (121, 0, 15));
        assert_eq!(tm.tm_wday, 5, "2021-01-15 was a Friday");
        assert_eq!(tm.tm_yday, 14);
        let back = tm_to_datetime(&tm).unwrap();
        assert_eq!(back, DateTime::new(2021, 1, 15, 15, 49, 30).unwrap());
        // The empty 1C date 0001-01-01 is tm_year = -1899.
        let empty = datetime_to_tm(&DateTime::new(1, 1, 1, 0, 0, 0).unwrap()).unwrap();
        assert_eq!(empty.tm_year, -1899);
    }

    #[test]
    fn impossible_tm_is_an_error_not_a_panic() {
        let mut tm = datetime_to_tm(&DateTime::new(2021, 2, 28, 0, 0, 0).unwrap()).unwrap();
        tm.tm_mday = 30;
        assert_eq!(tm_to_datetime(&tm), Err(VariantError::BadDate));
        tm.tm_mday = 1;
        tm.tm_mon = -1;
        assert_eq!(tm_to_datetime(&tm), Err(VariantError::BadDate));
        tm.tm_mon = 0;
        tm.tm_year = i32::MAX;
        assert_eq!(tm_to_datetime(&tm), Err(VariantError::BadDate));
    }

    #[test]
    fn ole_dates() {
        assert_eq!(
            ole_date_to_datetime(0.0).unwrap(),
            DateTime::new(1899, 12, 30, 0, 0, 0).unwrap()
        );
        // 2021-01-15 12:00 = 44211.5
        assert_eq!(
            ole_date_to_datetime(44211.5).unwrap(),
            DateTime::new(2021, 1, 15, 12, 0, 0).unwrap()
        );
        assert_eq!(ole_date_to_datetime(f64::NAN), Err(VariantError::BadDate));
        assert_eq!(ole_date_to_datetime(1e300), Err(VariantError::BadDate));
    }

    #[test]
    fn reading_each_scalar_type() {
        let mut v = TVariant::empty();
        v.vt = vt::I2;
        v.u.i16_ = -5;
        assert_eq!(unsafe { read(&v) }, Ok(Value::Int(-5)));
        v.vt = vt::UI8;
        v.u.u64_ = u64::MAX;
        assert_eq!(unsafe { read(&v) }, Ok(Value::UInt(u64::MAX)));
        v.vt = vt::R4;
        v.u.f32_ = 1.5;
        assert_eq!(unsafe { read(&v) }, Ok(Value::Float(1.5)));
        v.vt = 0x1234;
        assert_eq!(
            unsafe { read(&v) },
            Err(VariantError::UnsupportedType(0x1234))
        );
        v.vt = vt::PWSTR;
        v.u.ws = crate::native::types::WStrVal {
            ptr: std::ptr::null_mut(),
            len: 3,
        };
        assert_eq!(
            unsafe { read(&v) },
            Err(VariantError::BrokenValue(vt::PWSTR))
        );
        v.u.ws.len = 0;
        assert_eq!(unsafe { read(&v) }, Ok(Value::String(String::new())));
        assert_eq!(unsafe { read(std::ptr::null()) }, Ok(Value::Empty));
    }

    /// The bulk decoder reads exactly as `String::from_utf16` does and refuses lone surrogates.
    #[test]
    fn decoding_matches_the_std_decoder() {
        let samples: Vec<Vec<u16>> = vec![
            Vec::new(),
            "79001112233".encode_utf16().collect(),
            "{\"name\":\"Товар 1\",\"sum\":1.5} 😀 end"
                .encode_utf16()
                .collect(),
            vec![0x41, 0xd800, 0x42, 0xdc00, 0xd83d, 0xde00, 0x43],
            vec![0xd83d],
            vec![0xdc00, 0xd800],
            vec![0x7f, 0x80, 0x7ff, 0x800, 0xffff, 0x0],
        ];
        // And random mixes of every kind of unit: ASCII, two- and three-byte characters, pairs,
        // lone halves, in runs of any length.
        let mut random = crate::test_random::XorShift(0x2545_F491_4F6C_DD1D);
        let mut next = move || random.next();
        let samples = samples.into_iter().chain((0..3_000).map(|_| {
            (0..next() % 40)
                .flat_map(|_| {
                    let kind = next() % 12;
                    let unit = match kind {
                        0..=4 => (next() % 0x80) as u16,
                        5..=7 => 0x80 + (next() % 0x780) as u16,
                        8 => 0x800 + (next() % 0xd000) as u16,
                        9 => 0xe000 + (next() % 0x2000) as u16,
                        10 => return vec![0xd83d, 0xde00],
                        _ => 0xd800 + (next() % 0x800) as u16,
                    };
                    vec![unit; 1 + (next() % 3) as usize]
                })
                .collect()
        }));
        for units in samples {
            let mut out = String::from("kept ");
            match String::from_utf16(&units) {
                Ok(text) => {
                    assert_eq!(decode_utf16_into(&units, &mut out), Ok(()));
                    assert_eq!(out, format!("kept {text}"));
                    assert_eq!(utf8_len(&units), text.len(), "{units:x?}");
                }
                Err(_) => assert_eq!(
                    decode_utf16_into(&units, &mut out),
                    Err(VariantError::LoneSurrogate)
                ),
            }
            assert!(out.capacity() >= out.len());
        }
    }

    #[test]
    fn strings_need_a_memory_manager() {
        let mut v = TVariant::empty();
        assert_eq!(
            unsafe { store(&mut v, &Value::String("x".into()), None) },
            Err(VariantError::NoMemory)
        );
        assert_eq!(
            v.vt,
            vt::EMPTY,
            "a failed store leaves the variant untouched"
        );
        unsafe { store(&mut v, &Value::Int(1 << 40), None) }.unwrap();
        assert_eq!(v.vt, vt::R8);
        assert_eq!(unsafe { v.u.f64_ }, (1u64 << 40) as f64);
    }

    #[test]
    fn numbers_go_out_as_the_types_1c_documents() {
        let out = |value: Value| {
            let mut v = TVariant::empty();
            unsafe { store(&mut v, &value, None) }.unwrap();
            v
        };
        let v = out(Value::Int(-7));
        assert_eq!((v.vt, unsafe { v.u.i32_ }), (vt::I4, -7));
        let v = out(Value::Int(i64::from(i32::MIN)));
        assert_eq!((v.vt, unsafe { v.u.i32_ }), (vt::I4, i32::MIN));
        let v = out(Value::Int(i64::from(i32::MAX) + 1));
        assert_eq!((v.vt, unsafe { v.u.f64_ }), (vt::R8, 2_147_483_648.0));
        let v = out(Value::Int(-(1 << 53)));
        assert_eq!(
            (v.vt, unsafe { v.u.f64_ }),
            (vt::R8, -9_007_199_254_740_992.0)
        );
        let v = out(Value::UInt(5));
        assert_eq!((v.vt, unsafe { v.u.i32_ }), (vt::I4, 5));
        let v = out(Value::UInt(4_000_000_000));
        assert_eq!((v.vt, unsafe { v.u.f64_ }), (vt::R8, 4_000_000_000.0));
    }
}
