//! A minimal ZIP writer (stored entries, CRC-32), enough for the add-in bundle 1C reads.

use std::io::{self, Write};

fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// Writes `entries` (name, content) as a ZIP archive without compression.
pub fn write_zip(out: &mut impl Write, entries: &[(String, Vec<u8>)]) -> io::Result<()> {
    let too_big = || {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            "entry too large for a plain ZIP",
        )
    };
    let mut central = Vec::new();
    let mut offset: u32 = 0;
    for (name, data) in entries {
        let size = u32::try_from(data.len()).map_err(|_| too_big())?;
        let name_len = u16::try_from(name.len()).map_err(|_| too_big())?;
        let crc = crc32(data);
        // Local file header: version 2.0, flag bit 11 = UTF-8 names, method 0 = stored.
        let mut local = Vec::new();
        local.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        local.extend_from_slice(&20u16.to_le_bytes());
        local.extend_from_slice(&0x0800u16.to_le_bytes());
        local.extend_from_slice(&0u16.to_le_bytes());
        local.extend_from_slice(&0u16.to_le_bytes()); // time
        local.extend_from_slice(&0x0021u16.to_le_bytes()); // date 1980-01-01
        local.extend_from_slice(&crc.to_le_bytes());
        local.extend_from_slice(&size.to_le_bytes());
        local.extend_from_slice(&size.to_le_bytes());
        local.extend_from_slice(&name_len.to_le_bytes());
        local.extend_from_slice(&0u16.to_le_bytes());
        local.extend_from_slice(name.as_bytes());
        out.write_all(&local)?;
        out.write_all(data)?;

        central.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
        central.extend_from_slice(&20u16.to_le_bytes()); // made by
        central.extend_from_slice(&20u16.to_le_bytes()); // needed
        central.extend_from_slice(&0x0800u16.to_le_bytes());
        central.extend_from_slice(&0u16.to_le_bytes());
        central.extend_from_slice(&0u16.to_le_bytes());
        central.extend_from_slice(&0x0021u16.to_le_bytes());
        central.extend_from_slice(&crc.to_le_bytes());
        central.extend_from_slice(&size.to_le_bytes());
        central.extend_from_slice(&size.to_le_bytes());
        central.extend_from_slice(&name_len.to_le_bytes());
        central.extend_from_slice(&[0; 8]); // extra, comment, disk, internal attributes
        central.extend_from_slice(&0u32.to_le_bytes()); // external attributes
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(name.as_bytes());
        offset = offset
            .checked_add(u32::try_from(local.len() + data.len()).map_err(|_| too_big())?)
            .ok_or_else(too_big)?;
    }
    let count = u16::try_from(entries.len()).map_err(|_| too_big())?;
    out.write_all(&central)?;
    let mut end = Vec::new();
    end.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    end.extend_from_slice(&[0; 4]);
    end.extend_from_slice(&count.to_le_bytes());
    end.extend_from_slice(&count.to_le_bytes());
    end.extend_from_slice(
        &u32::try_from(central.len())
            .map_err(|_| too_big())?
            .to_le_bytes(),
    );
    end.extend_from_slice(&offset.to_le_bytes());
    end.extend_from_slice(&0u16.to_le_bytes());
    out.write_all(&end)
}

/// The bundle for 1C: `MANIFEST.XML` listing only the components whose files are given.
/// `files` maps each `path` of the manifest to the binary's bytes.
pub fn bundle(manifest: &str, files: &[(String, Vec<u8>)]) -> (String, Vec<(String, Vec<u8>)>) {
    let present = |line: &str| {
        files
            .iter()
            .any(|(name, _)| line.contains(&format!("path=\"{name}\"")))
    };
    let filtered: String = manifest
        .lines()
        .filter(|line| !line.trim_start().starts_with("<component") || present(line))
        .map(|line| format!("{line}\n"))
        .collect();
    let mut entries = vec![("MANIFEST.XML".to_owned(), filtered.clone().into_bytes())];
    entries.extend(files.iter().cloned());
    (filtered, entries)
}
