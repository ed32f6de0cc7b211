//! The bonus policy of a loyalty program, and which policy applies to an organization at a date.
use super::time::LocalDateTime;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Every key of the contract's Policy table; missing keys take the defaults (percentages 0,
/// `rate` 1, lists empty, switches off, `maxPaymentPercent` null, `expiryDays` null = never).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct BonusPolicy {
    pub organization: String,
    pub start_date: LocalDateTime,
    pub accrual_percent: Decimal,
    pub accrual_excluded: Vec<String>,
    pub no_accrual_when_paid_with_bonuses: bool,
    pub rate: Decimal,
    pub max_payment_percent: Option<Decimal>,
    pub payment_excluded: Vec<String>,
    pub activation_delay_days: u32,
    pub expiry_days: Option<u32>,
    pub restore_on_return: bool,
    pub sms_control: bool,
    pub discount_percent: Decimal,
    pub confirm_phone_on_registration: bool,
    pub skip_confirmation_after_seconds: Option<u32>,
}

impl Default for BonusPolicy {
    fn default() -> Self {
        todo!("engine helper")
    }
}

impl BonusPolicy {
    /// Range checks (percentages 0..=100, rate > 0, …): `INVALID_ARGUMENT` naming the key.
    pub fn validate(&self) -> Result<(), crate::error::Error> {
        todo!("engine helper")
    }
}

/// The policy for `organization` at `at`: among the policies of that organization (or, when it has
/// none, those with `organization == ""`), the one with the latest `start_date` not after `at`.
pub fn select_policy<'a>(
    policies: &'a [BonusPolicy],
    organization: &str,
    at: LocalDateTime,
) -> Option<&'a BonusPolicy> {
    todo!("engine helper {organization} {at:?} {}", policies.len())
}
