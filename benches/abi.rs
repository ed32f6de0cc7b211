//! The cost of the 1C boundary. `cargo bench --bench abi -j2`.
//!
//! 1. Our C++ host (tests/host/bench.h) calls the release `.so` through its vtables, interleaved
//!    round by round with a plain hand-written C++ component doing the same work
//!    (tests/host/floor_component.cpp, built here into its own `.so`): a trivial method, the
//!    `Version` string property, `NormalizePhone` and `ParseScan`. It prints the median ns per
//!    call of each and the median of the per-round ratios (targets: string property ≤ 1.3×,
//!    NormalizePhone ≤ 1.5×).
//!    Then the same cases but the trivial method on the shipped build of the library.
//! 2. `Calculate` of a 100-line order through the FFI (the host, one round at a time on stdin)
//!    interleaved with, in this process: the embedded backend on the order the boundary checked
//!    (store + engine, no FFI, no JSON), the boundary's checks alone, and the engine alone; so
//!    the share of FFI + JSON shows (target ≤ 30 %). Also interleaved: the plain C++ component's
//!    Calculate (tests/host/floor_calculate.h: the same order read and an answer of the same
//!    shape written, with 5 % and 3 % a line in integers for a calculation), the floor for our
//!    FFI + JSON, and the share a boundary at its cost would take of a call with our backend.
//!
//! 3. When valgrind is installed (and `ABI_BENCH_CALLGRIND` is not `0`): the instructions per call
//!    of each case on each side, counted by callgrind — a figure the other builds on a shared
//!    machine cannot disturb; then the same split of the 100-line `Calculate` by instructions
//!    (the FFI call through the host; the backend, the checks and the engine in this process,
//!    which re-runs itself under callgrind with `ABI_BENCH_CALC_PART`).
//!
//! `ABI_BENCH_CALLS` (default 300 000) and `ABI_BENCH_ROUNDS` (default 5) size the runs;
//! `ABI_BENCH_LIBRARY` names another build of the add-in to measure (one with symbols, say).

#[path = "../tests/support/host.rs"]
mod support;

use bonusplus_1c::backend::{Backend, CustomerData, EmbeddedBackend};
use bonusplus_1c::contract::CheckedOrder;
use bonusplus_1c::engine::{calculate_in, calculate_valid, Account, BonusPolicy, Order};
use bonusplus_1c::i18n::Lang;
use rust_decimal::Decimal;
use std::hint::black_box;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

const PHONE: &str = "79001112233";
const CALC_LINES: usize = 100;

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The floor component, compiled like any C++ add-in: -O2, its own shared library.
fn build_floor(out_dir: &Path) -> PathBuf {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/host/floor_component.cpp");
    let lib = out_dir.join("libfloor_component.so");
    let status = Command::new("g++")
        .args([
            "-std=c++17",
            "-O2",
            "-Wall",
            "-Wextra",
            "-Werror",
            "-Wno-unused-parameter",
            "-shared",
            "-fPIC",
            "-fvisibility=hidden",
        ])
        .arg(format!(
            "-DFLOOR_VERSION=u\"{}\"",
            env!("CARGO_PKG_VERSION")
        ))
        .arg("-o")
        .arg(&lib)
        .arg(&src)
        .status()
        .expect("g++ must be installed");
    assert!(status.success(), "g++ failed to build the floor component");
    lib
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    let n = xs.len();
    if n % 2 == 1 {
        xs[n / 2]
    } else {
        (xs[n / 2 - 1] + xs[n / 2]) / 2.0
    }
}

fn ns_per_call(n: u64, mut call: impl FnMut()) -> f64 {
    let start = Instant::now();
    for _ in 0..n {
        call();
    }
    start.elapsed().as_nanos() as f64 / n as f64
}

/// [`ns_per_call`] of a call that takes its input by value: the copies are made before the clock
/// starts, so the figure holds the call and not the copying.
fn ns_per_owned_call<T: Clone>(n: u64, input: &T, mut call: impl FnMut(T)) -> f64 {
    let inputs: Vec<T> = (0..n).map(|_| input.clone()).collect();
    let start = Instant::now();
    for item in inputs {
        call(item);
    }
    start.elapsed().as_nanos() as f64 / n as f64
}

/// A 100-line order as 1C sends it: varied sums with kopecks, quantities, a few repeated products.
fn order_json(lines: usize) -> String {
    let mut seed: u64 = 0x2545_F491_4F6C_DD1D;
    let mut text = format!("{{\"phone\":\"{PHONE}\",\"useBonuses\":false,\"lines\":[");
    for i in 0..lines {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let kopecks = seed % 2_000_000 + 1;
        let quantity = 1 + i % 3;
        if i > 0 {
            text.push(',');
        }
        text.push_str(&format!(
            "{{\"lineNo\":{},\"product\":\"P{}\",\"name\":\"Товар {}\",\"quantity\":{quantity},\"price\":{}.{:02},\"sum\":{}.{:02}}}",
            i + 1,
            i % 50,
            i % 50,
            kopecks / 100,
            kopecks % 100,
            kopecks * quantity as u64 / 100,
            kopecks * quantity as u64 % 100,
        ));
    }
    text.push_str("]}");
    text
}

/// Instructions per call of one case on one side (`addin` or `floor`): callgrind's total for 2n
/// calls minus its total for n calls, over n. `None` when valgrind does not run.
fn instructions_per_call(
    host: &Path,
    library: &Path,
    floor: &Path,
    case: &str,
    side: &str,
) -> Option<f64> {
    const N: u64 = 2_000;
    callgrind_per_call(N, |calls| {
        let mut command = Command::new("valgrind");
        command
            .args(["--tool=callgrind", "--callgrind-out-file=/dev/null"])
            .arg(host)
            .arg("bench")
            .arg(library)
            .arg(floor)
            .arg(calls.to_string())
            .arg("1")
            .env("ABI_BENCH_ONLY", case)
            .env("ABI_BENCH_SIDE", side);
        command
    })
}

fn instruction_counts(host: &Path, library: &Path, floor: &Path) {
    println!("abi: callgrind, instructions per call (host side included, same for both)");
    println!(
        "abi: {:<34} {:>12} {:>12} {:>8}",
        "case", "add-in", "C++", "ratio"
    );
    for (case, name) in [
        ("trivial", "trivial method (2 x I4 -> I4)"),
        ("Version", "string property (Version)"),
        ("NormalizePhone", "NormalizePhone (PWSTR -> PWSTR)"),
        ("ParseScan", "ParseScan (PWSTR -> JSON)"),
    ] {
        let ours = instructions_per_call(host, library, floor, case, "addin");
        let theirs = instructions_per_call(host, library, floor, case, "floor");
        let (Some(ours), Some(theirs)) = (ours, theirs) else {
            println!("abi: valgrind did not run: no instruction counts");
            return;
        };
        println!(
            "abi: {name:<34} {ours:>12.0} {theirs:>12.0} {:>7.2}x",
            ours / theirs
        );
    }
}

/// What a 100-line Calculate runs on, in the bench's process and for the host: a store with the
/// policy and the customer, the order as JSON (also in `order_file`) and as the boundary leaves it.
struct CalcSetup {
    data: tempfile::TempDir,
    policy: BonusPolicy,
    backend: EmbeddedBackend,
    order: Order,
    checked: CheckedOrder,
    account: Account,
}

fn calc_setup(order_file: &Path) -> CalcSetup {
    let data = tempfile::tempdir().expect("temp dir");
    let policy = BonusPolicy {
        accrual_percent: Decimal::new(3, 0),
        discount_percent: Decimal::new(5, 0),
        payment_excluded: vec!["P7".into()],
        accrual_excluded: vec!["P9".into()],
        ..BonusPolicy::default()
    };
    let backend = EmbeddedBackend::open(data.path()).expect("open the store");
    backend.set_policy(policy.clone()).expect("policy");
    backend
        .register_customer(PHONE, "", &CustomerData::default())
        .expect("customer");
    let json = order_json(CALC_LINES);
    std::fs::write(order_file, &json).expect("write the order");
    let order = Order::from_json(&json).expect("valid order");
    let checked = CheckedOrder::check(order.clone()).expect("the boundary takes the order");
    let account = Account {
        phone: PHONE.into(),
        available_bonuses: Decimal::ZERO,
        discount_percent: None,
    };
    CalcSetup {
        data,
        policy,
        backend,
        order,
        checked,
        account,
    }
}

fn calculate_rounds(
    host: &Path,
    library: &Path,
    floor: &Path,
    out_dir: &Path,
    calls: u64,
    rounds: u64,
) {
    let order_file = out_dir.join("calc-order.json");
    let setup = calc_setup(&order_file);
    let engine =
        calculate_in(&setup.order, &setup.account, &setup.policy, Lang::Ru).expect("engine");
    let stored = setup
        .backend
        .calculate_checked(setup.checked.clone(), Lang::Ru)
        .expect("backend");
    assert_eq!(
        engine.lines, stored.lines,
        "the engine alone and the backend must calculate the same"
    );

    let mut child = Command::new(host)
        .arg("bench-calc")
        .arg(library)
        .arg(setup.data.path())
        .arg(&order_file)
        .arg(floor)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("run the host");
    let mut to_host = child.stdin.take().expect("stdin");
    let mut from_host = BufReader::new(child.stdout.take().expect("stdout"));
    // One request to the host ("N", "floor N", "sizes"), its answer's line.
    let mut ask = |request: &str| -> String {
        writeln!(to_host, "{request}").expect("write to the host");
        let mut line = String::new();
        from_host.read_line(&mut line).expect("read the host");
        line.trim().to_string()
    };
    let number = |line: String| -> f64 {
        line.parse()
            .unwrap_or_else(|_| panic!("the host answered {line:?}"))
    };
    // The comparison means something only if both write the same answer, but for the kopecks
    // the engine's distribution moves (a few units of ~24 000).
    let sizes = ask("sizes");
    let units: Vec<f64> = sizes.split(' ').filter_map(|n| n.parse().ok()).collect();
    assert!(
        units.len() == 2 && units[0] > 0.0 && (units[0] - units[1]).abs() <= units[0] / 100.0,
        "the add-in's answer and the C++ component's differ in length: {sizes}"
    );
    // `n` calls in the host: ours (`side` "") or the C++ component's ("floor "), ns per call.
    let mut in_host = |n: u64, side: &str| number(ask(&format!("{side}{n}")));
    // As the backend calls it: on the order the boundary checked, not checked again.
    let engine_alone = |n: u64| {
        ns_per_call(n, || {
            drop(black_box(calculate_valid(
                black_box(setup.checked.valid()),
                &setup.account,
                &setup.policy,
                Lang::Ru,
            )))
        })
    };
    // The component's path: the order as the boundary left it, owned by the backend.
    let in_process = |n: u64| {
        ns_per_owned_call(n, &setup.checked, |order| {
            drop(black_box(
                setup.backend.calculate_checked(black_box(order), Lang::Ru),
            ))
        })
    };
    // The boundary's checks alone (contract::check_order), on the order as read.
    let boundary_check = |n: u64| {
        ns_per_owned_call(n, &setup.order, |order| {
            drop(black_box(CheckedOrder::check(black_box(order))))
        })
    };
    // Warm-up, then rounds in rotating order.
    in_host(calls / 10 + 1, "");
    in_host(calls / 10 + 1, "floor ");
    engine_alone(calls / 10 + 1);
    in_process(calls / 10 + 1);
    boundary_check(calls / 10 + 1);
    let (mut ffi, mut plain, mut store, mut alone, mut check) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for r in 0..rounds {
        for k in 0..5 {
            match (r + k) % 5 {
                0 => ffi.push(in_host(calls, "")),
                1 => plain.push(in_host(calls, "floor ")),
                2 => store.push(in_process(calls)),
                3 => check.push(boundary_check(calls)),
                _ => alone.push(engine_alone(calls)),
            }
        }
    }
    drop(to_host);
    assert!(
        child.wait().expect("host exit").success(),
        "the host failed"
    );
    let (ffi, plain, store, alone, check) = (
        median(ffi),
        median(plain),
        median(store),
        median(alone),
        median(check),
    );
    println!(
        "calc: {CALC_LINES}-line Calculate, {rounds} rounds x {calls} calls, interleaved; medians"
    );
    println!(
        "calc: through the FFI (JSON in and out)    {:>9.1} µs",
        ffi / 1e3
    );
    println!(
        "calc: backend in-process (store + engine)  {:>9.1} µs",
        store / 1e3
    );
    println!(
        "calc: the boundary's checks alone          {:>9.1} µs",
        check / 1e3
    );
    println!(
        "calc: engine alone                         {:>9.1} µs",
        alone / 1e3
    );
    print_shares("shares of the FFI call:", ffi, store, check, alone);
    println!(
        "calc: everything but the engine (FFI + JSON + checks + store): {:.0} % of the FFI call",
        100.0 * (ffi - alone) / ffi
    );
    print_floor(&sizes, ffi - store - check, plain, store + check, "µs", 1e3);
}

/// The plain C++ component's Calculate beside ours: its whole call (FFI, reading, writing and a
/// calculation of a few integer operations a line) against our FFI + JSON, and the share such a
/// boundary would take of a call with our backend and checks. `sizes` is the host's "ours
/// theirs" answer lengths in UTF-16 units.
fn print_floor(
    sizes: &str,
    ours: f64,
    floor: f64,
    backend_and_checks: f64,
    unit: &str,
    scale: f64,
) {
    println!(
        "calc: plain C++ component (tests/host/floor_calculate.h), the same order in, an answer of the same shape out (units, ours and its: {sizes}): {:.1} {unit}",
        floor / scale
    );
    println!(
        "calc: FFI + JSON, ours {:.1} {unit} against the C++ component's whole call {:.1} {unit}: {:.2}x; at its cost, FFI + JSON would be {:.0} % of a call with our backend and checks",
        ours / scale,
        floor / scale,
        ours / floor,
        100.0 * floor / (floor + backend_and_checks)
    );
}

/// One part of a Calculate `n` times in this process, after the setup: what
/// [`calculate_instructions`] runs under callgrind (`ABI_BENCH_CALC_PART`). `clone` is the copy of
/// the order the owned parts are given, subtracted from them as the wall clock leaves it out.
fn run_calc_part(part: &str, n: u64) {
    let dir = tempfile::tempdir().expect("temp dir");
    let setup = calc_setup(&dir.path().join("calc-order.json"));
    for _ in 0..n {
        match part {
            "clone" => std::mem::forget(black_box(setup.order.clone())),
            "backend" => drop(black_box(
                setup
                    .backend
                    .calculate_checked(black_box(setup.checked.clone()), Lang::Ru),
            )),
            "checks" => drop(black_box(CheckedOrder::check(black_box(
                setup.order.clone(),
            )))),
            "engine" => drop(black_box(calculate_valid(
                black_box(setup.checked.valid()),
                &setup.account,
                &setup.policy,
                Lang::Ru,
            ))),
            _ => panic!("unknown part {part}"),
        }
    }
    drop(setup.data);
}

/// Callgrind's instructions for `n` and `2n` calls of `command`, per call: the setup cancels out.
fn callgrind_per_call(n: u64, mut command: impl FnMut(u64) -> Command) -> Option<f64> {
    let total = |calls: u64, command: &mut dyn FnMut(u64) -> Command| -> Option<u64> {
        let out = command(calls).output().ok()?;
        if !out.status.success() {
            return None;
        }
        String::from_utf8_lossy(&out.stderr)
            .lines()
            .find_map(|line| line.split("Collected :").nth(1)?.trim().parse().ok())
    };
    let (once, twice) = (total(n, &mut command)?, total(2 * n, &mut command)?);
    Some(twice.saturating_sub(once) as f64 / n as f64)
}

/// The split of a 100-line Calculate by callgrind's count, which the machine's other work does
/// not move (the wall clock above does): the FFI call through the host, and the backend, the
/// checks and the engine in this process.
fn calculate_instructions(host: &Path, library: &Path, floor: &Path, out_dir: &Path) {
    const N: u64 = 50;
    let order_file = out_dir.join("calc-order-callgrind.json");
    let setup = calc_setup(&order_file);
    // `side` "" for the add-in, "floor " for the plain C++ component.
    let host_calls = |side: &str| {
        callgrind_per_call(N, |calls| {
            let mut command = Command::new("sh");
            command.arg("-c").arg(format!(
                "echo '{side}{calls}' | valgrind --tool=callgrind --callgrind-out-file=/dev/null \"$0\" bench-calc \"$1\" \"$2\" \"$3\" \"$4\" >/dev/null"
            ));
            command
                .arg(host)
                .arg(library)
                .arg(setup.data.path())
                .arg(&order_file)
                .arg(floor);
            command
        })
    };
    let (through_ffi, plain) = (host_calls(""), host_calls("floor "));
    let exe = std::env::current_exe().expect("the bench's own path");
    let part = |name: &str| {
        callgrind_per_call(N, |calls| {
            let mut command = Command::new("valgrind");
            command
                .args(["--tool=callgrind", "--callgrind-out-file=/dev/null"])
                .arg(&exe)
                .env("ABI_BENCH_CALC_PART", name)
                .env("ABI_BENCH_CALC_CALLS", calls.to_string());
            command
        })
    };
    let (Some(ffi), Some(plain), Some(clone), Some(backend), Some(checks), Some(engine)) = (
        through_ffi,
        plain,
        part("clone"),
        part("backend"),
        part("checks"),
        part("engine"),
    ) else {
        println!("calc: valgrind did not run: no instruction counts");
        return;
    };
    let (backend, checks) = (backend - clone, checks - clone);
    println!("calc: callgrind, instructions per {CALC_LINES}-line Calculate (a large memcpy or memset counts about one per byte)");
    println!(
        "calc: through the FFI {:.0} k, backend {:.0} k, checks {:.0} k, engine {:.0} k",
        ffi / 1e3,
        backend / 1e3,
        checks / 1e3,
        engine / 1e3
    );
    print_shares(
        "by instructions, shares of the FFI call:",
        ffi,
        backend,
        checks,
        engine,
    );
    print_floor(
        "as above",
        ffi - backend - checks,
        plain,
        backend + checks,
        "k instructions",
        1e3,
    );
}

/// The shares of a Calculate through the FFI: what is neither the backend nor the checks (FFI +
/// JSON), the checks, the store (the backend less the engine) and the engine.
fn print_shares(label: &str, ffi: f64, backend: f64, checks: f64, engine: f64) {
    let share = |part: f64| 100.0 * part / ffi;
    println!(
        "calc: {label} FFI + JSON {:.0} %, checks {:.0} %, store reads {:.0} %, engine {:.0} %",
        share(ffi - backend - checks),
        share(checks),
        share(backend - engine),
        share(engine)
    );
}

fn main() {
    if let Some(part) = std::env::var_os("ABI_BENCH_CALC_PART") {
        run_calc_part(
            &part.to_string_lossy(),
            env_number("ABI_BENCH_CALC_CALLS", 1),
        );
        return;
    }
    let out_dir = std::env::temp_dir().join("bonusplus-abi-bench");
    std::fs::create_dir_all(&out_dir).expect("temp dir");
    let host = support::build_host(&out_dir, true);
    let floor = build_floor(&out_dir);
    // ABI_BENCH_LIBRARY: another build of the add-in (e.g. one with symbols, for a profiler).
    let library =
        std::env::var_os("ABI_BENCH_LIBRARY").map_or_else(support::addin_library, PathBuf::from);
    let calls = env_number("ABI_BENCH_CALLS", 300_000);
    let rounds = env_number("ABI_BENCH_ROUNDS", 5);
    let host_bench = |library: &Path| {
        let status = Command::new(&host)
            .arg("bench")
            .arg(library)
            .arg(&floor)
            .arg(calls.to_string())
            .arg(rounds.to_string())
            .status()
            .expect("run host bench");
        assert!(status.success());
    };
    host_bench(&library);
    // The library 1C loads: the same code without AbiProbe, so at other addresses (the wall
    // clock of a short call moves with them); no trivial-method case.
    if std::env::var_os("ABI_BENCH_LIBRARY").is_none() {
        println!(
            "abi: the shipped build ({})",
            support::SHIPPED_BUILD_COMMAND
        );
        host_bench(&support::shipped_library());
    }
    // A Calculate costs ~1000× a string call: fewer calls per round.
    calculate_rounds(
        &host,
        &library,
        &floor,
        &out_dir,
        (calls / 1000).max(20),
        rounds,
    );
    let valgrind = Command::new("valgrind").arg("--version").output().is_ok();
    if valgrind && std::env::var("ABI_BENCH_CALLGRIND").map_or(true, |v| v != "0") {
        instruction_counts(&host, &library, &floor);
        calculate_instructions(&host, &library, &floor, &out_dir);
    }
}
