//! The Order (input of Calculate; a Sale is an Order plus `reserveId` and the spent `bonusDebit`).
//!
//! [`Order::from_json`] is the strict entry point for JSON from 1C: it streams the document
//! (an absurd number of lines is refused after [`MAX_LINES`] without building them all), checks
//! every key's JSON type itself so that each error names the key and the line
//! (`lines[2].sum (lineNo 3)`), refuses unknown keys (a misspelt `bonusDebt` must not silently
//! become "as many as allowed"), and then runs [`Order::validate`].
//!
//! The derived serde implementations stay lenient (unknown keys ignored) for data the add-in
//! stored itself; they serialize amounts as JSON numbers.
use super::json_field::Field;
use super::money::MAX_MONEY;
use super::time::LocalDateTime;
use crate::contract::{quantity_fault, Money};
use crate::error::Error;
use crate::messages::{self, Msg, Text};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::fmt;

/// The most lines an order may have. 1C receipts have tens of lines; large wholesale documents a
/// few thousand.
pub const MAX_LINES: usize = 100_000;

/// The largest quantity of a line (10^9): the boundary's rule.
pub use crate::contract::MAX_QUANTITY;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Order {
    #[serde(default)]
    pub document_id: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub card_number: String,
    #[serde(default)]
    pub organization: String,
    #[serde(default = "yes")]
    pub use_bonuses: bool,
    /// `None` = as many as allowed; a number is capped at the allowed maximum.
    #[serde(default, with = "crate::engine::money::json_number_option")]
    pub bonus_debit: Option<Decimal>,
    /// The moment the policy is chosen for; `None` = now (the caller supplies now).
    #[serde(default)]
    pub date: Option<LocalDateTime>,
    #[serde(default)]
    pub coupons: Vec<String>,
    /// Only in a Sale: the reserve the sale consumes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reserve_id: Option<String>,
    /// Only in a Sale: gift certificates that paid part of the receipt.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub gift_cards: Vec<GiftCard>,
    pub lines: Vec<OrderLine>,
}

/// A gift certificate that paid part of a receipt (`giftCards` of a Sale).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GiftCard {
    pub id: String,
    #[serde(with = "crate::engine::money::json_number")]
    pub payment_sum: Decimal,
}

/// The most gift certificates on one receipt.
pub const MAX_GIFT_CARDS: usize = 100;

fn yes() -> bool {
    true
}

/// A text of an order line (product code, category, name): held inline up to 24 bytes (12 on a
/// 32-bit build), on the heap beyond. Product codes and categories are short, and a 100-line order
/// is read, checked and dropped on every Calculate: one allocation and one free per field was a
/// large part of that.
pub type LineText = compact_str::CompactString;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderLine {
    pub line_no: u32,
    #[serde(default)]
    pub product: LineText,
    #[serde(default)]
    pub category: LineText,
    #[serde(default)]
    pub name: LineText,
    #[serde(with = "crate::engine::money::json_number")]
    pub quantity: Decimal,
    #[serde(default, with = "crate::engine::money::json_number")]
    pub price: Decimal,
    /// The line amount after the discounts 1C already applied.
    #[serde(with = "crate::engine::money::json_number")]
    pub sum: Decimal,
    #[serde(default, with = "crate::engine::money::json_number")]
    pub discount_sum: Decimal,
}

impl OrderLine {
    /// A line before its keys are read: what a missing optional key leaves.
    pub(crate) fn blank() -> OrderLine {
        OrderLine {
            line_no: 0,
            product: LineText::const_new(""),
            category: LineText::const_new(""),
            name: LineText::const_new(""),
            quantity: Decimal::ZERO,
            price: Decimal::ZERO,
            sum: Decimal::ZERO,
            discount_sum: Decimal::ZERO,
        }
    }
}

impl Order {
    /// An order before its keys are read: what a missing optional key leaves (`useBonuses` true).
    pub(crate) fn blank() -> Order {
        Order {
            document_id: String::new(),
            phone: String::new(),
            card_number: String::new(),
            organization: String::new(),
            use_bonuses: true,
            bonus_debit: None,
            date: None,
            coupons: Vec::new(),
            reserve_id: None,
            gift_cards: Vec::new(),
            lines: Vec::new(),
        }
    }

    /// Parses and validates the contract's Order JSON. Errors are `INVALID_ARGUMENT` and name
    /// the field and the line (Russian and English messages).
    pub fn from_json(json: &str) -> Result<Order, Error> {
        let order = Order::read_json(json)?;
        order.validate()?;
        order.check_characters()?;
        Ok(order)
    }

    /// [`Order::from_json`] up to the value checks: the keys and their JSON types only. For the
    /// boundary (`contract::check_order`), which runs [`Order::validate`] and
    /// [`Order::check_characters`] itself, first, so that they run once.
    pub(crate) fn read_json(json: &str) -> Result<Order, Error> {
        // The common shape, read in one pass; anything else (and every error) below.
        if let Some(order) = super::order_plain::read_plain(json) {
            return Ok(order);
        }
        Order::read_json_strict(json)
    }

    /// [`Order::read_json`] of the text these UTF-16 units hold, when the plain reader takes it
    /// straight from them; `None` for every other document, which the caller decodes and hands
    /// to [`Order::read_json`] (for its messages).
    pub(crate) fn read_plain_utf16(units: &[u16]) -> Option<Order> {
        super::order_plain::read_plain_utf16(units)
    }

    /// [`Order::read_json`] by serde_json alone: every document, every error.
    pub(super) fn read_json_strict(json: &str) -> Result<Order, Error> {
        let mut failure: Option<Error> = None;
        let mut deserializer = serde_json::Deserializer::from_str(json);
        let parsed = OrderSeed {
            failure: &mut failure,
        }
        .deserialize(&mut deserializer)
        .and_then(|order| deserializer.end().map(|()| order));
        match parsed {
            Ok(order) => Ok(order),
            // Our own checks leave their bilingual error in `failure`; anything else is serde_json's
            // (syntax, end of input, not an object).
            Err(e) => {
                Err(failure
                    .unwrap_or_else(|| Error::bad_input(messages::engine::order_bad_json(e))))
            }
        }
    }

    /// This order as a [`ValidOrder`], when [`Order::validate`] accepts it.
    pub fn valid(&self) -> Result<ValidOrder<'_>, Error> {
        self.validate()?;
        Ok(ValidOrder(self))
    }

    /// Unique `lineNo`, `sum` >= 0 with at most 2 decimals, `quantity` > 0 (at most 3 decimals),
    /// a phone or a card, a sane `bonusDebit` (>= 0) …
    ///
    /// Also bounds every amount by [`MAX_MONEY`] (the document sum too), quantities by
    /// [`MAX_QUANTITY`] and the line count by [`MAX_LINES`], so the calculation cannot overflow.
    pub fn validate(&self) -> Result<(), Error> {
        let top = |key: &'static str| Place { key, line: None };
        if self.lines.is_empty() {
            return Err(top("lines").error(messages::engine::ORDER_NO_LINES));
        }
        if self.lines.len() > MAX_LINES {
            return Err(too_many_lines());
        }
        if self.phone.trim().is_empty() && self.card_number.trim().is_empty() {
            return Err(top("phone").error(messages::engine::ORDER_NO_CUSTOMER));
        }
        if let Some(debit) = self.bonus_debit {
            check_amount(top("bonusDebit"), debit)?;
        }
        check_text(top("documentId"), &self.document_id, MAX_ID_CHARS)?;
        check_text(top("phone"), &self.phone, MAX_ID_CHARS)?;
        check_text(top("cardNumber"), &self.card_number, MAX_ID_CHARS)?;
        check_text(top("organization"), &self.organization, MAX_ID_CHARS)?;
        if let Some(reserve) = &self.reserve_id {
            check_text(top("reserveId"), reserve, MAX_ID_CHARS)?;
        }
        if self.coupons.len() > MAX_COUPONS {
            return Err(top("coupons").error(messages::engine::too_many_coupons(MAX_COUPONS)));
        }
        for coupon in &self.coupons {
            check_text(top("coupons"), coupon, MAX_ID_CHARS)?;
        }
        self.validate_gift_cards()?;
        let mut document_sum = Decimal::ZERO;
        for (index, line) in self.lines.iter().enumerate() {
            let at = |key: &'static str| Place {
                key,
                line: Some((index, Some(line.line_no))),
            };
            if let Some(what) = quantity_fault(line.quantity) {
                return Err(at("quantity").error(what));
            }
            check_text(at("product"), &line.product, MAX_ID_CHARS)?;
            check_text(at("category"), &line.category, MAX_ID_CHARS)?;
            check_text(at("name"), &line.name, MAX_NAME_CHARS)?;
            check_amount(at("price"), line.price)?;
            check_amount(at("sum"), line.sum)?;
            check_amount(at("discountSum"), line.discount_sum)?;
            document_sum += line.sum; // ≤ 100 000 × 10^12: cannot overflow
        }
        if document_sum > MAX_MONEY {
            return Err(
                top("lines").error(messages::engine::document_sum_over_limit(
                    document_sum,
                    MAX_MONEY,
                )),
            );
        }
        if let Some((first, second)) = duplicate_line_no(&self.lines) {
            let line_no = self.lines[second].line_no;
            return Err(Place {
                key: "lineNo",
                line: Some((second, Some(line_no))),
            }
            .error(messages::engine::line_no_repeated(line_no, first)));
        }
        Ok(())
    }
    /// Each certificate: a unique non-empty id, an amount above zero; together at most the
    /// receipt.
    fn validate_gift_cards(&self) -> Result<(), Error> {
        // Most orders carry none: no need to add up the receipt for them.
        if self.gift_cards.is_empty() {
            return Ok(());
        }
        let at = Place {
            key: "giftCards",
            line: None,
        };
        if self.gift_cards.len() > MAX_GIFT_CARDS {
            return Err(at.error(messages::engine::too_many_gift_cards(MAX_GIFT_CARDS)));
        }
        let mut total = Decimal::ZERO;
        for (i, card) in self.gift_cards.iter().enumerate() {
            if card.id.trim().is_empty() {
                return Err(at.error(messages::engine::gift_card_without_id(i)));
            }
            check_text(at, &card.id, MAX_ID_CHARS)?;
            if self.gift_cards[..i]
                .iter()
                .any(|other| other.id.trim() == card.id.trim())
            {
                return Err(at.error(messages::engine::gift_card_twice(card.id.trim())));
            }
            check_amount(at, card.payment_sum)?;
            if card.payment_sum.is_zero() {
                return Err(at.error(messages::engine::gift_card_zero(card.id.trim())));
            }
            total += card.payment_sum;
        }
        if total > self.document_sum() {
            return Err(at.error(messages::engine::gift_cards_over_receipt(
                total,
                self.document_sum(),
            )));
        }
        Ok(())
    }

    /// No NUL or other control character in any text of the order (the boundary's text rule;
    /// run once on 1C's input, not on every recalculation).
    pub fn check_characters(&self) -> Result<(), Error> {
        let top = |key: &'static str| Place { key, line: None };
        let texts = [
            ("documentId", &self.document_id),
            // The phone is not here: its own rule (normalization) takes tabs as separators.
            ("cardNumber", &self.card_number),
            ("organization", &self.organization),
        ];
        for (key, text) in texts {
            control_free(top(key), text)?;
        }
        if let Some(reserve) = &self.reserve_id {
            control_free(top("reserveId"), reserve)?;
        }
        for coupon in &self.coupons {
            control_free(top("coupons"), coupon)?;
        }
        for (index, line) in self.lines.iter().enumerate() {
            let at = |key: &'static str| Place {
                key,
                line: Some((index, Some(line.line_no))),
            };
            control_free(at("product"), &line.product)?;
            control_free(at("category"), &line.category)?;
            control_free(at("name"), &line.name)?;
        }
        for card in &self.gift_cards {
            control_free(top("giftCards"), &card.id)?;
        }
        Ok(())
    }

    /// Σ line sums.
    pub fn document_sum(&self) -> Decimal {
        self.lines.iter().map(|l| l.sum).sum()
    }
}

/// An order [`Order::validate`] accepted: what [`super::calc::calculate_valid`] takes, so an
/// order checked at the boundary is not checked again by the engine.
#[derive(Clone, Copy, Debug)]
pub struct ValidOrder<'a>(&'a Order);

impl<'a> ValidOrder<'a> {
    /// For the boundary's own proof (`contract::CheckedOrder`), which ran [`Order::validate`]
    /// and allows only changes that keep the order valid. Anyone else: [`Order::valid`].
    pub(crate) fn checked_before(order: &'a Order) -> ValidOrder<'a> {
        ValidOrder(order)
    }
}

impl std::ops::Deref for ValidOrder<'_> {
    type Target = Order;

    fn deref(&self) -> &Order {
        self.0
    }
}

/// Codes and ids (documentId, product, organization, card, coupons): far above any 1C code,
/// number or GUID, low enough that a runaway string is refused instead of stored.
pub const MAX_ID_CHARS: usize = 200;
/// Product names (1C's full names run to a few hundred characters).
pub const MAX_NAME_CHARS: usize = 1000;
/// Coupons on one order.
pub const MAX_COUPONS: usize = 1000;

fn check_text(place: Place, text: &str, max_chars: usize) -> Result<(), Error> {
    // Bytes bound chars from above: most strings never need counting.
    if text.len() > max_chars && text.chars().count() > max_chars {
        return Err(place.error(messages::contract::text_too_long(max_chars)));
    }
    Ok(())
}

fn too_many_lines() -> Error {
    Place {
        key: "lines",
        line: None,
    }
    .error(messages::engine::too_many_lines(MAX_LINES))
}

/// A money (or bonus) amount: the boundary's [`Money`] rule, named by its place in the order.
fn check_amount(at: Place, value: Decimal) -> Result<(), Error> {
    match Money::fault(value) {
        None => Ok(()),
        Some(what) => Err(at.error(what)),
    }
}

fn control_free(at: Place, text: &str) -> Result<(), Error> {
    // The control characters (Cc) are U+0000–U+001F, U+007F and U+0080–U+009F; in UTF-8 the
    // last are C2 80 – C2 9F. A scan of the bytes clears the usual text without decoding it.
    // The scan looks at each byte alone and does not stop early, so the compiler takes it a
    // vector at a time; a C2 lead byte (also that of `©`, `«`, `°`, …) only sends the text to the
    // exact check below.
    let suspect = text.bytes().fold(false, |seen, b| {
        seen | (b < 0x20) | (b == 0x7f) | (b == 0xc2)
    });
    if !suspect {
        return Ok(());
    }
    match text.chars().find(|c| c.is_control()) {
        None => Ok(()),
        Some(c) => Err(at.error(messages::contract::control_char(c))),
    }
}

/// The indexes of the first repeated `lineNo` (earlier, later), in O(n) for the usual ascending
/// numbering and O(n log n) otherwise.
fn duplicate_line_no(lines: &[OrderLine]) -> Option<(usize, usize)> {
    if lines
        .windows(2)
        .all(|pair| pair[0].line_no < pair[1].line_no)
    {
        return None;
    }
    let mut numbered: Vec<(u32, usize)> = lines
        .iter()
        .enumerate()
        .map(|(i, l)| (l.line_no, i))
        .collect();
    numbered.sort_unstable();
    numbered
        .windows(2)
        .filter(|pair| pair[0].0 == pair[1].0)
        .map(|pair| (pair[0].1, pair[1].1))
        .min_by_key(|&(_, later)| later)
}

/// Where a value sits in the order: a top-level key, or a key of `lines[index]` (with its
/// `lineNo` when known).
#[derive(Clone, Copy)]
struct Place {
    key: &'static str,
    line: Option<(usize, Option<u32>)>,
}

impl Place {
    fn error(self, what: impl Into<Msg>) -> Error {
        let (ru_place, en_place) = match self.line {
            None => (self.key.to_string(), self.key.to_string()),
            Some((index, None)) => (
                format!("lines[{index}].{}", self.key),
                format!("lines[{index}].{}", self.key),
            ),
            Some((index, Some(line_no))) => {
                messages::engine::order_line_place(index, self.key, line_no)
            }
        };
        Error::bad_input(messages::engine::order_at(
            &ru_place,
            &en_place,
            what.into(),
        ))
    }

    /// [`Place::wrong_type`] for a value read as a [`Field`] (copied into a `Value` to be shown).
    fn wrong_field(self, value: &Field, expected: Text) -> Error {
        self.wrong_type(&value.clone().into_value(), expected)
    }

    fn wrong_type(self, value: &Value, expected: Text) -> Error {
        self.error(messages::engine::expected_got(
            expected.into(),
            &shorten(value),
        ))
    }
}

/// A value for a message, cut to a readable length.
fn shorten(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() <= 40 {
        text
    } else {
        text.chars().take(40).chain("…".chars()).collect()
    }
}

/// A JSON number as an exact `Decimal` (no float on the way): plain or with an exponent,
/// refused when it does not fit exactly (more than 28 decimals, beyond ~7.9e28).
fn exact_decimal(text: &str) -> Option<Decimal> {
    let Some(split) = text.find(['e', 'E']) else {
        return Decimal::from_str_exact(text).ok();
    };
    let mut mantissa = Decimal::from_str_exact(&text[..split]).ok()?;
    let exponent: i32 = text[split + 1..].parse().ok()?;
    if !(-28..=28).contains(&exponent) {
        return None;
    }
    if exponent >= 0 {
        mantissa.checked_mul(Decimal::from_i128_with_scale(
            10i128.pow(exponent as u32),
            0,
        ))
    } else {
        let scale = mantissa.scale() + exponent.unsigned_abs();
        mantissa.set_scale(scale).ok()?;
        Some(mantissa)
    }
}

fn take_decimal(at: Place, value: &Field) -> Result<Decimal, Error> {
    let number = match value {
        Field::Unsigned(n) => return Ok(Decimal::from(*n)),
        Field::Signed(n) => return Ok(Decimal::from(*n)),
        Field::Number(text) => text,
        other => return Err(at.wrong_field(other, messages::common::EXPECT_NUMBER)),
    };
    exact_decimal(number).ok_or_else(|| at.error(messages::engine::number_not_exact(number)))
}

fn take_optional_decimal(at: Place, value: &Field) -> Result<Option<Decimal>, Error> {
    if *value == Field::Null {
        Ok(None)
    } else {
        take_decimal(at, value).map(Some)
    }
}

/// `null` counts as the empty string (1C writes `Неопределено` as null).
fn take_text(at: Place, value: Field) -> Result<String, Error> {
    match value {
        Field::Text(text) => Ok(text),
        Field::Null => Ok(String::new()),
        other => Err(at.wrong_field(&other, messages::common::EXPECT_TEXT)),
    }
}

fn take_switch(at: Place, value: &Field, default: bool) -> Result<bool, Error> {
    match value {
        Field::Bool(b) => Ok(*b),
        Field::Null => Ok(default),
        other => Err(at.wrong_field(other, messages::common::EXPECT_SWITCH)),
    }
}

fn take_date(at: Place, value: &Field) -> Result<Option<LocalDateTime>, Error> {
    match value {
        Field::Null => Ok(None),
        // "" and 1C's unfilled date (0001-01-01T00:00:00) are "not given" (now).
        Field::Text(text) => LocalDateTime::parse_optional(text)
            .ok_or_else(|| at.wrong_field(value, messages::engine::EXPECT_ORDER_DATE)),
        other => Err(at.wrong_field(other, messages::engine::EXPECT_ORDER_DATE)),
    }
}

fn take_text_list(at: Place, value: Field) -> Result<Vec<String>, Error> {
    match value.into_value() {
        Value::Null => Ok(Vec::new()),
        Value::Array(items) => items
            .into_iter()
            .map(|item| match item {
                Value::String(text) => Ok(text),
                other => Err(at.wrong_type(&other, messages::common::EXPECT_TEXT_LIST)),
            })
            .collect(),
        other => Err(at.wrong_type(&other, messages::common::EXPECT_TEXT_LIST)),
    }
}

/// `[{"id":"…","paymentSum":500}]`; null is none.
fn take_gift_cards(at: Place, value: Field) -> Result<Vec<GiftCard>, Error> {
    let expected = messages::engine::EXPECT_GIFT_CARDS;
    match value.into_value() {
        Value::Null => Ok(Vec::new()),
        Value::Array(items) if items.len() <= MAX_GIFT_CARDS => items
            .into_iter()
            .map(|item| match item {
                Value::Object(mut map)
                    if map.len() == 2
                        && map.contains_key("id")
                        && map.contains_key("paymentSum") =>
                {
                    let id = take_text(
                        at,
                        Field::from_value(map.remove("id").unwrap_or(Value::Null)),
                    )?;
                    let payment_sum =
                        take_decimal(at, &Field::from_value(map["paymentSum"].clone()))?;
                    Ok(GiftCard { id, payment_sum })
                }
                other => Err(at.wrong_type(&other, expected)),
            })
            .collect(),
        Value::Array(_) => Err(at.error(messages::engine::too_many_gift_cards(MAX_GIFT_CARDS))),
        other => Err(at.wrong_type(&other, expected)),
    }
}

fn take_line_no(at: Place, value: Field) -> Result<u32, Error> {
    let number = take_decimal(at, &value)?;
    if number.fract().is_zero() {
        if let Some(line_no) = number.to_u32() {
            return Ok(line_no);
        }
    }
    Err(at.wrong_field(&value, messages::engine::EXPECT_LINE_NO))
}

const ORDER_KEYS: [&str; 11] = [
    "documentId",
    "phone",
    "cardNumber",
    "organization",
    "useBonuses",
    "bonusDebit",
    "date",
    "coupons",
    "reserveId",
    "giftCards",
    "lines",
];
const LINE_KEYS: [&str; 8] = [
    "lineNo",
    "product",
    "category",
    "name",
    "quantity",
    "price",
    "sum",
    "discountSum",
];

/// Reads an object key as its index in `known`, or the unknown key itself — without allocating
/// for known keys.
struct KeySeed(&'static [&'static str]);

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Result<usize, String>;
    fn deserialize<D: de::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl Visitor<'_> for KeySeed {
    type Value = Result<usize, String>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a key")
    }
    fn visit_str<E: de::Error>(self, key: &str) -> Result<Self::Value, E> {
        Ok(self
            .0
            .iter()
            .position(|known| *known == key)
            .ok_or_else(|| key.to_string()))
    }
}

/// Stores a bilingual error for `from_json` and aborts the serde walk.
fn abort<E: de::Error>(failure: &mut Option<Error>, error: Error) -> E {
    let text = error.message_en.clone();
    *failure = Some(error);
    E::custom(text)
}

fn unknown_key(at: Place, key: &str) -> Error {
    let key: String = key.chars().take(40).collect();
    at.error(messages::engine::unknown_order_key(&key))
}

fn repeated_key(at: Place) -> Error {
    at.error(messages::engine::ORDER_KEY_TWICE)
}

fn missing_key(at: Place) -> Error {
    at.error(messages::engine::ORDER_KEY_MISSING)
}

struct OrderSeed<'a> {
    failure: &'a mut Option<Error>,
}

impl<'de> DeserializeSeed<'de> for OrderSeed<'_> {
    type Value = Order;
    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Order, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for OrderSeed<'_> {
    type Value = Order;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an Order JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Order, A::Error> {
        let failure = self.failure;
        let mut order = Order::blank();
        let mut seen = [false; ORDER_KEYS.len()];
        while let Some(key) = map.next_key_seed(KeySeed(&ORDER_KEYS))? {
            let index = match key {
                Ok(index) => index,
                Err(unknown) => {
                    return Err(abort(
                        failure,
                        unknown_key(
                            Place {
                                key: "(order)",
                                line: None,
                            },
                            &unknown,
                        ),
                    ))
                }
            };
            let at = Place {
                key: ORDER_KEYS[index],
                line: None,
            };
            if std::mem::replace(&mut seen[index], true) {
                return Err(abort(failure, repeated_key(at)));
            }
            if at.key == "lines" {
                order.lines = map.next_value_seed(LinesSeed {
                    failure: &mut *failure,
                })?;
                continue;
            }
            let value: Field = map.next_value()?;
            let taken = match at.key {
                "documentId" => take_text(at, value).map(|v| order.document_id = v),
                "phone" => take_text(at, value).map(|v| order.phone = v),
                "cardNumber" => take_text(at, value).map(|v| order.card_number = v),
                "organization" => take_text(at, value).map(|v| order.organization = v),
                "useBonuses" => take_switch(at, &value, true).map(|v| order.use_bonuses = v),
                "bonusDebit" => take_optional_decimal(at, &value).map(|v| order.bonus_debit = v),
                "date" => take_date(at, &value).map(|v| order.date = v),
                "coupons" => take_text_list(at, value).map(|v| order.coupons = v),
                "giftCards" => take_gift_cards(at, value).map(|v| order.gift_cards = v),
                _ => match value {
                    Field::Null => Ok(()),
                    other => take_text(at, other).map(|v| order.reserve_id = Some(v)),
                },
            };
            taken.map_err(|e| abort(failure, e))?;
        }
        if !seen[ORDER_KEYS.len() - 1] {
            return Err(abort(
                failure,
                missing_key(Place {
                    key: "lines",
                    line: None,
                }),
            ));
        }
        Ok(order)
    }
}

struct LinesSeed<'a> {
    failure: &'a mut Option<Error>,
}

impl<'de> DeserializeSeed<'de> for LinesSeed<'_> {
    type Value = Vec<OrderLine>;
    fn deserialize<D: de::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for LinesSeed<'_> {
    type Value = Vec<OrderLine>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of order lines")
    }

    fn visit_seq<S: SeqAccess<'de>>(self, mut seq: S) -> Result<Vec<OrderLine>, S::Error> {
        let failure = self.failure;
        let mut lines = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(MAX_LINES));
        // Stop at the first line beyond the limit: the rest is never built.
        while let Some(line) = seq.next_element_seed(LineSeed {
            failure: &mut *failure,
            index: lines.len(),
        })? {
            if lines.len() == MAX_LINES {
                return Err(abort(failure, too_many_lines()));
            }
            lines.push(line);
        }
        Ok(lines)
    }
}

struct LineSeed<'a> {
    failure: &'a mut Option<Error>,
    index: usize,
}

impl<'de> DeserializeSeed<'de> for LineSeed<'_> {
    type Value = OrderLine;
    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<OrderLine, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for LineSeed<'_> {
    type Value = OrderLine;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "lines[{}] to be an object", self.index)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<OrderLine, A::Error> {
        let (failure, index) = (self.failure, self.index);
        let mut line = OrderLine::blank();
        let mut seen = [false; LINE_KEYS.len()];
        let mut line_no = None;
        while let Some(key) = map.next_key_seed(KeySeed(&LINE_KEYS))? {
            let key_index = match key {
                Ok(key_index) => key_index,
                Err(unknown) => {
                    let at = Place {
                        key: "(line)",
                        line: Some((index, line_no)),
                    };
                    return Err(abort(failure, unknown_key(at, &unknown)));
                }
            };
            let at = Place {
                key: LINE_KEYS[key_index],
                line: Some((index, line_no)),
            };
            if std::mem::replace(&mut seen[key_index], true) {
                return Err(abort(failure, repeated_key(at)));
            }
            let value: Field = map.next_value()?;
            let zero_if_null = |v: &Field| {
                if *v == Field::Null {
                    Ok(Decimal::ZERO)
                } else {
                    take_decimal(at, v)
                }
            };
            let taken = match at.key {
                "lineNo" => take_line_no(at, value).map(|v| {
                    line.line_no = v;
                    line_no = Some(v);
                }),
                "product" => take_text(at, value).map(|v| line.product = v.into()),
                "category" => take_text(at, value).map(|v| line.category = v.into()),
                "name" => take_text(at, value).map(|v| line.name = v.into()),
                "quantity" => take_decimal(at, &value).map(|v| line.quantity = v),
                "price" => zero_if_null(&value).map(|v| line.price = v),
                "sum" => take_decimal(at, &value).map(|v| line.sum = v),
                _ => zero_if_null(&value).map(|v| line.discount_sum = v),
            };
            taken.map_err(|e| abort(failure, e))?;
        }
        for required in ["lineNo", "quantity", "sum"] {
            let key_index = LINE_KEYS.iter().position(|k| *k == required).unwrap_or(0);
            if !seen[key_index] {
                let at = Place {
                    key: LINE_KEYS[key_index],
                    line: Some((index, line_no)),
                };
                return Err(abort(failure, missing_key(at)));
            }
        }
        Ok(line)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn exact_numbers() {
        let d = |s: &str| Decimal::from_str(s).unwrap();
        assert_eq!(exact_decimal("36.76"), Some(d("36.76")));
        assert_eq!(exact_decimal("-0"), Some(d("0")));
        assert_eq!(exact_decimal("3.676e1"), Some(d("36.76")));
        assert_eq!(exact_decimal("3676E-2"), Some(d("36.76")));
        assert_eq!(exact_decimal("1e3"), Some(d("1000")));
        assert_eq!(exact_decimal("1e40"), None);
        assert_eq!(exact_decimal("1e-40"), None);
        assert_eq!(exact_decimal("0.00000000000000000000000000001"), None);
        assert_eq!(exact_decimal("100000000000000000000000000000000"), None);
    }

    /// The byte scan agrees with `char::is_control` on every character of the first planes
    /// (U+0085 and the other C1 controls included), alone and inside a text.
    #[test]
    fn control_characters_by_bytes_as_by_chars() {
        let at = Place {
            key: "name",
            line: None,
        };
        for c in (0..0x3000u32)
            .chain(0xfff0..0x10000)
            .filter_map(char::from_u32)
        {
            for text in [c.to_string(), format!("Товар{c}1"), format!("ab{c}")] {
                assert_eq!(control_free(at, &text).is_err(), c.is_control(), "{c:?}");
            }
        }
    }

    #[test]
    fn line_numbers() {
        let at = Place {
            key: "lineNo",
            line: Some((0, None)),
        };
        let n = |s: &str| take_line_no(at, serde_json::from_str::<Field>(s).unwrap());
        assert_eq!(n("7").unwrap(), 7);
        assert_eq!(n("7.0").unwrap(), 7);
        assert_eq!(n("4294967295").unwrap(), u32::MAX);
        assert_eq!(n("1e2").unwrap(), 100);
        assert!(n("4294967296").is_err());
        assert!(n("-1").is_err());
        assert!(n("1.5").is_err());
        assert!(n("\"1\"").is_err());
    }
}
