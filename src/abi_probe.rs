//! `AbiProbe`: a tiny component that exists to prove the Native API layer from our own C++ host.
//!
//! It exists only with the feature `probe` (the test build of the library, never the shipped one),
//! is not listed in `GetClassNames`, and `GetClassObject("AbiProbe")` creates it. It echoes every value type back, writes in/out parameters, panics on request, and reaches
//! each host service — things no real BonusPlus method should do.

use std::sync::atomic::{AtomicI64, Ordering};

use crate::native::{
    param, param_or, AddIn, Args, DefaultValue, Failure, Host, MethodDef, PropDef, Value,
};

pub const CLASS_NAME: &str = "AbiProbe";

static PROPS: &[PropDef] = &[
    PropDef {
        en: "Text",
        ru: "Текст",
        readable: true,
        writable: true,
    },
    PropDef {
        en: "Locale",
        ru: "Локаль",
        readable: true,
        writable: false,
    },
    PropDef {
        en: "Live",
        ru: "Живых",
        readable: true,
        writable: false,
    },
];

/// How many probe objects exist: lets the host see that each destruction path drops exactly once.
static LIVE: AtomicI64 = AtomicI64::new(0);

static METHODS: &[MethodDef] = &[
    MethodDef {
        en: "Echo",
        ru: "Эхо",
        params: &[param("Value")],
        returns: true,
    },
    MethodDef {
        en: "Sum",
        ru: "Сумма",
        params: &[param("A"), param("B")],
        returns: true,
    },
    MethodDef {
        en: "SetOut",
        ru: "УстановитьВыход",
        params: &[param("Target"), param("Value")],
        returns: false,
    },
    MethodDef {
        en: "Panic",
        ru: "Паника",
        params: &[],
        returns: false,
    },
    MethodDef {
        en: "Fail",
        ru: "Ошибка",
        params: &[param("Message")],
        returns: true,
    },
    MethodDef {
        en: "Greet",
        ru: "Приветствие",
        params: &[
            param("Name"),
            param_or("Greeting", DefaultValue::Str("Привет")),
        ],
        returns: true,
    },
    MethodDef {
        en: "Event",
        ru: "Событие",
        params: &[param("Data")],
        returns: true,
    },
    MethodDef {
        en: "Alert",
        ru: "Предупреждение",
        params: &[param("Text")],
        returns: true,
    },
    MethodDef {
        en: "PlatformVersion",
        ru: "ВерсияПлатформы",
        params: &[],
        returns: true,
    },
    MethodDef {
        en: "AttachedInfo",
        ru: "ТипПодключения",
        params: &[],
        returns: true,
    },
];

pub struct AbiProbe {
    text: String,
    locale: String,
}

impl AbiProbe {
    pub fn create() -> Box<dyn AddIn> {
        LIVE.fetch_add(1, Ordering::SeqCst);
        Box::new(AbiProbe {
            text: String::new(),
            locale: String::new(),
        })
    }
}

impl Drop for AbiProbe {
    fn drop(&mut self) {
        LIVE.fetch_sub(1, Ordering::SeqCst);
    }
}

fn arg(args: &Args<'_>, i: usize) -> Result<Value, Failure> {
    args.get(i)
        .map_err(|e| Failure(format!("parameter {}: {e}", i + 1)))
}

fn int(v: &Value) -> Result<i64, Failure> {
    match v {
        Value::Int(i) => Ok(*i),
        other => Err(Failure(format!("expected an integer, got {other:?}"))),
    }
}

impl AddIn for AbiProbe {
    fn extension_name(&self) -> &'static str {
        CLASS_NAME
    }

    fn error_source(&self) -> &'static str {
        CLASS_NAME
    }

    fn props(&self) -> &'static [PropDef] {
        PROPS
    }

    fn methods(&self) -> &'static [MethodDef] {
        METHODS
    }

    fn get_prop(&mut self, num: usize, _host: &Host) -> Result<Value, Failure> {
        Ok(match num {
            0 => Value::String(self.text.clone()),
            1 => Value::String(self.locale.clone()),
            _ => Value::Int(LIVE.load(Ordering::SeqCst)),
        })
    }

    fn set_prop(&mut self, _num: usize, value: Value, _host: &Host) -> Result<(), Failure> {
        match value {
            Value::String(s) => {
                self.text = s;
                Ok(())
            }
            other => Err(Failure(format!("Text takes a string, got {other:?}"))),
        }
    }

    fn call(&mut self, num: usize, args: &mut Args<'_>, host: &Host) -> Result<Value, Failure> {
        match METHODS[num].en {
            "Echo" => arg(args, 0),
            "Sum" => {
                let (a, b) = (int(&arg(args, 0)?)?, int(&arg(args, 1)?)?);
                a.checked_add(b)
                    .map(Value::Int)
                    .ok_or_else(|| Failure("overflow".into()))
            }
            "SetOut" => {
                let value = arg(args, 1)?;
                args.set(0, &value).map_err(|e| Failure(e.to_string()))?;
                Ok(Value::Empty)
            }
            "Panic" => panic!("deliberate panic in AbiProbe"),
            "Fail" => Err(Failure(match arg(args, 0)? {
                Value::String(s) => s,
                other => format!("{other:?}"),
            })),
            "Greet" => match (arg(args, 0)?, arg(args, 1)?) {
                (Value::String(name), Value::String(greeting)) => {
                    Ok(Value::String(format!("{greeting}, {name}!")))
                }
                (name, greeting) => Err(Failure(format!(
                    "Greet takes strings, got {name:?}, {greeting:?}"
                ))),
            },
            "Event" => {
                let Value::String(data) = arg(args, 0)? else {
                    return Err(Failure("Event takes a string".into()));
                };
                host.set_event_buffer_depth(16);
                host.set_status_line(&data);
                Ok(Value::Bool(host.external_event(CLASS_NAME, "Event", &data)))
            }
            "Alert" => {
                let Value::String(text) = arg(args, 0)? else {
                    return Err(Failure("Alert takes a string".into()));
                };
                Ok(Value::Bool(host.msg_box().is_some_and(|m| m.alert(&text))))
            }
            "PlatformVersion" => Ok(Value::String(
                host.platform_info().map(|i| i.version).unwrap_or_default(),
            )),
            "AttachedInfo" => Ok(Value::Int(host.attached_info().map_or(-1, i64::from))),
            _ => Err(Failure("unknown method".into())),
        }
    }

    fn set_locale(&mut self, locale: &str) {
        self.locale = locale.to_owned();
    }

    fn set_user_interface_language(&mut self, code: &str) {
        self.locale = format!("ui:{code}");
    }
}
