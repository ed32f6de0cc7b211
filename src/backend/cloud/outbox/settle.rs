//! The rules that decide what an outbox row becomes, as pure functions a table test drives
//! without sockets: what a send's outcome makes of the row, what settles an uncertain one, and
//! when an operator may have it sent again.
//!
//! The rule of cloud mode: a sale reaches the service at most once and is never reported
//! delivered without evidence. Evidence is only something the service shows about *this*
//! document: its receipt listed with the document's marker. A changed balance, a changed purchase
//! total or a reserve that is gone are hints: another till, an expiry or an operator can cause
//! each of them, so none of them settles anything.

use super::store::State;
use std::time::Duration;

/// How long after an uncertain request the service might still be working on it. An operator
/// may not have the item sent again before this has passed since the request left.
///
/// Why ten minutes: the BonusPlus API runs on ASP.NET behind a gateway; ASP.NET gives up on a
/// request after 110 s by default and common gateways after 60–300 s, so no request can still be
/// executing after 10 minutes, while an operator who has checked the cabinet is rarely held up.
pub const QUIET_PERIOD: Duration = Duration::from_secs(600);

/// How a request ended, as the transport saw it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SendOutcome {
    /// A 2xx with a readable answer.
    Accepted,
    /// Nothing left this machine: connection refused, DNS, TLS handshake, connect timeout, no
    /// time left in the call's budget.
    NotSent,
    /// The service answered 4xx: it refused and did not act.
    Refused,
    /// Sent, and then the answer was slow, cut, 5xx or unreadable: the service may have acted.
    Uncertain,
}

/// What a row becomes after its owner's request.
pub fn after_send(outcome: SendOutcome) -> State {
    match outcome {
        SendOutcome::Accepted => State::Done,
        SendOutcome::NotSent => State::Queued,
        SendOutcome::Refused => State::Failed,
        SendOutcome::Uncertain => State::Unconfirmed,
    }
}

/// What the service says about the document when asked after an uncertain request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Evidence {
    /// A receipt carrying this document's marker is listed: the sale was posted.
    ReceiptListed,
    /// The customer's receipts were read and none carries the marker (yet).
    ReceiptNotListed,
    /// The service could not be asked, or offers nothing to ask.
    Unavailable,
}

/// Signs that something happened to the customer. Recorded for the operator, never decisive.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Hints {
    /// The reserve the sale names is no longer held (released, expired, consumed or never made).
    pub reserve_gone: Option<bool>,
    /// The customer's purchase total or bonus totals changed since the request was prepared.
    pub figures_changed: Option<bool>,
}

/// The verdict on an uncertain row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Settlement {
    /// Proven posted: the row is done.
    Posted,
    /// Nothing proves either way: the row stays unconfirmed, visible in PendingItems.
    Unsettled,
}

/// Settles an uncertain (sending or unconfirmed) row. Only evidence about this document settles
/// it, and only towards "posted": the absence of a receipt is no proof that none will appear (the
/// first request may still be running, or the list may lag), so it never sends the sale again.
pub fn settle(evidence: &Evidence, hints: Hints) -> Settlement {
    let _ = hints; // hints are shown to the operator, never used to decide
    match evidence {
        Evidence::ReceiptListed => Settlement::Posted,
        Evidence::ReceiptNotListed | Evidence::Unavailable => Settlement::Unsettled,
    }
}

/// Whether an operator's "not posted" may put an uncertain row back in the queue now.
pub fn may_requeue(state: State, since_sent: Duration, quiet: Duration) -> bool {
    match state {
        State::Unconfirmed | State::Sending => since_sent >= quiet,
        _ => false,
    }
}

/// The marker a sale carries in `desc` so the service's receipt list can prove it was posted.
pub fn marker(document_id: &str) -> String {
    format!("1C:{document_id}")
}

/// Whether an activity's text carries the document's marker (as a whole word, so `1C:12` is not
/// found in `1C:123`).
pub fn carries_marker(text: &str, document_id: &str) -> bool {
    let marker = marker(document_id);
    text.match_indices(&marker).any(|(at, _)| {
        let end = at + marker.len();
        let before_ok = text[..at]
            .chars()
            .next_back()
            .is_none_or(|c| c.is_whitespace() || c == ';' || c == ',');
        let after_ok = text[end..]
            .chars()
            .next()
            .is_none_or(|c| c.is_whitespace() || c == ';' || c == ',');
        before_ok && after_ok
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_send_outcome_decides_the_row() {
        let table = [
            (SendOutcome::Accepted, State::Done),
            (SendOutcome::NotSent, State::Queued),
            (SendOutcome::Refused, State::Failed),
            (SendOutcome::Uncertain, State::Unconfirmed),
        ];
        for (outcome, state) in table {
            assert_eq!(after_send(outcome), state, "{outcome:?}");
        }
    }

    /// Every row of the review's scenarios: only the listed receipt settles; no hint does, in
    /// either direction, whatever the reserve or the figures did.
    #[test]
    fn only_evidence_settles_and_hints_never_do() {
        let hint_values = [None, Some(false), Some(true)];
        for evidence in [
            Evidence::ReceiptListed,
            Evidence::ReceiptNotListed,
            Evidence::Unavailable,
        ] {
            for reserve_gone in hint_values {
                for figures_changed in hint_values {
                    let hints = Hints {
                        reserve_gone,
                        figures_changed,
                    };
                    let expected = if evidence == Evidence::ReceiptListed {
                        Settlement::Posted
                    } else {
                        Settlement::Unsettled
                    };
                    assert_eq!(settle(&evidence, hints), expected, "{evidence:?} {hints:?}");
                }
            }
        }
    }

    #[test]
    fn an_operator_requeues_only_after_the_quiet_period() {
        let quiet = Duration::from_secs(600);
        let table = [
            (State::Unconfirmed, 599, false),
            (State::Unconfirmed, 600, true),
            (State::Sending, 10, false),
            (State::Sending, 3600, true),
            (State::Queued, 3600, false),
            (State::Done, 3600, false),
            (State::Failed, 3600, false),
        ];
        for (state, secs, allowed) in table {
            assert_eq!(
                may_requeue(state, Duration::from_secs(secs), quiet),
                allowed,
                "{state:?} after {secs} s"
            );
        }
    }

    #[test]
    fn markers_match_whole_documents_only() {
        assert!(carries_marker("1C:ТД-1", "ТД-1"));
        assert!(carries_marker("Покупка; 1C:ТД-1", "ТД-1"));
        assert!(!carries_marker("1C:ТД-12", "ТД-1"));
        assert!(!carries_marker("X1C:ТД-1", "ТД-1"));
        assert!(!carries_marker("", "ТД-1"));
    }
}
