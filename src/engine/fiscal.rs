//! How a receipt line can be printed by a fiscal register: `price × quantity = sum` exactly.
//!
//! After a discount a line of 3 units may cost 2963.24, which no unit price in whole kopecks
//! gives (987.7466…); the register refuses such a line ("Неверная цена (сумма)"). 1C then splits
//! the line in two: the remainder kopecks go one each to some units. For a whole quantity `q` and
//! a sum of `S` kopecks: `r = S mod q` units at `⌊S/q⌋ + 1` kopeck and `q − r` units at `⌊S/q⌋`
//! (one group when `r = 0`). A fractional quantity (weighed goods) is one group whose price is
//! `S / q` rounded half away from zero: registers take such a line by its sum.
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// One group of a receipt line: `quantity` units at `price`, `sum` in all.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FiscalGroup {
    #[serde(with = "crate::engine::money::json_number")]
    pub quantity: Decimal,
    #[serde(with = "crate::engine::money::json_number")]
    pub price: Decimal,
    #[serde(with = "crate::engine::money::json_number")]
    pub sum: Decimal,
}

/// A group held as integers: thousandths of a unit, the price and the sum in kopecks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Compact {
    quantity_millis: i64,
    price_kopecks: i64,
    sum_kopecks: i64,
}

impl Compact {
    fn group(self) -> FiscalGroup {
        FiscalGroup {
            quantity: Decimal::new(self.quantity_millis, 3).normalize(),
            price: Decimal::new(self.price_kopecks, 2),
            sum: Decimal::new(self.sum_kopecks, 2),
        }
    }
}

/// The one or two groups of a line (none only in data stored before they existed). Held inline
/// as integers, so a calculation of 10 000 lines spends a few nanoseconds and no allocation per
/// line on them; the `Decimal` groups are made when asked for. JSON: an array of groups.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FiscalLines {
    groups: [Compact; 2],
    len: u8,
}

impl FiscalLines {
    /// The groups, the higher price first.
    pub fn groups(&self) -> Vec<FiscalGroup> {
        self.iter().collect()
    }

    /// [`FiscalLines::groups`] without the `Vec`.
    pub fn iter(&self) -> impl Iterator<Item = FiscalGroup> + '_ {
        self.groups[..usize::from(self.len)]
            .iter()
            .map(|g| g.group())
    }

    pub fn len(&self) -> usize {
        usize::from(self.len)
    }

    /// The groups as they are held: (quantity in thousandths, price in kopecks, sum in kopecks),
    /// for a writer that needs no `Decimal` of them.
    pub(crate) fn held(&self) -> impl Iterator<Item = (i64, i64, i64)> + '_ {
        self.groups[..usize::from(self.len)]
            .iter()
            .map(|g| (g.quantity_millis, g.price_kopecks, g.sum_kopecks))
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn one(group: Compact) -> FiscalLines {
        FiscalLines {
            groups: [group, Compact::default()],
            len: 1,
        }
    }
}

impl Serialize for FiscalLines {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let mut seq = serializer.serialize_seq(Some(self.len()))?;
        for group in &self.groups[..self.len()] {
            seq.serialize_element(&group.group())?;
        }
        seq.end()
    }
}

impl<'de> Deserialize<'de> for FiscalLines {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<FiscalLines, D::Error> {
        let groups = Vec::<FiscalGroup>::deserialize(deserializer)?;
        if groups.len() > 2 {
            return Err(D::Error::custom("at most two fiscal groups per line"));
        }
        let scaled = |x: Decimal, places: u32| {
            (x * Decimal::from(10i64.pow(places)))
                .to_i64()
                .ok_or_else(|| D::Error::custom("a fiscal group out of range"))
        };
        let mut out = FiscalLines::default();
        for (slot, g) in out.groups.iter_mut().zip(&groups) {
            *slot = Compact {
                quantity_millis: scaled(g.quantity, 3)?,
                price_kopecks: scaled(g.price, 2)?,
                sum_kopecks: scaled(g.sum, 2)?,
            };
        }
        out.len = groups.len() as u8;
        Ok(out)
    }
}

/// The groups of a line of `quantity` (> 0, at most 3 decimals) costing `sum_kopecks` (≥ 0).
pub fn fiscal_lines_kopecks(quantity: Decimal, sum_kopecks: i64) -> FiscalLines {
    let Some(millis) = millis_of(quantity).filter(|m| *m > 0) else {
        return FiscalLines::default();
    };
    if millis % 1000 != 0 {
        // Weighed goods: one group, the price rounded half away from zero (all non-negative).
        // ≤ 10^14 kopecks × 2000 stays far inside i64.
        let price = (sum_kopecks * 2000 + millis) / (2 * millis);
        return FiscalLines::one(Compact {
            quantity_millis: millis,
            price_kopecks: price,
            sum_kopecks,
        });
    }
    let units = millis / 1000;
    let low = sum_kopecks / units;
    let remainder = sum_kopecks % units;
    let low_group = |count: i64| Compact {
        quantity_millis: count * 1000,
        price_kopecks: low,
        sum_kopecks: low * count,
    };
    if remainder == 0 {
        return FiscalLines::one(low_group(units));
    }
    FiscalLines {
        groups: [
            Compact {
                quantity_millis: remainder * 1000,
                price_kopecks: low + 1,
                sum_kopecks: (low + 1) * remainder,
            },
            low_group(units - remainder),
        ],
        len: 2,
    }
}

/// [`fiscal_lines_kopecks`] for a sum in money (at most 2 decimals, as every engine amount).
pub fn fiscal_lines(quantity: Decimal, sum: Decimal) -> FiscalLines {
    let kopecks = (sum.round_dp(2) * Decimal::ONE_HUNDRED)
        .to_i64()
        .unwrap_or(i64::MAX);
    fiscal_lines_kopecks(quantity, kopecks)
}

/// The quantity in thousandths (validated quantities have at most 3 decimals and fit easily).
fn millis_of(quantity: Decimal) -> Option<i64> {
    let mantissa = i64::try_from(quantity.mantissa()).ok()?;
    match quantity.scale() {
        0 => mantissa.checked_mul(1000),
        1 => mantissa.checked_mul(100),
        2 => mantissa.checked_mul(10),
        3 => Some(mantissa),
        scale => {
            let unit = i64::try_from(super::money::pow10(scale - 3)?).ok()?;
            (mantissa % unit == 0).then(|| mantissa / unit)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    fn groups(quantity: &str, sum: &str) -> Vec<(String, String, String)> {
        fiscal_lines(d(quantity), d(sum))
            .groups()
            .iter()
            .map(|g| {
                (
                    g.quantity.normalize().to_string(),
                    g.price.normalize().to_string(),
                    g.sum.normalize().to_string(),
                )
            })
            .collect()
    }

    fn g(q: &str, p: &str, s: &str) -> (String, String, String) {
        (q.into(), p.into(), s.into())
    }

    #[test]
    fn the_contracts_example_and_the_edges() {
        assert_eq!(
            groups("3", "2963.24"),
            [g("2", "987.75", "1975.5"), g("1", "987.74", "987.74")]
        );
        assert_eq!(groups("3.000", "3000"), [g("3", "1000", "3000")]);
        assert_eq!(groups("1", "36.76"), [g("1", "36.76", "36.76")]);
        assert_eq!(
            groups("5", "0.02"),
            [g("2", "0.01", "0.02"), g("3", "0", "0")]
        );
        assert_eq!(groups("4", "0"), [g("4", "0", "0")]);
        assert_eq!(groups("1.5", "100"), [g("1.5", "66.67", "100")]);
        assert_eq!(groups("0.333", "0.01"), [g("0.333", "0.03", "0.01")]);
    }

    #[test]
    fn json_is_an_array_and_reads_back() {
        let lines = fiscal_lines(d("3"), d("2963.24"));
        let text = serde_json::to_string(&lines).unwrap();
        assert_eq!(
            text,
            r#"[{"quantity":2,"price":987.75,"sum":1975.5},{"quantity":1,"price":987.74,"sum":987.74}]"#
        );
        assert_eq!(serde_json::from_str::<FiscalLines>(&text).unwrap(), lines);
        assert_eq!(
            serde_json::from_str::<FiscalLines>("[]").unwrap(),
            FiscalLines::default()
        );
        assert!(serde_json::from_str::<FiscalLines>(
            r#"[{"quantity":1,"price":1,"sum":1},{"quantity":1,"price":1,"sum":1},{"quantity":1,"price":1,"sum":1}]"#
        )
        .is_err());
    }
}
