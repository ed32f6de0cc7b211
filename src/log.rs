//! The add-in's log file in the data directory: one line per event, rotated by size, phones partly
//! masked, and secrets (the API key) redacted from every line whatever the caller passed.

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Rotate when the file would grow past this many bytes.
pub const DEFAULT_MAX_BYTES: u64 = 1024 * 1024;
/// Rotated files kept (`bonusplus.log.1` … `.N`).
pub const DEFAULT_KEEP: usize = 3;

pub struct Log {
    path: PathBuf,
    max_bytes: u64,
    keep: usize,
    secrets: Vec<String>,
    file: Option<File>,
    size: u64,
}

impl Log {
    /// A log at `dir/bonusplus.log`. The file is opened on the first write.
    pub fn new(dir: &Path) -> Log {
        Log::with_limits(dir, DEFAULT_MAX_BYTES, DEFAULT_KEEP)
    }

    pub fn with_limits(dir: &Path, max_bytes: u64, keep: usize) -> Log {
        Log {
            path: dir.join("bonusplus.log"),
            max_bytes: max_bytes.max(256),
            keep: keep.max(1),
            secrets: Vec::new(),
            file: None,
            size: 0,
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Strings that must never reach the file (replaced by `***`). Empty strings are ignored.
    pub fn set_secrets(&mut self, secrets: &[&str]) {
        self.secrets = secrets
            .iter()
            .filter(|s| s.len() >= 4)
            .map(|s| (*s).to_owned())
            .collect();
    }

    /// Appends one line: `<timestamp> <message>`. Failures to write are swallowed: a log must never
    /// break a sale.
    pub fn write(&mut self, timestamp: &str, message: &str) {
        let mut line = format!(
            "{timestamp} {}",
            redact(&mask_phones(message), &self.secrets)
        );
        line.retain(|c| c != '\n' && c != '\r');
        line.push('\n');
        let _ = self.append(line.as_bytes());
    }

    fn append(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        if self.file.is_none() {
            if let Some(dir) = self.path.parent() {
                crate::private_files::create_dir(dir)?;
            }
            // Private: lines carry masked phones and document numbers.
            let file = crate::private_files::append(&self.path)?;
            self.size = file.metadata()?.len();
            self.file = Some(file);
        }
        if self.size > 0 && self.size + bytes.len() as u64 > self.max_bytes {
            self.rotate()?;
        }
        if let Some(file) = self.file.as_mut() {
            file.write_all(bytes)?;
            self.size += bytes.len() as u64;
        }
        Ok(())
    }

    fn rotate(&mut self) -> std::io::Result<()> {
        self.file = None;
        let numbered = |n: usize| PathBuf::from(format!("{}.{n}", self.path.display()));
        let _ = fs::remove_file(numbered(self.keep));
        for n in (1..self.keep).rev() {
            let _ = fs::rename(numbered(n), numbered(n + 1));
        }
        fs::rename(&self.path, numbered(1))?;
        self.file = Some(
            crate::private_files::create_options()
                .append(true)
                .open(&self.path)?,
        );
        self.size = 0;
        Ok(())
    }
}

fn redact(text: &str, secrets: &[String]) -> String {
    let mut out = text.to_owned();
    for s in secrets {
        if out.contains(s.as_str()) {
            out = out.replace(s.as_str(), "***");
        }
    }
    out
}

/// Masks the middle of every run of 10–11 digits (a phone): `79001112233` → `7900***2233`.
pub fn mask_phones(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        let n = run.len();
        if n == 10 || n == 11 {
            out.push_str(&run[..n - 7]);
            out.push_str("***");
            out.push_str(&run[n - 4..]);
        } else {
            out.push_str(run);
        }
        run.clear();
    };
    for c in text.chars() {
        if c.is_ascii_digit() {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_are_masked_other_numbers_kept() {
        assert_eq!(
            mask_phones("phone 79001112233 sum 8060.00"),
            "phone 7900***2233 sum 8060.00"
        );
        assert_eq!(mask_phones("9001112233"), "900***2233");
        assert_eq!(mask_phones("card 4601234567893"), "card 4601234567893");
    }

    #[test]
    fn secrets_never_reach_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let mut log = Log::new(dir.path());
        log.set_secrets(&["s3cr3t-key-value", ""]);
        log.write(
            "2026-01-01T00:00:00",
            "auth failed for key s3cr3t-key-value\nnext",
        );
        let text = fs::read_to_string(log.path()).unwrap();
        assert!(!text.contains("s3cr3t"), "{text}");
        assert!(text.contains("***") && text.ends_with("next\n") && text.lines().count() == 1);
    }

    #[test]
    fn rotates_by_size_and_keeps_n_files() {
        let dir = tempfile::tempdir().unwrap();
        let mut log = Log::with_limits(dir.path(), 1000, 2);
        for i in 0..200 {
            log.write("t", &format!("line {i:04} {}", "x".repeat(40)));
        }
        let main = fs::metadata(log.path()).unwrap().len();
        assert!(main <= 1000, "{main}");
        assert!(dir.path().join("bonusplus.log.1").exists());
        assert!(dir.path().join("bonusplus.log.2").exists());
        assert!(!dir.path().join("bonusplus.log.3").exists());
        let newest = fs::read_to_string(log.path()).unwrap();
        assert!(newest.contains("line 0199"));
    }
}
