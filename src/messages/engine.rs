//! The built-in engine: the Order and the Policy as JSON, the calculation's notes.

use super::{texts, Msg};
use std::fmt::Display;

texts! {
    ORDER_NO_LINES = "в заказе нет ни одной строки", "the order has no lines";
    ORDER_NO_CUSTOMER =
        "укажите телефон (phone) или номер карты (cardNumber) покупателя",
        "give the customer's phone or card number (cardNumber)";
    ORDER_KEY_TWICE = "ключ указан дважды", "the key is given twice";
    ORDER_KEY_MISSING = "обязательный ключ отсутствует", "the required key is missing";
    ORDER_LINE_SUM_RANGE =
        "Заказ: сумма строки вне допустимого диапазона",
        "Order: a line sum is out of range";
    EXPECT_ORDER_DATE = "дата ГГГГ-ММ-ДДTЧЧ:ММ:СС", "a date YYYY-MM-DDTHH:MM:SS";
    EXPECT_GIFT_CARDS =
        "массив {\"id\": строка, \"paymentSum\": число}",
        "an array of {\"id\": string, \"paymentSum\": number}";
    EXPECT_LINE_NO = "целое число от 0 до 4294967295", "a whole number from 0 to 4294967295";
    EXPECT_POLICY_DATE = "дата \"ГГГГ-ММ-ДДTЧЧ:ММ:СС\"", "a date \"YYYY-MM-DDTHH:MM:SS\"";
    EXPECT_NUMBER_OR_NULL = "число или null", "a number or null";
    EXPECT_COUNT = "целое число от 0", "a whole number from 0";
    EXPECT_COUNT_OR_NULL = "целое число от 0 или null", "a whole number from 0 or null";
    RANGE_PERCENT = "от 0 до 100", "between 0 and 100";
    RANGE_DAYS = "не больше 36500 дней", "at most 36500 days";
    RANGE_RATE = "больше 0 (от 0.000001 до 1000000)", "above 0 (0.000001 to 1000000)";
    RANGE_YEARS = "в годах 1..9999", "within the years 1..9999";
    POLICY_NOT_OBJECT = "Политика должна быть объектом JSON", "The policy must be a JSON object";
}

pub fn order_bad_json(e: impl Display) -> Msg {
    Msg::new(
        format!("Некорректный JSON заказа: {e}"),
        format!("Malformed order JSON: {e}"),
    )
}

/// An Order error at its place (`lines`, `lines[2].sum (строка 3)`); the place in each language.
pub fn order_at(ru_place: &str, en_place: &str, what: Msg) -> Msg {
    Msg::new(
        format!("Заказ, {ru_place}: {}", what.ru),
        format!("Order, {en_place}: {}", what.en),
    )
}

/// A place inside an order line with its number: (Russian, English).
pub fn order_line_place(index: usize, key: &str, line_no: u32) -> (String, String) {
    (
        format!("lines[{index}].{key} (строка {line_no})"),
        format!("lines[{index}].{key} (lineNo {line_no})"),
    )
}

/// `shown`: the value received, cut to a readable length.
pub fn expected_got(expected: Msg, shown: &str) -> Msg {
    Msg::new(
        format!("ожидается {}, получено {shown}", expected.ru),
        format!("expected {}, got {shown}", expected.en),
    )
}

pub fn too_many_coupons(max: usize) -> Msg {
    Msg::new(
        format!("больше {max} купонов"),
        format!("more than {max} coupons"),
    )
}

pub fn document_sum_over_limit(sum: impl Display, limit: impl Display) -> Msg {
    Msg::new(
        format!("сумма документа {sum} больше допустимой ({limit})"),
        format!("the document sum {sum} exceeds the limit ({limit})"),
    )
}

pub fn line_no_repeated(line_no: u32, first: usize) -> Msg {
    Msg::new(
        format!("номер строки {line_no} повторяется (уже был в lines[{first}])"),
        format!("line number {line_no} is repeated (already in lines[{first}])"),
    )
}

pub fn too_many_gift_cards(max: usize) -> Msg {
    Msg::new(
        format!("больше {max} сертификатов"),
        format!("more than {max} certificates"),
    )
}

pub fn gift_card_without_id(index: usize) -> Msg {
    Msg::new(
        format!("у сертификата {index} нет номера (id)"),
        format!("certificate {index} has no id"),
    )
}

pub fn gift_card_twice(id: &str) -> Msg {
    Msg::new(
        format!("сертификат {id} указан дважды"),
        format!("certificate {id} is given twice"),
    )
}

pub fn gift_card_zero(id: &str) -> Msg {
    Msg::new(
        format!("сумма оплаты сертификатом {id} должна быть больше нуля"),
        format!("the payment by certificate {id} must be above zero"),
    )
}

pub fn gift_cards_over_receipt(total: impl Display, receipt: impl Display) -> Msg {
    Msg::new(
        format!("сертификатами оплачено {total}, больше суммы чека {receipt}"),
        format!("certificates pay {total}, more than the receipt's {receipt}"),
    )
}

pub fn too_many_lines(max: usize) -> Msg {
    Msg::new(
        format!("слишком много строк: больше {max}"),
        format!("too many lines: more than {max}"),
    )
}

pub fn number_not_exact(number: impl Display) -> Msg {
    Msg::new(
        format!("число {number} не представимо точно (слишком велико или слишком много знаков)"),
        format!("the number {number} cannot be held exactly (too large or too many decimals)"),
    )
}

pub fn unknown_order_key(key: &str) -> Msg {
    Msg::new(
        format!("неизвестный ключ \"{key}\""),
        format!("unknown key \"{key}\""),
    )
}

pub fn card_discount_range(percent: impl Display) -> Msg {
    Msg::new(
        format!("Скидка по карте discountPercent должна быть от 0 до 100, получено {percent}"),
        format!("The card's discountPercent must be between 0 and 100, got {percent}"),
    )
}

/// A requested `bonusDebit` capped at what may be spent (both modes give this note).
pub fn debit_capped(requested: impl Display, allowed: impl Display) -> Msg {
    Msg::new(
        format!("Запрошено списание {requested} бонусов, списать можно не больше {allowed}: списано {allowed}"),
        format!("{requested} bonuses were requested; at most {allowed} can be applied, so {allowed} were applied"),
    )
}

pub fn debit_rate_rounding(
    requested: impl Display,
    applied: impl Display,
    money: impl Display,
) -> Msg {
    Msg::new(
        format!("Запрошено {requested} бонусов; по курсу это {money} руб., для чего достаточно {applied}: списано {applied}"),
        format!("{requested} bonuses were requested; at the rate they are worth {money}, which {applied} bonuses cover: {applied} were applied"),
    )
}

pub fn policy_out_of_range(key: &str, value: impl Display, range: super::Text) -> Msg {
    Msg::new(
        format!("Политика: {key} должен быть {}, получено {value}", range.ru),
        format!("Policy: {key} must be {}, got {value}", range.en),
    )
}

pub fn policy_bad_json(e: impl Display) -> Msg {
    Msg::new(
        format!("Некорректный JSON политики: {e}"),
        format!("Malformed policy JSON: {e}"),
    )
}

pub fn policy_unknown_key(key: &str) -> Msg {
    Msg::new(
        format!("Политика: неизвестный ключ \"{key}\""),
        format!("Policy: unknown key \"{key}\""),
    )
}

pub fn policy_wrong_kind(key: &str, expected: super::Text, item: impl Display) -> Msg {
    Msg::new(
        format!(
            "Политика: {key} должен быть: {}, получено {item}",
            expected.ru
        ),
        format!("Policy: {key} must be {}, got {item}", expected.en),
    )
}

pub fn policy_invalid(e: impl Display) -> Msg {
    Msg::new(
        format!("Некорректная политика: {e}"),
        format!("Invalid policy: {e}"),
    )
}

pub fn policy_empty_code(key: &str, position: usize) -> Msg {
    Msg::new(
        format!("Политика: {key}[{position}] — пустой код товара"),
        format!("Policy: {key}[{position}] is an empty product code"),
    )
}
