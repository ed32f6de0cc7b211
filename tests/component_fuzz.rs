//! A randomized run of our C++ host against the real `.so`: random method and property numbers,
//! parameter counts, `vt` values and payloads (see `run_fuzz` in tests/host/host.cpp). No crash,
//! no internal error (a caught panic is still a bug), every block freed, nothing freed twice.

#[path = "support/host.rs"]
mod support;

use std::path::Path;
use std::process::Command;

fn fuzz(calls: u64, seed: u64, under_valgrind: bool) {
    let host = support::build_host(Path::new(env!("CARGO_TARGET_TMPDIR")), false);
    let data = tempfile::tempdir().unwrap();
    let mut cmd = if under_valgrind {
        let mut c = Command::new("valgrind");
        c.args([
            "--leak-check=full",
            "--errors-for-leak-kinds=definite",
            "--error-exitcode=1",
            "-q",
        ])
        .arg(&host);
        c
    } else {
        Command::new(&host)
    };
    let out = cmd
        .arg("fuzz")
        .arg(support::addin_library())
        .arg(calls.to_string())
        .arg(seed.to_string())
        .arg(data.path())
        .env("RUST_BACKTRACE", "0")
        .output()
        .expect("run host");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("{stdout}");
    assert!(
        out.status.success(),
        "seed {seed}: {stdout}\n{}",
        stderr.chars().take(4000).collect::<String>()
    );
    assert!(
        stdout.contains("0 internal errors") && stdout.contains("live blocks 0, bad frees 0"),
        "{stdout}"
    );
}

fn seed() -> u64 {
    std::env::var("FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20261125)
}

#[test]
fn a_million_random_calls_neither_crash_nor_leak() {
    fuzz(1_000_000, seed(), false);
}

#[test]
fn random_calls_are_clean_under_valgrind() {
    if !support::valgrind_available() {
        return;
    }
    fuzz(20_000, seed() + 1, true);
}
