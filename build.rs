//! Regenerates `include/bonusplus_1c.h` (the C exports) with cbindgen. The file is checked in;
//! it is only rewritten when its content changes, so builds leave the work tree clean.

use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-changed=src/exports.rs");
    println!("cargo:rerun-if-changed=src/native/types.rs");
    println!("cargo:rerun-if-changed=cbindgen.toml");

    let crate_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let config =
        cbindgen::Config::from_file(crate_dir.join("cbindgen.toml")).expect("cbindgen.toml");
    let bindings = match cbindgen::Builder::new()
        .with_crate(&crate_dir)
        .with_config(config)
        .generate()
    {
        Ok(b) => b,
        Err(e) => {
            // A header that cannot be generated must not stop the library from building (e.g. a
            // source file mid-edit); the checked-in header then stays as it was.
            println!("cargo:warning=cbindgen: {e}");
            return;
        }
    };
    let header = crate_dir.join("include/bonusplus_1c.h");
    let mut fresh = Vec::new();
    bindings.write(&mut fresh);
    if std::fs::read(&header).ok().as_deref() != Some(&fresh[..]) {
        std::fs::create_dir_all(crate_dir.join("include")).expect("include/");
        std::fs::write(&header, fresh).expect("write include/bonusplus_1c.h");
    }
}
