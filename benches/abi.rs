//! ABI call overhead: our C++ host calls a trivial method 1 000 000 times through the real vtables
//! of the release `.so` and prints ns per call (target: ≤ 150 ns on the 2-core CI machine).

#[path = "../tests/support/host.rs"]
mod support;

use std::process::Command;

fn main() {
    let out_dir = std::env::temp_dir().join("bonusplus-abi-bench");
    std::fs::create_dir_all(&out_dir).expect("temp dir");
    let host = support::build_host(&out_dir, true);
    let calls = std::env::var("ABI_BENCH_CALLS").unwrap_or_else(|_| "1000000".into());
    let status = Command::new(host)
        .arg("bench")
        .arg(support::addin_library())
        .arg(calls)
        .status()
        .expect("run host bench");
    assert!(status.success());
}
