//! Delivery of a return under the same rules as a sale: sent only by the process that claimed
//! it, settled by the outcome, never re-sent while its first request may still be in progress.

use super::deliver::{outcome_of, refused, sale_parts, stored_error};
use super::plan::{LineState, ReturnPlan};
use super::settle::{after_send, SendOutcome};
use super::store::{owner_token, Kind, Outcome, State};
use crate::backend::cloud::api::BackRequest;
use crate::backend::cloud::endpoints::Deadline;
use crate::backend::cloud::journal::to_json;
use crate::backend::cloud::{internal, CloudBackend};
use crate::backend::{DeliveryStatus, ReturnResult};
use crate::error::{Error, ErrorCode, Result};
use crate::messages;

impl CloudBackend {
    pub(super) fn deliver_return(&self, dl: &Deadline, seq: i64) -> Result<ReturnResult> {
        let row = self.outbox.by_seq(seq)?.ok_or_else(|| internal("row"))?;
        let mut plan: ReturnPlan = serde_json::from_str(&row.plan).map_err(|_| internal("plan"))?;
        let mut estimate: ReturnResult =
            serde_json::from_str(&row.result).map_err(|_| internal("result"))?;
        match row.state {
            State::Done => return Ok(estimate),
            State::Failed => return Err(refused(&row)),
            // No receipt list shows a return line: an uncertain one waits for the operator.
            State::Sending | State::Unconfirmed => {
                estimate.status = DeliveryStatus::Queued;
                return Ok(estimate);
            }
            State::Queued => estimate.status = DeliveryStatus::Queued,
        }
        // A return waits for its sale.
        if let Some(sale) = self.outbox.get(Kind::Sale, &plan.document_id)? {
            match sale.state {
                State::Done => {
                    if plan.phone.is_empty() {
                        if let Ok((sp, _, _)) = sale_parts(&sale) {
                            plan.phone = sp.request.phone;
                        }
                    }
                }
                State::Failed => {
                    let e = Error::of(
                        ErrorCode::NotFound,
                        messages::outbox::sale_not_posted(&plan.document_id),
                    );
                    self.outbox
                        .not_sent(row.seq, State::Failed, None, &stored_error(&e))?;
                    return Err(e);
                }
                _ => return Ok(estimate),
            }
        }
        while let Some(i) = plan.lines.iter().position(|l| l.state != LineState::Done) {
            if !dl.has(self.send_budget()) {
                self.outbox.save_plan(row.seq, &to_json(&plan), None)?;
                return Ok(estimate);
            }
            plan.lines[i].state = LineState::Sending;
            let owner = owner_token();
            if !self.outbox.claim_send(row.seq, &owner, &to_json(&plan))? {
                return Ok(estimate);
            }
            let request = BackRequest {
                ext: plan.lines[i].ext.clone(),
                sum: plan.lines[i].sum,
            };
            let (state, error) = match self.api.back(dl, &request) {
                Ok(r) => {
                    plan.lines[i].state = LineState::Done;
                    plan.lines[i].remote_id = match &r.returned_purchase_id {
                        Some(serde_json::Value::Number(n)) => n.to_string(),
                        Some(serde_json::Value::String(s)) => s.clone(),
                        _ => String::new(),
                    };
                    if plan.lines.iter().all(|l| l.state == LineState::Done) {
                        (State::Done, None)
                    } else {
                        (State::Queued, None)
                    }
                }
                Err(f) => {
                    let kind = outcome_of(&f);
                    self.note_reach(kind);
                    plan.lines[i].state = match kind {
                        SendOutcome::Uncertain => LineState::Unconfirmed,
                        _ => LineState::Queued,
                    };
                    (after_send(kind), Some(f.error))
                }
            };
            if state == State::Done {
                estimate.status = DeliveryStatus::Done;
                if !plan.phone.is_empty() {
                    if let Ok(Some(c)) = self.get_customer(dl, "phone", &plan.phone) {
                        estimate.customer = c.to_customer(&plan.phone);
                    }
                }
            }
            let plan_json = to_json(&plan);
            let result = to_json(&estimate);
            self.outbox.finish(
                row.seq,
                &owner,
                &Outcome {
                    state,
                    plan: Some(&plan_json),
                    result: Some(&result),
                    remote_id: None,
                    error: error.as_ref().map(stored_error).unwrap_or_default(),
                    cleanup: None,
                },
            )?;
            match (state, error) {
                (State::Done, _) => return Ok(estimate),
                (State::Queued, None) => continue,
                (State::Failed, Some(e)) if !plan.reported_queued => return Err(e),
                _ => return Ok(estimate),
            }
        }
        Ok(estimate)
    }
}
