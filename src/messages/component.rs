//! The 1C component itself: its parameters and properties, the settings' values, its own faults.

use super::{texts, Msg, Text};
use std::fmt::Display;

texts! {
    /// The modes' names as a property value may give them (lowercase).
    MODE_EMBEDDED = "встроенный", "embedded";
    MODE_CLOUD = "облако", "cloud";
    EXPECT_BOOLEAN = "Булево (Истина или Ложь)", "a boolean (true or false)";
    EXPECT_WHOLE_NUMBER = "целое число", "a whole number";
    ADDRESS_BAD_HOST = "не указан или неверно указан хост", "missing or malformed host";
    ADDRESS_PLAIN_HTTP_LOOPBACK_ONLY =
        "незащищённый http:// разрешён только для локального адреса (127.0.0.1, localhost, [::1])",
        "plain http:// is allowed only for a loopback host (127.0.0.1, localhost, [::1])";
    DATA_DIR_UNKNOWN =
        "Не задан каталог данных (КаталогДанных), и каталог пользователя не определён",
        "No data directory (DataDirectory) is set and the user's folder is unknown";
    CARD_CODE_OR_PHONE_REQUIRED =
        "Укажите код карты или телефон покупателя",
        "Give the card code or the customer's phone";
}

pub fn parameter_expected(name: &str, expected: Text) -> Msg {
    Msg::new(
        format!("Параметр «{name}»: ожидается {}", expected.ru),
        format!("Parameter \"{name}\": expected {}", expected.en),
    )
}

pub fn parameter_unreadable(name: &str, e: impl Display) -> Msg {
    Msg::new(
        format!("Параметр «{name}» не удалось прочитать ({e})"),
        format!("Parameter \"{name}\" could not be read ({e})"),
    )
}

pub fn value_unreadable(e: impl Display) -> Msg {
    Msg::new(
        format!("Значение не удалось прочитать: {e}"),
        format!("The value could not be read: {e}"),
    )
}

/// A property by its name in each language.
pub fn property_expects_boolean(ru_name: &str, en_name: &str) -> Msg {
    Msg::new(
        format!("Свойство «{ru_name}»: ожидается Булево"),
        format!("Property \"{en_name}\": expected a boolean"),
    )
}

pub fn property_read_only(ru_name: &str, en_name: &str) -> Msg {
    Msg::new(
        format!("Свойство «{ru_name}» только для чтения"),
        format!("Property \"{en_name}\" is read-only"),
    )
}

/// `shown`: the value cut to a readable length.
pub fn unknown_mode(shown: &str) -> Msg {
    Msg::new(
        format!("Неизвестный режим «{shown}»: ожидается \"embedded\" или \"cloud\""),
        format!("Unknown mode \"{shown}\": expected \"embedded\" or \"cloud\""),
    )
}

/// `shown`: the address cut to a readable length; `problem`: an `ADDRESS_…` text (here and in
/// [`super::common`]).
pub fn bad_server_address(shown: &str, problem: Text) -> Msg {
    Msg::new(
        format!("Адрес сервера «{shown}»: {}", problem.ru),
        format!("Server address \"{shown}\": {}", problem.en),
    )
}

pub fn timeout_out_of_range(seconds: i64) -> Msg {
    Msg::new(
        format!("Таймаут {seconds} с вне допустимого диапазона 1…300"),
        format!("Timeout {seconds} s is outside 1…300"),
    )
}

/// The status line while UploadProducts runs.
pub fn uploading_products(done: usize, total: usize) -> Msg {
    Msg::new(
        format!("БонусПлюс: выгрузка номенклатуры {done} из {total}"),
        format!("BonusPlus: uploading products {done} of {total}"),
    )
}

pub fn json_encoding_failed(e: impl Display) -> Msg {
    Msg::new(
        format!("Ошибка формирования JSON: {e}"),
        format!("JSON encoding failed: {e}"),
    )
}

pub fn internal_error(detail: &str) -> Msg {
    Msg::new(
        format!("Внутренняя ошибка компоненты BonusPlus: {detail}"),
        format!("BonusPlus internal error: {detail}"),
    )
}
