//! The add-in's log file in the data directory: one line per event, rotated by size, phones partly
//! masked, and secrets (the API key) redacted from every line whatever the caller passed.

use crate::engine::LocalDateTime;
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
    /// The line being written, kept between writes so that a line costs no allocation.
    line: String,
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
            line: String::new(),
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

    /// Appends `timestamp`, a space and the message made of `parts`, as one line: line breaks
    /// dropped, secrets redacted, then phones masked (after the breaks are gone, so a secret or
    /// a phone split by one is caught whole; secrets first, so a run of digits inside a key
    /// cannot be masked into something the redaction no longer finds). Failures to write are
    /// swallowed: a log must never break a sale.
    pub fn write(&mut self, timestamp: &str, parts: &[&str]) {
        self.write_stamped(|line| line.push_str(timestamp), parts);
    }

    /// [`Log::write`] stamped with `at` (`YYYY-MM-DDTHH:MM:SS`).
    pub fn write_at(&mut self, at: LocalDateTime, parts: &[&str]) {
        self.write_stamped(|line| at.push_to(line), parts);
    }

    /// The line is built in a buffer the log keeps, so a line costs no allocation: 1C's calls
    /// are logged one line each.
    fn write_stamped(&mut self, stamp: impl FnOnce(&mut String), parts: &[&str]) {
        let mut line = std::mem::take(&mut self.line);
        line.clear();
        stamp(&mut line);
        line.push(' ');
        let start = line.len();
        for part in parts {
            line.push_str(part);
        }
        if line[start..].bytes().any(|b| b == b'\n' || b == b'\r') {
            let message: String = line[start..]
                .chars()
                .filter(|&c| c != '\n' && c != '\r')
                .collect();
            line.truncate(start);
            line.push_str(&message);
        }
        if self
            .secrets
            .iter()
            .any(|s| line[start..].contains(s.as_str()))
        {
            let redacted = redact(&line[start..], &self.secrets);
            line.truncate(start);
            line.push_str(&redacted);
        }
        mask_phones_from(&mut line, start);
        line.push('\n');
        let _ = self.append(line.as_bytes());
        self.line = line;
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

/// Masks every run of 10 or 11 digits (a phone) in `text` from byte `start` (a character
/// boundary) to its first and last four digits around `***`: `79001112233` → `7900***2233`.
/// Other numbers (sums, card codes) are kept. The mask keeps the length (three digits become
/// three `*`), so the runs stay where they were found.
fn mask_phones_from(text: &mut String, start: usize) {
    let mut at = start;
    while at < text.len() {
        let run = text.as_bytes()[at..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        if run == 10 || run == 11 {
            // ASCII digits only, so every index here is a character boundary.
            text.replace_range(at + run - 7..at + run - 4, "***");
        }
        at += run;
        at += text.as_bytes()[at..]
            .iter()
            .take_while(|b| !b.is_ascii_digit())
            .count();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mask_phones(text: &str) -> String {
        let mut out = text.to_owned();
        mask_phones_from(&mut out, 0);
        out
    }

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
            &["auth failed for key s3cr3t-key-value\nnext"],
        );
        let text = fs::read_to_string(log.path()).unwrap();
        assert!(!text.contains("s3cr3t"), "{text}");
        assert!(text.contains("***") && text.ends_with("next\n") && text.lines().count() == 1);
    }

    /// A break inside a secret or a phone is dropped before they are looked for: the line
    /// never shows the joined secret or the joined phone. A key holding a phone-like run of
    /// digits is still redacted whole. Lines written one after another with the kept buffer
    /// carry nothing of the line before.
    #[test]
    fn breaks_are_dropped_before_masking_and_redacting() {
        let dir = tempfile::tempdir().unwrap();
        let mut log = Log::new(dir.path());
        log.set_secrets(&["s3cr3t-key-value", "key-89001112233-tail"]);
        log.write(
            "t1",
            &[
                "key s3cr3t-",
                "key\r\n-value phone 7900\n1112233 sum 8060.00",
            ],
        );
        log.write("t2", &["Calculate", " ok key-89001112233-tail"]);
        log.write_at(
            LocalDateTime::from_parts(2026, 12, 6, 22, 30, 5).unwrap(),
            &["FixSale ok 89001112233"],
        );
        let text = fs::read_to_string(log.path()).unwrap();
        assert_eq!(
            text,
            "t1 key *** phone 7900***2233 sum 8060.00\n\
             t2 Calculate ok ***\n\
             2026-12-06T22:30:05 FixSale ok 8900***2233\n"
        );
    }

    #[test]
    fn rotates_by_size_and_keeps_n_files() {
        let dir = tempfile::tempdir().unwrap();
        let mut log = Log::with_limits(dir.path(), 1000, 2);
        for i in 0..200 {
            log.write("t", &[&format!("line {i:04} {}", "x".repeat(40))]);
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
