//! The component's settings (its writable properties), each validated when 1C sets it.

use crate::error::{Error, ErrorCode};
use crate::messages::{self, Text};
use crate::scan::CardMask;
use std::path::PathBuf;

pub const DEFAULT_SERVER_ADDRESS: &str = "https://bonusplus.pro/api/";
pub const DEFAULT_TIMEOUT_SECONDS: u32 = 20;

/// Which loyalty program answers: the BonusPlus service or the built-in engine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Embedded,
    Cloud,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Embedded => "embedded",
            Mode::Cloud => "cloud",
        }
    }

    pub fn parse(text: &str) -> Result<Mode, Error> {
        let named = |mode: Text, value: &str| value == mode.en || value == mode.ru;
        match text.trim().to_lowercase().as_str() {
            t if named(messages::component::MODE_EMBEDDED, t) => Ok(Mode::Embedded),
            t if named(messages::component::MODE_CLOUD, t) => Ok(Mode::Cloud),
            _ => Err(Error::bad_input(messages::component::unknown_mode(
                &shorten(text),
            ))),
        }
    }
}

#[derive(Clone, Debug)]
pub struct Settings {
    pub mode: Mode,
    pub server_address: String,
    /// Never shown: reads back as `"***"`.
    pub api_key: String,
    pub timeout_seconds: u32,
    /// Empty: the per-user default.
    pub data_directory: String,
    pub store: String,
    pub cashier_code: String,
    /// Which scanned codes are cards (`CardMask`); empty: ParseScan's default rule.
    pub card_mask: CardMask,
    /// The pinned certificate of a LAN loyalty server (`ServerCertificate`); `None`: public CAs.
    pub server_certificate: Option<crate::backend::cloud::CertPin>,
    /// Cloud mode: answer an accrue-later calculation when the service cannot be reached.
    pub offline_calculation: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            mode: Mode::Embedded,
            server_address: DEFAULT_SERVER_ADDRESS.to_owned(),
            api_key: String::new(),
            timeout_seconds: DEFAULT_TIMEOUT_SECONDS,
            data_directory: String::new(),
            store: String::new(),
            cashier_code: String::new(),
            card_mask: CardMask::default(),
            server_certificate: None,
            offline_calculation: false,
        }
    }
}

fn shorten(text: &str) -> String {
    text.chars().take(60).collect()
}

/// Checks a cloud base URL: `https://` anywhere; plain `http://` only to a loopback host.
/// Returns it with a trailing slash, so paths can be appended.
pub fn validate_server_address(text: &str) -> Result<String, Error> {
    let address = text.trim();
    let bad = |problem: Text| {
        Error::bad_input(messages::component::bad_server_address(
            &shorten(address),
            problem,
        ))
    };
    let (scheme, rest) = address
        .split_once("://")
        .ok_or_else(|| bad(messages::common::ADDRESS_EXPECT_HTTPS))?;
    let host_port = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = host_of(host_port);
    if host.is_empty() || host_port.contains('@') || address.chars().any(char::is_whitespace) {
        return Err(bad(messages::component::ADDRESS_BAD_HOST));
    }
    match scheme.to_ascii_lowercase().as_str() {
        "https" => {}
        "http" if is_loopback(&host) => {}
        "http" => return Err(bad(messages::component::ADDRESS_PLAIN_HTTP_LOOPBACK_ONLY)),
        _ => return Err(bad(messages::common::ADDRESS_EXPECT_HTTPS)),
    }
    Ok(if address.ends_with('/') {
        address.to_owned()
    } else {
        format!("{address}/")
    })
}

/// The host part of `host[:port]` or `[v6]:port`, lowercased.
fn host_of(host_port: &str) -> String {
    let host = if let Some(v6) = host_port.strip_prefix('[') {
        v6.split(']').next().unwrap_or("")
    } else {
        host_port.rsplit_once(':').map_or(host_port, |(h, _)| h)
    };
    host.to_ascii_lowercase()
}

pub fn is_loopback(host: &str) -> bool {
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

pub fn validate_timeout(seconds: i64) -> Result<u32, Error> {
    if (1..=300).contains(&seconds) {
        Ok(seconds as u32)
    } else {
        Err(Error::bad_input(messages::component::timeout_out_of_range(
            seconds,
        )))
    }
}

impl Settings {
    /// The data directory in use: the one set, or a per-user folder.
    pub fn data_dir(&self) -> Result<PathBuf, Error> {
        if !self.data_directory.trim().is_empty() {
            return Ok(PathBuf::from(self.data_directory.trim()));
        }
        default_data_dir().ok_or_else(|| {
            Error::of(
                ErrorCode::NotConfigured,
                messages::component::DATA_DIR_UNKNOWN,
            )
        })
    }
}

/// `%LOCALAPPDATA%\BonusPlus1C` on Windows; `$XDG_DATA_HOME/bonusplus-1c` or
/// `~/.local/share/bonusplus-1c` elsewhere.
pub fn default_data_dir() -> Option<PathBuf> {
    let var = |name: &str| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    if cfg!(target_os = "windows") {
        return var("LOCALAPPDATA")
            .or_else(|| var("APPDATA"))
            .map(|d| d.join("BonusPlus1C"));
    }
    var("XDG_DATA_HOME")
        .or_else(|| var("HOME").map(|h| h.join(".local/share")))
        .map(|d| d.join("bonusplus-1c"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_anywhere_http_only_to_loopback() {
        assert_eq!(
            validate_server_address("https://bonusplus.pro/api").unwrap(),
            "https://bonusplus.pro/api/"
        );
        assert_eq!(
            validate_server_address("http://127.0.0.1:8080").unwrap(),
            "http://127.0.0.1:8080/"
        );
        assert!(validate_server_address("http://localhost:9/api/").is_ok());
        assert!(validate_server_address("http://[::1]:9/").is_ok());
        assert!(validate_server_address("http://127.5.5.5/").is_ok());
        for bad in [
            "http://bonusplus.pro/api/",
            "http://10.0.0.1/",
            "http://127.0.0.1.evil.com/",
            "http://localhost@evil.com/",
            "ftp://localhost/",
            "bonusplus.pro",
            "https://",
            "https:// x",
        ] {
            assert!(validate_server_address(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn timeout_range() {
        assert_eq!(validate_timeout(1).unwrap(), 1);
        assert_eq!(validate_timeout(300).unwrap(), 300);
        assert!(validate_timeout(0).is_err());
        assert!(validate_timeout(301).is_err());
        assert!(validate_timeout(-5).is_err());
    }

    #[test]
    fn modes_in_both_languages() {
        assert_eq!(Mode::parse("Cloud").unwrap(), Mode::Cloud);
        assert_eq!(Mode::parse(" embedded ").unwrap(), Mode::Embedded);
        assert_eq!(Mode::parse("облако").unwrap(), Mode::Cloud);
        assert_eq!(
            Mode::parse("offline").unwrap_err().code,
            ErrorCode::InvalidArgument
        );
    }
}
