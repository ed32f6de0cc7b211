//! The BonusPlus cloud backend: the [`Backend`] trait over the BonusPlus REST API
//! (`../shared/spec/bonusplus-api.md`), with a durable outbox for sales and returns.
//!
//! Mapping of the contract onto the API (every request: `Authorization: ApiKey <base64>`, the
//! timeout of the settings as a global per-request timeout, one keep-alive `Agent`):
//! * FindCard: `GET customer?ean=` (card first), then `GET customer?phone=`; 404 or 412
//!   `CUSTOMER_NOT_FOUND` is `found:false`.
//! * RegisterCustomer: `GET customer?phone=` (found: `created:false`), else `POST customer`;
//!   412 `CUSTOMER_ALREADY_EXISTS` fetches the customer and answers `created:false`.
//! * UpdateCustomer: only the card (status) name has an API, `PATCH customer/{phone}
//!   {"newCard"}`; other changed keys are NOT_CONFIGURED (change them in the BonusPlus cabinet).
//!   BindCard: the API cannot give an existing customer a card number: binding the card the
//!   customer already has answers the customer, any other card is NOT_CONFIGURED.
//! * SendCode / CheckCode: `PUT customer/{phone}/sendCode` and `…/checkCode/{code}`, body-less
//!   with `Content-Length: 0`; a 412 on CheckCode is `false`.
//! * Calculate: `GET customer` (the balance, and the phone when only a card is given), then
//!   `PUT retail/calc` with `bonusDebit: 0` to learn `maxDebitBonuses`, then (when bonuses are to
//!   be spent) again with the allowed amount (the request capped at the maximum, the balance and
//!   `multiplicityDebitBonus`). The per-line `ds`, `db`, `cb` are fitted onto the 1C lines with
//!   [`fit_to_total`] (caps: the line sums), so every invariant of the contract holds exactly.
//!   Line `sum` is sent gross (1C `sum` + `discountSum`) with `ds` = `discountSum` (spec Q4).
//!   One bonus is taken to be worth one rouble (the API has no rate).
//! * Reserve: `GET customer/{phone}/balance/reserve/{id}` for what is held now, then one
//!   `PATCH customer/{phone}/balance/reserve {id, amount: new − held}`: the difference, so the
//!   reserve is never released even for a moment. CancelReserve: `DELETE customer/balance/reserve
//!   {id}`; 404 / 412 `*_NOT_FOUND` is success.
//! * FixSale: the outbox (below), `POST retail` with `externalId` = documentId, `reserveId`,
//!   `bonusDebit`, `items` with `ext` = `<documentId>-<lineNo>`, `date`, `store`, `cashier`.
//! * ReturnSale: the outbox, one `PUT retail/back {ext, sum}` per line.
//! * UploadProducts: `POST product/import` in batches of [`PRODUCT_BATCH`].
//! * CheckConnection: `GET account`.
//! * BonusInfo: the local journal of the documents this add-in calculated, reserved, fixed or
//!   returned (the API has no such query).
//!
//! Exactly-once sales: the sale is stored in the outbox (`outbox.db`) before anything is sent,
//! marked `sending` right before `POST retail` and `done` with the answer. A connection that was
//! never made keeps it `queued`; a timeout, a cut connection, a 5xx or an unreadable answer make
//! it `unconfirmed`: it is never re-sent until the service's state tells. The rule: a sale that
//! spends bonuses from a named reserve is posted iff that reserve is gone (`GET …/reserve/{id}`
//! 404/412 or amount 0) and not posted while it is still held; any other sale (and each return
//! line) is compared on the customer's `purchasesTotalSum`, `lastPurchaseDate`,
//! `totalBonusCredit`, `totalBonusDebit` taken right before sending: changed means posted,
//! unchanged means not posted, none of them reported means undecidable (it stays unconfirmed,
//! counted in `left`). A wrong "posted" is possible only when another till changes the same
//! customer in between; the rule then loses the sale rather than posting it twice.

pub mod api;
pub mod http;
mod outbox;
mod pinned_tls;

pub use http::{base64, ApiKey};
pub use pinned_tls::CertPin;

use self::api::{
    ApiCustomer, BackRequest, BackResult, CalcRequest, CalcResult, CreateCustomer, ProductImport,
    ProductTiny, ReserveInfo, ReserveRequest, RetailItem, RetailRequest, RetailResult,
};
use self::http::{Answer, Body, Client, Failure, Reach};
use self::outbox::{Kind, Row, State, Store};
use super::{
    customer_not_found, Backend, BonusInfo, ConnectionInfo, Customer, CustomerData, DeliveryStatus,
    DocumentState, PendingReport, Products, Registration, ReturnRequest, ReturnResult, SaleResult,
};
use crate::engine::money::{has_at_most_decimals, round_money, MAX_MONEY};
use crate::engine::{fit_to_total, Calculation, CalculationLine, Order};
use crate::error::{Error, ErrorCode, Result};
use crate::i18n::Lang;
use crate::phone::normalize_phone;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Products per `POST product/import`.
pub const PRODUCT_BATCH: usize = 500;

/// How long opportunistic delivery rests after a pass that left something undelivered.
const DELIVERY_PAUSE: Duration = Duration::from_secs(30);

/// What [`CloudBackend::open`] needs: the component's settings.
#[derive(Clone, Debug)]
pub struct CloudConfig {
    /// Base URL, `https://…/api/` (plain `http://` only to loopback).
    pub server_address: String,
    pub api_key: ApiKey,
    /// Applied to every request as a whole (connect, send, answer).
    pub timeout: Duration,
    /// Sent as `store` with calculations and sales.
    pub store: String,
    /// Sent as `cashier` (an int) with sales when it is a number.
    pub cashier_code: String,
    /// Holds `outbox.db` (the outbox, the journal, the last customers seen).
    pub data_dir: PathBuf,
}

pub struct CloudBackend {
    client: Client,
    outbox: Store,
    store: String,
    cashier: Option<i64>,
    /// Something may wait in the outbox (cheap check before opportunistic delivery).
    pending_hint: AtomicBool,
    /// The last delivery attempt could not connect at all.
    unreachable: AtomicBool,
    pause_until: Mutex<Option<Instant>>,
    /// The customers last written to the outbox file, by phone.
    seen: Mutex<HashMap<String, String>>,
}

impl std::fmt::Debug for CloudBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CloudBackend")
            .field("client", &self.client)
            .field("outbox", &self.outbox.path())
            .finish()
    }
}

/// A sale in the outbox: the request as it will be posted, and what is needed to settle it.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
struct SalePlan {
    request: RetailRequest,
    card: String,
    /// Customer fingerprint right before the last send.
    fingerprint: Option<String>,
    /// The figures of the sale (its calculation) once known.
    calculation: Option<Calculation>,
    /// FixSale already answered `queued`: the sale must be delivered whatever comes.
    reported_queued: bool,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
struct ReturnLinePlan {
    line_no: u32,
    ext: String,
    sum: Decimal,
    state: String,
    fingerprint: Option<String>,
    remote_id: String,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
struct ReturnPlan {
    document_id: String,
    phone: String,
    lines: Vec<ReturnLinePlan>,
    reported_queued: bool,
}

enum Settled {
    Posted(Option<Box<Customer>>),
    NotPosted,
    Unknown(String),
}

fn to_json<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

fn internal(what: &str) -> Error {
    Error::new(
        ErrorCode::Internal,
        format!("Повреждена запись отложенной операции: {what}"),
        format!("A damaged outbox record: {what}"),
    )
}

fn valid_id(id: &str, field: &str) -> Result<()> {
    if id.trim().is_empty() || id.chars().count() > 200 || id.chars().any(char::is_control) {
        return Err(Error::invalid(
            format!("Поле «{field}»: нужен идентификатор документа (1–200 символов)"),
            format!("Field \"{field}\": a document id of 1 to 200 characters is required"),
        ));
    }
    Ok(())
}

fn valid_money(x: Decimal, field: &str) -> Result<()> {
    if x.is_sign_negative() && !x.is_zero() || x > MAX_MONEY || !has_at_most_decimals(x, 2) {
        return Err(Error::invalid(
            format!(
                "Поле «{field}»: сумма от 0 с не более чем 2 знаками после запятой, получено {x}"
            ),
            format!("Field \"{field}\": an amount of 0 or more with at most 2 decimals, got {x}"),
        ));
    }
    Ok(())
}

fn valid_card(card: &str) -> Result<String> {
    let card = card.trim();
    if card.chars().count() > 64 || card.chars().any(char::is_control) {
        return Err(Error::invalid(
            "Номер карты: не длиннее 64 символов, без управляющих символов",
            "Card number: at most 64 characters, no control characters",
        ));
    }
    Ok(card.to_owned())
}

fn optional_phone(phone: &str) -> Result<String> {
    if phone.trim().is_empty() {
        Ok(String::new())
    } else {
        normalize_phone(phone)
    }
}

/// A path segment: percent-encodes everything but unreserved characters.
fn segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn ext_of(document_id: &str, line_no: u32) -> String {
    if document_id.is_empty() {
        line_no.to_string()
    } else {
        format!("{document_id}-{line_no}")
    }
}

fn id_text(v: &Option<Value>) -> String {
    match v {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

fn no_api(what_ru: &str, what_en: &str) -> Error {
    Error::new(
        ErrorCode::NotConfigured,
        format!("{what_ru}: в API БонусПлюс нет такого метода; измените это в кабинете БонусПлюс"),
        format!("{what_en}: the BonusPlus API has no method for this; change it in the BonusPlus cabinet"),
    )
}

impl CloudBackend {
    /// Opens the backend: checks the address (https, or http to loopback) and the key, builds
    /// the one Agent and opens (creating) `outbox.db` in the data directory. Sends nothing.
    pub fn open(config: CloudConfig) -> Result<CloudBackend> {
        CloudBackend::open_pinned(config, None)
    }

    /// `open` with the pinned certificate of a LAN server (`ServerCertificate`).
    pub fn open_pinned(config: CloudConfig, pin: Option<CertPin>) -> Result<CloudBackend> {
        let client =
            Client::new_pinned(&config.server_address, &config.api_key, config.timeout, pin)?;
        let outbox = Store::open(&config.data_dir)?;
        let pending = outbox.pending_count()? > 0;
        Ok(CloudBackend {
            client,
            outbox,
            store: config.store.trim().to_owned(),
            cashier: config.cashier_code.trim().parse::<i64>().ok(),
            pending_hint: AtomicBool::new(pending),
            unreachable: AtomicBool::new(false),
            pause_until: Mutex::new(None),
            seen: Mutex::new(HashMap::new()),
        })
    }

    /// The outbox file.
    pub fn outbox_path(&self) -> PathBuf {
        self.outbox.path().to_path_buf()
    }

    fn store_field(&self) -> Option<String> {
        (!self.store.is_empty()).then(|| self.store.clone())
    }

    /// The lease of a row under delivery: a few requests' worth of time.
    fn lease(&self) -> Duration {
        self.client.timeout() * 6 + Duration::from_secs(10)
    }

    // ---- customers ----

    fn get_customer(
        &self,
        key: &str,
        value: &str,
    ) -> std::result::Result<Option<ApiCustomer>, Failure> {
        match self
            .client
            .get::<ApiCustomer>("customer", &[(key, value)], "customer")
        {
            Ok(c) => {
                let view = c.to_customer(if key == "phone" { value } else { "" });
                self.remember(&view);
                Ok(Some(c))
            }
            Err(f) if f.is_not_found() => Ok(None),
            Err(f) => Err(f),
        }
    }

    /// Keeps the last customer seen (the estimate of a queued sale); written only when it
    /// changed, so a calculation costs no disk write.
    fn remember(&self, view: &Customer) {
        let json = to_json(view);
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        if seen.get(&view.phone) != Some(&json)
            && self
                .outbox
                .put_customer(&view.phone, &view.card_number, &json)
                .is_ok()
        {
            if seen.len() > 1000 {
                seen.clear();
            }
            seen.insert(view.phone.clone(), json);
        }
    }

    /// By card (first) or phone, as the contract finds customers.
    fn find(&self, card: &str, phone: &str) -> std::result::Result<Option<ApiCustomer>, Failure> {
        if !card.is_empty() {
            if let Some(c) = self.get_customer("ean", card)? {
                return Ok(Some(c));
            }
        }
        if !phone.is_empty() {
            return self.get_customer("phone", phone);
        }
        Ok(None)
    }

    fn require(&self, card: &str, phone: &str) -> Result<(ApiCustomer, Customer)> {
        let c = self
            .find(card, phone)?
            .ok_or_else(|| customer_not_found(card, phone))?;
        let view = c.to_customer(phone);
        Ok((c, view))
    }

    fn cached_customer(&self, phone: &str, card: &str) -> Customer {
        self.outbox
            .customer(phone, card)
            .ok()
            .flatten()
            .and_then(|j| serde_json::from_str::<Customer>(&j).ok())
            .unwrap_or_else(|| Customer {
                phone: phone.to_owned(),
                card_number: card.to_owned(),
                card_name: String::new(),
                holder: String::new(),
                first_name: String::new(),
                last_name: String::new(),
                middle_name: String::new(),
                birth_date: None,
                gender: String::new(),
                email: String::new(),
                available_bonuses: Decimal::ZERO,
                inactive_bonuses: Decimal::ZERO,
                reserved_bonuses: Decimal::ZERO,
                discount_percent: Decimal::ZERO,
                phone_confirmed: true,
                purchases_total: Decimal::ZERO,
            })
    }

    // ---- the calculation ----

    fn items(order: &Order) -> Vec<RetailItem> {
        order
            .lines
            .iter()
            .map(|l| RetailItem {
                sum: l.sum + l.discount_sum,
                qnt: l.quantity,
                product: l.product.clone(),
                ds: Some(l.discount_sum),
                cat: (!l.category.is_empty()).then(|| l.category.clone()),
                price: Some(l.price),
                ext: Some(ext_of(&order.document_id, l.line_no)),
            })
            .collect()
    }

    fn calc_request(
        &self,
        order: &Order,
        phone: &str,
        debit: Decimal,
    ) -> std::result::Result<CalcResult, Failure> {
        let body = Client::to_json(&CalcRequest {
            phone: phone.to_owned(),
            bonus_debit: debit,
            items: Self::items(order),
            store: self.store_field(),
            coupons: order.coupons.clone(),
        });
        self.client
            .call("PUT", "retail/calc", &[], Body::Json(&body))?
            .json("retail/calc")
    }

    /// The contract's Calculation from the service's answer, fitted to kopecks.
    fn fit(
        order: &Order,
        customer: &Customer,
        answer: &CalcResult,
        max: Decimal,
        mut messages: Vec<String>,
    ) -> Calculation {
        let discounts = answer.discount.clone().unwrap_or_default();
        let per_line: Vec<Option<&api::ReceiptDiscount>> = order
            .lines
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let ext = ext_of(&order.document_id, l.line_no);
                discounts
                    .iter()
                    .find(|d| d.ext_text().as_deref() == Some(ext.as_str()))
                    .or_else(|| (discounts.len() == order.lines.len()).then(|| &discounts[i]))
            })
            .collect();
        let pick = |f: fn(&api::ReceiptDiscount) -> Option<Decimal>| -> Vec<Decimal> {
            per_line
                .iter()
                .map(|d| d.and_then(f).unwrap_or_default().max(Decimal::ZERO))
                .collect()
        };
        for d in discounts.iter() {
            for m in d.messages.clone().unwrap_or_default() {
                if !m.trim().is_empty() && !messages.contains(&m) {
                    messages.push(m);
                }
            }
        }
        let sums: Vec<Decimal> = order.lines.iter().map(|l| l.sum).collect();
        let ds = pick(|d| d.ds);
        let percent = fit_to_total(&ds, round_money(ds.iter().copied().sum()), &sums);
        let rooms: Vec<Decimal> = sums.iter().zip(&percent).map(|(s, p)| *s - *p).collect();
        let db = pick(|d| d.db);
        let bonus = fit_to_total(&db, round_money(db.iter().copied().sum()), &rooms);
        let cb = pick(|d| d.cb);
        let big = vec![MAX_MONEY; cb.len()];
        let accrual = fit_to_total(&cb, round_money(cb.iter().copied().sum()), &big);
        let mut lines = Vec::with_capacity(order.lines.len());
        for (i, l) in order.lines.iter().enumerate() {
            let discount = percent[i] + bonus[i];
            let percent_of_line = if l.sum.is_zero() {
                Decimal::ZERO
            } else {
                round_money(discount * Decimal::ONE_HUNDRED / l.sum)
            };
            lines.push(CalculationLine {
                line_no: l.line_no,
                sum: l.sum,
                percent_discount_sum: percent[i],
                bonus_debit_sum: bonus[i],
                discount_sum: discount,
                discount_percent: percent_of_line,
                sum_after: l.sum - discount,
                bonus_accrual: accrual[i],
            });
        }
        let document_sum: Decimal = sums.iter().copied().sum();
        let percent_sum: Decimal = percent.iter().copied().sum();
        let bonus_sum: Decimal = bonus.iter().copied().sum();
        let total = percent_sum + bonus_sum;
        Calculation {
            document_id: order.document_id.clone(),
            phone: customer.phone.clone(),
            document_sum,
            discount_percent: customer.discount_percent,
            percent_discount_sum: percent_sum,
            available_bonuses: customer.available_bonuses.max(Decimal::ZERO),
            max_bonus_debit: max,
            bonus_debit: bonus_sum,
            bonus_debit_sum: bonus_sum,
            total_discount: total,
            to_pay: document_sum - total,
            bonus_accrual: accrual.iter().copied().sum(),
            messages,
            lines,
        }
    }

    /// Calculate for `order` against the customer; `exact` asks for exactly that debit in one
    /// request (the sale's own figures), otherwise the two-step max-then-allowed dance.
    fn calculate_for(
        &self,
        order: &Order,
        customer: &Customer,
        exact: Option<Decimal>,
        lang: Lang,
    ) -> Result<Calculation> {
        let phone = customer.phone.as_str();
        if let Some(debit) = exact {
            let answer = self.calc_request(order, phone, debit)?;
            let max = answer.max_debit_bonuses.unwrap_or(debit).max(Decimal::ZERO);
            return Ok(Self::fit(order, customer, &answer, max, Vec::new()));
        }
        let first = self.calc_request(order, phone, Decimal::ZERO)?;
        let available = customer.available_bonuses.max(Decimal::ZERO);
        let max = first
            .max_debit_bonuses
            .unwrap_or_default()
            .max(Decimal::ZERO)
            .min(available);
        let wants = order.use_bonuses && order.bonus_debit != Some(Decimal::ZERO);
        if !wants {
            return Ok(Self::fit(order, customer, &first, max, Vec::new()));
        }
        let mut allowed = order.bonus_debit.map_or(max, |asked| asked.min(max));
        if let Some(step) = first
            .multiplicity_debit_bonus
            .filter(|m| *m > Decimal::ZERO)
        {
            allowed = (allowed / step).floor() * step;
        }
        allowed = round_money(allowed).max(Decimal::ZERO);
        let mut messages = Vec::new();
        if let Some(asked) = order.bonus_debit.filter(|a| *a > allowed) {
            // Normalized, so 100 reads "100" as in the embedded engine's notes, not "100.00".
            let (asked, allowed) = (asked.normalize(), allowed.normalize());
            messages.push(match lang {
                Lang::Ru => format!("Запрошено {asked} бонусов, можно списать не больше {allowed}"),
                Lang::En => {
                    format!("{asked} bonuses were requested; at most {allowed} can be applied")
                }
            });
        }
        if allowed.is_zero() {
            return Ok(Self::fit(order, customer, &first, max, messages));
        }
        let second = self.calc_request(order, phone, allowed)?;
        Ok(Self::fit(order, customer, &second, max, messages))
    }

    // ---- the journal ----

    fn journal_state(&self, doc: &str) -> Option<DocumentState> {
        self.outbox
            .journal(doc)
            .ok()
            .flatten()
            .and_then(|(s, _, _)| DocumentState::parse(&s))
    }

    fn journal_calc(&self, doc: &str) -> Option<Calculation> {
        self.outbox
            .journal(doc)
            .ok()
            .flatten()
            .and_then(|(_, _, c)| serde_json::from_str(&c).ok())
    }

    fn record(
        &self,
        doc: &str,
        state: DocumentState,
        calc: Option<&Calculation>,
        customer: &Customer,
        bonus_debit: Option<Decimal>,
    ) {
        let info = BonusInfo {
            document_id: doc.to_owned(),
            holder: customer.holder.clone(),
            card_number: customer.card_number.clone(),
            phone: customer.phone.clone(),
            document_sum: calc.map_or(Decimal::ZERO, |c| c.document_sum),
            to_pay: calc.map_or(Decimal::ZERO, |c| c.to_pay),
            bonus_debit: bonus_debit
                .or(calc.map(|c| c.bonus_debit))
                .unwrap_or_default(),
            percent_discount_sum: calc.map_or(Decimal::ZERO, |c| c.percent_discount_sum),
            bonus_accrual: calc.map_or(Decimal::ZERO, |c| c.bonus_accrual),
            state,
        };
        let calc_json = calc.map(to_json);
        // The journal is a convenience: losing an entry must not fail the call that made it.
        let _ = self
            .outbox
            .put_journal(doc, state.as_str(), &to_json(&info), calc_json.as_deref());
    }

    // ---- the outbox: sales ----

    fn stored<T: for<'de> Deserialize<'de>>(row: &Row) -> Result<T> {
        serde_json::from_str(&row.result).map_err(|_| internal("result"))
    }

    /// The figures of a sale: the journal's calculation of its own document or of its reserve
    /// when it spends the same bonuses on the same sum, else the service's calculation.
    fn sale_figures(
        &self,
        sale: &Order,
        customer: &Customer,
    ) -> std::result::Result<Option<Calculation>, Failure> {
        let spend = sale.bonus_debit.unwrap_or_default();
        let matches = |c: &Calculation| {
            c.bonus_debit == spend
                && c.document_sum == sale.document_sum()
                && c.lines.len() == sale.lines.len()
        };
        let docs = [Some(sale.document_id.as_str()), sale.reserve_id.as_deref()];
        for doc in docs.into_iter().flatten() {
            if let Some(c) = self.journal_calc(doc).filter(matches) {
                return Ok(Some(c));
            }
        }
        match self.calculate_for(sale, customer, Some(spend), Lang::Ru) {
            Ok(c) => Ok(Some(c)),
            Err(e) if e.code == ErrorCode::Network => Err(Failure {
                error: e,
                reach: Reach::NotSent,
                status: None,
            }),
            Err(_) => Ok(None),
        }
    }

    fn deliver_sale(&self, seq: i64) -> Result<SaleResult> {
        if !self.outbox.claim(seq, self.lease())? {
            let row = self.outbox.by_seq(seq)?.ok_or_else(|| internal("row"))?;
            if row.state == State::Failed {
                return Err(Error::new(
                    ErrorCode::Rejected,
                    "БонусПлюс отказал в проведении продажи",
                    "BonusPlus refused the sale",
                ));
            }
            return Self::stored(&row);
        }
        let out = self.deliver_sale_claimed(seq);
        let _ = self.outbox.release(seq);
        out
    }

    fn settle_sale(&self, plan: &SalePlan) -> Settled {
        let phone = plan.request.phone.as_str();
        let current = || {
            self.get_customer("phone", phone)
                .ok()
                .flatten()
                .map(|c| c.to_customer(phone))
        };
        if let Some(reserve) = plan
            .request
            .reserve_id
            .as_deref()
            .filter(|_| plan.request.bonus_debit > Decimal::ZERO)
        {
            let path = format!(
                "customer/{}/balance/reserve/{}",
                segment(phone),
                segment(reserve)
            );
            return match self.client.get::<ReserveInfo>(&path, &[], "reserve") {
                Ok(info) if info.amount.unwrap_or_default() > Decimal::ZERO => Settled::NotPosted,
                Ok(_) => Settled::Posted(current().map(Box::new)),
                Err(f) if f.is_not_found() => Settled::Posted(current().map(Box::new)),
                Err(f) => Settled::Unknown(f.error.message_en),
            };
        }
        match self.get_customer("phone", phone) {
            Ok(Some(c)) => match (&plan.fingerprint, c.fingerprint()) {
                (Some(before), Some(now)) if *before != now => {
                    Settled::Posted(Some(Box::new(c.to_customer(phone))))
                }
                (Some(_), Some(_)) => Settled::NotPosted,
                _ => Settled::Unknown(
                    "the service reports no purchase marker for the customer".into(),
                ),
            },
            Ok(None) => Settled::Unknown("the customer is not found".into()),
            Err(f) => Settled::Unknown(f.error.message_en),
        }
    }

    fn sale_done(
        &self,
        seq: i64,
        sale: &Order,
        plan: &SalePlan,
        mut result: SaleResult,
        remote: &str,
    ) -> Result<SaleResult> {
        result.status = DeliveryStatus::Done;
        result.sale_id = remote.to_owned();
        self.outbox.set(
            seq,
            State::Done,
            Some(&to_json(plan)),
            Some(&to_json(&result)),
            Some(remote),
            Some(""),
        )?;
        self.record(
            &sale.document_id,
            DocumentState::Fixed,
            plan.calculation.as_ref(),
            &result.customer,
            Some(result.bonus_debited),
        );
        if let Some(reserve) = plan.request.reserve_id.as_deref() {
            self.record_reserve_spent(reserve, &sale.document_id);
        }
        Ok(result)
    }

    /// The order whose reserve a posted sale consumed shows `fixed` with the reserved amount, not
    /// a reserve that no longer exists. Like every journal entry, best effort.
    fn record_reserve_spent(&self, reserve: &str, sale_document: &str) {
        if reserve == sale_document {
            return;
        }
        let Some(mut info) = self
            .outbox
            .journal(reserve)
            .ok()
            .flatten()
            .and_then(|(_, info, _)| serde_json::from_str::<BonusInfo>(&info).ok())
            .filter(|info| info.state == DocumentState::Reserved)
        else {
            return;
        };
        info.state = DocumentState::Fixed;
        let _ = self
            .outbox
            .put_journal(reserve, info.state.as_str(), &to_json(&info), None);
    }

    fn deliver_sale_claimed(&self, seq: i64) -> Result<SaleResult> {
        let row = self.outbox.by_seq(seq)?.ok_or_else(|| internal("row"))?;
        if row.state == State::Done {
            return Self::stored(&row);
        }
        let (mut plan, sale): (SalePlan, Order) =
            serde_json::from_str(&row.plan).map_err(|_| internal("plan"))?;
        let mut estimate: SaleResult = Self::stored(&row)?;
        estimate.status = DeliveryStatus::Queued;

        if matches!(row.state, State::Sending | State::Unconfirmed) {
            match self.settle_sale(&plan) {
                Settled::Posted(customer) => {
                    if let Some(c) = customer {
                        estimate.customer = *c;
                    }
                    return self.sale_done(seq, &sale, &plan, estimate, "");
                }
                Settled::NotPosted => {}
                Settled::Unknown(why) => return self.sale_unconfirmed(seq, &why, estimate),
            }
        }

        // Prepare: the customer (phone, fingerprint, balance) and the sale's figures.
        let prepared = (|| -> std::result::Result<(), Failure> {
            let c = self
                .find(&plan.card, &plan.request.phone)?
                .ok_or_else(|| Failure {
                    error: customer_not_found(&plan.card, &plan.request.phone),
                    reach: Reach::Answered,
                    status: Some(412),
                })?;
            let view = c.to_customer(&plan.request.phone);
            plan.request.phone = view.phone.clone();
            plan.fingerprint = c.fingerprint();
            if plan.calculation.is_none() {
                let mut order = sale.clone();
                order.phone = view.phone.clone();
                plan.calculation = self.sale_figures(&order, &view)?;
            }
            estimate.bonus_accrued = plan
                .calculation
                .as_ref()
                .map_or(Decimal::ZERO, |c| c.bonus_accrual);
            estimate.customer = view;
            Ok(())
        })();
        if let Err(f) = prepared {
            return self.sale_not_sent(seq, &plan, &estimate, f);
        }

        self.outbox.set(
            seq,
            State::Sending,
            Some(&to_json(&(&plan, &sale))),
            Some(&to_json(&estimate)),
            None,
            None,
        )?;
        let body = Client::to_json(&plan.request);
        match self.client.call("POST", "retail", &[], Body::Json(&body)) {
            Ok(answer) => match answer.json::<RetailResult>("retail") {
                Ok(r) => {
                    if let Some(c) = &r.customer {
                        estimate.customer = c.to_customer(&plan.request.phone);
                    }
                    self.sale_done(seq, &sale, &plan, estimate, &id_text(&r.id))
                }
                Err(f) => self.sale_unconfirmed(seq, &f.error.message_en, estimate),
            },
            Err(f) if f.reach == Reach::Unknown => {
                self.sale_unconfirmed(seq, &f.error.message_en, estimate)
            }
            Err(f) => self.sale_not_sent(seq, &plan, &estimate, f),
        }
    }

    /// The sale may have been posted: it is kept, never re-sent, until the service's state tells.
    fn sale_unconfirmed(&self, seq: i64, why: &str, estimate: SaleResult) -> Result<SaleResult> {
        self.outbox
            .set(seq, State::Unconfirmed, None, None, None, Some(why))?;
        Ok(estimate)
    }

    /// The sale certainly did not go through: queued (or failed when the service refused it and
    /// 1C has not been told `queued` yet).
    fn sale_not_sent(
        &self,
        seq: i64,
        plan: &SalePlan,
        estimate: &SaleResult,
        f: Failure,
    ) -> Result<SaleResult> {
        self.unreachable
            .store(f.reach == Reach::NotSent, Ordering::Relaxed);
        let plan_json = self.outbox.by_seq(seq)?.map(|r| r.plan);
        if f.reach == Reach::Answered && !plan.reported_queued {
            self.outbox.set(
                seq,
                State::Failed,
                plan_json.as_deref(),
                None,
                None,
                Some(&f.error.message_en),
            )?;
            return Err(f.error);
        }
        self.outbox.set(
            seq,
            State::Queued,
            plan_json.as_deref(),
            Some(&to_json(estimate)),
            None,
            Some(&f.error.message_en),
        )?;
        Ok(estimate.clone())
    }

    fn mark_reported(&self, seq: i64) {
        if let Ok(Some(row)) = self.outbox.by_seq(seq) {
            if let Ok((mut plan, sale)) = serde_json::from_str::<(SalePlan, Order)>(&row.plan) {
                plan.reported_queued = true;
                let _ = self.outbox.set(
                    seq,
                    row.state,
                    Some(&to_json(&(&plan, &sale))),
                    None,
                    None,
                    None,
                );
            }
        }
    }

    // ---- the outbox: returns ----

    fn return_estimate(
        &self,
        req: &ReturnRequest,
        sale_calc: Option<&Calculation>,
        customer: Customer,
    ) -> ReturnResult {
        let mut restored = Decimal::ZERO;
        let mut reversed = Decimal::ZERO;
        if let Some(calc) = sale_calc {
            for l in &req.lines {
                if let Some(cl) = calc.lines.iter().find(|c| c.line_no == l.line_no) {
                    let share = if cl.sum_after.is_zero() {
                        Decimal::ONE
                    } else {
                        (l.sum / cl.sum_after).min(Decimal::ONE)
                    };
                    restored += round_money(cl.bonus_debit_sum * share);
                    reversed += round_money(cl.bonus_accrual * share);
                }
            }
        }
        ReturnResult {
            return_id: req.return_id.clone(),
            status: DeliveryStatus::Queued,
            bonus_restored: restored,
            bonus_reversed: reversed,
            customer,
        }
    }

    fn deliver_return(&self, seq: i64) -> Result<ReturnResult> {
        if !self.outbox.claim(seq, self.lease())? {
            let row = self.outbox.by_seq(seq)?.ok_or_else(|| internal("row"))?;
            return Self::stored(&row);
        }
        let out = self.deliver_return_claimed(seq);
        let _ = self.outbox.release(seq);
        out
    }

    /// Persists a return's plan with the row's new state (and why, when it is not settled).
    fn save_return_plan(
        &self,
        seq: i64,
        plan: &ReturnPlan,
        state: State,
        error: Option<&str>,
    ) -> Result<()> {
        self.outbox
            .set(seq, state, Some(&to_json(plan)), None, None, error)
    }

    fn deliver_return_claimed(&self, seq: i64) -> Result<ReturnResult> {
        let row = self.outbox.by_seq(seq)?.ok_or_else(|| internal("row"))?;
        if row.state == State::Done {
            return Self::stored(&row);
        }
        let mut plan: ReturnPlan = serde_json::from_str(&row.plan).map_err(|_| internal("plan"))?;
        let mut estimate: ReturnResult = Self::stored(&row)?;
        estimate.status = DeliveryStatus::Queued;
        // A return waits for its sale.
        if let Some(sale) = self.outbox.get(Kind::Sale, &plan.document_id)? {
            match sale.state {
                State::Done => {
                    if plan.phone.is_empty() {
                        if let Ok((sp, _)) = serde_json::from_str::<(SalePlan, Order)>(&sale.plan) {
                            plan.phone = sp.request.phone;
                        }
                    }
                }
                State::Failed => {
                    let e = Error::new(
                        ErrorCode::NotFound,
                        format!("Продажа {} не была проведена в БонусПлюс", plan.document_id),
                        format!("The sale {} was not posted to BonusPlus", plan.document_id),
                    );
                    self.outbox
                        .set(seq, State::Failed, None, None, None, Some(&e.message_en))?;
                    return Err(e);
                }
                _ => return Ok(estimate),
            }
        }
        let fingerprint = |phone: &str| -> std::result::Result<Option<String>, Failure> {
            if phone.is_empty() {
                return Ok(None);
            }
            Ok(self
                .get_customer("phone", phone)?
                .and_then(|c| c.fingerprint()))
        };
        for i in 0..plan.lines.len() {
            if plan.lines[i].state == "done" {
                continue;
            }
            self.outbox.renew(seq, self.lease())?;
            if matches!(plan.lines[i].state.as_str(), "sending" | "unconfirmed") {
                let now = fingerprint(&plan.phone);
                match (&plan.lines[i].fingerprint, now) {
                    (Some(before), Ok(Some(now))) if *before != now => {
                        plan.lines[i].state = "done".into();
                        self.save_return_plan(seq, &plan, State::Queued, None)?;
                        continue;
                    }
                    (Some(_), Ok(Some(_))) => plan.lines[i].state = "queued".into(),
                    _ => {
                        plan.lines[i].state = "unconfirmed".into();
                        self.save_return_plan(
                            seq,
                            &plan,
                            State::Unconfirmed,
                            Some("cannot tell whether the return line went through"),
                        )?;
                        return Ok(estimate);
                    }
                }
            }
            let fp = match fingerprint(&plan.phone) {
                Ok(fp) => fp,
                Err(f) => return self.return_not_sent(seq, &plan, &estimate, f),
            };
            plan.lines[i].fingerprint = fp;
            plan.lines[i].state = "sending".into();
            self.save_return_plan(seq, &plan, State::Sending, None)?;
            let body = Client::to_json(&BackRequest {
                ext: plan.lines[i].ext.clone(),
                sum: plan.lines[i].sum,
            });
            match self
                .client
                .call("PUT", "retail/back", &[], Body::Json(&body))
            {
                Ok(answer) => {
                    let r: std::result::Result<BackResult, Failure> =
                        if answer.body.trim().is_empty() {
                            Ok(BackResult::default())
                        } else {
                            answer.json("retail/back")
                        };
                    match r {
                        Ok(r) => {
                            plan.lines[i].state = "done".into();
                            plan.lines[i].remote_id = id_text(&r.returned_purchase_id);
                            self.save_return_plan(seq, &plan, State::Queued, None)?;
                        }
                        Err(f) => {
                            plan.lines[i].state = "unconfirmed".into();
                            self.save_return_plan(
                                seq,
                                &plan,
                                State::Unconfirmed,
                                Some(&f.error.message_en),
                            )?;
                            return Ok(estimate);
                        }
                    }
                }
                Err(f) if f.reach == Reach::Unknown => {
                    plan.lines[i].state = "unconfirmed".into();
                    self.save_return_plan(
                        seq,
                        &plan,
                        State::Unconfirmed,
                        Some(&f.error.message_en),
                    )?;
                    return Ok(estimate);
                }
                Err(f) => {
                    plan.lines[i].state = "queued".into();
                    return self.return_not_sent(seq, &plan, &estimate, f);
                }
            }
        }
        if !plan.phone.is_empty() {
            if let Ok(Some(c)) = self.get_customer("phone", &plan.phone) {
                estimate.customer = c.to_customer(&plan.phone);
            }
        }
        estimate.status = DeliveryStatus::Done;
        let remote = plan
            .lines
            .iter()
            .map(|l| l.remote_id.as_str())
            .collect::<Vec<_>>()
            .join(",");
        self.outbox.set(
            seq,
            State::Done,
            Some(&to_json(&plan)),
            Some(&to_json(&estimate)),
            Some(&remote),
            Some(""),
        )?;
        Ok(estimate)
    }

    fn return_not_sent(
        &self,
        seq: i64,
        plan: &ReturnPlan,
        estimate: &ReturnResult,
        f: Failure,
    ) -> Result<ReturnResult> {
        self.unreachable
            .store(f.reach == Reach::NotSent, Ordering::Relaxed);
        let any_done = plan.lines.iter().any(|l| l.state == "done");
        if f.reach == Reach::Answered && !plan.reported_queued && !any_done {
            self.outbox.set(
                seq,
                State::Failed,
                Some(&to_json(plan)),
                None,
                None,
                Some(&f.error.message_en),
            )?;
            return Err(f.error);
        }
        self.outbox.set(
            seq,
            State::Queued,
            Some(&to_json(plan)),
            None,
            None,
            Some(&f.error.message_en),
        )?;
        Ok(estimate.clone())
    }

    // ---- delivery of everything ----

    fn deliver_all(&self) -> Result<PendingReport> {
        let mut sent = 0;
        let mut blocked: HashSet<String> = HashSet::new();
        for row in self.outbox.pending()? {
            self.unreachable.store(false, Ordering::Relaxed);
            let delivered = match row.kind {
                Kind::Sale => match self.deliver_sale(row.seq) {
                    Ok(r) => r.status == DeliveryStatus::Done,
                    Err(_) => false,
                },
                Kind::Return => {
                    let doc = serde_json::from_str::<ReturnPlan>(&row.plan)
                        .map(|p| p.document_id)
                        .unwrap_or_default();
                    if blocked.contains(&doc) {
                        false
                    } else {
                        matches!(self.deliver_return(row.seq), Ok(r) if r.status == DeliveryStatus::Done)
                    }
                }
            };
            if delivered {
                sent += 1;
            } else {
                if row.kind == Kind::Sale {
                    blocked.insert(row.key.clone());
                }
                // The service is unreachable: the rest would only wait for the same failure.
                if self.unreachable.swap(false, Ordering::Relaxed) {
                    break;
                }
            }
        }
        let left = self.outbox.pending_count()?;
        self.pending_hint.store(left > 0, Ordering::Relaxed);
        *self.pause_until.lock().unwrap_or_else(|p| p.into_inner()) =
            (left > 0).then(|| Instant::now() + DELIVERY_PAUSE);
        Ok(PendingReport { sent, left })
    }

    /// After a successful call: deliver what waits, unless a recent pass left it undelivered.
    fn opportunistic(&self) {
        if !self.pending_hint.load(Ordering::Relaxed) {
            return;
        }
        let paused = self
            .pause_until
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .is_some_and(|t| Instant::now() < t);
        if !paused {
            let _ = self.deliver_all();
        }
    }

    fn ok<T>(&self, r: Result<T>) -> Result<T> {
        if r.is_ok() {
            self.opportunistic();
        }
        r
    }

    fn reserve_now(&self, phone: &str, document_id: &str) -> std::result::Result<Decimal, Failure> {
        let path = format!(
            "customer/{}/balance/reserve/{}",
            segment(phone),
            segment(document_id)
        );
        match self.client.get::<ReserveInfo>(&path, &[], "reserve") {
            Ok(info) => Ok(info.amount.unwrap_or_default().max(Decimal::ZERO)),
            Err(f) if f.is_not_found() => Ok(Decimal::ZERO),
            Err(f) => Err(f),
        }
    }
}

impl Backend for CloudBackend {
    fn find_customer(&self, card: &str, phone: &str) -> Result<Option<Customer>> {
        let card = valid_card(card)?;
        let phone = optional_phone(phone)?;
        if card.is_empty() && phone.is_empty() {
            return Err(Error::invalid(
                "Укажите номер карты или телефон",
                "Give a card number or a phone",
            ));
        }
        let r = self
            .find(&card, &phone)
            .map(|c| c.map(|c| c.to_customer(&phone)))
            .map_err(Error::from);
        self.ok(r)
    }

    fn register_customer(
        &self,
        phone: &str,
        card: &str,
        data: &CustomerData,
    ) -> Result<Registration> {
        let phone = normalize_phone(phone)?;
        let mut card = valid_card(card)?;
        if card.is_empty() {
            card = valid_card(data.card_number.as_deref().unwrap_or(""))?;
        }
        if let Some(c) = self.get_customer("phone", &phone)? {
            return self.ok(Ok(Registration {
                created: false,
                customer: c.to_customer(&phone),
            }));
        }
        let (mut first, mut last, mut middle) = (
            data.first_name.clone(),
            data.last_name.clone(),
            data.middle_name.clone(),
        );
        if first.is_none() && last.is_none() && middle.is_none() {
            if let Some(holder) = &data.holder {
                let mut parts = holder.split_whitespace().map(str::to_owned);
                last = parts.next();
                first = parts.next();
                middle = parts.next();
            }
        }
        let body = Client::to_json(&CreateCustomer {
            phone: phone.clone(),
            ean: (!card.is_empty()).then(|| card.clone()),
            card: data.card_name.clone().filter(|s| !s.trim().is_empty()),
            first,
            last,
            middle,
            email: data.email.clone().filter(|s| !s.trim().is_empty()),
            birth_day: data.birth_date.map(api::birth_day),
            store: self.store_field(),
        });
        let r = match self.client.call("POST", "customer", &[], Body::Json(&body)) {
            Ok(answer) => {
                let c: ApiCustomer = answer.json("customer")?;
                let view = c.to_customer(&phone);
                self.remember(&view);
                Ok(Registration {
                    created: true,
                    customer: view,
                })
            }
            Err(f) if f.service_code() == Some("CUSTOMER_ALREADY_EXISTS") => {
                let c = self
                    .get_customer("phone", &phone)?
                    .ok_or_else(|| customer_not_found("", &phone))?;
                Ok(Registration {
                    created: false,
                    customer: c.to_customer(&phone),
                })
            }
            Err(f) => Err(f.error),
        };
        self.ok(r)
    }

    fn update_customer(&self, phone: &str, data: &CustomerData) -> Result<Customer> {
        let phone = normalize_phone(phone)?;
        let (_, current) = self.require("", &phone)?;
        let differs =
            |new: &Option<String>, old: &str| new.as_ref().is_some_and(|n| n.trim() != old);
        // Only the card name has an API; any other key that would change is refused, not faked.
        let text_keys = [
            (&data.first_name, &current.first_name, "firstName"),
            (&data.last_name, &current.last_name, "lastName"),
            (&data.middle_name, &current.middle_name, "middleName"),
            (&data.holder, &current.holder, "holder"),
            (&data.email, &current.email, "email"),
            (&data.gender, &current.gender, "gender"),
            (&data.card_number, &current.card_number, "cardNumber"),
        ];
        let mut unsupported: Vec<&str> = text_keys
            .iter()
            .filter(|(new, old, _)| differs(new, old))
            .map(|(_, _, name)| *name)
            .collect();
        if data.birth_date.is_some() {
            unsupported.push("birthDate");
        }
        if data
            .discount_percent
            .is_some_and(|d| d != current.discount_percent)
        {
            unsupported.push("discountPercent");
        }
        if !unsupported.is_empty() {
            let keys = unsupported.join(", ");
            return Err(no_api(
                &format!("Изменение полей {keys}"),
                &format!("Changing {keys}"),
            ));
        }
        if let Some(name) = data
            .card_name
            .as_ref()
            .filter(|n| n.trim() != current.card_name)
        {
            let body = json!({ "newCard": name.trim() });
            self.client.call(
                "PATCH",
                &format!("customer/{}", segment(&phone)),
                &[],
                Body::Json(&body),
            )?;
            let (_, after) = self.require("", &phone)?;
            return self.ok(Ok(after));
        }
        self.ok(Ok(current))
    }

    fn bind_card(&self, phone: &str, card: &str) -> Result<Customer> {
        let phone = normalize_phone(phone)?;
        let card = valid_card(card)?;
        if card.is_empty() {
            return Err(Error::invalid(
                "Не указан номер карты",
                "No card number given",
            ));
        }
        let (_, current) = self.require("", &phone)?;
        if current.card_number == card {
            return self.ok(Ok(current));
        }
        Err(no_api(
            "Привязка карты к существующему клиенту",
            "Binding a card to an existing customer",
        ))
    }

    fn send_code(&self, phone: &str) -> Result<()> {
        let phone = normalize_phone(phone)?;
        let r = self
            .client
            .call(
                "PUT",
                &format!("customer/{}/sendCode", segment(&phone)),
                &[],
                Body::Empty,
            )
            .map(|_| ())
            .map_err(Error::from);
        self.ok(r)
    }

    fn check_code(&self, phone: &str, code: &str) -> Result<bool> {
        let phone = normalize_phone(phone)?;
        let code = code.trim();
        if code.is_empty() || code.len() > 32 || !code.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Ok(false);
        }
        let path = format!("customer/{}/checkCode/{}", segment(&phone), segment(code));
        let r = match self.client.call("PUT", &path, &[], Body::Empty) {
            Ok(_) => Ok(true),
            Err(f) if f.status == Some(412) => Ok(false),
            Err(f) => Err(f.error),
        };
        self.ok(r)
    }

    fn calculate_in(&self, order: &Order, lang: Lang) -> Result<Calculation> {
        order.validate()?;
        if !order.document_id.is_empty() {
            valid_id(&order.document_id, "documentId")?;
        }
        let card = valid_card(&order.card_number)?;
        let phone = optional_phone(&order.phone)?;
        let (_, customer) = self.require(&card, &phone)?;
        let mut order = order.clone();
        order.phone = customer.phone.clone();
        let calc = self.calculate_for(&order, &customer, None, lang)?;
        if !order.document_id.is_empty() {
            match self.journal_state(&order.document_id) {
                Some(DocumentState::Fixed | DocumentState::Returned) => {}
                Some(DocumentState::Reserved) => {
                    let held = serde_json::from_str::<BonusInfo>(
                        &self
                            .outbox
                            .journal(&order.document_id)?
                            .map(|j| j.1)
                            .unwrap_or_default(),
                    )
                    .map(|i| i.bonus_debit)
                    .ok();
                    self.record(
                        &order.document_id,
                        DocumentState::Reserved,
                        Some(&calc),
                        &customer,
                        held,
                    );
                }
                _ => self.record(
                    &order.document_id,
                    DocumentState::Calculated,
                    Some(&calc),
                    &customer,
                    None,
                ),
            }
        }
        self.ok(Ok(calc))
    }

    fn reserve(&self, document_id: &str, phone: &str, amount: Decimal) -> Result<()> {
        valid_id(document_id, "DocumentId")?;
        let phone = normalize_phone(phone)?;
        valid_money(amount, "Amount")?;
        let held = self.reserve_now(&phone, document_id)?;
        let difference = amount - held;
        if !difference.is_zero() {
            let body = Client::to_json(&ReserveRequest {
                id: document_id.to_owned(),
                amount: Some(difference),
            });
            self.client.call(
                "PATCH",
                &format!("customer/{}/balance/reserve", segment(&phone)),
                &[],
                Body::Json(&body),
            )?;
        }
        let calc = self.journal_calc(document_id);
        let customer = self.cached_customer(&phone, "");
        let state = if amount.is_zero() {
            DocumentState::Calculated
        } else {
            DocumentState::Reserved
        };
        self.record(document_id, state, calc.as_ref(), &customer, Some(amount));
        self.ok(Ok(()))
    }

    fn cancel_reserve(&self, document_id: &str) -> Result<()> {
        valid_id(document_id, "DocumentId")?;
        let body = Client::to_json(&ReserveRequest {
            id: document_id.to_owned(),
            amount: None,
        });
        match self
            .client
            .call("DELETE", "customer/balance/reserve", &[], Body::Json(&body))
        {
            Ok(_) => {}
            Err(f) if f.is_not_found() => {}
            Err(f) => return Err(f.error),
        }
        if self.journal_state(document_id) == Some(DocumentState::Reserved) {
            if let Some((_, info, _)) = self.outbox.journal(document_id)? {
                if let Ok(info) = serde_json::from_str::<BonusInfo>(&info) {
                    let calc = self.journal_calc(document_id);
                    let customer = self.cached_customer(&info.phone, &info.card_number);
                    self.record(
                        document_id,
                        DocumentState::Calculated,
                        calc.as_ref(),
                        &customer,
                        None,
                    );
                }
            }
        }
        self.ok(Ok(()))
    }

    fn fix_sale(&self, sale: &Order) -> Result<SaleResult> {
        valid_id(&sale.document_id, "documentId")?;
        if let Some(row) = self.outbox.get(Kind::Sale, &sale.document_id)? {
            match row.state {
                State::Done => return Self::stored(&row),
                State::Failed => {}
                _ => {
                    let r = self.deliver_sale(row.seq);
                    if r.as_ref().is_ok_and(|r| r.status == DeliveryStatus::Queued) {
                        self.mark_reported(row.seq);
                        self.pending_hint.store(true, Ordering::Relaxed);
                    }
                    return r;
                }
            }
        }
        sale.validate()?;
        if let Some(r) = sale.reserve_id.as_deref().filter(|r| !r.is_empty()) {
            valid_id(r, "reserveId")?;
        }
        let spend = sale.bonus_debit.unwrap_or_default();
        valid_money(spend, "bonusDebit")?;
        let card = valid_card(&sale.card_number)?;
        let phone = optional_phone(&sale.phone)?;
        let mut sale = sale.clone();
        sale.phone = phone.clone();
        sale.card_number = card.clone();
        sale.bonus_debit = Some(spend);
        sale.use_bonuses = spend > Decimal::ZERO;
        let date = sale.date.unwrap_or_else(|| {
            use crate::backend::Clock;
            crate::backend::SystemClock.now()
        });
        sale.date = Some(date);
        let plan = SalePlan {
            request: RetailRequest {
                phone: phone.clone(),
                items: Self::items(&sale),
                bonus_debit: spend,
                external_id: Some(sale.document_id.clone()),
                date: Some(api::sale_date(date)),
                store: self.store_field(),
                cashier: self.cashier,
                reserve_id: sale.reserve_id.clone().filter(|r| !r.is_empty()),
                coupons: sale.coupons.clone(),
            },
            card: card.clone(),
            fingerprint: None,
            calculation: None,
            reported_queued: false,
        };
        let customer = self.cached_customer(&phone, &card);
        let estimate = SaleResult {
            document_id: sale.document_id.clone(),
            status: DeliveryStatus::Queued,
            sale_id: String::new(),
            bonus_debited: spend,
            bonus_accrued: [Some(sale.document_id.as_str()), sale.reserve_id.as_deref()]
                .into_iter()
                .flatten()
                .filter_map(|d| self.journal_calc(d))
                .find(|c| c.bonus_debit == spend && c.document_sum == sale.document_sum())
                .map_or(Decimal::ZERO, |c| c.bonus_accrual),
            customer,
        };
        let row = self.outbox.insert(
            Kind::Sale,
            &sale.document_id,
            &to_json(&(&plan, &sale)),
            &to_json(&estimate),
        )?;
        let r = self.deliver_sale(row.seq);
        if let Ok(result) = &r {
            if result.status == DeliveryStatus::Queued {
                self.mark_reported(row.seq);
                self.pending_hint.store(true, Ordering::Relaxed);
                self.record(
                    &sale.document_id,
                    DocumentState::Fixed,
                    None,
                    &result.customer,
                    Some(spend),
                );
            }
        }
        r
    }

    fn return_sale(&self, request: &ReturnRequest) -> Result<ReturnResult> {
        valid_id(&request.return_id, "returnId")?;
        valid_id(&request.document_id, "documentId")?;
        if let Some(row) = self.outbox.get(Kind::Return, &request.return_id)? {
            match row.state {
                State::Done => return Self::stored(&row),
                State::Failed => {}
                _ => return self.deliver_return(row.seq),
            }
        }
        if request.lines.is_empty() || request.lines.len() > 10_000 {
            return Err(Error::invalid(
                "Возврат: нужны строки (от 1 до 10000)",
                "Return: 1 to 10000 lines are required",
            ));
        }
        let mut seen = HashSet::new();
        for l in &request.lines {
            if !seen.insert(l.line_no) {
                return Err(Error::invalid(
                    format!("Возврат: строка {} указана дважды", l.line_no),
                    format!("Return: line {} is given twice", l.line_no),
                ));
            }
            valid_money(l.sum, "sum")?;
            if l.quantity <= Decimal::ZERO || !has_at_most_decimals(l.quantity, 3) {
                return Err(Error::invalid(
                    format!(
                        "Возврат: количество строки {} должно быть больше нуля",
                        l.line_no
                    ),
                    format!(
                        "Return: the quantity of line {} must be above zero",
                        l.line_no
                    ),
                ));
            }
        }
        let sale_row = self.outbox.get(Kind::Sale, &request.document_id)?;
        let sale_plan = sale_row
            .as_ref()
            .and_then(|r| serde_json::from_str::<(SalePlan, Order)>(&r.plan).ok());
        let phone = sale_plan
            .as_ref()
            .map(|(p, _)| p.request.phone.clone())
            .filter(|p| !p.is_empty())
            .or_else(|| {
                self.outbox
                    .journal(&request.document_id)
                    .ok()
                    .flatten()
                    .and_then(|(_, i, _)| serde_json::from_str::<BonusInfo>(&i).ok())
                    .map(|i| i.phone)
            })
            .unwrap_or_default();
        let sale_calc = sale_plan
            .as_ref()
            .and_then(|(p, _)| p.calculation.clone())
            .or_else(|| self.journal_calc(&request.document_id));
        let plan = ReturnPlan {
            document_id: request.document_id.clone(),
            phone: phone.clone(),
            lines: request
                .lines
                .iter()
                .map(|l| ReturnLinePlan {
                    line_no: l.line_no,
                    ext: ext_of(&request.document_id, l.line_no),
                    sum: l.sum,
                    state: "queued".into(),
                    fingerprint: None,
                    remote_id: String::new(),
                })
                .collect(),
            reported_queued: false,
        };
        let estimate = self.return_estimate(
            request,
            sale_calc.as_ref(),
            self.cached_customer(&phone, ""),
        );
        let row = self.outbox.insert(
            Kind::Return,
            &request.return_id,
            &to_json(&plan),
            &to_json(&estimate),
        )?;
        let r = self.deliver_return(row.seq);
        if let Ok(result) = &r {
            if result.status == DeliveryStatus::Queued {
                if let Ok(Some(row)) = self.outbox.by_seq(row.seq) {
                    if let Ok(mut p) = serde_json::from_str::<ReturnPlan>(&row.plan) {
                        p.reported_queued = true;
                        let _ = self.outbox.set(
                            row.seq,
                            row.state,
                            Some(&to_json(&p)),
                            None,
                            None,
                            None,
                        );
                    }
                }
                self.pending_hint.store(true, Ordering::Relaxed);
            }
            let info_calc = self.journal_calc(&request.document_id);
            self.record(
                &request.document_id,
                DocumentState::Returned,
                info_calc.as_ref(),
                &result.customer,
                None,
            );
        }
        r
    }

    fn bonus_info(&self, document_id: &str) -> Result<BonusInfo> {
        valid_id(document_id, "DocumentId")?;
        let (_, info, _) = self.outbox.journal(document_id)?.ok_or_else(|| {
            Error::new(
                ErrorCode::NotFound,
                format!("Документ {document_id} не рассчитывался этой компонентой"),
                format!("The document {document_id} was not calculated by this add-in"),
            )
        })?;
        serde_json::from_str(&info).map_err(|_| internal("journal"))
    }

    fn upload_products(
        &self,
        products: &Products,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<usize> {
        let mut seen = HashSet::new();
        for p in &products.items {
            if p.id.trim().is_empty() || p.id.chars().count() > 100 || !seen.insert(p.id.trim()) {
                return Err(Error::invalid(
                    format!(
                        "Номенклатура: пустой, слишком длинный или повторяющийся код «{}»",
                        p.id.chars().take(40).collect::<String>()
                    ),
                    format!(
                        "Products: an empty, too long or repeated id \"{}\"",
                        p.id.chars().take(40).collect::<String>()
                    ),
                ));
            }
        }
        let store = if products.store.trim().is_empty() {
            self.store.clone()
        } else {
            products.store.trim().to_owned()
        };
        let total = products.items.len();
        let mut done = 0;
        progress(0, total);
        for batch in products.items.chunks(PRODUCT_BATCH) {
            let body = Client::to_json(&ProductImport {
                store: store.clone(),
                products: batch
                    .iter()
                    .map(|p| ProductTiny {
                        id: p.id.trim().to_owned(),
                        pid: (!p.parent_id.trim().is_empty())
                            .then(|| p.parent_id.trim().to_owned()),
                        n: p.name.clone(),
                        g: p.is_group,
                        a: (!p.article.trim().is_empty()).then(|| p.article.trim().to_owned()),
                    })
                    .collect(),
            });
            self.client
                .call("POST", "product/import", &[], Body::Json(&body))?;
            done += batch.len();
            progress(done, total);
        }
        self.ok(Ok(total))
    }

    fn check_connection(&self) -> Result<ConnectionInfo> {
        let answer: Answer = self.client.call("GET", "account", &[], Body::None)?;
        let account: Value = answer.json("account")?;
        self.ok(Ok(ConnectionInfo {
            ok: true,
            mode: "cloud".to_owned(),
            account,
        }))
    }

    fn pending_count(&self) -> Result<usize> {
        self.outbox.pending_count()
    }

    fn send_pending(&self) -> Result<PendingReport> {
        self.deliver_all()
    }
}
