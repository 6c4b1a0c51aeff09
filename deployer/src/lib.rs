//! The `goblet` command as a library: everything the binary does, reusable
//! from tests and from later subcommands.
//!
//! - [`manifest`] reads an app's route manifest out of its release binary
//!   without running it.
//! - [`lambda`] is the Lambda side of a local run: a Runtime API server and
//!   the worker process it serves.
//! - [`local`] is `goblet local`: API Gateway on loopback in front of
//!   a pool of [`lambda`] workers.
//! - [`curl`] is `goblet curl`, a SigV4-signing HTTP client.
//! - [`deploy`] is `goblet deploy`/`delete`/`url`/`invoke`/`logs`: the app on
//!   AWS through the AWS SDK, planned, applied and recorded per stage.
//! - [`config`] reads `[package.metadata.goblet]`; [`preflight`] checks a
//!   binary against it before any AWS call; [`package`] is `goblet package`
//!   and the resource model the deployer shares; [`new`] is `goblet new`.
//! - [`build`] builds a `--project` and finds its app binary.
//! - [`cli`] is the command line itself; `src/main.rs` only calls [`cli::main`].

pub mod build;
pub mod cli;
pub mod config;
pub mod curl;
pub mod deploy;
pub mod lambda;
pub mod local;
mod logging;
pub mod manifest;
pub mod new;
pub mod package;
pub mod preflight;

pub use manifest::{
    AppBinary, Architecture, BinaryError, ReadError, read_app_binary, read_manifest,
};
