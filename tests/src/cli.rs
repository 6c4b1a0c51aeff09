//! Runs the real `goblet` binary.

use std::ffi::OsStr;
use std::process::{Command, Output};

use crate::build;

/// What one `goblet` run printed, and how it ended.
#[derive(Debug)]
pub struct Run {
    /// The exit code; `None` when killed by a signal.
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Asserts the run failed the way a user error should: exit code 1, one
    /// `error: ...` line on stderr, no panic, nothing on stdout. Returns the
    /// message after `error: `.
    pub fn expect_user_error(&self) -> &str {
        assert_eq!(self.code, Some(1), "{self:#?}");
        assert!(!self.stderr.contains("panicked"), "{self:#?}");
        assert_eq!(self.stdout, "", "{self:#?}");
        let lines: Vec<&str> = self.stderr.lines().collect();
        assert_eq!(lines.len(), 1, "one error line expected: {self:#?}");
        lines[0]
            .strip_prefix("error: ")
            .unwrap_or_else(|| panic!("no `error: ` prefix: {self:#?}"))
    }
}

/// Runs the release `goblet` with `args`, without the caller's `RUST_LOG`.
pub fn goblet<I, S>(args: I) -> Run
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    run(command().args(args))
}

/// The release `goblet` without the caller's `RUST_LOG`, to add arguments and
/// environment to.
pub fn command() -> Command {
    let mut command = Command::new(&build::release().goblet);
    command.env_remove("RUST_LOG");
    command
}

/// Runs `command` to completion (stdin: none, so not a terminal).
pub fn run(command: &mut Command) -> Run {
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("cannot run {command:?}: {e}"));
    Run::from(output)
}

impl From<Output> for Run {
    fn from(output: Output) -> Run {
        Run {
            code: output.status.code(),
            stdout: String::from_utf8(output.stdout).expect("goblet prints UTF-8"),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}
