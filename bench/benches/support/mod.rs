//! What the `dispatch_routes_*` benchmarks share: each binary registers its
//! own route set (inventory sees only the routes linked into it), then runs
//! this.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput};
use goblet_bench::{REST_V1_EVENT, complete, expected_summary, goblet_event, reply_summary};

/// Benchmarks the REST API event of `GET /` as criterion id
/// `dispatch/{id}`, next to the `dispatch` benchmark's rows.
pub fn dispatch_routes_main(id: &str) {
    let event = REST_V1_EVENT.as_bytes();
    let reply = complete(goblet_event(event));
    assert_eq!(
        reply_summary(&reply),
        expected_summary(),
        "{id} answered {}",
        String::from_utf8_lossy(&reply)
    );
    let mut criterion = Criterion::default()
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(5))
        .configure_from_args();
    let mut group = criterion.benchmark_group("dispatch");
    group.throughput(Throughput::Bytes(event.len() as u64));
    group.bench_function(id, |b| b.iter(|| complete(goblet_event(black_box(event)))));
    group.finish();
    criterion.final_summary();
}
