//! The backlog: what waits goes out oldest first in slices that fit the call's budget.

use super::plan::ReturnPlan;
use super::store::{Kind, State};
use crate::backend::cloud::endpoints::Deadline;
use crate::backend::cloud::{CloudBackend, DELIVERY_PAUSE};
use crate::backend::{DeliveryStatus, PendingReport};
use crate::error::Result;
use std::collections::HashSet;
use std::sync::atomic::Ordering;
use std::time::Instant;

impl CloudBackend {
    /// Delivers and settles what waits, oldest first, for as long as the call's budget allows,
    /// then carries out owed follow-ups. Stops early when the service cannot be reached.
    pub(in crate::backend::cloud) fn deliver_slice(&self, dl: &Deadline) -> Result<PendingReport> {
        let mut sent = 0;
        let mut waiting_sales: HashSet<String> = HashSet::new();
        for row in self.outbox.open_rows()? {
            if row.kind == Kind::Sale && row.state != State::Done {
                waiting_sales.insert(row.key.clone());
            }
            if row.state == State::Failed {
                continue;
            }
            if !dl.has(self.send_budget()) {
                break;
            }
            self.unreachable.store(false, Ordering::Relaxed);
            let delivered = match row.kind {
                Kind::Sale => {
                    let done = matches!(self.deliver_sale(dl, row.seq),
                        Ok(r) if r.status == DeliveryStatus::Done);
                    if done {
                        waiting_sales.remove(&row.key);
                    }
                    done
                }
                Kind::Return => {
                    let doc = serde_json::from_str::<ReturnPlan>(&row.plan)
                        .map(|p| p.document_id)
                        .unwrap_or_default();
                    !waiting_sales.contains(&doc)
                        && matches!(self.deliver_return(dl, row.seq),
                            Ok(r) if r.status == DeliveryStatus::Done)
                }
            };
            if delivered {
                sent += 1;
            } else if self.unreachable.swap(false, Ordering::Relaxed) {
                // The service is unreachable: the rest would only wait for the same failure.
                break;
            }
        }
        for row in self.outbox.cleanups()? {
            self.run_cleanup(dl, &row);
        }
        let left = self.outbox.pending_count()?;
        let failed = self.outbox.failed_count()?;
        self.pending_hint.store(left > 0, Ordering::Relaxed);
        *self.pause_until.lock().unwrap_or_else(|p| p.into_inner()) =
            (left > 0).then(|| Instant::now() + DELIVERY_PAUSE);
        Ok(PendingReport { sent, left, failed })
    }
}
