//! Calculate in cloud mode: the order as `PUT retail/calc` takes it, and the service's per-line
//! answer fitted onto the 1C lines so every invariant of the contract holds to the kopeck.
//!
//! Lines go out **net**: `sum` is what is left after the discounts 1C already applied, with `ds`
//! 0, so the service never sees (and can never count again) a 1C discount. The loyalty discount
//! of a line is the answer's `ids` when the service gives it, else its `ds`; with nothing sent in
//! `ds`, both readings of §11 (the answer's `ds` including what was sent or not) agree.

use super::api::{self, CalcRequest, CalcResult, RetailItem};
use super::endpoints::{Deadline, Endpoints};
use super::http::Failure;
use crate::backend::Customer;
use crate::engine::money::{round_money, MAX_MONEY};
use crate::engine::{fit_to_total, Calculation, CalculationLine, Order};
use crate::i18n::Lang;
use crate::messages;
use rust_decimal::Decimal;

/// The `ext` of a line: `<documentId>-<lineNo>`.
pub fn ext_of(document_id: &str, line_no: u32) -> String {
    if document_id.is_empty() {
        line_no.to_string()
    } else {
        format!("{document_id}-{line_no}")
    }
}

/// The order's lines as the service takes them: net sums, nothing in `ds`.
pub fn items(order: &Order) -> Vec<RetailItem> {
    order
        .lines
        .iter()
        .map(|l| RetailItem {
            sum: l.sum,
            qnt: l.quantity,
            product: l.product.to_string(),
            ds: Some(Decimal::ZERO),
            cat: (!l.category.is_empty()).then(|| l.category.to_string()),
            price: Some(l.price),
            ext: Some(ext_of(&order.document_id, l.line_no)),
        })
        .collect()
}

/// What a calculation sends besides the order.
pub struct CalcContext<'a> {
    pub endpoints: &'a Endpoints,
    pub deadline: &'a Deadline,
    pub store: Option<String>,
}

impl CalcContext<'_> {
    fn request(&self, order: &Order, phone: &str, debit: Decimal) -> Result<CalcResult, Failure> {
        self.endpoints.calc(
            self.deadline,
            &CalcRequest {
                phone: phone.to_owned(),
                bonus_debit: debit,
                items: items(order),
                store: self.store.clone(),
                coupons: order.coupons.clone(),
            },
        )
    }

    /// Calculate for `order` against the customer; `exact` asks for exactly that debit in one
    /// request (the sale's own figures), otherwise the two-step max-then-allowed exchange.
    pub fn calculate(
        &self,
        order: &Order,
        customer: &Customer,
        exact: Option<Decimal>,
        lang: Lang,
    ) -> Result<Calculation, Failure> {
        self.calculate_with_step(order, customer, exact, lang, None)
    }

    /// [`CalcContext::calculate`] with the customer's own debit step, used when the calculation's
    /// answer gives none.
    pub fn calculate_with_step(
        &self,
        order: &Order,
        customer: &Customer,
        exact: Option<Decimal>,
        lang: Lang,
        customer_step: Option<Decimal>,
    ) -> Result<Calculation, Failure> {
        let phone = customer.phone.as_str();
        if let Some(debit) = exact {
            let answer = self.request(order, phone, debit)?;
            let max = answer.max_debit_bonuses.unwrap_or(debit).max(Decimal::ZERO);
            return Ok(fit(order, customer, &answer, max, Vec::new()));
        }
        let first = self.request(order, phone, Decimal::ZERO)?;
        if customer.bonus_debit_denied {
            let note = messages::cloud::BONUS_DEBIT_DENIED.pick(lang);
            let wanted = order.use_bonuses && order.bonus_debit != Some(Decimal::ZERO);
            let messages = if wanted {
                vec![note.to_owned()]
            } else {
                Vec::new()
            };
            return Ok(fit(order, customer, &first, Decimal::ZERO, messages));
        }
        let available = customer.available_bonuses.max(Decimal::ZERO);
        let max = first
            .max_debit_bonuses
            .unwrap_or_default()
            .max(Decimal::ZERO)
            .min(available);
        let wants = order.use_bonuses && order.bonus_debit != Some(Decimal::ZERO);
        if !wants {
            return Ok(fit(order, customer, &first, max, Vec::new()));
        }
        let mut allowed = order.bonus_debit.map_or(max, |asked| asked.min(max));
        if let Some(step) = first
            .multiplicity_debit_bonus
            .or(customer_step)
            .filter(|m| *m > Decimal::ZERO)
        {
            allowed = (allowed / step).floor() * step;
        }
        allowed = round_money(allowed).max(Decimal::ZERO);
        let mut messages = Vec::new();
        if let Some(asked) = order.bonus_debit.filter(|a| *a > allowed) {
            messages.push(crate::engine::message_capped(lang, asked, allowed));
        }
        if allowed.is_zero() {
            return Ok(fit(order, customer, &first, max, messages));
        }
        let second = self.request(order, phone, allowed)?;
        Ok(fit(order, customer, &second, max, messages))
    }
}

/// The contract's Calculation from the service's answer, fitted to kopecks.
pub fn fit(
    order: &Order,
    customer: &Customer,
    answer: &CalcResult,
    max: Decimal,
    mut messages: Vec<String>,
) -> Calculation {
    let discounts = answer.discount.clone().unwrap_or_default();
    let per_line: Vec<Option<&api::ReceiptDiscount>> = order
        .lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let ext = ext_of(&order.document_id, l.line_no);
            discounts
                .iter()
                .find(|d| d.ext_text().as_deref() == Some(ext.as_str()))
                .or_else(|| (discounts.len() == order.lines.len()).then(|| &discounts[i]))
        })
        .collect();
    let pick = |f: fn(&api::ReceiptDiscount) -> Option<Decimal>| -> Vec<Decimal> {
        per_line
            .iter()
            .map(|d| d.and_then(f).unwrap_or_default().max(Decimal::ZERO))
            .collect()
    };
    for d in discounts.iter() {
        for m in d.messages.clone().unwrap_or_default() {
            if !m.trim().is_empty() && !messages.contains(&m) {
                messages.push(m);
            }
        }
    }
    let sums: Vec<Decimal> = order.lines.iter().map(|l| l.sum).collect();
    let loyalty = pick(|d| d.ids.or(d.ds));
    let percent = fit_to_total(&loyalty, round_money(loyalty.iter().copied().sum()), &sums);
    let rooms: Vec<Decimal> = sums.iter().zip(&percent).map(|(s, p)| *s - *p).collect();
    let db = pick(|d| d.db);
    let bonus = fit_to_total(&db, round_money(db.iter().copied().sum()), &rooms);
    let cb = pick(|d| d.cb);
    let big = vec![MAX_MONEY; cb.len()];
    let accrual = fit_to_total(&cb, round_money(cb.iter().copied().sum()), &big);
    let mut lines = Vec::with_capacity(order.lines.len());
    for (i, l) in order.lines.iter().enumerate() {
        let discount = percent[i] + bonus[i];
        let percent_of_line = if l.sum.is_zero() {
            Decimal::ZERO
        } else {
            round_money(discount * Decimal::ONE_HUNDRED / l.sum)
        };
        lines.push(CalculationLine {
            line_no: l.line_no,
            sum: l.sum,
            percent_discount_sum: percent[i],
            bonus_debit_sum: bonus[i],
            discount_sum: discount,
            discount_percent: percent_of_line,
            sum_after: l.sum - discount,
            bonus_accrual: accrual[i],
            fiscal_lines: crate::engine::fiscal_lines(l.quantity, l.sum - discount),
        });
    }
    let document_sum: Decimal = sums.iter().copied().sum();
    let percent_sum: Decimal = percent.iter().copied().sum();
    let bonus_sum: Decimal = bonus.iter().copied().sum();
    let total = percent_sum + bonus_sum;
    Calculation {
        document_id: order.document_id.clone(),
        phone: customer.phone.clone(),
        document_sum,
        discount_percent: customer.discount_percent,
        percent_discount_sum: percent_sum,
        available_bonuses: customer.available_bonuses.max(Decimal::ZERO),
        max_bonus_debit: max,
        bonus_debit: bonus_sum,
        bonus_debit_sum: bonus_sum,
        total_discount: total,
        to_pay: document_sum - total,
        bonus_accrual: accrual.iter().copied().sum(),
        messages,
        lines,
        offline: false,
    }
}

/// The calculation made while the service cannot be reached (OfflineCalculation): the order as it
/// is — no discount, no debit, no accrual shown — with a note that bonuses are accrued once the
/// service is back (the sale is queued and the service computes them then).
pub fn offline(order: &Order, phone: &str, lang: Lang) -> Calculation {
    let lines: Vec<CalculationLine> = order
        .lines
        .iter()
        .map(|l| CalculationLine {
            line_no: l.line_no,
            sum: l.sum,
            percent_discount_sum: Decimal::ZERO,
            bonus_debit_sum: Decimal::ZERO,
            discount_sum: Decimal::ZERO,
            discount_percent: Decimal::ZERO,
            sum_after: l.sum,
            bonus_accrual: Decimal::ZERO,
            fiscal_lines: crate::engine::fiscal_lines(l.quantity, l.sum),
        })
        .collect();
    let document_sum = order.document_sum();
    Calculation {
        document_id: order.document_id.clone(),
        phone: phone.to_owned(),
        document_sum,
        discount_percent: Decimal::ZERO,
        percent_discount_sum: Decimal::ZERO,
        available_bonuses: Decimal::ZERO,
        max_bonus_debit: Decimal::ZERO,
        bonus_debit: Decimal::ZERO,
        bonus_debit_sum: Decimal::ZERO,
        total_discount: Decimal::ZERO,
        to_pay: document_sum,
        bonus_accrual: Decimal::ZERO,
        messages: vec![messages::cloud::CALCULATED_OFFLINE.pick(lang).to_owned()],
        lines,
        offline: true,
    }
}
