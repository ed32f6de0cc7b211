//! The BonusPlus endpoints the backend uses, each one typed request over the [`Transport`] seam,
//! and the [`Deadline`] that bounds everything one 1C call sends: no request gets more time than
//! is left of the call's Timeout, however many the call makes.

use super::api::{
    ActivitiesRequest, ActivitiesResult, Activity, ApiCustomer, BackRequest, BackResult,
    CalcRequest, CalcResult, ReserveInfo, ReserveRequest, RetailRequest, RetailResult,
};
use super::http::{Answer, Body, Client, Failure, Reach, Transport};
use crate::error::{Error, ErrorCode};
use crate::messages;
use rust_decimal::Decimal;
use serde::de::DeserializeOwned;
use std::time::{Duration, Instant};

type Res<T> = std::result::Result<T, Failure>;

/// Below this much time left a request is not started: it could only time out.
const MIN_REQUEST: Duration = Duration::from_millis(100);

/// The end of one 1C call's time budget.
#[derive(Clone, Copy, Debug)]
pub struct Deadline {
    end: Instant,
}

impl Deadline {
    pub fn after(budget: Duration) -> Deadline {
        Deadline {
            end: Instant::now() + budget,
        }
    }

    pub fn remaining(&self) -> Duration {
        self.end.saturating_duration_since(Instant::now())
    }

    /// Whether at least `needed` is left.
    pub fn has(&self, needed: Duration) -> bool {
        self.remaining() >= needed
    }

    /// The time the next request may take, or a NotSent failure when the budget is spent.
    fn for_request(&self) -> Res<Duration> {
        let left = self.remaining();
        if left < MIN_REQUEST {
            return Err(Failure {
                error: Error::of(ErrorCode::Network, messages::cloud::TIMEOUT_BEFORE_REQUEST),
                reach: Reach::NotSent,
                status: None,
            });
        }
        Ok(left)
    }
}

/// A path segment: percent-encodes everything but unreserved characters.
pub fn segment(s: &str) -> String {
    use std::fmt::Write;
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// The typed endpoints over one transport.
pub struct Endpoints {
    transport: Box<dyn Transport>,
}

impl std::fmt::Debug for Endpoints {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Endpoints")
    }
}

impl Endpoints {
    pub fn new(transport: Box<dyn Transport>) -> Endpoints {
        Endpoints { transport }
    }

    pub fn call(
        &self,
        dl: &Deadline,
        method: &str,
        path: &str,
        query: &[(&str, &str)],
        body: Body<'_>,
    ) -> Res<Answer> {
        let timeout = dl.for_request()?;
        self.transport.call(method, path, query, body, timeout)
    }

    fn json<T: DeserializeOwned>(
        &self,
        dl: &Deadline,
        method: &str,
        path: &str,
        body: Body<'_>,
        what: &str,
    ) -> Res<T> {
        self.call(dl, method, path, &[], body)?.json(what)
    }

    /// `GET customer?{key}={value}`; "not found" is `None`.
    pub fn customer(&self, dl: &Deadline, key: &str, value: &str) -> Res<Option<ApiCustomer>> {
        match self
            .call(dl, "GET", "customer", &[(key, value)], Body::None)
            .and_then(|a| a.json::<ApiCustomer>("customer"))
        {
            Ok(c) => Ok(Some(c)),
            Err(f) if f.is_not_found() => Ok(None),
            Err(f) => Err(f),
        }
    }

    /// `POST customer/list {"cardNumber": [card]}`: the card lookup when `GET customer?ean=`
    /// cannot answer. The answer is read as an array, or an object holding one.
    pub fn customer_by_card_list(&self, dl: &Deadline, card: &str) -> Res<Option<ApiCustomer>> {
        let body = serde_json::json!({ "cardNumber": [card] });
        let answer: serde_json::Value = self.json(
            dl,
            "POST",
            "customer/list",
            Body::Json(&body),
            "customer/list",
        )?;
        let list = match &answer {
            serde_json::Value::Array(items) => items.clone(),
            serde_json::Value::Object(map) => map
                .values()
                .find_map(|v| v.as_array().cloned())
                .unwrap_or_default(),
            _ => Vec::new(),
        };
        Ok(list
            .into_iter()
            .filter_map(|v| serde_json::from_value::<ApiCustomer>(v).ok())
            .find(|c| {
                c.discount_card_number
                    .as_deref()
                    .is_none_or(|n| n.trim() == card)
            }))
    }

    pub fn calc(&self, dl: &Deadline, request: &CalcRequest) -> Res<CalcResult> {
        let body = Client::to_json(request);
        self.json(dl, "PUT", "retail/calc", Body::Json(&body), "retail/calc")
    }

    pub fn post_retail(&self, dl: &Deadline, request: &RetailRequest) -> Res<RetailResult> {
        let body = Client::to_json(request);
        self.json(dl, "POST", "retail", Body::Json(&body), "retail")
    }

    pub fn back(&self, dl: &Deadline, request: &BackRequest) -> Res<BackResult> {
        let body = Client::to_json(request);
        let answer = self.call(dl, "PUT", "retail/back", &[], Body::Json(&body))?;
        if answer.body.trim().is_empty() {
            Ok(BackResult::default())
        } else {
            answer.json("retail/back")
        }
    }

    /// The bonuses held now for `id` (0 when there is no such reserve).
    pub fn reserve_held(&self, dl: &Deadline, phone: &str, id: &str) -> Res<Decimal> {
        let path = format!(
            "customer/{}/balance/reserve/{}",
            segment(phone),
            segment(id)
        );
        match self.json::<ReserveInfo>(dl, "GET", &path, Body::None, "reserve") {
            Ok(info) => Ok(info.amount.unwrap_or_default().max(Decimal::ZERO)),
            Err(f) if f.is_not_found() => Ok(Decimal::ZERO),
            Err(f) => Err(f),
        }
    }

    /// Changes the reserve `id` by `difference` (negative releases).
    pub fn reserve_change(
        &self,
        dl: &Deadline,
        phone: &str,
        id: &str,
        difference: Decimal,
    ) -> Res<()> {
        let body = Client::to_json(&ReserveRequest {
            id: id.to_owned(),
            amount: Some(difference),
        });
        let path = format!("customer/{}/balance/reserve", segment(phone));
        self.call(dl, "PATCH", &path, &[], Body::Json(&body))
            .map(|_| ())
    }

    /// Releases the reserve `id`; an unknown one is released already.
    pub fn reserve_release(&self, dl: &Deadline, id: &str) -> Res<()> {
        let body = Client::to_json(&ReserveRequest {
            id: id.to_owned(),
            amount: None,
        });
        match self.call(
            dl,
            "DELETE",
            "customer/balance/reserve",
            &[],
            Body::Json(&body),
        ) {
            Ok(_) => Ok(()),
            Err(f) if f.is_not_found() => Ok(()),
            Err(f) => Err(f),
        }
    }

    /// The customer's latest receipts and transactions, newest first.
    pub fn activities(&self, dl: &Deadline, phone: &str, rows: u32) -> Res<Vec<Activity>> {
        let body = Client::to_json(&ActivitiesRequest {
            phone: phone.to_owned(),
            row_count: rows,
            start_row: 1,
            sort: -1,
        });
        let r: ActivitiesResult = self.json(
            dl,
            "POST",
            "retail/bonusActivities",
            Body::Json(&body),
            "retail/bonusActivities",
        )?;
        Ok(r.bonus_activities.unwrap_or_default())
    }
}
