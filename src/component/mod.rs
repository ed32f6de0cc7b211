//! The `BonusPlus` 1C object: the contract's table of names, and each call mapped onto a loyalty
//! backend (the built-in engine on SQLite, or the BonusPlus cloud).
//!
//! Reading `dispatch` top to bottom follows a checkout: find the card, calculate the order,
//! reserve bonuses when the order is posted, fix the sale when the sale document is posted.

mod args;
mod json_text;
pub mod settings;

use crate::backend::{Backend, Clock, EmbeddedBackend, SystemClock};
use crate::contract;
use crate::engine::BonusPolicy;
use crate::error::{Error, ErrorCode};
use crate::i18n::Lang;
use crate::log::Log;
use crate::messages;
use crate::native::{param, AddIn, Args, Failure, Host, MethodDef, PropDef, Value};
use serde::Serialize;
use settings::{Mode, Settings};

const fn prop(en: &'static str, ru: &'static str, writable: bool) -> PropDef {
    PropDef {
        en,
        ru,
        readable: true,
        writable,
    }
}

const fn method(
    en: &'static str,
    ru: &'static str,
    params: &'static [crate::native::ParamDef],
) -> MethodDef {
    MethodDef {
        en,
        ru,
        params,
        returns: true,
    }
}

/// Declares the component's properties from one table, one entry per property:
/// `EnglishName "РусскоеИмя" writable;`. The order is the index the platform uses; the English name
/// is also the `Prop` variant, so the name table and the ids cannot drift apart.
macro_rules! properties {
    ($($en:ident $ru:literal $writable:literal;)*) => {
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        enum Prop {
            $($en,)*
        }
        static PROPS: &[PropDef] = &[$(prop(stringify!($en), $ru, $writable),)*];
        const PROP_IDS: &[Prop] = &[$(Prop::$en,)*];
    };
}

/// Declares the component's methods from one table, one entry per method:
/// `EnglishName "РусскоеИмя" ["Param", …];`, in the platform's index order.
macro_rules! methods {
    ($($en:ident $ru:literal [$($param:literal),*];)*) => {
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        enum Method {
            $($en,)*
        }
        static METHODS: &[MethodDef] = &[$(method(stringify!($en), $ru, &[$(param($param)),*]),)*];
        const METHOD_IDS: &[Method] = &[$(Method::$en,)*];
    };
}

impl Method {
    /// The English name from the table of names (a method's number is its place there), as
    /// `Debug` writes it, without formatting.
    fn name(self) -> &'static str {
        METHODS[self as usize].en
    }
}

properties! {
    Version "Версия" false;
    Mode "Режим" true;
    ServerAddress "АдресСервера" true;
    ApiKey "КлючAPI" true;
    Timeout "Таймаут" true;
    DataDirectory "КаталогДанных" true;
    Store "Магазин" true;
    CashierCode "КодКассира" true;
    LastError "ПоследняяОшибка" false;
    ServerCertificate "СертификатСервера" true;
    CardMask "МаскаКарты" true;
    OfflineCalculation "РасчетБезСвязи" true;
}

methods! {
    NormalizePhone "НормализоватьТелефон" ["Text"];
    ParseScan "РазобратьСканирование" ["Data"];
    FindCard "НайтиКарту" ["CardCode", "Phone"];
    SendCode "ОтправитьКод" ["Phone"];
    CheckCode "ПроверитьКод" ["Phone", "Code"];
    RegisterCustomer "ЗарегистрироватьКлиента" ["Phone", "CardCode", "CustomerData"];
    UpdateCustomer "ИзменитьКлиента" ["Phone", "CustomerData"];
    BindCard "ПривязатьКарту" ["Phone", "CardCode"];
    Calculate "РассчитатьСкидки" ["Order"];
    Reserve "ЗарезервироватьБонусы" ["DocumentId", "Phone", "Amount"];
    CancelReserve "ОтменитьРезерв" ["DocumentId"];
    FixSale "ЗафиксироватьПродажу" ["Sale"];
    ReturnSale "ОформитьВозврат" ["Return"];
    BonusInfo "ИнформацияОБонусах" ["DocumentId"];
    UploadProducts "ВыгрузитьНоменклатуру" ["Products"];
    PendingCount "КоличествоОтложенных" [];
    SendPending "ОтправитьОтложенные" [];
    PendingItems "ОтложенныеДокументы" [];
    RetryPending "ПовторитьОтложенный" ["DocumentId"];
    ConfirmPending "ПодтвердитьОтложенный" ["DocumentId", "Posted"];
    DropPending "УдалитьОтложенный" ["DocumentId"];
    CheckConnection "ПроверитьПодключение" [];
    SetPolicy "УстановитьПолитику" ["Policy"];
    GetPolicies "ПолучитьПолитики" [];
}

/// One `BonusPlus` object. Objects share nothing: each has its own settings, backend and log.
pub struct BonusPlus {
    lang: Lang,
    /// `""` after a successful call, else `{"code":…,"message":…}`.
    last_error: String,
    settings: Settings,
    /// Opened on first use; dropped whenever a setting it depends on changes.
    backend: Option<Box<dyn Backend>>,
    log: Option<Log>,
}

impl BonusPlus {
    pub fn new() -> BonusPlus {
        BonusPlus {
            lang: Lang::Ru,
            last_error: String::new(),
            settings: Settings::default(),
            backend: None,
            log: None,
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

    /// The backend for the current settings, opened on first use.
    fn backend(&mut self) -> Result<&dyn Backend, Error> {
        if self.backend.is_none() {
            let backend: Box<dyn Backend> = match self.settings.mode {
                Mode::Embedded => Box::new(EmbeddedBackend::open(&self.settings.data_dir()?)?),
                Mode::Cloud => {
                    let mut cloud = crate::backend::CloudBackend::open_pinned(
                        crate::backend::CloudConfig {
                            server_address: self.settings.server_address.clone(),
                            api_key: crate::backend::ApiKey::new(self.settings.api_key.clone()),
                            timeout: std::time::Duration::from_secs(u64::from(
                                self.settings.timeout_seconds,
                            )),
                            store: self.settings.store.clone(),
                            cashier_code: self.settings.cashier_code.clone(),
                            data_dir: self.settings.data_dir()?,
                        },
                        self.settings.server_certificate,
                    )?;
                    cloud.set_offline_calculation(self.settings.offline_calculation);
                    Box::new(cloud)
                }
            };
            self.backend = Some(backend);
        }
        Ok(self.backend.as_deref().expect("opened above"))
    }

    /// A setting the backend depends on changed: the next call opens a fresh one.
    fn reset_backend(&mut self) {
        self.backend = None;
        self.log = None;
    }

    /// One line in the log, the message made of `parts` (see `Log::write`).
    fn log_line(&mut self, parts: &[&str]) {
        if self.log.is_none() {
            let Ok(dir) = self.settings.data_dir() else {
                return;
            };
            // Setting ApiKey drops the log (reset_backend), so the key registered here stays current.
            let mut log = Log::new(&dir);
            let key = self.settings.api_key.trim();
            let encoded = crate::backend::cloud::base64(key.as_bytes());
            log.set_secrets(&[key, &encoded, encoded.trim_end_matches('=')]);
            self.log = Some(log);
        }
        if let Some(log) = self.log.as_mut() {
            log.write_at(SystemClock.now(), parts);
        }
    }

    /// The end of every method call: success clears `LastError` (and is logged, but for the
    /// calls made per keystroke or scan); a failure is logged and becomes `LastError`.
    #[inline]
    fn finish<T>(&mut self, method: Method, result: Result<T, Error>) -> Result<T, Failure> {
        match result {
            Ok(v) => {
                self.last_error.clear();
                if !matches!(method, Method::NormalizePhone | Method::ParseScan) {
                    self.log_line(&[method.name(), " ok"]);
                }
                Ok(v)
            }
            Err(e) => Err(self.failed(method, e)),
        }
    }

    /// A method failed: logged, and `LastError` (out of line: the success path stays short).
    #[cold]
    #[inline(never)]
    fn failed(&mut self, method: Method, e: Error) -> Failure {
        let detail = e.detail.as_deref().unwrap_or_default();
        self.log_line(&[&format!("{method:?} {} {} {detail}", e.code, e.message_en)]);
        self.fail(e)
    }

    fn dispatch(&mut self, method: Method, args: &Args<'_>, host: &Host) -> Result<Value, Error> {
        match method {
            Method::NormalizePhone => args::with_utf16(args, 0, "Text", |text| {
                let phone = crate::phone::normalize_phone_utf16(text)?;
                Ok(Value::String(
                    phone.ascii().map(char::from).iter().collect(),
                ))
            }),
            Method::ParseScan => args::with_string(args, 0, "Data", false, |data| {
                let scan = crate::scan::parse_scan(data, &self.settings.card_mask)?;
                Ok(Value::String(json_text::scan_json(&scan)))
            }),

            // The checkout: find the card, calculate, reserve, fix the sale.
            Method::FindCard => {
                let card = contract::card(&args::string(args, 0, "CardCode", true)?)?;
                let phone = contract::optional_phone(&args::string(args, 1, "Phone", true)?)?;
                if card.is_empty() && phone.is_empty() {
                    return Err(Error::bad_input(
                        messages::component::CARD_CODE_OR_PHONE_REQUIRED,
                    ));
                }
                let found = self.backend()?.find_customer(&card, &phone)?;
                json_value(&match found {
                    Some(customer) => serde_json::json!({ "found": true, "customer": customer }),
                    None => serde_json::json!({ "found": false }),
                })
            }
            Method::Calculate => {
                // Straight from the host's UTF-16 when the order has 1C's plain shape; else
                // decoded, for the strict reader and its messages.
                let plain = args::with_utf16(args, 0, "Order", |units| {
                    Ok(contract::plain_order_utf16(units))
                })?;
                let order = match plain {
                    Some(checked) => checked?,
                    None => args::with_json(args, 0, "Order", contract::order)?,
                };
                let lang = self.lang;
                // Written by hand: the same text as `json_value` gives, a fraction of the cost.
                Ok(Value::String(
                    self.backend()?
                        .calculate_checked(order, lang)?
                        .to_json_text(),
                ))
            }
            Method::Reserve => {
                let document_id = document_id(args, 0)?;
                let phone = contract::phone(&args::string(args, 1, "Phone", false)?)?;
                let amount = args::amount(args, 2, "Amount")?;
                self.backend()?
                    .reserve(&document_id, &phone, amount.value())?;
                Ok(Value::Bool(true))
            }
            Method::CancelReserve => {
                let document_id = document_id(args, 0)?;
                self.backend()?.cancel_reserve(&document_id)?;
                Ok(Value::Bool(true))
            }
            Method::FixSale => {
                let sale = contract::sale(&args::json(args, 0, "Sale")?)?;
                json_value(&self.backend()?.fix_sale(&sale)?)
            }

            // Registration with SMS confirmation.
            Method::SendCode => {
                let phone = contract::phone(&args::string(args, 0, "Phone", false)?)?;
                self.backend()?.send_code(&phone)?;
                Ok(Value::Bool(true))
            }
            Method::CheckCode => {
                let phone = contract::phone(&args::string(args, 0, "Phone", false)?)?;
                let code = args::string(args, 1, "Code", false)?;
                Ok(Value::Bool(self.backend()?.check_code(&phone, &code)?))
            }
            Method::RegisterCustomer => {
                let phone = contract::phone(&args::string(args, 0, "Phone", false)?)?;
                let card = contract::card(&args::string(args, 1, "CardCode", true)?)?;
                let data = contract::customer_data(
                    &args::string(args, 2, "CustomerData", true)?,
                    SystemClock.now(),
                )?;
                json_value(&self.backend()?.register_customer(&phone, &card, &data)?)
            }
            Method::UpdateCustomer => {
                let phone = contract::phone(&args::string(args, 0, "Phone", false)?)?;
                let data = contract::customer_data(
                    &args::string(args, 1, "CustomerData", true)?,
                    SystemClock.now(),
                )?;
                json_value(&self.backend()?.update_customer(&phone, &data)?)
            }
            Method::BindCard => {
                let phone = contract::phone(&args::string(args, 0, "Phone", false)?)?;
                let card = contract::required_card(&args::string(args, 1, "CardCode", false)?)?;
                json_value(&self.backend()?.bind_card(&phone, &card)?)
            }

            // After the sale.
            Method::ReturnSale => {
                let request = contract::return_request(&args::json(args, 0, "Return")?)?;
                json_value(&self.backend()?.return_sale(&request)?)
            }
            Method::BonusInfo => {
                let document_id = document_id(args, 0)?;
                json_value(&self.backend()?.bonus_info(&document_id)?)
            }
            Method::UploadProducts => {
                let products = contract::products(&args::json(args, 0, "Products")?)?;
                let lang = self.lang;
                let backend = self.backend()?;
                let mut progress = |done: usize, total: usize| {
                    host.set_status_line(
                        messages::component::uploading_products(done, total).pick(lang),
                    );
                };
                let uploaded = backend.upload_products(&products, &mut progress);
                host.reset_status_line();
                json_value(&serde_json::json!({ "uploaded": uploaded? }))
            }
            Method::PendingCount => {
                let count = self.backend()?.pending_count()?;
                Ok(Value::Int(i64::try_from(count).unwrap_or(i64::MAX)))
            }
            Method::SendPending => json_value(&self.backend()?.send_pending()?),
            Method::PendingItems => json_value(&self.backend()?.pending_items()?),
            Method::RetryPending => {
                let document_id = document_id(args, 0)?;
                self.backend()?.retry_pending(&document_id)?;
                Ok(Value::Bool(true))
            }
            Method::ConfirmPending => {
                let document_id = document_id(args, 0)?;
                let posted = args::boolean(args, 1, "Posted")?;
                self.backend()?.confirm_pending(&document_id, posted)?;
                Ok(Value::Bool(true))
            }
            Method::DropPending => {
                let document_id = document_id(args, 0)?;
                self.backend()?.drop_pending(&document_id)?;
                Ok(Value::Bool(true))
            }
            Method::CheckConnection => {
                let lang = self.lang;
                json_value(&self.backend()?.check_connection_in(lang)?)
            }

            // The built-in program's bonus policies.
            Method::SetPolicy => {
                let policy = BonusPolicy::from_json(&args::json(args, 0, "Policy")?)?;
                self.backend()?.set_policy(policy)?;
                Ok(Value::Bool(true))
            }
            Method::GetPolicies => json_value(&self.backend()?.policies()?),
        }
    }

    fn read_prop(&self, prop: Prop) -> Value {
        let s = &self.settings;
        match prop {
            Prop::Version => Value::StaticText(widestring::u16str!(env!("CARGO_PKG_VERSION"))),
            Prop::Mode => Value::String(s.mode.as_str().to_owned()),
            Prop::ServerAddress => Value::String(s.server_address.clone()),
            Prop::ApiKey => Value::String(if s.api_key.is_empty() {
                String::new()
            } else {
                "***".to_owned()
            }),
            Prop::Timeout => Value::Int(i64::from(s.timeout_seconds)),
            Prop::DataDirectory => Value::String(
                s.data_dir()
                    .map(|d| d.display().to_string())
                    .unwrap_or_default(),
            ),
            Prop::Store => Value::String(s.store.clone()),
            Prop::CashierCode => Value::String(s.cashier_code.clone()),
            Prop::LastError => Value::String(self.last_error.clone()),
            Prop::ServerCertificate => {
                Value::String(s.server_certificate.map(|p| p.hex()).unwrap_or_default())
            }
            Prop::OfflineCalculation => Value::Bool(s.offline_calculation),
            Prop::CardMask => Value::String(s.card_mask.text()),
        }
    }

    fn write_prop(&mut self, prop: Prop, value: Value) -> Result<(), Error> {
        let name = PROPS[prop as usize].en;
        match prop {
            Prop::Mode => {
                let mode = Mode::parse(&args::string_value(value, name)?)?;
                if mode != self.settings.mode {
                    self.settings.mode = mode;
                    self.reset_backend();
                }
            }
            Prop::ServerAddress => {
                self.settings.server_address =
                    settings::validate_server_address(&args::string_value(value, name)?)?;
                self.reset_backend();
            }
            Prop::ApiKey => {
                self.settings.api_key = text_setting(value, name, 500)?;
                self.reset_backend();
            }
            Prop::Timeout => {
                self.settings.timeout_seconds =
                    settings::validate_timeout(args::integer(&value, name)?)?;
                self.reset_backend();
            }
            Prop::DataDirectory => {
                self.settings.data_directory = text_setting(value, name, 4096)?;
                self.reset_backend();
            }
            Prop::Store => {
                self.settings.store = text_setting(value, name, contract::MAX_ID_CHARS)?;
                self.reset_backend();
            }
            Prop::CashierCode => {
                self.settings.cashier_code = text_setting(value, name, contract::MAX_ID_CHARS)?;
                self.reset_backend();
            }
            Prop::ServerCertificate => {
                let text = args::string_value(value, name)?;
                self.settings.server_certificate = if text.trim().is_empty() {
                    None
                } else {
                    Some(crate::backend::cloud::CertPin::parse(&text)?)
                };
                self.reset_backend();
            }
            Prop::OfflineCalculation => {
                self.settings.offline_calculation = match value {
                    Value::Bool(b) => b,
                    _ => {
                        return Err(Error::bad_input(
                            messages::component::property_expects_boolean(
                                PROPS[prop as usize].ru,
                                name,
                            ),
                        ))
                    }
                };
                self.reset_backend();
            }
            // Only ParseScan reads the mask: the backend stays open.
            Prop::CardMask => {
                self.settings.card_mask =
                    crate::scan::CardMask::parse(&args::string_value(value, name)?)?;
            }
            Prop::Version | Prop::LastError => {
                return Err(Error::bad_input(messages::component::property_read_only(
                    PROPS[prop as usize].ru,
                    name,
                )))
            }
        }
        Ok(())
    }
}

impl Default for BonusPlus {
    fn default() -> Self {
        BonusPlus::new()
    }
}

/// The JSON string 1C gets, numbers in their shortest exact form (see json_text.rs).
fn json_value<T: Serialize>(value: &T) -> Result<Value, Error> {
    json_text::to_json(value).map(Value::String).map_err(|e| {
        Error::of(
            ErrorCode::Internal,
            messages::component::json_encoding_failed(e),
        )
    })
}

/// A text property, trimmed, by the boundary's text rule (no control characters: they would end
/// up in HTTP headers and file paths). The message never shows the value (it may be the API key).
fn text_setting(value: Value, name: &str, max_chars: usize) -> Result<String, Error> {
    let text = args::string_value(value, name)?.trim().to_owned();
    contract::text(&text, name, max_chars)?;
    Ok(text)
}

/// The `DocumentId` parameter, by the boundary's id rule (trimmed, 1 to 200 characters).
fn document_id(args: &Args<'_>, i: usize) -> Result<String, Error> {
    contract::document_id(&args::string(args, i, "DocumentId", false)?, "DocumentId")
}

/// The methods of one string parameter that need nothing else: answered straight from the
/// host's UTF-16 (`AddIn::call_text`, which runs each of them), and through `dispatch` when the
/// parameter comes as another type.
const TEXT_FUNCTIONS: &[Method] = &[Method::NormalizePhone];

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
        Ok(self.read_prop(PROP_IDS[num]))
    }

    fn fixed_prop(&self, num: usize) -> Option<&'static widestring::U16Str> {
        (PROP_IDS.get(num) == Some(&Prop::Version))
            .then(|| widestring::u16str!(env!("CARGO_PKG_VERSION")))
    }

    fn set_prop(&mut self, num: usize, value: Value, _host: &Host) -> Result<(), Failure> {
        match self.write_prop(PROP_IDS[num], value) {
            Ok(()) => {
                self.last_error.clear();
                Ok(())
            }
            Err(e) => Err(self.fail(e)),
        }
    }

    fn call(&mut self, num: usize, args: &mut Args<'_>, host: &Host) -> Result<Value, Failure> {
        let method = METHOD_IDS[num];
        let result = self.dispatch(method, args, host);
        self.finish(method, result)
    }

    fn is_text_function(&self, num: usize) -> bool {
        METHOD_IDS
            .get(num)
            .is_some_and(|method| TEXT_FUNCTIONS.contains(method))
    }

    fn call_text(
        &mut self,
        num: usize,
        text: &[u16],
        answer: &mut Vec<u16>,
    ) -> Result<(), Failure> {
        let method = METHOD_IDS[num];
        let result = match method {
            Method::NormalizePhone => match crate::phone::phone_utf16(text) {
                Some(phone) => {
                    phone.push_utf16(answer);
                    Ok(())
                }
                None => Err(crate::phone::bad_phone_utf16(text)),
            },
            _ => Err(Error::of(
                ErrorCode::Internal,
                messages::component::internal_error("not a text function"),
            )),
        };
        self.finish(method, result)
    }

    fn internal_error(&mut self, detail: &str) -> String {
        let err = Error::of(
            ErrorCode::Internal,
            messages::component::internal_error(detail),
        );
        self.log_line(&["INTERNAL ", detail]);
        self.fail(err).0
    }

    fn bad_value(&mut self, err: &crate::native::VariantError) -> String {
        self.fail(Error::bad_input(messages::component::value_unreadable(err)))
            .0
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
    fn numbers_reach_1c_in_their_shortest_exact_form() {
        let value = serde_json::json!({"a": [1, 2.5]});
        let parsed: serde_json::Value =
            serde_json::from_str(r#"{"x":100.00,"y":[80.60,0.10,3]}"#).unwrap();
        let Value::String(text) = json_value(&parsed).unwrap() else {
            panic!()
        };
        assert_eq!(text, r#"{"x":100,"y":[80.6,0.1,3]}"#);
        let Value::String(text) = json_value(&value).unwrap() else {
            panic!()
        };
        assert_eq!(text, r#"{"a":[1,2.5]}"#);
    }

    #[test]
    fn one_table_gives_names_ids_and_indexes() {
        assert_eq!(PROPS.len(), PROP_IDS.len());
        assert_eq!(METHODS.len(), METHOD_IDS.len());
        for (i, (def, id)) in PROPS.iter().zip(PROP_IDS).enumerate() {
            assert_eq!(def.en, format!("{id:?}"));
            assert_eq!(*id as usize, i);
            assert!(!def.ru.is_empty());
        }
        for (i, (def, id)) in METHODS.iter().zip(METHOD_IDS).enumerate() {
            assert_eq!(def.en, format!("{id:?}"));
            assert_eq!(*id as usize, i);
            assert!(!def.ru.is_empty());
        }
        let reserve = &METHODS[Method::Reserve as usize];
        assert_eq!(reserve.ru, "ЗарезервироватьБонусы");
        let params: Vec<&str> = reserve.params.iter().map(|p| p.name).collect();
        assert_eq!(params, ["DocumentId", "Phone", "Amount"]);
        assert!(PROPS[Prop::Mode as usize].writable && !PROPS[Prop::Version as usize].writable);
    }

    /// `call_text` (the host's UTF-16 read where it lies) answers exactly as `call` does with
    /// the same string as a parameter: the value, the message for 1C, and `LastError`.
    #[test]
    fn a_text_function_answers_as_the_generic_call_does() {
        use crate::native::types::{vt, TVariant, WStrVal};
        let dir = std::env::temp_dir().join(format!("bp-text-fn-{}", std::process::id()));
        let mut bp = BonusPlus::new();
        bp.settings.data_directory = dir.display().to_string();
        let num = Method::NormalizePhone as usize;
        assert!(bp.is_text_function(num));
        assert!(!bp.is_text_function(Method::ParseScan as usize));
        assert!(!bp.is_text_function(METHODS.len()));

        let mut cases: Vec<Vec<u16>> = [
            "8 (900) 111-22-33",
            "+7 900 111 22 33",
            "9001112233",
            "12345",
            "",
            "abc",
            "8 900 111 22 33 44",
            "\u{ff18}\u{ff19}\u{ff10}\u{ff10}1112233",
        ]
        .iter()
        .map(|t| t.encode_utf16().collect())
        .collect();
        cases.push(vec![0x37, 0xD800, 0x39]); // a lone surrogate
        let host = Host::default();
        for units in &cases {
            bp.last_error = "stale".to_owned();
            let mut answer = Vec::new();
            let lean = bp
                .call_text(num, units, &mut answer)
                .map(|()| Value::String(String::from_utf16(&answer).unwrap()));
            let lean_error = std::mem::replace(&mut bp.last_error, "stale".to_owned());
            let mut param = TVariant::empty();
            param.vt = vt::PWSTR;
            param.u.ws = WStrVal {
                ptr: units.as_ptr().cast_mut(),
                len: units.len() as u32,
            };
            let mut params = [param];
            let generic = bp.call(num, &mut Args::new(&mut params, None), &host);
            assert_eq!(lean, generic, "{:?}", String::from_utf16_lossy(units));
            assert_eq!(lean_error, bp.last_error);
            assert!(
                lean.is_ok() || answer.is_empty(),
                "a failure answers nothing"
            );
        }
        let mut answer = Vec::new();
        let phone: Vec<u16> = "8 (900) 111-22-33".encode_utf16().collect();
        assert_eq!(bp.call_text(num, &phone, &mut answer), Ok(()));
        assert_eq!(String::from_utf16(&answer).unwrap(), "79001112233");
        assert!(bp.last_error.is_empty());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
