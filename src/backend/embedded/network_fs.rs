//! The embedded store is safe for the processes of one machine only: SQLite's locks and WAL
//! shared memory do not work across SMB/CIFS or NFS, so two PCs on one network folder would
//! corrupt it or lose sales. A data folder on such a file system is refused; several PCs use
//! the loyalty server instead (cloud mode with ServerAddress/ServerCertificate).

use crate::error::{Error, ErrorCode, Result};
use crate::messages;
use std::path::Path;

/// Linux `statfs` f_type values of network file systems (linux/magic.h and the CIFS/SMB client).
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
const NETWORK_MAGICS: &[(i64, &str)] = &[
    (0x6969, "NFS"),
    (0x517B, "SMB"),
    (0xFF53_4D42, "CIFS"),
    (0xFE53_4D42, "SMB2"),
    (0x5346_414F, "AFS"),
    (0x7375_7245, "Coda"),
    (0x564C, "NCP"),
    (0x00C3_6400, "Ceph"),
];

#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
fn network_kind(f_type: i64) -> Option<&'static str> {
    // f_type is a signed word on some targets: compare the low 32 bits.
    let t = f_type & 0xFFFF_FFFF;
    NETWORK_MAGICS
        .iter()
        .find(|(m, _)| *m == t)
        .map(|(_, name)| *name)
}

/// `\\server\share\…` and `\\?\UNC\server\…` are network paths; `\\?\C:\…` is not.
#[cfg_attr(not(windows), allow(dead_code))]
fn is_unc(path: &str) -> bool {
    let p = path.replace('/', "\\");
    if let Some(rest) = p
        .strip_prefix("\\\\?\\")
        .or_else(|| p.strip_prefix("\\\\.\\"))
    {
        return rest.len() >= 4 && rest[..4].eq_ignore_ascii_case("UNC\\");
    }
    p.starts_with("\\\\")
}

/// The file system kind if `dir` (or its nearest existing parent) is on a network share.
fn network_share(dir: &Path) -> Option<&'static str> {
    let mut probe = dir;
    while !probe.exists() {
        probe = probe.parent()?;
    }
    probe_kind(probe)
}

#[cfg(target_os = "linux")]
fn probe_kind(dir: &Path) -> Option<&'static str> {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(dir.as_os_str().as_bytes()).ok()?;
    let mut st = std::mem::MaybeUninit::<libc::statfs>::zeroed();
    // SAFETY: `c` is a NUL-terminated path; `st` is a properly sized out-buffer for statfs.
    let rc = unsafe { libc::statfs(c.as_ptr(), st.as_mut_ptr()) };
    if rc != 0 {
        return None;
    }
    // SAFETY: statfs returned 0, so it filled the struct.
    let st = unsafe { st.assume_init() };
    // f_type is i64 here, a 32-bit word on other targets.
    #[allow(clippy::unnecessary_cast)]
    let f_type = st.f_type as i64;
    network_kind(f_type)
}

#[cfg(windows)]
fn probe_kind(dir: &Path) -> Option<&'static str> {
    use std::os::windows::ffi::OsStrExt;
    let text = dir.to_string_lossy();
    if is_unc(&text) {
        return Some("SMB (UNC)");
    }
    #[link(name = "kernel32")]
    extern "system" {
        fn GetDriveTypeW(root: *const u16) -> u32;
    }
    const DRIVE_REMOTE: u32 = 4;
    // "Z:\…" of a relative path too (a mapped network drive has a letter).
    let absolute = std::path::absolute(dir).ok()?;
    let root = absolute.components().next()?;
    let mut wide: Vec<u16> = Path::new(root.as_os_str())
        .join("\\")
        .as_os_str()
        .encode_wide()
        .collect();
    wide.push(0);
    // SAFETY: `wide` is a NUL-terminated UTF-16 root path ("C:\").
    let kind = unsafe { GetDriveTypeW(wide.as_ptr()) };
    (kind == DRIVE_REMOTE).then_some("SMB (network drive)")
}

#[cfg(not(any(target_os = "linux", windows)))]
fn probe_kind(_dir: &Path) -> Option<&'static str> {
    None
}

/// NOT_CONFIGURED when the data folder is on a network file system.
pub(crate) fn refuse_network_folder(dir: &Path) -> Result<()> {
    match network_share(dir) {
        None => Ok(()),
        Some(kind) => Err(Error::of(
            ErrorCode::NotConfigured,
            messages::embedded::data_dir_on_network(dir.display(), kind),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn network_file_systems_are_recognized() {
        assert_eq!(network_kind(0x6969), Some("NFS"));
        assert_eq!(network_kind(0xFF53_4D42), Some("CIFS"));
        // The same magic as a sign-extended 32-bit word.
        assert_eq!(network_kind(0xFF53_4D42_u32 as i32 as i64), Some("CIFS"));
        assert_eq!(network_kind(0xFE53_4D42), Some("SMB2"));
        assert_eq!(network_kind(0xEF53), None, "ext4");
        assert_eq!(network_kind(0x0102_1994), None, "tmpfs");
        assert_eq!(
            network_kind(0x0102_1997),
            None,
            "9p (WSL's drvfs) is a local disk"
        );
    }

    #[test]
    fn unc_paths_are_network_paths() {
        assert!(is_unc(r"\\fileserver\1c\bonus"));
        assert!(is_unc("//fileserver/1c"));
        assert!(is_unc(r"\\?\UNC\fileserver\1c"));
        assert!(!is_unc(r"\\?\C:\1c\bonus"));
        assert!(!is_unc(r"C:\1c\bonus"));
        assert!(!is_unc("/var/lib/1c"));
    }

    #[test]
    fn a_local_folder_is_accepted() {
        let dir = std::env::temp_dir()
            .join("bonusplus-local-check")
            .join("not-yet");
        assert!(refuse_network_folder(&dir).is_ok());
    }
}
