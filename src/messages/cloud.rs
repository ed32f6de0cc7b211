//! Cloud mode: the BonusPlus address, key and certificate, the service's answers and failures,
//! what its API cannot do, the calculation's notes.

use super::{texts, Msg, Text};
use std::fmt::Display;

texts! {
    API_KEY_NOT_SET = "Не задан ключ API БонусПлюс (КлючAPI)", "No BonusPlus API key (ApiKey) is set";
    ADDRESS_BAD_HOST = "неверно указан хост", "malformed host";
    ADDRESS_PLAIN_HTTP_LOOPBACK_ONLY =
        "незащищённый http:// разрешён только для локального адреса",
        "plain http:// is allowed only to a loopback host";
    CERTIFICATE_PIN_FORMAT =
        "СертификатСервера: ожидается отпечаток SHA-256 сертификата — 64 шестнадцатеричные цифры (двоеточия допускаются)",
        "ServerCertificate: expected the certificate's SHA-256 fingerprint, 64 hex digits (colons allowed)";
    CERTIFICATE_MISMATCH =
        "Сертификат сервера бонусов не совпадает с заданным в СертификатСервера (отпечаток SHA-256): соединение отклонено",
        "The loyalty server's certificate does not match ServerCertificate (SHA-256 fingerprint): connection refused";
    TIMEOUT_BEFORE_REQUEST =
        "Время ожидания (Таймаут) истекло до запроса к БонусПлюс",
        "The Timeout ran out before the BonusPlus request";
    CARD_OR_PHONE_REQUIRED = "Укажите номер карты или телефон", "Give a card number or a phone";
    NO_STORE_SET =
        "Не задан Магазин: БонусПлюс не узнает, где прошли расчёты и продажи",
        "No Store is set: BonusPlus will not know where calculations and sales happen";
    BINDING_CARD_TO_EXISTING =
        "Привязка карты к существующему клиенту",
        "Binding a card to an existing customer";
    BONUS_DEBIT_DENIED =
        "Этому покупателю списание бонусов запрещено",
        "This customer may not spend bonuses";
    CALCULATED_OFFLINE =
        "Нет связи с БонусПлюс: скидки и списание бонусов не применены; бонусы будут начислены, когда сервис снова будет доступен",
        "BonusPlus cannot be reached: no discount and no bonus payment; bonuses will be accrued when the service is back";
}

/// `shown`: the address cut to a readable length; `problem`: one of the `ADDRESS_…`
/// texts (here and in [`super::common`]).
pub fn bad_address(shown: &str, problem: Text) -> Msg {
    Msg::new(
        format!("Адрес сервера БонусПлюс «{shown}»: {}", problem.ru),
        format!("BonusPlus server address \"{shown}\": {}", problem.en),
    )
}

pub fn empty_answer(what: &str, status: impl Display) -> Msg {
    Msg::new(
        format!("Сервис БонусПлюс вернул пустой ответ ({what}, HTTP {status})"),
        format!("The BonusPlus service sent an empty answer ({what}, HTTP {status})"),
    )
}

pub fn unreadable_answer(what: &str, detail: &str) -> Msg {
    Msg::new(
        format!("Сервис БонусПлюс вернул нечитаемый ответ ({what}): {detail}"),
        format!("The BonusPlus service sent an unreadable answer ({what}): {detail}"),
    )
}

pub fn unknown_request(method: impl Display) -> Msg {
    Msg::new(
        format!("Внутренняя ошибка: неизвестный запрос {method}"),
        format!("Internal error: unknown request {method}"),
    )
}

pub fn malformed_http(detail: &str) -> Msg {
    Msg::new(
        format!("Сервис БонусПлюс ответил не по протоколу HTTP: {detail}"),
        format!("The BonusPlus service sent a malformed HTTP answer: {detail}"),
    )
}

pub fn unreachable(detail: &str) -> Msg {
    Msg::new(
        format!("Нет связи с сервисом БонусПлюс: {detail}"),
        format!("Cannot reach the BonusPlus service: {detail}"),
    )
}

/// The answers by HTTP status; `shown`: the service's own message, cleaned and cut.
pub fn key_refused(status: u16, shown: &str) -> Msg {
    Msg::new(
        format!("БонусПлюс отклонил ключ API (HTTP {status}): проверьте КлючAPI. {shown}"),
        format!("BonusPlus refused the API key (HTTP {status}): check ApiKey. {shown}"),
    )
}

pub fn refused(shown: &str) -> Msg {
    Msg::new(
        format!("БонусПлюс отказал: {shown}"),
        format!("BonusPlus refused: {shown}"),
    )
}

pub fn not_found(shown: &str) -> Msg {
    Msg::new(
        format!("БонусПлюс: не найдено (HTTP 404). {shown}"),
        format!("BonusPlus: not found (HTTP 404). {shown}"),
    )
}

pub fn service_error(status: u16, shown: &str) -> Msg {
    Msg::new(
        format!("Ошибка сервиса БонусПлюс (HTTP {status}): {shown}"),
        format!("BonusPlus service error (HTTP {status}): {shown}"),
    )
}

pub fn not_accepted(status: u16, shown: &str) -> Msg {
    Msg::new(
        format!("БонусПлюс не принял запрос (HTTP {status}): {shown}"),
        format!("BonusPlus did not accept the request (HTTP {status}): {shown}"),
    )
}

/// What the service's API has no method for (`what`: [`changing_fields`],
/// [`BINDING_CARD_TO_EXISTING`]).
pub fn no_api_method(what: Msg) -> Msg {
    Msg::new(
        format!(
            "{}: в API БонусПлюс нет такого метода; измените это в кабинете БонусПлюс",
            what.ru
        ),
        format!(
            "{}: the BonusPlus API has no method for this; change it in the BonusPlus cabinet",
            what.en
        ),
    )
}

pub fn changing_fields(keys: &str) -> Msg {
    Msg::new(
        format!("Изменение полей {keys}"),
        format!("Changing {keys}"),
    )
}

pub fn not_calculated_here(document_id: &str) -> Msg {
    Msg::new(
        format!("Документ {document_id} не рассчитывался этой компонентой"),
        format!("The document {document_id} was not calculated by this add-in"),
    )
}
