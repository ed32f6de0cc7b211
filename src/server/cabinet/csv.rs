//! CSV exports: customers, the ledger (all or one customer's), expiring bonuses. `;`-separated
//! as spreadsheets in Russian locales expect; every field quoted and formula-guarded.

use super::form::csv_field;
use crate::backend::embedded::{OwnerCustomer, OwnerExpiring, OwnerLedgerRow};

fn line(fields: &[&str]) -> String {
    let mut s = fields
        .iter()
        .map(|f| csv_field(f))
        .collect::<Vec<_>>()
        .join(";");
    s.push_str("\r\n");
    s
}

pub fn customers(list: &[OwnerCustomer]) -> String {
    let mut out = line(&[
        "phone",
        "card",
        "name",
        "email",
        "balance",
        "pending",
        "reserved",
        "purchases",
    ]);
    for c in list {
        out.push_str(&line(&[
            &c.phone,
            &c.card,
            &c.name,
            &c.email,
            &c.balance.to_string(),
            &c.pending.to_string(),
            &c.reserved.to_string(),
            &c.purchases.to_string(),
        ]));
    }
    out
}

pub fn ledger(rows: &[(String, OwnerLedgerRow)]) -> String {
    let mut out = line(&[
        "phone",
        "at",
        "kind",
        "document",
        "amount",
        "remaining",
        "active_from",
        "expires_at",
        "reason",
    ]);
    for (phone, r) in rows {
        out.push_str(&line(&[
            phone,
            &r.at,
            &r.kind,
            &r.document_id,
            &r.amount.to_string(),
            &r.remaining.to_string(),
            &r.active_from,
            &r.expires_at,
            &r.reason,
        ]));
    }
    out
}

pub fn expiring(list: &[OwnerExpiring]) -> String {
    let mut out = line(&["phone", "name", "amount", "first_expiry"]);
    for e in list {
        out.push_str(&line(&[
            &e.phone,
            &e.name,
            &e.amount.to_string(),
            &e.first_expiry,
        ]));
    }
    out
}
