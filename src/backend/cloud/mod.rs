//! The BonusPlus cloud backend: the [`Backend`] trait over the BonusPlus REST API
//! (`../shared/spec/bonusplus-api.md`), with a durable outbox for sales and returns.
//!
//! Mapping of the contract onto the API (every request: `Authorization: ApiKey <base64>`, one
//! keep-alive `Agent`, and no request longer than what is left of the call's Timeout):
//! * FindCard: `GET customer?ean=` (card first), then `GET customer?phone=`; 404 or 412
//!   `CUSTOMER_NOT_FOUND` is `found:false`.
//! * RegisterCustomer: `GET customer?phone=` (found: `created:false`), else `POST customer`;
//!   412 `CUSTOMER_ALREADY_EXISTS` fetches the customer and answers `created:false`.
//! * UpdateCustomer: only the card (status) name has an API, `PATCH customer/{phone}
//!   {"newCard"}`; other changed keys are NOT_CONFIGURED. BindCard: binding the card the
//!   customer already has answers the customer, any other card is NOT_CONFIGURED.
//! * SendCode / CheckCode: `PUT customer/{phone}/sendCode` and `…/checkCode/{code}`; a 412 on
//!   CheckCode is `false`.
//! * Calculate: see [`calculate`] (net lines, the loyalty discount from `ids`).
//! * Reserve: `GET …/balance/reserve/{id}` for what is held, then one `PATCH` by the difference.
//!   CancelReserve: `DELETE customer/balance/reserve {id}`; "not found" is success.
//! * FixSale / ReturnSale: the outbox ([`outbox`]): at most once, never done without evidence.
//! * UploadProducts: `POST product/import` in batches of [`PRODUCT_BATCH`].
//! * CheckConnection: `GET account`. BonusInfo: the local [`journal`].

pub mod api;
mod calculate;
mod customers;
mod endpoints;
mod failure;
pub mod http;
mod journal;
mod outbox;
mod pinned_tls;
mod secret;

pub use http::{base64, ApiKey, Redactor, Transport};
pub use outbox::settle::QUIET_PERIOD;
pub use outbox::store::AuditEntry;
pub use pinned_tls::CertPin;

use self::api::{ProductImport, ProductTiny, RetailRequest};
use self::calculate::CalcContext;
use self::endpoints::{Deadline, Endpoints};
use self::http::{Answer, Body, Client};
use self::journal::{cached_customer, to_json, Journal, SeenCustomers};
use self::outbox::plan::{LineState, ReturnLinePlan, ReturnPlan, SalePlan};
use self::outbox::{Kind, State, Store};
use super::{
    no_outbox_item, Backend, BonusInfo, ConnectionInfo, Customer, CustomerData, DeliveryStatus,
    DocumentState, PendingError, PendingItem, PendingReport, Products, Registration, ReturnRequest,
    ReturnResult, SaleResult,
};
use crate::contract;
use crate::engine::{Calculation, Order};
use crate::error::{Error, ErrorCode, Result};
use crate::i18n::Lang;
use crate::messages::{self, Msg};
use rust_decimal::Decimal;
use serde_json::Value;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Products per `POST product/import`.
pub const PRODUCT_BATCH: usize = 500;

/// How long delivery after other calls rests after a pass that left something undelivered.
pub(crate) const DELIVERY_PAUSE: Duration = Duration::from_secs(30);

/// What [`CloudBackend::open`] needs: the component's settings.
#[derive(Clone, Debug)]
pub struct CloudConfig {
    /// Base URL, `https://…/api/` (plain `http://` only to loopback).
    pub server_address: String,
    pub api_key: ApiKey,
    /// The whole of one call: every request it makes shares this budget.
    pub timeout: Duration,
    /// Sent as `store` with calculations and sales.
    pub store: String,
    /// Sent as `cashier` (an int) with sales when it is a number.
    pub cashier_code: String,
    /// Holds `outbox.db` (the outbox, the journal, the last customers seen).
    pub data_dir: PathBuf,
}

pub struct CloudBackend {
    api: Endpoints,
    outbox: Store,
    store: String,
    cashier: Option<i64>,
    timeout: Duration,
    quiet_period: Duration,
    offline_calculation: bool,
    /// Something may wait in the outbox (cheap check before delivery after other calls).
    pending_hint: AtomicBool,
    /// The last request of a delivery pass could not reach the service at all.
    unreachable: AtomicBool,
    pause_until: Mutex<Option<Instant>>,
    seen: SeenCustomers,
}

impl std::fmt::Debug for CloudBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CloudBackend")
            .field("outbox", &self.outbox.path())
            .finish()
    }
}

pub(super) fn internal(what: &str) -> Error {
    Error::of(ErrorCode::Internal, messages::outbox::damaged_record(what))
}

fn no_api(what: impl Into<Msg>) -> Error {
    Error::of(
        ErrorCode::NotConfigured,
        messages::cloud::no_api_method(what.into()),
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
        Self::with_transport(Box::new(client), config)
    }

    /// The backend over any transport (the seam the tests use).
    pub fn with_transport(transport: Box<dyn Transport>, config: CloudConfig) -> Result<Self> {
        let outbox = Store::open(&config.data_dir)?;
        let pending = outbox.pending_count()? > 0;
        Ok(CloudBackend {
            api: Endpoints::new(transport),
            outbox,
            store: config.store.trim().to_owned(),
            cashier: config.cashier_code.trim().parse::<i64>().ok(),
            timeout: config.timeout,
            quiet_period: QUIET_PERIOD,
            offline_calculation: false,
            pending_hint: AtomicBool::new(pending),
            unreachable: AtomicBool::new(false),
            pause_until: Mutex::new(None),
            seen: SeenCustomers::default(),
        })
    }

    /// OfflineCalculation: when the service cannot be reached, Calculate answers an accrue-later
    /// calculation instead of NETWORK.
    pub fn set_offline_calculation(&mut self, on: bool) {
        self.offline_calculation = on;
    }

    /// Shortens the quiet period an operator must wait before re-queueing an uncertain sale
    /// (tests; the default is [`QUIET_PERIOD`]).
    pub fn set_quiet_period(&mut self, quiet: Duration) {
        self.quiet_period = quiet;
    }

    /// The audit history of dropped, retried and operator-settled outbox items, oldest first.
    pub fn outbox_audit(&self) -> Result<Vec<AuditEntry>> {
        self.outbox.audit_entries()
    }

    /// The outbox file.
    pub fn outbox_path(&self) -> PathBuf {
        self.outbox.path().to_path_buf()
    }

    /// The budget of one 1C call.
    /// The local time checks of 1C's dates (birth dates) are made against.
    fn now(&self) -> crate::engine::LocalDateTime {
        use crate::backend::Clock;
        crate::backend::SystemClock.now()
    }

    fn deadline(&self) -> Deadline {
        Deadline::after(self.timeout)
    }

    fn store_field(&self) -> Option<String> {
        (!self.store.is_empty()).then(|| self.store.clone())
    }

    fn journal(&self) -> Journal<'_> {
        Journal {
            store: &self.outbox,
        }
    }

    fn calc_context<'a>(&'a self, dl: &'a Deadline) -> CalcContext<'a> {
        CalcContext {
            endpoints: &self.api,
            deadline: dl,
            store: self.store_field(),
        }
    }

    /// After a successful call: deliver what waits in the outbox with what is left of the
    /// call's budget, unless a recent pass left it undelivered.
    fn then_deliver_waiting<T>(&self, dl: &Deadline, r: Result<T>) -> Result<T> {
        if r.is_ok() && self.pending_hint.load(Ordering::Relaxed) {
            let paused = self
                .pause_until
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .is_some_and(|t| Instant::now() < t);
            if !paused {
                let _ = self.deliver_slice(dl);
            }
        }
        r
    }

    /// The outbox row of a document for the operator methods: its sale, else a return of that id.
    fn pending_row(&self, document_id: &str) -> Result<outbox::Row> {
        let id = document_id.trim();
        if let Some(row) = self.outbox.get(Kind::Sale, id)? {
            return Ok(row);
        }
        self.outbox
            .get(Kind::Return, id)?
            .ok_or_else(|| no_outbox_item(id))
    }
}

fn pending_item(row: &outbox::Row) -> PendingItem {
    let e = &row.last_error;
    PendingItem {
        document_id: row.key.clone(),
        kind: row.kind.as_str().to_owned(),
        state: row.state.shown().to_owned(),
        attempts: row.attempts,
        since: crate::backend::clock::local_time_at(row.created_at),
        last_error: (!e.message.is_empty() || !e.code.is_empty()).then(|| PendingError {
            code: if e.code.is_empty() {
                ErrorCode::Network.as_str().to_owned()
            } else {
                e.code.clone()
            },
            message: e.message.clone(),
            service_code: (!e.service_code.is_empty()).then(|| e.service_code.clone()),
        }),
    }
}

impl Backend for CloudBackend {
    fn find_customer(&self, card: &str, phone: &str) -> Result<Option<Customer>> {
        let card = contract::card(card)?;
        let phone = contract::optional_phone(phone)?;
        if card.is_empty() && phone.is_empty() {
            return Err(Error::bad_input(messages::cloud::CARD_OR_PHONE_REQUIRED));
        }
        let dl = self.deadline();
        let r = self
            .find(&dl, &card, &phone)
            .map(|c| c.map(|c| c.to_customer(&phone)))
            .map_err(Error::from);
        self.then_deliver_waiting(&dl, r)
    }

    fn register_customer(
        &self,
        phone: &str,
        card: &str,
        data: &CustomerData,
    ) -> Result<Registration> {
        self.register(phone, card, data)
    }

    fn update_customer(&self, phone: &str, data: &CustomerData) -> Result<Customer> {
        self.update(phone, data)
    }

    fn bind_card(&self, phone: &str, card: &str) -> Result<Customer> {
        self.bind(phone, card)
    }

    fn send_code(&self, phone: &str) -> Result<()> {
        self.send_sms_code(phone)
    }

    fn check_code(&self, phone: &str, code: &str) -> Result<bool> {
        self.check_sms_code(phone, code)
    }

    fn calculate_in(&self, order: &Order, lang: Lang) -> Result<Calculation> {
        let mut order = contract::check_order(order.clone())?;
        let (card, phone) = (order.card_number.clone(), order.phone.clone());
        let dl = self.deadline();
        let answered = self.require_api(&dl, &card, &phone).and_then(|found| {
            let customer = found.to_customer(&phone);
            order.phone = customer.phone.clone();
            let calc = self.calc_context(&dl).calculate_with_step(
                &order,
                &customer,
                None,
                lang,
                found.multiplicity_debit_bonus,
            )?;
            Ok((customer, calc))
        });
        let (customer, calc) = match answered {
            Ok(both) => both,
            // The service cannot be reached: an accrue-later calculation when the shop allows it.
            Err(e) if e.code == ErrorCode::Network && self.offline_calculation => {
                let calc = calculate::offline(&order, &phone, lang);
                return Ok(calc);
            }
            Err(e) => return Err(e),
        };
        if !order.document_id.is_empty() {
            let journal = self.journal();
            match journal.state(&order.document_id) {
                Some(
                    DocumentState::Fixed
                    | DocumentState::Returned
                    | DocumentState::Pending
                    | DocumentState::Failed,
                ) => {}
                Some(DocumentState::Reserved) => {
                    let held = journal.info(&order.document_id).map(|i| i.bonus_debit);
                    journal.record(
                        &order.document_id,
                        DocumentState::Reserved,
                        Some(&calc),
                        &customer,
                        held,
                    );
                }
                _ => journal.record(
                    &order.document_id,
                    DocumentState::Calculated,
                    Some(&calc),
                    &customer,
                    None,
                ),
            }
        }
        self.then_deliver_waiting(&dl, Ok(calc))
    }

    fn reserve(&self, document_id: &str, phone: &str, amount: Decimal) -> Result<()> {
        let document_id = &contract::document_id(document_id, "DocumentId")?;
        let phone = contract::phone(phone)?;
        let amount = contract::Money::new(amount, "Amount")?.value();
        let dl = self.deadline();
        let held = self.api.reserve_held(&dl, &phone, document_id)?;
        let difference = amount - held;
        if !difference.is_zero() {
            self.api
                .reserve_change(&dl, &phone, document_id, difference)?;
        }
        let journal = self.journal();
        let calc = journal.calculation(document_id);
        let customer = cached_customer(&self.outbox, &phone, "");
        let state = if amount.is_zero() {
            DocumentState::Calculated
        } else {
            DocumentState::Reserved
        };
        journal.record(document_id, state, calc.as_ref(), &customer, Some(amount));
        self.then_deliver_waiting(&dl, Ok(()))
    }

    fn cancel_reserve(&self, document_id: &str) -> Result<()> {
        let document_id = &contract::document_id(document_id, "DocumentId")?;
        let dl = self.deadline();
        self.api.reserve_release(&dl, document_id)?;
        let journal = self.journal();
        if journal.state(document_id) == Some(DocumentState::Reserved) {
            if let Some(info) = journal.info(document_id) {
                let calc = journal.calculation(document_id);
                let customer = cached_customer(&self.outbox, &info.phone, &info.card_number);
                journal.record(
                    document_id,
                    DocumentState::Calculated,
                    calc.as_ref(),
                    &customer,
                    None,
                );
            }
        }
        self.then_deliver_waiting(&dl, Ok(()))
    }

    fn fix_sale(&self, sale: &Order) -> Result<SaleResult> {
        let document_id = contract::document_id(&sale.document_id, "documentId")?;
        let dl = self.deadline();
        if let Some(row) = self.outbox.get(Kind::Sale, &document_id)? {
            if row.state != State::Failed {
                return self.report_sale(&dl, row.seq);
            }
        }
        let mut sale = contract::check_order(sale.clone())?;
        let spend = sale.bonus_debit.unwrap_or_default();
        let (card, phone) = (sale.card_number.clone(), sale.phone.clone());
        sale.bonus_debit = Some(spend);
        sale.use_bonuses = spend > Decimal::ZERO;
        let date = sale.date.unwrap_or_else(|| {
            use crate::backend::Clock;
            crate::backend::SystemClock.now()
        });
        sale.date = Some(date);
        let journal = self.journal();
        let known_figures = [Some(sale.document_id.as_str()), sale.reserve_id.as_deref()]
            .into_iter()
            .flatten()
            .filter_map(|d| journal.calculation(d))
            .find(|c| {
                c.bonus_debit == spend
                    && c.document_sum == sale.document_sum()
                    && c.lines.len() == sale.lines.len()
            });
        let plan = SalePlan {
            request: RetailRequest {
                phone: phone.clone(),
                items: calculate::items(&sale),
                bonus_debit: spend,
                external_id: Some(sale.document_id.clone()),
                date: Some(api::sale_date(date)),
                store: self.store_field(),
                cashier: self.cashier,
                reserve_id: sale.reserve_id.clone().filter(|r| !r.is_empty()),
                coupons: sale.coupons.clone(),
                desc: Some(outbox::settle::marker(&sale.document_id)),
                gift_cards: sale
                    .gift_cards
                    .iter()
                    .map(|g| api::ApiGiftCard {
                        id: g.id.trim().to_owned(),
                        payment_sum: g.payment_sum,
                    })
                    .collect(),
            },
            card: card.clone(),
            calculation: known_figures.clone(),
            reported_queued: false,
        };
        let estimate = SaleResult {
            document_id: sale.document_id.clone(),
            status: DeliveryStatus::Queued,
            sale_id: String::new(),
            bonus_debited: spend,
            bonus_accrued: known_figures.map_or(Decimal::ZERO, |c| c.bonus_accrual),
            receipt_url: String::new(),
            customer: cached_customer(&self.outbox, &phone, &card),
        };
        let row = self.outbox.insert(
            Kind::Sale,
            &sale.document_id,
            &to_json(&(&plan, &sale)),
            &to_json(&estimate),
        )?;
        self.report_sale(&dl, row.seq)
    }

    fn return_sale(&self, request: &ReturnRequest) -> Result<ReturnResult> {
        let request = &contract::check_return(request.clone())?;
        let dl = self.deadline();
        if let Some(row) = self.outbox.get(Kind::Return, &request.return_id)? {
            if row.state != State::Failed {
                return self.report_return(&dl, row.seq);
            }
        }
        let sale_plan = self
            .outbox
            .get(Kind::Sale, &request.document_id)?
            .and_then(|r| serde_json::from_str::<(SalePlan, Order)>(&r.plan).ok());
        let journal = self.journal();
        let phone = sale_plan
            .as_ref()
            .map(|(p, _)| p.request.phone.clone())
            .filter(|p| !p.is_empty())
            .or_else(|| journal.info(&request.document_id).map(|i| i.phone))
            .unwrap_or_default();
        let sale_calc = sale_plan
            .as_ref()
            .and_then(|(p, _)| p.calculation.clone())
            .or_else(|| journal.calculation(&request.document_id));
        let plan = ReturnPlan {
            document_id: request.document_id.clone(),
            phone: phone.clone(),
            lines: request
                .lines
                .iter()
                .map(|l| ReturnLinePlan {
                    line_no: l.line_no,
                    ext: calculate::ext_of(&request.document_id, l.line_no),
                    sum: l.sum,
                    state: LineState::Queued,
                    remote_id: String::new(),
                })
                .collect(),
            reported_queued: false,
        };
        let estimate = deliver_estimate::return_estimate(
            request,
            sale_calc.as_ref(),
            cached_customer(&self.outbox, &phone, ""),
        );
        let row = self.outbox.insert(
            Kind::Return,
            &request.return_id,
            &to_json(&plan),
            &to_json(&estimate),
        )?;
        let r = self.report_return(&dl, row.seq);
        if let Ok(result) = &r {
            let calc = journal.calculation(&request.document_id);
            journal.record(
                &request.document_id,
                DocumentState::Returned,
                calc.as_ref(),
                &result.customer,
                None,
            );
        }
        r
    }

    fn bonus_info(&self, document_id: &str) -> Result<BonusInfo> {
        let document_id = &contract::document_id(document_id, "DocumentId")?;
        self.journal().bonus_info(document_id).ok_or_else(|| {
            Error::of(
                ErrorCode::NotFound,
                messages::cloud::not_calculated_here(document_id),
            )
        })
    }

    fn upload_products(
        &self,
        products: &Products,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<usize> {
        let mut products = products.clone();
        contract::check_products(&mut products)?;
        let store = if products.store.trim().is_empty() {
            self.store.clone()
        } else {
            products.store.trim().to_owned()
        };
        let dl = self.deadline();
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
            self.api
                .call(&dl, "POST", "product/import", &[], Body::Json(&body))?;
            done += batch.len();
            progress(done, total);
        }
        self.then_deliver_waiting(&dl, Ok(total))
    }

    fn check_connection_in(&self, lang: Lang) -> Result<ConnectionInfo> {
        let dl = self.deadline();
        let answer: Answer = self.api.call(&dl, "GET", "account", &[], Body::None)?;
        let account: Value = answer.json("account")?;
        let mut warnings = Vec::new();
        if self.store.is_empty() {
            warnings.push(messages::cloud::NO_STORE_SET.pick(lang).to_owned());
        }
        self.then_deliver_waiting(
            &dl,
            Ok(ConnectionInfo {
                ok: true,
                mode: "cloud".to_owned(),
                account,
                warnings,
            }),
        )
    }

    fn pending_count(&self) -> Result<usize> {
        self.outbox.pending_count()
    }

    fn send_pending(&self) -> Result<PendingReport> {
        let dl = self.deadline();
        self.deliver_slice(&dl)
    }

    fn pending_items(&self) -> Result<Vec<PendingItem>> {
        Ok(self.outbox.open_rows()?.iter().map(pending_item).collect())
    }

    fn retry_pending(&self, document_id: &str) -> Result<()> {
        let row = self.pending_row(document_id)?;
        if !self.outbox.operator_move(
            row.seq,
            &[State::Failed],
            State::Queued,
            "retried",
            &outbox::store::Change::default(),
        )? {
            return Err(Error::bad_input(messages::outbox::retry_needs_failed(
                &row.key,
                row.state.shown(),
            )));
        }
        self.pending_hint.store(true, Ordering::Relaxed);
        *self.pause_until.lock().unwrap_or_else(|p| p.into_inner()) = None;
        Ok(())
    }

    fn confirm_pending(&self, document_id: &str, posted: bool) -> Result<()> {
        let row = self.pending_row(document_id)?;
        self.confirm_row(&row, posted)
    }

    fn drop_pending(&self, document_id: &str) -> Result<()> {
        let row = self.pending_row(document_id)?;
        if !self.outbox.drop_row(row.seq)? {
            return Err(Error::bad_input(
                messages::outbox::drop_needs_queued_or_failed(&row.key, row.state.shown()),
            ));
        }
        Ok(())
    }
}

mod deliver_estimate {
    use super::*;

    /// What a return is expected to give back, from the sale's figures.
    pub fn return_estimate(
        req: &ReturnRequest,
        sale_calc: Option<&Calculation>,
        customer: Customer,
    ) -> ReturnResult {
        use crate::engine::money::round_money;
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
}
