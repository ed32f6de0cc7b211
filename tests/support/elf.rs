//! What a built Linux library asks of the system it is loaded on, read with binutils' `readelf`
//! (installed with g++): the glibc symbol versions it needs and the symbols it exports.

// Shared by a test binary and the package example; each uses only part of it.
#![allow(dead_code)]

use std::path::Path;
use std::process::Command;

/// The oldest glibc the shipped library must load on (CentOS 7, the oldest 1C Linux servers).
pub const GLIBC_CEILING: [u32; 2] = [2, 17];

fn readelf(args: &[&str], lib: &Path) -> String {
    let out = Command::new("readelf")
        .args(args)
        .arg(lib)
        .output()
        .expect("readelf (binutils) must be installed");
    assert!(
        out.status.success(),
        "readelf {args:?} {}: {}",
        lib.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("readelf prints UTF-8")
}

/// Every `GLIBC_x.y[.z]` version the library's "version needs" section names, sorted, deduplicated.
pub fn glibc_versions_needed(lib: &Path) -> Vec<Vec<u32>> {
    let text = readelf(&["--version-info", "--wide"], lib);
    let needs = text
        .split_once("Version needs section")
        .map_or("", |(_, rest)| rest);
    let mut versions: Vec<Vec<u32>> = needs
        .split_whitespace()
        .filter_map(|word| word.strip_prefix("GLIBC_"))
        .filter_map(|v| v.split('.').map(|n| n.parse().ok()).collect())
        .collect();
    versions.sort();
    versions.dedup();
    versions
}

/// The highest glibc version the library needs, as `2.17`; `none` if it names none.
pub fn highest_glibc_needed(lib: &Path) -> (Vec<u32>, String) {
    let highest = glibc_versions_needed(lib).pop().unwrap_or_default();
    let text = if highest.is_empty() {
        "none".to_owned()
    } else {
        highest
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(".")
    };
    (highest, text)
}

/// The names of the functions the library defines in its dynamic symbol table, sorted.
pub fn exported_functions(lib: &Path) -> Vec<String> {
    let text = readelf(&["--dyn-syms", "--wide"], lib);
    // Rows: Num: Value Size Type Bind Vis Ndx Name; defined ones have a section index, not UND.
    let mut names: Vec<String> = text
        .lines()
        .filter_map(|line| {
            let f: Vec<&str> = line.split_whitespace().collect();
            (f.len() >= 8 && f[3] == "FUNC" && f[6] != "UND").then(|| f[7].to_owned())
        })
        .collect();
    names.sort();
    names
}

/// Symbols the library takes from elsewhere with neither a version nor weak binding: each would
/// have to exist, under any version, wherever the library is loaded.
pub fn strong_unversioned_imports(lib: &Path) -> Vec<String> {
    let text = readelf(&["--dyn-syms", "--wide"], lib);
    text.lines()
        .filter_map(|line| {
            let f: Vec<&str> = line.split_whitespace().collect();
            (f.len() >= 8 && f[6] == "UND" && f[4] != "WEAK" && !f[7].contains('@'))
                .then(|| f[7].to_owned())
        })
        .collect()
}
