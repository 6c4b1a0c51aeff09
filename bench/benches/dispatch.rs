//! Per-event cost: one REST API event's JSON in, the proxy reply's JSON out,
//! for goblet, lambda_http + axum, and serde_json alone (the floor).
//!
//! `cargo bench -p goblet-bench` (or `bench/run.sh`, which also measures cold
//! starts, binary sizes and memory and prints the ratios).

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput};
use goblet::prelude::*;
use goblet_bench::{
    IGNORE_STAGE_IN_PATH, REST_V1_EVENT, axum_router, complete, expected_summary, goblet_event,
    lambda_http_axum_event, reply_summary, serde_ignored_event, serde_typed_event,
    serde_value_event,
};

// The route of examples/helloworld, registered in this binary.
#[route("/", auth = "iam")]
async fn index() -> Json<Value> {
    Json(json!({"hello": "world"}))
}

fn dispatch(c: &mut Criterion) {
    let event = REST_V1_EVENT.as_bytes();
    let router = axum_router();

    // Every path must give the same answer, or the comparison means nothing.
    let replies = [
        ("goblet", complete(goblet_event(event))),
        (
            "lambda_http_axum",
            complete(lambda_http_axum_event(&router, event)),
        ),
        ("serde_typed", serde_typed_event(event)),
        ("serde_value", serde_value_event(event)),
        ("serde_ignored", serde_ignored_event(event)),
    ];
    for (name, reply) in &replies {
        assert_eq!(
            reply_summary(reply),
            expected_summary(),
            "{name} answered {}",
            String::from_utf8_lossy(reply)
        );
    }

    let mut group = c.benchmark_group("dispatch");
    group.throughput(Throughput::Bytes(event.len() as u64));
    group.bench_function("goblet", |b| {
        b.iter(|| complete(goblet_event(black_box(event))))
    });
    group.bench_function("lambda_http_axum", |b| {
        b.iter(|| complete(lambda_http_axum_event(&router, black_box(event))))
    });
    group.bench_function("serde_typed", |b| {
        b.iter(|| serde_typed_event(black_box(event)))
    });
    group.bench_function("serde_value", |b| {
        b.iter(|| serde_value_event(black_box(event)))
    });
    group.bench_function("serde_ignored", |b| {
        b.iter(|| serde_ignored_event(black_box(event)))
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
    dispatch(&mut criterion);
    criterion.final_summary();
}
