//! Benchmark baseline: `lambda_runtime::run` alone, no HTTP layer, answering
//! every event with the REST API proxy reply `200 {"hello":"world"}`. What
//! `bench/memory.sh` compares goblet's own invocation loop against.

use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::{Value, json};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(|_: LambdaEvent<Value>| async {
        Ok::<_, Error>(json!({
            "statusCode": 200,
            "headers": {"content-type": "application/json"},
            "body": r#"{"hello":"world"}"#,
        }))
    }))
    .await
}
