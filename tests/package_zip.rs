//! The bundle 1C loads: a ZIP with MANIFEST.XML in its root, read back by an independent reader
//! (Python's zipfile, which checks every CRC).

#[path = "support/zip.rs"]
mod zip;

use std::process::Command;

#[test]
fn the_bundle_lists_only_the_libraries_it_carries_and_reads_back() {
    let manifest = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/manifest/MANIFEST.XML"
    ))
    .unwrap();
    assert!(manifest
        .contains(r#"os="Linux" path="libbonusplus_1c_x64.so" type="native" arch="x86_64""#));
    assert!(
        manifest.contains(r#"os="Windows" path="bonusplus_1c_x86.dll" type="native" arch="i386""#)
    );

    let library: Vec<u8> = (0..100_000u32).map(|i| (i * 7 % 251) as u8).collect();
    let (listed, entries) = zip::bundle(
        &manifest,
        &[("libbonusplus_1c_x64.so".into(), library.clone())],
    );
    assert!(
        listed.contains("libbonusplus_1c_x64.so") && !listed.contains(".dll"),
        "{listed}"
    );
    assert!(listed.starts_with("<?xml") && listed.trim_end().ends_with("</bundle>"));

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("BonusPlus.zip");
    zip::write_zip(&mut std::fs::File::create(&path).unwrap(), &entries).unwrap();
    let script = "import sys, zipfile\n\
                  z = zipfile.ZipFile(sys.argv[1])\n\
                  assert z.testzip() is None\n\
                  for i in z.infolist(): print(i.filename, i.file_size)\n\
                  sys.stdout.write(z.read('MANIFEST.XML').decode())\n";
    let out = Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(&path)
        .output()
        .expect("python3");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("MANIFEST.XML "), "{text}");
    assert!(
        text.contains(&format!("libbonusplus_1c_x64.so {}", library.len())),
        "{text}"
    );
    assert!(text.contains(&listed), "{text}");
}
