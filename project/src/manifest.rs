//! Reads a goblet app's route manifest out of its binary, without running it.
//!
//! The records live in the ELF section [`goblet_core::record::SECTION`], an
//! allocated `PROGBITS` section that survives LTO and `strip`. Only the file's
//! bytes are looked at, so the binary may be built for any architecture.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

use goblet_core::record::{self, SECTION};
use goblet_core::{Manifest, ManifestError};
use object::{Object, ObjectSection};

mod sniff;

use sniff::{Sniffed, sniff};

/// What a goblet app binary tells without being run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppBinary {
    pub manifest: Manifest,
    /// The CPU the binary is built for: it decides the Lambda architecture.
    pub architecture: Architecture,
}

/// The CPU architecture of an ELF binary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Architecture {
    X86_64,
    Aarch64,
    /// Any other architecture, by name ("s390x", "powerpc64"): readable, but
    /// AWS Lambda runs none of them.
    Other(String),
}

impl Architecture {
    fn from_object(arch: object::Architecture) -> Architecture {
        match arch {
            object::Architecture::X86_64 => Architecture::X86_64,
            object::Architecture::Aarch64 => Architecture::Aarch64,
            other => Architecture::Other(format!("{other:?}").to_lowercase()),
        }
    }

    /// The name Lambda uses in a function's `Architectures`, if Lambda runs it.
    pub fn lambda_name(&self) -> Option<&'static str> {
        match self {
            Architecture::X86_64 => Some("x86_64"),
            Architecture::Aarch64 => Some("arm64"),
            Architecture::Other(_) => None,
        }
    }
}

impl fmt::Display for Architecture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Architecture::X86_64 => f.write_str("x86_64"),
            Architecture::Aarch64 => f.write_str("aarch64"),
            Architecture::Other(name) => f.write_str(name),
        }
    }
}

/// Why a file's bytes hold no usable manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BinaryError {
    /// Not an ELF file; `looks_like` says what it is instead ("a Mach-O file …").
    NotElf { looks_like: &'static str },
    /// Starts like ELF but does not parse (truncated, damaged).
    BadElf { reason: String },
    /// A well-formed ELF file whose manifest is missing, corrupt or invalid.
    Manifest(ManifestError),
}

impl fmt::Display for BinaryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BinaryError::NotElf { looks_like } => write!(
                f,
                "not a goblet app binary: this is {looks_like}, and goblet apps for AWS Lambda \
                 are Linux ELF executables (e.g. target/release/APP)"
            ),
            BinaryError::BadElf { reason } => {
                write!(f, "damaged ELF file (truncated or corrupt?): {reason}")
            }
            BinaryError::Manifest(error) => error.fmt(f),
        }
    }
}

impl std::error::Error for BinaryError {}

/// [`read_app_binary`] failed; the message starts with the file's path.
#[derive(Debug)]
pub enum ReadError {
    /// The file cannot be read (missing, a directory, no permission).
    Io { path: PathBuf, error: io::Error },
    /// The file was read but holds no usable manifest.
    Binary { path: PathBuf, error: BinaryError },
}

impl ReadError {
    pub fn path(&self) -> &Path {
        match self {
            ReadError::Io { path, .. } | ReadError::Binary { path, .. } => path,
        }
    }

    /// The manifest's own error, when the file is a readable ELF binary.
    pub fn manifest_error(&self) -> Option<&ManifestError> {
        match self {
            ReadError::Binary {
                error: BinaryError::Manifest(error),
                ..
            } => Some(error),
            _ => None,
        }
    }
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::Io { path, error } => {
                write!(f, "{}: cannot read the file: {error}", path.display())
            }
            ReadError::Binary { path, error } => write!(f, "{}: {error}", path.display()),
        }
    }
}

impl std::error::Error for ReadError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ReadError::Io { error, .. } => Some(error),
            ReadError::Binary { error, .. } => Some(error),
        }
    }
}

/// The route manifest of the goblet app binary at `path`.
pub fn read_manifest(path: impl AsRef<Path>) -> Result<Manifest, ReadError> {
    read_app_binary(path).map(|app| app.manifest)
}

/// The manifest and architecture of the goblet app binary at `path`.
pub fn read_app_binary(path: impl AsRef<Path>) -> Result<AppBinary, ReadError> {
    let path = path.as_ref();
    let data = std::fs::read(path).map_err(|error| ReadError::Io {
        path: path.to_owned(),
        error,
    })?;
    parse_app_binary(&data).map_err(|error| ReadError::Binary {
        path: path.to_owned(),
        error,
    })
}

/// [`read_app_binary`] on bytes already in memory.
pub fn parse_app_binary(data: &[u8]) -> Result<AppBinary, BinaryError> {
    if let Sniffed::Other(looks_like) = sniff(data) {
        return Err(BinaryError::NotElf { looks_like });
    }
    let bad = |reason: String| BinaryError::BadElf { reason };
    let file = object::File::parse(data).map_err(|e| bad(e.to_string()))?;
    let architecture = Architecture::from_object(file.architecture());
    // A linked binary has one such section; an object file may have several.
    let mut records = Vec::new();
    for section in file.sections() {
        if section.name_bytes().map_err(|e| bad(e.to_string()))? != SECTION.as_bytes() {
            continue;
        }
        let bytes = section
            .uncompressed_data()
            .map_err(|e| bad(format!("cannot read the {SECTION} section: {e}")))?;
        records.extend_from_slice(&bytes);
    }
    let manifest = record::decode_section(&records).map_err(BinaryError::Manifest)?;
    Ok(AppBinary {
        manifest,
        architecture,
    })
}

#[cfg(test)]
mod tests {
    use goblet_core::record::{FORMAT_VERSION, KIND_APP, KIND_FRAMEWORK, KIND_ROUTE, MAGIC};
    use object::write;
    use object::{BinaryFormat, Endianness, SectionKind};

    use super::*;

    const FW: &str = r#"{"goblet_version":"0.1.0"}"#;
    const APP: &str = r#"{"app_name":"helloworld"}"#;
    const ROUTE: &str = r#"{"path":"/","method":"GET","authorization_type":"AWS_IAM","api_key_required":false,"cors":false,"content_types":["application/json"],"name":"index","handler":"helloworld::app::index","file":"examples/helloworld/src/app.rs","line":4}"#;
    const USERS: &str = r#"{"path":"/users/{id}","method":"POST","authorization_type":"NONE","api_key_required":true,"cors":true,"content_types":["application/json"],"name":"create","handler":"helloworld::users::create","file":"examples/helloworld/src/users.rs","line":12}"#;

    /// Records as the linker lays them out: in any order, zero-padded.
    fn records(parts: &[(u8, &str)]) -> Vec<u8> {
        let mut out = Vec::new();
        for (kind, payload) in parts {
            out.extend_from_slice(&MAGIC);
            out.push(FORMAT_VERSION);
            out.push(*kind);
            out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
            out.extend_from_slice(payload.as_bytes());
            while out.len() % 8 != 0 {
                out.push(0);
            }
        }
        out
    }

    fn hello_records() -> Vec<u8> {
        records(&[(KIND_ROUTE, ROUTE), (KIND_FRAMEWORK, FW), (KIND_APP, APP)])
    }

    /// An ELF file for `arch` with `sections` (name, contents), plus some code.
    fn elf(arch: object::Architecture, endian: Endianness, sections: &[(&str, &[u8])]) -> Vec<u8> {
        let mut obj = write::Object::new(BinaryFormat::Elf, arch, endian);
        let text = obj.section_id(write::StandardSection::Text);
        obj.append_section_data(text, &[0; 16], 16);
        for (name, data) in sections {
            let id = obj.add_section(
                Vec::new(),
                name.as_bytes().to_vec(),
                SectionKind::ReadOnlyData,
            );
            obj.append_section_data(id, data, 1);
        }
        obj.write().unwrap()
    }

    fn parse(data: &[u8]) -> Result<AppBinary, BinaryError> {
        parse_app_binary(data)
    }

    #[test]
    fn reads_x86_64_little_endian() {
        let app = parse(&elf(
            object::Architecture::X86_64,
            Endianness::Little,
            &[(SECTION, &hello_records())],
        ))
        .unwrap();
        assert_eq!(app.architecture, Architecture::X86_64);
        assert_eq!(app.architecture.lambda_name(), Some("x86_64"));
        assert_eq!(app.manifest.app_name, "helloworld");
        assert_eq!(app.manifest.goblet_version, "0.1.0");
        let route = &app.manifest.routes[0];
        assert_eq!((route.path.as_str(), route.name.as_str()), ("/", "index"));
        assert_eq!(route.source, "examples/helloworld/src/app.rs:4");
    }

    #[test]
    fn reads_aarch64() {
        let section = records(&[
            (KIND_FRAMEWORK, FW),
            (KIND_ROUTE, USERS),
            (KIND_APP, APP),
            (KIND_ROUTE, ROUTE),
        ]);
        let app = parse(&elf(
            object::Architecture::Aarch64,
            Endianness::Little,
            &[(SECTION, &section)],
        ))
        .unwrap();
        assert_eq!(app.architecture, Architecture::Aarch64);
        assert_eq!(app.architecture.lambda_name(), Some("arm64"));
        assert_eq!(app.architecture.to_string(), "aarch64");
        let routes: Vec<_> = app
            .manifest
            .routes
            .iter()
            .map(|r| r.path.as_str())
            .collect();
        assert_eq!(routes, ["/", "/users/{id}"]);
        assert_eq!(app.manifest.routes[1].path_parameters, ["id"]);
    }

    #[test]
    fn reads_big_endian_hosts_the_same() {
        for arch in [object::Architecture::S390x, object::Architecture::PowerPc64] {
            let data = elf(arch, Endianness::Big, &[(SECTION, &hello_records())]);
            let app = parse(&data).unwrap();
            assert!(
                matches!(app.architecture, Architecture::Other(_)),
                "{arch:?}"
            );
            assert_eq!(app.architecture.lambda_name(), None);
            assert_eq!(app.manifest.routes.len(), 1);
        }
        let app = parse(&elf(
            object::Architecture::S390x,
            Endianness::Big,
            &[(SECTION, &hello_records())],
        ))
        .unwrap();
        assert_eq!(app.architecture.to_string(), "s390x");
    }

    #[test]
    fn joins_several_record_sections_of_an_object_file() {
        let first = records(&[(KIND_FRAMEWORK, FW), (KIND_APP, APP)]);
        let second = records(&[(KIND_ROUTE, ROUTE)]);
        let data = elf(
            object::Architecture::X86_64,
            Endianness::Little,
            &[
                (SECTION, &first),
                (".rodata.other", b"GBLT junk"),
                (SECTION, &second),
            ],
        );
        assert_eq!(parse(&data).unwrap().manifest.routes.len(), 1);
    }

    #[test]
    fn elf_without_the_section_is_not_a_goblet_app() {
        let data = elf(
            object::Architecture::X86_64,
            Endianness::Little,
            &[(".rodata", b"hi")],
        );
        assert_eq!(
            parse(&data),
            Err(BinaryError::Manifest(ManifestError::NotAGobletApp))
        );
        let message = parse(&data).unwrap_err().to_string();
        assert!(
            message.starts_with("no goblet route manifest in this binary"),
            "{message}"
        );
    }

    #[test]
    fn corrupt_and_incompatible_records_are_spec_errors() {
        let mut corrupt = hello_records();
        corrupt[HEADER_PAYLOAD] = b'!';
        let data = elf(
            object::Architecture::X86_64,
            Endianness::Little,
            &[(SECTION, &corrupt)],
        );
        assert!(matches!(
            parse(&data),
            Err(BinaryError::Manifest(ManifestError::Corrupt {
                offset: 10,
                ..
            }))
        ));

        let mut newer = hello_records();
        newer[4] = FORMAT_VERSION + 1;
        let data = elf(
            object::Architecture::X86_64,
            Endianness::Little,
            &[(SECTION, &newer)],
        );
        assert!(matches!(
            parse(&data),
            Err(BinaryError::Manifest(ManifestError::Incompatible { .. }))
        ));

        let dup = ROUTE.replace("\"line\":4", "\"line\":9");
        let section = records(&[
            (KIND_FRAMEWORK, FW),
            (KIND_APP, APP),
            (KIND_ROUTE, ROUTE),
            (KIND_ROUTE, &dup),
        ]);
        let data = elf(
            object::Architecture::Aarch64,
            Endianness::Little,
            &[(SECTION, &section)],
        );
        let message = parse(&data).unwrap_err().to_string();
        assert!(
            message.contains("examples/helloworld/src/app.rs:4"),
            "{message}"
        );
        assert!(
            message.contains("examples/helloworld/src/app.rs:9"),
            "{message}"
        );
    }

    const HEADER_PAYLOAD: usize = record::HEADER_LEN;

    #[test]
    fn truncated_elf_is_damaged_not_a_panic() {
        let data = elf(
            object::Architecture::X86_64,
            Endianness::Little,
            &[(SECTION, &hello_records())],
        );
        for len in [4, 16, 63, 64, data.len() / 2, data.len() - 1] {
            match parse(&data[..len]) {
                Err(BinaryError::BadElf { reason }) => assert!(!reason.is_empty()),
                other => panic!("truncated to {len}: {other:?}"),
            }
        }
    }

    #[test]
    fn other_files_say_what_they_are() {
        let not_elf = |data: &[u8]| match parse(data) {
            Err(BinaryError::NotElf { looks_like }) => looks_like,
            other => panic!("{other:?}"),
        };
        assert_eq!(not_elf(b""), "an empty file");
        assert_eq!(not_elf(b"fn main() {}\n"), "a text file");
        assert!(not_elf(&[0xcf, 0xfa, 0xed, 0xfe, 0x0c, 0, 0, 1]).contains("Mach-O"));
        assert!(not_elf(b"MZ\x90\x00\x03").contains("PE"));
        // Random-looking bytes.
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let noise: Vec<u8> = (0..4096)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                (state >> 24) as u8
            })
            .collect();
        assert!(not_elf(&noise).starts_with("not an executable"));
        let message = parse(b"").unwrap_err().to_string();
        assert!(message.contains("Linux ELF"), "{message}");
    }

    #[test]
    fn read_errors_name_the_file() {
        let dir = std::env::temp_dir().join(format!("goblet-manifest-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let missing = dir.join("missing");
        let err = read_manifest(&missing).unwrap_err();
        assert!(matches!(err, ReadError::Io { .. }));
        assert!(
            err.to_string()
                .starts_with(&format!("{}: cannot read the file: ", missing.display()))
        );

        let text = dir.join("notes.txt");
        std::fs::write(&text, "hello\n").unwrap();
        let err = read_manifest(&text).unwrap_err();
        assert_eq!(err.path(), text);
        assert!(err.to_string().contains("this is a text file"), "{err}");
        assert_eq!(err.manifest_error(), None);

        let bin = dir.join("app");
        std::fs::write(
            &bin,
            elf(object::Architecture::X86_64, Endianness::Little, &[]),
        )
        .unwrap();
        let err = read_manifest(&bin).unwrap_err();
        assert_eq!(err.manifest_error(), Some(&ManifestError::NotAGobletApp));

        std::fs::write(
            &bin,
            elf(
                object::Architecture::X86_64,
                Endianness::Little,
                &[(SECTION, &hello_records())],
            ),
        )
        .unwrap();
        assert_eq!(read_manifest(&bin).unwrap().app_name, "helloworld");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
