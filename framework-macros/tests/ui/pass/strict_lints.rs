//! Generated code stays quiet under strict lints, wherever the route is.
#![deny(
    warnings,
    missing_docs,
    unused,
    unreachable_pub,
    rust_2018_idioms,
    non_local_definitions
)]
#![deny(unsafe_code)]

use goblet::prelude::*;

/// Documented, as `missing_docs` wants.
#[route("/strict", methods = ["GET", "POST"])]
pub async fn strict(request: Request) -> String {
    request.path().to_owned()
}

#[route("/unit")]
fn unit() {}

fn main() {
    // A route declared inside a function body.
    #[route("/local")]
    fn local() -> &'static str {
        "local"
    }

    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    runtime.block_on(async {
        let client = goblet::testing::Client::new();
        assert_eq!(client.post("/strict").send().await.text(), "/strict");
        assert_eq!(client.get("/local").send().await.text(), "local");
        assert!(client.get("/unit").send().await.status().is_success());
    });
}
