//! The language of user-facing messages. Russian unless the host says English.

/// Language of messages shown to the cashier or the 1C developer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Lang {
    #[default]
    Ru,
    En,
}

impl Lang {
    /// Picks the language from a locale or interface language code as 1C passes it
    /// (`ru_RU`, `rus_RUS`, `en`, `eng_USA`, …): English only when the code says English.
    pub fn from_code(code: &str) -> Lang {
        let c = code.trim().to_ascii_lowercase();
        if c.starts_with("en") {
            Lang::En
        } else {
            Lang::Ru
        }
    }

    /// Chooses between a Russian and an English text.
    pub fn pick<'a>(self, ru: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Ru => ru,
            Lang::En => en,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english_only_when_the_code_says_so() {
        assert_eq!(Lang::from_code("en"), Lang::En);
        assert_eq!(Lang::from_code("eng_USA"), Lang::En);
        assert_eq!(Lang::from_code("EN_us"), Lang::En);
        assert_eq!(Lang::from_code("ru_RU"), Lang::Ru);
        assert_eq!(Lang::from_code("rus_RUS"), Lang::Ru);
        assert_eq!(Lang::from_code(""), Lang::Ru);
        assert_eq!(Lang::from_code("de"), Lang::Ru);
    }
}
