//! One value of a JSON document as the strict readers need it, without building a
//! `serde_json::Value` for every scalar: a string is moved as it comes, a number keeps the exact
//! text serde_json read (no second parse), and only an array or an object (never a valid scalar
//! of the contract) is read whole into a `Value`, for the error message that shows it.
//!
//! [`Field::into_value`] gives back exactly the `Value` that `serde_json::Value` would have read,
//! so messages that show a wrong value do not change.

use serde::de::value::SeqAccessDeserializer;
use serde::de::{self, Deserialize, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};
use std::fmt;

// serde_json (`arbitrary_precision`) hands a number it keeps as text to a deserializer as a map
// with this one key whose value is the text.
use super::number_text::NUMBER_TOKEN;

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Field {
    Null,
    Bool(bool),
    Unsigned(u64),
    Signed(i64),
    /// A number serde_json kept as its text (a fraction, an exponent, `-0`, beyond 64 bits).
    Number(String),
    Text(String),
    /// An array or an object.
    Other(Value),
}

impl Field {
    /// The `serde_json::Value` the same JSON reads as.
    pub(crate) fn into_value(self) -> Value {
        match self {
            Field::Null => Value::Null,
            Field::Bool(b) => Value::Bool(b),
            Field::Unsigned(n) => Value::from(n),
            Field::Signed(n) => Value::from(n),
            // serde_json wrote this text itself: it parses back to the same number.
            Field::Number(text) => text.parse().map_or(Value::Null, Value::Number),
            Field::Text(text) => Value::String(text),
            Field::Other(value) => value,
        }
    }

    /// A value already read as a `serde_json::Value` (the rarely used keys read whole).
    pub(crate) fn from_value(value: Value) -> Field {
        match value {
            Value::Null => Field::Null,
            Value::Bool(b) => Field::Bool(b),
            Value::Number(n) => Field::Number(n.to_string()),
            Value::String(text) => Field::Text(text),
            other => Field::Other(other),
        }
    }
}

impl<'de> Deserialize<'de> for Field {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Field, D::Error> {
        deserializer.deserialize_any(FieldVisitor)
    }
}

struct FieldVisitor;

impl<'de> Visitor<'de> for FieldVisitor {
    type Value = Field;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, b: bool) -> Result<Field, E> {
        Ok(Field::Bool(b))
    }

    fn visit_i64<E>(self, n: i64) -> Result<Field, E> {
        Ok(Field::Signed(n))
    }

    fn visit_u64<E>(self, n: u64) -> Result<Field, E> {
        Ok(Field::Unsigned(n))
    }

    fn visit_f64<E>(self, n: f64) -> Result<Field, E> {
        Ok(Field::Other(Value::from(n)))
    }

    fn visit_str<E>(self, text: &str) -> Result<Field, E> {
        Ok(Field::Text(text.to_owned()))
    }

    fn visit_string<E>(self, text: String) -> Result<Field, E> {
        Ok(Field::Text(text))
    }

    fn visit_unit<E>(self) -> Result<Field, E> {
        Ok(Field::Null)
    }

    fn visit_none<E>(self) -> Result<Field, E> {
        Ok(Field::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Field, D::Error> {
        Field::deserialize(deserializer)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Field, A::Error> {
        Value::deserialize(SeqAccessDeserializer::new(seq)).map(Field::Other)
    }

    /// A number kept as text, or an object (read as `serde_json::Value` reads one).
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Field, A::Error> {
        let first = match map.next_key_seed(FirstKeyVisitor)? {
            None => return Ok(Field::Other(Value::Object(Map::new()))),
            Some(FirstKey::Number) => return map.next_value_seed(NumberText).map(Field::Number),
            Some(FirstKey::Key(key)) => key,
        };
        let mut object = Map::new();
        object.insert(first, map.next_value()?);
        while let Some((key, value)) = map.next_entry()? {
            object.insert(key, value);
        }
        Ok(Field::Other(Value::Object(object)))
    }
}

/// The text of a number serde_json kept as text. That text is always a JSON number; a document
/// that spells the marker key itself gets what `serde_json::Value` gives it (the same checks and
/// errors), so the full parse runs only when the cheap grammar check fails.
struct NumberText;

impl<'de> DeserializeSeed<'de> for NumberText {
    type Value = String;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<String, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl Visitor<'_> for NumberText {
    type Value = String;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("string containing a number")
    }
    fn visit_str<E: de::Error>(self, text: &str) -> Result<String, E> {
        self.visit_string(text.to_owned())
    }
    fn visit_string<E: de::Error>(self, text: String) -> Result<String, E> {
        if is_json_number(&text) {
            return Ok(text);
        }
        text.parse::<serde_json::Number>()
            .map(|n| n.to_string())
            .map_err(de::Error::custom)
    }
}

/// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`
fn is_json_number(text: &str) -> bool {
    fn digits(bytes: &[u8]) -> usize {
        bytes.iter().take_while(|b| b.is_ascii_digit()).count()
    }
    let mut rest = text.as_bytes();
    if let [b'-', tail @ ..] = rest {
        rest = tail;
    }
    let whole = digits(rest);
    if whole == 0 || (whole > 1 && rest[0] == b'0') {
        return false;
    }
    rest = &rest[whole..];
    if let [b'.', tail @ ..] = rest {
        let n = digits(tail);
        if n == 0 {
            return false;
        }
        rest = &tail[n..];
    }
    if let [b'e' | b'E', tail @ ..] = rest {
        let tail = match tail {
            [b'+' | b'-', signed @ ..] => signed,
            unsigned => unsigned,
        };
        let n = digits(tail);
        if n == 0 {
            return false;
        }
        rest = &tail[n..];
    }
    rest.is_empty()
}

/// The first key of a map: serde_json's number marker, or an object's key.
enum FirstKey {
    Number,
    Key(String),
}

struct FirstKeyVisitor;

impl<'de> DeserializeSeed<'de> for FirstKeyVisitor {
    type Value = FirstKey;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<FirstKey, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl Visitor<'_> for FirstKeyVisitor {
    type Value = FirstKey;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a key")
    }
    fn visit_str<E: de::Error>(self, key: &str) -> Result<FirstKey, E> {
        Ok(if key == NUMBER_TOKEN {
            FirstKey::Number
        } else {
            FirstKey::Key(key.to_owned())
        })
    }
    fn visit_string<E: de::Error>(self, key: String) -> Result<FirstKey, E> {
        Ok(if key == NUMBER_TOKEN {
            FirstKey::Number
        } else {
            FirstKey::Key(key)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every kind of JSON value reads back as the same `serde_json::Value`; numbers keep their text.
    #[test]
    fn into_value_is_what_serde_json_value_reads() {
        for text in [
            "null",
            "true",
            "false",
            "0",
            "-0",
            "7",
            "-7",
            "18446744073709551615",
            "18446744073709551616",
            "-9223372036854775809",
            "36.76",
            "3.676e1",
            "1E400",
            "-0.00",
            "\"Товар \\\"1\\\"\"",
            "\"\"",
            "[]",
            "[1, 2.50, \"x\", {\"a\": null}]",
            "{}",
            "{\"b\": 1, \"a\": [2.0], \"b\": 3}",
            "{\"$serde_json::private::Number\": 1}",
            "{\"$serde_json::private::Number\": \"1.50\"}",
            "{\"$serde_json::private::Number\": \"x\"}",
            "{\"$serde_json::private::Number\": \"01\"}",
        ] {
            let expected = match serde_json::from_str::<Value>(text) {
                Ok(value) => value,
                Err(e) => {
                    let ours = serde_json::from_str::<Field>(text).unwrap_err();
                    assert_eq!(ours.to_string(), e.to_string(), "{text}");
                    continue;
                }
            };
            let field: Field = serde_json::from_str(text).unwrap();
            assert_eq!(field.into_value(), expected, "{text}");
        }
        assert_eq!(
            serde_json::from_str::<Field>("80.60").unwrap(),
            Field::Number("80.60".into())
        );
        assert_eq!(
            serde_json::from_str::<Field>("12").unwrap(),
            Field::Unsigned(12)
        );
        for (text, ok) in [
            ("0", true),
            ("-0.50", true),
            ("1e-7", true),
            ("2.5E+10", true),
            ("01", false),
            ("1.", false),
            (".5", false),
            ("1e", false),
            ("--1", false),
            ("", false),
        ] {
            assert_eq!(is_json_number(text), ok, "{text}");
        }
        assert_eq!(
            Field::from_value(serde_json::from_str("2.50").unwrap()),
            Field::Number("2.50".into())
        );
    }
}
