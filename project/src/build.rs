//! `--project DIR`: build the app the way its user would, and find the binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("cannot run cargo: {0}")]
    Cargo(std::io::Error),
    #[error("`cargo build --release` failed for {}", .0.display())]
    Failed(PathBuf),
    #[error("`cargo build --release` built no goblet app binary for {}", .0.display())]
    NoBinary(PathBuf),
}

/// `cargo build --release` of the project in `dir` (compiler output goes to
/// our stderr), returning the goblet app binary it built: the project's own
/// binaries first, the first one holding a goblet manifest wins.
pub fn release_binary(dir: &Path) -> Result<PathBuf, BuildError> {
    let manifest_path = dir.join("Cargo.toml");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(cargo)
        .args([
            "build",
            "--release",
            "--message-format=json-render-diagnostics",
            "--manifest-path",
        ])
        .arg(&manifest_path)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .output()
        .map_err(BuildError::Cargo)?;
    if !output.status.success() {
        return Err(BuildError::Failed(dir.to_owned()));
    }
    let wanted = manifest_path.canonicalize().unwrap_or(manifest_path);
    let mut candidates: Vec<(bool, PathBuf)> = output
        .stdout
        .split(|&b| b == b'\n')
        .filter_map(|line| serde_json::from_slice::<serde_json::Value>(line).ok())
        .filter(|m| m["reason"] == "compiler-artifact")
        .filter_map(|m| {
            let same_package = m["manifest_path"]
                .as_str()
                .is_some_and(|p| Path::new(p) == wanted);
            Some((same_package, PathBuf::from(m["executable"].as_str()?)))
        })
        .collect();
    candidates.sort_by_key(|(same, _)| !same);
    candidates
        .into_iter()
        .map(|(_, path)| path)
        .find(|path| crate::manifest::read_app_binary(path).is_ok())
        .ok_or_else(|| BuildError::NoBinary(dir.to_owned()))
}
