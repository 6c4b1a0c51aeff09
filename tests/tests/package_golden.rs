//! `goblet package` of the showcase, in every format, against the files
//! committed in `tests/golden/package/` before the deployer was split into
//! crates: what the templates say must not change by accident.
//!
//! The code's hash (Terraform's `source_code_hash`) depends on the showcase
//! binary, which any change to the framework changes; it is checked against
//! the zip written next to the template instead of against the golden file.
//!
//! To accept an intended change: `GOBLET_BLESS=1 cargo test -p goblet-tests
//! --test package_golden`, then review the diff of `tests/golden/`.

use std::path::PathBuf;

use base64::Engine as _;
use goblet_tests::build::{release, scratch_dir, workspace_root};
use goblet_tests::cli;

const FORMATS: [(&str, &str); 3] = [
    ("cloudformation", "template.json"),
    ("sam", "sam.json"),
    ("terraform", "main.tf"),
];

/// The marker that stands for the code's hash in the golden Terraform file.
const HASH_MARKER: &str = "<source_code_hash>";

fn golden_dir() -> PathBuf {
    workspace_root().join("tests/golden/package/showcase")
}

/// Terraform's `source_code_hash = "…"` value replaced by [`HASH_MARKER`];
/// returns the text and the value it held.
fn without_code_hash(text: &str) -> (String, Option<String>) {
    let mut hash = None;
    let lines: Vec<String> = text
        .lines()
        .map(|line| {
            let trimmed = line.trim_start();
            match trimmed.strip_prefix("source_code_hash") {
                Some(rest) => {
                    let value = rest.trim_start_matches([' ', '=']).trim_matches('"');
                    hash = Some(value.to_owned());
                    let indent = &line[..line.len() - trimmed.len()];
                    format!("{indent}source_code_hash = \"{HASH_MARKER}\"")
                }
                // CloudFormation's version: its `CodeSha256`, and the
                // logical id hashed from the code (`FunctionVersion{hash8}`).
                None if trimmed.starts_with("\"CodeSha256\": \"") => {
                    let value = trimmed["\"CodeSha256\": ".len()..].trim_end_matches(',');
                    hash = Some(value.trim_matches('"').to_owned());
                    let indent = &line[..line.len() - trimmed.len()];
                    let comma = if trimmed.ends_with(',') { "," } else { "" };
                    format!("{indent}\"CodeSha256\": \"{HASH_MARKER}\"{comma}")
                }
                None => version_id_unhashed(line),
            }
        })
        .collect();
    let mut out = lines.join("\n");
    if text.ends_with('\n') {
        out.push('\n');
    }
    (out, hash)
}

/// `FunctionVersion9b1607d2` → `FunctionVersion<code hash>`: the id changes
/// with every build of the binary.
fn version_id_unhashed(line: &str) -> String {
    const ID: &str = "FunctionVersion";
    let Some(at) = line.find(ID) else {
        return line.to_owned();
    };
    let hex = &line[at + ID.len()..];
    let len = hex.bytes().take_while(u8::is_ascii_hexdigit).count();
    if len != 8 {
        return line.to_owned();
    }
    format!("{}{ID}{HASH_MARKER}{}", &line[..at], &hex[len..])
}

#[test]
fn package_output_is_byte_identical_to_the_golden_files() {
    let showcase = &release().showcase;
    let bless = std::env::var_os("GOBLET_BLESS").is_some();
    let mut mismatches = Vec::new();
    for (format, file) in FORMATS {
        let out = scratch_dir(&format!("package-golden-{format}"));
        let run = cli::goblet([
            "package".as_ref(),
            "--format".as_ref(),
            format.as_ref(),
            "--project".as_ref(),
            workspace_root().join("examples/showcase").as_os_str(),
            "--binary".as_ref(),
            showcase.as_os_str(),
            out.as_os_str(),
        ]);
        assert_eq!(
            run.code,
            Some(0),
            "goblet package --format {format}: {run:#?}"
        );
        let written = std::fs::read_to_string(out.join(file)).expect("the template");
        let (text, hash) = without_code_hash(&written);
        if format == "terraform" || format == "cloudformation" {
            let zip = std::fs::read(out.join("bootstrap.zip")).expect("bootstrap.zip");
            let sha = sha256(&zip);
            assert_eq!(
                hash.as_deref(),
                Some(
                    base64::engine::general_purpose::STANDARD
                        .encode(sha)
                        .as_str()
                ),
                "{format}: the code hash is the base64 SHA-256 of bootstrap.zip"
            );
        }
        let golden = golden_dir().join(file);
        if bless {
            std::fs::create_dir_all(golden_dir()).expect("golden dir");
            std::fs::write(&golden, &text).expect("write golden");
            continue;
        }
        let expected = std::fs::read_to_string(&golden)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", golden.display()));
        if text != expected {
            let actual = out.join(format!("{file}.normalized"));
            std::fs::write(&actual, &text).expect("write actual");
            mismatches.push(format!(
                "{format}: {} differs from {} (diff them)",
                actual.display(),
                golden.display()
            ));
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

/// SHA-256 through the system's `sha256sum`, so this test needs no hashing crate.
fn sha256(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write as _;
    use std::process::{Command, Stdio};
    let mut child = Command::new("sha256sum")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("sha256sum");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(bytes)
        .expect("write to sha256sum");
    let output = child.wait_with_output().expect("sha256sum output");
    let hex = String::from_utf8(output.stdout).expect("hex");
    let hex = hex.split_whitespace().next().expect("a digest");
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex digit"))
        .collect()
}
