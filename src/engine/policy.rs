//! The bonus policy of a loyalty program, and which policy applies to an organization at a date.
use super::time::LocalDateTime;
use crate::error::Error;
use crate::messages::{self, Text};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The largest `rate` (roubles per bonus) and `1 / smallest rate` accepted: keeps conversions
/// between bonuses and money far from `Decimal` overflow.
const RATE_LIMIT: Decimal = Decimal::from_parts(1_000_000, 0, 0, false, 0);
/// 100 years: the longest activation delay or expiry accepted.
const MAX_DAYS: u32 = 36_500;
/// The contract's default `reserveDays`: an abandoned order holds bonuses for a month at most.
pub const DEFAULT_RESERVE_DAYS: u32 = 30;

/// Every key of the contract's Policy table; missing keys take the defaults (percentages 0,
/// `rate` 1, lists empty, switches off, `maxPaymentPercent` null, `expiryDays` null = never).
///
/// Money-like values serialize as JSON numbers (`"rate":1`), not strings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct BonusPolicy {
    pub organization: String,
    pub start_date: LocalDateTime,
    #[serde(with = "crate::engine::money::json_number")]
    pub accrual_percent: Decimal,
    /// Products that earn nothing when paid (partly) with bonuses — only while
    /// `no_accrual_when_paid_with_bonuses` is on; the list alone has no effect.
    pub accrual_excluded: Vec<String>,
    pub no_accrual_when_paid_with_bonuses: bool,
    /// Roubles per bonus.
    #[serde(with = "crate::engine::money::json_number")]
    pub rate: Decimal,
    #[serde(with = "crate::engine::money::json_number_option")]
    pub max_payment_percent: Option<Decimal>,
    pub payment_excluded: Vec<String>,
    pub activation_delay_days: u32,
    /// `None` or `Some(0)`: accrued bonuses never expire.
    pub expiry_days: Option<u32>,
    pub restore_on_return: bool,
    pub sms_control: bool,
    #[serde(with = "crate::engine::money::json_number")]
    pub discount_percent: Decimal,
    pub confirm_phone_on_registration: bool,
    pub skip_confirmation_after_seconds: Option<u32>,
    /// A reserve neither spent nor cancelled within this many days is released; `0`: never.
    pub reserve_days: u32,
}

impl Default for BonusPolicy {
    fn default() -> Self {
        BonusPolicy {
            organization: String::new(),
            start_date: LocalDateTime::MIN,
            accrual_percent: Decimal::ZERO,
            accrual_excluded: Vec::new(),
            no_accrual_when_paid_with_bonuses: false,
            rate: Decimal::ONE,
            max_payment_percent: None,
            payment_excluded: Vec::new(),
            activation_delay_days: 0,
            expiry_days: None,
            restore_on_return: false,
            sms_control: false,
            discount_percent: Decimal::ZERO,
            confirm_phone_on_registration: false,
            skip_confirmation_after_seconds: None,
            reserve_days: DEFAULT_RESERVE_DAYS,
        }
    }
}

/// The JSON kind each Policy key must have.
#[derive(Clone, Copy)]
enum Kind {
    Text,
    Date,
    Number,
    NumberOrNull,
    Switch,
    TextList,
    Count,
    CountOrNull,
}

const POLICY_KEYS: [(&str, Kind); 16] = [
    ("organization", Kind::Text),
    ("startDate", Kind::Date),
    ("accrualPercent", Kind::Number),
    ("accrualExcluded", Kind::TextList),
    ("noAccrualWhenPaidWithBonuses", Kind::Switch),
    ("rate", Kind::Number),
    ("maxPaymentPercent", Kind::NumberOrNull),
    ("paymentExcluded", Kind::TextList),
    ("activationDelayDays", Kind::Count),
    ("expiryDays", Kind::CountOrNull),
    ("restoreOnReturn", Kind::Switch),
    ("smsControl", Kind::Switch),
    ("discountPercent", Kind::Number),
    ("confirmPhoneOnRegistration", Kind::Switch),
    ("skipConfirmationAfterSeconds", Kind::CountOrNull),
    ("reserveDays", Kind::Count),
];

fn kind_matches(kind: Kind, value: &Value) -> bool {
    let is_count = |v: &Value| v.as_u64().is_some_and(|n| n <= u64::from(u32::MAX));
    match kind {
        Kind::Text => value.is_string(),
        Kind::Date => value
            .as_str()
            .is_some_and(|s| LocalDateTime::parse(s).is_some()),
        Kind::Number => value.is_number(),
        Kind::NumberOrNull => value.is_number() || value.is_null(),
        Kind::Switch => value.is_boolean(),
        Kind::TextList => value
            .as_array()
            .is_some_and(|items| items.iter().all(Value::is_string)),
        Kind::Count => is_count(value),
        Kind::CountOrNull => value.is_null() || is_count(value),
    }
}

fn kind_description(kind: Kind) -> Text {
    match kind {
        Kind::Text => messages::common::EXPECT_TEXT,
        Kind::Date => messages::engine::EXPECT_POLICY_DATE,
        Kind::Number => messages::common::EXPECT_NUMBER,
        Kind::NumberOrNull => messages::engine::EXPECT_NUMBER_OR_NULL,
        Kind::Switch => messages::common::EXPECT_SWITCH,
        Kind::TextList => messages::common::EXPECT_TEXT_LIST,
        Kind::Count => messages::engine::EXPECT_COUNT,
        Kind::CountOrNull => messages::engine::EXPECT_COUNT_OR_NULL,
    }
}

fn out_of_range(key: &str, value: impl std::fmt::Display, range: Text) -> Error {
    Error::bad_input(messages::engine::policy_out_of_range(key, value, range))
}

fn check_percent(key: &str, value: Decimal) -> Result<(), Error> {
    if value < Decimal::ZERO || value > Decimal::ONE_HUNDRED {
        return Err(out_of_range(key, value, messages::engine::RANGE_PERCENT));
    }
    Ok(())
}

fn check_days(key: &str, value: u32) -> Result<(), Error> {
    if value > MAX_DAYS {
        return Err(out_of_range(key, value, messages::engine::RANGE_DAYS));
    }
    Ok(())
}

impl BonusPolicy {
    /// Parses the contract's Policy JSON strictly (the `SetPolicy` argument): an object whose
    /// keys are all Policy keys of the right JSON type — a misspelt key would otherwise silently
    /// take its default — then [`BonusPolicy::validate`]. Missing keys take their defaults.
    pub fn from_json(json: &str) -> Result<BonusPolicy, Error> {
        let value: Value = serde_json::from_str(json)
            .map_err(|e| Error::bad_input(messages::engine::policy_bad_json(e)))?;
        let Some(object) = value.as_object() else {
            return Err(Error::bad_input(messages::engine::POLICY_NOT_OBJECT));
        };
        for (key, item) in object {
            let Some(&(_, kind)) = POLICY_KEYS.iter().find(|(name, _)| name == key) else {
                return Err(Error::bad_input(messages::engine::policy_unknown_key(key)));
            };
            if !kind_matches(kind, item) {
                return Err(Error::bad_input(messages::engine::policy_wrong_kind(
                    key,
                    kind_description(kind),
                    item,
                )));
            }
        }
        let policy: BonusPolicy = serde_json::from_value(value)
            .map_err(|e| Error::bad_input(messages::engine::policy_invalid(e)))?;
        policy.validate()?;
        Ok(policy)
    }

    /// Range checks (percentages 0..=100, rate > 0, …): `INVALID_ARGUMENT` naming the key.
    ///
    /// Also bounds `rate` to 10^-6..=10^6 roubles per bonus, day counts to 100 years and
    /// `startDate` to the years 1..=9999, so that no later arithmetic can overflow.
    pub fn validate(&self) -> Result<(), Error> {
        check_percent("accrualPercent", self.accrual_percent)?;
        check_percent("discountPercent", self.discount_percent)?;
        if let Some(max_payment) = self.max_payment_percent {
            check_percent("maxPaymentPercent", max_payment)?;
        }
        let smallest_rate = Decimal::ONE / RATE_LIMIT;
        if self.rate < smallest_rate || self.rate > RATE_LIMIT {
            return Err(out_of_range(
                "rate",
                self.rate,
                messages::engine::RANGE_RATE,
            ));
        }
        check_days("activationDelayDays", self.activation_delay_days)?;
        check_days("reserveDays", self.reserve_days)?;
        if let Some(expiry) = self.expiry_days {
            check_days("expiryDays", expiry)?;
        }
        if self.start_date < LocalDateTime::MIN || self.start_date > LocalDateTime::MAX {
            return Err(out_of_range(
                "startDate",
                self.start_date,
                messages::engine::RANGE_YEARS,
            ));
        }
        for (key, list) in [
            ("accrualExcluded", &self.accrual_excluded),
            ("paymentExcluded", &self.payment_excluded),
        ] {
            if let Some(position) = list.iter().position(|code| code.trim().is_empty()) {
                return Err(Error::bad_input(messages::engine::policy_empty_code(
                    key, position,
                )));
            }
        }
        Ok(())
    }

    /// Days after which accrued bonuses expire; `None` = never (`expiryDays` null or 0).
    pub fn expiry(&self) -> Option<u32> {
        self.expiry_days.filter(|days| *days > 0)
    }
}

/// The policy for `organization` at `at`: among the policies of that organization (or, when it has
/// none, those with `organization == ""`), the one with the latest `start_date` not after `at`.
///
/// "Has none" is read at the date: an organization whose own policies all start later is served
/// by the general (`""`) policy until then, so a policy announced in advance does not switch
/// bonuses off in the meantime. Two policies with the same organization and date: the later one
/// in the slice wins (`SetPolicy` replaces such a pair anyway).
pub fn select_policy<'a>(
    policies: &'a [BonusPolicy],
    organization: &str,
    at: LocalDateTime,
) -> Option<&'a BonusPolicy> {
    let latest_for = |org: &str| {
        policies
            .iter()
            .filter(|p| p.organization == org && p.start_date <= at)
            .fold(None, |best: Option<&BonusPolicy>, p| match best {
                Some(b) if b.start_date > p.start_date => Some(b),
                _ => Some(p),
            })
    };
    latest_for(organization).or_else(|| {
        if organization.is_empty() {
            None
        } else {
            latest_for("")
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_contracts() {
        let p = BonusPolicy::default();
        assert_eq!(p.rate, Decimal::ONE);
        assert_eq!(p.accrual_percent, Decimal::ZERO);
        assert_eq!(p.max_payment_percent, None);
        assert_eq!(p.expiry(), None);
        assert_eq!(p.start_date.to_string(), "0001-01-01T00:00:00");
        assert!(p.validate().is_ok());
        assert_eq!(BonusPolicy::from_json("{}").unwrap(), p);
    }
}
