//! The cabinet's words: Russian by default, English when the browser prefers it.

use std::collections::BTreeMap;

const WORDS: &[(&str, &str, &str)] = &[
    (
        "title",
        "Кабинет программы лояльности",
        "Loyalty program cabinet",
    ),
    ("nav_dashboard", "Сводка", "Dashboard"),
    ("nav_customers", "Покупатели", "Customers"),
    ("nav_expiring", "Сгорающие бонусы", "Expiring bonuses"),
    ("nav_policies", "Правила", "Policies"),
    ("logout", "Выйти", "Sign out"),
    ("login_title", "Вход в кабинет", "Sign in to the cabinet"),
    ("password", "Пароль", "Password"),
    ("sign_in", "Войти", "Sign in"),
    ("wrong_password", "Неверный пароль", "Wrong password"),
    (
        "locked",
        "Слишком много неверных паролей: вход закрыт на 15 минут",
        "Too many wrong passwords: sign-in is closed for 15 minutes",
    ),
    (
        "no_password",
        "Пароль владельца не задан: запустите сервер с --admin-password-file",
        "No owner password: start the server with --admin-password-file",
    ),
    ("customers", "Покупателей", "Customers"),
    ("active_bonuses", "Активные бонусы", "Active bonuses"),
    ("pending_bonuses", "Ещё не активные", "Not active yet"),
    ("reserved_bonuses", "В резерве", "Reserved"),
    ("sales_30", "Продаж за 30 дней", "Sales, 30 days"),
    ("revenue_30", "Выручка за 30 дней", "Revenue, 30 days"),
    ("accrued_30", "Начислено за 30 дней", "Accrued, 30 days"),
    ("spent_30", "Списано за 30 дней", "Spent, 30 days"),
    (
        "chart_title",
        "Бонусы по дням за 90 дней",
        "Bonuses per day, 90 days",
    ),
    ("accrued", "Начислено", "Accrued"),
    ("spent", "Списано", "Spent"),
    ("expired", "Сгорело", "Expired"),
    ("search", "Найти", "Search"),
    (
        "search_hint",
        "Телефон, карта или имя",
        "Phone, card or name",
    ),
    ("phone", "Телефон", "Phone"),
    ("card", "Карта", "Card"),
    ("name", "Имя", "Name"),
    ("balance", "Баланс", "Balance"),
    ("purchases_total", "Сумма покупок", "Purchases total"),
    ("export_customers", "Покупатели в CSV", "Customers as CSV"),
    ("export_ledger", "Движения бонусов в CSV", "Ledger as CSV"),
    ("ledger", "Движения бонусов", "Ledger"),
    ("date", "Дата", "Date"),
    ("kind", "Вид", "Kind"),
    ("document", "Документ", "Document"),
    ("amount", "Сумма", "Amount"),
    ("remaining", "Остаток", "Remaining"),
    ("active_from", "Активны с", "Active from"),
    ("expires", "Сгорают", "Expire"),
    ("reason", "Причина", "Reason"),
    ("reserves", "Резервы", "Reserves"),
    ("purchases", "Покупки", "Purchases"),
    ("returns", "Возвраты", "Returns"),
    ("bonus_debit", "Списано бонусов", "Bonuses spent"),
    ("bonus_accrual", "Начислено бонусов", "Bonuses accrued"),
    ("adjust_title", "Ручная корректировка", "Manual adjustment"),
    ("credit", "Начислить", "Credit"),
    ("debit", "Списать", "Debit"),
    ("save", "Сохранить", "Save"),
    ("nothing", "Нет данных", "Nothing here"),
    ("days", "Дней", "Days"),
    ("show", "Показать", "Show"),
    ("first_expiry", "Ближайшее сгорание", "First expiry"),
    ("organization", "Организация", "Organization"),
    ("start_date", "Действует с", "Starts"),
    ("edit", "Изменить", "Edit"),
    ("new_policy", "Новое правило", "New policy"),
    (
        "policy_hint",
        "Все ключи Policy из контракта (JSON)",
        "Every key of the contract's Policy (JSON)",
    ),
    ("history", "История изменений", "History of changes"),
    ("before", "Было", "Before"),
    ("after", "Стало", "After"),
    ("error", "Ошибка", "Error"),
    ("not_found", "Не найдено", "Not found"),
    (
        "csrf",
        "Форма устарела: обновите страницу",
        "The form has expired: reload the page",
    ),
];

/// The Policy keys' names on the form.
const POLICY_LABELS: &[(&str, &str, &str)] = &[
    (
        "organization",
        "Организация (пусто — для всех)",
        "Organization (empty: all)",
    ),
    ("startDate", "Действует с", "Starts"),
    (
        "accrualPercent",
        "Начисление, % от оплаты",
        "Accrual, % of the payment",
    ),
    (
        "accrualExcluded",
        "Товары без начисления при оплате бонусами",
        "Products earning nothing when paid with bonuses",
    ),
    (
        "noAccrualWhenPaidWithBonuses",
        "Не начислять на оплаченное бонусами",
        "No accrual on what bonuses paid",
    ),
    ("rate", "Рублей за бонус", "Roubles per bonus"),
    (
        "maxPaymentPercent",
        "Оплата бонусами, не больше % чека",
        "Bonus payment, at most % of the receipt",
    ),
    (
        "paymentExcluded",
        "Товары, которые нельзя оплатить бонусами",
        "Products bonuses cannot pay",
    ),
    (
        "activationDelayDays",
        "Бонусы активны через, дней",
        "Bonuses active after, days",
    ),
    (
        "expiryDays",
        "Бонусы сгорают через, дней",
        "Bonuses expire after, days",
    ),
    (
        "restoreOnReturn",
        "Возвращать списанные бонусы при возврате",
        "Restore spent bonuses on a return",
    ),
    (
        "smsControl",
        "Списание по коду из SMS",
        "Spending needs an SMS code",
    ),
    ("discountPercent", "Скидка, %", "Discount, %"),
    (
        "confirmPhoneOnRegistration",
        "Подтверждать телефон при регистрации",
        "Confirm the phone on registration",
    ),
    (
        "reserveDays",
        "Резерв снимается через, дней (0 — никогда)",
        "A reserve is released after, days (0: never)",
    ),
    (
        "skipConfirmationAfterSeconds",
        "Не спрашивать код повторно, секунд",
        "No repeated code within, seconds",
    ),
];

pub fn policy_labels(english: bool) -> BTreeMap<&'static str, &'static str> {
    POLICY_LABELS
        .iter()
        .map(|(k, ru, en)| (*k, if english { *en } else { *ru }))
        .collect()
}

/// Whether the `Accept-Language` header prefers English to Russian.
pub fn prefers_english(header: &str) -> bool {
    let mut best: Option<(f32, bool)> = None;
    for part in header.split(',') {
        let mut it = part.split(';');
        let tag = it.next().unwrap_or("").trim().to_ascii_lowercase();
        let q = it
            .find_map(|p| p.trim().strip_prefix("q=")?.parse::<f32>().ok())
            .unwrap_or(1.0);
        let en = if tag == "en" || tag.starts_with("en-") {
            true
        } else if tag == "ru" || tag.starts_with("ru-") {
            false
        } else {
            continue;
        };
        if best.is_none_or(|(bq, _)| q > bq) {
            best = Some((q, en));
        }
    }
    best.is_some_and(|(_, en)| en)
}

pub fn words(english: bool) -> BTreeMap<&'static str, &'static str> {
    WORDS
        .iter()
        .map(|(k, ru, en)| (*k, if english { *en } else { *ru }))
        .collect()
}

/// The word, for messages built in code.
pub fn word(english: bool, key: &str) -> &'static str {
    WORDS
        .iter()
        .find(|(k, _, _)| *k == key)
        .map_or("", |(_, ru, en)| if english { en } else { ru })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_the_preferred_language() {
        assert!(!prefers_english(""));
        assert!(prefers_english("en-US,en;q=0.9"));
        assert!(!prefers_english("ru-RU,ru;q=0.9,en;q=0.8"));
        assert!(prefers_english("de,en;q=0.5,ru;q=0.3"));
        assert!(!prefers_english("de"));
    }
}
