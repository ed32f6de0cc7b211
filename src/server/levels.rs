//! Card levels by purchases total (`--levels SILVER:0,GOLD:20000`): the server tells a customer
//! the next level and the purchases still needed for it (`nextCardName`,
//! `purchasesSumToNextCard`). The built-in program itself has no levels.

use super::Server;
use rust_decimal::Decimal;
use std::str::FromStr;

/// A card level: its name and the purchases total from which it applies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Level {
    pub name: String,
    pub from: Decimal,
}

impl Level {
    /// `NAME:FROM,...`: each name with the purchases total (≥ 0, kopecks at most) it starts from.
    pub fn parse_list(text: &str) -> Result<Vec<Level>, String> {
        text.split(',')
            .map(|item| {
                let (name, from) = item
                    .split_once(':')
                    .ok_or_else(|| format!("\"{item}\": expected NAME:FROM"))?;
                let name = name.trim();
                let from = Decimal::from_str(from.trim())
                    .ok()
                    .filter(|f| !f.is_sign_negative() && f.normalize().scale() <= 2)
                    .ok_or_else(|| {
                        format!("\"{item}\": FROM must be a sum of at least 0 (kopecks at most)")
                    })?;
                if name.is_empty() {
                    return Err(format!("\"{item}\": the level has no name"));
                }
                Ok(Level {
                    name: name.to_owned(),
                    from,
                })
            })
            .collect()
    }
}

/// The first level above `purchases` in `levels` (sorted by `from`).
pub(crate) fn next_level(levels: &[Level], purchases: Decimal) -> Option<&Level> {
    levels.iter().find(|l| l.from > purchases)
}

impl Server {
    /// The card levels the server reports as a customer's next level (any order).
    pub fn set_levels(&self, mut levels: Vec<Level>) {
        levels.sort_by_key(|l| l.from);
        *self.state.levels.lock().unwrap_or_else(|p| p.into_inner()) = levels;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn levels_parse_and_the_next_one_is_found() {
        let levels = Level::parse_list(" SILVER:0, GOLD : 20000.50").unwrap();
        assert_eq!(
            levels,
            [
                Level {
                    name: "SILVER".into(),
                    from: d("0")
                },
                Level {
                    name: "GOLD".into(),
                    from: d("20000.50")
                }
            ]
        );
        assert_eq!(next_level(&levels, d("0")).unwrap().name, "GOLD");
        assert_eq!(next_level(&levels, d("20000.49")).unwrap().name, "GOLD");
        assert_eq!(next_level(&levels, d("20000.5")), None);
        for bad in ["GOLD", ":5", "GOLD:-1", "GOLD:1.001", "GOLD:x", "A:1,"] {
            assert!(Level::parse_list(bad).is_err(), "{bad}");
        }
    }
}
