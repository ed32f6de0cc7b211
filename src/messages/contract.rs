//! The input checks at the boundary: fields, amounts, documents, customer data.

use super::{texts, Msg};
use std::fmt::Display;

texts! {
    DOCUMENT_ID_REQUIRED = "нужен идентификатор документа", "a document id is required";
    CARD_NOT_GIVEN = "не указан номер карты", "no card number given";
    SALE_ID_REQUIRED = "нужен идентификатор документа продажи", "the sale's document id is required";
    SALE_DEBIT_REQUIRED =
        "в продаже обязательно число списанных бонусов (0, если не списывались)",
        "a Sale needs the number of bonuses spent (0 when none)";
    PRODUCT_ID_REQUIRED = "нужен код номенклатуры", "a product id is required";
    GENDER_EXPECTED = "ожидается \"male\", \"female\" или \"\"", "expected \"male\", \"female\" or \"\"";
    BIRTH_DATE_RANGE =
        "дата рождения не раньше 1900 года и не в будущем",
        "a birth date from 1900 up to today";
}

/// An input error naming the field.
pub fn field(field: &str, what: Msg) -> Msg {
    Msg::new(
        format!("Поле «{field}»: {}", what.ru),
        format!("Field \"{field}\": {}", what.en),
    )
}

pub fn text_too_long(max_chars: usize) -> Msg {
    Msg::new(
        format!("текст длиннее {max_chars} символов"),
        format!("the text is longer than {max_chars} characters"),
    )
}

pub fn control_char(c: char) -> Msg {
    Msg::new(
        format!("недопустимый управляющий символ U+{:04X}", u32::from(c)),
        format!("a control character U+{:04X} is not allowed", u32::from(c)),
    )
}

pub fn card_too_long(max_chars: usize) -> Msg {
    Msg::new(
        format!("номер карты длиннее {max_chars} символов"),
        format!("the card number is longer than {max_chars} characters"),
    )
}

/// `shown` is the card as the message may show it (cut and escaped).
pub fn card_control_char(shown: &str) -> Msg {
    Msg::new(
        format!("недопустимый символ в номере карты «{shown}»"),
        format!("a control character in the card number \"{shown}\""),
    )
}

pub fn date_out_of_range(value: impl Display) -> Msg {
    Msg::new(
        format!("дата {value} вне допустимого диапазона (2000–2100)"),
        format!("the date {value} is out of range (2000 to 2100)"),
    )
}

pub fn amount_negative(value: impl Display) -> Msg {
    Msg::new(
        format!("сумма не может быть отрицательной, получено {value}"),
        format!("the amount cannot be negative, got {value}"),
    )
}

pub fn amount_decimals(value: impl Display) -> Msg {
    Msg::new(
        format!("сумма должна быть не больше чем с 2 знаками после запятой, получено {value}"),
        format!("the amount must have at most 2 decimals, got {value}"),
    )
}

pub fn amount_over_limit(value: impl Display, limit: impl Display) -> Msg {
    Msg::new(
        format!("сумма {value} больше допустимой ({limit})"),
        format!("the amount {value} exceeds the limit ({limit})"),
    )
}

pub fn quantity_not_positive(value: impl Display) -> Msg {
    Msg::new(
        format!("количество должно быть больше нуля, получено {value}"),
        format!("the quantity must be above zero, got {value}"),
    )
}

pub fn quantity_out_of_range(value: impl Display) -> Msg {
    Msg::new(
        format!("количество — не больше 10^9 и не больше 3 знаков после запятой, получено {value}"),
        format!("the quantity must be at most 10^9 with at most 3 decimals, got {value}"),
    )
}

pub fn return_lines_count(max: usize) -> Msg {
    Msg::new(
        format!("нужны строки (от 1 до {max})"),
        format!("1 to {max} lines are required"),
    )
}

pub fn return_line_twice(line_no: impl Display) -> Msg {
    Msg::new(
        format!("строка {line_no} указана дважды"),
        format!("line {line_no} is given twice"),
    )
}

pub fn too_many_products(max: usize) -> Msg {
    Msg::new(
        format!("больше {max} элементов за один вызов"),
        format!("more than {max} items in one call"),
    )
}

/// `shown`: the id as the message may show it.
pub fn product_id_repeated(shown: &str) -> Msg {
    Msg::new(
        format!("код «{shown}» повторяется"),
        format!("the id \"{shown}\" is repeated"),
    )
}

/// `shown`: the address as the message may show it.
pub fn bad_email(shown: &str) -> Msg {
    Msg::new(
        format!("некорректный адрес почты «{shown}»"),
        format!("invalid e-mail \"{shown}\""),
    )
}

/// A 1C parameter that must hold JSON got an empty string.
pub fn empty_json_parameter(name: &str) -> Msg {
    Msg::new(
        format!("Параметр «{name}»: пустая строка, ожидается JSON"),
        format!("Parameter \"{name}\": empty string, expected JSON"),
    )
}
