//! Builds our C++ host (tests/host/host.cpp) with g++ and finds the add-in library cargo built.

// Shared by several test binaries and the checkout example; each uses only part of it.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, OnceLock};

/// The directory of the running test or bench binary's profile (`target/debug`, `target/release`).
pub fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("current exe");
    // target/<profile>/deps/<binary>
    exe.parent()
        .and_then(Path::parent)
        .expect("profile dir")
        .to_path_buf()
}

/// The add-in cdylib for this profile, built now: `cargo test` and `cargo bench` build only the
/// rlib for tests, so the `.so` 1C would load is brought up to date here, once per process.
pub fn addin_library() -> PathBuf {
    static LIBRARY: OnceLock<PathBuf> = OnceLock::new();
    LIBRARY.get_or_init(build_addin_library).clone()
}

fn build_addin_library() -> PathBuf {
    let dir = profile_dir();
    let release = dir.file_name().is_some_and(|n| n == "release");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut build = Command::new(cargo);
    build
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["build", "--lib", "-j2", "--quiet"]);
    if release {
        build.arg("--release");
    }
    let target_dir = dir.parent().expect("target dir");
    let status = build
        .env("CARGO_TARGET_DIR", target_dir)
        .status()
        .expect("run cargo build");
    assert!(status.success(), "cargo build --lib failed");
    let lib = dir.join("libbonusplus_1c.so");
    assert!(
        lib.exists(),
        "{} is missing after cargo build",
        lib.display()
    );
    lib
}

/// Compiles the host with g++ into `out_dir`, returning the executable's path. Tests run in
/// parallel and several start hosts: the host is built once per process, into a private file
/// renamed into place, so no test ever executes a half-written binary.
pub fn build_host(out_dir: &Path, optimize: bool) -> PathBuf {
    static BUILT: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());
    let exe = out_dir.join(if optimize {
        "abi-host-release"
    } else {
        "abi-host"
    });
    // A test that panicked while holding the lock left the list intact; carry on with it.
    let mut built = BUILT
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if built.contains(&exe) {
        return exe;
    }
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/host/host.cpp");
    let private = exe.with_extension(format!("{}.tmp", std::process::id()));
    let status = Command::new("g++")
        .args([
            "-std=c++17",
            "-Wall",
            "-Wextra",
            "-Werror",
            "-Wno-unused-parameter",
        ])
        .arg(if optimize { "-O2" } else { "-O1" })
        .arg("-g")
        .arg("-o")
        .arg(&private)
        .arg(&src)
        .arg("-ldl")
        .status()
        .expect("g++ must be installed (apt-get install g++)");
    assert!(status.success(), "g++ failed to build the host");
    std::fs::rename(&private, &exe).expect("move the built host into place");
    built.push(exe.clone());
    exe
}

/// Whether valgrind runs here. CI must have it (`.ci/run` installs it): there a missing valgrind
/// fails the test instead of skipping it.
pub fn valgrind_available() -> bool {
    if Command::new("valgrind").arg("--version").output().is_ok() {
        return true;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "valgrind is required in CI (.ci/run installs it)"
    );
    eprintln!("valgrind not installed: skipped here (CI runs it)");
    false
}
