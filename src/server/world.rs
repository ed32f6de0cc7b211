//! How the server answers where the real service's behaviour is unknown
//! (`../shared/spec/bonusplus-api.md` §9 Q3, §11), so clients (and the probe) can be tested
//! against either reading. Kept in memory for the run ([`Server::set_world`]); the default is the
//! reading the server otherwise follows.

use super::Server;
use rust_decimal::Decimal;
use std::collections::HashMap;
use std::sync::Mutex;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct World {
    /// A sale naming `reserveId` leaves the reserve held (else it consumes it).
    pub reserve_kept: bool,
    /// The `ds` of a calculation line includes the discount the request sent in (else it is
    /// the service's own discount only, like `ids`).
    pub ds_includes_sent: bool,
    /// The service's bonus debit step (`multiplicityDebitBonus`; 0: none).
    pub debit_step: Decimal,
    /// Every customer is barred from spending bonuses (`bonusDebitDenided`).
    pub debit_denied: bool,
    /// `GET customer?ean=` fails with 500 (a card lookup the service cannot answer), so clients
    /// must fall back to `POST customer/list`.
    pub ean_lookup_fails: bool,
}

/// The kept-reserve reading: a reserve a sale named still answers as held (`GET` shows its
/// amount, `DELETE` or a `PATCH` down to zero releases it), although the sale spent its bonuses in
/// the store. In memory, like the world itself: a restart forgets them.
#[derive(Default)]
pub(crate) struct KeptReserves(Mutex<HashMap<String, (String, Decimal)>>);

impl KeptReserves {
    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<String, (String, Decimal)>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Keeps `id` (of the customer `phone`) answering as holding `amount`; zero releases it.
    pub fn set(&self, id: &str, phone: &str, amount: Decimal) {
        if amount.is_zero() {
            self.map().remove(id);
        } else {
            self.map().insert(id.to_owned(), (phone.to_owned(), amount));
        }
    }

    /// The owner's phone and the amount `id` answers with.
    pub fn get(&self, id: &str) -> Option<(String, Decimal)> {
        self.map().get(id).cloned()
    }

    /// `false` if `id` was not kept.
    pub fn release(&self, id: &str) -> bool {
        self.map().remove(id).is_some()
    }
}

impl Server {
    /// Chooses how the server answers the API's open questions (see [`World`]).
    pub fn set_world(&self, world: World) {
        *self.state.world.lock().unwrap_or_else(|p| p.into_inner()) = world;
    }
}
