//! The operator's settlement of an item the add-in cannot settle itself (ConfirmPending): posted
//! or not, with the follow-ups each answer owes, audited.

use super::deliver::sale_parts;
use super::plan::{LineState, ReturnPlan};
use super::settle::{self};
use super::store::{Change, Kind, Row, State};
use crate::backend::cloud::journal::to_json;
use crate::backend::cloud::{internal, CloudBackend};
use crate::backend::{DeliveryStatus, ReturnResult};
use crate::error::{Error, Result};
use crate::messages;
use std::sync::atomic::Ordering;

impl CloudBackend {
    pub(in crate::backend::cloud) fn confirm_row(&self, row: &Row, posted: bool) -> Result<()> {
        if !matches!(row.state, State::Unconfirmed | State::Sending) {
            return Err(Error::bad_input(
                messages::outbox::not_waiting_confirmation(&row.key, row.state.shown()),
            ));
        }
        let uncertain = [State::Unconfirmed, State::Sending];
        if !posted && !settle::may_requeue(row.state, row.sent.elapsed(), self.quiet_period) {
            let wait = self
                .quiet_period
                .saturating_sub(row.sent.elapsed())
                .as_secs()
                + 1;
            return Err(Error::bad_input(messages::outbox::may_still_be_reaching(
                &row.key, wait,
            )));
        }
        let moved = match row.kind {
            Kind::Sale => {
                let (plan, _, mut estimate) = sale_parts(row)?;
                if posted {
                    estimate.status = DeliveryStatus::Done;
                    let result = to_json(&estimate);
                    let cleanup = plan.request.reserve_id.clone().unwrap_or_default();
                    let change = Change {
                        plan: None,
                        result: Some(&result),
                        cleanup: Some(&cleanup),
                    };
                    let moved = self.outbox.operator_move(
                        row.seq,
                        &uncertain,
                        State::Done,
                        "confirmed posted",
                        &change,
                    )?;
                    if moved {
                        let dl = self.deadline();
                        self.after_posted(&dl, row.seq, &row.key, &plan);
                    }
                    moved
                } else {
                    self.outbox.operator_move(
                        row.seq,
                        &uncertain,
                        State::Queued,
                        "confirmed not posted",
                        &Change::default(),
                    )?
                }
            }
            Kind::Return => {
                let mut plan: ReturnPlan =
                    serde_json::from_str(&row.plan).map_err(|_| internal("plan"))?;
                if let Some(line) = plan.uncertain_line() {
                    line.state = if posted {
                        LineState::Done
                    } else {
                        LineState::Queued
                    };
                }
                let all_done = plan.lines.iter().all(|l| l.state == LineState::Done);
                let (to, result) = if all_done {
                    let mut estimate: ReturnResult =
                        serde_json::from_str(&row.result).map_err(|_| internal("result"))?;
                    estimate.status = DeliveryStatus::Done;
                    (State::Done, Some(to_json(&estimate)))
                } else {
                    (State::Queued, None)
                };
                let plan_json = to_json(&plan);
                let action = if posted {
                    "confirmed posted"
                } else {
                    "confirmed not posted"
                };
                self.outbox.operator_move(
                    row.seq,
                    &uncertain,
                    to,
                    action,
                    &Change {
                        plan: Some(&plan_json),
                        result: result.as_deref(),
                        cleanup: None,
                    },
                )?
            }
        };
        if !moved {
            return Err(Error::bad_input(messages::outbox::item_changed(&row.key)));
        }
        self.pending_hint.store(true, Ordering::Relaxed);
        Ok(())
    }
}
