//! The one error type every backend and the component report, with the contract's codes.

use crate::i18n::Lang;
use crate::messages::Msg;
use std::fmt;

/// The error codes of the 1C-facing contract (`LastError.code`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    InvalidArgument,
    NotConfigured,
    Network,
    Server,
    Auth,
    Rejected,
    SmsRequired,
    InsufficientBonuses,
    NotFound,
    Internal,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidArgument => "INVALID_ARGUMENT",
            ErrorCode::NotConfigured => "NOT_CONFIGURED",
            ErrorCode::Network => "NETWORK",
            ErrorCode::Server => "SERVER",
            ErrorCode::Auth => "AUTH",
            ErrorCode::Rejected => "REJECTED",
            ErrorCode::SmsRequired => "SMS_REQUIRED",
            ErrorCode::InsufficientBonuses => "INSUFFICIENT_BONUSES",
            ErrorCode::NotFound => "NOT_FOUND",
            ErrorCode::Internal => "INTERNAL",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An error with its contract code and the message in both languages.
/// Messages must never contain the API key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    pub code: ErrorCode,
    pub message_ru: String,
    pub message_en: String,
    /// The loyalty service's own code (`CUSTOMER_NOT_FOUND`, …) for `REJECTED`.
    pub service_code: Option<String>,
    /// What only the log gets (a storage engine's own error text): never shown to 1C.
    pub detail: Option<String>,
}

impl Error {
    pub fn new(code: ErrorCode, ru: impl Into<String>, en: impl Into<String>) -> Error {
        Error {
            code,
            message_ru: ru.into(),
            message_en: en.into(),
            service_code: None,
            detail: None,
        }
    }

    /// An error with a message from the catalogue ([`crate::messages`]).
    pub fn of(code: ErrorCode, message: impl Into<Msg>) -> Error {
        let message = message.into();
        Error::new(code, message.ru, message.en)
    }

    /// An `INVALID_ARGUMENT` with a message from the catalogue.
    pub fn bad_input(message: impl Into<Msg>) -> Error {
        Error::of(ErrorCode::InvalidArgument, message)
    }

    pub fn with_service_code(mut self, code: impl Into<String>) -> Error {
        self.service_code = Some(code.into());
        self
    }

    /// Adds what the log should get besides the message.
    pub fn with_detail(mut self, detail: impl Into<String>) -> Error {
        self.detail = Some(detail.into());
        self
    }

    pub fn message(&self, lang: Lang) -> &str {
        lang.pick(&self.message_ru, &self.message_en)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message_en)
    }
}

impl std::error::Error for Error {}

pub type Result<T> = std::result::Result<T, Error>;
