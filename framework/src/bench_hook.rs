//! The per-event work of the Lambda runtime, without the Runtime API around it:
//! what `bench/` measures against other frameworks.

use std::sync::OnceLock;

use crate::app::App;
use crate::dispatch::{self, Served};
use crate::event::RawEvent;
use crate::route;

/// An app ready to serve, as the runtime holds it after start-up.
#[derive(Debug)]
pub struct Prepared(Served);

impl Prepared {
    /// # Panics
    /// When the app would not start (the runtime's init error).
    pub fn new(app: App) -> Prepared {
        match Served::new(app, route::registered()) {
            Ok(served) => Prepared(served),
            Err(e) => panic!("goblet: the app would not start: {e}"),
        }
    }

    /// Handles one event as `runtime::run` does for each event it takes off
    /// the Runtime API: the event's JSON bytes are parsed into goblet's event
    /// type, routed and dispatched through the middleware to the handler, and
    /// the reply serialized to the bytes posted back.
    ///
    /// `Err` for what the runtime would report on the Runtime API's error
    /// endpoint instead of answering: JSON that is no event goblet knows.
    pub async fn handle_event_json(&self, event: &[u8]) -> Result<Vec<u8>, String> {
        let raw = RawEvent::from_payload(event).map_err(|unknown| unknown.message)?;
        let reply = dispatch::handle(&self.0, raw)
            .await
            .map_err(|unknown| unknown.message)?;
        serde_json::to_vec(&reply).map_err(|e| e.to_string())
    }
}

impl Prepared {
    /// Runs the function `name` on one event as `runtime::run` does when
    /// `_HANDLER` names it: the payload's bytes through the function's
    /// extractors to the handler, and its result serialized.
    ///
    /// # Panics
    /// When the app has no function `name`.
    pub async fn invoke_function(
        &self,
        name: &str,
        payload: bytes::Bytes,
    ) -> Result<Vec<u8>, String> {
        let functions = self.0.functions();
        let def = functions
            .get(name)
            .unwrap_or_else(|| panic!("goblet: no function named `{name}`"));
        functions
            .call(def, payload, lambda_runtime::Context::default())
            .await
            .map_err(|d| format!("{}: {}", d.error_type, d.error_message))
    }
}

/// [`Prepared::handle_event_json`] for the app with no state and no
/// middleware, prepared on the first call.
///
/// # Panics
/// When the registered routes are invalid (as `goblet manifest` would report).
pub async fn handle_event_json(event: &[u8]) -> Result<Vec<u8>, String> {
    static PLAIN: OnceLock<Prepared> = OnceLock::new();
    PLAIN
        .get_or_init(|| Prepared::new(App::new()))
        .handle_event_json(event)
        .await
}
