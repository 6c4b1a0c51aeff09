//! `goblet manifest` on real binaries: the helloworld manifest, byte for byte
//! stable; through the `dist` profile; from an aarch64 binary; and clear
//! errors for everything that is not a goblet app.

use std::path::{Path, PathBuf};

use goblet_core::record::SECTION;
use goblet_project::manifest::{Architecture, read_app_binary};
use goblet_tests::build::{self, scratch_dir};
use goblet_tests::cli::goblet;
use object::{Object, ObjectSection};
use serde_json::{Value, json};

/// The line of `#[route("/" ...)]` in examples/helloworld/src/app.rs.
fn index_route_line() -> usize {
    let source =
        std::fs::read_to_string(build::workspace_root().join("examples/helloworld/src/app.rs"))
            .expect("read the helloworld app");
    source
        .lines()
        .position(|l| l.trim_start().starts_with("#[route(\"/\""))
        .expect("helloworld has a route for /")
        + 1
}

fn expected_helloworld() -> Value {
    json!({
        "manifest_version": 1,
        "goblet_version": "0.1.0",
        "app_name": "helloworld",
        "routes": [{
            "path": "/",
            "method": "GET",
            "authorization_type": "AWS_IAM",
            "api_key_required": false,
            "cors": false,
            "content_types": ["application/json"],
            "handler": "helloworld::app::index",
            "path_parameters": [],
            "name": "index",
            "source": format!("examples/helloworld/src/app.rs:{}", index_route_line()),
        }],
    })
}

fn manifest_json(binary: &Path) -> (Value, String) {
    let run = goblet([Path::new("manifest"), binary]);
    assert_eq!(run.code, Some(0), "{run:#?}");
    assert_eq!(run.stderr, "", "{run:#?}");
    let parsed =
        serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.stdout));
    (parsed, run.stdout)
}

#[test]
fn prints_the_helloworld_manifest() {
    let binary = &build::release().helloworld;
    let (manifest, text) = manifest_json(binary);
    assert_eq!(manifest, expected_helloworld());
    // Pretty-printed with a final newline, keys in schema order.
    assert!(
        text.starts_with("{\n  \"manifest_version\": 1,\n  \"goblet_version\""),
        "{text}"
    );
    assert!(text.ends_with("}\n"));
    // Deterministic: a second run prints the same bytes.
    let (_, again) = manifest_json(binary);
    assert_eq!(text, again);
}

#[test]
fn the_library_reports_the_architecture() {
    let app = read_app_binary(&build::release().helloworld).unwrap();
    let host = match std::env::consts::ARCH {
        "x86_64" => Architecture::X86_64,
        "aarch64" => Architecture::Aarch64,
        other => Architecture::Other(other.to_owned()),
    };
    assert_eq!(app.architecture, host);
}

#[test]
fn the_manifest_survives_the_dist_profile() {
    let binary = build::dist_helloworld();
    let (manifest, text) = manifest_json(binary);
    assert_eq!(manifest, expected_helloworld());
    let (release, _) = manifest_json(&build::release().helloworld);
    assert_eq!(manifest, release);
    // The dist binary is stripped: no symbol table, the section is still there.
    let data = std::fs::read(binary).unwrap();
    let file = object::File::parse(&*data).unwrap();
    assert!(
        file.symbol_table().is_none(),
        "the dist binary is not stripped"
    );
    assert!(file.section_by_name(SECTION).is_some());
    assert!(text.contains("\"app_name\": \"helloworld\""));
}

/// Writes the `goblet_routes` section of `binary` into a new ELF file for `arch`.
fn rewrap(
    binary: &Path,
    arch: object::Architecture,
    endian: object::Endianness,
    name: &str,
) -> PathBuf {
    let data = std::fs::read(binary).unwrap();
    let file = object::File::parse(&*data).unwrap();
    let records = file
        .section_by_name(SECTION)
        .expect("helloworld has a goblet_routes section")
        .data()
        .unwrap()
        .to_vec();
    let mut out = object::write::Object::new(object::BinaryFormat::Elf, arch, endian);
    let text = out.section_id(object::write::StandardSection::Text);
    out.append_section_data(text, &[0; 64], 16);
    let section = out.add_section(
        Vec::new(),
        SECTION.as_bytes().to_vec(),
        object::SectionKind::ReadOnlyData,
    );
    out.append_section_data(section, &records, 8);
    let path = scratch_dir("rewrapped").join(name);
    std::fs::write(&path, out.write().unwrap()).unwrap();
    path
}

#[test]
fn the_reader_does_not_care_about_the_host() {
    let helloworld = &build::release().helloworld;
    let aarch64 = rewrap(
        helloworld,
        object::Architecture::Aarch64,
        object::Endianness::Little,
        "helloworld-aarch64",
    );
    let (manifest, _) = manifest_json(&aarch64);
    assert_eq!(manifest, expected_helloworld());
    assert_eq!(
        read_app_binary(&aarch64).unwrap().architecture,
        Architecture::Aarch64
    );

    let s390x = rewrap(
        helloworld,
        object::Architecture::S390x,
        object::Endianness::Big,
        "helloworld-s390x",
    );
    let (manifest, _) = manifest_json(&s390x);
    assert_eq!(manifest, expected_helloworld());
}

#[test]
fn a_binary_without_goblet_is_not_a_goblet_app() {
    let true_bin = ["/bin/true", "/usr/bin/true"]
        .into_iter()
        .map(Path::new)
        .find(|p| p.exists())
        .expect("a `true` binary");
    let run = goblet([Path::new("manifest"), true_bin]);
    let message = run.expect_user_error();
    assert!(
        message.starts_with(&format!("{}: no goblet route manifest", true_bin.display())),
        "{message}"
    );
}

#[test]
fn other_files_get_clear_errors() {
    let dir = scratch_dir("not-binaries");
    let text = dir.join("notes.txt");
    std::fs::write(&text, "not a binary\n").unwrap();
    let message = goblet([Path::new("manifest"), &text])
        .expect_user_error()
        .to_owned();
    assert!(message.contains("this is a text file"), "{message}");
    assert!(message.contains("Linux ELF"), "{message}");

    let empty = dir.join("empty");
    std::fs::write(&empty, "").unwrap();
    let message = goblet([Path::new("manifest"), &empty])
        .expect_user_error()
        .to_owned();
    assert!(message.contains("an empty file"), "{message}");

    let missing = dir.join("missing");
    let message = goblet([Path::new("manifest"), &missing])
        .expect_user_error()
        .to_owned();
    assert!(message.contains("No such file"), "{message}");

    let message = goblet([Path::new("manifest"), &dir])
        .expect_user_error()
        .to_owned();
    assert!(
        message.starts_with(&format!("{}: cannot read", dir.display())),
        "{message}"
    );
}

#[test]
fn a_truncated_binary_is_reported_as_damaged() {
    let data = std::fs::read(&build::release().helloworld).unwrap();
    let dir = scratch_dir("truncated");
    for (name, len) in [
        ("header", 40),
        ("half", data.len() / 2),
        ("almost", data.len() - 100),
    ] {
        let path = dir.join(name);
        std::fs::write(&path, &data[..len]).unwrap();
        let message = goblet([Path::new("manifest"), &path])
            .expect_user_error()
            .to_owned();
        assert!(message.contains("damaged ELF file"), "{name}: {message}");
    }
}

#[test]
fn usage_errors_keep_claps_exit_code() {
    let run = goblet(["manifest"]);
    assert_eq!(run.code, Some(2), "{run:#?}");
    assert!(run.stderr.contains("<BINARY>"), "{run:#?}");
    let run = goblet(["frobnicate"]);
    assert_eq!(run.code, Some(2), "{run:#?}");
    let run = goblet(["--version"]);
    assert_eq!((run.code, run.stdout.as_str()), (Some(0), "goblet 0.1.0\n"));
    let run = goblet(["manifest", "--help"]);
    assert_eq!(run.code, Some(0));
    assert!(run.stdout.contains("goblet_routes"), "{}", run.stdout);
}
