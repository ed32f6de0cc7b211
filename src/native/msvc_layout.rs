//! The MSVC (Windows) layout facts the add-in depends on, as one table.
//!
//! Two checks meet here. Building for a Windows target (`*-pc-windows-gnu`; see
//! `scripts/build-windows.sh`) evaluates const asserts in `object.rs`, `host.rs` and `types.rs`
//! that pin every vtable field, the object's base offsets and the `tVariant` layout to these
//! rows. `tests/windows_layout.rs` compiles the interfaces in the shape of the official headers
//! with clang for the MSVC ABI and compares its record and vftable dumps with the same rows.
//! So the code, this table and MSVC's layout cannot disagree without one of them failing.

/// `(interface, method, slot)`: slot index from where the vptr points, identical on x86 and x64.
/// `"~"` is the single scalar deleting destructor MSVC puts first.
pub const SLOTS: &[(&str, &str, usize)] = &[
    ("IInitDoneBase", "~", 0),
    ("IInitDoneBase", "Init", 1),
    ("IInitDoneBase", "setMemManager", 2),
    ("IInitDoneBase", "GetInfo", 3),
    ("IInitDoneBase", "Done", 4),
    ("ILanguageExtenderBase", "~", 0),
    ("ILanguageExtenderBase", "RegisterExtensionAs", 1),
    ("ILanguageExtenderBase", "GetNProps", 2),
    ("ILanguageExtenderBase", "FindProp", 3),
    ("ILanguageExtenderBase", "GetPropName", 4),
    ("ILanguageExtenderBase", "GetPropVal", 5),
    ("ILanguageExtenderBase", "SetPropVal", 6),
    ("ILanguageExtenderBase", "IsPropReadable", 7),
    ("ILanguageExtenderBase", "IsPropWritable", 8),
    ("ILanguageExtenderBase", "GetNMethods", 9),
    ("ILanguageExtenderBase", "FindMethod", 10),
    ("ILanguageExtenderBase", "GetMethodName", 11),
    ("ILanguageExtenderBase", "GetNParams", 12),
    ("ILanguageExtenderBase", "GetParamDefValue", 13),
    ("ILanguageExtenderBase", "HasRetVal", 14),
    ("ILanguageExtenderBase", "CallAsProc", 15),
    ("ILanguageExtenderBase", "CallAsFunc", 16),
    ("LocaleBase", "~", 0),
    ("LocaleBase", "SetLocale", 1),
    ("UserLanguageBase", "~", 0),
    ("UserLanguageBase", "SetUserInterfaceLanguageCode", 1),
    ("IMemoryManager", "~", 0),
    ("IMemoryManager", "AllocMemory", 1),
    ("IMemoryManager", "FreeMemory", 2),
    ("IAddInDefBase", "~", 0),
    ("IAddInDefBase", "AddError", 1),
    ("IAddInDefBase", "Read", 2),
    ("IAddInDefBase", "Write", 3),
    ("IAddInDefBase", "RegisterProfileAs", 4),
    ("IAddInDefBase", "SetEventBufferDepth", 5),
    ("IAddInDefBase", "GetEventBufferDepth", 6),
    ("IAddInDefBase", "ExternalEvent", 7),
    ("IAddInDefBase", "CleanEventBuffer", 8),
    ("IAddInDefBase", "SetStatusLine", 9),
    ("IAddInDefBase", "ResetStatusLine", 10),
    ("IAddInDefBaseEx", "~", 0),
    ("IAddInDefBaseEx", "GetInterface", 11),
    ("IMsgBox", "Confirm", 0),
    ("IMsgBox", "Alert", 1),
    ("IPlatformInfo", "GetPlatformInfo", 0),
    ("IAttachedInfo", "GetAttachedInfo", 0),
];

/// `(record, member, offset on x64, offset on x86)` in bytes; member `"sizeof"` is the size.
/// Members of `IComponentBase` are its base subobjects (each starts with that base's vptr).
pub const OFFSETS: &[(&str, &str, usize, usize)] = &[
    ("tVariant", "sizeof", 48, 48),
    ("tVariant", "pwstrVal", 0, 0),
    ("tVariant", "wstrLen", 8, 4),
    ("tVariant", "strLen", 8, 4),
    ("tVariant", "cbElements", 40, 40),
    ("tVariant", "vt", 44, 44),
    ("tm", "sizeof", 36, 36),
    ("AppInfo", "sizeof", 24, 12),
    ("AppInfo", "UserAgentInformation", 8, 4),
    ("AppInfo", "Application", 16, 8),
    ("IComponentBase", "IInitDoneBase", 0, 0),
    ("IComponentBase", "ILanguageExtenderBase", 8, 4),
    ("IComponentBase", "LocaleBase", 16, 8),
    ("IComponentBase", "UserLanguageBase", 24, 12),
];

/// Calling conventions on x86 (on x64 there is only one). They are what the Rust vtable field
/// types say (`extern "system"` = stdcall, the destructor `extern "thiscall"`); the static check
/// compares them with the conventions clang gives the header declarations.
pub const X86_METHOD_CONVENTION: &str = "stdcall";
pub const X86_DESTRUCTOR_CONVENTION: &str = "thiscall";

const fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// The slot of `iface::method`; a compile error (in const context) when the row is missing.
pub const fn slot(iface: &str, method: &str) -> usize {
    let mut i = 0;
    while i < SLOTS.len() {
        if same(SLOTS[i].0, iface) && same(SLOTS[i].1, method) {
            return SLOTS[i].2;
        }
        i += 1;
    }
    panic!("no such row in msvc_layout::SLOTS")
}

/// Number of slots of `iface`'s own vftable (highest slot + 1).
pub const fn slot_count(iface: &str) -> usize {
    let (mut i, mut n) = (0, 0);
    while i < SLOTS.len() {
        if same(SLOTS[i].0, iface) && SLOTS[i].2 + 1 > n {
            n = SLOTS[i].2 + 1;
        }
        i += 1;
    }
    n
}

/// The offset of `record.member` for the pointer width being compiled (x64 or x86 column).
pub const fn offset(record: &str, member: &str) -> usize {
    let mut i = 0;
    while i < OFFSETS.len() {
        if same(OFFSETS[i].0, record) && same(OFFSETS[i].1, member) {
            return if size_of::<usize>() == 8 {
                OFFSETS[i].2
            } else {
                OFFSETS[i].3
            };
        }
        i += 1;
    }
    panic!("no such row in msvc_layout::OFFSETS")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookups_find_rows() {
        assert_eq!(slot("ILanguageExtenderBase", "FindMethod"), 10);
        assert_eq!(slot_count("ILanguageExtenderBase"), 17);
        assert_eq!(slot_count("IAddInDefBaseEx"), 12);
        assert_eq!(offset("tVariant", "vt"), 44);
    }

    #[test]
    fn no_duplicate_rows() {
        for (i, a) in SLOTS.iter().enumerate() {
            for b in &SLOTS[i + 1..] {
                assert!(!(a.0 == b.0 && a.1 == b.1), "duplicate {a:?}");
                assert!(
                    !(a.0 == b.0 && a.2 == b.2),
                    "two methods in one slot: {a:?} {b:?}"
                );
            }
        }
    }
}
