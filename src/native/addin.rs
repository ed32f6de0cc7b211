//! What a component is to the Native API layer: a table of names and a few calls.

use super::host::{Connection, MemoryManager, MsgBox, PlatformInfo};
use super::types::TVariant;
use super::variant::{self, Param, Value, VariantError};
use std::cell::RefCell;
use std::ffi::c_int;
use widestring::U16Str;

/// Longest text buffer an object keeps between calls (bytes): a rare huge parameter (a product
/// upload) is decoded once and its buffer dropped rather than held for the object's life.
const MAX_KEPT_TEXT: usize = 64 * 1024;

/// A property: English name (alias 0), Russian name (alias 1), access.
#[derive(Debug)]
pub struct PropDef {
    pub en: &'static str,
    pub ru: &'static str,
    pub readable: bool,
    pub writable: bool,
}

/// A default value a method parameter takes when the 1C caller omits it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum DefaultValue {
    Str(&'static str),
    Int(i64),
    Bool(bool),
}

impl DefaultValue {
    pub fn to_value(self) -> Value {
        match self {
            DefaultValue::Str(s) => Value::String(s.to_owned()),
            DefaultValue::Int(i) => Value::Int(i),
            DefaultValue::Bool(b) => Value::Bool(b),
        }
    }
}

/// A method parameter: its name (for documentation and messages) and an optional default.
#[derive(Debug)]
pub struct ParamDef {
    pub name: &'static str,
    pub default: Option<DefaultValue>,
}

/// Shorthand for a required parameter.
pub const fn param(name: &'static str) -> ParamDef {
    ParamDef {
        name,
        default: None,
    }
}

/// Shorthand for a parameter with a default.
pub const fn param_or(name: &'static str, default: DefaultValue) -> ParamDef {
    ParamDef {
        name,
        default: Some(default),
    }
}

/// A method: names, parameters, and whether it returns a value (a function) or not (a procedure).
#[derive(Debug)]
pub struct MethodDef {
    pub en: &'static str,
    pub ru: &'static str,
    pub params: &'static [ParamDef],
    pub returns: bool,
}

/// Case-insensitive, Unicode-aware comparison (`найтикарту` matches `НайтиКарту`) without
/// allocating.
pub fn names_match(table_name: &str, asked: &str) -> bool {
    table_name
        .chars()
        .flat_map(char::to_lowercase)
        .eq(asked.chars().flat_map(char::to_lowercase))
}

/// Index of the entry whose English or Russian name matches.
pub fn find_name<'a, T: 'a>(
    entries: &'a [T],
    names: impl Fn(&T) -> (&str, &str),
    asked: &str,
) -> Option<usize> {
    entries.iter().position(|e| {
        let (en, ru) = names(e);
        names_match(en, asked) || names_match(ru, asked)
    })
}

/// The host as a component sees it during a call: the connection (until `Done`) and the memory
/// manager. Every service is optional: the host may not offer it.
#[derive(Clone, Copy, Debug, Default)]
pub struct Host {
    pub(crate) connection: Option<Connection>,
    pub(crate) memory: Option<MemoryManager>,
}

impl Host {
    pub fn connection(&self) -> Option<&Connection> {
        self.connection.as_ref()
    }

    pub fn memory(&self) -> Option<&MemoryManager> {
        self.memory.as_ref()
    }

    pub fn external_event(&self, source: &str, message: &str, data: &str) -> bool {
        self.connection
            .is_some_and(|c| c.external_event(source, message, data))
    }

    pub fn set_status_line(&self, text: &str) -> bool {
        self.connection.is_some_and(|c| c.set_status_line(text))
    }

    pub fn reset_status_line(&self) {
        if let Some(c) = self.connection {
            c.reset_status_line();
        }
    }

    pub fn set_event_buffer_depth(&self, depth: i32) -> bool {
        self.connection
            .is_some_and(|c| c.set_event_buffer_depth(depth.into()))
    }

    pub fn msg_box(&self) -> Option<MsgBox> {
        self.connection.and_then(|c| c.msg_box())
    }

    pub fn platform_info(&self) -> Option<PlatformInfo> {
        self.connection.and_then(|c| c.platform_info())
    }

    pub fn attached_info(&self) -> Option<c_int> {
        self.connection.and_then(|c| c.attached_info())
    }
}

/// The parameters of one `CallAsProc`/`CallAsFunc`, read lazily so the component decides what a
/// wrong type means. Positions past what the host passed read as `Empty`.
pub struct Args<'a> {
    params: &'a mut [TVariant],
    memory: Option<MemoryManager>,
    /// The object's reused buffer for [`Args::with_text`].
    text: Option<&'a RefCell<String>>,
}

impl<'a> Args<'a> {
    pub(crate) fn new(params: &'a mut [TVariant], memory: Option<MemoryManager>) -> Args<'a> {
        Args {
            params,
            memory,
            text: None,
        }
    }

    /// Lets [`Args::with_text`] decode into `buffer`, kept by the object between calls.
    pub(crate) fn with_text_buffer(mut self, buffer: &'a RefCell<String>) -> Args<'a> {
        self.text = Some(buffer);
        self
    }

    /// How many parameters the host passed.
    pub fn len(&self) -> usize {
        self.params.len()
    }

    pub fn is_empty(&self) -> bool {
        self.params.is_empty()
    }

    pub fn get(&self, i: usize) -> Result<Value, VariantError> {
        match self.params.get(i) {
            // SAFETY: the slice element is a live host tVariant for the duration of the call.
            Some(p) => unsafe { variant::read(p) },
            None => Ok(Value::Empty),
        }
    }

    /// Calls `f` with parameter `i`: a string's text, decoded into the object's reused buffer (no
    /// allocation once the buffer has grown), or any other value as [`Args::get`] reads it.
    #[inline]
    pub fn with_text<R>(
        &self,
        i: usize,
        f: impl FnOnce(Param<'_>) -> R,
    ) -> Result<R, VariantError> {
        let Some(p) = self.params.get(i) else {
            return Ok(f(Param::Other(Value::Empty)));
        };
        // A nested call (the buffer already lent out) decodes into a buffer of its own.
        let mut kept = self.text.and_then(|t| t.try_borrow_mut().ok());
        let mut own = String::new();
        let buffer = kept.as_deref_mut().unwrap_or(&mut own);
        // SAFETY: the slice element is a live host tVariant for the duration of the call.
        let result = unsafe { variant::read_into(p, buffer) }.map(f);
        if buffer.capacity() > MAX_KEPT_TEXT {
            *buffer = String::new();
        }
        result
    }

    /// Calls `f` with parameter `i` as UTF-16 where the host holds it (no copy) when it is a
    /// PWSTR, else as [`Args::with_text`] gives it: for a method that reads its text unit by unit.
    #[inline]
    pub fn with_utf16<R>(
        &self,
        i: usize,
        f: impl FnOnce(Result<&[u16], Param<'_>>) -> R,
    ) -> Result<R, VariantError> {
        // SAFETY: a live host tVariant for the duration of the call.
        match self
            .params
            .get(i)
            .map(|p| unsafe { variant::read_utf16(p) })
        {
            Some(Ok(Some(units))) => Ok(f(Ok(units))),
            Some(Err(e)) => Err(e),
            _ => self.with_text(i, |param| f(Err(param))),
        }
    }

    /// Writes an in/out parameter (the caller's 1C variable changes). The old value is freed
    /// only when its type owns memory.
    pub fn set(&mut self, i: usize, value: &Value) -> Result<(), VariantError> {
        let memory = self.memory;
        match self.params.get_mut(i) {
            // SAFETY: a live, writable host tVariant; its old string came from the host allocator.
            Some(p) => unsafe { variant::replace(p, value, memory.as_ref()) },
            None => Ok(()),
        }
    }
}

/// A failed call: the message for `AddError` (already in the user's language).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure(pub String);

/// A 1C Native API component. The Native API layer owns the vtables and memory rules; the
/// component only sees names, values and the host's services.
pub trait AddIn {
    /// The name for `RegisterExtensionAs` (`New("AddIn.<attach name>.<this>")`).
    fn extension_name(&self) -> &'static str;
    /// The `source` of `AddError` messages.
    fn error_source(&self) -> &'static str;
    fn props(&self) -> &'static [PropDef];
    fn methods(&self) -> &'static [MethodDef];

    fn get_prop(&mut self, num: usize, host: &Host) -> Result<Value, Failure>;
    /// A readable property whose value never changes (a version): its UTF-16, prepared once,
    /// is copied to the host without calling `get_prop`.
    fn fixed_prop(&self, _num: usize) -> Option<&'static U16Str> {
        None
    }
    fn set_prop(&mut self, num: usize, value: Value, host: &Host) -> Result<(), Failure>;
    /// Runs a method; procedures return `Value::Empty`.
    fn call(&mut self, num: usize, args: &mut Args<'_>, host: &Host) -> Result<Value, Failure>;
    /// A function of one string to a string that needs nothing else (no host service, no other
    /// parameter): when the host passes a string, [`AddIn::call_text`] gets its UTF-16 where it
    /// lies and writes the answer's, with no `Args` or `Value` made. Asked once, at creation.
    fn is_text_function(&self, _num: usize) -> bool {
        false
    }
    /// Runs a text function (see [`AddIn::is_text_function`]) on its one parameter, appending
    /// its answer to `answer` (empty on entry, and kept between calls: no allocation once it
    /// has grown). It must answer exactly as [`AddIn::call`] would with that string.
    fn call_text(
        &mut self,
        _num: usize,
        _text: &[u16],
        _answer: &mut Vec<u16>,
    ) -> Result<(), Failure> {
        Err(Failure("not a text function".to_owned()))
    }

    /// A panic was caught inside this component: return the message to show (and record it).
    fn internal_error(&mut self, detail: &str) -> String {
        format!("internal error: {detail}")
    }

    /// A value the host passed could not be read (an unsupported `vt`, a broken string): return
    /// the message to show (and record it). This is bad input, not a bug.
    fn bad_value(&mut self, err: &VariantError) -> String {
        format!("bad value: {err}")
    }

    /// The platform's locale (`ru_RU`, `rus_RUS`, `en_US`, …).
    fn set_locale(&mut self, _locale: &str) {}
    /// The interface language code (`ru`, `en`).
    fn set_user_interface_language(&mut self, _code: &str) {}
    /// `Done()`: the host is going away; no event may be sent after this.
    fn done(&mut self) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_any_case_including_cyrillic() {
        assert!(names_match("НайтиКарту", "найтикарту"));
        assert!(names_match("НайтиКарту", "НАЙТИКАРТУ"));
        assert!(names_match("FindCard", "fINDcARD"));
        assert!(names_match("КлючAPI", "ключapi"));
        assert!(!names_match("FindCard", "FindCar"));
        assert!(!names_match("FindCard", "FindCards"));
        assert!(!names_match("FindCard", ""));
    }

    #[test]
    fn find_name_checks_both_aliases() {
        let table = [("Version", "Версия"), ("Mode", "Режим")];
        assert_eq!(find_name(&table, |e| (e.0, e.1), "режим"), Some(1));
        assert_eq!(find_name(&table, |e| (e.0, e.1), "VERSION"), Some(0));
        assert_eq!(find_name(&table, |e| (e.0, e.1), "nothing"), None);
    }
}
