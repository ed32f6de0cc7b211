//! Reading 1C parameters into what the loyalty code takes, with errors that name the parameter.

use crate::error::Error;
use crate::native::{Args, Value};
use rust_decimal::Decimal;
use std::str::FromStr;

fn wrong_type(name: &str, expected_ru: &str, expected_en: &str) -> Error {
    Error::invalid(
        format!("Параметр «{name}»: ожидается {expected_ru}"),
        format!("Parameter \"{name}\": expected {expected_en}"),
    )
}

fn unreadable(name: &str, e: impl std::fmt::Display) -> Error {
    Error::invalid(
        format!("Параметр «{name}» не удалось прочитать ({e})"),
        format!("Parameter \"{name}\" could not be read ({e})"),
    )
}

/// A string parameter. `Undefined` (omitted) reads as `""` only when `optional`.
pub fn string(args: &Args<'_>, i: usize, name: &str, optional: bool) -> Result<String, Error> {
    match args.get(i).map_err(|e| unreadable(name, e))? {
        Value::String(s) => Ok(s),
        Value::Empty | Value::Null if optional => Ok(String::new()),
        _ => Err(wrong_type(name, "строка", "a string")),
    }
}

/// A JSON string parameter (an empty string is an error: the method needs the data).
pub fn json(args: &Args<'_>, i: usize, name: &str) -> Result<String, Error> {
    let text = string(args, i, name, false)?;
    if text.trim().is_empty() {
        return Err(Error::invalid(
            format!("Параметр «{name}»: пустая строка, ожидается JSON"),
            format!("Parameter \"{name}\": empty string, expected JSON"),
        ));
    }
    Ok(text)
}

/// A money/bonus amount: a number (or a numeric string) with at most 2 decimals, not negative.
pub fn amount(args: &Args<'_>, i: usize, name: &str) -> Result<Decimal, Error> {
    let parsed = match args.get(i).map_err(|e| unreadable(name, e))? {
        Value::Int(n) => Some(Decimal::from(n)),
        // f64's Display is the shortest text that reads back as the same double: 36.76 stays 36.76.
        Value::Float(f) if f.is_finite() => Decimal::from_str(&f.to_string()).ok(),
        Value::String(s) => Decimal::from_str(s.trim()).ok(),
        _ => None,
    };
    let value = parsed.ok_or_else(|| wrong_type(name, "число", "a number"))?;
    if value.is_sign_negative() && !value.is_zero() {
        return Err(Error::invalid(
            format!("Параметр «{name}»: сумма не может быть отрицательной ({value})"),
            format!("Parameter \"{name}\": the amount cannot be negative ({value})"),
        ));
    }
    if value.normalize().scale() > 2 || value > Decimal::from(1_000_000_000_000i64) {
        return Err(Error::invalid(
            format!(
                "Параметр «{name}»: не больше 2 знаков после запятой и не больше 10^12 ({value})"
            ),
            format!("Parameter \"{name}\": at most 2 decimals and at most 10^12 ({value})"),
        ));
    }
    Ok(value.normalize())
}

/// A boolean (1C `Булево`).
pub fn boolean(args: &Args<'_>, i: usize, name: &str) -> Result<bool, Error> {
    match args.get(i).map_err(|e| unreadable(name, e))? {
        Value::Bool(b) => Ok(b),
        _ => Err(wrong_type(
            name,
            "Булево (Истина или Ложь)",
            "a boolean (true or false)",
        )),
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
            .map_err(|_| wrong_type(name, "целое число", "a whole number")),
        _ => Err(wrong_type(name, "целое число", "a whole number")),
    }
}

/// A property value that must be a string.
pub fn string_value(value: Value, name: &str) -> Result<String, Error> {
    match value {
        Value::String(s) => Ok(s),
        _ => Err(wrong_type(name, "строка", "a string")),
    }
}
