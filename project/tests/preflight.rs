//! `preflight::check`: each way a binary can be unfit for Lambda, with its message.

use std::io::Read;

use goblet_project::config::{self, Architecture, Overrides, StageConfig};
use goblet_project::preflight::{self, PreflightErrorKind};
use goblet_project::zip::{bootstrap_zip, code_sha256_base64};
use goblet_tests::elf::{Elf, records, route, scratch};
use object::elf;

fn config() -> StageConfig {
    StageConfig::defaults("hello", "dev")
}

fn check(elf: &Elf, config: &StageConfig) -> Result<preflight::Checked, String> {
    // One folder per call: tests run in parallel, and `scratch` empties it.
    static CALLS: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let call = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = scratch(&format!("preflight-{}-{call}", std::process::id()));
    let path = dir.join(format!(
        "app-{:x}",
        elf.build().len() ^ elf.machine as usize
    ));
    std::fs::write(&path, elf.build()).unwrap();
    let result = preflight::check(&path, config).map_err(|e| {
        let message = e.to_string();
        assert!(
            message.starts_with(&format!("{}: ", path.display())),
            "{message}"
        );
        message
    });
    let _ = std::fs::remove_file(&path);
    result
}

#[test]
fn a_good_binary_passes_with_its_zip() {
    let checked = check(&Elf::hello(), &config()).unwrap();
    assert_eq!(checked.manifest.app_name, "hello");
    assert_eq!(checked.glibc_needed, Some((2, 34)));
    assert_eq!(checked.zip, bootstrap_zip(&Elf::hello().build()).unwrap());
    assert_eq!(checked.zip_sha256_b64, code_sha256_base64(&checked.zip));
}

#[test]
fn a_static_binary_needs_no_glibc() {
    let static_exe = Elf {
        glibc: vec![],
        e_type: elf::ET_EXEC,
        ..Elf::hello()
    };
    assert_eq!(check(&static_exe, &config()).unwrap().glibc_needed, None);
}

#[test]
fn rejects_a_file_that_is_not_elf() {
    let dir = scratch("preflight-text");
    let path = dir.join("notes.txt");
    std::fs::write(&path, "fn main() {}\n").unwrap();
    let message = preflight::check(&path, &config()).unwrap_err().to_string();
    assert!(message.contains("this is a text file"), "{message}");
    assert!(message.contains("Linux ELF"), "{message}");

    let message = preflight::check(&dir.join("missing"), &config())
        .unwrap_err()
        .to_string();
    assert!(message.contains("cannot read the file"), "{message}");
}

#[test]
fn rejects_an_object_file_and_a_library() {
    let object = Elf {
        e_type: elf::ET_REL,
        ..Elf::hello()
    };
    let message = check(&object, &config()).unwrap_err();
    assert!(
        message.contains("an object file (.o), not a linked executable"),
        "{message}"
    );

    // `ET_DYN` is also what a position-independent executable is (as
    // `Elf::hello` is): only the missing entry point tells a library apart.
    let library = Elf::shared_library();
    assert_eq!(library.e_type, elf::ET_DYN);
    let parsed = library.build();
    let parsed = object::File::parse(parsed.as_slice()).unwrap();
    assert_eq!(
        (
            object::Object::kind(&parsed),
            object::Object::entry(&parsed)
        ),
        (object::ObjectKind::Dynamic, 0)
    );
    let message = check(&library, &config()).unwrap_err();
    assert!(
        message.ends_with(
            ": this is a shared library, not a linked executable: \
             deploy the app's binary, e.g. target/release/APP"
        ),
        "{message}"
    );
}

#[test]
fn rejects_the_wrong_architecture() {
    let arm = Elf {
        machine: elf::EM_AARCH64,
        ..Elf::hello()
    };
    let message = check(&arm, &config()).unwrap_err();
    assert!(
        message.contains("built for arm64 but the function is configured for x86_64"),
        "{message}"
    );
    assert!(message.contains("architecture = \"arm64\""), "{message}");
    // Configured for arm64, it passes.
    let arm_config = StageConfig {
        architecture: Architecture::Arm64,
        ..config()
    };
    check(&arm, &arm_config).unwrap();
    // And an x86_64 binary then fails the other way.
    let message = check(&Elf::hello(), &arm_config).unwrap_err();
    assert!(
        message.contains("built for x86_64 but the function is configured for arm64"),
        "{message}"
    );

    let s390 = Elf {
        machine: elf::EM_S390,
        ..Elf::hello()
    };
    let message = check(&s390, &config()).unwrap_err();
    assert!(
        message.contains("which AWS Lambda does not run"),
        "{message}"
    );
}

#[test]
fn rejects_a_binary_needing_a_newer_glibc() {
    let newer = Elf {
        glibc: vec![
            "GLIBC_2.2.5".into(),
            "GLIBC_2.38".into(),
            "GLIBC_2.34".into(),
        ],
        ..Elf::hello()
    };
    let dir = scratch("preflight-glibc");
    let path = dir.join("app");
    std::fs::write(&path, newer.build()).unwrap();
    assert_eq!(preflight::glibc_needed(&newer.build()), Ok(Some((2, 38))));
    let err = preflight::check(&path, &config()).unwrap_err();
    assert!(matches!(
        err.kind,
        PreflightErrorKind::GlibcTooNew {
            needed: (2, 38),
            ..
        }
    ));
    let message = err.to_string();
    assert!(message.contains("needs glibc 2.38"), "{message}");
    assert!(
        message.contains("provided.al2023 runtime has glibc 2.34"),
        "{message}"
    );
    assert!(message.contains("x86_64-unknown-linux-musl"), "{message}");
    assert!(
        message.contains("cargo zigbuild --release --target x86_64-unknown-linux-gnu.2.34"),
        "{message}"
    );

    let arm = Elf {
        machine: elf::EM_AARCH64,
        ..newer
    };
    let arm_config = StageConfig {
        architecture: Architecture::Arm64,
        ..config()
    };
    let message = check(&arm, &arm_config).unwrap_err();
    assert!(message.contains("aarch64-unknown-linux-musl"), "{message}");
}

#[test]
fn rejects_a_binary_without_a_manifest_or_routes() {
    let plain = Elf {
        routes: None,
        ..Elf::hello()
    };
    let message = check(&plain, &config()).unwrap_err();
    assert!(
        message.contains("no goblet route manifest in this binary"),
        "{message}"
    );

    let no_routes = Elf {
        routes: Some(records("hello", &[])),
        ..Elf::hello()
    };
    let message = check(&no_routes, &config()).unwrap_err();
    assert!(message.contains("app `hello` has no routes"), "{message}");

    let duplicate = Elf {
        routes: Some(records(
            "hello",
            &[
                &route("/", "GET", "NONE", false, false),
                &route("/", "GET", "NONE", false, false),
            ],
        )),
        ..Elf::hello()
    };
    // Same file:line twice is still two handlers for one route.
    let message = check(&duplicate, &config()).unwrap_err();
    assert!(message.contains("is defined twice"), "{message}");
}

#[test]
fn a_bad_configuration_is_named_before_any_check() {
    let dir = scratch("preflight-config");
    let write_config = |goblet: &str| {
        std::fs::write(
            dir.join("Cargo.toml"),
            format!("[package]\nname = \"hello\"\n[package.metadata.goblet]\n{goblet}"),
        )
        .unwrap()
    };
    // A binary that fails pre-flight twice over (a library, for arm64 while
    // the stage is x86_64), but whose manifest reads: the app name the
    // configuration's defaults need comes from it.
    let binary = dir.join("app");
    let bad_binary = Elf {
        machine: elf::EM_AARCH64,
        ..Elf::shared_library()
    };
    std::fs::write(&binary, bad_binary.build()).unwrap();
    let source = goblet_project::AppSource {
        project: Some(dir.clone()),
        binary: Some(binary.clone()),
    };
    let resolve = || goblet_project::resolve(&source, &Overrides::default());

    // What every command does first (`goblet package`, `deploy`): resolve the
    // app, configuration included, then pre-flight the binary. The
    // configuration error is the one reported.
    write_config("timeout = 0\n");
    let err = resolve().unwrap_err();
    assert!(
        matches!(err, goblet_project::ResolveError::Config(_)),
        "{err:?}"
    );
    let message = err.to_string();
    assert!(
        message
            .ends_with("[package.metadata.goblet] timeout = 0: must be between 1 and 900 seconds"),
        "{message}"
    );
    assert!(!message.contains("shared library"), "{message}");
    assert!(!message.contains("arm64"), "{message}");
    let message = config::load(&dir, "hello", &Overrides::default())
        .unwrap_err()
        .to_string();
    assert!(
        message.ends_with("must be between 1 and 900 seconds"),
        "{message}"
    );

    // With the configuration fixed, the same binary resolves and only then
    // fails pre-flight: the error above hid a real binary error.
    write_config("timeout = 30\n");
    let resolved = resolve().unwrap();
    let config = resolved.config.expect("the project's configuration");
    assert_eq!(config.timeout_s, 30);
    let message = preflight::check(&binary, &config).unwrap_err().to_string();
    assert!(message.contains("this is a shared library"), "{message}");
}

#[test]
fn the_zip_is_deterministic_and_lambda_shaped() {
    let binary = Elf::hello().build();
    let a = bootstrap_zip(&binary).unwrap();
    let b = bootstrap_zip(&binary).unwrap();
    assert_eq!(a, b);
    assert_eq!(code_sha256_base64(&a), code_sha256_base64(&b));
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(&a)).unwrap();
    assert_eq!(archive.len(), 1);
    let mut entry = archive.by_index(0).unwrap();
    assert_eq!(entry.name().unwrap(), "bootstrap");
    assert_eq!(entry.unix_mode(), Some(0o100755));
    let time = entry.last_modified().unwrap();
    assert_eq!((time.year(), time.month(), time.day()), (1980, 1, 1));
    let mut unzipped = Vec::new();
    entry.read_to_end(&mut unzipped).unwrap();
    assert_eq!(unzipped, binary);
}
