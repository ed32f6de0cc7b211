//! The data folder is private to the server's user: the folder 0700 (made so even when it
//! existed: the server's folder is its own), every file in it 0600 (customers' phones, the TLS
//! key), by the rules of `crate::private_files`. On Windows the folder inherits the ACL of its
//! parent (the service account's profile or ProgramData with restricted rights; see docs).

use super::setup_error;
use crate::error::Result;
use std::path::Path;

/// Creates the folder if needed and makes it 0700.
pub(crate) fn secure_dir(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| setup_error("data folder", e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
            .map_err(|e| setup_error("data folder", e))?;
    }
    Ok(())
}

/// Creates the file empty with mode 0600 if it is missing; makes an existing one private. A
/// file that cannot be made so is reported in the log, not fatal: a read-only data folder still
/// serves reads (and answers writes 503).
pub(crate) fn private_file(path: &Path) -> Result<()> {
    if let Err(e) = crate::private_files::ensure(path) {
        super::log(&format!("cannot make {} private: {e}", path.display()));
    }
    Ok(())
}

/// Makes every file already in the folder 0600 (older versions created them 0644).
pub(crate) fn secure_existing(dir: &Path) -> Result<()> {
    let entries = std::fs::read_dir(dir).map_err(|e| setup_error("data folder", e))?;
    for entry in entries.flatten() {
        if entry.file_type().is_ok_and(|t| t.is_file()) {
            if let Err(e) = crate::private_files::restrict(&entry.path()) {
                super::log(&format!(
                    "cannot make {} private: {e}",
                    entry.path().display()
                ));
            }
        }
    }
    Ok(())
}
