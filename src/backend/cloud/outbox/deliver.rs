//! Delivery of outbox rows under the rules of [`super::settle`]: a row is sent only by the
//! process that claimed it from `queued`, the outcome decides its next state, an uncertain row is
//! settled only by the service's own record of the receipt, and all of it stays inside the call's
//! [`Deadline`] — the backlog goes out in slices, never in one long call.
//!
//! This file holds the sale's delivery and what the other parts share; a return's is in
//! `returns.rs`, the operator's settlement in `operator.rs`, the backlog's slices in `backlog.rs`.

use super::plan::{ReturnPlan, SalePlan};
use super::settle::{self, after_send, Evidence, Hints, SendOutcome, Settlement};
use super::store::{owner_token, Outcome, Row, State, StoredError};
use crate::backend::cloud::endpoints::Deadline;
use crate::backend::cloud::http::{Failure, Reach};
use crate::backend::cloud::journal::to_json;
use crate::backend::cloud::{internal, CloudBackend};
use crate::backend::{customer_not_found, DeliveryStatus, DocumentState, ReturnResult, SaleResult};
use crate::engine::{Calculation, Order};
use crate::error::{Error, ErrorCode, Result};
use crate::i18n::Lang;
use crate::messages;
use rust_decimal::Decimal;
use std::sync::atomic::Ordering;
use std::time::Duration;

/// How a failed request is classified for the outbox.
pub(super) fn outcome_of(f: &Failure) -> SendOutcome {
    match f.reach {
        Reach::NotSent => SendOutcome::NotSent,
        Reach::Unknown => SendOutcome::Uncertain,
        // A refusal of the request itself; a key, quota or address problem is not about the sale
        // and keeps it queued.
        Reach::Answered => match f.status {
            Some(400 | 409 | 412 | 422) => SendOutcome::Refused,
            _ => SendOutcome::NotSent,
        },
    }
}

pub(super) fn stored_error(e: &Error) -> StoredError {
    StoredError {
        code: e.code.as_str().to_owned(),
        message: e.message_en.clone(),
        service_code: e.service_code.clone().unwrap_or_default(),
    }
}

/// The service's refusal of a row, as 1C gets it.
pub(super) fn refused(row: &Row) -> Error {
    let e = &row.last_error;
    let err = Error::of(
        ErrorCode::Rejected,
        messages::outbox::refused_posting(&row.key, row.kind.as_str(), &e.message),
    );
    if e.service_code.is_empty() {
        err
    } else {
        err.with_service_code(e.service_code.clone())
    }
}

pub(super) fn sale_parts(row: &Row) -> Result<(SalePlan, Order, SaleResult)> {
    let (plan, sale): (SalePlan, Order) =
        serde_json::from_str(&row.plan).map_err(|_| internal("plan"))?;
    let mut estimate: SaleResult =
        serde_json::from_str(&row.result).map_err(|_| internal("result"))?;
    if row.state != State::Done {
        estimate.status = DeliveryStatus::Queued;
    }
    Ok((plan, sale, estimate))
}

impl CloudBackend {
    /// The least budget a sale or return request is started with: a request started with less
    /// would likely end uncertain.
    pub(super) fn send_budget(&self) -> Duration {
        (self.timeout / 2).max(Duration::from_millis(200))
    }

    // ---- sales ----

    /// FixSale's answer for an outbox row, delivering or settling it when it may be.
    pub(in crate::backend::cloud) fn report_sale(
        &self,
        dl: &Deadline,
        seq: i64,
    ) -> Result<SaleResult> {
        let r = self.deliver_sale(dl, seq);
        if let Ok(result) = &r {
            if result.status == DeliveryStatus::Queued {
                self.mark_reported(seq);
                self.pending_hint.store(true, Ordering::Relaxed);
            }
            let figures = self
                .outbox
                .by_seq(seq)?
                .and_then(|row| sale_parts(&row).ok())
                .and_then(|(plan, _, _)| plan.calculation);
            // BonusInfo reads the outbox for pending and failed; the journal keeps the figures.
            self.journal().record(
                &result.document_id,
                DocumentState::Fixed,
                figures.as_ref(),
                &result.customer,
                Some(result.bonus_debited),
            );
        }
        r
    }

    pub(super) fn deliver_sale(&self, dl: &Deadline, seq: i64) -> Result<SaleResult> {
        let row = self.outbox.by_seq(seq)?.ok_or_else(|| internal("row"))?;
        let (plan, sale, estimate) = sale_parts(&row)?;
        match row.state {
            State::Done => Ok(estimate),
            State::Failed => Err(refused(&row)),
            State::Sending | State::Unconfirmed => self.settle_sale(dl, &row, &plan, estimate),
            State::Queued => self.send_sale(dl, &row, plan, sale, estimate),
        }
    }

    /// Asks the service for evidence about an uncertain sale; only its receipt settles it.
    fn settle_sale(
        &self,
        dl: &Deadline,
        row: &Row,
        plan: &SalePlan,
        mut estimate: SaleResult,
    ) -> Result<SaleResult> {
        let phone = plan.request.phone.as_str();
        let evidence = if phone.is_empty() {
            Evidence::Unavailable
        } else {
            match self.api.activities(dl, phone, 50) {
                Ok(list)
                    if list.iter().any(|a| {
                        a.external_id.as_deref() == Some(row.key.as_str())
                            || a.description
                                .as_deref()
                                .is_some_and(|d| settle::carries_marker(d, &row.key))
                    }) =>
                {
                    Evidence::ReceiptListed
                }
                Ok(_) => Evidence::ReceiptNotListed,
                Err(_) => Evidence::Unavailable,
            }
        };
        match settle::settle(&evidence, Hints::default()) {
            Settlement::Posted => {
                estimate.status = DeliveryStatus::Done;
                if let Ok(Some(c)) = self.get_customer(dl, "phone", phone) {
                    estimate.customer = c.to_customer(phone);
                }
                let cleanup = plan.request.reserve_id.clone().unwrap_or_default();
                if self
                    .outbox
                    .settle_posted(row.seq, &to_json(&estimate), &cleanup)?
                {
                    self.after_posted(dl, row.seq, &row.key, plan);
                }
                Ok(estimate)
            }
            Settlement::Unsettled => {
                let why = match evidence {
                    Evidence::ReceiptNotListed => {
                        "the service does not list the receipt (yet); confirm it in the cabinet"
                    }
                    _ => "the service could not be asked whether the receipt arrived",
                };
                let _ = self.outbox.note_unconfirmed(
                    row.seq,
                    &StoredError {
                        code: ErrorCode::Network.as_str().to_owned(),
                        message: why.to_owned(),
                        service_code: String::new(),
                    },
                );
                Ok(estimate)
            }
        }
    }

    /// A posted sale: the order it spent shows fixed, and its reserve is released (whether the
    /// service consumed it or kept it, none stays held).
    pub(super) fn after_posted(&self, dl: &Deadline, seq: i64, document_id: &str, plan: &SalePlan) {
        if let Some(reserve) = plan.request.reserve_id.as_deref() {
            self.journal().reserve_spent(reserve, document_id);
        }
        if let Ok(Some(row)) = self.outbox.by_seq(seq) {
            self.run_cleanup(dl, &row);
        }
    }

    pub(super) fn run_cleanup(&self, dl: &Deadline, row: &Row) {
        if row.cleanup.is_empty() || !dl.has(Duration::from_millis(200)) {
            return;
        }
        if self.api.reserve_release(dl, &row.cleanup).is_ok() {
            let _ = self.outbox.clear_cleanup(row.seq);
        }
    }

    /// The figures of a sale: known from the journal, else the service's calculation for
    /// exactly the spent bonuses. A network failure means the sale is not sent now.
    fn sale_figures(
        &self,
        dl: &Deadline,
        sale: &Order,
        customer: &crate::backend::Customer,
    ) -> std::result::Result<Option<Calculation>, Failure> {
        let spend = sale.bonus_debit.unwrap_or_default();
        match self
            .calc_context(dl)
            .calculate(sale, customer, Some(spend), Lang::Ru)
        {
            Ok(c) => Ok(Some(c)),
            Err(f) if f.error.code == ErrorCode::Network => Err(Failure {
                reach: Reach::NotSent,
                ..f
            }),
            Err(_) => Ok(None),
        }
    }

    fn send_sale(
        &self,
        dl: &Deadline,
        row: &Row,
        mut plan: SalePlan,
        sale: Order,
        mut estimate: SaleResult,
    ) -> Result<SaleResult> {
        // Prepare: the customer (phone, balance) and the sale's figures. Only reads.
        let prepared = (|| -> std::result::Result<(), Failure> {
            let c = self
                .find(dl, &plan.card, &plan.request.phone)?
                .ok_or_else(|| Failure {
                    error: customer_not_found(&plan.card, &plan.request.phone),
                    reach: Reach::Answered,
                    status: Some(412),
                })?;
            let view = c.to_customer(&plan.request.phone);
            plan.request.phone = view.phone.clone();
            if plan.calculation.is_none() {
                let mut order = sale.clone();
                order.phone = view.phone.clone();
                plan.calculation = self.sale_figures(dl, &order, &view)?;
            }
            estimate.bonus_accrued = plan
                .calculation
                .as_ref()
                .map_or(Decimal::ZERO, |c| c.bonus_accrual);
            estimate.customer = view;
            Ok(())
        })();
        let plan_json = to_json(&(&plan, &sale));
        if let Err(f) = prepared {
            return self.sale_not_sent(row, &plan, &plan_json, estimate, f);
        }
        if !dl.has(self.send_budget()) {
            self.outbox
                .save_plan(row.seq, &plan_json, Some(&to_json(&estimate)))?;
            return Ok(estimate);
        }
        let owner = owner_token();
        if !self.outbox.claim_send(row.seq, &owner, &plan_json)? {
            // Another process sent it or is sending it: report what the outbox knows.
            let now = self
                .outbox
                .by_seq(row.seq)?
                .ok_or_else(|| internal("row"))?;
            return match now.state {
                State::Failed => Err(refused(&now)),
                _ => sale_parts(&now).map(|(_, _, e)| e),
            };
        }
        match self.api.post_retail(dl, &plan.request) {
            Ok(answer) => {
                if let Some(c) = &answer.customer {
                    estimate.customer = c.to_customer(&plan.request.phone);
                }
                estimate.status = DeliveryStatus::Done;
                estimate.sale_id = match &answer.id {
                    Some(serde_json::Value::String(s)) => s.clone(),
                    Some(serde_json::Value::Number(n)) => n.to_string(),
                    _ => String::new(),
                };
                estimate.receipt_url = answer.order_url.clone().unwrap_or_default();
                let cleanup = plan.request.reserve_id.clone().unwrap_or_default();
                let result = to_json(&estimate);
                self.outbox.finish(
                    row.seq,
                    &owner,
                    &Outcome {
                        state: after_send(SendOutcome::Accepted),
                        plan: None,
                        result: Some(&result),
                        remote_id: Some(&estimate.sale_id),
                        error: StoredError::default(),
                        cleanup: Some(&cleanup),
                    },
                )?;
                self.after_posted(dl, row.seq, &row.key, &plan);
                Ok(estimate)
            }
            Err(f) => {
                let kind = outcome_of(&f);
                let state = after_send(kind);
                self.outbox.finish(
                    row.seq,
                    &owner,
                    &Outcome {
                        state,
                        plan: None,
                        result: Some(&to_json(&estimate)),
                        remote_id: None,
                        error: stored_error(&f.error),
                        cleanup: None,
                    },
                )?;
                self.note_reach(kind);
                if state == State::Failed && !plan.reported_queued {
                    return Err(f.error);
                }
                Ok(estimate)
            }
        }
    }

    /// The sale was not sent: it stays queued, or is failed when the service refused something
    /// the sale needs (an unknown customer) and 1C has not been told `queued` yet.
    fn sale_not_sent(
        &self,
        row: &Row,
        plan: &SalePlan,
        plan_json: &str,
        estimate: SaleResult,
        f: Failure,
    ) -> Result<SaleResult> {
        let kind = outcome_of(&f);
        self.note_reach(kind);
        let to = if kind == SendOutcome::Refused {
            State::Failed
        } else {
            State::Queued
        };
        self.outbox
            .not_sent(row.seq, to, Some(plan_json), &stored_error(&f.error))?;
        // The service answered (a refusal, or a key it does not accept) before 1C was told
        // `queued`: 1C gets the error. A refused sale is failed; any other stays queued, so it
        // is delivered once the cause is mended.
        if f.reach == Reach::Answered && !plan.reported_queued {
            return Err(f.error);
        }
        Ok(estimate)
    }

    pub(super) fn note_reach(&self, kind: SendOutcome) {
        self.unreachable
            .store(kind == SendOutcome::NotSent, Ordering::Relaxed);
    }

    fn mark_reported(&self, seq: i64) {
        if let Ok(Some(row)) = self.outbox.by_seq(seq) {
            if let Ok((mut plan, sale)) = serde_json::from_str::<(SalePlan, Order)>(&row.plan) {
                if !plan.reported_queued {
                    plan.reported_queued = true;
                    let _ = self.outbox.save_plan(seq, &to_json(&(&plan, &sale)), None);
                }
            }
        }
    }

    // ---- returns ----

    pub(in crate::backend::cloud) fn report_return(
        &self,
        dl: &Deadline,
        seq: i64,
    ) -> Result<ReturnResult> {
        let r = self.deliver_return(dl, seq);
        if let Ok(result) = &r {
            if result.status == DeliveryStatus::Queued {
                if let Ok(Some(row)) = self.outbox.by_seq(seq) {
                    if let Ok(mut plan) = serde_json::from_str::<ReturnPlan>(&row.plan) {
                        if !plan.reported_queued {
                            plan.reported_queued = true;
                            let _ = self.outbox.save_plan(seq, &to_json(&plan), None);
                        }
                    }
                }
                self.pending_hint.store(true, Ordering::Relaxed);
            }
        }
        r
    }
}
