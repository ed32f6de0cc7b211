//! Reading 1C parameters into what the loyalty code takes, with errors that name the parameter.

use crate::contract::Money;
use crate::error::Error;
use crate::messages::{self, Text};
use crate::native::{Args, Param, Value};
use rust_decimal::Decimal;
use std::str::FromStr;

fn wrong_type(name: &str, expected: Text) -> Error {
    Error::bad_input(messages::component::parameter_expected(name, expected))
}

fn unreadable(name: &str, e: impl std::fmt::Display) -> Error {
    Error::bad_input(messages::component::parameter_unreadable(name, e))
}

/// A string parameter. `Undefined` (omitted) reads as `""` only when `optional`.
pub fn string(args: &Args<'_>, i: usize, name: &str, optional: bool) -> Result<String, Error> {
    match args.get(i).map_err(|e| unreadable(name, e))? {
        Value::String(s) => Ok(s),
        Value::Empty | Value::Null if optional => Ok(String::new()),
        _ => Err(wrong_type(name, messages::common::EXPECT_TEXT)),
    }
}

/// [`string`] without the copy: `f` gets the text in the object's reused buffer.
#[inline]
pub fn with_string<R>(
    args: &Args<'_>,
    i: usize,
    name: &str,
    optional: bool,
    f: impl FnOnce(&str) -> Result<R, Error>,
) -> Result<R, Error> {
    args.with_text(i, |param| match param {
        Param::Text(text) => f(text),
        Param::Other(Value::Empty | Value::Null) if optional => f(""),
        Param::Other(_) => Err(wrong_type(name, messages::common::EXPECT_TEXT)),
    })
    .map_err(|e| unreadable(name, e))?
}

/// [`with_string`] for a method that reads UTF-16: `f` gets the host's own units when the
/// parameter is a PWSTR, else the text re-encoded.
#[inline]
pub fn with_utf16<R>(
    args: &Args<'_>,
    i: usize,
    name: &str,
    f: impl FnOnce(&[u16]) -> Result<R, Error>,
) -> Result<R, Error> {
    args.with_utf16(i, |param| match param {
        Ok(units) => f(units),
        Err(Param::Text(text)) => f(&text.encode_utf16().collect::<Vec<u16>>()),
        Err(Param::Other(_)) => Err(wrong_type(name, messages::common::EXPECT_TEXT)),
    })
    .map_err(|e| unreadable(name, e))?
}

/// A JSON string parameter (an empty string is an error: the method needs the data).
pub fn json(args: &Args<'_>, i: usize, name: &str) -> Result<String, Error> {
    let text = string(args, i, name, false)?;
    crate::contract::documents::non_empty_json(&text, name)?;
    Ok(text)
}

/// [`json`] without the copy: `f` reads the document where [`with_string`] decoded it.
#[inline]
pub fn with_json<R>(
    args: &Args<'_>,
    i: usize,
    name: &str,
    f: impl FnOnce(&str) -> Result<R, Error>,
) -> Result<R, Error> {
    with_string(args, i, name, false, |text| {
        f(crate::contract::documents::non_empty_json(text, name)?)
    })
}

/// A money/bonus amount: a number (or a numeric string), checked by the boundary's [`Money`] rule.
pub fn amount(args: &Args<'_>, i: usize, name: &str) -> Result<Money, Error> {
    let parsed = match args.get(i).map_err(|e| unreadable(name, e))? {
        Value::Int(n) => Some(Decimal::from(n)),
        // f64's Display is the shortest text that reads back as the same double: 36.76 stays 36.76.
        Value::Float(f) if f.is_finite() => Decimal::from_str(&f.to_string()).ok(),
        Value::String(s) => Decimal::from_str(s.trim()).ok(),
        _ => None,
    };
    let value = parsed.ok_or_else(|| wrong_type(name, messages::common::EXPECT_NUMBER))?;
    Money::new(value, name)
}

/// A boolean (1C `Булево`).
pub fn boolean(args: &Args<'_>, i: usize, name: &str) -> Result<bool, Error> {
    match args.get(i).map_err(|e| unreadable(name, e))? {
        Value::Bool(b) => Ok(b),
        _ => Err(wrong_type(name, messages::component::EXPECT_BOOLEAN)),
    }
}

/// A whole number.
pub fn integer(value: &Value, name: &str) -> Result<i64, Error> {
    match value {
        Value::Int(n) => Ok(*n),
        Value::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => Ok(*f as i64),
        Value::String(s) => s
            .trim()
            .parse()
            .map_err(|_| wrong_type(name, messages::component::EXPECT_WHOLE_NUMBER)),
        _ => Err(wrong_type(name, messages::component::EXPECT_WHOLE_NUMBER)),
    }
}

/// A property value that must be a string.
pub fn string_value(value: Value, name: &str) -> Result<String, Error> {
    match value {
        Value::String(s) => Ok(s),
        _ => Err(wrong_type(name, messages::common::EXPECT_TEXT)),
    }
}
