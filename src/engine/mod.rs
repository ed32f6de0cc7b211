//! The loyalty engine: money, the order model, the bonus policy, the calculation and the
//! kopeck-exact distribution over lines. No I/O, no FFI, nothing of 1C or HTTP.
//!
//! PUBLIC API (fixed: other modules are written against these names and signatures; the
//! bodies live in the submodules):
//!
//! * `money`: `round_money`, `round_bonus`, `round_quantity`, `percent_of`.
//! * `time`: `LocalDateTime` (naive local date-time, serde as `"YYYY-MM-DDTHH:MM:SS"`).
//! * `order`: `Order`, `OrderLine`, `Order::from_json`, `Order::validate`.
//! * `policy`: `BonusPolicy`, `select_policy`.
//! * `calc`: `Account`, `Calculation`, `CalculationLine`, `calculate`.
//! * `distribute`: `distribute_proportionally`, `distribute_with_caps`, `fit_to_total`.
//!
//! Additions beyond that list: `money::{MAX_MONEY, KOPECK, floor_money, ceil_money,
//! has_at_most_decimals, json_number, json_number_option}`, `LocalDateTime::{MIN, MAX}` and
//! `Default`, `order::{MAX_LINES, MAX_QUANTITY}`, `BonusPolicy::{from_json, expiry}`,
//! `calc::{calculate_in, value_of, most_bonuses_within, bonuses_worth}`, `fiscal::{fiscal_lines,
//! fiscal_lines_kopecks, FiscalLines, FiscalGroup}` (the receipt's split of a line).

pub mod calc;
mod calc_json;
pub mod distribute;
pub mod fiscal;
mod json_field;
pub mod money;
mod number_text;
pub mod order;
mod order_plain;
mod order_units;
pub mod policy;
pub mod time;

pub use calc::{
    calculate, calculate_in, calculate_valid, message_capped, Account, Calculation, CalculationLine,
};
/// A string as serde_json writes it (quoted, escaped), for the other hand-written answers.
pub(crate) use calc_json::push_string as push_json_string;
pub use distribute::{distribute_proportionally, distribute_with_caps, fit_to_total};
pub use fiscal::{fiscal_lines, FiscalGroup, FiscalLines};
pub use order::{GiftCard, LineText, Order, OrderLine, ValidOrder};
pub use policy::{select_policy, BonusPolicy};
pub use time::LocalDateTime;
