//! The pages: each reads (or writes) through the embedded backend, the API's own store, and
//! renders a template. Errors show in the page's language; storage failures go to the log.

use super::reply::Reply;
use super::{chart, csv, lang, policy_form, Ask, Cabinet};
use crate::backend::Backend;
use crate::error::{Error, ErrorCode};
use crate::i18n::Lang;
use minijinja::{context, Environment, Value};
use rust_decimal::Decimal;
use std::str::FromStr;

const SEARCH_LIMIT: i64 = 200;
const EXPORT_LIMIT: i64 = 1_000_000;

pub fn templates() -> Environment<'static> {
    let mut env = Environment::new();
    // `.html` names: minijinja escapes every value for HTML unless marked safe.
    for (name, text) in [
        ("base.html", include_str!("templates/base.html")),
        ("login.html", include_str!("templates/login.html")),
        ("dashboard.html", include_str!("templates/dashboard.html")),
        ("customers.html", include_str!("templates/customers.html")),
        ("customer.html", include_str!("templates/customer.html")),
        ("expiring.html", include_str!("templates/expiring.html")),
        ("policies.html", include_str!("templates/policies.html")),
        (
            "policy_fields.html",
            include_str!("templates/policy_fields.html"),
        ),
    ] {
        if let Err(e) = env.add_template(name, text) {
            super::super::log(&format!("cabinet template {name}: {e}"));
        }
    }
    env
}

fn render(cab: &Cabinet, ask: &Ask, name: &str, data: Value) -> String {
    let base = context! {
        t => lang::words(ask.english),
        lang => if ask.english { "en" } else { "ru" },
        csrf => ask.csrf.clone(),
    };
    let ctx = context! { ..data, ..base };
    match cab.templates.get_template(name).and_then(|t| t.render(ctx)) {
        Ok(html) => html,
        Err(e) => {
            super::super::log(&format!("cabinet template {name}: {e}"));
            "Internal error".into()
        }
    }
}

pub fn login(cab: &Cabinet, ask: &Ask, token: &str, error: Option<&str>) -> String {
    render(
        cab,
        ask,
        "login.html",
        context! { login_csrf => token, error => error, password_set => super::password::is_set(&cab.data_dir) },
    )
}

/// A page with only a message (refused forms).
pub fn message(cab: &Cabinet, ask: &Ask, text: &str) -> String {
    render(
        cab,
        ask,
        "customers.html",
        context! { error => text, list => Vec::<()>::new() },
    )
}

fn text(ask: &Ask, e: &Error) -> String {
    if e.code == ErrorCode::Internal || e.code == ErrorCode::Server {
        super::super::log(&format!("cabinet: {}", e.message(Lang::En)));
    }
    e.message(if ask.english { Lang::En } else { Lang::Ru })
        .to_string()
}

fn failed(cab: &Cabinet, ask: &Ask, e: &Error) -> Reply {
    let status = if e.code == ErrorCode::NotFound {
        404
    } else {
        400
    };
    Reply::html(status, message(cab, ask, &text(ask, e)))
}

pub fn page(cab: &Cabinet, ask: &Ask) -> Reply {
    let b = &cab.state.backend;
    match (ask.path.as_str(), ask.post) {
        ("/", false) => match b.owner_dashboard(90) {
            Ok(d) => {
                let labels = ["accrued", "spent", "expired"].map(|k| lang::word(ask.english, k));
                let svg = chart::svg(&d.days, labels);
                Reply::html(
                    200,
                    render(
                        cab,
                        ask,
                        "dashboard.html",
                        context! { d => d, chart => Value::from_safe_string(svg) },
                    ),
                )
            }
            Err(e) => failed(cab, ask, &e),
        },
        ("/customers", false) => {
            let q = ask.get("q");
            match b.owner_search(q, SEARCH_LIMIT) {
                Ok(list) => Reply::html(
                    200,
                    render(
                        cab,
                        ask,
                        "customers.html",
                        context! { list => list, q => q },
                    ),
                ),
                Err(e) => failed(cab, ask, &e),
            }
        }
        ("/customer", false) => customer(cab, ask, None),
        ("/adjust", true) => adjust(cab, ask),
        ("/expiring", false) | ("/expiring.csv", false) => {
            let days = ask.get("days").parse::<i64>().unwrap_or(30).clamp(0, 3650);
            match b.owner_expiring(days) {
                Ok(list) if ask.path.ends_with(".csv") => {
                    Reply::csv("expiring.csv", csv::expiring(&list))
                }
                Ok(list) => Reply::html(
                    200,
                    render(
                        cab,
                        ask,
                        "expiring.html",
                        context! { list => list, days => days },
                    ),
                ),
                Err(e) => failed(cab, ask, &e),
            }
        }
        ("/customers.csv", false) => match b.owner_search("", EXPORT_LIMIT) {
            Ok(list) => Reply::csv("customers.csv", csv::customers(&list)),
            Err(e) => failed(cab, ask, &e),
        },
        ("/ledger.csv", false) => {
            let phone = Some(ask.get("phone")).filter(|p| !p.is_empty());
            match b.owner_ledger_export(phone) {
                Ok(rows) => Reply::csv("ledger.csv", csv::ledger(&rows)),
                Err(e) => failed(cab, ask, &e),
            }
        }
        ("/policies", false) | ("/policy", false) => policies(cab, ask, false, None),
        ("/policy", true) => save_policy(cab, ask),
        _ => Reply::html(404, message(cab, ask, lang::word(ask.english, "not_found"))),
    }
}

fn customer(cab: &Cabinet, ask: &Ask, error: Option<String>) -> Reply {
    match cab.state.backend.owner_customer(ask.get("phone")) {
        Ok(card) => Reply::html(
            if error.is_some() { 400 } else { 200 },
            render(
                cab,
                ask,
                "customer.html",
                context! { card => card, error => error },
            ),
        ),
        Err(e) => failed(cab, ask, &e),
    }
}

fn adjust(cab: &Cabinet, ask: &Ask) -> Reply {
    let amount = Decimal::from_str(ask.get("amount").trim().replace(',', ".").as_str())
        .ok()
        .filter(|a| *a > Decimal::ZERO);
    let Some(amount) = amount else {
        let msg = if ask.english {
            "Enter a positive amount"
        } else {
            "Введите положительную сумму"
        };
        return customer(cab, ask, Some(msg.into()));
    };
    let signed = if ask.get("direction") == "debit" {
        -amount
    } else {
        amount
    };
    let phone = ask.get("phone");
    match cab
        .state
        .backend
        .owner_adjust(phone, signed, ask.get("reason"))
    {
        Ok(_) => {
            // The audit record is owner_adjustments; the server log says that it happened, with
            // the phone cut to its last digits (the log is read by more people than the owner).
            super::super::log(&format!(
                "cabinet: a manual {} of {amount} for the customer ...{}",
                if signed < Decimal::ZERO {
                    "debit"
                } else {
                    "credit"
                },
                last_digits(phone)
            ));
            let encoded: String = phone
                .bytes()
                .map(|b| {
                    if b.is_ascii_alphanumeric() {
                        (b as char).to_string()
                    } else {
                        format!("%{b:02X}")
                    }
                })
                .collect();
            Reply::redirect_to(format!("/cabinet/customer?phone={encoded}"))
        }
        Err(e) if e.code == ErrorCode::NotFound => failed(cab, ask, &e),
        Err(e) => customer(cab, ask, Some(text(ask, &e))),
    }
}

/// The last four digits of a phone, for the log.
fn last_digits(phone: &str) -> String {
    let digits: Vec<char> = phone.chars().filter(char::is_ascii_digit).collect();
    digits[digits.len().saturating_sub(4)..].iter().collect()
}

fn policies(cab: &Cabinet, ask: &Ask, sent: bool, error: Option<String>) -> Reply {
    let b = &cab.state.backend;
    let (list, history) = match (b.policies(), b.owner_policy_history()) {
        (Ok(l), Ok(h)) => (l, h),
        (Err(e), _) | (_, Err(e)) => return failed(cab, ask, &e),
    };
    let chosen = ask
        .get("index")
        .parse::<usize>()
        .ok()
        .and_then(|i| list.get(i));
    let editing = chosen.is_some();
    let fields = if sent {
        policy_form::fields_from_form(&ask.form)
    } else {
        policy_form::fields(&chosen.cloned().unwrap_or_default())
    };
    let rows: Vec<Value> = list
        .iter()
        .map(|p| {
            context! { organization => p.organization, start => p.start_date.to_string(), json => serde_json::to_string(p).unwrap_or_default() }
        })
        .collect();
    Reply::html(
        if error.is_some() { 400 } else { 200 },
        render(
            cab,
            ask,
            "policies.html",
            context! { list => rows, history => history, fields => fields, labels => lang::policy_labels(ask.english), editing => editing, error => error },
        ),
    )
}

fn save_policy(cab: &Cabinet, ask: &Ask) -> Reply {
    let outcome = policy_form::parse(&ask.form).and_then(|p| {
        cab.state
            .backend
            .owner_save_policy(&p)
            .map_err(|e| text(ask, &e))
    });
    match outcome {
        Ok(()) => {
            super::super::log("cabinet: a policy saved (its text is in the policy history)");
            Reply::redirect("/cabinet/policies")
        }
        // The form comes back as sent.
        Err(msg) => policies(cab, ask, true, Some(msg)),
    }
}
