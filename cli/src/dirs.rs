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
    put_private(path, contents, |temporary| std::fs::rename(temporary, path))
}

/// Writes `contents` to `path` readable by the user alone unless `path`
/// exists, at once; `Ok(false)` when it does. Of two processes creating the
/// same file together, one wins and the other learns it lost, so both go on
/// with the winner's file (a rename would let the later one replace what
/// the first already handed out).
pub fn create_private(path: &Path, contents: &[u8]) -> std::io::Result<bool> {
    let mut created = true;
    put_private(path, contents, |temporary| {
        match std::fs::hard_link(temporary, path) {
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => created = false,
            linked => linked?,
        }
        std::fs::remove_file(temporary)
    })?;
    Ok(created)
}

/// Writes `contents` to a temporary file of mode 0600 next to `path` (its
/// folder made with mode 0700), then lets `publish` put it in place; the
/// temporary file is removed if that fails.
fn put_private(
    path: &Path,
    contents: &[u8],
    publish: impl FnOnce(&Path) -> std::io::Result<()>,
) -> std::io::Result<()> {
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
    // Unique per process and call: threads of one process may write at once.
    static WRITES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = WRITES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let temporary = dir.join(format!(".{name}.{}.{n}.tmp", std::process::id()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let written = options.open(&temporary).and_then(|mut file| {
        file.write_all(contents)?;
        file.sync_all()
    });
    match written.and_then(|()| publish(&temporary)) {
        Ok(()) => Ok(()),
        Err(e) => {
            let _ = std::fs::remove_file(&temporary);
            Err(e)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("goblet-dirs-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn of_many_creating_one_file_at_once_exactly_one_wins_and_its_file_stays() {
        let dir = scratch("create");
        let path = dir.join("key.pem");
        let wins: Vec<(usize, bool)> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..8)
                .map(|i| {
                    let path = &path;
                    s.spawn(move || (i, create_private(path, format!("{i}").as_bytes()).unwrap()))
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let winners: Vec<usize> = wins
            .iter()
            .filter(|(_, won)| *won)
            .map(|(i, _)| *i)
            .collect();
        assert_eq!(winners.len(), 1, "{wins:?}");
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            winners[0].to_string()
        );
        assert!(!create_private(&path, b"later").unwrap());
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            winners[0].to_string()
        );
        // Nothing left behind but the file.
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
            let mode = std::fs::metadata(&dir).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o700);
        }
        write_private(&path, b"replaced").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "replaced");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
