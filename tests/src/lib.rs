//! Helpers for goblet's end-to-end tests (in `tests/`): they build real
//! binaries with cargo, run the real `goblet` command, and run apps under the
//! emulator's Lambda Runtime API (goblet-local) exactly as `goblet local` will.
//!
//! - [`build`]: the workspace's release binaries (built once per test process),
//!   the `dist` profile, and standalone copies of an example app to edit.
//! - [`cli`]: runs the `goblet` binary.
//! - [`elf`]: small ELF files with goblet manifests, made without compiling.
//! - [`events`]: API Gateway (REST and HTTP API), ALB and function URL events,
//!   in the shapes AWS sends.
//! - [`lambda`]: an app binary under a Runtime API, and its proxy responses.
//! - [`local`]: a running `goblet local`, and a raw HTTP/1.1 client.
//! - [`process`]: a running `goblet local`'s output lines, and its Ctrl-C.
//! - [`moto`] and [`aws_proxy`]: moto's server as the AWS stand-in, and a
//!   recording proxy in front of it that counts (and can interrupt) AWS calls,
//!   and answers as AWS would where moto does not ([`apigateway`]).

pub mod apigateway;
pub mod aws_proxy;
pub mod build;
pub mod cli;
pub mod elf;
pub mod events;
pub mod lambda;
pub mod local;
pub mod moto;
pub mod process;
