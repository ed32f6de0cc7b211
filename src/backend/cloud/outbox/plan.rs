//! What an outbox row carries: the request as it will be sent, and what settling it needs.

use crate::backend::cloud::api::RetailRequest;
use crate::engine::Calculation;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// A sale in the outbox.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct SalePlan {
    pub request: RetailRequest,
    pub card: String,
    /// The figures of the sale (its calculation) once known.
    pub calculation: Option<Calculation>,
    /// FixSale already answered `queued`: a later refusal is reported through PendingItems.
    pub reported_queued: bool,
}

/// Where one line of a return is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LineState {
    #[default]
    Queued,
    Sending,
    Unconfirmed,
    Done,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ReturnLinePlan {
    pub line_no: u32,
    pub ext: String,
    pub sum: Decimal,
    pub state: LineState,
    pub remote_id: String,
}

/// A return in the outbox: one `PUT retail/back` per line.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ReturnPlan {
    pub document_id: String,
    pub phone: String,
    pub lines: Vec<ReturnLinePlan>,
    pub reported_queued: bool,
}

impl ReturnPlan {
    /// The line whose request is (or may be) at the service.
    pub fn uncertain_line(&mut self) -> Option<&mut ReturnLinePlan> {
        self.lines
            .iter_mut()
            .find(|l| matches!(l.state, LineState::Sending | LineState::Unconfirmed))
    }
}
