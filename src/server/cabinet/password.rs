//! The owner's password: an argon2id hash (PHC string) in `cabinet-password` in the data folder,
//! readable by the server's account only. The password itself is never stored or logged.

use crate::error::{Error, ErrorCode, Result};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use std::path::{Path, PathBuf};

pub const FILE_NAME: &str = "cabinet-password";
/// Shorter passwords are refused when set.
pub const MIN_LEN: usize = 8;

pub fn file(data_dir: &Path) -> PathBuf {
    data_dir.join(FILE_NAME)
}

fn failed(what: &str, e: impl std::fmt::Display) -> Error {
    Error::new(
        ErrorCode::NotConfigured,
        format!("Пароль кабинета: {what}: {e}"),
        format!("Cabinet password: {what}: {e}"),
    )
}

/// Hashes `password` and stores the hash (mode 0600), replacing an earlier one.
pub fn set_owner_password(data_dir: &Path, password: &str) -> Result<()> {
    let password = password.trim_end_matches(['\r', '\n']);
    if password.chars().count() < MIN_LEN {
        return Err(Error::new(
            ErrorCode::InvalidArgument,
            format!("Пароль кабинета: не короче {MIN_LEN} символов"),
            format!("Cabinet password: at least {MIN_LEN} characters"),
        ));
    }
    let mut salt = [0u8; 16];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut salt)
        .map_err(|_| failed("random", "unavailable"))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| failed("salt", e))?;
    let hash = Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| failed("argon2", e))?
        .to_string();
    std::fs::create_dir_all(data_dir).map_err(|e| failed("folder", e))?;
    let path = file(data_dir);
    let tmp = path.with_extension("tmp");
    write_private(&tmp, hash.as_bytes()).map_err(|e| failed("write", e))?;
    std::fs::rename(&tmp, &path).map_err(|e| failed("write", e))
}

#[cfg(unix)]
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let _ = std::fs::remove_file(path);
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

#[cfg(not(unix))]
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    // The data folder's ACL (docs/server.md) keeps it to the service account.
    std::fs::write(path, bytes)
}

/// Whether an owner password has been set.
pub fn is_set(data_dir: &Path) -> bool {
    file(data_dir).is_file()
}

/// Checks `password` against the stored hash; false when none is stored. Slow on purpose
/// (argon2): run it off the async workers.
pub fn verify(data_dir: &Path, password: &str) -> bool {
    let Ok(stored) = std::fs::read_to_string(file(data_dir)) else {
        return false;
    };
    let Ok(hash) = PasswordHash::new(stored.trim()) else {
        return false;
    };
    Argon2::default()
        .verify_password(password.as_bytes(), &hash)
        .is_ok()
}
