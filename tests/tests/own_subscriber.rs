//! An app that installs a `tracing` subscriber of its own keeps it: goblet's
//! Lambda-shaped subscriber serves only the app's `main`, as a scoped
//! default, and is never made global over the app's.

use goblet_project::manifest::read_manifest;
use goblet_tests::build::StandaloneApp;
use goblet_tests::events::{Api, EventShape, HttpRequest};
use goblet_tests::lambda::LambdaApp;

const MAIN: &str = r#"mod app;

#[goblet::main]
async fn main() -> goblet::App {
    tracing_subscriber::fmt()
        .with_ansi(false)
        .without_time()
        .with_target(false)
        .with_writer(std::io::stdout)
        .init();
    tracing::info!("logged during init");
    goblet::App::new()
}
"#;

const APP: &str = r#"use goblet::prelude::*;

#[route("/", auth = "none")]
async fn index() -> Json<Value> {
    tracing::info!(answer = 42, "logged by a handler");
    Json(json!({"hello": "world"}))
}
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_app_that_installs_its_own_subscriber_keeps_it() {
    let app = StandaloneApp::new("own-subscriber");
    app.depend_on(r#"tracing = "0.1""#);
    app.depend_on(
        r#"tracing-subscriber = { version = "0.3", default-features = false, features = ["fmt", "std"] }"#,
    );
    app.write("main.rs", MAIN);
    app.write("app.rs", APP);
    let binary = tokio::task::spawn_blocking(move || app.build())
        .await
        .unwrap()
        .unwrap_or_else(|e| panic!("{e}"));
    let api = Api::new(&read_manifest(&binary).unwrap());
    let function = LambdaApp::start(&binary, "own-subscriber").await;
    let event = api.event(EventShape::REST_V1, &HttpRequest::get("/").routed("/", &[]));
    let response = function.http(&event).await;
    assert_eq!(response.status, 200, "{:?}", function.logs());

    // The handler's line is in tracing-subscriber's fmt shape, the app's
    // choice (inside lambda_runtime's invocation span, as fmt shows spans),
    // not goblet's tab-separated Lambda text.
    let handled = function.wait_for_log("logged by a handler").await;
    let handled = handled.trim();
    assert!(
        handled.starts_with("INFO Lambda runtime invoke{requestId=\"")
            && handled.ends_with("}: logged by a handler answer=42")
            && !handled.contains('\t'),
        "{handled:?}"
    );
    // Its `main` ran under goblet's subscriber (Lambda's text shape, with no
    // request id during init): the app's global default, installed inside
    // that scope, takes over once `main` has returned.
    let init = function.wait_for_log("logged during init").await;
    let fields: Vec<&str> = init.split('\t').collect();
    assert_eq!(fields[1..], ["", "INFO", "logged during init"], "{init:?}");
}
