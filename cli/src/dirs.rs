//! goblet's own files, kept apart from `~/.aws`, in the XDG base
//! directories: data in `$XDG_DATA_HOME/goblet/` (else
//! `~/.local/share/goblet/`), caches in `$XDG_CACHE_HOME/goblet/` (else
//! `~/.cache/goblet/`). Files holding secrets are written with mode 0600 in
//! folders of mode 0700, by an atomic rename.

use std::io::Write as _;
use std::path::{Path, PathBuf};

/// `$XDG_DATA_HOME/goblet`, else `~/.local/share/goblet`.
pub fn data_dir() -> Option<PathBuf> {
    base_dir("XDG_DATA_HOME", ".local/share")
}

/// `$XDG_CACHE_HOME/goblet`, else `~/.cache/goblet`.
pub fn cache_dir() -> Option<PathBuf> {
    base_dir("XDG_CACHE_HOME", ".cache")
}

/// The XDG variable when it holds an absolute path (the specification says
/// to ignore a relative one), else the default under `HOME`.
fn base_dir(variable: &str, default_under_home: &str) -> Option<PathBuf> {
    let base = std::env::var_os(variable)
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| home().map(|home| home.join(default_under_home)))?;
    Some(base.join("goblet"))
}

/// The user's home folder, `HOME` (as the AWS SDKs find `~/.aws`).
pub fn home() -> Option<PathBuf> {
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
}

/// Writes `contents` to `path` readable by the user alone, replacing it at
/// once: a reader sees the old file or the new one, never half of one.
pub fn write_private(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temporary = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let written = options.open(&temporary).and_then(|mut file| {
        file.write_all(contents)?;
        file.sync_all()
    });
    match written.and_then(|()| std::fs::rename(&temporary, path)) {
        Ok(()) => Ok(()),
        Err(e) => {
            let _ = std::fs::remove_file(&temporary);
            Err(e)
        }
    }
}
