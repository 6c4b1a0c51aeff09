//! Per-event cost of the app model: a route taking `State<T>` through one
//! `from_fn` middleware, against the same route without the middleware and
//! against lambda_http + axum doing the same (axum's `State` and
//! `middleware::from_fn`). Compare with `dispatch/goblet` (no state, no
//! middleware) from the `dispatch` bench of the same run.
//!
//! `cargo bench -p goblet-bench --bench dispatch --bench dispatch_app`

use std::hint::black_box;
use std::time::Duration;

use axum::Router;
use axum::extract::{Request as AxumRequest, State as AxumState};
use axum::middleware::{Next as AxumNext, from_fn as axum_from_fn};
use axum::routing::get;
use criterion::{Criterion, Throughput};
use goblet::middleware::{Next, from_fn};
use goblet::prelude::*;
use goblet_bench::{
    IGNORE_STAGE_IN_PATH, REST_V1_EVENT, complete, expected_summary, lambda_http_axum_event,
    reply_summary,
};

/// What a real app keeps in state: cheap to clone, read by the handler.
#[derive(Clone)]
struct Greeting(std::sync::Arc<str>);

#[route("/", auth = "iam")]
async fn index(State(greeting): State<Greeting>) -> Json<Value> {
    Json(json!({"hello": &*greeting.0}))
}

/// Today's plain dispatch, in this binary: no state, no middleware.
#[route("/plain", auth = "iam")]
async fn plain() -> Json<Value> {
    Json(json!({"hello": "world"}))
}

/// The bench event, for `/plain`.
fn plain_event() -> String {
    let event = REST_V1_EVENT
        .replacen(
            r#""resource":"/","path":"/""#,
            r#""resource":"/plain","path":"/plain""#,
            1,
        )
        .replacen(r#""resourcePath":"/""#, r#""resourcePath":"/plain""#, 1);
    assert!(event.contains(r#""path":"/plain""#));
    event
}

/// The lightest real middleware: it looks at the request and the response.
async fn observe(req: Request, next: Next) -> Response {
    let get = req.method() == goblet::http::Method::GET;
    let response = next.run(req).await;
    black_box((get, response.status()));
    response
}

fn greeting() -> Greeting {
    Greeting("world".into())
}

fn axum_app() -> Router {
    async fn index(AxumState(greeting): AxumState<Greeting>) -> axum::Json<Value> {
        axum::Json(json!({"hello": &*greeting.0}))
    }
    async fn observe(req: AxumRequest, next: AxumNext) -> axum::response::Response {
        let get = req.method() == axum::http::Method::GET;
        let response = next.run(req).await;
        black_box((get, response.status()));
        response
    }
    Router::new()
        .route("/", get(index))
        .layer(axum_from_fn(observe))
        .with_state(greeting())
}

fn dispatch_app(c: &mut Criterion) {
    let event = REST_V1_EVENT.as_bytes();
    let plain_event = plain_event();
    let plain_event = plain_event.as_bytes();
    let with_middleware = goblet::__private::bench::Prepared::new(
        goblet::App::new().state(greeting()).layer(from_fn(observe)),
    );
    let state_only = goblet::__private::bench::Prepared::new(goblet::App::new().state(greeting()));
    let router = axum_app();
    let goblet = |prepared: &goblet::__private::bench::Prepared| {
        complete(prepared.handle_event_json(black_box(event))).expect("goblet answers")
    };
    let goblet_plain =
        || complete(state_only.handle_event_json(black_box(plain_event))).expect("goblet answers");
    for (name, reply) in [
        ("goblet_state_from_fn", goblet(&with_middleware)),
        ("goblet_state", goblet(&state_only)),
        ("goblet_plain", goblet_plain()),
        (
            "lambda_http_axum_state_from_fn",
            complete(lambda_http_axum_event(&router, event)),
        ),
    ] {
        assert_eq!(
            reply_summary(&reply),
            expected_summary(),
            "{name} answered {}",
            String::from_utf8_lossy(&reply)
        );
    }

    let mut group = c.benchmark_group("dispatch_app");
    group.throughput(Throughput::Bytes(event.len() as u64));
    group.bench_function("goblet_state_from_fn", |b| {
        b.iter(|| goblet(&with_middleware))
    });
    group.bench_function("goblet_state", |b| b.iter(|| goblet(&state_only)));
    group.bench_function("goblet_plain", |b| b.iter(goblet_plain));
    group.bench_function("lambda_http_axum_state_from_fn", |b| {
        b.iter(|| complete(lambda_http_axum_event(&router, black_box(event))))
    });
    group.finish();
}

fn main() {
    // SAFETY: nothing else runs yet; the axum baseline routes `/`, not `/api/`.
    unsafe { std::env::set_var(IGNORE_STAGE_IN_PATH, "true") };
    let mut criterion = Criterion::default()
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(5))
        .configure_from_args();
    dispatch_app(&mut criterion);
    criterion.final_summary();
}
