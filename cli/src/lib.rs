//! The `goblet` command: a thin layer over the crates that do the work.
//!
//! - [`cli`] is the command line itself; `src/main.rs` only calls [`cli::main`].
//! - [`aws`] is the one AWS configuration loader: region and credentials from
//!   one `aws-config` chain, handed to `goblet local` (`goblet-local`),
//!   [`curl`] and the deploy engine (`goblet-deploy`).
//! - [`curl`] is `goblet curl`, a SigV4-signing HTTP client.
//! - [`new`] is `goblet new`; [`token`] is `goblet token`, with the keys
//!   `goblet local` checks Cognito tokens with ([`local_token`]: goblet's own).
//! - [`dirs`] is where goblet keeps its own files; [`credential_cache`] the
//!   temporary credentials of a profile, shared by goblet's processes;
//!   [`local_identity`] the identity of a first run without credentials.
//! - [`watch`] is `goblet local --watch`: rebuild on changes, serve each good build.
//!
//! The app project (manifest, configuration, build, pre-flight, zip) is
//! `goblet-project`'s; the emulator is `goblet-local`'s; deploy and package
//! are `goblet-deploy`'s.

mod authorizer_binary;
pub mod aws;
pub mod cli;
pub mod credential_cache;
pub mod curl;
pub mod dirs;
mod invoke_local;
pub mod local_identity;
pub mod local_token;
mod logging;
pub mod new;
pub mod token;
pub mod watch;
