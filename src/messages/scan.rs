//! What the cashier scans or types: scanner data, the card mask, phone numbers.

use super::{texts, Msg};

texts! {
    SCAN_EMPTY =
        "Пустые данные сканера: код карты, товара или телефон не распознан",
        "Empty scanner data: no card, product or phone found";
}

pub fn scan_too_long(max_chars: usize) -> Msg {
    Msg::new(
        format!("Слишком длинные данные сканера (больше {max_chars} символов)"),
        format!("Scanner data too long (over {max_chars} characters)"),
    )
}

pub fn ean_check_digit(length: usize, text: &str) -> Msg {
    Msg::new(
        format!("Неверная контрольная цифра штрихкода EAN-{length}: {text}"),
        format!("Wrong EAN-{length} check digit: {text}"),
    )
}

/// `shown`: the start of what was passed.
pub fn bad_phone(shown: &str) -> Msg {
    Msg::new(
        format!(
            "Некорректный номер телефона: «{shown}». Ожидается 11 цифр, например +7 900 111-22-33"
        ),
        format!("Invalid phone number: \"{shown}\". Expected 11 digits, e.g. +7 900 111-22-33"),
    )
}

/// A CardMask error: what is wrong ([`mask_too_long`], …) and an example.
pub fn card_mask(problem: Msg) -> Msg {
    Msg::new(
        format!("Маска карты: {}. Пример: 2*;46012345????", problem.ru),
        format!("Card mask: {}. Example: 2*;46012345????", problem.en),
    )
}

pub fn mask_too_long(max_chars: usize) -> Msg {
    Msg::new(
        format!("длиннее {max_chars} символов"),
        format!("longer than {max_chars} characters"),
    )
}

/// `shown`: the pattern cut to a readable length.
pub fn mask_pattern_blank(shown: &str) -> Msg {
    Msg::new(
        format!("шаблон «{shown}» содержит пробел или управляющий символ"),
        format!("pattern \"{shown}\" contains a space or a control character"),
    )
}

pub fn mask_star_not_last(shown: &str) -> Msg {
    Msg::new(
        format!("в шаблоне «{shown}» «*» допустима только в конце"),
        format!("in pattern \"{shown}\" '*' is allowed only at the end"),
    )
}
