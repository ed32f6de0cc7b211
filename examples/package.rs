//! Builds the ZIP a 1C developer stores as the common template «КомпонентаБонусПлюс»:
//! `MANIFEST.XML` plus the libraries that exist (Linux x64 always; the Windows DLLs when
//! `scripts/build-windows.sh` has put them in `target/windows/dist/`).
//!
//! The Linux library is the release build for glibc 2.17 (`cargo zigbuild --release --lib
//! --target x86_64-unknown-linux-gnu.2.17`, run from here); its size and the highest glibc
//! version it needs are printed, and the step fails if that is above 2.17.
//!
//!     cargo run --example package      → target/dist/BonusPlus.zip

#[path = "../tests/support/elf.rs"]
mod elf;
#[path = "../tests/support/host.rs"]
mod host_support;
#[path = "../tests/support/zip.rs"]
mod zip;

use std::path::Path;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let manifest =
        std::fs::read_to_string(root.join("manifest/MANIFEST.XML")).expect("manifest/MANIFEST.XML");
    println!("building: {}", host_support::SHIPPED_BUILD_COMMAND);
    let linux = host_support::shipped_library();
    let linux_bytes = std::fs::read(&linux).expect("the Linux library");
    let (highest, glibc) = elf::highest_glibc_needed(&linux);
    println!(
        "{}: {} bytes ({:.2} MiB), highest GLIBC version needed: {glibc}",
        linux.display(),
        linux_bytes.len(),
        linux_bytes.len() as f64 / 1_048_576.0
    );
    if highest.is_empty() || highest > elf::GLIBC_CEILING.to_vec() {
        eprintln!("the Linux library must need at most GLIBC_2.17, it needs {glibc}");
        std::process::exit(1);
    }
    let mut files = vec![("libbonusplus_1c_x64.so".to_owned(), linux_bytes)];
    for dll in ["bonusplus_1c_x64.dll", "bonusplus_1c_x86.dll"] {
        if let Ok(bytes) = std::fs::read(root.join("target/windows/dist").join(dll)) {
            files.push((dll.to_owned(), bytes));
        }
    }
    let (listed, entries) = zip::bundle(&manifest, &files);
    let out_dir = root.join("target/dist");
    std::fs::create_dir_all(&out_dir).expect("target/dist");
    let path = out_dir.join("BonusPlus.zip");
    let mut file = std::fs::File::create(&path).expect("create the zip");
    zip::write_zip(&mut file, &entries).expect("write the zip");
    println!("{}", path.display());
    for (name, bytes) in &entries {
        println!("  {name} ({} bytes)", bytes.len());
    }
    println!("MANIFEST.XML:\n{listed}");
}
