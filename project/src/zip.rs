//! The deployment package: `bootstrap.zip`, one entry `bootstrap` (the app
//! binary, mode 0755), byte-for-byte the same for the same binary.
//!
//! Determinism: a fixed timestamp (1980-01-01 00:00:00, the zip epoch), a fixed
//! "made by" system (Unix), fixed permissions, no extra fields, and a fixed
//! deflate implementation and level (the lock file pins `zlib-rs`). Lambda's
//! `CodeSha256` of the function is then the same on every deploy of the same
//! binary, so an unchanged binary is never uploaded again.

use std::io::{self, Cursor, Write};

use base64::Engine;
use sha2::{Digest, Sha256};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, System, ZipWriter};

/// The entry name Lambda's `provided.*` runtimes start.
pub const ENTRY: &str = "bootstrap";

/// The zip of `binary` as the single executable entry `bootstrap`.
pub fn bootstrap_zip(binary: &[u8]) -> io::Result<Vec<u8>> {
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .compression_level(Some(9))
        .last_modified_time(DateTime::default())
        .system(System::Unix)
        .unix_permissions(0o755)
        .large_file(binary.len() as u64 >= u64::from(u32::MAX));
    let mut writer = ZipWriter::new(Cursor::new(Vec::new()));
    writer
        .start_file(ENTRY, options)
        .map_err(io::Error::other)?;
    writer.write_all(binary)?;
    let cursor = writer.finish().map_err(io::Error::other)?;
    Ok(cursor.into_inner())
}

/// The SHA-256 of `zip`, base64 (standard alphabet, padded): the form of
/// Lambda's `CodeSha256` and of Terraform's `source_code_hash`.
pub fn code_sha256_base64(zip: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(Sha256::digest(zip))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_binary_same_bytes() {
        let binary: Vec<u8> = (0..100_000u32).map(|i| (i * 7 % 251) as u8).collect();
        let a = bootstrap_zip(&binary).unwrap();
        let b = bootstrap_zip(&binary).unwrap();
        assert_eq!(a, b);
        assert_eq!(code_sha256_base64(&a), code_sha256_base64(&b));
        assert_eq!(code_sha256_base64(&a).len(), 44);
        assert_ne!(a, bootstrap_zip(&binary[1..]).unwrap());
    }
}
