//! What the benchmarks of `bench/` share: the event they send, and the
//! per-event paths they compare (see `BENCHMARKS.md` at the repository root).
//!
//! Every path takes the event's JSON bytes, as the Runtime API hands them to
//! the function, and returns the bytes of the reply posted back:
//!
//! * [`goblet_event`]: goblet's own per-event work ([`goblet::__private::bench`]);
//! * [`lambda_http_axum_event`]: what `lambda_http::run(router)` does per event
//!   for an axum router;
//! * [`serde_typed_event`] and [`serde_value_event`]: the floor, parsing the
//!   event and writing a proxy response with serde_json alone;
//! * [`serde_ignored_event`]: JSON validation and the response, nothing else.
//!
//! The goblet route itself is not here: `#[route]` registers handlers with
//! `inventory`, which only sees the ones linked into the binary that asks, so
//! each benchmark or test binary defines its own (the same one as
//! `examples/helloworld`).

pub mod cli;
pub mod function;
pub mod stats;

use std::future::Future;
use std::pin::pin;
use std::task::{Context as TaskContext, Poll, Waker};

use axum::routing::get;
use axum::{Json, Router};
use lambda_http::aws_lambda_events::apigw::{ApiGatewayProxyRequest, ApiGatewayProxyResponse};
use lambda_http::aws_lambda_events::encodings::Body as EventBody;
use lambda_http::http::header::CONTENT_TYPE;
use lambda_http::http::{HeaderMap, HeaderValue};
use lambda_http::request::LambdaRequest;
use lambda_http::tower::ServiceExt as _;
use lambda_http::{Adapter, Context, LambdaEvent};
use serde::de::IgnoredAny;
use serde_json::{Value, json};

/// A REST API (v1) proxy event for `GET /` from an IAM-authenticated caller,
/// compact as API Gateway sends it: 13 headers, both as `headers` and as
/// `multiValueHeaders`, and a full `requestContext` with its `identity`.
pub const REST_V1_EVENT: &str = include_str!("../fixtures/apigw-rest-v1-get.json");

/// The body every app answers with.
pub const HELLO_BODY: &str = r#"{"hello":"world"}"#;

/// The environment variable that makes `lambda_http` leave the stage out of
/// REST API paths (`/api/` would otherwise reach the router instead of `/`).
/// The axum baseline runs with it set to `true`, here and in `lambda-lifecycle`.
pub const IGNORE_STAGE_IN_PATH: &str = "AWS_LAMBDA_HTTP_IGNORE_STAGE_IN_PATH";

/// Runs a future that never waits on I/O, such as one event's dispatch, to
/// completion on this thread, without an async runtime (whose own cost would
/// be measured with it).
///
/// # Panics
/// When the future waits: a benchmarked path that does is measuring something
/// else than computation.
pub fn complete<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut cx = TaskContext::from_waker(Waker::noop());
    match future.as_mut().poll(&mut cx) {
        Poll::Ready(output) => output,
        Poll::Pending => panic!("a benchmarked future waited for something"),
    }
}

/// goblet: one event through the runtime's per-event path, with the routes
/// registered in the calling binary.
///
/// # Panics
/// When goblet would not answer the event (it is no HTTP event).
pub async fn goblet_event(event: &[u8]) -> Vec<u8> {
    match goblet::__private::bench::handle_event_json(event).await {
        Ok(reply) => reply,
        Err(e) => panic!("goblet refused the event: {e}"),
    }
}

/// The axum baseline's router: goblet's helloworld route.
pub fn axum_router() -> Router {
    async fn index() -> Json<Value> {
        Json(json!({"hello": "world"}))
    }
    Router::new().route("/", get(index))
}

/// lambda_http + axum: one event the way `lambda_http::run(router)` handles
/// it once `lambda_runtime` has read it: `LambdaRequest` deserialized from the
/// bytes, lambda_http's [`Adapter`] (the service `run` wraps the router in)
/// converting it into an `http::Request`, calling the router with
/// `ServiceExt::oneshot` and converting the response back into a
/// `LambdaResponse`, serialized as `lambda_runtime` does.
///
/// # Panics
/// When lambda_http cannot parse the event.
pub async fn lambda_http_axum_event(router: &Router, event: &[u8]) -> Vec<u8> {
    let request: LambdaRequest = match serde_json::from_slice(event) {
        Ok(request) => request,
        Err(e) => panic!("lambda_http refused the event: {e}"),
    };
    let event = LambdaEvent::new(request, Context::default());
    let response = match Adapter::from(router.clone()).oneshot(event).await {
        Ok(response) => response,
        Err(infallible) => match infallible {},
    };
    serde_json::to_vec(&response).expect("responses serialize")
}

/// The proxy response of the serde_json floor: what API Gateway needs back.
fn floor_response() -> ApiGatewayProxyResponse {
    let mut headers = HeaderMap::new();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    let mut response = ApiGatewayProxyResponse::default();
    response.status_code = 200;
    response.headers = headers;
    response.body = Some(EventBody::Text(HELLO_BODY.to_owned()));
    response
}

/// The floor, typed: the event parsed into `aws_lambda_events`'
/// `ApiGatewayProxyRequest`, an `ApiGatewayProxyResponse` serialized. No
/// routing, no handler.
///
/// # Panics
/// When the event is no REST API event.
pub fn serde_typed_event(event: &[u8]) -> Vec<u8> {
    let request: ApiGatewayProxyRequest = serde_json::from_slice(event).expect("a REST API event");
    std::hint::black_box(&request);
    serde_json::to_vec(&floor_response()).expect("responses serialize")
}

/// The floor, untyped: the event parsed into a `serde_json::Value`, the same
/// `ApiGatewayProxyResponse` serialized.
///
/// # Panics
/// When the event is not JSON.
pub fn serde_value_event(event: &[u8]) -> Vec<u8> {
    let request: Value = serde_json::from_slice(event).expect("a JSON event");
    std::hint::black_box(&request);
    serde_json::to_vec(&floor_response()).expect("responses serialize")
}

/// Below any floor: the event only checked to be JSON (`IgnoredAny`, nothing
/// kept), the same `ApiGatewayProxyResponse` serialized.
///
/// # Panics
/// When the event is not JSON.
pub fn serde_ignored_event(event: &[u8]) -> Vec<u8> {
    let request: IgnoredAny = serde_json::from_slice(event).expect("a JSON event");
    std::hint::black_box(&request);
    serde_json::to_vec(&floor_response()).expect("responses serialize")
}

/// The parts of a REST API proxy reply that must agree between the paths.
///
/// # Panics
/// When `reply` is no REST API proxy reply.
pub fn reply_summary(reply: &[u8]) -> (u64, String, String) {
    let reply: Value = serde_json::from_slice(reply).expect("a JSON reply");
    let status = reply["statusCode"].as_u64().expect("a statusCode");
    let body = reply["body"].as_str().unwrap_or_default().to_owned();
    let content_type = reply["headers"]["content-type"]
        .as_str()
        .or_else(|| reply["multiValueHeaders"]["content-type"][0].as_str())
        .unwrap_or_default()
        .to_owned();
    (status, content_type, body)
}

/// What every path must answer the benchmark event with.
pub fn expected_summary() -> (u64, String, String) {
    (200, "application/json".to_owned(), HELLO_BODY.to_owned())
}
