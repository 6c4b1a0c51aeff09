//! A to-do list API over DynamoDB: the goblet app the README calls "a real app".
//!
//! The DynamoDB client is created once per execution environment, in
//! Lambda's init phase (`main` below), and shared by every handler through
//! `State<Todos>`. One middleware logs each request. The table's name comes
//! from `TABLE_NAME` (set in Cargo.toml's `[package.metadata.goblet]`);
//! `AWS_ENDPOINT_URL` points the client at a local stand-in such as moto or
//! DynamoDB Local (`goblet local --env AWS_ENDPOINT_URL=http://127.0.0.1:8001`).

mod app;
mod store;

use std::time::Instant;

use goblet::middleware::from_fn;
use goblet::{App, BoxError};

#[goblet::main]
async fn main() -> Result<App, BoxError> {
    let table = std::env::var("TABLE_NAME").unwrap_or_default();
    if table.is_empty() {
        return Err("TABLE_NAME is not set: the function needs its DynamoDB table's name".into());
    }
    let started = Instant::now();
    let aws = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let todos = store::Todos::new(aws_sdk_dynamodb::Client::new(&aws), table);
    tracing::info!(
        init_ms = started.elapsed().as_secs_f64() * 1000.0,
        "the DynamoDB client is ready"
    );
    Ok(App::new().state(todos).layer(from_fn(app::access_log)))
}
