//! What both backends say alike: the documents' JSON, unknown customers and outbox items, the
//! policies only the built-in program takes, the SMS log.

use super::{texts, Msg, Text};
use std::fmt::Display;

texts! {
    CUSTOMER_DATA = "данных клиента", "customer data";
    RETURN = "возврата", "return";
    PRODUCTS = "номенклатуры", "products";
    POLICIES_EMBEDDED_ONLY =
        "Политики бонусов задаются только во встроенном режиме (Режим = \"embedded\")",
        "Bonus policies are set in embedded mode only (Mode = \"embedded\")";
}

/// `what`: whose JSON it is ([`CUSTOMER_DATA`], [`RETURN`], [`PRODUCTS`]).
pub fn bad_json(what: Text, detail: &str) -> Msg {
    Msg::new(
        format!("Некорректный JSON {}: {detail}", what.ru),
        format!("Invalid {} JSON: {detail}", what.en),
    )
}

pub fn no_outbox_item(document_id: &str) -> Msg {
    Msg::new(
        format!("В очереди отложенных нет документа {document_id}"),
        format!("No outbox item for the document {document_id}"),
    )
}

/// `who`: the card or phone asked for.
pub fn customer_not_found(who: &str) -> Msg {
    Msg::new(
        format!("Клиент не найден: {who}"),
        format!("Customer not found: {who}"),
    )
}

pub fn sms_log_failed(e: impl Display) -> Msg {
    Msg::new(
        format!("Не удалось записать код SMS в журнал: {e}"),
        format!("Could not write the SMS code to the log: {e}"),
    )
}
