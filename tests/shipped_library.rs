//! The library that goes into the ZIP, exactly as `cargo run --example package` builds it
//! (`cargo zigbuild --release --lib --target x86_64-unknown-linux-gnu.2.17`): it loads on glibc
//! 2.17, exports the five Native API functions and nothing else, and carries no test code —
//! `GetClassObject("AbiProbe")` answers 0 there, while the test build (feature `probe`, same
//! toolchain and target) creates it.

#[path = "support/elf.rs"]
mod elf;
#[path = "support/host.rs"]
mod host_support;

use std::path::Path;
use std::process::Command;

/// `host classes LIB NAME...`: GetClassNames, then what GetClassObject answers per name.
fn classes(lib: &Path, names: &[&str]) -> String {
    let host = host_support::build_host(Path::new(env!("CARGO_TARGET_TMPDIR")), false);
    let out = Command::new(host)
        .arg("classes")
        .arg(lib)
        .args(names)
        .output()
        .expect("run host classes");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{text}");
    text
}

const EXPORTS: [&str; 5] = [
    "DestroyObject",
    "GetAttachType",
    "GetClassNames",
    "GetClassObject",
    "SetPlatformCapabilities",
];

#[test]
fn the_shipped_library_needs_glibc_2_17_at_most() {
    let lib = host_support::shipped_library();
    let (highest, text) = elf::highest_glibc_needed(&lib);
    let size = std::fs::metadata(&lib).expect("library").len();
    println!(
        "shipped library {}: {size} bytes, highest GLIBC version needed {text}",
        lib.display()
    );
    assert!(!highest.is_empty(), "no GLIBC version needs read");
    // A guard, not the goal: 4.5 MB today (SQLite, the TLS stack and std are most of it; the
    // add-in's own code at opt-level 3 is ~0.27 MB more than at "s"). A jump past this means code
    // that does not belong in the ZIP got in (the server, test code).
    assert!(
        size <= 4_700_000,
        "the shipped library grew to {size} bytes"
    );
    assert!(
        highest <= elf::GLIBC_CEILING.to_vec(),
        "the shipped library needs GLIBC_{text}: it would not load on glibc 2.17 \
         (every needed version: {:?})",
        elf::glibc_versions_needed(&lib)
    );
    assert_eq!(elf::exported_functions(&lib), EXPORTS);
    // Also catches a SQLite function left undefined by the omitted modules (.cargo/config.toml).
    assert_eq!(elf::strong_unversioned_imports(&lib), Vec::<String>::new());
}

#[test]
fn the_shipped_library_has_no_probe_class_and_the_test_build_has() {
    let shipped = classes(&host_support::shipped_library(), &["AbiProbe", "BonusPlus"]);
    assert_eq!(
        shipped, "names\tBonusPlus\nAbiProbe\t0\tnull\nBonusPlus\t1\tptr\n",
        "shipped library"
    );
    let test_build = classes(&host_support::addin_library(), &["AbiProbe", "BonusPlus"]);
    assert_eq!(
        test_build, "names\tBonusPlus\nAbiProbe\t1\tptr\nBonusPlus\t1\tptr\n",
        "test build (feature probe)"
    );
    // Same toolchain and target: the library the host tests run against loads where the
    // shipped one does.
    let (highest, text) = elf::highest_glibc_needed(&host_support::addin_library());
    assert!(
        highest <= elf::GLIBC_CEILING.to_vec(),
        "test build needs GLIBC_{text}"
    );
}
