//! `cargo xtask`: packaging steps that would otherwise need a tool beyond
//! Rust (cargo-lambda, zip, Python).
//!
//! - `cargo xtask zip BOOTSTRAP OUT.zip`: the Lambda deployment package, with
//!   `bootstrap` at its root, mode 0755, and a fixed timestamp, so the same
//!   binary always gives the same zip (and the same SHA256SUMS line).

use std::fs::File;
use std::io::{Read, Write};
use std::path::Path;
use std::process::ExitCode;

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipWriter};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["zip", bootstrap, out] => zip_bootstrap(Path::new(bootstrap), Path::new(out)),
        _ => Err("usage: cargo xtask zip BOOTSTRAP OUT.zip".to_owned()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Writes `out` holding `bootstrap` as `bootstrap`, executable, dated
/// 1980-01-01 (the zip epoch) rather than the build time.
fn zip_bootstrap(bootstrap: &Path, out: &Path) -> Result<(), String> {
    let mut binary = Vec::new();
    File::open(bootstrap)
        .and_then(|mut file| file.read_to_end(&mut binary))
        .map_err(|error| format!("cannot read {}: {error}", bootstrap.display()))?;
    if !binary.starts_with(b"\x7fELF") {
        return Err(format!("{} is not an ELF executable", bootstrap.display()));
    }
    let file =
        File::create(out).map_err(|error| format!("cannot create {}: {error}", out.display()))?;
    let mut writer = ZipWriter::new(file);
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .compression_level(Some(9))
        .last_modified_time(DateTime::default())
        .unix_permissions(0o755);
    let written = writer
        .start_file("bootstrap", options)
        .and_then(|()| writer.write_all(&binary).map_err(Into::into))
        .and_then(|()| writer.finish().map(drop));
    written.map_err(|error| format!("cannot write {}: {error}", out.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_zip_is_reproducible_and_executable() {
        let dir = std::env::temp_dir().join(format!("xtask-zip-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let bootstrap = dir.join("bootstrap");
        std::fs::write(&bootstrap, b"\x7fELF not really a binary").unwrap();
        let (first, second) = (dir.join("a.zip"), dir.join("b.zip"));
        zip_bootstrap(&bootstrap, &first).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(1100));
        zip_bootstrap(&bootstrap, &second).unwrap();
        let bytes = std::fs::read(&first).unwrap();
        assert_eq!(
            bytes,
            std::fs::read(&second).unwrap(),
            "same input, same zip"
        );
        let mut archive = zip::ZipArchive::new(File::open(&first).unwrap()).unwrap();
        assert_eq!(archive.len(), 1);
        let mut entry = archive.by_index(0).unwrap();
        assert_eq!(entry.name(), "bootstrap");
        assert_eq!(entry.unix_mode().map(|mode| mode & 0o777), Some(0o755));
        let mut content = Vec::new();
        entry.read_to_end(&mut content).unwrap();
        assert_eq!(content, b"\x7fELF not really a binary");
        std::fs::write(&bootstrap, b"#!/bin/sh").unwrap();
        assert!(zip_bootstrap(&bootstrap, &first).is_err(), "not an ELF");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
