//! The registry of handlers: one [`RouteDef`] per (path, method), submitted by
//! the code `#[route]` generates and collected with `inventory`.

use std::future::Future;
use std::pin::Pin;

use goblet_core::{AuthorizationType, Method};

use crate::request::Request;
use crate::response::Response;
use crate::state::StateNeeds;

/// The future a type-erased handler returns.
pub type BoxFuture = Pin<Box<dyn Future<Output = Response> + 'static>>;

/// A handler with its extractors and response conversion already applied.
pub type HandlerFn = fn(Request) -> BoxFuture;

/// Everything the runtime knows about one API Gateway method. Built by the
/// `#[route]` macro; the same facts go into the binary's manifest record.
#[derive(Debug)]
pub struct RouteDef {
    pub path: &'static str,
    pub method: Method,
    pub authorization_type: AuthorizationType,
    /// The `#[authorizer]` of a `CUSTOM` route, by name.
    pub authorizer: Option<&'static str>,
    /// `authorizationScopes`.
    pub scopes: &'static [&'static str],
    pub api_key_required: bool,
    pub cors: bool,
    /// Request Content-Types the route accepts for a body; others get 415.
    pub content_types: &'static [&'static str],
    /// The handler's name, or `name = "..."`.
    pub name: &'static str,
    /// `module::path::to::handler`.
    pub handler_path: &'static str,
    pub file: &'static str,
    pub line: u32,
    pub handler: HandlerFn,
    /// Registers the state types the handler's extractors read.
    pub state_needs: fn(&mut StateNeeds),
}

inventory::collect!(RouteDef);

/// Every route registered in this binary, in no particular order.
pub fn registered() -> impl Iterator<Item = &'static RouteDef> {
    inventory::iter::<RouteDef>.into_iter()
}
