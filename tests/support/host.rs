//! Builds our C++ host (tests/host/host.cpp) with g++, and the add-in library it loads (the shipped
//! build and the test build with `AbiProbe`, both by cargo-zigbuild for glibc 2.17).

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

/// What `cargo zigbuild` is told to build for: the x86_64 Linux library linked against the
/// glibc 2.17 symbol versions (zig's own glibc stubs), so it loads on CentOS 7 and everything newer.
pub const LINUX_TARGET: &str = "x86_64-unknown-linux-gnu.2.17";

/// The one documented command for the shipped Linux library.
pub const SHIPPED_BUILD_COMMAND: &str =
    "cargo zigbuild --release --lib --target x86_64-unknown-linux-gnu.2.17";

/// The library that goes into the ZIP, built now (once per process) by [`SHIPPED_BUILD_COMMAND`]:
/// the release profile, no features.
pub fn shipped_library() -> PathBuf {
    static LIBRARY: OnceLock<PathBuf> = OnceLock::new();
    LIBRARY
        .get_or_init(|| zigbuild_library("release", &[]))
        .clone()
}

/// The test build of the add-in, built now (once per process): the same toolchain, target and
/// settings as [`shipped_library`] plus the feature `probe` (the `AbiProbe` class), in the profile
/// `probe` (the release settings in a directory of its own). Every test that loads the library
/// through our C++ host loads this one. `cargo test` itself builds only the rlib for the tests.
pub fn addin_library() -> PathBuf {
    static LIBRARY: OnceLock<PathBuf> = OnceLock::new();
    LIBRARY
        .get_or_init(|| zigbuild_library("probe", &["--features", "probe"]))
        .clone()
}

/// `cargo zigbuild --lib` for [`LINUX_TARGET`] in `profile`, into this build's target directory.
/// When nothing changed cargo finds the library fresh and returns at once.
fn zigbuild_library(profile: &str, extra: &[&str]) -> PathBuf {
    let target_dir = profile_dir().parent().expect("target dir").to_path_buf();
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["zigbuild", "--lib", "-j2", "--quiet", "--profile", profile])
        .args(["--target", LINUX_TARGET])
        .args(extra)
        .env("CARGO_TARGET_DIR", &target_dir)
        .status()
        .expect("run cargo zigbuild");
    assert!(
        status.success(),
        "cargo zigbuild --profile {profile} failed (needs `pip install ziglang cargo-zigbuild`, \
         as .ci/run does)"
    );
    // cargo-zigbuild builds for the plain triple; the glibc version only steers zig's linker.
    let triple = LINUX_TARGET.split(".2.").next().expect("triple");
    let lib = target_dir
        .join(triple)
        .join(profile)
        .join("libbonusplus_1c.so");
    assert!(
        lib.exists(),
        "{} is missing after cargo zigbuild",
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
