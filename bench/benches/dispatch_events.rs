//! Per-event cost of event handlers: an SQS batch of 10 messages and an S3
//! event, the payload's bytes in and the result's bytes out, for goblet's
//! function dispatch and for a bare `lambda_runtime` handler deserialising
//! the same `aws_lambda_events` type (what `service_fn(|e: LambdaEvent<SqsEvent>| ..)`
//! does per event: serde_path_to_error over serde_json, the handler, serde_json).
//!
//! `cargo bench -p goblet-bench --bench dispatch_events`.

use std::hint::black_box;
use std::time::Duration;

use bytes::Bytes;
use criterion::{Criterion, Throughput};
use goblet::__private::bench::Prepared;
use goblet::prelude::*;
use goblet_core::sample::{self, Origin};

/// Fails the messages whose body is `poison`: the partial batch response.
fn failures(event: SqsEvent) -> SqsBatchResponse {
    let failed = event
        .records
        .into_iter()
        .filter(|m| m.body.as_deref() == Some("poison"))
        .filter_map(|m| m.message_id);
    goblet::events::failed_messages(failed)
}

fn keys(event: S3Event) -> Vec<String> {
    event
        .records
        .into_iter()
        .filter_map(|r| r.s3.object.key)
        .collect()
}

#[on_sqs_message(queue = "jobs")]
async fn jobs(event: SqsEvent) -> Result<SqsBatchResponse, Error> {
    Ok(failures(event))
}

#[on_s3_event(bucket = "uploads")]
async fn uploaded(event: S3Event) -> Result<Vec<String>, Error> {
    Ok(keys(event))
}

/// The bare handler: deserialise as lambda_runtime does, run, serialise.
fn bare<E: serde::de::DeserializeOwned, R: serde::Serialize>(
    payload: &[u8],
    handler: impl Fn(E) -> R,
) -> Vec<u8> {
    let mut de = serde_json::Deserializer::from_slice(payload);
    let event: E = serde_path_to_error::deserialize(&mut de).expect("a valid event");
    serde_json::to_vec(&handler(event)).expect("serializes")
}

fn block_on<F: std::future::Future>(future: F) -> F::Output {
    // The runtime's own futures complete without waiting on anything.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime");
    runtime.block_on(future)
}

fn events(c: &mut Criterion) {
    let origin = Origin {
        region: "us-east-1",
        now_ms: 1_796_644_800_000,
    };
    let bodies: Vec<String> = (0..10)
        .map(|i| {
            if i == 3 {
                "poison".to_owned()
            } else {
                format!("{{\"job\":{i},\"key\":\"in/{i}.png\"}}")
            }
        })
        .collect();
    let bodies: Vec<&str> = bodies.iter().map(String::as_str).collect();
    let sqs = Bytes::from(
        sample::sqs(&sample::queue_arn("jobs", "us-east-1"), &bodies, origin).to_string(),
    );
    let s3 = Bytes::from(
        sample::s3(
            "uploads",
            "in/cat photo.png",
            1024,
            "ObjectCreated:Put",
            origin,
        )
        .to_string(),
    );
    let prepared = Prepared::new(goblet::App::new());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime");

    // Both sides must give the same answer, or the comparison means nothing.
    for (name, payload, baseline) in [
        ("jobs", &sqs, bare(&sqs, failures)),
        ("uploaded", &s3, bare(&s3, keys)),
    ] {
        let ours = block_on(prepared.invoke_function(name, payload.clone())).unwrap();
        assert_eq!(ours, baseline, "{name}: {}", String::from_utf8_lossy(&ours));
    }

    let mut group = c.benchmark_group("events");
    group.throughput(Throughput::Bytes(sqs.len() as u64));
    group.bench_function("sqs_batch_of_10/goblet", |b| {
        b.iter(|| runtime.block_on(prepared.invoke_function("jobs", black_box(sqs.clone()))))
    });
    group.bench_function("sqs_batch_of_10/lambda_runtime", |b| {
        b.iter(|| bare(black_box(&sqs), failures))
    });
    group.throughput(Throughput::Bytes(s3.len() as u64));
    group.bench_function("s3/goblet", |b| {
        b.iter(|| runtime.block_on(prepared.invoke_function("uploaded", black_box(s3.clone()))))
    });
    group.bench_function("s3/lambda_runtime", |b| {
        b.iter(|| bare(black_box(&s3), keys))
    });
    group.finish();
}

fn main() {
    let mut criterion = Criterion::default()
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(5))
        .configure_from_args();
    events(&mut criterion);
    criterion.final_summary();
}
