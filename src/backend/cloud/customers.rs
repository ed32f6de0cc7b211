//! The customer calls of cloud mode: lookup by card (with the list lookup when the card lookup
//! cannot answer) or phone, registration, the card name, binding a card and SMS codes. Each maps
//! one contract method onto the BonusPlus API and refuses, rather than fakes, what the API lacks.

use super::api::{self, ApiCustomer, CreateCustomer};
use super::endpoints::{segment, Deadline};
use super::http::{Body, Client, Failure, Reach};
use super::{no_api, CloudBackend};
use crate::backend::{customer_not_found, Customer, CustomerData, Registration};
use crate::contract;
use crate::error::{Error, Result};
use crate::messages;
use serde_json::json;

impl CloudBackend {
    pub(super) fn get_customer(
        &self,
        dl: &Deadline,
        key: &str,
        value: &str,
    ) -> std::result::Result<Option<ApiCustomer>, Failure> {
        let found = self.api.customer(dl, key, value)?;
        if let Some(c) = &found {
            let view = c.to_customer(if key == "phone" { value } else { "" });
            self.seen.remember(&self.outbox, &view);
        }
        Ok(found)
    }

    /// By card (first) or phone, as the contract finds customers.
    pub(super) fn find(
        &self,
        dl: &Deadline,
        card: &str,
        phone: &str,
    ) -> std::result::Result<Option<ApiCustomer>, Failure> {
        if !card.is_empty() {
            match self.get_customer(dl, "ean", card) {
                Ok(Some(c)) => return Ok(Some(c)),
                Ok(None) => {}
                // The service could not answer the card lookup: ask the list lookup before
                // giving up (an unreachable service would only fail again).
                Err(f) if f.reach != Reach::NotSent => {
                    match self.api.customer_by_card_list(dl, card) {
                        Ok(Some(c)) => {
                            self.seen.remember(&self.outbox, &c.to_customer(""));
                            return Ok(Some(c));
                        }
                        Ok(None) => {}
                        Err(_) => return Err(f),
                    }
                }
                Err(f) => return Err(f),
            }
        }
        if !phone.is_empty() {
            return self.get_customer(dl, "phone", phone);
        }
        Ok(None)
    }

    pub(super) fn require(&self, dl: &Deadline, card: &str, phone: &str) -> Result<Customer> {
        self.require_api(dl, card, phone)
            .map(|c| c.to_customer(phone))
    }

    pub(super) fn require_api(
        &self,
        dl: &Deadline,
        card: &str,
        phone: &str,
    ) -> Result<ApiCustomer> {
        self.find(dl, card, phone)?
            .ok_or_else(|| customer_not_found(card, phone))
    }

    pub(super) fn register(
        &self,
        phone: &str,
        card: &str,
        data: &CustomerData,
    ) -> Result<Registration> {
        let (phone, card) = contract::registration(phone, card, data, self.now())?;
        let dl = self.deadline();
        if let Some(c) = self.get_customer(&dl, "phone", &phone)? {
            return self.then_deliver_waiting(
                &dl,
                Ok(Registration {
                    created: false,
                    customer: c.to_customer(&phone),
                }),
            );
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
        let r = match self
            .api
            .call(&dl, "POST", "customer", &[], Body::Json(&body))
        {
            Ok(answer) => {
                let c: ApiCustomer = answer.json("customer")?;
                let view = c.to_customer(&phone);
                self.seen.remember(&self.outbox, &view);
                Ok(Registration {
                    created: true,
                    customer: view,
                })
            }
            Err(f) if f.service_code() == Some("CUSTOMER_ALREADY_EXISTS") => {
                let c = self
                    .get_customer(&dl, "phone", &phone)?
                    .ok_or_else(|| customer_not_found("", &phone))?;
                Ok(Registration {
                    created: false,
                    customer: c.to_customer(&phone),
                })
            }
            Err(f) => Err(f.error),
        };
        self.then_deliver_waiting(&dl, r)
    }

    pub(super) fn update(&self, phone: &str, data: &CustomerData) -> Result<Customer> {
        let phone = contract::phone(phone)?;
        contract::check_customer_data(data, self.now())?;
        let dl = self.deadline();
        let current = self.require(&dl, "", &phone)?;
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
            return Err(no_api(messages::cloud::changing_fields(&keys)));
        }
        if let Some(name) = data
            .card_name
            .as_ref()
            .filter(|n| n.trim() != current.card_name)
        {
            let body = json!({ "newCard": name.trim() });
            let path = format!("customer/{}", segment(&phone));
            self.api.call(&dl, "PATCH", &path, &[], Body::Json(&body))?;
            let after = self.require(&dl, "", &phone)?;
            return self.then_deliver_waiting(&dl, Ok(after));
        }
        self.then_deliver_waiting(&dl, Ok(current))
    }

    pub(super) fn bind(&self, phone: &str, card: &str) -> Result<Customer> {
        let phone = contract::phone(phone)?;
        let card = contract::required_card(card)?;
        let dl = self.deadline();
        let current = self.require(&dl, "", &phone)?;
        if current.card_number == card {
            return self.then_deliver_waiting(&dl, Ok(current));
        }
        Err(no_api(messages::cloud::BINDING_CARD_TO_EXISTING))
    }

    pub(super) fn send_sms_code(&self, phone: &str) -> Result<()> {
        let phone = contract::phone(phone)?;
        let dl = self.deadline();
        let path = format!("customer/{}/sendCode", segment(&phone));
        let r = self
            .api
            .call(&dl, "PUT", &path, &[], Body::Empty)
            .map(|_| ())
            .map_err(Error::from);
        self.then_deliver_waiting(&dl, r)
    }

    pub(super) fn check_sms_code(&self, phone: &str, code: &str) -> Result<bool> {
        let phone = contract::phone(phone)?;
        let code = code.trim();
        if code.is_empty() || code.len() > 32 || !code.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Ok(false);
        }
        let dl = self.deadline();
        let path = format!("customer/{}/checkCode/{}", segment(&phone), segment(code));
        let r = match self.api.call(&dl, "PUT", &path, &[], Body::Empty) {
            Ok(_) => Ok(true),
            Err(f) if f.status == Some(412) => Ok(false),
            Err(f) => Err(f.error),
        };
        self.then_deliver_waiting(&dl, r)
    }
}
