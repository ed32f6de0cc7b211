//! The policy as a form: one field per key of the contract's Policy, in the contract's order, typed
//! by the key's JSON value (switches, lists, numbers, optional numbers, text). What comes back is
//! rebuilt into the Policy JSON and read by the engine's own parser, so its checks apply.

use crate::engine::BonusPolicy;
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::HashMap;

/// Every key of the contract's Policy, in its order.
pub const KEYS: &[&str] = &[
    "organization",
    "startDate",
    "accrualPercent",
    "accrualExcluded",
    "noAccrualWhenPaidWithBonuses",
    "rate",
    "maxPaymentPercent",
    "paymentExcluded",
    "activationDelayDays",
    "expiryDays",
    "restoreOnReturn",
    "smsControl",
    "discountPercent",
    "confirmPhoneOnRegistration",
    "reserveDays",
    "skipConfirmationAfterSeconds",
];

/// Keys whose value may be null (empty field).
const OPTIONAL: &[&str] = &[
    "maxPaymentPercent",
    "expiryDays",
    "skipConfirmationAfterSeconds",
];

#[derive(Serialize)]
pub struct Field {
    pub key: &'static str,
    /// `switch`, `list`, `number` or `text`.
    pub kind: &'static str,
    pub value: String,
    pub checked: bool,
    pub optional: bool,
}

fn kind(default: &Value) -> &'static str {
    match default {
        Value::Bool(_) => "switch",
        Value::Array(_) => "list",
        Value::String(_) => "text",
        _ => "number",
    }
}

fn defaults() -> Map<String, Value> {
    match serde_json::to_value(BonusPolicy::default()) {
        Ok(Value::Object(m)) => m,
        _ => Map::new(),
    }
}

pub fn fields(policy: &BonusPolicy) -> Vec<Field> {
    let defaults = defaults();
    let current = match serde_json::to_value(policy) {
        Ok(Value::Object(m)) => m,
        _ => Map::new(),
    };
    KEYS.iter()
        .map(|&key| {
            let v = current.get(key).cloned().unwrap_or(Value::Null);
            let kind = kind(defaults.get(key).unwrap_or(&Value::Null));
            let value = match &v {
                Value::Null | Value::Bool(_) => String::new(),
                Value::String(s) => s.clone(),
                Value::Array(items) => items
                    .iter()
                    .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_string))
                    .collect::<Vec<_>>()
                    .join(", "),
                other => other.to_string(),
            };
            Field {
                key,
                kind,
                value,
                checked: v == Value::Bool(true),
                optional: OPTIONAL.contains(&key),
            }
        })
        .collect()
}

/// The fields as the owner sent them (a refused form comes back as it was).
pub fn fields_from_form(form: &HashMap<String, String>) -> Vec<Field> {
    let defaults = defaults();
    KEYS.iter()
        .map(|&key| Field {
            key,
            kind: kind(defaults.get(key).unwrap_or(&Value::Null)),
            value: form.get(key).cloned().unwrap_or_default(),
            checked: form.contains_key(key),
            optional: OPTIONAL.contains(&key),
        })
        .collect()
}

/// The policy the form describes, or a message naming the field.
pub fn parse(form: &HashMap<String, String>) -> Result<BonusPolicy, String> {
    let defaults = defaults();
    let mut out = Map::new();
    for &key in KEYS {
        let raw = form.get(key).map_or("", |s| s.trim());
        let value = match kind(defaults.get(key).unwrap_or(&Value::Null)) {
            "switch" => Value::Bool(!raw.is_empty()),
            "list" => Value::Array(
                raw.split([',', '\n'])
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(|s| Value::String(s.to_string()))
                    .collect(),
            ),
            "text" => Value::String(raw.to_string()),
            _ if raw.is_empty() && OPTIONAL.contains(&key) => Value::Null,
            _ => match serde_json::from_str::<Value>(&raw.replace(',', ".")) {
                Ok(n @ Value::Number(_)) => n,
                _ => return Err(format!("{key}: {raw:?}")),
            },
        };
        out.insert(key.to_string(), value);
    }
    serde_json::from_value::<BonusPolicy>(Value::Object(out)).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_has_every_key_of_the_policy_and_round_trips() {
        let mut keys: Vec<String> = defaults().keys().cloned().collect();
        keys.sort();
        let mut ours: Vec<String> = KEYS.iter().map(|k| k.to_string()).collect();
        ours.sort();
        assert_eq!(keys, ours);
        for english in [false, true] {
            let labels = super::super::lang::policy_labels(english);
            for key in KEYS {
                assert!(labels.contains_key(key), "no label for {key}");
            }
        }
        let policy = BonusPolicy::from_json(
            r#"{"organization":"ООО Ромашка","startDate":"2026-01-01T00:00:00","accrualPercent":7.5,
               "accrualExcluded":["A","B"],"noAccrualWhenPaidWithBonuses":true,"rate":2,
               "maxPaymentPercent":30,"expiryDays":90,"restoreOnReturn":true}"#,
        )
        .unwrap();
        let form: HashMap<String, String> = fields(&policy)
            .into_iter()
            .filter(|f| f.kind != "switch" || f.checked)
            .map(|f| {
                (
                    f.key.to_string(),
                    if f.kind == "switch" {
                        "on".into()
                    } else {
                        f.value
                    },
                )
            })
            .collect();
        assert_eq!(parse(&form).unwrap(), policy);
        let mut bad = form.clone();
        bad.insert("rate".into(), "много".into());
        assert!(parse(&bad).unwrap_err().contains("rate"));
    }
}
