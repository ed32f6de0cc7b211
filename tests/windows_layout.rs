//! Static check of the Windows (MSVC) layouts: clang compiles tests/windows/probe.cpp (the
//! interfaces in the shape of the kit headers, via tests/host/addin_api.h with `_WINDOWS`) for
//! `x86_64-pc-windows-msvc` and `i686-pc-windows-msvc`, dumps record and vftable layouts, and every
//! slot index, offset and size is compared with `bonusplus_1c::native::msvc_layout`, the table
//! that the Rust code const-asserts its own structs against when built for Windows.
//!
//! Needs `clang++` (any recent one; `CLANGXX` overrides the name). Required when `CI` is set.

use bonusplus_1c::native::msvc_layout::{
    OFFSETS, SLOTS, X86_DESTRUCTOR_CONVENTION, X86_METHOD_CONVENTION,
};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

/// The interfaces whose vftables the check covers (IComponentBase adds nothing of its own).
const INTERFACES: &[&str] = &[
    "IInitDoneBase",
    "ILanguageExtenderBase",
    "LocaleBase",
    "UserLanguageBase",
    "IMemoryManager",
    "IAddInDefBase",
    "IAddInDefBaseEx",
    "IMsgBox",
    "IPlatformInfo",
    "IAttachedInfo",
];

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Arch {
    X64,
    X86,
}

impl Arch {
    fn triple(self) -> &'static str {
        match self {
            Arch::X64 => "x86_64-pc-windows-msvc",
            Arch::X86 => "i686-pc-windows-msvc",
        }
    }
}

/// What the dumps say.
#[derive(Default, Debug)]
struct Layout {
    /// (interface, method) -> slot, from "VFTable indices for 'X'" blocks.
    slots: BTreeMap<(String, String), usize>,
    /// (record, member) -> byte offset (first occurrence), plus (record, "sizeof").
    offsets: BTreeMap<(String, String), usize>,
    /// (interface, method) -> calling convention from the declarations' types ("" = default).
    conventions: BTreeMap<(String, String), String>,
}

fn clang() -> Option<String> {
    let name = std::env::var("CLANGXX").unwrap_or_else(|_| "clang++".into());
    Command::new(&name)
        .arg("--version")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|_| name)
}

fn dump(clang: &str, arch: Arch) -> String {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/windows");
    // -S to /dev/null: vftable layouts are computed (and dumped) only during code generation.
    // -nostdinc + msvc-include: no Windows SDK here; the stand-ins declare what MSVC's do.
    let out = Command::new(clang)
        .current_dir(&dir)
        .arg(format!("--target={}", arch.triple()))
        .args(["-D_WINDOWS", "-nostdinc", "-isystem"])
        .arg(dir.join("msvc-include"))
        .args(["-S", "-o", "/dev/null", "-Xclang", "-fdump-record-layouts"])
        .args(["-Xclang", "-fdump-vtable-layouts", "probe.cpp"])
        .output()
        .expect("run clang++");
    assert!(
        out.status.success(),
        "clang++ --target {} failed:\n{}",
        arch.triple(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 dump")
}

/// `"  12 | <text>"` -> (12, "<text>").
fn numbered(line: &str) -> Option<(usize, &str)> {
    let (n, rest) = line.split_once('|')?;
    Some((n.trim().parse().ok()?, rest))
}

/// `"bool ILanguageExtenderBase::FindMethod(const WCHAR_T *)"` -> ("ILanguageExtenderBase",
/// "FindMethod"); destructors become "~".
fn method_of(text: &str) -> Option<(String, String)> {
    let before_args = &text[..text.find('(')?];
    let (class, name) = before_args.rsplit_once("::")?;
    let class = class.rsplit([' ', '*', '&']).next()?;
    let name = if name.starts_with('~') { "~" } else { name };
    Some((class.to_owned(), name.to_owned()))
}

fn parse(dump: &str) -> Layout {
    let mut layout = Layout::default();
    let lines: Vec<&str> = dump.lines().collect();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        if line.starts_with("VFTable indices for '") {
            i += 1;
            while i < lines.len() && !lines[i].trim().is_empty() {
                if let Some((slot, text)) = numbered(lines[i]) {
                    if let Some(key) = method_of(text) {
                        layout.slots.entry(key).or_insert(slot);
                    }
                }
                i += 1;
            }
            continue;
        }
        if line.starts_with("*** Dumping AST Record Layout") {
            // First row names the record; deeper rows are fields or bases, offsets absolute.
            let Some((_, head)) = lines.get(i + 1).and_then(|l| numbered(l)) else {
                i += 1;
                continue;
            };
            let record = head.split_whitespace().nth(1).unwrap_or("").to_owned();
            i += 2;
            while i < lines.len() && !lines[i].trim().is_empty() {
                let row = lines[i];
                if let Some(size) = row.split("[sizeof=").nth(1) {
                    let size: usize = size.split(',').next().unwrap().parse().unwrap();
                    layout
                        .offsets
                        .insert((record.clone(), "sizeof".into()), size);
                } else if let Some((off, text)) = numbered(row) {
                    let text = text.trim();
                    let member = if let Some(base) = text
                        .strip_suffix("(primary base)")
                        .or_else(|| text.strip_suffix("(base)"))
                    {
                        base.split_whitespace().last().map(str::to_owned)
                    } else if text.starts_with('(') {
                        None // "(X vftable pointer)"
                    } else {
                        text.split_whitespace().last().map(str::to_owned)
                    };
                    if let Some(member) = member {
                        layout
                            .offsets
                            .entry((record.clone(), member))
                            .or_insert(off);
                    }
                }
                i += 1;
            }
            continue;
        }
        // IRgen dump of a declaration: "CXXMethodDecl ... Name 'type __attribute__((stdcall))'".
        if let Some(pos) = line
            .find("CXXMethodDecl")
            .or_else(|| line.find("CXXDestructorDecl"))
        {
            if line.contains(" virtual") {
                let decl = &line[pos..];
                let name = decl.split('\'').next().unwrap_or("");
                let name = name.split_whitespace().last().unwrap_or("");
                let class = (0..i)
                    .rev()
                    .find_map(|j| {
                        let l = lines[j];
                        let at = l.find(" definition")?;
                        l.starts_with("Record: CXXRecordDecl")
                            .then(|| l[..at].split_whitespace().last().unwrap_or("").to_owned())
                    })
                    .unwrap_or_default();
                // The declared type is the first quoted string (the canonical one follows).
                let ty = decl.split('\'').nth(1).unwrap_or("");
                let convention = ["stdcall", "thiscall", "cdecl", "fastcall"]
                    .into_iter()
                    .find(|c| ty.contains(&format!("__attribute__(({c}))")))
                    .unwrap_or("");
                let name = if name.starts_with('~') { "~" } else { name };
                layout
                    .conventions
                    .insert((class, name.to_owned()), convention.to_owned());
            }
        }
        i += 1;
    }
    layout
}

type Slots<'a> = &'a [(&'a str, &'a str, usize)];
type Offsets<'a> = &'a [(&'a str, &'a str, usize, usize)];

/// Every difference between clang's layout and the Rust table, as readable lines.
fn compare(layout: &Layout, arch: Arch, slots: Slots, offsets: Offsets) -> Vec<String> {
    let mut errors = Vec::new();
    for &(iface, method, slot) in slots {
        match layout.slots.get(&(iface.to_owned(), method.to_owned())) {
            Some(&s) if s == slot => {}
            Some(&s) => errors.push(format!("{iface}::{method}: clang slot {s}, Rust {slot}")),
            None => errors.push(format!("{iface}::{method}: not in clang's vftables")),
        }
    }
    // Completeness: every method clang gives the covered interfaces is in the Rust table.
    for (iface, method) in layout.slots.keys() {
        if INTERFACES.contains(&iface.as_str())
            && !slots.iter().any(|&(i, m, _)| i == iface && m == method)
        {
            errors.push(format!(
                "{iface}::{method}: in clang's vftable, not in the Rust table"
            ));
        }
    }
    for iface in INTERFACES {
        if !layout.slots.keys().any(|(i, _)| i == iface) {
            errors.push(format!("{iface}: no vftable in clang's dump"));
        }
    }
    for &(record, member, x64, x86) in offsets {
        let want = if arch == Arch::X64 { x64 } else { x86 };
        match layout.offsets.get(&(record.to_owned(), member.to_owned())) {
            Some(&got) if got == want => {}
            Some(&got) => errors.push(format!("{record}.{member}: clang {got}, Rust {want}")),
            None => errors.push(format!("{record}.{member}: not in clang's record layouts")),
        }
    }
    if arch == Arch::X86 {
        for ((iface, method), conv) in &layout.conventions {
            if !INTERFACES.contains(&iface.as_str()) {
                continue;
            }
            let want = if method == "~" {
                X86_DESTRUCTOR_CONVENTION
            } else {
                X86_METHOD_CONVENTION
            };
            if conv != want {
                errors.push(format!(
                    "{iface}::{method}: clang convention {conv:?}, Rust {want}"
                ));
            }
        }
        if layout.conventions.len() < SLOTS.len() - 1 {
            errors.push(format!(
                "only {} virtual declarations found in the IRgen dump",
                layout.conventions.len()
            ));
        }
    }
    errors
}

fn dumps() -> Option<Vec<(Arch, String)>> {
    let Some(clang) = clang() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "clang++ is required in CI (apt-get install clang)"
        );
        eprintln!("clang++ not installed: Windows layout check skipped here (CI runs it)");
        return None;
    };
    Some(
        [Arch::X64, Arch::X86]
            .into_iter()
            .map(|a| (a, dump(&clang, a)))
            .collect(),
    )
}

#[test]
fn msvc_layouts_match_the_rust_table() {
    let Some(dumps) = dumps() else { return };
    let mut all = Vec::new();
    for (arch, text) in &dumps {
        let layout = parse(text);
        let errors = compare(&layout, *arch, SLOTS, OFFSETS);
        eprintln!(
            "{}: {} slots, {} offsets, {} conventions compared; {} mismatches",
            arch.triple(),
            SLOTS.len(),
            OFFSETS.len(),
            if *arch == Arch::X86 {
                layout.conventions.len()
            } else {
                0
            },
            errors.len()
        );
        all.extend(
            errors
                .into_iter()
                .map(|e| format!("{}: {e}", arch.triple())),
        );
    }
    assert!(
        all.is_empty(),
        "MSVC layout differs from the Rust side:\n{}",
        all.join("\n")
    );
}

/// The comparison discriminates: a wrong slot, offset, base offset or convention in clang's
/// output, and a wrong row in the Rust table, are each reported.
#[test]
fn layout_check_catches_deliberate_errors() {
    let Some(dumps) = dumps() else { return };
    let (_, x86) = dumps.iter().find(|(a, _)| *a == Arch::X86).unwrap();
    let (_, x64) = dumps.iter().find(|(a, _)| *a == Arch::X64).unwrap();
    let mutate = |text: &str, from: &str, to: &str| {
        assert!(text.contains(from), "dump lacks {from:?}");
        text.replacen(from, to, 1)
    };
    let cases: &[(Arch, &str, &str, &str, &str)] = &[
        (
            Arch::X64,
            x64,
            "  10 | long ILanguageExtenderBase::FindMethod(",
            "  11 | long ILanguageExtenderBase::FindMethod(",
            "FindMethod",
        ),
        (
            Arch::X86,
            x86,
            "   1 | bool IMemoryManager::AllocMemory(",
            "   2 | bool IMemoryManager::AllocMemory(",
            "AllocMemory",
        ),
        (
            Arch::X64,
            x64,
            "44 |   TYPEVAR vt",
            "40 |   TYPEVAR vt",
            "tVariant.vt",
        ),
        (
            Arch::X86,
            x86,
            "4 |       uint32_t wstrLen",
            "8 |       uint32_t wstrLen",
            "wstrLen",
        ),
        (
            Arch::X86,
            x86,
            "8 |   class LocaleBase (base)",
            "12 |   class LocaleBase (base)",
            "IComponentBase.LocaleBase",
        ),
        (
            Arch::X64,
            x64,
            "[sizeof=48, align=8",
            "[sizeof=64, align=8",
            "tVariant.sizeof",
        ),
    ];
    for (arch, text, from, to, expect) in cases {
        assert!(compare(&parse(text), *arch, SLOTS, OFFSETS).is_empty());
        let errors = compare(&parse(&mutate(text, from, to)), *arch, SLOTS, OFFSETS);
        assert!(
            errors.iter().any(|e| e.contains(expect)),
            "{from:?} -> {to:?} not caught: {errors:?}"
        );
    }
    // A stdcall method declared as cdecl on x86 (what a missing ADDIN_API would give).
    let wrong = x86.replacen(
        "SetLocale 'void (const WCHAR_T *) __attribute__((stdcall))'",
        "SetLocale 'void (const WCHAR_T *) __attribute__((cdecl))'",
        1,
    );
    assert_ne!(&wrong, x86, "dump lacks SetLocale's declaration");
    let errors = compare(&parse(&wrong), Arch::X86, SLOTS, OFFSETS);
    assert!(errors.iter().any(|e| e.contains("SetLocale")), "{errors:?}");
    // A wrong row on the Rust side.
    let mut slots = SLOTS.to_vec();
    let row = slots.iter_mut().find(|r| r.1 == "GetInterface").unwrap();
    row.2 = 12;
    let errors = compare(&parse(x64), Arch::X64, &slots, OFFSETS);
    assert!(
        errors.iter().any(|e| e.contains("GetInterface")),
        "{errors:?}"
    );
    let mut offsets = OFFSETS.to_vec();
    let row = offsets.iter_mut().find(|r| r.1 == "cbElements").unwrap();
    row.3 = 36;
    let errors = compare(&parse(x86), Arch::X86, SLOTS, &offsets);
    assert!(
        errors.iter().any(|e| e.contains("cbElements")),
        "{errors:?}"
    );
    // A row missing from the Rust table.
    let slots: Vec<_> = SLOTS.iter().copied().filter(|r| r.1 != "Done").collect();
    let errors = compare(&parse(x64), Arch::X64, &slots, OFFSETS);
    assert!(errors.iter().any(|e| e.contains("Done")), "{errors:?}");
}
