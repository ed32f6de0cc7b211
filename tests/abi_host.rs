//! The add-in through the real C ABI: our C++ host (g++-compiled vtables) loads the `.so` with
//! dlopen and drives every slot of the four interfaces. See tests/host/host.cpp.

#[path = "support/host.rs"]
mod support;

use std::path::Path;
use std::process::{Command, Output};

fn host() -> std::path::PathBuf {
    support::build_host(Path::new(env!("CARGO_TARGET_TMPDIR")), false)
}

fn show(out: &Output) -> String {
    format!(
        "status {:?}\n--- stdout\n{}\n--- stderr\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn cpp_host_drives_every_vtable_slot() {
    let out = Command::new(host())
        .args(["test"])
        .arg(support::addin_library())
        .arg(env!("CARGO_PKG_VERSION"))
        // The deliberate panic prints a message; a backtrace would only bury the summary.
        .env("RUST_BACKTRACE", "0")
        .output()
        .expect("run host");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", show(&out));
    assert!(stdout.contains(" passed, 0 failed"), "{}", show(&out));
}

/// valgrind: no invalid access, no definite leak. Required in CI; elsewhere it runs when
/// valgrind is installed.
#[test]
fn cpp_host_is_clean_under_valgrind() {
    if !support::valgrind_available() {
        return;
    }
    let out = Command::new("valgrind")
        .args([
            "--leak-check=full",
            "--errors-for-leak-kinds=definite",
            "--error-exitcode=1",
            "-q",
        ])
        .arg(host())
        .arg("test")
        .arg(support::addin_library())
        .arg(env!("CARGO_PKG_VERSION"))
        .env("RUST_BACKTRACE", "0")
        .output()
        .expect("run valgrind");
    assert!(out.status.success(), "{}", show(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains(" passed, 0 failed"),
        "{}",
        show(&out)
    );
}

/// The checked-in header is what build.rs generates, and a C compiler accepts it with the
/// signatures our host resolves.
#[test]
fn generated_header_compiles_as_c() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let probe = dir.join("header_probe.c");
    std::fs::write(
        &probe,
        "#include \"bonusplus_1c.h\"\n\
         const WChar *(*names)(void) = GetClassNames;\n\
         long (*create)(const WChar *, void **) = GetClassObject;\n\
         long (*destroy)(void **) = DestroyObject;\n\
         int (*caps)(int) = SetPlatformCapabilities;\n\
         int (*attach)(void) = GetAttachType;\n",
    )
    .unwrap();
    let include = Path::new(env!("CARGO_MANIFEST_DIR")).join("include");
    let out = Command::new("gcc")
        .args(["-std=c11", "-Wall", "-Werror", "-fsyntax-only", "-I"])
        .arg(&include)
        .arg(&probe)
        .output()
        .expect("gcc");
    assert!(out.status.success(), "{}", show(&out));
}
