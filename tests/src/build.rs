//! Cargo builds the tests need, each done once per test process.
//!
//! Parallel tests share one build through a `OnceLock`; separate test
//! processes (or a `scripts/test.sh` build just before) share it through cargo
//! itself, which locks the target directory and rebuilds nothing up to date.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

/// The workspace root (`/work/main` in the dev container).
pub fn workspace_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ is inside the workspace")
}

/// Cargo's target directory: `CARGO_TARGET_DIR` when set, else `<root>/target`.
pub fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if !dir.is_empty() => workspace_root().join(dir),
        _ => workspace_root().join("target"),
    }
}

/// A scratch directory of the tests under the target directory.
pub fn scratch_dir(name: &str) -> PathBuf {
    let dir = target_dir().join("goblet-tests").join(name);
    std::fs::create_dir_all(&dir)
        .unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
    dir
}

/// `cargo`, the one running the tests when there is one.
pub fn cargo() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

/// Runs a cargo command; `Err` holds its output when it fails.
pub fn run_cargo(mut command: Command) -> Result<Output, String> {
    let shown = format!("{command:?}");
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("cannot run {shown}: {e}"));
    if output.status.success() {
        Ok(output)
    } else {
        Err(format!(
            "{shown} failed ({}):\n{}{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ))
    }
}

/// The release binaries the end-to-end tests run.
#[derive(Debug)]
pub struct ReleaseBinaries {
    pub goblet: PathBuf,
    pub helloworld: PathBuf,
    pub showcase: PathBuf,
    /// `tests/fixtures/raw-proxy-function`: a manifest, and proxy responses
    /// of its own making.
    pub raw_proxy_function: PathBuf,
    /// `examples/todo`: the real app, over DynamoDB.
    pub todo: PathBuf,
    /// `examples/orders`: routes behind Lambda authorizers.
    pub orders: PathBuf,
    /// `examples/members`: routes behind a Cognito user pool authorizer.
    pub members: PathBuf,
    /// `examples/catalog`: routes behind an external authorizer (`function_arn`).
    pub catalog: PathBuf,
    /// `examples/passport`: a shared authorizer function, standing in for
    /// catalog's.
    pub passport: PathBuf,
    /// `examples/pipeline`: one handler of every event source.
    pub pipeline: PathBuf,
    /// `examples/jobs`: a route and functions `goblet deploy` deploys.
    pub jobs: PathBuf,
}

/// Builds `goblet`, the examples and `raw-proxy-function` in release mode, once.
pub fn release() -> &'static ReleaseBinaries {
    static BUILT: OnceLock<ReleaseBinaries> = OnceLock::new();
    BUILT.get_or_init(|| {
        let mut command = cargo();
        command.current_dir(workspace_root()).args([
            "build",
            "--release",
            "-p",
            "helloworld",
            "-p",
            "showcase",
            "-p",
            "raw-proxy-function",
            "-p",
            "todo",
            "-p",
            "orders",
            "-p",
            "members",
            "-p",
            "catalog",
            "-p",
            "passport",
            "-p",
            "pipeline",
            "-p",
            "jobs",
            "-p",
            "goblet-cli",
        ]);
        run_cargo(command).unwrap_or_else(|e| panic!("{e}"));
        let dir = target_dir().join("release");
        ReleaseBinaries {
            goblet: dir.join("goblet"),
            helloworld: dir.join("helloworld"),
            showcase: dir.join("showcase"),
            raw_proxy_function: dir.join("raw-proxy-function"),
            todo: dir.join("todo"),
            orders: dir.join("orders"),
            members: dir.join("members"),
            catalog: dir.join("catalog"),
            passport: dir.join("passport"),
            pipeline: dir.join("pipeline"),
            jobs: dir.join("jobs"),
        }
    })
}

/// `helloworld` built with the `dist` profile: fat LTO, `opt-level = "z"`, stripped.
pub fn dist_helloworld() -> &'static Path {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT.get_or_init(|| {
        let mut command = cargo();
        command.current_dir(workspace_root()).args([
            "build",
            "--profile",
            "dist",
            "-p",
            "helloworld",
        ]);
        run_cargo(command).unwrap_or_else(|e| panic!("{e}"));
        target_dir().join("dist").join("helloworld")
    })
}

/// A copy of `examples/helloworld` as a crate of its own, outside the
/// workspace, to edit and rebuild. Every standalone app shares one target
/// directory, so goblet and its dependencies are compiled once.
#[derive(Debug)]
pub struct StandaloneApp {
    dir: PathBuf,
    name: String,
}

impl StandaloneApp {
    /// A fresh copy named `name`; give each test its own name, since apps
    /// sharing a target directory must not share a binary name.
    pub fn new(name: &str) -> StandaloneApp {
        let dir = scratch_dir("apps").join(name);
        let _ = std::fs::remove_dir_all(dir.join("src"));
        std::fs::create_dir_all(dir.join("src")).expect("create the app's src/");
        let framework = workspace_root().join("framework");
        let manifest = format!(
            "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2024\"\npublish = false\n\n\
             [dependencies]\ngoblet = {{ path = {framework:?} }}\n\n\
             # Not a member of the goblet workspace around it.\n[workspace]\n",
            framework = framework.display().to_string(),
        );
        std::fs::write(dir.join("Cargo.toml"), manifest).expect("write Cargo.toml");
        // The workspace's lock file pins the same dependency versions.
        if !dir.join("Cargo.lock").exists() {
            std::fs::copy(workspace_root().join("Cargo.lock"), dir.join("Cargo.lock"))
                .expect("copy Cargo.lock");
        }
        let example = workspace_root().join("examples/helloworld/src");
        for entry in std::fs::read_dir(&example).expect("read examples/helloworld/src") {
            let entry = entry.expect("list examples/helloworld/src");
            if entry.path().extension().is_some_and(|e| e == "rs") {
                std::fs::copy(entry.path(), dir.join("src").join(entry.file_name()))
                    .expect("copy the example's sources");
            }
        }
        StandaloneApp {
            dir,
            name: name.to_owned(),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Adds a line to the app's `[dependencies]`, e.g.
    /// `tracing = "0.1"` (versions the workspace's lock file pins).
    pub fn depend_on(&self, dependency: &str) {
        let path = self.dir.join("Cargo.toml");
        let manifest = std::fs::read_to_string(&path).expect("read Cargo.toml");
        let manifest = manifest.replacen(
            "[dependencies]\n",
            &format!("[dependencies]\n{dependency}\n"),
            1,
        );
        std::fs::write(&path, manifest).expect("write Cargo.toml");
    }

    /// The contents of `src/<file>`.
    pub fn read(&self, file: &str) -> String {
        std::fs::read_to_string(self.dir.join("src").join(file)).expect("read a source file")
    }

    /// Writes `src/<file>`.
    pub fn write(&self, file: &str, contents: &str) {
        std::fs::write(self.dir.join("src").join(file), contents).expect("write a source file");
    }

    /// Builds the app (dev profile: the manifest does not depend on it) and
    /// returns its binary, or the compiler's output when the build fails.
    pub fn build(&self) -> Result<PathBuf, String> {
        let target = scratch_dir("standalone-target");
        let mut command = cargo();
        command
            .current_dir(&self.dir)
            .env("CARGO_TARGET_DIR", &target)
            .args(["build", "--quiet", "--color", "never"]);
        run_cargo(command)?;
        Ok(target.join("debug").join(&self.name))
    }
}
