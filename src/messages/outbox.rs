//! Cloud mode's outbox: its file, its items' states, the deliveries the service refused.

use super::{texts, Msg};
use std::fmt::Display;

texts! {
    DATA_DIR_NOT_SET =
        "Не задан каталог данных (КаталогДанных) для отложенных продаж",
        "No data directory (DataDirectory) for the outbox";
}

pub fn file_error(e: impl Display) -> Msg {
    Msg::new(
        format!("Ошибка файла отложенных продаж: {e}"),
        format!("Outbox file error: {e}"),
    )
}

pub fn data_dir_not_created(dir: impl Display, e: impl Display) -> Msg {
    Msg::new(
        format!("Не удалось создать каталог данных {dir}: {e}"),
        format!("Could not create the data directory {dir}: {e}"),
    )
}

pub fn cannot_open(path: impl Display, e: impl Display) -> Msg {
    Msg::new(
        format!("Не удалось открыть {path}: {e}"),
        format!("Could not open {path}: {e}"),
    )
}

pub fn damaged_record(what: &str) -> Msg {
    Msg::new(
        format!("Повреждена запись отложенной операции: {what}"),
        format!("A damaged outbox record: {what}"),
    )
}

/// `kind`: the operation (`sale`, `return`, …) the English names; `message`: the service's.
pub fn refused_posting(key: &str, kind: &str, message: &str) -> Msg {
    Msg::new(
        format!("БонусПлюс отказал в проведении ({key}): {message}"),
        format!("BonusPlus refused {kind} ({key}): {message}"),
    )
}

pub fn sale_not_posted(document_id: &str) -> Msg {
    Msg::new(
        format!("Продажа {document_id} не была проведена в БонусПлюс"),
        format!("The sale {document_id} was not posted to BonusPlus"),
    )
}

/// `state`: the item's state as shown (`queued`, `unconfirmed`, …).
pub fn not_waiting_confirmation(key: &str, state: &str) -> Msg {
    Msg::new(
        format!("Отложенный документ {key} не ждёт подтверждения (состояние «{state}»)"),
        format!("The outbox item {key} is not waiting for confirmation (it is {state})"),
    )
}

pub fn may_still_be_reaching(key: &str, wait_seconds: u64) -> Msg {
    Msg::new(
        format!("Запрос по документу {key} мог ещё не дойти до БонусПлюс: повторите через {wait_seconds} с"),
        format!("The request for {key} may still be reaching BonusPlus: try again in {wait_seconds} s"),
    )
}

pub fn item_changed(key: &str) -> Msg {
    Msg::new(
        format!("Отложенный документ {key} изменился, повторите"),
        format!("The outbox item {key} changed meanwhile; try again"),
    )
}

/// RetryPending on an item that has not failed.
pub fn retry_needs_failed(key: &str, state: &str) -> Msg {
    wrong_state(key, state, "«failed»", "\"failed\"")
}

/// DropPending on an item on its way or unconfirmed.
pub fn drop_needs_queued_or_failed(key: &str, state: &str) -> Msg {
    wrong_state(
        key,
        state,
        "«queued» или «failed» (неподтверждённый сначала подтвердите: ПодтвердитьОтложенный)",
        "\"queued\" or \"failed\" (settle an unconfirmed one with ConfirmPending first)",
    )
}

fn wrong_state(key: &str, state: &str, wanted_ru: &str, wanted_en: &str) -> Msg {
    Msg::new(
        format!("Отложенный документ {key} в состоянии «{state}», а нужно {wanted_ru}"),
        format!("The outbox item {key} is {state}; this needs {wanted_en}"),
    )
}
