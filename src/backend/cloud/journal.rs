//! The local journal behind BonusInfo (the API has no such query) and the last customer seen per
//! phone (the estimate of a queued sale). Both are conveniences: losing an entry never fails the
//! call that made it.

use super::outbox::{Kind, State, Store};
use crate::backend::{BonusInfo, Customer, DocumentState};
use crate::engine::Calculation;
use rust_decimal::Decimal;
use std::collections::HashMap;
use std::sync::Mutex;

pub fn to_json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

pub struct Journal<'a> {
    pub store: &'a Store,
}

impl Journal<'_> {
    pub fn state(&self, doc: &str) -> Option<DocumentState> {
        self.store
            .journal(doc)
            .ok()
            .flatten()
            .and_then(|(s, _, _)| DocumentState::parse(&s))
    }

    pub fn info(&self, doc: &str) -> Option<BonusInfo> {
        self.store
            .journal(doc)
            .ok()
            .flatten()
            .and_then(|(_, info, _)| serde_json::from_str(&info).ok())
    }

    pub fn calculation(&self, doc: &str) -> Option<Calculation> {
        self.store
            .journal(doc)
            .ok()
            .flatten()
            .and_then(|(_, _, c)| serde_json::from_str(&c).ok())
    }

    pub fn record(
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
        let _ = self
            .store
            .put_journal(doc, state.as_str(), &to_json(&info), calc_json.as_deref());
    }

    /// The order whose reserve a posted sale consumed shows `fixed` with the reserved amount, not
    /// a reserve that no longer exists.
    pub fn reserve_spent(&self, reserve: &str, sale_document: &str) {
        if reserve == sale_document {
            return;
        }
        let Some(mut info) = self
            .info(reserve)
            .filter(|info| info.state == DocumentState::Reserved)
        else {
            return;
        };
        info.state = DocumentState::Fixed;
        let _ = self
            .store
            .put_journal(reserve, info.state.as_str(), &to_json(&info), None);
    }

    /// BonusInfo of a document: the journal's entry, with the state the outbox knows better — a
    /// sale not yet confirmed by the service is `pending`, one it refused `failed`.
    pub fn bonus_info(&self, doc: &str) -> Option<BonusInfo> {
        let mut info = self.info(doc)?;
        if let Ok(Some(row)) = self.store.get(Kind::Sale, doc) {
            match row.state {
                State::Done => {}
                State::Failed => info.state = DocumentState::Failed,
                State::Queued | State::Sending | State::Unconfirmed => {
                    info.state = DocumentState::Pending
                }
            }
        }
        Some(info)
    }
}

/// The customers last written to the outbox file, by phone: written only when changed, so a
/// calculation costs no disk write.
#[derive(Default)]
pub struct SeenCustomers(Mutex<HashMap<String, String>>);

impl SeenCustomers {
    pub fn remember(&self, store: &Store, view: &Customer) {
        let json = to_json(view);
        let mut seen = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if seen.get(&view.phone) != Some(&json)
            && store
                .put_customer(&view.phone, &view.card_number, &json)
                .is_ok()
        {
            if seen.len() > 1000 {
                seen.clear();
            }
            seen.insert(view.phone.clone(), json);
        }
    }
}

/// The last customer seen with this phone or card, or an empty one.
pub fn cached_customer(store: &Store, phone: &str, card: &str) -> Customer {
    store
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
            next_level_name: String::new(),
            sum_to_next_level: Decimal::ZERO,
            expiring_bonuses: None,
            bonus_debit_denied: false,
        })
}
