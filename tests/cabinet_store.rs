//! The cabinet's figures straight from the embedded store under a set clock: the dashboard's
//! totals and its per-day series (accrued, spent, expired), the customer card (reserves,
//! purchases, returns), expiring bonuses, search by phone, card and name, and manual adjustments
//! kept in the ledger with their reason and passing the audit.

#[path = "support/backend.rs"]
mod support;

use bonusplus_1c::backend::{Backend, CustomerData, ReturnLine, ReturnRequest};
use support::{at, d, line, open_shop, policy, sale, PHONE};

#[test]
fn the_owner_sees_what_the_ledger_holds_day_by_day() {
    let dir = tempfile::tempdir().unwrap();
    let shop = open_shop(dir.path());
    let b = &shop.backend;
    let mut p = policy(r#"{"accrualPercent":10,"expiryDays":5}"#);
    p.start_date = at("2000-01-01T00:00:00");
    b.set_policy(p).unwrap();
    let data = CustomerData {
        first_name: Some("Анна".into()),
        last_name: Some("Покупатель".into()),
        ..Default::default()
    };
    b.register_customer(PHONE, "", &data).unwrap();
    b.bind_card(PHONE, "2000000000015").unwrap();
    let mut two = line(1, "A", "1000");
    two.quantity = d("2");
    b.fix_sale(&sale("S-1", "0", vec![two])).unwrap();
    b.reserve("R-1", PHONE, d("20")).unwrap();

    let dash = b.owner_dashboard(90).unwrap();
    assert_eq!(dash.days.len(), 90);
    assert_eq!(dash.days.last().unwrap().date, "2025-03-10");
    assert_eq!(
        (dash.customers, dash.active, dash.reserved, dash.sales_30),
        (1, d("100"), d("20"), 1)
    );
    assert_eq!(
        (dash.revenue_30, dash.accrued_30, dash.spent_30),
        (d("1000"), d("100"), d("0"))
    );
    assert_eq!(dash.days.last().unwrap().accrued, d("100"));
    assert_eq!(b.owner_expiring(3).unwrap().len(), 0);
    let soon = b.owner_expiring(7).unwrap();
    assert_eq!(soon.len(), 1);
    assert_eq!((soon[0].phone.as_str(), soon[0].amount), (PHONE, d("100")));
    assert_eq!(soon[0].first_expiry, "2025-03-15T00:00:00");

    for q in [
        "Анна",
        "покупатель анна",
        "1122",
        "+7 900 111",
        "20000000000",
        "",
    ] {
        let found = b.owner_search(q, 10).unwrap();
        assert_eq!(found.len(), 1, "{q}");
    }
    assert!(b.owner_search("Борис", 10).unwrap().is_empty());

    // Half the sale comes back: half the accrual is taken back.
    b.cancel_reserve("R-1").unwrap();
    b.return_sale(&ReturnRequest {
        return_id: "RET-1".into(),
        document_id: "S-1".into(),
        date: None,
        lines: vec![ReturnLine {
            line_no: 1,
            quantity: d("1"),
            sum: d("500"),
        }],
    })
    .unwrap();
    let card = b.owner_customer(PHONE).unwrap();
    assert_eq!(card.customer.balance, d("50"));
    assert_eq!(card.customer.card, "2000000000015");
    assert!(card.reserves.is_empty());
    assert_eq!(card.purchases.len(), 1);
    assert_eq!(
        (card.purchases[0].sum, card.purchases[0].bonus_accrual),
        (d("1000"), d("100"))
    );
    assert_eq!(card.returns.len(), 1);
    assert_eq!(
        (
            card.returns[0].document_id.as_str(),
            card.returns[0].bonus_accrual
        ),
        ("RET-1", d("50"))
    );
    let kinds: Vec<&str> = card.ledger.iter().map(|r| r.kind.as_str()).collect();
    assert_eq!(kinds, ["reversal", "accrual"]);
    assert_eq!(card.ledger[1].expires_at, "2025-03-15T00:00:00");
    assert_eq!(card.ledger[1].active_from, "2025-03-10T00:00:00");

    // Six days on, the rest has expired on day 5.
    shop.clock.advance_days(6);
    let dash = b.owner_dashboard(90).unwrap();
    assert_eq!(dash.active, d("0"));
    let expired: Vec<(&str, rust_decimal::Decimal)> = dash
        .days
        .iter()
        .filter(|day| !day.expired.is_zero())
        .map(|day| (day.date.as_str(), day.expired))
        .collect();
    assert_eq!(expired, [("2025-03-15", d("50"))]);

    // Manual adjustments: a debit past the balance is refused; a credit and a debit are kept
    // with their reasons and pass the audit.
    assert!(b.owner_adjust(PHONE, d("-1"), "nothing to take").is_err());
    assert!(b.owner_adjust(PHONE, d("10"), "  ").is_err());
    assert!(b.owner_adjust(PHONE, d("0.001"), "too fine").is_err());
    b.owner_adjust(PHONE, d("30"), "Подарок").unwrap();
    b.owner_adjust(PHONE, d("-12.5"), "Ошибка кассира").unwrap();
    let c = b.find_customer("", PHONE).unwrap().unwrap();
    assert_eq!(c.available_bonuses, d("17.5"));
    let card = b.owner_customer(PHONE).unwrap();
    assert_eq!(
        (card.ledger[0].reason.as_str(), card.ledger[0].amount),
        ("Ошибка кассира", d("-12.5"))
    );
    assert_eq!(card.ledger[1].reason, "Подарок");
    let dash = b.owner_dashboard(90).unwrap();
    assert_eq!(
        (
            dash.days.last().unwrap().accrued,
            dash.days.last().unwrap().spent
        ),
        (d("30"), d("12.5"))
    );
    let report = b.audit().unwrap();
    assert!(report.is_clean(), "{:#?}", report.problems);
    let export = b.owner_ledger_export(None).unwrap();
    assert_eq!(export.len(), 4);
    assert!(export.iter().all(|(phone, _)| phone == PHONE));
}

#[test]
fn policy_saves_are_kept_in_the_history() {
    let dir = tempfile::tempdir().unwrap();
    let shop = open_shop(dir.path());
    let b = &shop.backend;
    let mut p = policy(r#"{"accrualPercent":5}"#);
    b.owner_save_policy(&p).unwrap();
    b.owner_save_policy(&p).unwrap();
    p.accrual_percent = d("7");
    b.owner_save_policy(&p).unwrap();
    let h = b.owner_policy_history().unwrap();
    assert_eq!(h.len(), 2, "an unchanged save is no change");
    assert!(
        h[0].old_json.contains("\"accrualPercent\":5")
            && h[0].new_json.contains("\"accrualPercent\":7")
    );
    assert_eq!(h[1].old_json, "");
    assert_eq!(b.policies().unwrap(), vec![p.clone()]);
    p.accrual_percent = d("-1");
    assert!(b.owner_save_policy(&p).is_err());
    assert_eq!(b.owner_policy_history().unwrap().len(), 2);
}
