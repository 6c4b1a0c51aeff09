//! `goblet local --watch`: the `goblet` command watches and rebuilds the
//! project, and hands each successful build to the running emulator through
//! a [`Reloader`]. This crate reads no project itself: it is given the new
//! binary and its manifest, as it was given the first.

use std::path::PathBuf;

use goblet_core::Manifest;
use tokio::sync::mpsc;

/// A new build of the app, to serve in place of the current one.
#[derive(Debug, Clone)]
pub struct Build {
    /// Its release binary: a file no later build overwrites, since the old
    /// build's pool may still start workers from it while it drains.
    pub binary: PathBuf,
    /// The manifest read out of `binary`.
    pub manifest: Manifest,
}

pub(crate) enum Message {
    Note(String),
    Build(Build),
}

/// The watcher's end: sends builds and status lines to `goblet local`.
#[derive(Clone)]
pub struct Reloader(mpsc::UnboundedSender<Message>);

/// `goblet local`'s end, given to [`crate::run_reloading`].
pub struct Reloads(pub(crate) mpsc::UnboundedReceiver<Message>);

/// A connected [`Reloader`] and [`Reloads`].
pub fn channel() -> (Reloader, Reloads) {
    let (tx, rx) = mpsc::unbounded_channel();
    (Reloader(tx), Reloads(rx))
}

impl Reloader {
    /// Prints `line` among goblet local's own lines (stdout, in order with
    /// the request logs). `false` once goblet local has stopped.
    pub fn note(&self, line: impl Into<String>) -> bool {
        self.0.send(Message::Note(line.into())).is_ok()
    }

    /// Serves `build` from the next request on; requests under way finish
    /// on the build they started on. `false` once goblet local has stopped.
    pub fn serve(&self, build: Build) -> bool {
        self.0.send(Message::Build(build)).is_ok()
    }
}
