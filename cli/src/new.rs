//! `goblet new NAME`: a new app crate that builds as it is.
//!
//! ```text
//! NAME/
//!   Cargo.toml     goblet dependency, a commented [package.metadata.goblet],
//!                  a release profile that keeps panics unwinding
//!   .gitignore
//!   src/main.rs    goblet::app!()
//!   src/app.rs     the hello-world route
//! ```

use std::path::{Path, PathBuf};

/// The goblet version a new app depends on (from crates.io).
pub const GOBLET_REQUIREMENT: &str = "0.1";

const CARGO_TOML: &str = include_str!("../templates/new/Cargo.toml.in");
const MAIN_RS: &str = include_str!("../templates/new/main.rs");
const APP_RS: &str = include_str!("../templates/new/app.rs");
const GITIGNORE: &str = include_str!("../templates/new/gitignore");

#[derive(Debug, Clone)]
pub struct NewOptions {
    /// The crate's name, also the app's (and so the function's) name.
    pub name: String,
    /// Where the crate's folder is created.
    pub parent: PathBuf,
    /// Depend on goblet at this path (a checkout's `framework/`) instead of crates.io.
    pub goblet_path: Option<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum NewError {
    #[error("`{name}` cannot be the app's name: {reason}")]
    BadName { name: String, reason: String },
    #[error("{} already exists: choose another name or --dir", .0.display())]
    Exists(PathBuf),
    #[error("--goblet-path {}: no goblet crate there (expected a Cargo.toml with name = \"goblet\")", .0.display())]
    NotGoblet(PathBuf),
    #[error("{}: {error}", path.display())]
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
}

/// Creates the app crate `options.parent/options.name` and returns its folder.
pub fn create(options: &NewOptions) -> Result<PathBuf, NewError> {
    check_name(&options.name).map_err(|reason| NewError::BadName {
        name: options.name.clone(),
        reason,
    })?;
    let goblet = match &options.goblet_path {
        None => format!("\"{GOBLET_REQUIREMENT}\""),
        Some(path) => {
            let path = path
                .canonicalize()
                .map_err(|_| NewError::NotGoblet(path.clone()))?;
            let is_goblet = std::fs::read_to_string(path.join("Cargo.toml"))
                .ok()
                .and_then(|text| text.parse::<toml::Table>().ok())
                .and_then(|t| {
                    t.get("package")?
                        .get("name")?
                        .as_str()
                        .map(|n| n == "goblet")
                })
                .unwrap_or(false);
            if !is_goblet {
                return Err(NewError::NotGoblet(path));
            }
            let quoted = toml::Value::String(path.display().to_string()).to_string();
            format!("{{ path = {quoted} }}")
        }
    };
    let dir = options.parent.join(&options.name);
    if dir.exists() {
        return Err(NewError::Exists(dir));
    }
    let io = |path: &Path| {
        let path = path.to_owned();
        move |error| NewError::Io { path, error }
    };
    std::fs::create_dir_all(&options.parent).map_err(io(&options.parent))?;
    // `create_dir` (not `_all`) fails if someone made it meanwhile.
    std::fs::create_dir(&dir).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            NewError::Exists(dir.clone())
        } else {
            io(&dir)(e)
        }
    })?;
    let src = dir.join("src");
    std::fs::create_dir(&src).map_err(io(&src))?;
    let cargo_toml = CARGO_TOML
        .replace("{{name}}", &options.name)
        .replace("{{goblet}}", &goblet);
    let main_rs = MAIN_RS.replace("{{name}}", &options.name);
    for (path, contents) in [
        (dir.join("Cargo.toml"), cargo_toml.as_str()),
        (dir.join(".gitignore"), GITIGNORE),
        (src.join("main.rs"), main_rs.as_str()),
        (src.join("app.rs"), APP_RS),
    ] {
        std::fs::write(&path, contents).map_err(io(&path))?;
    }
    Ok(dir)
}

/// Cargo's rules for a package name, plus the names that would clash with
/// what the app uses.
pub fn check_name(name: &str) -> Result<(), String> {
    let Some(first) = name.chars().next() else {
        return Err("the name is empty".into());
    };
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_'))
    {
        return Err(format!(
            "a crate name has only ASCII letters, digits, `-` and `_`, not `{c}`"
        ));
    }
    if !first.is_ascii_alphabetic() {
        return Err("a crate name starts with a letter".into());
    }
    if name.len() > 64 {
        return Err("a crate name is at most 64 characters".into());
    }
    const RESERVED: [&str; 60] = [
        "abstract",
        "as",
        "async",
        "await",
        "become",
        "box",
        "break",
        "const",
        "continue",
        "crate",
        "do",
        "dyn",
        "else",
        "enum",
        "extern",
        "false",
        "final",
        "fn",
        "for",
        "gen",
        "if",
        "impl",
        "in",
        "let",
        "loop",
        "macro",
        "match",
        "mod",
        "move",
        "mut",
        "override",
        "priv",
        "pub",
        "ref",
        "return",
        "self",
        "static",
        "struct",
        "super",
        "trait",
        "true",
        "try",
        "type",
        "typeof",
        "unsafe",
        "unsized",
        "use",
        "virtual",
        "where",
        "while",
        "yield",
        "alloc",
        "core",
        "std",
        "proc_macro",
        "proc-macro",
        "test",
        "build",
        "goblet",
        "tokio",
    ];
    let lower = name.to_ascii_lowercase();
    if RESERVED.contains(&lower.as_str()) {
        return Err("it is a Rust keyword or the name of a crate the app depends on".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for ok in ["hello", "my-app", "my_app2", "A"] {
            assert_eq!(check_name(ok), Ok(()), "{ok}");
        }
        for bad in [
            "", "1app", "-app", "my app", "café", "fn", "std", "goblet", "a/b",
        ] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_template_has_no_abort_and_a_goblet_section() {
        let filled = CARGO_TOML
            .replace("{{name}}", "x")
            .replace("{{goblet}}", "\"0.1\"");
        let table: toml::Table = filled.parse().unwrap();
        assert!(table["profile"]["release"].get("panic").is_none());
        assert!(
            table["package"]["metadata"]["goblet"]
                .as_table()
                .unwrap()
                .is_empty()
        );
    }
}
