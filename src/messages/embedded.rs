//! The built-in loyalty program: its data folder and database, sales, reserves, returns,
//! customers and the owner's adjustments.

use super::{texts, Msg};
use std::fmt::Display;

texts! {
    DATA_DIR_NOT_SET =
        "Не задан каталог данных (КаталогДанных) для встроенной базы бонусов",
        "No data directory (DataDirectory) for the built-in bonus database";
    STORAGE_UNWRITABLE =
        "База бонусов недоступна для записи: каталог данных только для чтения, переполнен или отсутствует",
        "The bonus database cannot be written: the data folder is read-only, full or missing";
    DATABASE_ERROR =
        "Ошибка базы бонусов (подробности в журнале компоненты)",
        "Bonus database error (details in the add-in's log)";
    GIFT_CARDS_NOT_TAKEN =
        "Встроенная программа лояльности пока не принимает подарочные сертификаты (giftCards)",
        "The built-in loyalty program does not take gift certificates (giftCards) yet";
    SMS_CODE_TO_SPEND =
        "Для списания бонусов подтвердите телефон кодом из SMS (ОтправитьКод, затем ПроверитьКод)",
        "Spending bonuses needs the SMS code first (SendCode, then CheckCode)";
    NO_BONUSES_WITHOUT_SMS_CODE =
        "Бонусы не списаны: нужно подтверждение кодом из SMS (ОтправитьКод, ПроверитьКод)",
        "No bonuses were applied: the SMS code must be confirmed first (SendCode, CheckCode)";
    ORGANIZATION_TOO_LONG =
        "Поле «organization»: не длиннее 200 символов",
        "Field \"organization\": at most 200 characters";
    ADJUSTMENT_REASON_REQUIRED =
        "Укажите причину корректировки (до 500 символов)",
        "Give the reason for the adjustment (up to 500 characters)";
    ADJUSTMENT_ZERO =
        "Сумма корректировки не может быть нулевой",
        "The adjustment amount cannot be zero";
}

/// `dir`: the folder as the message shows it; `kind`: the network file system's name.
pub fn data_dir_on_network(dir: impl Display, kind: impl Display) -> Msg {
    Msg::new(
        format!("Каталог данных {dir} находится на сетевом диске ({kind}): встроенная база бонусов работает только на локальном диске одного компьютера. Укажите локальный КаталогДанных, а для нескольких ПК используйте сервер бонусов (Режим \"cloud\", АдресСервера)"),
        format!("The data directory {dir} is on a network file system ({kind}): the built-in bonus database works on one computer's local disk only. Set a local DataDirectory; for several PCs use the loyalty server (Mode \"cloud\", ServerAddress)"),
    )
}

pub fn data_dir_not_created(dir: impl Display, e: impl Display) -> Msg {
    Msg::new(
        format!("Не удалось создать каталог данных {dir} ({e}). Укажите в свойстве КаталогДанных папку на локальном диске, доступную пользователю 1С на запись"),
        format!("Could not create the data directory {dir} ({e}). Set DataDirectory to a folder on a local disk the 1C user can write to"),
    )
}

/// [`STORAGE_UNWRITABLE`] naming the file and what to do.
pub fn storage_unwritable_at(path: impl Display) -> Msg {
    let text = STORAGE_UNWRITABLE;
    Msg::new(
        format!("{} ({path}). Укажите в свойстве КаталогДанных папку на локальном диске, доступную пользователю 1С на запись, и проверьте свободное место", text.ru),
        format!("{} ({path}). Set DataDirectory to a folder on a local disk the 1C user can write to, and check the free space", text.en),
    )
}

pub fn no_wal(mode: impl Display) -> Msg {
    Msg::new(
        format!("База бонусов не поддерживает режим WAL (режим {mode}): нужен локальный диск"),
        format!("The bonus database cannot use WAL (got {mode}): it needs a local disk"),
    )
}

pub fn schema_too_new(current: impl Display, known: impl Display) -> Msg {
    Msg::new(
        format!("База бонусов создана более новой версией компоненты (схема {current}, поддерживается {known})"),
        format!("The bonus database was made by a newer add-in (schema {current}, this one knows {known})"),
    )
}

pub fn damaged_data(what: &str) -> Msg {
    Msg::new(
        format!("Повреждённые данные в базе бонусов: {what}"),
        format!("Damaged data in the bonus database: {what}"),
    )
}

pub fn ledger_short(amount: impl Display) -> Msg {
    Msg::new(
        format!("Внутренняя ошибка: бонусов на счёте не хватило для списания {amount}"),
        format!("Internal error: the ledger could not cover a spend of {amount}"),
    )
}

pub fn not_in_kopecks(what: &str, x: impl Display) -> Msg {
    Msg::new(
        format!("Внутренняя ошибка: сумма «{what}» = {x} не в копейках"),
        format!("Internal error: amount \"{what}\" = {x} is not in kopecks"),
    )
}

pub fn positive_quantity_expected(field: &str, x: impl Display) -> Msg {
    Msg::new(
        format!("Поле «{field}»: ожидается положительное количество (до 3 знаков), получено {x}"),
        format!("Field \"{field}\": expected a positive quantity with at most 3 decimals, got {x}"),
    )
}

/// Registration waits for the SMS code; `wait_seconds`: when it may go on without it.
pub fn code_required(wait_seconds: Option<i64>) -> Msg {
    let (ru_tail, en_tail) = match wait_seconds {
        Some(w) => (
            format!(" Без кода можно продолжить через {} с.", w.max(0)),
            format!(
                " Registration without the code is possible in {} s.",
                w.max(0)
            ),
        ),
        None => (String::new(), String::new()),
    };
    Msg::new(
        format!("Подтвердите телефон кодом из SMS (ПроверитьКод), затем повторите регистрацию.{ru_tail}"),
        format!("Confirm the phone with the SMS code (CheckCode), then register again.{en_tail}"),
    )
}

pub fn card_taken(card: &str) -> Msg {
    Msg::new(
        format!("Карта {card} уже привязана к другому клиенту"),
        format!("Card {card} already belongs to another customer"),
    )
}

pub fn insufficient_bonuses(asked: impl Display, allowed: impl Display) -> Msg {
    Msg::new(
        format!("Недостаточно бонусов: запрошено {asked}, можно списать {allowed}"),
        format!("Not enough bonuses: asked {asked}, at most {allowed} can be spent"),
    )
}

pub fn reserve_not_found(reserve: &str) -> Msg {
    Msg::new(
        format!("Резерв {reserve} не найден"),
        format!("Reserve {reserve} not found"),
    )
}

pub fn reserve_of_another_customer(reserve: &str) -> Msg {
    Msg::new(
        format!("Резерв {reserve} принадлежит другому клиенту"),
        format!("Reserve {reserve} belongs to another customer"),
    )
}

pub fn already_fixed_no_reserve(doc: &str) -> Msg {
    Msg::new(
        format!("Документ {doc} уже зафиксирован: резерв не нужен"),
        format!("Document {doc} is already fixed: nothing to reserve"),
    )
}

pub fn document_unknown(doc: &str) -> Msg {
    Msg::new(
        format!("Документ {doc} не рассчитывался, не резервировался и не фиксировался"),
        format!("Document {doc} was never calculated, reserved or fixed here"),
    )
}

pub fn sale_not_found(doc: &str) -> Msg {
    Msg::new(
        format!("Продажа {doc} не найдена"),
        format!("Sale {doc} not found"),
    )
}

pub fn sale_has_no_line(doc: &str, line_no: u32) -> Msg {
    Msg::new(
        format!("В продаже {doc} нет строки {line_no}"),
        format!("Sale {doc} has no line {line_no}"),
    )
}

pub fn return_over_sold(line_no: u32) -> Msg {
    Msg::new(
        format!("Возврат строки {line_no} больше проданного (с учётом прежних возвратов)"),
        format!("Return of line {line_no} exceeds what was sold (previous returns included)"),
    )
}

pub fn return_of_another_sale(return_id: &str, earlier_doc: &str) -> Msg {
    Msg::new(
        format!("Возврат {return_id} уже оформлен по другой продаже ({earlier_doc})"),
        format!("Return {return_id} was already made against another sale ({earlier_doc})"),
    )
}

pub fn adjustment_over_spendable(spendable: impl Display) -> Msg {
    Msg::new(
        format!("Списать можно не больше {spendable} бонусов"),
        format!("At most {spendable} bonuses can be debited"),
    )
}
