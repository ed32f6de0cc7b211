//! Builds the ZIP a 1C developer stores as the common template «КомпонентаБонусПлюс»:
//! `MANIFEST.XML` plus the libraries that exist (Linux x64 always; the Windows DLLs when
//! `scripts/build-windows.sh` has put them in `target/windows/dist/`).
//!
//!     cargo run --release --example package      → target/dist/BonusPlus.zip

#[path = "../tests/support/host.rs"]
mod host_support;
#[path = "../tests/support/zip.rs"]
mod zip;

use std::path::Path;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let manifest =
        std::fs::read_to_string(root.join("manifest/MANIFEST.XML")).expect("manifest/MANIFEST.XML");
    let mut files = vec![(
        "libbonusplus_1c_x64.so".to_owned(),
        std::fs::read(host_support::addin_library()).expect("the Linux library"),
    )];
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
