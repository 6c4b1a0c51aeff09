//! Benchmark baseline: a plain `lambda_http` function answering every request
//! with `{"hello":"world"}`, the same answer as goblet's helloworld example.

use lambda_http::{Body, Error, Request, Response, run, service_fn};
use serde_json::json;

#[tokio::main]
async fn main() -> Result<(), Error> {
    run(service_fn(|_: Request| async {
        let body = json!({"hello": "world"}).to_string();
        Ok::<_, Error>(
            Response::builder()
                .status(200)
                .header("content-type", "application/json")
                .body(Body::from(body))?,
        )
    }))
    .await
}
