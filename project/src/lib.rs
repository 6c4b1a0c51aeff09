//! The app project as the `goblet` command sees it, before any AWS call and
//! without running the app:
//!
//! - [`manifest`] reads the route manifest out of a release binary (the
//!   `goblet_routes` ELF section), and says what a file is when it is not a
//!   goblet app;
//! - [`build`] runs `cargo build --release` in a project and finds its app binary;
//! - [`config`] reads `[package.metadata.goblet]` and its stage tables, merged
//!   with command-line overrides into one [`StageConfig`](config::StageConfig);
//! - [`preflight`] checks a binary against that configuration (architecture,
//!   glibc, manifest, upload size);
//! - [`zip`] writes the deterministic `bootstrap.zip`;
//! - [`resolve`] ties them together: the one way every command turns
//!   `--project`/`--binary` and the overrides into an app.

pub mod build;
pub mod config;
pub mod manifest;
pub mod preflight;
pub mod zip;

use std::path::{Path, PathBuf};

pub use manifest::{
    AppBinary, Architecture, BinaryError, ReadError, read_app_binary, read_manifest,
};

/// An app as a command is given it: a project, a binary, or a binary and
/// the project whose configuration applies to it.
#[derive(Debug, Clone)]
pub struct AppSource {
    /// Where `Cargo.toml` (and its `[package.metadata.goblet]`) is; `None`:
    /// no configuration, only the binary.
    pub project: Option<PathBuf>,
    /// The app binary; `None`: `cargo build --release` in `project`.
    pub binary: Option<PathBuf>,
}

/// An app resolved: its binary, the manifest read out of it, and the
/// configuration of the chosen stage when a project was given.
#[derive(Debug, Clone)]
pub struct ResolvedApp {
    pub binary: PathBuf,
    pub app: AppBinary,
    pub config: Option<config::StageConfig>,
}

/// Why an app could not be resolved.
#[derive(Debug, thiserror::Error)]
pub enum ResolveError {
    #[error(transparent)]
    Build(#[from] build::BuildError),
    #[error(transparent)]
    Read(#[from] ReadError),
    #[error(transparent)]
    Config(#[from] config::ConfigError),
    #[error("{0}")]
    Authorizers(goblet_core::ManifestError),
    #[error("no app given: name a --project or a --binary")]
    Nothing,
    #[error("no project given: its Cargo.toml holds the configuration")]
    NoProject,
}

/// An app resolved with its project's configuration, as `deploy` and
/// `package` need it.
#[derive(Debug, Clone)]
pub struct ConfiguredApp {
    pub binary: PathBuf,
    pub app: AppBinary,
    pub config: config::StageConfig,
}

impl ConfiguredApp {
    /// The pre-flight checks of the binary (as [`preflight::check`]), with
    /// the configured manifest: the one whose routes know the configuration's
    /// authorizers, not the binary's own.
    pub fn preflight(&self) -> Result<preflight::Checked, preflight::PreflightError> {
        let mut checked = preflight::check(&self.binary, &self.config)?;
        checked.manifest = self.app.manifest.clone();
        Ok(checked)
    }
}

impl ResolvedApp {
    /// The app with its configuration; [`ResolveError::NoProject`] when it
    /// was resolved from a binary alone.
    pub fn configured(self) -> Result<ConfiguredApp, ResolveError> {
        let config = self.config.ok_or(ResolveError::NoProject)?;
        Ok(ConfiguredApp {
            binary: self.binary,
            app: self.app,
            config,
        })
    }
}

/// Joins the configuration's authorizers to the binary's manifest: every
/// route's authorizer must now be known (see [`goblet_core::Manifest::configure`]).
pub fn configure(
    manifest: &mut goblet_core::Manifest,
    config: Option<&config::StageConfig>,
    project: Option<&Path>,
) -> Result<(), ResolveError> {
    let (authorizers, named) = match (config, project) {
        (Some(config), Some(project)) => (
            config.authorizers.values().cloned().collect(),
            project.join("Cargo.toml").display().to_string(),
        ),
        _ => (
            Vec::new(),
            "the configuration (no project given)".to_owned(),
        ),
    };
    manifest
        .configure(authorizers, &named)
        .map_err(ResolveError::Authorizers)
}

/// Builds the project when no binary is given, reads the binary's manifest,
/// then loads the project's configuration for the app it names. The binary
/// is read before the configuration because the configuration's defaults
/// (the function name) come from the app's name in the manifest.
pub fn resolve(
    source: &AppSource,
    overrides: &config::Overrides,
) -> Result<ResolvedApp, ResolveError> {
    let binary = match (&source.binary, &source.project) {
        (Some(binary), _) => binary.clone(),
        (None, Some(project)) => build::release_binary(project)?,
        (None, None) => return Err(ResolveError::Nothing),
    };
    let mut app = read_app_binary(&binary)?;
    let config = match &source.project {
        Some(project) => Some(config::load(project, &app.manifest.app_name, overrides)?),
        None => None,
    };
    configure(
        &mut app.manifest,
        config.as_ref(),
        source.project.as_deref(),
    )?;
    Ok(ResolvedApp {
        binary,
        app,
        config,
    })
}
