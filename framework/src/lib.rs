#![doc = include_str!("../README.md")]

mod app;
mod bench_hook;
mod dispatch;
mod embedded;
mod error;
mod event;
pub mod extract;
mod invocation;
mod logging;
mod reply;
mod request;
mod response;
mod route;
mod runtime;
pub mod testing;

pub use app::AppDef;
pub use error::Error;
pub use extract::{Context, Json, Path, Query, StageVariables};
pub use goblet_core::{AuthorizationType, EventShape, Method};
pub use goblet_macros::{main, route};
pub use request::{EventFormat, Identity, Request, RequestContext};
pub use response::{Body, IntoResponse, Response};

pub use bytes::Bytes;
/// `http` types that appear in goblet's API: status codes, headers, methods.
pub use http;
pub use http::{HeaderMap, HeaderValue, StatusCode, header};
pub use serde_json::{Value, json};

/// Everything an app usually needs: `use goblet::prelude::*;`.
pub mod prelude {
    pub use crate::{
        Body, Bytes, Context, Error, HeaderMap, Identity, IntoResponse, Json, Path, Query, Request,
        Response, StageVariables, StatusCode, Value, json, route,
    };
}

/// What macro-generated code calls. Not a public API: it changes without notice.
#[doc(hidden)]
pub mod __private {
    pub use crate::app::AppDef;
    pub use crate::extract::{FromRequest, FromRequestParts};
    pub use crate::request::Request;
    pub use crate::response::{IntoResponse, Response};
    pub use crate::route::{BoxFuture, HandlerFn, RouteDef};
    pub use crate::runtime::run;
    pub use goblet_core::record;
    pub use goblet_core::{AuthorizationType, Method};
    pub use inventory;

    /// The runtime's per-event work, for the benchmarks in `bench/`.
    #[doc(hidden)]
    pub mod bench {
        pub use crate::bench_hook::handle_event_json;
    }

    /// Boxes a handler's future; keeps generated code short.
    pub fn boxed<F>(future: F) -> BoxFuture
    where
        F: core::future::Future<Output = Response> + 'static,
    {
        Box::pin(future)
    }
}
