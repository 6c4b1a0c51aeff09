//! What the command lines of the benchmark tools (`src/bin/`) share: flags
//! with values, `NAME=BINARY` apps, the exit status of a bad command line,
//! and the one-thread runtime they measure from.

use std::path::PathBuf;
use std::process::ExitCode;

/// A tool's arguments, read flag by flag.
///
/// ```
/// let mut args = goblet_bench::cli::Args::new(["--events", "20", "goblet=/bin/true"].map(String::from));
/// assert_eq!(args.next().as_deref(), Some("--events"));
/// assert_eq!(args.number("--events"), Ok(20));
/// assert_eq!(args.next().as_deref(), Some("goblet=/bin/true"));
/// assert_eq!(args.value("--json"), Err("--json needs a value".to_owned()));
/// ```
pub struct Args<I> {
    args: I,
}

impl Args<std::iter::Skip<std::env::Args>> {
    /// The program's arguments, after its name.
    pub fn from_env() -> Self {
        Args::new(std::env::args().skip(1))
    }
}

impl<I: Iterator<Item = String>> Args<I> {
    /// Reads `args`.
    pub fn new(args: impl IntoIterator<IntoIter = I>) -> Self {
        Args {
            args: args.into_iter(),
        }
    }

    /// The next argument, a flag or an app.
    #[allow(clippy::should_implement_trait)] // a reader, not an iterator
    pub fn next(&mut self) -> Option<String> {
        self.args.next()
    }

    /// The value that must follow `flag`.
    pub fn value(&mut self, flag: &str) -> Result<String, String> {
        self.args
            .next()
            .ok_or_else(|| format!("{flag} needs a value"))
    }

    /// The whole number that must follow `flag`.
    pub fn number(&mut self, flag: &str) -> Result<usize, String> {
        let text = self.value(flag)?;
        text.parse().map_err(|e| format!("{flag} {text}: {e}"))
    }
}

/// `NAME=BINARY`, the binary's path made absolute (the worker starts it from
/// a folder of its own); `usage` when there is no `=`.
///
/// ```
/// let (name, path) = goblet_bench::cli::app("goblet=.", || "usage".into()).unwrap();
/// assert_eq!((name.as_str(), path.is_absolute()), ("goblet", true));
/// assert_eq!(goblet_bench::cli::app("goblet", || "usage".into()), Err("usage".into()));
/// ```
pub fn app(arg: &str, usage: impl Fn() -> String) -> Result<(String, PathBuf), String> {
    let (name, path) = arg.split_once('=').ok_or_else(usage)?;
    let path = std::fs::canonicalize(path).map_err(|e| format!("{path}: {e}"))?;
    Ok((name.to_owned(), path))
}

/// The parsed options, or exit status 2 once the message is printed.
///
/// ```
/// assert_eq!(goblet_bench::cli::options(Ok::<_, String>(3)), Ok(3));
/// assert!(goblet_bench::cli::options::<u8>(Err("usage".into())).is_err());
/// ```
pub fn options<O>(parsed: Result<O, String>) -> Result<O, ExitCode> {
    parsed.map_err(|message| {
        eprintln!("{message}");
        ExitCode::from(2)
    })
}

/// A current-thread runtime: the machine's other core is the function's.
///
/// ```
/// assert_eq!(goblet_bench::cli::runtime().block_on(async { 1 }), 1);
/// ```
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime")
}
