//! The `BonusPlus` 1C object: the contract's names, and each call mapped onto the loyalty code.

use crate::error::{Error, ErrorCode};
use crate::i18n::Lang;
use crate::native::{param, AddIn, Args, Failure, Host, MethodDef, PropDef, Value};

/// The component's one table of property names (order = index the platform uses).
static PROPS: &[PropDef] = &[
    PropDef {
        en: "Version",
        ru: "Версия",
        readable: true,
        writable: false,
    },
    PropDef {
        en: "LastError",
        ru: "ПоследняяОшибка",
        readable: true,
        writable: false,
    },
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Prop {
    Version,
    LastError,
}

/// Same order as `PROPS`.
const PROP_IDS: [Prop; 2] = [Prop::Version, Prop::LastError];

/// The component's one table of method names (order = index the platform uses).
static METHODS: &[MethodDef] = &[MethodDef {
    en: "NormalizePhone",
    ru: "НормализоватьТелефон",
    params: &[param("Text")],
    returns: true,
}];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Method {
    NormalizePhone,
}

/// Same order as `METHODS`.
const METHOD_IDS: [Method; 1] = [Method::NormalizePhone];

/// One `BonusPlus` object. Objects share nothing: each has its own settings and state.
pub struct BonusPlus {
    lang: Lang,
    /// `""` after a successful call, else `{"code":…,"message":…}`.
    last_error: String,
}

impl BonusPlus {
    pub fn new() -> BonusPlus {
        BonusPlus {
            lang: Lang::Ru,
            last_error: String::new(),
        }
    }

    pub fn create() -> Box<dyn AddIn> {
        Box::new(BonusPlus::new())
    }

    /// Records `err` as `LastError` and turns it into the message 1C shows.
    fn fail(&mut self, err: Error) -> Failure {
        let mut json =
            serde_json::json!({ "code": err.code.as_str(), "message": err.message(self.lang) });
        if let Some(service_code) = &err.service_code {
            json["serviceCode"] = serde_json::Value::from(service_code.as_str());
        }
        self.last_error = json.to_string();
        Failure(err.message(self.lang).to_owned())
    }

    fn dispatch(&mut self, method: Method, args: &Args<'_>) -> Result<Value, Error> {
        match method {
            Method::NormalizePhone => {
                let text = string_arg(args, 0, "Text")?;
                Ok(Value::String(crate::phone::normalize_phone(&text)?))
            }
        }
    }
}

impl Default for BonusPlus {
    fn default() -> Self {
        BonusPlus::new()
    }
}

/// Reads parameter `i` as a string; any other type is INVALID_ARGUMENT naming the parameter.
fn string_arg(args: &Args<'_>, i: usize, name: &str) -> Result<String, Error> {
    match args.get(i) {
        Ok(Value::String(s)) => Ok(s),
        Ok(_) => Err(Error::invalid(
            format!("Параметр «{name}» должен быть строкой"),
            format!("Parameter \"{name}\" must be a string"),
        )),
        Err(e) => Err(Error::invalid(
            format!("Параметр «{name}» не удалось прочитать: {e}"),
            format!("Parameter \"{name}\" could not be read: {e}"),
        )),
    }
}

impl AddIn for BonusPlus {
    fn extension_name(&self) -> &'static str {
        "BonusPlus"
    }

    fn error_source(&self) -> &'static str {
        "BonusPlus"
    }

    fn props(&self) -> &'static [PropDef] {
        PROPS
    }

    fn methods(&self) -> &'static [MethodDef] {
        METHODS
    }

    fn get_prop(&mut self, num: usize, _host: &Host) -> Result<Value, Failure> {
        Ok(match PROP_IDS[num] {
            Prop::Version => Value::String(env!("CARGO_PKG_VERSION").to_owned()),
            Prop::LastError => Value::String(self.last_error.clone()),
        })
    }

    fn set_prop(&mut self, num: usize, _value: Value, _host: &Host) -> Result<(), Failure> {
        // No property is writable yet; the platform checks IsPropWritable before calling.
        let name = PROPS[num].en;
        Err(self.fail(Error::invalid(
            format!("Свойство «{}» только для чтения", PROPS[num].ru),
            format!("Property \"{name}\" is read-only"),
        )))
    }

    fn call(&mut self, num: usize, args: &mut Args<'_>, _host: &Host) -> Result<Value, Failure> {
        match self.dispatch(METHOD_IDS[num], args) {
            Ok(v) => {
                self.last_error.clear();
                Ok(v)
            }
            Err(e) => Err(self.fail(e)),
        }
    }

    fn internal_error(&mut self, detail: &str) -> String {
        let err = Error::new(
            ErrorCode::Internal,
            format!("Внутренняя ошибка компоненты BonusPlus: {detail}"),
            format!("BonusPlus internal error: {detail}"),
        );
        self.fail(err).0
    }

    fn set_locale(&mut self, locale: &str) {
        self.lang = Lang::from_code(locale);
    }

    fn set_user_interface_language(&mut self, code: &str) {
        self.lang = Lang::from_code(code);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_tables_follow_the_name_tables() {
        assert_eq!(PROPS.len(), PROP_IDS.len());
        assert_eq!(METHODS.len(), METHOD_IDS.len());
        for (def, id) in PROPS.iter().zip(PROP_IDS) {
            assert_eq!(def.en, format!("{id:?}"));
        }
        for (def, id) in METHODS.iter().zip(METHOD_IDS) {
            assert_eq!(def.en, format!("{id:?}"));
            assert!(!def.ru.is_empty());
        }
    }
}
