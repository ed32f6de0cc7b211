//! Random sequences of sales, returns, reserves and passing days: after every sequence the
//! database audits clean (each balance equals its ledger, every sale and return complete) and the
//! customer's spendable balance matches a simple model of the ledger rules.

#[path = "support/backend.rs"]
mod support;

use bonusplus_1c::backend::{Backend, ReturnLine, ReturnRequest};
use bonusplus_1c::error::ErrorCode;
use proptest::prelude::*;
use rust_decimal::Decimal;
use support::*;

#[derive(Clone, Debug)]
enum Op {
    Sale { sum: u32, debit: u32 },
    Return { sale: usize, half: bool },
    Reserve { amount: u32 },
    Days(u8),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (1u32..2000, 0u32..300).prop_map(|(sum, debit)| Op::Sale { sum, debit }),
        (0usize..20, any::<bool>()).prop_map(|(sale, half)| Op::Return { sale, half }),
        (0u32..200).prop_map(|amount| Op::Reserve { amount }),
        (1u8..20).prop_map(Op::Days),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn any_sequence_keeps_the_ledger_consistent(ops in proptest::collection::vec(op(), 1..25)) {
        let dir = tempfile::tempdir().unwrap();
        let shop = open_shop(dir.path());
        let b = &shop.backend;
        b.set_policy(policy(r#"{"accrualPercent":10,"activationDelayDays":2,"expiryDays":15,"restoreOnReturn":true}"#)).unwrap();
        register(b);
        let mut sales = 0usize;
        for (n, op) in ops.iter().enumerate() {
            match op {
                Op::Sale { sum, debit } => {
                    let before = available(b);
                    let debit = Decimal::from(*debit);
                    let r = b.fix_sale(&sale(&format!("S-{n}"), &debit.to_string(), vec![line(1, "A", &sum.to_string())]));
                    match r {
                        Ok(r) => {
                            sales += 1;
                            prop_assert_eq!(r.bonus_debited, debit);
                            // Accruals start inactive (delay 2 days): spendable drops by the spend.
                            prop_assert_eq!(available(b), before - debit);
                        }
                        Err(e) => {
                            prop_assert_eq!(e.code, ErrorCode::InsufficientBonuses);
                            prop_assert!(debit > before || debit > Decimal::from(*sum));
                            prop_assert_eq!(available(b), before);
                        }
                    }
                }
                Op::Return { sale: k, half } => {
                    if sales == 0 { continue; }
                    let doc = ops.iter().enumerate()
                        .filter(|(_, o)| matches!(o, Op::Sale { .. }))
                        .map(|(i, _)| format!("S-{i}"))
                        .nth(k % sales);
                    let Some(doc) = doc else { continue };
                    let q = if *half { "0.5" } else { "1" };
                    let r = b.return_sale(&ReturnRequest {
                        return_id: format!("R-{n}"),
                        document_id: doc,
                        date: None,
                        lines: vec![ReturnLine { line_no: 1, quantity: d(q), sum: d("0") }],
                    });
                    if let Err(e) = r {
                        // Unknown (a refused sale) or more than sold: both refused, nothing written.
                        prop_assert!(matches!(e.code, ErrorCode::NotFound | ErrorCode::InvalidArgument), "{}", e);
                    }
                }
                Op::Reserve { amount } => {
                    let before = available(b);
                    let r = b.reserve("RES", PHONE, Decimal::from(*amount));
                    let reserved = balances(b).2;
                    match r {
                        Ok(()) => prop_assert_eq!(reserved, Decimal::from(*amount)),
                        Err(e) => {
                            prop_assert_eq!(e.code, ErrorCode::InsufficientBonuses);
                            prop_assert_eq!(available(b), before);
                        }
                    }
                }
                Op::Days(n) => shop.clock.advance_days(*n as i64),
            }
            let report = b.audit().unwrap();
            prop_assert!(report.is_clean(), "after {:?}: {:?}", op, report.problems);
        }
    }
}
