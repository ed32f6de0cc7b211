//! The built-in loyalty backend: one SQLite file in the data directory, shared safely by every
//! process of the 1C server (WAL, busy timeout, each operation one `BEGIN IMMEDIATE` transaction).
//!
//! Decisions where the contract is silent:
//! * Time is the local wall clock ([`Clock`]); accruals activate and expire at midnight,
//!   `activationDelayDays` / `expiryDays` after the start of the sale's day.
//! * An SMS confirmation (a successful CheckCode) lets the phone spend bonuses for
//!   [`EmbeddedOptions::sms_window_seconds`] (10 minutes by default), whatever the document.
//! * A return takes back the returned part's accrual even if it was spent: from what is left of
//!   that accrual, then from the customer's other bonuses, and the rest becomes a debt that
//!   later accruals pay first (`availableBonuses` may be negative while it is open).
//! * The default SMS sender writes codes to `sms.log` in the data directory (development only).

mod api_receipts;
mod api_store;
mod audit;
mod codes;
mod customers;
mod db;
mod journal;
mod ledger;
mod network_fs;
mod owner_export;
mod owner_read;
mod owner_write;
mod policies;
mod products;
mod registration;
mod reserves;
mod returns;
mod sales;
mod schema;
mod units;

pub use api_receipts::{ApiActivity, LegacyNotes};
pub use api_store::{
    ApiLine, ApiPosition, ApiReceipt, ApiSale, BackOutcome, LegacyLine, ReserveOutcome,
};
pub use audit::AuditReport;
pub use owner_read::{
    OwnerCustomer, OwnerCustomerCard, OwnerDashboard, OwnerDay, OwnerDocument, OwnerExpiring,
    OwnerLedgerRow, OwnerPolicyChange,
};

use super::{
    customer_not_found, Backend, BonusInfo, Clock, ConnectionInfo, Customer, CustomerData,
    LogFileSms, Products, Registration, ReturnRequest, ReturnResult, SaleResult, SmsSender,
    SystemClock,
};
use crate::contract;
use crate::engine::{BonusPolicy, Calculation, LocalDateTime, Order};
use crate::error::{Error, ErrorCode, Result};
use crate::i18n::Lang;
use crate::messages;
use rusqlite::{Connection, Transaction};
use rust_decimal::Decimal;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

/// What can be tuned when opening the embedded backend.
#[derive(Clone)]
pub struct EmbeddedOptions {
    pub clock: Arc<dyn Clock>,
    /// `None`: codes go to `sms.log` in the data directory.
    pub sms: Option<Arc<dyn SmsSender>>,
    /// How long an SMS code may be entered.
    pub code_ttl_seconds: i64,
    /// Wrong entries allowed per code.
    pub code_attempts: u32,
    /// How long a confirmed phone may spend bonuses without a new code.
    pub sms_window_seconds: i64,
    /// What a committed write must survive.
    pub durability: Durability,
}

/// What a committed write survives (SQLite's `synchronous` in WAL mode).
///
/// The default is [`Durability::ProcessCrash`] (`synchronous=NORMAL`): COMMIT returns once the
/// transaction is in the WAL file, i.e. in the OS, so a killed process (SIGKILL, a crashed 1C
/// worker) loses nothing; a power cut may lose the last commits, never corrupt or half-apply.
/// Chosen by measurement (`cargo bench --bench backend`, 2 shared cores): FULL (an fsync per
/// commit) made 3 140 sales/s on an idle disk but 250–260/s while other builds wrote to the same
/// disk, far below the 2 000/s target; NORMAL made 5 600/s idle and ~2 040/s under that load.
/// A 1C server shares its disk with the 1C database, so fsync latency is not ours to count on.
/// `PowerLoss` (`FULL`) is there for installations that prefer the guarantee to the speed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Durability {
    #[default]
    ProcessCrash,
    PowerLoss,
}

impl Default for EmbeddedOptions {
    fn default() -> Self {
        EmbeddedOptions {
            clock: Arc::new(SystemClock),
            sms: None,
            code_ttl_seconds: 300,
            code_attempts: 5,
            sms_window_seconds: 600,
            durability: Durability::default(),
        }
    }
}

/// The option values the modules need.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Settings {
    pub code_ttl_seconds: i64,
    pub code_attempts: u32,
    pub sms_window_seconds: i64,
}

/// The embedded SQLite backend. One per component object; any number per file.
pub struct EmbeddedBackend {
    conn: Mutex<Connection>,
    path: PathBuf,
    clock: Arc<dyn Clock>,
    sms: Arc<dyn SmsSender>,
    settings: Settings,
}

impl EmbeddedBackend {
    /// The database file's name inside the data directory.
    pub const FILE_NAME: &'static str = "bonusplus.db";
    /// The development SMS log's name inside the data directory.
    pub const SMS_LOG_NAME: &'static str = "sms.log";

    pub fn open(data_dir: &Path) -> Result<EmbeddedBackend> {
        EmbeddedBackend::open_with(data_dir, EmbeddedOptions::default())
    }

    /// Opens (creating if needed) the database in `data_dir` and brings its schema up to date.
    pub fn open_with(data_dir: &Path, options: EmbeddedOptions) -> Result<EmbeddedBackend> {
        if data_dir.as_os_str().is_empty() {
            return Err(Error::of(
                ErrorCode::NotConfigured,
                messages::embedded::DATA_DIR_NOT_SET,
            ));
        }
        network_fs::refuse_network_folder(data_dir)?;
        crate::private_files::create_dir(data_dir).map_err(|e| {
            Error::of(
                ErrorCode::NotConfigured,
                messages::embedded::data_dir_not_created(data_dir.display(), e),
            )
        })?;
        let path = data_dir.join(Self::FILE_NAME);
        // Customers' phones: the file is private. Best effort: a file that cannot be made so
        // (another user's) still opens as SQLite allows, and a till keeps selling.
        let _ = crate::private_files::prepare_database(&path);
        let conn = db::open(&path, options.durability)?;
        let sms = options
            .sms
            .unwrap_or_else(|| Arc::new(LogFileSms::new(data_dir.join(Self::SMS_LOG_NAME))));
        Ok(EmbeddedBackend {
            conn: Mutex::new(conn),
            path,
            clock: options.clock,
            sms,
            settings: Settings {
                code_ttl_seconds: options.code_ttl_seconds,
                code_attempts: options.code_attempts,
                sms_window_seconds: options.sms_window_seconds,
            },
        })
    }

    pub fn database_path(&self) -> &Path {
        &self.path
    }

    /// Checks the whole database: SQLite integrity, every balance against its ledger, every sale
    /// and return complete.
    pub fn audit(&self) -> Result<AuditReport> {
        let conn = self.conn();
        db::read(&conn, |tx| audit::run(tx))
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        // A panic under the lock already rolled its transaction back (Transaction's drop);
        // the connection itself is fine to keep using.
        self.conn
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn now(&self) -> LocalDateTime {
        self.clock.now()
    }

    fn discount_now(&self, conn: &Connection) -> Result<Decimal> {
        Ok(policies::applying(conn, "", self.now())?.discount_percent)
    }

    /// The customer with this phone, as the contract shows it, or NOT_FOUND.
    fn customer_view(&self, conn: &Connection, row: &customers::CustomerRow) -> Result<Customer> {
        let discount = self.discount_now(conn)?;
        customers::view(conn, row, self.now().unix_seconds(), discount)
    }
}

impl Backend for EmbeddedBackend {
    fn find_customer(&self, card: &str, phone: &str) -> Result<Option<Customer>> {
        let card = contract::card(card)?;
        let phone = contract::optional_phone(phone)?;
        let conn = self.conn();
        db::read(&conn, |tx| {
            customers::find(tx, &card, &phone)?
                .map(|row| self.customer_view(tx, &row))
                .transpose()
        })
    }

    fn register_customer(
        &self,
        phone: &str,
        card: &str,
        data: &CustomerData,
    ) -> Result<Registration> {
        let (phone, card) = contract::registration(phone, card, data, self.now())?;
        let conn = self.conn();
        let outcome = db::write(&conn, |tx| {
            registration::register(tx, &phone, &card, data, self.now(), &self.settings)
        })?;
        match outcome {
            registration::Outcome::Done(r) => Ok(*r),
            registration::Outcome::NeedsCode { send, wait_seconds } => {
                if let Some(code) = send {
                    self.sms.send_code(&phone, &code)?;
                }
                Err(registration::code_required(wait_seconds))
            }
        }
    }

    fn update_customer(&self, phone: &str, data: &CustomerData) -> Result<Customer> {
        let phone = contract::phone(phone)?;
        contract::check_customer_data(data, self.now())?;
        let conn = self.conn();
        db::write(&conn, |tx| {
            let row =
                customers::by_phone(tx, &phone)?.ok_or_else(|| customer_not_found("", &phone))?;
            if let Some(card) = &data.card_number {
                customers::ensure_card_free(tx, card.trim(), Some(row.id))?;
            }
            customers::apply(tx, row.id, data)?;
            self.customer_view(tx, &customers::by_id(tx, row.id)?)
        })
    }

    fn bind_card(&self, phone: &str, card: &str) -> Result<Customer> {
        let phone = contract::phone(phone)?;
        let card = contract::required_card(card)?;
        let conn = self.conn();
        db::write(&conn, |tx| {
            let row =
                customers::by_phone(tx, &phone)?.ok_or_else(|| customer_not_found("", &phone))?;
            customers::ensure_card_free(tx, &card, Some(row.id))?;
            let data = CustomerData {
                card_number: Some(card.clone()),
                ..CustomerData::default()
            };
            customers::apply(tx, row.id, &data)?;
            self.customer_view(tx, &customers::by_id(tx, row.id)?)
        })
    }

    fn send_code(&self, phone: &str) -> Result<()> {
        let phone = contract::phone(phone)?;
        let code = codes::random_code();
        let now = self.now().unix_seconds();
        {
            let conn = self.conn();
            db::write(&conn, |tx| {
                codes::store(tx, &phone, &code, now, self.settings.code_ttl_seconds)
            })?;
        }
        self.sms.send_code(&phone, &code)
    }

    fn check_code(&self, phone: &str, code: &str) -> Result<bool> {
        let phone = contract::phone(phone)?;
        let code = code.trim();
        if !codes::well_formed(code) {
            return Ok(false);
        }
        let now = self.now().unix_seconds();
        let conn = self.conn();
        db::write(&conn, |tx| {
            let ok = codes::check(tx, &phone, code, now, self.settings.code_attempts)?;
            if ok {
                customers::set_phone_confirmed(tx, &phone)?;
            }
            Ok(ok)
        })
    }

    fn calculate_in(&self, order: &Order, lang: Lang) -> Result<Calculation> {
        self.calculate_checked(contract::CheckedOrder::check(order.clone())?, lang)
    }

    fn calculate_checked(&self, order: contract::CheckedOrder, lang: Lang) -> Result<Calculation> {
        let conn = self.conn();
        let now = self.now();
        let has_document = !order.document_id.is_empty();
        let calculate = |tx: &Transaction| sales::calculate(tx, order, now, &self.settings, lang);
        if !has_document {
            db::read(&conn, calculate)
        } else {
            db::write(&conn, |tx| {
                reserves::release_expired(tx, now)?;
                calculate(tx)
            })
        }
    }

    fn reserve(&self, document_id: &str, phone: &str, amount: Decimal) -> Result<()> {
        let document_id = contract::document_id(document_id, "DocumentId")?;
        let phone = contract::phone(phone)?;
        let amount = contract::Money::new(amount, "Amount")?.kopecks();
        let conn = self.conn();
        db::write(&conn, |tx| {
            reserves::release_expired(tx, self.now())?;
            reserves::reserve(tx, &document_id, &phone, amount, self.now(), &self.settings)
        })
    }

    fn cancel_reserve(&self, document_id: &str) -> Result<()> {
        let document_id = contract::document_id(document_id, "DocumentId")?;
        let conn = self.conn();
        db::write(&conn, |tx| {
            reserves::release_expired(tx, self.now())?;
            reserves::cancel(tx, &document_id, self.now())
        })
    }

    fn fix_sale(&self, sale: &Order) -> Result<SaleResult> {
        let sale = contract::check_order(sale.clone())?;
        if !sale.gift_cards.is_empty() {
            return Err(Error::of(
                ErrorCode::NotConfigured,
                messages::embedded::GIFT_CARDS_NOT_TAKEN,
            ));
        }
        let conn = self.conn();
        db::write(&conn, |tx| {
            reserves::release_expired(tx, self.now())?;
            sales::fix_sale(tx, sale, self.now(), &self.settings)
        })
    }

    fn return_sale(&self, request: &ReturnRequest) -> Result<ReturnResult> {
        let request = contract::check_return(request.clone())?;
        let conn = self.conn();
        db::write(&conn, |tx| returns::return_sale(tx, &request, self.now()))
    }

    fn bonus_info(&self, document_id: &str) -> Result<BonusInfo> {
        let document_id = contract::document_id(document_id, "DocumentId")?;
        let conn = self.conn();
        db::read(&conn, |tx| journal::info(tx, &document_id))
    }

    fn upload_products(
        &self,
        products: &Products,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<usize> {
        let mut products = products.clone();
        contract::check_products(&mut products)?;
        let now = self.now().unix_seconds();
        let conn = self.conn();
        db::write(&conn, |tx| products::store(tx, &products, now, progress))
    }

    fn check_connection_in(&self, _lang: Lang) -> Result<ConnectionInfo> {
        let conn = self.conn();
        db::read(&conn, |tx| products::count(tx))?;
        Ok(ConnectionInfo {
            warnings: Vec::new(),
            ok: true,
            mode: "embedded".to_string(),
            account: serde_json::Value::Null,
        })
    }

    fn set_policy(&self, policy: BonusPolicy) -> Result<()> {
        let conn = self.conn();
        db::write(&conn, |tx| policies::put(tx, &policy))
    }

    fn policies(&self) -> Result<Vec<BonusPolicy>> {
        let conn = self.conn();
        db::read(&conn, |tx| policies::all(tx))
    }
}
