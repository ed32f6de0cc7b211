//! Data files are private to their user: the add-in's and the server's data folder is created
//! 0700, and every file in it (the database with customers' phones, the outbox, the log, the SMS
//! log, the server's TLS key) is created 0600, or made so when an older version left it 0644.
//! SQLite gives its `-wal`/`-shm` files the database file's mode, so creating that one 0600
//! first covers them. On Windows the folder sits under the user's profile (`%LOCALAPPDATA%`) or
//! a folder the administrator chose, and inherits its ACL; nothing is changed there.

use std::fs::{File, OpenOptions};
use std::io;
use std::path::Path;

/// Creates `dir` (and its missing parents) if needed; a folder this creates is 0700. An existing
/// folder keeps its mode: it may be one the administrator chose and shares on purpose.
pub fn create_dir(dir: &Path) -> io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

/// Options that create a missing file 0600 (on Unix).
pub fn create_options() -> OpenOptions {
    let mut options = OpenOptions::new();
    options.create(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options
}

/// Opens `path` for appending, creating it 0600 if missing; an existing file readable by others
/// is made private first.
pub fn append(path: &Path) -> io::Result<File> {
    if path.exists() {
        restrict(path)?;
    }
    create_options().append(true).open(path)
}

/// Makes sure `path` is a private file without opening an existing one (which may be
/// read-only): created empty 0600 if missing, else made 0600 if others can read it.
pub fn ensure(path: &Path) -> io::Result<()> {
    if path.exists() {
        return restrict(path);
    }
    create_options().append(true).open(path).map(drop)
}

/// Makes sure a file SQLite is about to open is private: created empty 0600 if missing (SQLite
/// gives its `-wal` and `-shm` files the same mode), made 0600 if others can read it, and the
/// same for `-wal` and `-shm` files an older version left behind.
pub fn prepare_database(path: &Path) -> io::Result<()> {
    ensure(path)?;
    for suffix in ["-wal", "-shm"] {
        let mut side = path.as_os_str().to_owned();
        side.push(suffix);
        let side = Path::new(&side);
        if side.exists() {
            restrict(side)?;
        }
    }
    Ok(())
}

/// Makes an existing file 0600 when its group or others have any access.
pub fn restrict(path: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path)?.permissions().mode();
        if mode & 0o077 != 0 {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    pub(crate) fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn what_it_creates_is_private_and_what_it_finds_is_made_so() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("a/b");
        create_dir(&dir).unwrap();
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&root.path().join("a")), 0o700);
        // An existing folder keeps its mode.
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o750)).unwrap();
        create_dir(&dir).unwrap();
        assert_eq!(mode(&dir), 0o750);

        let log = dir.join("x.log");
        drop(append(&log).unwrap());
        assert_eq!(mode(&log), 0o600);
        std::fs::set_permissions(&log, std::fs::Permissions::from_mode(0o644)).unwrap();
        drop(append(&log).unwrap());
        assert_eq!(mode(&log), 0o600);

        let db = dir.join("x.db");
        let wal = dir.join("x.db-wal");
        std::fs::write(&wal, b"").unwrap();
        std::fs::set_permissions(&wal, std::fs::Permissions::from_mode(0o664)).unwrap();
        prepare_database(&db).unwrap();
        assert_eq!((mode(&db), mode(&wal)), (0o600, 0o600));
        assert!(!dir.join("x.db-shm").exists(), "nothing is created beside");
    }

    /// Everything the add-in writes in embedded mode: the folder, the database and its WAL
    /// files, the SMS log, the log with a rotation; and a database an older version left 0644.
    #[test]
    fn the_addin_data_folder_holds_only_private_files() {
        use crate::backend::{Backend, CustomerData, EmbeddedBackend};
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("data");
        let backend = EmbeddedBackend::open(&dir).unwrap();
        backend
            .register_customer("79001112233", "", &CustomerData::default())
            .unwrap();
        backend.send_code("79001112233").unwrap();
        let mut log = crate::log::Log::with_limits(&dir, 256, 2);
        for i in 0..20 {
            log.write(
                "2026-12-06T20:00:00",
                &[&format!("line {i} of the log, long enough")],
            );
        }
        assert!(dir.join("bonusplus.log.1").exists(), "the log rotated");
        let names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        for wanted in ["bonusplus.db", "bonusplus.db-wal", "bonusplus.log"] {
            assert!(names.iter().any(|n| n == wanted), "{wanted} in {names:?}");
        }
        assert_eq!(mode(&dir), 0o700);
        for name in &names {
            assert_eq!(mode(&dir.join(name)), 0o600, "{name}");
        }
        drop(backend);

        // An older version's files, 0644, are made private when the add-in opens them (the
        // WAL files went with the last connection: SQLite makes them again with the database's
        // mode).
        for name in &names {
            if dir.join(name).exists() {
                std::fs::set_permissions(dir.join(name), std::fs::Permissions::from_mode(0o644))
                    .unwrap();
            }
        }
        let backend = EmbeddedBackend::open(&dir).unwrap();
        backend.send_code("79001112233").unwrap();
        let mut log = crate::log::Log::new(&dir);
        log.write("2026-12-06T20:00:01", &["reopened"]);
        for name in ["bonusplus.db", "bonusplus.db-wal", "bonusplus.log"] {
            assert_eq!(mode(&dir.join(name)), 0o600, "{name}");
        }
        let sms: Vec<&String> = names.iter().filter(|n| n.contains("sms")).collect();
        assert!(!sms.is_empty(), "an SMS log in {names:?}");
        for name in sms {
            assert_eq!(mode(&dir.join(name)), 0o600, "{name}");
        }
    }
}
