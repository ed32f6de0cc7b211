//! The 1C:Enterprise Native API layer: exports, the C++-shaped object and its vtables,
//! `tVariant` marshalling, and wrappers over the host's services.
//!
//! It knows nothing of loyalty: a component is anything implementing [`AddIn`], listed in a
//! table of [`ClassDef`]s that the crate's exports hand to the functions below.

pub mod addin;
mod ascii;
pub mod host;
pub mod msvc_layout;
mod object;
pub mod types;
pub mod variant;

pub use addin::{
    param, param_or, AddIn, Args, DefaultValue, Failure, Host, MethodDef, ParamDef, PropDef,
};
pub use variant::{DateTime, Param, Value, VariantError};

use object::ComponentObject;
use std::ffi::{c_int, c_long, c_void};
use std::panic::catch_unwind;
use types::WChar;

/// One class the library can create.
pub struct ClassDef {
    /// The name in `GetClassNames` and `GetClassObject`.
    pub name: &'static str,
    pub create: fn() -> Box<dyn AddIn>,
}

/// `eAppCapabilitiesLast`: the highest capability level we know.
pub const APP_CAPABILITIES_LAST: c_int = 3;
/// `eCanAttachAny`: isolated and not isolated.
pub const ATTACH_ANY: c_int = 3;

/// `GetClassObject`: creates `name` (exact match, as the platform passes a name from
/// `GetClassNames`) and stores its `IComponentBase*` in `*out`. 1 on success, 0 on failure.
///
/// # Safety
/// `name` is NULL or a NUL-terminated UTF-16 string; `out` is NULL or writable.
pub unsafe fn get_class_object(
    classes: &[ClassDef],
    name: *const WChar,
    out: *mut *mut c_void,
) -> c_long {
    catch_unwind(|| {
        if out.is_null() {
            return 0;
        }
        // SAFETY: `out` is writable per the contract; clear it so a failure leaves no garbage.
        unsafe { *out = std::ptr::null_mut() };
        // SAFETY: `name` is NULL or NUL-terminated.
        let Some(name) = (unsafe { variant::read_nul_terminated(name, 256) }) else {
            return 0;
        };
        let Some(class) = classes.iter().find(|c| c.name == name) else {
            return 0;
        };
        let object = ComponentObject::create((class.create)());
        // SAFETY: as above.
        unsafe { *out = object };
        // Not the pointer itself: a pointer truncated to a 32-bit long could read as 0.
        1
    })
    .unwrap_or(0)
}

/// `DestroyObject`: frees an object made by `get_class_object` and clears `*p`.
/// 0 on success, -1 for NULL.
///
/// # Safety
/// `p` is NULL or points to NULL or to a live object pointer from `get_class_object`.
pub unsafe fn destroy_object(p: *mut *mut c_void) -> c_long {
    catch_unwind(|| {
        // SAFETY: `p` is NULL or a readable, writable pointer slot.
        if p.is_null() || unsafe { (*p).is_null() } {
            return -1;
        }
        // SAFETY: `*p` is a live object from get_class_object; we clear the slot after.
        unsafe {
            ComponentObject::destroy(*p);
            *p = std::ptr::null_mut();
        }
        0
    })
    .unwrap_or(-1)
}

/// `SetPlatformCapabilities`: remembers the offered level, answers the level we support.
pub fn set_platform_capabilities(offered: c_int) -> c_int {
    host::set_platform_capabilities(offered);
    APP_CAPABILITIES_LAST
}
