//! The benchmarked paths answer the benchmark event alike (one test: it sets
//! an environment variable lambda_http reads).

use goblet::prelude::*;
use goblet_bench::{
    IGNORE_STAGE_IN_PATH, REST_V1_EVENT, axum_router, complete, expected_summary, goblet_event,
    lambda_http_axum_event, reply_summary, serde_ignored_event, serde_typed_event,
    serde_value_event,
};

#[route("/", auth = "iam")]
async fn index() -> Json<Value> {
    Json(json!({"hello": "world"}))
}

#[test]
fn every_path_answers_hello_world() {
    // SAFETY: the only test of this binary; nothing else reads the environment.
    unsafe { std::env::set_var(IGNORE_STAGE_IN_PATH, "true") };
    let event = REST_V1_EVENT.as_bytes();
    assert!(
        (1024..=2300).contains(&event.len()),
        "{} bytes",
        event.len()
    );
    let router = axum_router();
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
            "{name}: {}",
            String::from_utf8_lossy(reply)
        );
    }
}
