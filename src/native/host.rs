//! Wrappers over the objects the host (1C) gives us: `IMemoryManager` and
//! `IAddInDefBase(Ex)`, plus the small interfaces `GetInterface` returns.
//!
//! Host `bool` returns are read as `u8` and tested for non-zero, the defensive choice when the
//! other side is C++. Every wrapper is NULL-safe.

use super::types::{AppInfo, WChar};
use std::ffi::{c_int, c_long, c_ulong, c_void};
use std::sync::atomic::{AtomicI32, Ordering};

/// Destructor slots at the start of a host vtable: two on Itanium (Linux), one on MSVC.
#[cfg(not(target_os = "windows"))]
type DtorSlots = [usize; 2];
#[cfg(target_os = "windows")]
type DtorSlots = [usize; 1];

const PTR: usize = std::mem::size_of::<usize>();

#[repr(C)]
struct MemoryManagerVtbl {
    _dtor: DtorSlots,
    alloc_memory:
        unsafe extern "system" fn(this: *mut c_void, p: *mut *mut c_void, bytes: c_ulong) -> u8,
    free_memory: unsafe extern "system" fn(this: *mut c_void, p: *mut *mut c_void),
}

/// Strings and blobs we hand to the platform must come from its allocator.
#[derive(Clone, Copy, Debug)]
pub struct MemoryManager(*mut c_void);

impl MemoryManager {
    /// `None` for a NULL pointer. Crate-private: only the object's `setMemManager` may wrap a
    /// pointer, since the safe methods below trust it to be the host's `IMemoryManager*`.
    pub(crate) fn new(ptr: *mut c_void) -> Option<MemoryManager> {
        (!ptr.is_null()).then_some(MemoryManager(ptr))
    }

    #[inline]
    fn vtbl(&self) -> &MemoryManagerVtbl {
        // SAFETY: `self.0` is a non-NULL `IMemoryManager*` from the host; its first word is the
        // vptr, valid for the object's lifetime (the host keeps it alive while we are loaded).
        unsafe { &**(self.0 as *const *const MemoryManagerVtbl) }
    }

    /// Allocates `bytes` (at least 1: a zero-size request may legally come back NULL).
    #[inline]
    pub fn alloc(&self, bytes: usize) -> Option<*mut c_void> {
        let bytes = c_ulong::try_from(bytes.max(1)).ok()?;
        let mut p: *mut c_void = std::ptr::null_mut();
        // SAFETY: a host vtable call with a valid out-pointer.
        let ok = unsafe { (self.vtbl().alloc_memory)(self.0, &mut p, bytes) };
        (ok != 0 && !p.is_null()).then_some(p)
    }

    /// Frees a block the host's allocator gave out (ours or the platform's).
    pub fn free(&self, p: *mut c_void) {
        if p.is_null() {
            return;
        }
        let mut p = p;
        // SAFETY: a host vtable call; `p` came from this memory manager.
        unsafe { (self.vtbl().free_memory)(self.0, &mut p) };
    }

    /// A NUL-terminated UTF-16 copy of `s` in host memory: `(n + 1) * 2` bytes, encoded straight
    /// into the block (no intermediate buffer).
    #[inline]
    pub fn alloc_wstr(&self, s: &str) -> Option<(*mut WChar, u32)> {
        // ASCII (most of what we return) has as many units as bytes: no counting pass.
        if s.is_ascii() {
            return self.alloc_ascii(s.as_bytes());
        }
        let n = s.encode_utf16().count();
        let (p, len) = self.alloc_wide(n)?;
        // SAFETY: `p` points to `n + 1` freshly allocated u16 slots, ours until handed over.
        let (text, nul) = unsafe { std::slice::from_raw_parts_mut(p, n + 1) }.split_at_mut(n);
        for (unit, code) in text.iter_mut().zip(s.encode_utf16()) {
            *unit = code;
        }
        nul[0] = 0;
        Some((p, len))
    }

    /// [`MemoryManager::alloc_wstr`] of text known to be ASCII (each byte is its UTF-16 unit; a
    /// byte above 0x7F would come out as the Latin-1 character, so callers pass ASCII only).
    #[inline]
    pub fn alloc_ascii(&self, bytes: &[u8]) -> Option<(*mut WChar, u32)> {
        let n = bytes.len();
        let (p, len) = self.alloc_wide(n)?;
        // SAFETY: `p` points to `n + 1` freshly allocated u16 slots, ours until handed over.
        let (text, nul) = unsafe { std::slice::from_raw_parts_mut(p, n + 1) }.split_at_mut(n);
        super::ascii::widen(bytes, text);
        nul[0] = 0;
        Some((p, len))
    }

    /// A NUL-terminated copy of UTF-16 `units` in host memory: `(n + 1) * 2` bytes.
    #[inline]
    pub fn alloc_units(&self, units: &[u16]) -> Option<(*mut WChar, u32)> {
        let (p, len) = self.alloc_wide(units.len())?;
        // SAFETY: `p` points to `units.len() + 1` freshly allocated u16 slots.
        unsafe {
            std::ptr::copy_nonoverlapping(units.as_ptr(), p, units.len());
            *p.add(units.len()) = 0;
        }
        Some((p, len))
    }

    /// Room for `n` units and the NUL; `n` as the `u32` a variant carries.
    #[inline]
    fn alloc_wide(&self, n: usize) -> Option<(*mut WChar, u32)> {
        let len = u32::try_from(n).ok()?;
        let bytes = n.checked_add(1)?.checked_mul(2)?;
        Some((self.alloc(bytes)? as *mut WChar, len))
    }

    /// A copy of `bytes` in host memory (at least one byte is requested).
    pub fn alloc_bytes(&self, bytes: &[u8]) -> Option<(*mut u8, u32)> {
        let len = u32::try_from(bytes.len()).ok()?;
        let p = self.alloc(bytes.len())? as *mut u8;
        // SAFETY: `p` points to at least `bytes.len()` freshly allocated bytes.
        unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), p, bytes.len()) };
        Some((p, len))
    }
}

#[repr(C)]
struct ConnectionVtbl {
    _dtor: DtorSlots,
    add_error:
        unsafe extern "system" fn(*mut c_void, u16, *const WChar, *const WChar, c_long) -> u8,
    _read: usize,
    _write: usize,
    _register_profile_as: usize,
    set_event_buffer_depth: unsafe extern "system" fn(*mut c_void, c_long) -> u8,
    get_event_buffer_depth: unsafe extern "system" fn(*mut c_void) -> c_long,
    external_event:
        unsafe extern "system" fn(*mut c_void, *mut WChar, *mut WChar, *mut WChar) -> u8,
    _clean_event_buffer: usize,
    set_status_line: unsafe extern "system" fn(*mut c_void, *mut WChar) -> u8,
    reset_status_line: unsafe extern "system" fn(*mut c_void),
    /// Only in `IAddInDefBaseEx`: read it only after capabilities were negotiated.
    get_interface: unsafe extern "system" fn(*mut c_void, c_int) -> *mut c_void,
}

/// The capability level the platform offered through `SetPlatformCapabilities`
/// (-1 until it calls). `GetInterface` exists only when the platform negotiated one.
static PLATFORM_CAPABILITIES: AtomicI32 = AtomicI32::new(-1);

pub(crate) fn set_platform_capabilities(level: c_int) {
    PLATFORM_CAPABILITIES.store(level, Ordering::SeqCst);
}

pub fn platform_capabilities() -> c_int {
    PLATFORM_CAPABILITIES.load(Ordering::SeqCst)
}

/// `ADDIN_E_FAIL`: an error message shown with "!!!".
pub const ADDIN_E_FAIL: u16 = 1006;
/// `ADDIN_E_INFO`: an information message.
pub const ADDIN_E_INFO: u16 = 1005;

/// The host connection (`IAddInDefBase*` / `IAddInDefBaseEx*`), valid from `Init` to `Done`.
#[derive(Clone, Copy, Debug)]
pub struct Connection(*mut c_void);

fn wide(s: &str) -> Vec<WChar> {
    s.encode_utf16().chain(std::iter::once(0)).collect()
}

impl Connection {
    /// `None` for a NULL pointer. Crate-private: only the object's `Init` may wrap a pointer,
    /// since the safe methods below trust it to be the host's connection.
    pub(crate) fn new(ptr: *mut c_void) -> Option<Connection> {
        (!ptr.is_null()).then_some(Connection(ptr))
    }

    fn vtbl(&self) -> &ConnectionVtbl {
        // SAFETY: `self.0` is the non-NULL connection the host passed to `Init`; its vptr stays
        // valid until `Done`, after which the component drops this wrapper.
        unsafe { &**(self.0 as *const *const ConnectionVtbl) }
    }

    /// Queues a message; with `ADDIN_E_FAIL`, a non-zero `scode` and a `false` return the 1C
    /// caller gets an exception.
    pub fn add_error(&self, code: u16, source: &str, description: &str, scode: c_long) -> bool {
        let (source, description) = (wide(source), wide(description));
        // SAFETY: host call with NUL-terminated buffers that outlive it (the host copies).
        unsafe {
            (self.vtbl().add_error)(self.0, code, source.as_ptr(), description.as_ptr(), scode) != 0
        }
    }

    pub fn external_event(&self, source: &str, message: &str, data: &str) -> bool {
        let (mut source, mut message, mut data) = (wide(source), wide(message), wide(data));
        // SAFETY: host call with NUL-terminated buffers that outlive it (the host copies).
        unsafe {
            (self.vtbl().external_event)(
                self.0,
                source.as_mut_ptr(),
                message.as_mut_ptr(),
                data.as_mut_ptr(),
            ) != 0
        }
    }

    pub fn set_event_buffer_depth(&self, depth: c_long) -> bool {
        // SAFETY: host call with a plain integer.
        unsafe { (self.vtbl().set_event_buffer_depth)(self.0, depth) != 0 }
    }

    pub fn event_buffer_depth(&self) -> c_long {
        // SAFETY: host call without arguments.
        unsafe { (self.vtbl().get_event_buffer_depth)(self.0) }
    }

    pub fn set_status_line(&self, text: &str) -> bool {
        let mut text = wide(text);
        // SAFETY: host call with a NUL-terminated buffer that outlives it.
        unsafe { (self.vtbl().set_status_line)(self.0, text.as_mut_ptr()) != 0 }
    }

    pub fn reset_status_line(&self) {
        // SAFETY: host call without arguments.
        unsafe { (self.vtbl().reset_status_line)(self.0) }
    }

    fn interface(&self, which: c_int) -> *mut c_void {
        // Without negotiated capabilities the host may have passed a plain IAddInDefBase, whose
        // vtable has no GetInterface slot: reading it would be out of bounds.
        if platform_capabilities() < 1 {
            return std::ptr::null_mut();
        }
        // SAFETY: capabilities were negotiated, so the connection is an IAddInDefBaseEx.
        unsafe { (self.vtbl().get_interface)(self.0, which) }
    }

    pub fn msg_box(&self) -> Option<MsgBox> {
        let p = self.interface(0);
        (!p.is_null()).then_some(MsgBox(p))
    }

    pub fn platform_info(&self) -> Option<PlatformInfo> {
        let p = self.interface(1);
        if p.is_null() {
            return None;
        }
        #[repr(C)]
        struct Vtbl {
            get_platform_info: unsafe extern "system" fn(*mut c_void) -> *const AppInfo,
        }
        const _: () = assert!(
            std::mem::offset_of!(Vtbl, get_platform_info)
                == super::msvc_layout::slot("IPlatformInfo", "GetPlatformInfo") * PTR
        );
        // SAFETY: `p` is a non-NULL IPlatformInfo* (no destructor slot, vptr at offset 0).
        let info = unsafe { ((**(p as *const *const Vtbl)).get_platform_info)(p) };
        if info.is_null() {
            return None;
        }
        // SAFETY: the host returned a valid AppInfo pointer; its strings are NUL-terminated.
        unsafe {
            Some(PlatformInfo {
                version: read_cstr16(&(*info).app_version),
                user_agent: read_cstr16(&(*info).user_agent),
                application: (*info).application,
            })
        }
    }

    /// 0 = isolated, 1 = not isolated.
    pub fn attached_info(&self) -> Option<c_int> {
        let p = self.interface(2);
        if p.is_null() {
            return None;
        }
        #[repr(C)]
        struct Vtbl {
            get_attached_info: unsafe extern "system" fn(*mut c_void) -> c_int,
        }
        const _: () = assert!(
            std::mem::offset_of!(Vtbl, get_attached_info)
                == super::msvc_layout::slot("IAttachedInfo", "GetAttachedInfo") * PTR
        );
        // SAFETY: `p` is a non-NULL IAttachedInfo* (no destructor slot, vptr at offset 0).
        Some(unsafe { ((**(p as *const *const Vtbl)).get_attached_info)(p) })
    }
}

/// Reads a NUL-terminated UTF-16 string pointed to by `*field`, empty for NULL.
unsafe fn read_cstr16(field: &*const WChar) -> String {
    // SAFETY: forwarded to the caller: `*field` is NULL or NUL-terminated.
    unsafe { super::variant::read_nul_terminated(*field, 4096).unwrap_or_default() }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlatformInfo {
    pub version: String,
    pub user_agent: String,
    pub application: c_int,
}

/// `IMsgBox`: a dialog on the client.
#[derive(Clone, Copy, Debug)]
pub struct MsgBox(*mut c_void);

#[repr(C)]
struct MsgBoxVtbl {
    confirm:
        unsafe extern "system" fn(*mut c_void, *const WChar, *mut super::types::TVariant) -> u8,
    alert: unsafe extern "system" fn(*mut c_void, *const WChar) -> u8,
}

impl MsgBox {
    fn vtbl(&self) -> &MsgBoxVtbl {
        // SAFETY: a non-NULL IMsgBox* from GetInterface (no destructor slot, vptr at offset 0).
        unsafe { &**(self.0 as *const *const MsgBoxVtbl) }
    }

    pub fn alert(&self, text: &str) -> bool {
        let text = wide(text);
        // SAFETY: host call with a NUL-terminated buffer that outlives it.
        unsafe { (self.vtbl().alert)(self.0, text.as_ptr()) != 0 }
    }

    /// `Some(answer)` when the dialog was shown.
    pub fn confirm(&self, text: &str) -> Option<bool> {
        let text = wide(text);
        let mut answer = super::types::TVariant::empty();
        // SAFETY: host call; `answer` receives a BOOL.
        let ok = unsafe { (self.vtbl().confirm)(self.0, text.as_ptr(), &mut answer) != 0 };
        if !ok || answer.vt != super::types::vt::BOOL {
            return None;
        }
        // SAFETY: the host said it stored a BOOL; the union started fully zeroed, so the byte is
        // initialized either way.
        Some(unsafe { answer.u.u8_ } != 0)
    }
}

// Every slot we call on a host object against the MSVC table (msvc_layout.rs, compared with
// clang's MSVC layout by tests/windows_layout.rs). Interfaces with a destructor sit one slot later
// on Linux (Itanium's two destructor entries): exact on Windows, same order checked on Linux.
const _: () = {
    use super::msvc_layout::{slot, slot_count};
    use std::mem::{offset_of, size_of};
    const EXTRA: usize = size_of::<DtorSlots>() / PTR - 1;
    const MM: &str = "IMemoryManager";
    const EX: &str = "IAddInDefBaseEx";
    const DB: &str = "IAddInDefBase";
    const MB: &str = "IMsgBox";
    macro_rules! at {
        ($vtbl:ty, $field:ident, $iface:expr, $method:literal) => {
            assert!(offset_of!($vtbl, $field) == (slot($iface, $method) + EXTRA) * PTR);
        };
        (no dtor: $vtbl:ty, $field:ident, $iface:expr, $method:literal) => {
            assert!(offset_of!($vtbl, $field) == slot($iface, $method) * PTR);
        };
    }
    assert!(offset_of!(MemoryManagerVtbl, _dtor) == slot(MM, "~") * PTR);
    at!(MemoryManagerVtbl, alloc_memory, MM, "AllocMemory");
    at!(MemoryManagerVtbl, free_memory, MM, "FreeMemory");
    assert!(size_of::<MemoryManagerVtbl>() == (slot_count(MM) + EXTRA) * PTR);

    assert!(offset_of!(ConnectionVtbl, _dtor) == slot(EX, "~") * PTR);
    at!(ConnectionVtbl, add_error, DB, "AddError");
    at!(ConnectionVtbl, _read, DB, "Read");
    at!(ConnectionVtbl, _write, DB, "Write");
    at!(
        ConnectionVtbl,
        _register_profile_as,
        DB,
        "RegisterProfileAs"
    );
    at!(
        ConnectionVtbl,
        set_event_buffer_depth,
        DB,
        "SetEventBufferDepth"
    );
    at!(
        ConnectionVtbl,
        get_event_buffer_depth,
        DB,
        "GetEventBufferDepth"
    );
    at!(ConnectionVtbl, external_event, DB, "ExternalEvent");
    at!(ConnectionVtbl, _clean_event_buffer, DB, "CleanEventBuffer");
    at!(ConnectionVtbl, set_status_line, DB, "SetStatusLine");
    at!(ConnectionVtbl, reset_status_line, DB, "ResetStatusLine");
    at!(ConnectionVtbl, get_interface, EX, "GetInterface");
    assert!(size_of::<ConnectionVtbl>() == (slot_count(EX) + EXTRA) * PTR);

    at!(no dtor: MsgBoxVtbl, confirm, MB, "Confirm");
    at!(no dtor: MsgBoxVtbl, alert, MB, "Alert");
    assert!(size_of::<MsgBoxVtbl>() == slot_count(MB) * PTR);
};
