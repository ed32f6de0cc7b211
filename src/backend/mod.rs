//! The `Backend` trait: every operation of the 1C contract, whoever answers it (the embedded SQLite
//! store here, the BonusPlus cloud client elsewhere), plus the contract's JSON types.

pub mod clock;
pub mod cloud;
pub mod embedded;
pub mod sms;
mod types;

pub use clock::{Clock, ManualClock, SystemClock};
pub use cloud::{ApiKey, CertPin, CloudBackend, CloudConfig};
pub use embedded::{
    ApiActivity, ApiLine, ApiPosition, ApiReceipt, ApiSale, AuditReport, BackOutcome, Durability,
    EmbeddedBackend, EmbeddedOptions, LegacyLine, LegacyNotes, ReserveOutcome,
};
pub use sms::{CapturingSms, LogFileSms, SmsSender};
pub use types::*;

use crate::contract::CheckedOrder;
use crate::engine::{BonusPolicy, Calculation, Order};
use crate::error::{Error, ErrorCode, Result};
use crate::i18n::Lang;
use crate::messages;
use rust_decimal::Decimal;

/// The loyalty operations the 1C component needs. Implementations keep their own storage or
/// connection; nothing here knows SQL or HTTP. A Sale is an [`Order`] with `document_id` set,
/// `bonus_debit` = the bonuses actually spent and optionally `reserve_id`.
pub trait Backend: Send {
    /// Finds a customer by card (tried first) or phone; either may be empty.
    fn find_customer(&self, card: &str, phone: &str) -> Result<Option<Customer>>;
    /// Registers a customer; an existing phone gives `created: false` and that customer.
    fn register_customer(
        &self,
        phone: &str,
        card: &str,
        data: &CustomerData,
    ) -> Result<Registration>;
    /// Changes the keys present in `data` of the customer with this phone.
    fn update_customer(&self, phone: &str, data: &CustomerData) -> Result<Customer>;
    /// Gives the customer with this phone the card (a card belongs to one customer only).
    fn bind_card(&self, phone: &str, card: &str) -> Result<Customer>;
    /// Sends an SMS confirmation code to the phone.
    fn send_code(&self, phone: &str) -> Result<()>;
    /// `true` when the code is the one last sent and still valid; a wrong code is `false`.
    fn check_code(&self, phone: &str, code: &str) -> Result<bool>;
    /// Discounts, bonus payment and accrual for an order (the contract's Calculate), with the
    /// backend's own notes for the cashier in `messages` written in `lang`.
    fn calculate_in(&self, order: &Order, lang: Lang) -> Result<Calculation>;
    /// [`Backend::calculate_in`] of an order the boundary has checked (the component's path): a
    /// backend may take it as it is, without a copy and a second check.
    fn calculate_checked(&self, order: CheckedOrder, lang: Lang) -> Result<Calculation> {
        self.calculate_in(&order, lang)
    }
    /// [`Backend::calculate_in`] with Russian notes, the contract's default.
    fn calculate(&self, order: &Order) -> Result<Calculation> {
        self.calculate_in(order, Lang::Ru)
    }
    /// Holds `amount` bonuses of the customer for a document; again for the same document replaces.
    fn reserve(&self, document_id: &str, phone: &str, amount: Decimal) -> Result<()>;
    /// Releases a reserve; an unknown or already released one is fine too.
    fn cancel_reserve(&self, document_id: &str) -> Result<()>;
    /// Fixes a sale exactly once per `document_id`; a repeated call returns the first result.
    fn fix_sale(&self, sale: &Order) -> Result<SaleResult>;
    /// Returns lines of a fixed sale, exactly once per `return_id`.
    fn return_sale(&self, request: &ReturnRequest) -> Result<ReturnResult>;
    /// The "Информация по бонусам" data of a document this backend calculated, reserved or fixed.
    fn bonus_info(&self, document_id: &str) -> Result<BonusInfo>;
    /// Stores the product catalogue, reporting `(done, total)` as it goes; returns the count.
    fn upload_products(
        &self,
        products: &Products,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<usize>;
    /// Checks that the backend answers.
    fn check_connection(&self) -> Result<ConnectionInfo> {
        self.check_connection_in(Lang::Ru)
    }
    /// [`Backend::check_connection`] with its warnings written in `lang`.
    fn check_connection_in(&self, lang: Lang) -> Result<ConnectionInfo>;

    /// Adds or replaces (same organization and start date) a bonus policy. Embedded mode only.
    fn set_policy(&self, policy: BonusPolicy) -> Result<()> {
        let _ = policy;
        Err(embedded_only())
    }
    /// The stored bonus policies. Embedded mode only.
    fn policies(&self) -> Result<Vec<BonusPolicy>> {
        Err(embedded_only())
    }
    /// Sales waiting in an outbox for delivery; a backend without one has none.
    fn pending_count(&self) -> Result<usize> {
        Ok(0)
    }
    /// Delivers the outbox within the call's time; a backend without one has nothing to send.
    fn send_pending(&self) -> Result<PendingReport> {
        Ok(PendingReport {
            sent: 0,
            left: 0,
            failed: 0,
        })
    }
    /// The outbox items not yet done; a backend without an outbox has none.
    fn pending_items(&self) -> Result<Vec<PendingItem>> {
        Ok(Vec::new())
    }
    /// Queues a `failed` item again.
    fn retry_pending(&self, document_id: &str) -> Result<()> {
        Err(no_outbox_item(document_id))
    }
    /// The operator's verdict on an `unconfirmed` item: posted (done) or not (queued again).
    fn confirm_pending(&self, document_id: &str, posted: bool) -> Result<()> {
        let _ = posted;
        Err(no_outbox_item(document_id))
    }
    /// Removes a `queued` or `failed` item (kept in the audit history).
    fn drop_pending(&self, document_id: &str) -> Result<()> {
        Err(no_outbox_item(document_id))
    }
}

/// No outbox item for this document (the built-in program has no outbox at all).
pub(crate) fn no_outbox_item(document_id: &str) -> Error {
    Error::of(
        ErrorCode::NotFound,
        messages::backend::no_outbox_item(document_id),
    )
}

/// An unknown customer, as the contract words it for both backends: the service refuses
/// (`REJECTED`) with its `CUSTOMER_NOT_FOUND`, so 1C code handles it the same way in either mode;
/// `NOT_FOUND` is kept for unknown documents and reserves.
pub(crate) fn customer_not_found(card: &str, phone: &str) -> Error {
    let who = if card.is_empty() { phone } else { card };
    Error::of(
        ErrorCode::Rejected,
        messages::backend::customer_not_found(who),
    )
    .with_service_code("CUSTOMER_NOT_FOUND")
}

fn embedded_only() -> Error {
    Error::of(
        ErrorCode::NotConfigured,
        messages::backend::POLICIES_EMBEDDED_ONLY,
    )
}
