//! Where the owner's password comes from at start: `--admin-password-file` (its first line), the
//! environment variable `BONUSPLUS_ADMIN_PASSWORD`, or — when none is stored yet and the server
//! runs in a terminal — a prompt with echo off. Only its argon2 hash is kept.

use super::password::{is_set, set_owner_password};
use crate::error::{Error, ErrorCode, Result};
use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;

pub const ENV_VAR: &str = "BONUSPLUS_ADMIN_PASSWORD";

/// What happened to the owner's password.
#[derive(Debug, PartialEq, Eq)]
pub enum PasswordSetup {
    /// A new hash was stored.
    Set,
    /// The one stored earlier stays.
    Kept,
    /// None: the cabinet refuses every sign-in until one is set.
    Missing,
}

fn read_error(path: &Path, e: std::io::Error) -> Error {
    Error::new(
        ErrorCode::NotConfigured,
        format!("--admin-password-file {}: {e}", path.display()),
        format!("--admin-password-file {}: {e}", path.display()),
    )
}

pub fn setup_owner_password(data_dir: &Path, file: Option<&Path>) -> Result<PasswordSetup> {
    let given = match file {
        Some(path) => Some(
            std::fs::read_to_string(path)
                .map_err(|e| read_error(path, e))?
                .lines()
                .next()
                .unwrap_or("")
                .to_string(),
        ),
        None => std::env::var(ENV_VAR).ok(),
    };
    std::env::remove_var(ENV_VAR);
    if let Some(password) = given {
        set_owner_password(data_dir, &password)?;
        return Ok(PasswordSetup::Set);
    }
    if is_set(data_dir) {
        return Ok(PasswordSetup::Kept);
    }
    if !std::io::stdin().is_terminal() {
        return Ok(PasswordSetup::Missing);
    }
    eprint!(
        "bonusplus-server: the owner's cabinet password (at least {} characters): ",
        super::MIN_LEN
    );
    let _ = std::io::stderr().flush();
    let echo = EchoOff::new();
    let mut line = String::new();
    let read = std::io::stdin().lock().read_line(&mut line);
    drop(echo);
    eprintln!();
    if read.is_err() || line.trim().is_empty() {
        return Ok(PasswordSetup::Missing);
    }
    set_owner_password(data_dir, &line)?;
    Ok(PasswordSetup::Set)
}

/// Terminal echo off while it lives (Unix); nothing elsewhere.
struct EchoOff {
    #[cfg(unix)]
    saved: Option<libc::termios>,
}

impl EchoOff {
    #[cfg(unix)]
    fn new() -> EchoOff {
        // SAFETY: termios is plain data; tcgetattr fills it for fd 0 or fails (then unused).
        let mut t: libc::termios = unsafe { std::mem::zeroed() };
        // SAFETY: fd 0 and a valid pointer to the termios above.
        if unsafe { libc::tcgetattr(0, &mut t) } != 0 {
            return EchoOff { saved: None };
        }
        let mut quiet = t;
        quiet.c_lflag &= !libc::ECHO;
        // SAFETY: fd 0 and a valid termios copied from the current one.
        unsafe { libc::tcsetattr(0, libc::TCSANOW, &quiet) };
        EchoOff { saved: Some(t) }
    }

    #[cfg(not(unix))]
    fn new() -> EchoOff {
        EchoOff {}
    }
}

impl Drop for EchoOff {
    fn drop(&mut self) {
        #[cfg(unix)]
        if let Some(t) = self.saved {
            // SAFETY: fd 0 and the termios read from it before.
            unsafe { libc::tcsetattr(0, libc::TCSANOW, &t) };
        }
    }
}
