//! Checks an app binary against its stage configuration before anything is
//! sent to AWS: it must be a Linux ELF executable for the configured
//! architecture, need no newer glibc than Lambda's `provided.al2023` has,
//! carry a goblet manifest with at least one route, and fit Lambda's direct
//! upload limits once zipped. On success it hands back the zip.

use std::fmt;
use std::path::{Path, PathBuf};

use goblet_core::Manifest;
use object::read::elf::{ElfFile64, SectionHeader};
use object::{Endianness, Object, ObjectKind};

use crate::config::{Architecture, StageConfig};
use crate::manifest::{self, BinaryError};
use crate::zip::{bootstrap_zip, code_sha256_base64};

/// The glibc of Lambda's `provided.al2023` runtime.
pub const PROVIDED_AL2023_GLIBC: (u32, u32) = (2, 34);
/// Lambda's limit on a zip uploaded directly (not through S3).
pub const MAX_ZIPPED_BYTES: u64 = 50 * 1024 * 1024;
/// Lambda's limit on the unzipped deployment package.
pub const MAX_UNZIPPED_BYTES: u64 = 250 * 1024 * 1024;

/// A binary that passed every check, with its deployment package.
#[derive(Debug, Clone)]
pub struct Checked {
    pub manifest: Manifest,
    /// `bootstrap.zip`, deterministic.
    pub zip: Vec<u8>,
    /// [`code_sha256_base64`] of `zip`: what Lambda reports as `CodeSha256`.
    pub zip_sha256_b64: String,
    /// The newest `GLIBC_x.y` symbol version the binary needs; `None` for a
    /// static (e.g. musl) binary.
    pub glibc_needed: Option<(u32, u32)>,
}

/// Why a binary cannot be deployed; the message starts with its path.
#[derive(Debug)]
pub struct PreflightError {
    pub path: PathBuf,
    pub kind: PreflightErrorKind,
}

#[derive(Debug)]
pub enum PreflightErrorKind {
    Read(std::io::Error),
    /// Not a (well-formed) ELF file, or no usable manifest in it.
    Binary(BinaryError),
    /// An ELF file, but not a linked executable (`what`: "an object file (.o)").
    NotExecutable {
        what: &'static str,
    },
    /// Built for a CPU Lambda does not run.
    UnsupportedArchitecture {
        found: String,
    },
    /// Built for the other Lambda architecture than the configured one.
    WrongArchitecture {
        binary: Architecture,
        configured: Architecture,
    },
    /// Needs a newer glibc than `provided.al2023` has.
    GlibcTooNew {
        needed: (u32, u32),
        architecture: Architecture,
    },
    TooLarge {
        what: &'static str,
        size: u64,
        limit: u64,
    },
    Zip(std::io::Error),
}

impl fmt::Display for PreflightError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.path.display())?;
        match &self.kind {
            PreflightErrorKind::Read(e) => write!(f, "cannot read the file: {e}"),
            PreflightErrorKind::Binary(e) => e.fmt(f),
            PreflightErrorKind::NotExecutable { what } => write!(
                f,
                "this is {what}, not a linked executable: deploy the app's binary, e.g. target/release/APP"
            ),
            PreflightErrorKind::UnsupportedArchitecture { found } => write!(
                f,
                "built for {found}, which AWS Lambda does not run: build for x86_64 or aarch64 Linux \
                 (e.g. --target x86_64-unknown-linux-musl)"
            ),
            PreflightErrorKind::WrongArchitecture { binary, configured } => write!(
                f,
                "the binary is built for {binary} but the function is configured for {configured}: \
                 set `architecture = \"{binary}\"` in [package.metadata.goblet] (or pass --architecture {binary}), \
                 or build with --target {}",
                configured.musl_target()
            ),
            PreflightErrorKind::GlibcTooNew {
                needed: (major, minor),
                architecture,
            } => {
                let (have_major, have_minor) = PROVIDED_AL2023_GLIBC;
                write!(
                    f,
                    "the binary needs glibc {major}.{minor} (symbol version GLIBC_{major}.{minor}), but Lambda's \
                     provided.al2023 runtime has glibc {have_major}.{have_minor}, so it would fail to start. \
                     Build a static binary with `cargo build --release --target {}` (rustup target add {0} first), \
                     or link against glibc {have_major}.{have_minor} with cargo-zigbuild: \
                     `cargo zigbuild --release --target {}.{have_major}.{have_minor}`",
                    architecture.musl_target(),
                    architecture.gnu_target(),
                )
            }
            PreflightErrorKind::TooLarge { what, size, limit } => write!(
                f,
                "the {what} is {:.1} MB, over Lambda's {} MB limit for a direct upload: \
                 build with `strip = true`, `lto = true` and `opt-level = \"z\"` to make it smaller",
                *size as f64 / (1024.0 * 1024.0),
                limit / (1024 * 1024)
            ),
            PreflightErrorKind::Zip(e) => write!(f, "cannot zip the binary: {e}"),
        }
    }
}

impl std::error::Error for PreflightError {}

/// Checks the binary at `binary` for the stage `config` and zips it.
pub fn check(binary: &Path, config: &StageConfig) -> Result<Checked, PreflightError> {
    let fail = |kind| PreflightError {
        path: binary.to_owned(),
        kind,
    };
    let data = std::fs::read(binary).map_err(|e| fail(PreflightErrorKind::Read(e)))?;
    check_bytes(&data, config).map_err(fail)
}

/// [`check`] on bytes in memory.
pub fn check_bytes(data: &[u8], config: &StageConfig) -> Result<Checked, PreflightErrorKind> {
    // Not ELF or damaged: the manifest reader says so, and what the file is
    // instead. A missing manifest is reported after the kind of file is.
    let manifest = match manifest::parse_app_binary(data) {
        Ok(app) => Ok(app.manifest),
        Err(error @ BinaryError::Manifest(_)) => Err(error),
        Err(other) => return Err(PreflightErrorKind::Binary(other)),
    };
    let file = object::File::parse(data).map_err(|e| {
        PreflightErrorKind::Binary(BinaryError::BadElf {
            reason: e.to_string(),
        })
    })?;
    match file.kind() {
        ObjectKind::Executable => {}
        ObjectKind::Dynamic if file.entry() != 0 => {} // a position-independent executable
        ObjectKind::Dynamic => {
            return Err(PreflightErrorKind::NotExecutable {
                what: "a shared library",
            });
        }
        ObjectKind::Relocatable => {
            return Err(PreflightErrorKind::NotExecutable {
                what: "an object file (.o)",
            });
        }
        _ => {
            return Err(PreflightErrorKind::NotExecutable {
                what: "an ELF file of an unknown kind",
            });
        }
    }
    let binary_arch = match file.architecture() {
        object::Architecture::X86_64 => Architecture::X86_64,
        object::Architecture::Aarch64 => Architecture::Arm64,
        other => {
            return Err(PreflightErrorKind::UnsupportedArchitecture {
                found: format!("{other:?}").to_lowercase(),
            });
        }
    };
    if binary_arch != config.architecture {
        return Err(PreflightErrorKind::WrongArchitecture {
            binary: binary_arch,
            configured: config.architecture,
        });
    }
    let glibc_needed = glibc_needed(data)
        .map_err(|reason| PreflightErrorKind::Binary(BinaryError::BadElf { reason }))?;
    if let Some(needed) = glibc_needed
        && needed > PROVIDED_AL2023_GLIBC
    {
        return Err(PreflightErrorKind::GlibcTooNew {
            needed,
            architecture: binary_arch,
        });
    }
    let manifest = manifest.map_err(PreflightErrorKind::Binary)?;
    check_size("binary (unzipped)", data.len() as u64, MAX_UNZIPPED_BYTES)?;
    let zip = bootstrap_zip(data).map_err(PreflightErrorKind::Zip)?;
    check_size("zipped package", zip.len() as u64, MAX_ZIPPED_BYTES)?;
    let zip_sha256_b64 = code_sha256_base64(&zip);
    Ok(Checked {
        manifest,
        zip,
        zip_sha256_b64,
        glibc_needed,
    })
}

fn check_size(what: &'static str, size: u64, limit: u64) -> Result<(), PreflightErrorKind> {
    if size > limit {
        Err(PreflightErrorKind::TooLarge { what, size, limit })
    } else {
        Ok(())
    }
}

/// The newest `GLIBC_x.y` version in the binary's `.gnu.version_r` (the
/// versions of shared-library symbols it needs); `None` when it needs none.
pub fn glibc_needed(data: &[u8]) -> Result<Option<(u32, u32)>, String> {
    let Ok(elf) = ElfFile64::<Endianness>::parse(data) else {
        // 32-bit ELF: the architecture check has already refused it.
        return Ok(None);
    };
    let endian = elf.endian();
    let sections = elf.elf_section_table();
    let mut newest = None;
    for section in sections.iter() {
        let Some((mut needs, link)) = section
            .gnu_verneed(endian, data)
            .map_err(|e| format!("bad .gnu.version_r: {e}"))?
        else {
            continue;
        };
        let strings = sections
            .strings(endian, data, link)
            .map_err(|e| format!("bad .gnu.version_r strings: {e}"))?;
        while let Some((_, mut auxes)) = needs
            .next()
            .map_err(|e| format!("bad .gnu.version_r: {e}"))?
        {
            while let Some(aux) = auxes
                .next()
                .map_err(|e| format!("bad .gnu.version_r: {e}"))?
            {
                let name = aux
                    .name(endian, strings)
                    .map_err(|e| format!("bad .gnu.version_r: {e}"))?;
                if let Some(version) = parse_glibc_version(name) {
                    newest = newest.max(Some(version));
                }
            }
        }
    }
    Ok(newest)
}

/// `GLIBC_2.34` → (2, 34); `GLIBC_2.2.5` → (2, 2); `GLIBC_PRIVATE` → None.
fn parse_glibc_version(name: &[u8]) -> Option<(u32, u32)> {
    let rest = std::str::from_utf8(name).ok()?.strip_prefix("GLIBC_")?;
    let mut parts = rest.split('.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next().map_or(Some(0), |m| m.parse().ok())?;
    Some((major, minor))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glibc_versions() {
        assert_eq!(parse_glibc_version(b"GLIBC_2.34"), Some((2, 34)));
        assert_eq!(parse_glibc_version(b"GLIBC_2.2.5"), Some((2, 2)));
        assert_eq!(parse_glibc_version(b"GLIBC_PRIVATE"), None);
        assert_eq!(parse_glibc_version(b"GCC_3.0"), None);
        assert!((2, 38) > PROVIDED_AL2023_GLIBC && (2, 9) < PROVIDED_AL2023_GLIBC);
    }

    #[test]
    fn sizes() {
        assert!(check_size("zipped package", MAX_ZIPPED_BYTES, MAX_ZIPPED_BYTES).is_ok());
        let err = check_size("zipped package", MAX_ZIPPED_BYTES + 1, MAX_ZIPPED_BYTES).unwrap_err();
        let message = PreflightError {
            path: "app".into(),
            kind: err,
        }
        .to_string();
        assert!(message.contains("over Lambda's 50 MB limit"), "{message}");
    }
}
