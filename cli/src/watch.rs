//! `goblet local --watch`: rebuild the project when its files change and hand
//! each build that succeeds to the running `goblet local`; a build that fails
//! leaves the previous one serving.

use std::path::{Component, Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use goblet_local::reload::{Build, Reloader};
use notify::{EventKind, RecursiveMode, Watcher as _};

/// How long the files must stay quiet before a rebuild starts: an editor's
/// save, a `git checkout` or a formatter touch several files at once.
const QUIET: Duration = Duration::from_millis(200);

/// A rebuild starts at most this long after the first change, however busy
/// the files are.
const MOST_DELAY: Duration = Duration::from_secs(2);

/// How many builds' binaries are kept: the one serving, and those whose
/// gateways may still be draining.
const KEPT_BUILDS: usize = 3;

#[derive(Debug, thiserror::Error)]
pub enum WatchError {
    #[error("cannot watch {}: {error}", path.display())]
    Watch { path: PathBuf, error: notify::Error },
    #[error("cannot keep a copy of the build {}: {error}", binary.display())]
    Keep {
        binary: PathBuf,
        error: std::io::Error,
    },
}

/// The project's files, watched; started before the first build so that an
/// edit made while it runs still triggers a rebuild.
pub struct Watch {
    project: PathBuf,
    // Kept alive: dropping the watcher ends the events.
    watcher: notify::RecommendedWatcher,
    events: mpsc::Receiver<notify::Result<notify::Event>>,
    builds: Builds,
    /// Changes seen while a build ran, for the next one.
    pending: Vec<PathBuf>,
}

impl Watch {
    pub fn start(project: &Path) -> Result<Watch, WatchError> {
        let project = project
            .canonicalize()
            .unwrap_or_else(|_| project.to_owned());
        let watch_error = |path: &Path| {
            let path = path.to_owned();
            move |error| WatchError::Watch { path, error }
        };
        let (tx, events) = mpsc::channel();
        let mut watcher = notify::recommended_watcher(tx).map_err(watch_error(&project))?;
        // The project's own folder, and each of its folders but the ignored
        // ones: watching `target/` would cost a watch per build folder.
        watcher
            .watch(&project, RecursiveMode::NonRecursive)
            .map_err(watch_error(&project))?;
        let entries = std::fs::read_dir(&project).map_err(|e| WatchError::Watch {
            path: project.clone(),
            error: e.into(),
        })?;
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() && !ignored(&project, &path) {
                watcher
                    .watch(&path, RecursiveMode::Recursive)
                    .map_err(watch_error(&path))?;
            }
        }
        Ok(Watch {
            project,
            watcher,
            events,
            builds: Builds::new(),
            pending: Vec::new(),
        })
    }

    /// A copy of `binary` that no later build overwrites, for `goblet local`
    /// to start its workers from.
    pub fn keep(&mut self, binary: &Path) -> Result<PathBuf, WatchError> {
        self.builds.keep(binary)
    }

    /// Rebuilds on every change until `goblet local` stops, on a thread of
    /// its own. The kept builds are removed when the returned guard drops.
    pub fn spawn(mut self, reloader: Reloader) -> std::io::Result<KeptBuilds> {
        let kept = KeptBuilds(self.builds.dir.clone());
        std::thread::Builder::new()
            .name("goblet-watch".into())
            .spawn(move || {
                // The first build ran before this thread.
                self.after_build();
                while let Some(changed) = self.next_change() {
                    if !self.rebuild(&changed, &reloader) {
                        return;
                    }
                    self.after_build();
                }
            })
            .map(|_| kept)
    }

    /// The project's files changed since the last build, once they are quiet;
    /// `None` when the watcher is gone.
    fn next_change(&mut self) -> Option<Vec<PathBuf>> {
        let mut changed = std::mem::take(&mut self.pending);
        // Waits for the first change that matters, then gathers more until
        // the files are quiet.
        while changed.is_empty() {
            let event = self.events.recv().ok()?;
            self.note(event, &mut changed);
        }
        let started = Instant::now();
        while started.elapsed() < MOST_DELAY {
            match self.events.recv_timeout(QUIET) {
                Ok(event) => self.note(event, &mut changed),
                Err(mpsc::RecvTimeoutError::Timeout) => break,
                Err(mpsc::RecvTimeoutError::Disconnected) => return None,
            }
        }
        Some(changed)
    }

    /// Keeps the changes made while a build ran, except cargo's own rewrite
    /// of `Cargo.lock`, which would otherwise trigger a second build.
    fn after_build(&mut self) {
        let mut pending = std::mem::take(&mut self.pending);
        while let Ok(event) = self.events.try_recv() {
            self.note(event, &mut pending);
        }
        pending.retain(|p| p != Path::new("Cargo.lock"));
        self.pending = pending;
    }

    /// Adds the paths of `event` that matter to `changed` (and watches a new
    /// folder of the project's).
    fn note(&mut self, event: notify::Result<notify::Event>, changed: &mut Vec<PathBuf>) {
        let event = match event {
            Ok(event) => event,
            Err(e) => {
                tracing::warn!("file watch: {e}");
                return;
            }
        };
        if matches!(event.kind, EventKind::Access(_)) {
            return;
        }
        for path in event.paths {
            if ignored(&self.project, &path) {
                continue;
            }
            if matches!(event.kind, EventKind::Create(_))
                && path.parent() == Some(self.project.as_path())
                && path.is_dir()
            {
                let _ = self.watcher.watch(&path, RecursiveMode::Recursive);
            }
            let relative = path.strip_prefix(&self.project).unwrap_or(&path).to_owned();
            if !changed.contains(&relative) {
                changed.push(relative);
            }
        }
    }

    /// One rebuild; `false` once `goblet local` has stopped.
    fn rebuild(&mut self, changed: &[PathBuf], reloader: &Reloader) -> bool {
        if !reloader.note(format!("Rebuilding ({} changed)…", describe(changed))) {
            return false;
        }
        // The compiler's output goes to stderr as it comes, as for the first build.
        let built = goblet_project::build::release_binary(&self.project)
            .map_err(|e| e.to_string())
            .and_then(|binary| {
                // Read as the first build was: the manifest joined to the
                // project's configuration (its authorizers).
                let source = goblet_project::AppSource {
                    project: Some(self.project.clone()),
                    binary: Some(binary),
                };
                let resolved = goblet_project::resolve(&source, &Default::default())
                    .map_err(|e| e.to_string())?;
                let kept = self
                    .builds
                    .keep(&resolved.binary)
                    .map_err(|e| e.to_string())?;
                Ok(Build {
                    binary: kept,
                    manifest: resolved.app.manifest,
                })
            });
        match built {
            Ok(build) => reloader.serve(build),
            Err(e) => reloader.note(format!(
                "{e}\nBuild failed: still serving the previous build"
            )),
        }
    }
}

/// `src/app.rs`, `src/app.rs and src/lib.rs`, `src/app.rs and 3 more`.
fn describe(changed: &[PathBuf]) -> String {
    let name = |p: &PathBuf| p.display().to_string();
    match changed {
        [] => "the project".to_owned(),
        [one] => name(one),
        [one, two] => format!("{} and {}", name(one), name(two)),
        [one, rest @ ..] => format!("{} and {} more", name(one), rest.len()),
    }
}

/// Build output (`target/`) and hidden files and folders (`.goblet/`,
/// `.git/`, editors' swap files) do not trigger a build.
fn ignored(project: &Path, path: &Path) -> bool {
    let Ok(relative) = path.strip_prefix(project) else {
        return true;
    };
    relative.components().enumerate().any(|(i, c)| match c {
        Component::Normal(name) => {
            let name = name.to_string_lossy();
            (i == 0 && name == "target") || name.starts_with('.') || name.ends_with('~')
        }
        _ => false,
    })
}

/// Copies of the builds served, in a folder of this process's; cargo
/// overwrites its binary on the next build while the old build's workers
/// may still start from it.
struct Builds {
    dir: PathBuf,
    kept: Vec<PathBuf>,
    next: u64,
}

impl Builds {
    fn new() -> Builds {
        Builds {
            dir: std::env::temp_dir().join(format!("goblet-local-{}", std::process::id())),
            kept: Vec::new(),
            next: 1,
        }
    }

    fn keep(&mut self, binary: &Path) -> Result<PathBuf, WatchError> {
        let keep_error = |error| WatchError::Keep {
            binary: binary.to_owned(),
            error,
        };
        let folder = self.dir.join(format!("build-{}", self.next));
        self.next += 1;
        std::fs::create_dir_all(&folder).map_err(keep_error)?;
        let name = binary.file_name().unwrap_or("bootstrap".as_ref());
        let copy = folder.join(name);
        std::fs::copy(binary, &copy).map_err(keep_error)?;
        self.kept.push(folder);
        while self.kept.len() > KEPT_BUILDS {
            let _ = std::fs::remove_dir_all(self.kept.remove(0));
        }
        Ok(copy)
    }
}

/// Removes the kept builds' folder when dropped (when `goblet local` ends).
pub struct KeptBuilds(PathBuf);

impl Drop for KeptBuilds {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn build_output_and_hidden_files_are_ignored() {
        let project = Path::new("/p");
        for path in [
            "/p/target/release/app",
            "/p/.goblet/deployed/dev.json",
            "/p/.git/index",
            "/p/src/.app.rs.swp",
            "/p/src/app.rs~",
            "/elsewhere/src/app.rs",
        ] {
            assert!(ignored(project, Path::new(path)), "{path}");
        }
        for path in ["/p/src/app.rs", "/p/Cargo.toml", "/p/src/target/mod.rs"] {
            assert!(!ignored(project, Path::new(path)), "{path}");
        }
        let paths = |names: &[&str]| names.iter().map(PathBuf::from).collect::<Vec<_>>();
        assert_eq!(describe(&paths(&["src/app.rs"])), "src/app.rs");
        assert_eq!(describe(&paths(&["a", "b"])), "a and b");
        assert_eq!(describe(&paths(&["a", "b", "c"])), "a and 2 more");
    }
}
