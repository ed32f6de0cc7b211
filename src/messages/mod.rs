//! The catalogue of user-facing texts: every message the add-in shows (errors, notes, captions)
//! is defined once here with its Russian and English wording, and call sites name it.
//!
//! Fixed texts are [`Text`] constants; texts with values are functions returning a [`Msg`].
//! The catalogue depends on nothing but the language choice, so every layer (engine, backends,
//! component) may use it. Out of it stay the server's cabinet (its own catalogue) and the
//! replies the test server gives in the real service's words.

use crate::i18n::Lang;

pub mod backend;
pub mod cloud;
pub mod common;
pub mod component;
pub mod contract;
pub mod embedded;
pub mod engine;
pub mod outbox;
pub mod scan;
#[cfg(feature = "server")]
pub mod server;

/// A fixed text in both languages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Text {
    pub ru: &'static str,
    pub en: &'static str,
}

impl Text {
    pub fn pick(self, lang: Lang) -> &'static str {
        lang.pick(self.ru, self.en)
    }
}

/// A text with its values filled in, in both languages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Msg {
    pub ru: String,
    pub en: String,
}

impl Msg {
    pub fn new(ru: impl Into<String>, en: impl Into<String>) -> Msg {
        Msg {
            ru: ru.into(),
            en: en.into(),
        }
    }

    pub fn pick(&self, lang: Lang) -> &str {
        lang.pick(&self.ru, &self.en)
    }

    /// Both texts, for the helpers that carry a pair.
    pub fn pair(self) -> (String, String) {
        (self.ru, self.en)
    }
}

impl From<Text> for Msg {
    fn from(text: Text) -> Msg {
        Msg::new(text.ru, text.en)
    }
}

/// Defines fixed texts and the list `ALL` of them (for the catalogue's own checks).
macro_rules! texts {
    ($($(#[$meta:meta])* $name:ident = $ru:literal, $en:literal;)*) => {
        $($(#[$meta])* pub const $name: $crate::messages::Text =
            $crate::messages::Text { ru: $ru, en: $en };)*
        /// Every fixed text of this part of the catalogue.
        #[allow(dead_code)]
        pub const ALL: &[$crate::messages::Text] = &[$($name),*];
    };
}
pub(crate) use texts;

/// Every fixed text of the catalogue.
pub fn all_texts() -> Vec<Text> {
    [
        backend::ALL,
        cloud::ALL,
        common::ALL,
        component::ALL,
        contract::ALL,
        embedded::ALL,
        engine::ALL,
        outbox::ALL,
        scan::ALL,
        #[cfg(feature = "server")]
        server::ALL,
    ]
    .concat()
}

#[cfg(test)]
mod tests;
