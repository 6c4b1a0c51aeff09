//! Benchmark baseline: goblet's helloworld (`GET /` → `{"hello":"world"}`) as
//! an axum router served by `lambda_http`.
//!
//! REST API events carry the stage in their path; like most axum-on-Lambda
//! apps, this one runs with `AWS_LAMBDA_HTTP_IGNORE_STAGE_IN_PATH=true` so that
//! its routes read as the API's resources.

use axum::routing::get;
use axum::{Json, Router};
use lambda_http::{Error, run};
use serde_json::{Value, json};

async fn index() -> Json<Value> {
    Json(json!({"hello": "world"}))
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    run(Router::new().route("/", get(index))).await
}
