//! The BonusPlus endpoints over the embedded backend, plus the server's own small bookkeeping
//! (`server.db`): sale ids and their lines by `ext`, reserves by id, last purchase dates.

use super::http::Request;
use super::{stats_json, State};
use crate::backend::cloud::api::{
    parse_birth_day, ApiCustomer, ApiPerson, BackRequest, CalcRequest, CreateCustomer,
    ProductImport, ReserveRequest, RetailItem, RetailRequest,
};
use crate::backend::{
    Backend, Clock, Customer, CustomerData, ProductItem, Products, ReturnLine, ReturnRequest,
    SystemClock,
};
use crate::engine::money::round_quantity;
use crate::engine::{select_policy, Account, BonusPolicy, LocalDateTime, Order, OrderLine};
use crate::error::{Error, ErrorCode, Result};
use crate::phone::normalize_phone;
use rusqlite::{params, Connection, OptionalExtension};
use rust_decimal::Decimal;
use serde::de::DeserializeOwned;
use serde_json::{json, Value};
use std::path::Path;
use std::str::FromStr;
use std::sync::atomic::Ordering;

type Reply = (u16, String);

pub(crate) fn open_db(path: &Path) -> Result<Connection> {
    let fail = |e: rusqlite::Error| {
        Error::new(
            ErrorCode::NotConfigured,
            format!("Сервер: база {}: {e}", path.display()),
            format!("Server: database {}: {e}", path.display()),
        )
    };
    let conn = Connection::open(path).map_err(fail)?;
    conn.busy_timeout(std::time::Duration::from_secs(30))
        .map_err(fail)?;
    conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get::<_, String>(0))
        .map_err(fail)?;
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS sales (id INTEGER PRIMARY KEY AUTOINCREMENT, document_id TEXT NOT NULL,
             phone TEXT NOT NULL, date TEXT NOT NULL, store TEXT NOT NULL, cashier TEXT NOT NULL,
             total_sum TEXT NOT NULL);
         CREATE TABLE IF NOT EXISTS sale_lines (ext TEXT PRIMARY KEY, sale_id INTEGER NOT NULL,
             document_id TEXT NOT NULL, line_no INTEGER NOT NULL, product TEXT NOT NULL, cat TEXT NOT NULL,
             qnt TEXT NOT NULL, price TEXT NOT NULL, sum TEXT NOT NULL, ds TEXT NOT NULL,
             sum_after TEXT NOT NULL, bonus_debit TEXT NOT NULL, bonus_credit TEXT NOT NULL,
             returned_sum TEXT NOT NULL DEFAULT '0', returned_qnt TEXT NOT NULL DEFAULT '0');
         CREATE TABLE IF NOT EXISTS reserves (id TEXT PRIMARY KEY, phone TEXT NOT NULL, amount TEXT NOT NULL);
         CREATE TABLE IF NOT EXISTS purchases (phone TEXT PRIMARY KEY, last_date TEXT NOT NULL);
         CREATE TABLE IF NOT EXISTS backs (id INTEGER PRIMARY KEY AUTOINCREMENT, ext TEXT NOT NULL, sum TEXT NOT NULL);",
    )
    .map_err(fail)?;
    // The receipt's note (`desc`), shown in `retail/bonusActivities`; added by a later version.
    let has_desc: bool = conn
        .query_row(
            "SELECT COUNT(*) FROM pragma_table_info('sales') WHERE name = 'description'",
            [],
            |r| r.get::<_, i64>(0),
        )
        .map_err(fail)?
        > 0;
    if !has_desc {
        conn.execute_batch(
            "ALTER TABLE sales ADD COLUMN description TEXT NOT NULL DEFAULT '';
             ALTER TABLE sales ADD COLUMN gift_cards TEXT NOT NULL DEFAULT '[]';",
        )
        .map_err(fail)?;
    }
    Ok(conn)
}

fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap_or_default()
}

fn business(code: &str, msg: &str) -> Reply {
    (412, json!({ "code": code, "msg": msg }).to_string())
}

fn bad_json(e: impl std::fmt::Display) -> Reply {
    (
        400,
        json!({ "Message": format!("Ошибка в структуре JSON: {e}") }).to_string(),
    )
}

fn not_found_route() -> Reply {
    (
        404,
        json!({ "Message": "Запрошенный ресурс не существует" }).to_string(),
    )
}

fn ok(v: Value) -> Reply {
    (200, v.to_string())
}

fn db_fail(e: rusqlite::Error) -> Error {
    Error::new(
        ErrorCode::Internal,
        format!("server.db: {e}"),
        format!("server.db: {e}"),
    )
}

/// An embedded error as the real service would answer it.
fn from_error(e: Error) -> Reply {
    match e.code {
        ErrorCode::InvalidArgument => business("INVALID_ARGUMENT", &e.message_ru),
        ErrorCode::NotFound => business("NOT_FOUND", &e.message_ru),
        ErrorCode::InsufficientBonuses => business("INSUFFICIENT_BONUSES", &e.message_ru),
        ErrorCode::SmsRequired => business("SMS_REQUIRED", &e.message_ru),
        // An unknown customer arrives as REJECTED with CUSTOMER_NOT_FOUND, as the service says it.
        ErrorCode::Rejected => business(
            e.service_code.as_deref().unwrap_or("REJECTED"),
            &e.message_ru,
        ),
        _ => (500, json!({ "Message": e.message_en }).to_string()),
    }
}

fn body<T: DeserializeOwned>(req: &Request) -> std::result::Result<T, Reply> {
    serde_json::from_slice(&req.body).map_err(bad_json)
}

fn reply(r: Result<Reply>) -> Reply {
    r.unwrap_or_else(from_error)
}

pub(crate) fn handle(state: &State, req: &Request) -> Reply {
    let seg: Vec<&str> = req.segments.iter().map(String::as_str).collect();
    let result = match (req.method.as_str(), seg.as_slice()) {
        ("GET", ["customer"]) => Ok(get_customer(state, req)),
        ("POST", ["customer"]) => create_customer(state, req),
        ("POST", ["customer", "list"]) => customer_list(state, req),
        ("PATCH", ["customer", phone]) => patch_customer(state, req, phone),
        ("PUT", ["customer", phone, "sendCode"]) => {
            state.backend.send_code(phone).map(|_| (204, String::new()))
        }
        ("PUT", ["customer", phone, "checkCode", code]) => {
            state.backend.check_code(phone, code).map(|ok| {
                if ok {
                    (204, String::new())
                } else {
                    business("WRONG_CODE", "Неверный код подтверждения")
                }
            })
        }
        ("PUT", ["retail", "calc"]) => calc(state, req),
        ("POST", ["retail"]) => {
            state.retail_posts.fetch_add(1, Ordering::Relaxed);
            retail(state, req)
        }
        ("PUT", ["retail", "back"]) => back(state, req),
        ("POST", ["retail", "bonusActivities"]) => activities(state, req),
        ("GET", ["retail", id]) => sale(state, id),
        ("PATCH", ["customer", phone, "balance", "reserve"]) => reserve(state, req, phone),
        ("DELETE", ["customer", "balance", "reserve"]) => cancel_reserve(state, req),
        ("GET", ["customer", phone, "balance", "reserve", id]) => reserve_info(state, phone, id),
        ("POST", ["product", "import"]) => import(state, req),
        ("GET", ["account"]) => Ok(ok(json!({
            "balance": 0, "tariff": "bonusplus-1c local server", "username": "local",
            "smsPrice": 0, "pushPrice": 0
        }))),
        ("GET", ["_admin", "stats"]) => Ok((200, stats_json(state))),
        _ => Ok(not_found_route()),
    };
    reply(result)
}

fn last_purchase(state: &State, phone: &str) -> Option<String> {
    let db = state.db.lock().unwrap_or_else(|p| p.into_inner());
    db.query_row(
        "SELECT last_date FROM purchases WHERE phone = ?1",
        params![phone],
        |r| r.get(0),
    )
    .optional()
    .ok()
    .flatten()
}

fn api_customer(state: &State, c: &Customer) -> ApiCustomer {
    let some = |s: &str| (!s.is_empty()).then(|| s.to_owned());
    let world = *state.world.lock().unwrap_or_else(|p| p.into_inner());
    let next = state
        .levels
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .iter()
        .find(|l| l.from > c.purchases_total)
        .cloned();
    ApiCustomer {
        next_card_name: next.as_ref().map(|l| l.name.clone()),
        purchases_sum_to_next_card: next.as_ref().map(|l| l.from - c.purchases_total),
        nearest_bonuses_expiration_amount: c.expiring_bonuses.as_ref().map(|e| e.amount),
        nearest_bonuses_expiration_date: c
            .expiring_bonuses
            .as_ref()
            .map(|e| format!("{}.0000000+03:00", e.date)),
        bonus_debit_denided: Some(world.debit_denied),
        multiplicity_debit_bonus: (!world.debit_step.is_zero()).then_some(world.debit_step),
        id: Some(Value::String(c.phone.clone())),
        phone: Some(c.phone.clone()),
        person: Some(ApiPerson {
            first: some(&c.first_name),
            last: some(&c.last_name),
            middle: some(&c.middle_name),
            email: None,
        }),
        discount_card_name: Some(c.card_name.clone()),
        discount_card_number: Some(c.card_number.clone()),
        available_bonuses: Some(c.available_bonuses),
        not_active_bonuses: Some(c.inactive_bonuses),
        total_bonus_credit: None,
        total_bonus_debit: None,
        purchases_total_sum: Some(c.purchases_total),
        last_purchase_date: last_purchase(state, &c.phone),
        base_discount_percent: Some(c.discount_percent),
        email: some(&c.email),
    }
}

fn customer_reply(state: &State, c: &Customer) -> Reply {
    ok(serde_json::to_value(api_customer(state, c)).unwrap_or(Value::Null))
}

/// `POST customer/list {"cardNumber": [...], "phone": [...]}`: the customers found, as an array.
fn customer_list(state: &State, req: &Request) -> Result<Reply> {
    let wanted: Value = match body(req) {
        Ok(v) => v,
        Err(r) => return Ok(r),
    };
    let texts = |key: &str| -> Vec<String> {
        wanted[key]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut found = Vec::new();
    for card in texts("cardNumber").iter().take(100) {
        if let Some(c) = state.backend.find_customer(card, "")? {
            found.push(serde_json::to_value(api_customer(state, &c)).unwrap_or(Value::Null));
        }
    }
    for phone in texts("phone").iter().take(100) {
        if let Some(c) = state.backend.find_customer("", phone)? {
            found.push(serde_json::to_value(api_customer(state, &c)).unwrap_or(Value::Null));
        }
    }
    Ok(ok(Value::Array(found)))
}

fn get_customer(state: &State, req: &Request) -> Reply {
    let ean = req.query("ean").unwrap_or("");
    if !ean.is_empty()
        && state
            .world
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .ean_lookup_fails
    {
        return (
            500,
            json!({ "Message": "An error has occurred." }).to_string(),
        );
    }
    let phone = req.query("phone").or(req.query("id")).unwrap_or("");
    if ean.is_empty() && phone.is_empty() {
        return business("INVALID_ARGUMENT", "Укажите phone, ean или id");
    }
    match state.backend.find_customer(ean, phone) {
        Ok(Some(c)) => customer_reply(state, &c),
        Ok(None) => business("CUSTOMER_NOT_FOUND", "Клиент не найден"),
        Err(e) => from_error(e),
    }
}

fn create_customer(state: &State, req: &Request) -> Result<Reply> {
    let c: CreateCustomer = match body(req) {
        Ok(c) => c,
        Err(r) => return Ok(r),
    };
    let data = CustomerData {
        card_name: c.card,
        first_name: c.first,
        last_name: c.last,
        middle_name: c.middle,
        email: c.email,
        birth_date: c.birth_day.as_deref().and_then(parse_birth_day),
        ..CustomerData::default()
    };
    let r = state
        .backend
        .register_customer(&c.phone, c.ean.as_deref().unwrap_or(""), &data)?;
    if !r.created {
        return Ok(business(
            "CUSTOMER_ALREADY_EXISTS",
            "Клиент с таким телефоном уже существует",
        ));
    }
    Ok(customer_reply(state, &r.customer))
}

fn patch_customer(state: &State, req: &Request, phone: &str) -> Result<Reply> {
    let v: Value = match body(req) {
        Ok(v) => v,
        Err(r) => return Ok(r),
    };
    let data = CustomerData {
        card_name: v.get("newCard").and_then(Value::as_str).map(str::to_owned),
        ..CustomerData::default()
    };
    let c = state.backend.update_customer(phone, &data)?;
    Ok(customer_reply(state, &c))
}

/// Receipt lines as the engine's order lines: `sum` arrives gross with `ds` the POS discount;
/// `lineNo` is the number after the last `-` of `ext` when every line has a distinct one.
fn order_lines(items: &[RetailItem]) -> Vec<OrderLine> {
    let numbers: Vec<Option<u32>> = items
        .iter()
        .map(|i| {
            i.ext
                .as_deref()
                .and_then(|e| e.rsplit('-').next())
                .and_then(|n| n.parse().ok())
        })
        .collect();
    let mut unique = std::collections::HashSet::new();
    let use_ext = numbers.iter().all(|n| n.is_some_and(|n| unique.insert(n)));
    items
        .iter()
        .enumerate()
        .map(|(i, it)| {
            let ds = it.ds.unwrap_or_default();
            OrderLine {
                line_no: if use_ext {
                    numbers[i].unwrap_or(0)
                } else {
                    i as u32 + 1
                },
                product: it.product.clone(),
                category: it.cat.clone().unwrap_or_default(),
                name: String::new(),
                quantity: it.qnt,
                price: it.price.unwrap_or_default(),
                sum: it.sum - ds,
                discount_sum: ds,
            }
        })
        .collect()
}

fn calc(state: &State, req: &Request) -> Result<Reply> {
    let c: CalcRequest = match body(req) {
        Ok(c) => c,
        Err(r) => return Ok(r),
    };
    let order = Order {
        document_id: String::new(),
        phone: c.phone.clone(),
        card_number: String::new(),
        organization: String::new(),
        use_bonuses: true,
        bonus_debit: Some(c.bonus_debit),
        date: None,
        coupons: c.coupons.clone(),
        reserve_id: None,
        gift_cards: Vec::new(),
        lines: order_lines(&c.items),
    };
    let calc = state.backend.calculate(&order)?;
    let world = *state.world.lock().unwrap_or_else(|p| p.into_inner());
    let discount: Vec<Value> = calc
        .lines
        .iter()
        .zip(&c.items)
        .enumerate()
        .map(|(i, (l, item))| {
            let dp = if l.sum.is_zero() {
                Decimal::ZERO
            } else {
                (l.percent_discount_sum * Decimal::ONE_HUNDRED / l.sum).round_dp(2)
            };
            let sent = if world.ds_includes_sent {
                item.ds.unwrap_or_default()
            } else {
                Decimal::ZERO
            };
            json!({
                "ext": item.ext, "cb": l.bonus_accrual, "db": l.bonus_debit_sum,
                "ds": l.percent_discount_sum + sent, "dp": dp,
                "ids": l.percent_discount_sum, "idp": dp,
                "messages": if i == 0 { calc.messages.clone() } else { Vec::new() }
            })
        })
        .collect();
    let max = if world.debit_denied {
        Decimal::ZERO
    } else {
        calc.max_bonus_debit
    };
    Ok(ok(json!({
        "discount": discount,
        "maxDebitBonuses": max,
        "multiplicityDebitBonus": world.debit_step
    })))
}

fn parse_date(s: &str) -> Option<LocalDateTime> {
    let s = s.trim();
    let base = s.get(..19)?.replacen(' ', "T", 1);
    LocalDateTime::parse(&base)
}

fn retail(state: &State, req: &Request) -> Result<Reply> {
    let r: RetailRequest = match body(req) {
        Ok(r) => r,
        Err(reply) => return Ok(reply),
    };
    let phone = normalize_phone(&r.phone)?;
    let customer = match state.backend.find_customer("", &phone)? {
        Some(c) => c,
        None => return Ok(business("CUSTOMER_NOT_FOUND", "Клиент не найден")),
    };
    let document_id = r
        .external_id
        .clone()
        .filter(|e| !e.trim().is_empty())
        .unwrap_or_else(|| {
            format!(
                "retail-{}-{}",
                std::process::id(),
                crate::backend::cloud::base64(&SystemClock.now().unix_seconds().to_be_bytes())
            )
        });
    let date = r.date.as_deref().and_then(parse_date);
    let order = Order {
        document_id: document_id.clone(),
        phone: phone.clone(),
        card_number: String::new(),
        organization: String::new(),
        use_bonuses: r.bonus_debit > Decimal::ZERO,
        bonus_debit: Some(r.bonus_debit),
        date,
        coupons: r.coupons.clone(),
        reserve_id: r.reserve_id.clone(),
        gift_cards: Vec::new(),
        lines: order_lines(&r.items),
    };
    // The per-line figures the embedded sale will have (for GET retail/{id} and returns): the
    // same engine over the same policy, with exactly the spent bonuses available.
    let policies = state.backend.policies()?;
    let at = date.unwrap_or_else(|| SystemClock.now());
    let policy = select_policy(&policies, "", at)
        .cloned()
        .unwrap_or_else(BonusPolicy::default);
    let account = Account {
        phone: phone.clone(),
        available_bonuses: r.bonus_debit,
        discount_percent: Some(customer.discount_percent),
    };
    let figures = crate::engine::calculate(&order, &account, &policy)?;
    let result = state.backend.fix_sale(&order)?;
    let db = state.db.lock().unwrap_or_else(|p| p.into_inner());
    let existing: Option<i64> = db
        .query_row(
            "SELECT id FROM sales WHERE document_id = ?1",
            params![document_id],
            |r| r.get(0),
        )
        .optional()
        .map_err(db_fail)?;
    let id = match existing {
        Some(id) => id,
        None => {
            let tx = db.unchecked_transaction().map_err(db_fail)?;
            tx.execute(
                "INSERT INTO sales (document_id, phone, date, store, cashier, total_sum, description,
                     gift_cards)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    document_id,
                    phone,
                    at.to_string(),
                    r.store.clone().unwrap_or_default(),
                    r.cashier.map(|c| c.to_string()).unwrap_or_default(),
                    figures.to_pay.to_string(),
                    r.desc.clone().unwrap_or_default(),
                    serde_json::to_string(&r.gift_cards).unwrap_or_else(|_| "[]".into())
                ],
            )
            .map_err(db_fail)?;
            let id = tx.last_insert_rowid();
            for ((item, line), fig) in r.items.iter().zip(&order.lines).zip(&figures.lines) {
                let ext = item
                    .ext
                    .clone()
                    .unwrap_or_else(|| format!("{document_id}-{}", line.line_no));
                tx.execute(
                    "INSERT OR REPLACE INTO sale_lines (ext, sale_id, document_id, line_no, product, cat, qnt, price, sum, ds,
                         sum_after, bonus_debit, bonus_credit) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
                    params![
                        ext, id, document_id, line.line_no, line.product, line.category,
                        line.quantity.to_string(), line.price.to_string(), line.sum.to_string(),
                        fig.percent_discount_sum.to_string(), fig.sum_after.to_string(),
                        fig.bonus_debit_sum.to_string(), fig.bonus_accrual.to_string()
                    ],
                )
                .map_err(db_fail)?;
            }
            // The service consumes the reserve the sale names, or (the other reading of the API)
            // keeps it held until the client releases it.
            let kept = state
                .world
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .reserve_kept;
            for reserve in [Some(document_id.as_str()), r.reserve_id.as_deref()]
                .into_iter()
                .flatten()
                .filter(|_| !kept)
            {
                tx.execute("DELETE FROM reserves WHERE id = ?1", params![reserve])
                    .map_err(db_fail)?;
            }
            tx.execute(
                "INSERT INTO purchases (phone, last_date) VALUES (?1, ?2)
                 ON CONFLICT (phone) DO UPDATE SET last_date = excluded.last_date",
                params![phone, format!("{}#{id}", SystemClock.now())],
            )
            .map_err(db_fail)?;
            tx.commit().map_err(db_fail)?;
            id
        }
    };
    drop(db);
    Ok(ok(json!({
        "id": id,
        "orderUrl": format!("{}receipt/{id}", state.base_url),
        "customer": api_customer(state, &result.customer),
    })))
}

/// `POST retail/bonusActivities`: the customer's receipts, newest first, with their notes.
fn activities(state: &State, req: &Request) -> Result<Reply> {
    let a: crate::backend::cloud::api::ActivitiesRequest = match body(req) {
        Ok(a) => a,
        Err(r) => return Ok(r),
    };
    let phone = normalize_phone(&a.phone)?;
    let rows = a.row_count.clamp(1, 500);
    let skip = a.start_row.max(1) - 1;
    let db = state.db.lock().unwrap_or_else(|p| p.into_inner());
    let mut sales = db
        .prepare(
            "SELECT id, date, description FROM sales WHERE phone = ?1
             ORDER BY id DESC LIMIT ?2 OFFSET ?3",
        )
        .map_err(db_fail)?;
    let found = sales
        .query_map(params![phone, rows, skip], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        })
        .map_err(db_fail)?
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(db_fail)?;
    let mut lines = db
        .prepare("SELECT bonus_credit, bonus_debit FROM sale_lines WHERE sale_id = ?1")
        .map_err(db_fail)?;
    let mut list = Vec::with_capacity(found.len());
    for (id, date, description) in found {
        let (mut credit, mut debit) = (Decimal::ZERO, Decimal::ZERO);
        for pair in lines
            .query_map(params![id], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
            })
            .map_err(db_fail)?
        {
            let (c, d) = pair.map_err(db_fail)?;
            credit += dec(&c);
            debit += dec(&d);
        }
        list.push(json!({
            "receiptDate": date, "transactionName": "Покупка", "description": description,
            "bonusCredit": credit, "bonusDebit": debit,
        }));
    }
    Ok(ok(json!({ "bonusActivities": list })))
}

fn back(state: &State, req: &Request) -> Result<Reply> {
    let b: BackRequest = match body(req) {
        Ok(b) => b,
        Err(r) => return Ok(r),
    };
    let line = {
        let db = state.db.lock().unwrap_or_else(|p| p.into_inner());
        db.query_row(
            "SELECT l.document_id, l.line_no, l.qnt, l.sum_after, l.returned_sum, l.returned_qnt, s.phone
             FROM sale_lines l JOIN sales s ON s.id = l.sale_id WHERE l.ext = ?1",
            params![b.ext],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, u32>(1)?,
                    dec(&r.get::<_, String>(2)?),
                    dec(&r.get::<_, String>(3)?),
                    dec(&r.get::<_, String>(4)?),
                    dec(&r.get::<_, String>(5)?),
                    r.get::<_, String>(6)?,
                ))
            },
        )
        .optional()
        .map_err(db_fail)?
    };
    let Some((document_id, line_no, qnt, sum_after, returned_sum, returned_qnt, phone)) = line
    else {
        return Ok(business("POSITION_NOT_FOUND", "Позиция чека не найдена"));
    };
    let left_qnt = qnt - returned_qnt;
    let left_sum = sum_after - returned_sum;
    if left_qnt <= Decimal::ZERO || b.sum <= Decimal::ZERO || b.sum > left_sum {
        return Ok(business(
            "RETURN_SUM_INVALID",
            "Сумма возврата больше оплаченной суммы позиции",
        ));
    }
    let quantity = if b.sum == left_sum || sum_after.is_zero() {
        left_qnt
    } else {
        round_quantity(qnt * b.sum / sum_after)
            .min(left_qnt)
            .max(Decimal::new(1, 3))
    };
    let back_id: i64 = {
        let db = state.db.lock().unwrap_or_else(|p| p.into_inner());
        db.execute(
            "INSERT INTO backs (ext, sum) VALUES (?1, ?2)",
            params![b.ext, b.sum.to_string()],
        )
        .map_err(db_fail)?;
        db.last_insert_rowid()
    };
    state.backend.return_sale(&ReturnRequest {
        return_id: format!("back-{back_id}"),
        document_id,
        date: None,
        lines: vec![ReturnLine {
            line_no,
            quantity,
            sum: b.sum,
        }],
    })?;
    let db = state.db.lock().unwrap_or_else(|p| p.into_inner());
    db.execute(
        "UPDATE sale_lines SET returned_sum = ?2, returned_qnt = ?3 WHERE ext = ?1",
        params![
            b.ext,
            (returned_sum + b.sum).to_string(),
            (returned_qnt + quantity).to_string()
        ],
    )
    .map_err(db_fail)?;
    db.execute(
        "INSERT INTO purchases (phone, last_date) VALUES (?1, ?2)
         ON CONFLICT (phone) DO UPDATE SET last_date = excluded.last_date",
        params![phone, format!("{}#back-{back_id}", SystemClock.now())],
    )
    .map_err(db_fail)?;
    Ok(ok(json!({ "returnedPurchaseId": back_id })))
}

fn sale(state: &State, id: &str) -> Result<Reply> {
    let Ok(id) = id.parse::<i64>() else {
        return Ok(not_found_route());
    };
    let db = state.db.lock().unwrap_or_else(|p| p.into_inner());
    let head = db
        .query_row(
            "SELECT date, phone, store, total_sum FROM sales WHERE id = ?1",
            params![id],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                ))
            },
        )
        .optional()
        .map_err(db_fail)?;
    let Some((date, phone, store, total)) = head else {
        return Ok(business("SALE_NOT_FOUND", "Продажа не найдена"));
    };
    let mut st = db
        .prepare("SELECT ext, product, cat, qnt, price, sum, ds, bonus_debit, bonus_credit, sum_after FROM sale_lines WHERE sale_id = ?1 ORDER BY line_no")
        .map_err(db_fail)?;
    let positions = st
        .query_map(params![id], |r| {
            let d = |i: usize| -> rusqlite::Result<Decimal> { Ok(dec(&r.get::<_, String>(i)?)) };
            Ok(json!({
                "ext": r.get::<_, String>(0)?, "product": r.get::<_, String>(1)?, "cat": r.get::<_, String>(2)?,
                "qnt": d(3)?, "price": d(4)?, "sum": d(5)?, "discount": d(6)?, "bonusDebit": d(7)?,
                "bonusCredit": d(8)?, "totalSum": d(9)?
            }))
        })
        .map_err(db_fail)?
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(db_fail)?;
    Ok(ok(json!({
        "id": id, "type": 0, "date": date, "customerPhone": phone, "storeName": store,
        "totalSum": dec(&total), "positions": positions
    })))
}

fn held(state: &State, id: &str) -> Result<Option<(String, Decimal)>> {
    let db = state.db.lock().unwrap_or_else(|p| p.into_inner());
    db.query_row(
        "SELECT phone, amount FROM reserves WHERE id = ?1",
        params![id],
        |r| Ok((r.get::<_, String>(0)?, dec(&r.get::<_, String>(1)?))),
    )
    .optional()
    .map_err(db_fail)
}

fn reserve(state: &State, req: &Request, phone: &str) -> Result<Reply> {
    let r: ReserveRequest = match body(req) {
        Ok(r) => r,
        Err(reply) => return Ok(reply),
    };
    let phone = normalize_phone(phone)?;
    if r.id.trim().is_empty() {
        return Ok(business("INVALID_ARGUMENT", "Не указан id резерва"));
    }
    let current = match held(state, &r.id)? {
        Some((owner, _)) if owner != phone => {
            return Ok(business(
                "RESERVE_ID_IN_USE",
                "Резерв с таким id принадлежит другому клиенту",
            ))
        }
        Some((_, amount)) => amount,
        None => Decimal::ZERO,
    };
    let new = current + r.amount.unwrap_or_default();
    if new < Decimal::ZERO {
        return Ok(business(
            "RESERVE_AMOUNT_INVALID",
            "Снимается больше, чем зарезервировано",
        ));
    }
    if new.is_zero() {
        state.backend.cancel_reserve(&r.id)?;
    } else {
        state.backend.reserve(&r.id, &phone, new)?;
    }
    let db = state.db.lock().unwrap_or_else(|p| p.into_inner());
    if new.is_zero() {
        db.execute("DELETE FROM reserves WHERE id = ?1", params![r.id])
            .map_err(db_fail)?;
    } else {
        db.execute(
            "INSERT INTO reserves (id, phone, amount) VALUES (?1, ?2, ?3)
             ON CONFLICT (id) DO UPDATE SET amount = excluded.amount",
            params![r.id, phone, new.to_string()],
        )
        .map_err(db_fail)?;
    }
    Ok((204, String::new()))
}

fn cancel_reserve(state: &State, req: &Request) -> Result<Reply> {
    let r: ReserveRequest = match body(req) {
        Ok(r) => r,
        Err(reply) => return Ok(reply),
    };
    if held(state, &r.id)?.is_none() {
        return Ok(business("RESERVE_NOT_FOUND", "Резерв не найден"));
    }
    state.backend.cancel_reserve(&r.id)?;
    let db = state.db.lock().unwrap_or_else(|p| p.into_inner());
    db.execute("DELETE FROM reserves WHERE id = ?1", params![r.id])
        .map_err(db_fail)?;
    Ok((204, String::new()))
}

fn reserve_info(state: &State, phone: &str, id: &str) -> Result<Reply> {
    let phone = normalize_phone(phone)?;
    match held(state, id)? {
        Some((owner, amount)) if owner == phone => {
            Ok(ok(json!({ "phone": owner, "id": id, "amount": amount })))
        }
        _ => Ok(business("RESERVE_NOT_FOUND", "Резерв не найден")),
    }
}

fn import(state: &State, req: &Request) -> Result<Reply> {
    let p: ProductImport = match body(req) {
        Ok(p) => p,
        Err(r) => return Ok(r),
    };
    let products = Products {
        store: p.store,
        items: p
            .products
            .into_iter()
            .map(|t| ProductItem {
                id: t.id,
                parent_id: t.pid.unwrap_or_default(),
                name: t.n,
                is_group: t.g,
                article: t.a.unwrap_or_default(),
            })
            .collect(),
    };
    state.backend.upload_products(&products, &mut |_, _| {})?;
    Ok((204, String::new()))
}
