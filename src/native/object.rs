//! The C++-shaped component object: four vptrs (`IInitDoneBase`, `ILanguageExtenderBase`,
//! `LocaleBase`, `UserLanguageBase`) followed by Rust state, and the static vtables.
//!
//! The host calls a method of base *k* with `this` = object + k pointers, so every thunk of
//! vtable *k* steps back k pointers. Every thunk catches panics: an unwind out of an
//! `extern "system"` function aborts the process, and that process is 1C.

use super::addin::{find_name, AddIn, Args, Failure, Host};
use super::host::{Connection, MemoryManager, ADDIN_E_FAIL};
use super::types::{vt, TVariant, WChar};
use super::variant::{self, Value};
use std::cell::RefCell;
use std::ffi::{c_long, c_void};
use std::panic::{catch_unwind, AssertUnwindSafe};

const PTR: usize = std::mem::size_of::<usize>();

/// The technology version `GetInfo` reports (the kit sample's value; 1000 would select the old
/// static-object mode).
const ADDIN_VERSION: c_long = 2000;

/// Longest name we accept from `FindProp`/`FindMethod`/`SetLocale`.
const MAX_NAME_UNITS: usize = 1024;

struct State {
    addin: Box<dyn AddIn>,
    /// `fixed_prop` of every readable property, asked once at creation: reading one of these
    /// is a bounds check and a copy, with no call into the component.
    fixed: Box<[Option<&'static widestring::U16Str>]>,
    /// `is_text_function` of every method, asked once at creation.
    text_functions: Box<[bool]>,
    /// Where a text function writes its answer (`AddIn::call_text`), kept between calls.
    answer: Vec<u16>,
    host: Host,
    /// Where string parameters are decoded (`Args::with_text`), kept between calls.
    text: RefCell<String>,
}

/// The object whose address the host holds as `IComponentBase*`.
#[repr(C)]
pub(crate) struct ComponentObject {
    vptrs: [*const c_void; 4],
    /// `None` once a non-deleting destructor ran: the memory may still be referenced, the
    /// component is gone, and every later call is a harmless no-op.
    state: Option<State>,
}

impl ComponentObject {
    /// Allocates an object and returns its `IComponentBase*`.
    pub(crate) fn create(addin: Box<dyn AddIn>) -> *mut c_void {
        let fixed = addin
            .props()
            .iter()
            .enumerate()
            .map(|(i, p)| addin.fixed_prop(i).filter(|_| p.readable))
            .collect();
        let text_functions = (0..addin.methods().len())
            .map(|i| addin.methods()[i].returns && addin.is_text_function(i))
            .collect();
        let obj = Box::new(ComponentObject {
            vptrs: [
                &INIT_DONE_VTBL as *const _ as *const c_void,
                &LANGUAGE_EXTENDER_VTBL as *const _ as *const c_void,
                &LOCALE_VTBL as *const _ as *const c_void,
                &USER_LANGUAGE_VTBL as *const _ as *const c_void,
            ],
            state: Some(State {
                addin,
                fixed,
                text_functions,
                answer: Vec::new(),
                host: Host::default(),
                text: RefCell::new(String::new()),
            }),
        });
        Box::into_raw(obj) as *mut c_void
    }

    /// Frees an object made by `create`, given its `IComponentBase*`.
    ///
    /// # Safety
    /// `p` came from `create` and was not destroyed before.
    pub(crate) unsafe fn destroy(p: *mut c_void) {
        // SAFETY: per the contract, `p` is the Box pointer `create` leaked.
        let obj = unsafe { Box::from_raw(p as *mut ComponentObject) };
        // Dropping a component runs its code: keep a panic from leaving through the FFI edge.
        let _ = catch_unwind(AssertUnwindSafe(move || drop(obj)));
    }
}

/// The object behind `this` of vtable `k`.
fn object(this: *mut c_void, k: usize) -> *mut ComponentObject {
    (this as *mut u8).wrapping_sub(k * PTR) as *mut ComponentObject
}

fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "panic".to_owned()
    }
}

fn report(state: &State, message: &str) {
    if let Some(conn) = state.host.connection {
        conn.add_error(ADDIN_E_FAIL, state.addin.error_source(), message, 1);
    }
}

/// Runs `f` on the live state behind `this` of vtable `k`; `fallback` when `this` is NULL, the
/// component was already destroyed, or `f` panicked (the panic is reported through `AddError`).
fn guarded<R>(this: *mut c_void, k: usize, fallback: R, f: impl FnOnce(&mut State) -> R) -> R {
    if this.is_null() {
        return fallback;
    }
    let obj = object(this, k);
    // SAFETY: `this` is a pointer the host got from us (`create`), adjusted by `k` pointers; the
    // object lives until a destructor or DestroyObject runs, after which `state` is None or the
    // host no longer calls.
    let Some(state) = (unsafe { (*obj).state.as_mut() }) else {
        return fallback;
    };
    let state_ptr: *mut State = state;
    match catch_unwind(AssertUnwindSafe(|| f(state))) {
        Ok(r) => r,
        Err(payload) => {
            let detail = panic_text(&*payload);
            let _ = catch_unwind(AssertUnwindSafe(move || drop(payload)));
            let _ = catch_unwind(AssertUnwindSafe(|| {
                // SAFETY: the borrow given to `f` ended with the unwind; the state is still live.
                let state = unsafe { &mut *state_ptr };
                let message = state.addin.internal_error(&detail);
                report(state, &message);
            }));
            fallback
        }
    }
}

/// Reports a failure and returns `false`: the 1C caller gets an exception with `message`.
fn fail(state: &State, Failure(message): Failure) -> bool {
    report(state, &message);
    false
}

fn index(num: c_long, len: usize) -> Option<usize> {
    usize::try_from(num).ok().filter(|&i| i < len)
}

fn alloc_name(state: &State, name: &str) -> *const WChar {
    state
        .host
        .memory
        .and_then(|m| m.alloc_wstr(name))
        .map_or(std::ptr::null(), |(p, _)| p as *const WChar)
}

fn name_arg(name: *const WChar) -> Option<String> {
    // SAFETY: the host passes NULL or a NUL-terminated string; we read at most MAX_NAME_UNITS.
    unsafe { variant::read_nul_terminated(name, MAX_NAME_UNITS) }
}

/// Stores a returned value; on failure (no memory manager, allocation failed) reports it.
#[inline]
fn store_result(state: &mut State, var: *mut TVariant, value: &Value) -> bool {
    // SAFETY: `var` is a non-NULL host variant slot for a result (checked by the callers).
    match unsafe { variant::store(var, value, state.host.memory.as_ref()) } {
        Ok(()) => true,
        Err(e) => store_failed(state, e),
    }
}

/// [`store_result`] of a fixed text (`AddIn::fixed_prop`): no `Value` is made or matched.
#[inline]
fn store_fixed(state: &mut State, var: *mut TVariant, text: &'static widestring::U16Str) -> bool {
    // SAFETY: `var` is a non-NULL host variant slot for a result (checked by the caller).
    match unsafe { variant::store_units(var, text.as_slice(), state.host.memory.as_ref()) } {
        Ok(()) => true,
        Err(e) => store_failed(state, e),
    }
}

/// A result could not be stored: reported, and the call fails. Out of line: the stores above
/// stay short.
#[cold]
#[inline(never)]
fn store_failed(state: &mut State, e: variant::VariantError) -> bool {
    let message = state.addin.internal_error(&e.to_string());
    report(state, &message);
    false
}

// ---- destructors -------------------------------------------------------------------------

/// Drops the component but leaves the object's memory (a complete, non-deleting destructor).
fn drop_state(this: *mut c_void, k: usize) {
    if this.is_null() {
        return;
    }
    let obj = object(this, k);
    // SAFETY: `this` came from us; taking the state makes a second destructor call a no-op.
    let state = unsafe { (*obj).state.take() };
    let _ = catch_unwind(AssertUnwindSafe(move || drop(state)));
}

/// Drops the component and frees the object (a deleting destructor, `delete p`).
fn delete_object(this: *mut c_void, k: usize) {
    if this.is_null() {
        return;
    }
    // SAFETY: a deleting destructor is the host's last use of the object.
    unsafe { ComponentObject::destroy(object(this, k) as *mut c_void) };
}

#[cfg(not(target_os = "windows"))]
mod dtor {
    use std::ffi::c_void;

    /// Itanium: [0] complete destructor (D1), [1] deleting destructor (D0).
    #[repr(C)]
    pub struct Slots {
        complete: unsafe extern "C" fn(*mut c_void),
        deleting: unsafe extern "C" fn(*mut c_void),
    }

    unsafe extern "C" fn complete<const K: usize>(this: *mut c_void) {
        super::drop_state(this, K);
    }

    unsafe extern "C" fn deleting<const K: usize>(this: *mut c_void) {
        super::delete_object(this, K);
    }

    pub const fn slots<const K: usize>() -> Slots {
        Slots {
            complete: complete::<K>,
            deleting: deleting::<K>,
        }
    }
}

#[cfg(all(target_os = "windows", target_arch = "x86"))]
mod dtor {
    use std::ffi::c_void;

    /// MSVC x86: one scalar deleting destructor, `__thiscall` (not ADDIN_API).
    #[repr(C)]
    pub struct Slots {
        deleting: unsafe extern "thiscall" fn(*mut c_void, u32) -> *mut c_void,
    }

    unsafe extern "thiscall" fn deleting<const K: usize>(
        this: *mut c_void,
        flags: u32,
    ) -> *mut c_void {
        if flags & 1 != 0 {
            super::delete_object(this, K);
        } else {
            super::drop_state(this, K);
        }
        this
    }

    pub const fn slots<const K: usize>() -> Slots {
        Slots {
            deleting: deleting::<K>,
        }
    }
}

#[cfg(all(target_os = "windows", not(target_arch = "x86")))]
mod dtor {
    use std::ffi::c_void;

    /// MSVC x64: one scalar deleting destructor; `flags & 1` means free as well.
    #[repr(C)]
    pub struct Slots {
        deleting: unsafe extern "system" fn(*mut c_void, u32) -> *mut c_void,
    }

    unsafe extern "system" fn deleting<const K: usize>(
        this: *mut c_void,
        flags: u32,
    ) -> *mut c_void {
        if flags & 1 != 0 {
            super::delete_object(this, K);
        } else {
            super::drop_state(this, K);
        }
        this
    }

    pub const fn slots<const K: usize>() -> Slots {
        Slots {
            deleting: deleting::<K>,
        }
    }
}

// ---- IInitDoneBase (vptr 0) --------------------------------------------------------------

#[repr(C)]
struct InitDoneVtbl {
    dtor: dtor::Slots,
    init: unsafe extern "system" fn(*mut c_void, *mut c_void) -> bool,
    set_mem_manager: unsafe extern "system" fn(*mut c_void, *mut c_void) -> bool,
    get_info: unsafe extern "system" fn(*mut c_void) -> c_long,
    done: unsafe extern "system" fn(*mut c_void),
}

static INIT_DONE_VTBL: InitDoneVtbl = InitDoneVtbl {
    dtor: dtor::slots::<0>(),
    init,
    set_mem_manager,
    get_info,
    done,
};

unsafe extern "system" fn init(this: *mut c_void, connection: *mut c_void) -> bool {
    guarded(this, 0, false, |s| {
        s.host.connection = Connection::new(connection);
        true
    })
}

unsafe extern "system" fn set_mem_manager(this: *mut c_void, memory: *mut c_void) -> bool {
    guarded(this, 0, false, |s| {
        s.host.memory = MemoryManager::new(memory);
        s.host.memory.is_some()
    })
}

unsafe extern "system" fn get_info(this: *mut c_void) -> c_long {
    guarded(this, 0, 0, |_| ADDIN_VERSION)
}

unsafe extern "system" fn done(this: *mut c_void) {
    guarded(this, 0, (), |s| {
        // The connection is valid only until Done: nothing may reach it afterwards, even when
        // the component's own `done` panics (the guard catches that, after this line).
        s.host.connection = None;
        s.addin.done();
    })
}

// ---- ILanguageExtenderBase (vptr 1) ------------------------------------------------------

type Ext = *mut c_void;

#[repr(C)]
struct LanguageExtenderVtbl {
    dtor: dtor::Slots,
    register_extension_as: unsafe extern "system" fn(Ext, *mut *mut WChar) -> bool,
    get_n_props: unsafe extern "system" fn(Ext) -> c_long,
    find_prop: unsafe extern "system" fn(Ext, *const WChar) -> c_long,
    get_prop_name: unsafe extern "system" fn(Ext, c_long, c_long) -> *const WChar,
    get_prop_val: unsafe extern "system" fn(Ext, c_long, *mut TVariant) -> bool,
    set_prop_val: unsafe extern "system" fn(Ext, c_long, *mut TVariant) -> bool,
    is_prop_readable: unsafe extern "system" fn(Ext, c_long) -> bool,
    is_prop_writable: unsafe extern "system" fn(Ext, c_long) -> bool,
    get_n_methods: unsafe extern "system" fn(Ext) -> c_long,
    find_method: unsafe extern "system" fn(Ext, *const WChar) -> c_long,
    get_method_name: unsafe extern "system" fn(Ext, c_long, c_long) -> *const WChar,
    get_n_params: unsafe extern "system" fn(Ext, c_long) -> c_long,
    get_param_def_value: unsafe extern "system" fn(Ext, c_long, c_long, *mut TVariant) -> bool,
    has_ret_val: unsafe extern "system" fn(Ext, c_long) -> bool,
    call_as_proc: unsafe extern "system" fn(Ext, c_long, *mut TVariant, c_long) -> bool,
    call_as_func:
        unsafe extern "system" fn(Ext, c_long, *mut TVariant, *mut TVariant, c_long) -> bool,
}

static LANGUAGE_EXTENDER_VTBL: LanguageExtenderVtbl = LanguageExtenderVtbl {
    dtor: dtor::slots::<1>(),
    register_extension_as,
    get_n_props,
    find_prop,
    get_prop_name,
    get_prop_val,
    set_prop_val,
    is_prop_readable,
    is_prop_writable,
    get_n_methods,
    find_method,
    get_method_name,
    get_n_params,
    get_param_def_value,
    has_ret_val,
    call_as_proc,
    call_as_func,
};

fn count(len: usize) -> c_long {
    c_long::try_from(len).unwrap_or(c_long::MAX)
}

unsafe extern "system" fn register_extension_as(this: Ext, out: *mut *mut WChar) -> bool {
    guarded(this, 1, false, |s| {
        if out.is_null() {
            return false;
        }
        let name = alloc_name(s, s.addin.extension_name()) as *mut WChar;
        // SAFETY: `out` is a non-NULL out-pointer from the host.
        unsafe { *out = name };
        !name.is_null()
    })
}

unsafe extern "system" fn get_n_props(this: Ext) -> c_long {
    guarded(this, 1, 0, |s| count(s.addin.props().len()))
}

unsafe extern "system" fn find_prop(this: Ext, name: *const WChar) -> c_long {
    guarded(this, 1, -1, |s| {
        let Some(name) = name_arg(name) else {
            return -1;
        };
        find_name(s.addin.props(), |p| (p.en, p.ru), &name).map_or(-1, count)
    })
}

unsafe extern "system" fn get_prop_name(this: Ext, num: c_long, alias: c_long) -> *const WChar {
    guarded(this, 1, std::ptr::null(), |s| {
        let Some(p) = index(num, s.addin.props().len()).map(|i| &s.addin.props()[i]) else {
            return std::ptr::null();
        };
        alloc_name(s, if alias == 0 { p.en } else { p.ru })
    })
}

unsafe extern "system" fn get_prop_val(this: Ext, num: c_long, var: *mut TVariant) -> bool {
    guarded(this, 1, false, |s| {
        if var.is_null() {
            return false;
        }
        let i = usize::try_from(num).ok();
        if let Some(&Some(text)) = i.and_then(|i| s.fixed.get(i)) {
            return store_fixed(s, var, text);
        }
        let Some(i) = index(num, s.addin.props().len()) else {
            return false;
        };
        if !s.addin.props()[i].readable {
            return false;
        }
        let host = s.host;
        match s.addin.get_prop(i, &host) {
            Ok(value) => store_result(s, var, &value),
            Err(f) => fail(s, f),
        }
    })
}

unsafe extern "system" fn set_prop_val(this: Ext, num: c_long, var: *mut TVariant) -> bool {
    guarded(this, 1, false, |s| {
        let Some(i) = index(num, s.addin.props().len()) else {
            return false;
        };
        if var.is_null() || !s.addin.props()[i].writable {
            return false;
        }
        // SAFETY: a non-NULL host variant holding the new value.
        let value = match unsafe { variant::read(var) } {
            Ok(v) => v,
            Err(e) => {
                let message = s.addin.bad_value(&e);
                return fail(s, Failure(message));
            }
        };
        let host = s.host;
        match s.addin.set_prop(i, value, &host) {
            Ok(()) => true,
            Err(f) => fail(s, f),
        }
    })
}

unsafe extern "system" fn is_prop_readable(this: Ext, num: c_long) -> bool {
    guarded(this, 1, false, |s| {
        index(num, s.addin.props().len()).is_some_and(|i| s.addin.props()[i].readable)
    })
}

unsafe extern "system" fn is_prop_writable(this: Ext, num: c_long) -> bool {
    guarded(this, 1, false, |s| {
        index(num, s.addin.props().len()).is_some_and(|i| s.addin.props()[i].writable)
    })
}

unsafe extern "system" fn get_n_methods(this: Ext) -> c_long {
    guarded(this, 1, 0, |s| count(s.addin.methods().len()))
}

unsafe extern "system" fn find_method(this: Ext, name: *const WChar) -> c_long {
    guarded(this, 1, -1, |s| {
        let Some(name) = name_arg(name) else {
            return -1;
        };
        find_name(s.addin.methods(), |m| (m.en, m.ru), &name).map_or(-1, count)
    })
}

unsafe extern "system" fn get_method_name(this: Ext, num: c_long, alias: c_long) -> *const WChar {
    guarded(this, 1, std::ptr::null(), |s| {
        let Some(m) = index(num, s.addin.methods().len()).map(|i| &s.addin.methods()[i]) else {
            return std::ptr::null();
        };
        alloc_name(s, if alias == 0 { m.en } else { m.ru })
    })
}

unsafe extern "system" fn get_n_params(this: Ext, method: c_long) -> c_long {
    guarded(this, 1, 0, |s| {
        index(method, s.addin.methods().len())
            .map_or(0, |i| count(s.addin.methods()[i].params.len()))
    })
}

unsafe extern "system" fn get_param_def_value(
    this: Ext,
    method: c_long,
    param: c_long,
    var: *mut TVariant,
) -> bool {
    guarded(this, 1, false, |s| {
        if var.is_null() {
            return false;
        }
        let default = index(method, s.addin.methods().len())
            .and_then(|m| {
                index(param, s.addin.methods()[m].params.len())
                    .map(|p| &s.addin.methods()[m].params[p])
            })
            .and_then(|p| p.default);
        match default {
            Some(d) => store_result(s, var, &d.to_value()),
            None => {
                // SAFETY: a non-NULL host variant: "no default" is EMPTY plus false.
                unsafe { (*var).vt = vt::EMPTY };
                false
            }
        }
    })
}

unsafe extern "system" fn has_ret_val(this: Ext, method: c_long) -> bool {
    guarded(this, 1, false, |s| {
        index(method, s.addin.methods().len()).is_some_and(|i| s.addin.methods()[i].returns)
    })
}

/// Runs method `method` with the host's parameter array. Only the declared number of
/// parameters is ever touched, whatever `count` says.
fn run_method(
    s: &mut State,
    method: c_long,
    params: *mut TVariant,
    count: c_long,
) -> Option<Result<Value, Failure>> {
    let i = index(method, s.addin.methods().len())?;
    let declared = s.addin.methods()[i].params.len();
    let n = usize::try_from(count).unwrap_or(0).min(declared);
    let slice: &mut [TVariant] = if params.is_null() || n == 0 {
        &mut []
    } else {
        // SAFETY: the host passes an array of `count` variants; we use at most `n <= count`.
        unsafe { std::slice::from_raw_parts_mut(params, n) }
    };
    let host = s.host;
    let mut args = Args::new(slice, host.memory).with_text_buffer(&s.text);
    Some(s.addin.call(i, &mut args, &host))
}

/// The method index and the host's UTF-16 of its one string parameter, when `method` is a text
/// function (`AddIn::is_text_function`) and the host passed at least one parameter, a string
/// that reads well. Anything else (no parameter, another type, a broken string) takes the
/// generic path, which reads and reports it as for any method.
#[inline]
fn text_function_param<'p>(
    s: &State,
    method: c_long,
    params: *mut TVariant,
    count: c_long,
) -> Option<(usize, &'p [u16])> {
    let i = usize::try_from(method).ok()?;
    if !s.text_functions.get(i).copied()? || count < 1 || params.is_null() {
        return None;
    }
    // SAFETY: the host passes an array of `count >= 1` live variants; only the first is read,
    // and its string outlives the call.
    match unsafe { variant::read_utf16(params) } {
        Ok(Some(units)) => Some((i, units)),
        _ => None,
    }
}

unsafe extern "system" fn call_as_proc(
    this: Ext,
    method: c_long,
    params: *mut TVariant,
    count: c_long,
) -> bool {
    guarded(this, 1, false, |s| {
        match run_method(s, method, params, count) {
            None => false,
            Some(Ok(_)) => true,
            Some(Err(f)) => fail(s, f),
        }
    })
}

unsafe extern "system" fn call_as_func(
    this: Ext,
    method: c_long,
    ret: *mut TVariant,
    params: *mut TVariant,
    count: c_long,
) -> bool {
    guarded(this, 1, false, |s| {
        if ret.is_null() {
            return false;
        }
        if let Some((i, text)) = text_function_param(s, method, params, count) {
            s.answer.clear();
            return match s.addin.call_text(i, text, &mut s.answer) {
                // SAFETY: `ret` is a non-NULL host variant slot for a result (checked above).
                Ok(()) => {
                    match unsafe { variant::store_units(ret, &s.answer, s.host.memory.as_ref()) } {
                        Ok(()) => true,
                        Err(e) => store_failed(s, e),
                    }
                }
                Err(f) => fail(s, f),
            };
        }
        match run_method(s, method, params, count) {
            None => false,
            Some(Ok(value)) => store_result(s, ret, &value),
            Some(Err(f)) => fail(s, f),
        }
    })
}

// ---- LocaleBase (vptr 2) and UserLanguageBase (vptr 3) ----------------------------------

#[repr(C)]
struct LocaleVtbl {
    dtor: dtor::Slots,
    set_locale: unsafe extern "system" fn(*mut c_void, *const WChar),
}

static LOCALE_VTBL: LocaleVtbl = LocaleVtbl {
    dtor: dtor::slots::<2>(),
    set_locale,
};

unsafe extern "system" fn set_locale(this: *mut c_void, locale: *const WChar) {
    guarded(this, 2, (), |s| {
        if let Some(locale) = name_arg(locale) {
            s.addin.set_locale(&locale);
        }
    })
}

#[repr(C)]
struct UserLanguageVtbl {
    dtor: dtor::Slots,
    set_user_interface_language_code: unsafe extern "system" fn(*mut c_void, *const WChar),
}

static USER_LANGUAGE_VTBL: UserLanguageVtbl = UserLanguageVtbl {
    dtor: dtor::slots::<3>(),
    set_user_interface_language_code,
};

unsafe extern "system" fn set_user_interface_language_code(this: *mut c_void, code: *const WChar) {
    guarded(this, 3, (), |s| {
        if let Some(code) = name_arg(code) {
            s.addin.set_user_interface_language(&code);
        }
    })
}

// The slot positions the spec's tables give (§5.1), checked here so a reordering cannot slip by.
const _: () = {
    use std::mem::offset_of;
    let d = if cfg!(target_os = "windows") { 1 } else { 2 };
    assert!(offset_of!(InitDoneVtbl, init) == d * PTR);
    assert!(offset_of!(InitDoneVtbl, done) == (d + 3) * PTR);
    assert!(offset_of!(LanguageExtenderVtbl, register_extension_as) == d * PTR);
    assert!(offset_of!(LanguageExtenderVtbl, find_method) == (d + 9) * PTR);
    assert!(offset_of!(LanguageExtenderVtbl, call_as_func) == (d + 15) * PTR);
    assert!(offset_of!(LocaleVtbl, set_locale) == d * PTR);
    assert!(offset_of!(UserLanguageVtbl, set_user_interface_language_code) == d * PTR);
};

// Every field of the four vtables and every base offset against the MSVC table (see
// msvc_layout.rs; tests/windows_layout.rs compares that table with clang's MSVC layout of the
// kit's declarations). On Linux the same order holds one slot later (Itanium's two destructor
// entries), so the Linux build checks the table's order too; the Windows build checks it exactly.
// The thunks of vtable k step back k pointers, so base k must sit at k pointers.
const _: () = {
    use super::msvc_layout::{offset, slot, slot_count};
    use std::mem::{offset_of, size_of};
    const DTOR_SLOTS: usize = if cfg!(target_os = "windows") { 1 } else { 2 };
    const EXTRA: usize = DTOR_SLOTS - 1;
    const ID: &str = "IInitDoneBase";
    const LE: &str = "ILanguageExtenderBase";
    const LB: &str = "LocaleBase";
    const UL: &str = "UserLanguageBase";
    macro_rules! at {
        ($vtbl:ty, $field:ident, $iface:expr, $method:literal) => {
            assert!(offset_of!($vtbl, $field) == (slot($iface, $method) + EXTRA) * PTR);
        };
    }
    assert!(offset_of!(InitDoneVtbl, dtor) == slot(ID, "~") * PTR);
    at!(InitDoneVtbl, init, ID, "Init");
    at!(InitDoneVtbl, set_mem_manager, ID, "setMemManager");
    at!(InitDoneVtbl, get_info, ID, "GetInfo");
    at!(InitDoneVtbl, done, ID, "Done");
    assert!(size_of::<InitDoneVtbl>() == (slot_count(ID) + EXTRA) * PTR);

    assert!(offset_of!(LanguageExtenderVtbl, dtor) == slot(LE, "~") * PTR);
    at!(
        LanguageExtenderVtbl,
        register_extension_as,
        LE,
        "RegisterExtensionAs"
    );
    at!(LanguageExtenderVtbl, get_n_props, LE, "GetNProps");
    at!(LanguageExtenderVtbl, find_prop, LE, "FindProp");
    at!(LanguageExtenderVtbl, get_prop_name, LE, "GetPropName");
    at!(LanguageExtenderVtbl, get_prop_val, LE, "GetPropVal");
    at!(LanguageExtenderVtbl, set_prop_val, LE, "SetPropVal");
    at!(LanguageExtenderVtbl, is_prop_readable, LE, "IsPropReadable");
    at!(LanguageExtenderVtbl, is_prop_writable, LE, "IsPropWritable");
    at!(LanguageExtenderVtbl, get_n_methods, LE, "GetNMethods");
    at!(LanguageExtenderVtbl, find_method, LE, "FindMethod");
    at!(LanguageExtenderVtbl, get_method_name, LE, "GetMethodName");
    at!(LanguageExtenderVtbl, get_n_params, LE, "GetNParams");
    at!(
        LanguageExtenderVtbl,
        get_param_def_value,
        LE,
        "GetParamDefValue"
    );
    at!(LanguageExtenderVtbl, has_ret_val, LE, "HasRetVal");
    at!(LanguageExtenderVtbl, call_as_proc, LE, "CallAsProc");
    at!(LanguageExtenderVtbl, call_as_func, LE, "CallAsFunc");
    assert!(size_of::<LanguageExtenderVtbl>() == (slot_count(LE) + EXTRA) * PTR);

    assert!(offset_of!(LocaleVtbl, dtor) == slot(LB, "~") * PTR);
    at!(LocaleVtbl, set_locale, LB, "SetLocale");
    assert!(size_of::<LocaleVtbl>() == (slot_count(LB) + EXTRA) * PTR);
    assert!(offset_of!(UserLanguageVtbl, dtor) == slot(UL, "~") * PTR);
    at!(
        UserLanguageVtbl,
        set_user_interface_language_code,
        UL,
        "SetUserInterfaceLanguageCode"
    );
    assert!(size_of::<UserLanguageVtbl>() == (slot_count(UL) + EXTRA) * PTR);

    assert!(size_of::<dtor::Slots>() == DTOR_SLOTS * PTR);

    let base = offset_of!(ComponentObject, vptrs);
    assert!(base == offset("IComponentBase", "IInitDoneBase"));
    assert!(base + PTR == offset("IComponentBase", "ILanguageExtenderBase"));
    assert!(base + 2 * PTR == offset("IComponentBase", "LocaleBase"));
    assert!(base + 3 * PTR == offset("IComponentBase", "UserLanguageBase"));
};
