#![doc = include_str!("../README.md")]

mod app;
mod authorizer;
mod bench_hook;
mod dispatch;
mod embedded;
mod error;
mod event;
pub mod extract;
mod invocation;
mod logging;
pub mod middleware;
mod reply;
mod request;
mod response;
mod route;
mod runtime;
mod runtime_api;
mod state;
pub mod testing;
mod trace_env;

pub use app::{App, AppDef, BoxError, IntoApp};
pub use authorizer::{AuthRequest, AuthResponse, AuthorizerContext, ContextValue};
pub use error::Error;
pub use extract::{Context, Json, Path, Query, StageVariables};
pub use goblet_core::{AuthorizationType, AuthorizerKind, EventShape, Method};
pub use goblet_macros::{app, authorizer, main, route};
pub use request::{EventFormat, Identity, Request, RequestContext};
pub use response::{Body, IntoResponse, Response};
pub use state::State;

/// Serializes the unit tests that change process-wide state: the
/// environment (`trace_env`) and the current invocation (`invocation`).
#[cfg(test)]
static PROCESS_STATE: std::sync::Mutex<()> = std::sync::Mutex::new(());

pub use bytes::Bytes;
/// `http` types that appear in goblet's API: status codes, headers, methods.
pub use http;
pub use http::{HeaderMap, HeaderValue, StatusCode, header};
pub use serde_json::{Value, json};

/// Everything an app usually needs: `use goblet::prelude::*;`.
pub mod prelude {
    pub use crate::{
        AuthRequest, AuthResponse, Body, Bytes, Context, Error, HeaderMap, HeaderValue, Identity,
        IntoResponse, Json, Path, Query, Request, Response, StageVariables, State, StatusCode,
        Value, authorizer, json, route,
    };
}

/// What macro-generated code calls. Not a public API: it changes without notice.
#[doc(hidden)]
pub mod __private {
    pub use crate::app::{AppDef, IntoApp};
    pub use crate::authorizer::AuthRequest;
    pub use crate::authorizer::{AuthFuture, AuthorizerDef, IntoAuthDecision, auth_boxed};
    pub use crate::extract::{FromRequest, FromRequestParts};
    pub use crate::request::Request;
    pub use crate::response::{IntoResponse, Response};
    pub use crate::route::{BoxFuture, HandlerFn, RouteDef};
    pub use crate::runtime::{run, run_main};
    pub use crate::state::{StateNeeds, needs_of};
    pub use goblet_core::AuthorizerKind;
    pub use goblet_core::record;
    pub use goblet_core::{AuthorizationType, Method};
    pub use inventory;

    /// The runtime's per-event work, for the benchmarks in `bench/`.
    #[doc(hidden)]
    pub mod bench {
        pub use crate::bench_hook::{Prepared, handle_event_json};
    }

    /// What `#[goblet::main]`'s function returned, as the app or the init error.
    pub fn into_app<T: IntoApp>(made: T) -> Result<crate::App, crate::BoxError> {
        made.into_app()
    }

    /// Boxes a handler's future; keeps generated code short.
    pub fn boxed<F>(future: F) -> BoxFuture
    where
        F: core::future::Future<Output = Response> + 'static,
    {
        Box::pin(future)
    }
}
