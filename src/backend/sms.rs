//! How SMS confirmation codes leave the add-in.

use crate::error::{Error, ErrorCode, Result};
use crate::messages;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Mutex;

/// Delivers a confirmation code to a phone (`7XXXXXXXXXX`).
pub trait SmsSender: Send + Sync {
    fn send_code(&self, phone: &str, code: &str) -> Result<()>;
}

/// The development sender: appends `<unix seconds> <phone> <code>` to a log file (`sms.log` in the
/// data directory), so a cashier testing the flow reads the code there.
#[derive(Clone, Debug)]
pub struct LogFileSms {
    path: PathBuf,
}

impl LogFileSms {
    pub fn new(path: impl Into<PathBuf>) -> LogFileSms {
        LogFileSms { path: path.into() }
    }
}

impl SmsSender for LogFileSms {
    fn send_code(&self, phone: &str, code: &str) -> Result<()> {
        let stamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        // Phones and codes: the file is private.
        let mut file = crate::private_files::append(&self.path).map_err(|e| log_error(&e))?;
        // One write call per line: appends from several processes do not interleave within a line.
        file.write_all(format!("{stamp} {phone} {code}\n").as_bytes())
            .map_err(|e| log_error(&e))
    }
}

fn log_error(e: &std::io::Error) -> Error {
    Error::of(
        ErrorCode::NotConfigured,
        messages::backend::sms_log_failed(e),
    )
}

/// Keeps every code sent, for tests and demos.
#[derive(Debug, Default)]
pub struct CapturingSms {
    sent: Mutex<Vec<(String, String)>>,
}

impl CapturingSms {
    pub fn new() -> CapturingSms {
        CapturingSms::default()
    }
    /// The last code sent to `phone`.
    pub fn last_code(&self, phone: &str) -> Option<String> {
        let sent = self.sent.lock().unwrap_or_else(|p| p.into_inner());
        sent.iter()
            .rev()
            .find(|(p, _)| p == phone)
            .map(|(_, c)| c.clone())
    }
    pub fn count(&self) -> usize {
        self.sent.lock().unwrap_or_else(|p| p.into_inner()).len()
    }
}

impl SmsSender for CapturingSms {
    fn send_code(&self, phone: &str, code: &str) -> Result<()> {
        self.sent
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push((phone.to_string(), code.to_string()));
        Ok(())
    }
}
