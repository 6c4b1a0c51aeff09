#![doc = include_str!("../README.md")]

mod app;
mod authorizer;
mod bench_hook;
mod dispatch;
mod embedded;
mod error;
mod event;
pub mod extract;
mod function;
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
pub use function::{FromInvocation, IntoFunctionResult, Invocation, LambdaContext};
pub use goblet_core::{AuthorizationType, AuthorizerKind, EventShape, Method};
pub use goblet_macros::{
    app, authorizer, lambda_function, main, on_dynamodb_record, on_event, on_kinesis_record,
    on_s3_event, on_sns_message, on_sqs_message, route, schedule,
};

/// The event types of AWS's event sources, from the `aws_lambda_events`
/// crate (the Rust runtime's), with the common ones named here.
pub mod events {
    pub use aws_lambda_events::event::dynamodb::Event as DynamoDbEvent;
    pub use aws_lambda_events::event::eventbridge::EventBridgeEvent;
    pub use aws_lambda_events::event::kinesis::KinesisEvent;
    pub use aws_lambda_events::event::s3::S3Event;
    pub use aws_lambda_events::event::sns::SnsEvent;
    pub use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};
    /// What an EventBridge schedule sends: `detail-type` "Scheduled Event",
    /// `source` "aws.events", an empty `detail`.
    pub type ScheduledEvent = EventBridgeEvent<serde_json::Value>;
    /// Every event type of `aws_lambda_events` goblet enables.
    pub use aws_lambda_events;

    /// The partial batch response that fails the messages `ids` (their
    /// `messageId`s) and no other: only they go back to the queue.
    ///
    /// ```
    /// use goblet::prelude::*;
    ///
    /// #[on_sqs_message(queue = "jobs")]
    /// async fn jobs(event: SqsEvent) -> Result<SqsBatchResponse, Error> {
    ///     let failed = event
    ///         .records
    ///         .into_iter()
    ///         .filter(|m| m.body.as_deref() == Some("poison"))
    ///         .filter_map(|m| m.message_id);
    ///     Ok(goblet::events::failed_messages(failed))
    /// }
    /// # fn main() {}
    /// ```
    pub fn failed_messages<I, S>(ids: I) -> SqsBatchResponse
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut response = SqsBatchResponse::default();
        for id in ids {
            let mut failure = BatchItemFailure::default();
            failure.item_identifier = id.into();
            response.batch_item_failures.push(failure);
        }
        response
    }
}
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
    pub use crate::events::{
        BatchItemFailure, DynamoDbEvent, EventBridgeEvent, KinesisEvent, S3Event, ScheduledEvent,
        SnsEvent, SqsBatchResponse, SqsEvent,
    };
    pub use crate::{
        AuthRequest, AuthResponse, Body, Bytes, Context, Error, HeaderMap, HeaderValue, Identity,
        IntoResponse, Json, LambdaContext, Path, Query, Request, Response, StageVariables, State,
        StatusCode, Value, authorizer, json, lambda_function, on_dynamodb_record, on_event,
        on_kinesis_record, on_s3_event, on_sns_message, on_sqs_message, route, schedule,
    };
}

/// What macro-generated code calls. Not a public API: it changes without notice.
#[doc(hidden)]
pub mod __private {
    pub use crate::app::{AppDef, IntoApp};
    pub use crate::authorizer::AuthRequest;
    pub use crate::authorizer::{AuthFuture, AuthorizerDef, IntoAuthDecision, auth_boxed};
    pub use crate::extract::{FromRequest, FromRequestParts};
    pub use crate::function::{
        FromInvocation, FunctionDef, FunctionFuture, IntoFunctionResult, Invocation, function_boxed,
    };
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
