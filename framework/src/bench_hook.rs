//! The per-event work of the Lambda runtime, without the Runtime API around it:
//! what `bench/` measures against other frameworks.

use std::sync::OnceLock;

use crate::dispatch::{self, RouteTable};
use crate::event::RawEvent;
use crate::route;

/// Handles one event as `runtime::run` does for each event the Runtime API
/// hands it: the event's JSON bytes are parsed into goblet's event type,
/// routed and dispatched to the handler, and the reply serialized to the
/// bytes posted back to the Runtime API.
///
/// The route table is built from the binary's `#[route]`s on the first call.
/// `Err` for what the runtime would report on the Runtime API's error endpoint
/// instead of answering: JSON that is no event goblet knows.
///
/// # Panics
/// When the registered routes are invalid (as `goblet manifest` would report).
pub async fn handle_event_json(event: &[u8]) -> Result<Vec<u8>, String> {
    static TABLE: OnceLock<RouteTable> = OnceLock::new();
    let table = TABLE.get_or_init(|| match RouteTable::build(route::registered()) {
        Ok(table) => table,
        Err(e) => panic!("goblet: the app's routes are invalid: {e}"),
    });
    let raw = RawEvent::from_payload(event).map_err(|unknown| unknown.message)?;
    let reply = dispatch::handle(table, raw)
        .await
        .map_err(|unknown| unknown.message)?;
    serde_json::to_vec(&reply).map_err(|e| e.to_string())
}
