//! `#[repr(C)]` mirrors of the Native API's C types, with their layout pinned at compile time.

#[cfg(not(target_os = "windows"))]
use std::ffi::c_long;
use std::ffi::{c_char, c_int, c_void};
use std::mem::{offset_of, size_of};

/// `WCHAR_T`: UTF-16 code unit on every platform (not Linux `wchar_t`).
pub type WChar = u16;

/// `struct tm` as the host's C runtime lays it out: MSVC has nine `int`s, glibc adds two fields.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tm {
    pub tm_sec: c_int,
    pub tm_min: c_int,
    pub tm_hour: c_int,
    pub tm_mday: c_int,
    /// 0–11.
    pub tm_mon: c_int,
    /// Years since 1900.
    pub tm_year: c_int,
    /// 0 = Sunday.
    pub tm_wday: c_int,
    /// 0–365.
    pub tm_yday: c_int,
    pub tm_isdst: c_int,
    #[cfg(not(target_os = "windows"))]
    pub tm_gmtoff: c_long,
    #[cfg(not(target_os = "windows"))]
    pub tm_zone: *const c_char,
}

// SAFETY: `tm_zone` is only ever NULL or a pointer to static data; Tm is plain data.
unsafe impl Send for Tm {}

/// `{ char* pstrVal; uint32_t strLen; }`: PSTR and BLOB, length in bytes.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct StrVal {
    pub ptr: *mut c_char,
    pub len: u32,
}

/// `{ WCHAR_T* pwstrVal; uint32_t wstrLen; }`: PWSTR, length in UTF-16 units without the NUL.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct WStrVal {
    pub ptr: *mut WChar,
    pub len: u32,
}

/// The value union of `tVariant`. `IID`/interface members never dominate size or alignment.
#[repr(C)]
#[derive(Clone, Copy)]
pub union VarUnion {
    pub i8_: i8,
    pub i16_: i16,
    pub i32_: i32,
    pub i64_: i64,
    pub u8_: u8,
    pub u16_: u16,
    pub u32_: u32,
    pub u64_: u64,
    pub f32_: f32,
    pub f64_: f64,
    pub b: bool,
    pub tm: Tm,
    pub s: StrVal,
    pub ws: WStrVal,
    pub ptr: *mut c_void,
}

/// `tVariant`: the value, `cbElements` (always 0 here) and the raw type tag `vt`.
///
/// `vt` stays a raw `u16`: a host may send any value, and an unknown one must be an error,
/// never undefined behaviour.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct TVariant {
    pub u: VarUnion,
    pub cb_elements: u32,
    pub vt: u16,
}

impl TVariant {
    pub fn empty() -> TVariant {
        TVariant {
            u: VarUnion { u64_: 0 },
            cb_elements: 0,
            vt: vt::EMPTY,
        }
    }
}

/// `TYPEVAR` values from the kit's `types.h`.
pub mod vt {
    pub const EMPTY: u16 = 0;
    pub const NULL: u16 = 1;
    pub const I2: u16 = 2;
    pub const I4: u16 = 3;
    pub const R4: u16 = 4;
    pub const R8: u16 = 5;
    pub const DATE: u16 = 6;
    pub const TM: u16 = 7;
    pub const PSTR: u16 = 8;
    pub const INTERFACE: u16 = 9;
    pub const ERROR: u16 = 10;
    pub const BOOL: u16 = 11;
    pub const VARIANT: u16 = 12;
    pub const I1: u16 = 13;
    pub const UI1: u16 = 14;
    pub const UI2: u16 = 15;
    pub const UI4: u16 = 16;
    pub const I8: u16 = 17;
    pub const UI8: u16 = 18;
    pub const INT: u16 = 19;
    pub const UINT: u16 = 20;
    pub const HRESULT: u16 = 21;
    pub const PWSTR: u16 = 22;
    pub const BLOB: u16 = 23;
    pub const CLSID: u16 = 24;
}

/// `AppInfo` returned by `IPlatformInfo::GetPlatformInfo`.
#[repr(C)]
pub struct AppInfo {
    pub app_version: *const WChar,
    pub user_agent: *const WChar,
    /// `AppType`: -1 unknown, 0 thin client, 1 thick client, 2 web client, 3 server, 4 external
    /// connection, 5 mobile client, 6 mobile server.
    pub application: c_int,
}

// Layouts from the spec's table (§7.2), checked against the official headers with clang.
#[cfg(all(target_os = "linux", target_arch = "x86_64"))]
const _: () = {
    assert!(size_of::<Tm>() == 56);
    assert!(size_of::<TVariant>() == 64);
    assert!(offset_of!(TVariant, cb_elements) == 56);
    assert!(offset_of!(TVariant, vt) == 60);
    assert!(offset_of!(WStrVal, len) == 8);
    assert!(size_of::<AppInfo>() == 24);
};

// Windows: the same facts from the MSVC table (src/native/msvc_layout.rs), which
// tests/windows_layout.rs compares with clang's MSVC layout of the kit's declarations.
#[cfg(target_os = "windows")]
const _: () = {
    use super::msvc_layout::offset;
    let u = offset_of!(TVariant, u);
    assert!(size_of::<TVariant>() == offset("tVariant", "sizeof"));
    assert!(u + offset_of!(WStrVal, ptr) == offset("tVariant", "pwstrVal"));
    assert!(u + offset_of!(WStrVal, len) == offset("tVariant", "wstrLen"));
    assert!(u + offset_of!(StrVal, len) == offset("tVariant", "strLen"));
    assert!(offset_of!(TVariant, cb_elements) == offset("tVariant", "cbElements"));
    assert!(offset_of!(TVariant, vt) == offset("tVariant", "vt"));
    assert!(size_of::<Tm>() == offset("tm", "sizeof"));
    assert!(size_of::<AppInfo>() == offset("AppInfo", "sizeof"));
    assert!(offset_of!(AppInfo, user_agent) == offset("AppInfo", "UserAgentInformation"));
    assert!(offset_of!(AppInfo, application) == offset("AppInfo", "Application"));
};

#[cfg(target_os = "windows")]
const _: () = {
    assert!(size_of::<Tm>() == 36);
    assert!(size_of::<TVariant>() == 48);
    assert!(std::mem::align_of::<TVariant>() == 8);
    assert!(offset_of!(TVariant, cb_elements) == 40);
    assert!(offset_of!(TVariant, vt) == 44);
};

#[cfg(all(target_os = "windows", target_arch = "x86_64"))]
const _: () = {
    assert!(offset_of!(WStrVal, len) == 8);
    assert!(size_of::<AppInfo>() == 24);
};

#[cfg(all(target_os = "windows", target_arch = "x86"))]
const _: () = {
    assert!(offset_of!(WStrVal, len) == 4);
    assert!(size_of::<AppInfo>() == 12);
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_variant_is_all_zero_with_vt_empty() {
        let v = TVariant::empty();
        assert_eq!(v.vt, vt::EMPTY);
        assert_eq!(v.cb_elements, 0);
        // SAFETY: the union was initialized through `u64_`.
        assert_eq!(unsafe { v.u.u64_ }, 0);
    }
}
