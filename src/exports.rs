//! The five C exports 1C resolves by name, over the crate's one table of classes.

use crate::native::{self, types::WChar, ClassDef};
use std::ffi::{c_int, c_long, c_void};
use std::panic::catch_unwind;
use widestring::{u16cstr, U16CStr};

/// Classes `GetClassObject` creates. `GetClassNames` lists only the public ones.
static CLASSES: &[ClassDef] = &[
    ClassDef {
        name: "BonusPlus",
        create: crate::component::BonusPlus::create,
    },
    // Not listed in GetClassNames: the ABI self-test class our own C++ host drives. Only in the
    // test build (feature `probe`); the shipped library answers 0 for it like for any unknown name.
    #[cfg(feature = "probe")]
    ClassDef {
        name: crate::abi_probe::CLASS_NAME,
        create: crate::abi_probe::AbiProbe::create,
    },
];

/// `|`-separated, NUL-terminated, static for the life of the library.
static CLASS_NAMES: &U16CStr = u16cstr!("BonusPlus");

/// Names of the classes 1C may create.
#[no_mangle]
pub extern "C" fn GetClassNames() -> *const WChar {
    catch_unwind(|| CLASS_NAMES.as_ptr()).unwrap_or(std::ptr::null())
}

/// Creates a component; returns 1 and stores its interface in `*p_intf`, or 0.
///
/// # Safety
/// `cls_name` is NULL or a NUL-terminated UTF-16 string; `p_intf` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn GetClassObject(
    cls_name: *const WChar,
    p_intf: *mut *mut c_void,
) -> c_long {
    // SAFETY: forwarded contract.
    unsafe { native::get_class_object(CLASSES, cls_name, p_intf) }
}

/// Destroys a component created by `GetClassObject`; 0 on success, -1 for NULL.
///
/// # Safety
/// `p_intf` is NULL or points to NULL or to a live component pointer.
#[no_mangle]
pub unsafe extern "C" fn DestroyObject(p_intf: *mut *mut c_void) -> c_long {
    // SAFETY: forwarded contract.
    unsafe { native::destroy_object(p_intf) }
}

/// Stores the platform's capability level and returns ours (3).
#[no_mangle]
pub extern "C" fn SetPlatformCapabilities(capabilities: c_int) -> c_int {
    catch_unwind(|| native::set_platform_capabilities(capabilities)).unwrap_or(-1)
}

/// The add-in can be attached isolated or not (3 = `eCanAttachAny`).
#[no_mangle]
pub extern "C" fn GetAttachType() -> c_int {
    catch_unwind(|| native::ATTACH_ANY).unwrap_or(native::ATTACH_ANY)
}
