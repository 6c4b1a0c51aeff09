//! The manifest follows the source: edit a copy of helloworld, rebuild, and
//! `goblet manifest` shows the change. Conflicting routes never reach a deploy.

use std::sync::Arc;
use std::time::Duration;

use goblet_local::lambda::{FunctionConfig, InvokeError, LogSink, Worker};
use goblet_tests::build::StandaloneApp;
use goblet_tests::cli::goblet;
use serde_json::Value;

fn routes(binary: &std::path::Path) -> Vec<(String, String, String)> {
    let run = goblet([std::path::Path::new("manifest"), binary]);
    assert_eq!(run.code, Some(0), "{run:#?}");
    let manifest: Value = serde_json::from_str(&run.stdout).unwrap();
    manifest["routes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let text = |k: &str| r[k].as_str().unwrap().to_owned();
            (text("method"), text("path"), text("handler"))
        })
        .collect()
}

const SECOND_ROUTE: &str = r#"
#[route("/users/{id}", methods = ["PUT"], auth = "none")]
async fn replace_user(Path(id): Path<u32>) -> Json<Value> {
    Json(json!({"id": id}))
}
"#;

#[test]
fn adding_and_removing_a_route_changes_the_manifest() {
    let app = StandaloneApp::new("hello-routes");
    let original = app.read("app.rs");

    app.write("app.rs", &format!("{original}{SECOND_ROUTE}"));
    let binary = app.build().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        routes(&binary),
        [
            ("GET".into(), "/".into(), "hello_routes::app::index".into()),
            (
                "PUT".into(),
                "/users/{id}".into(),
                "hello_routes::app::replace_user".into()
            ),
        ]
    );
    let run = goblet([std::path::Path::new("manifest"), &binary]);
    let manifest: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(manifest["app_name"], "hello-routes");
    assert_eq!(
        manifest["routes"][1]["path_parameters"],
        serde_json::json!(["id"])
    );
    assert_eq!(manifest["routes"][1]["authorization_type"], "NONE");

    app.write("app.rs", &original);
    let binary = app.build().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        routes(&binary),
        [("GET".into(), "/".into(), "hello_routes::app::index".into())]
    );
}

#[test]
fn two_handlers_for_one_route_are_rejected_naming_both() {
    let app = StandaloneApp::new("hello-dupes");
    app.write(
        "main.rs",
        "mod app;\nmod admin;\nmod public;\ngoblet::main!();\n",
    );
    let handler = |name: &str| {
        format!(
            "use goblet::prelude::*;\n\n// {name}\n#[route(\"/status\", auth = \"none\")]\nfn status() -> &'static str {{\n    \"{name}\"\n}}\n"
        )
    };
    app.write("admin.rs", &handler("admin"));
    app.write("public.rs", &handler("public"));
    match app.build() {
        // Detected at compile time: the error points at both definitions.
        Err(output) => {
            assert!(output.contains("src/admin.rs:4"), "{output}");
            assert!(output.contains("src/public.rs:4"), "{output}");
        }
        // Or by the manifest reader, which names both handlers' sources.
        Ok(binary) => {
            let run = goblet([std::path::Path::new("manifest"), &binary]);
            let message = run.expect_user_error();
            assert!(
                message.contains("route GET /status is defined twice"),
                "{message}"
            );
            assert!(message.contains("src/admin.rs:4"), "{message}");
            assert!(message.contains("src/public.rs:4"), "{message}");
        }
    }
}

/// API Gateway allows one parameter name per position; the macro sees one
/// route at a time, so the whole-binary checks catch this one: `goblet
/// manifest` refuses it, and the app reports an init error to Lambda.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conflicting_parameter_names_fail_the_manifest_and_the_init() {
    let built = tokio::task::spawn_blocking(|| {
        let app = StandaloneApp::new("hello-params");
        app.write(
            "app.rs",
            "use goblet::prelude::*;\n\n\
             #[route(\"/users/{id}\")]\nfn user(Path(id): Path<String>) -> String {\n    id\n}\n\n\
             #[route(\"/users/{name}/posts\")]\nfn posts(Path(name): Path<String>) -> String {\n    name\n}\n",
        );
        app.build()
    })
    .await
    .unwrap();
    let binary = match built {
        Ok(binary) => binary,
        // Caught at compile time: good too, if the message says where.
        Err(output) => {
            assert!(
                output.contains("{id}") && output.contains("{name}"),
                "{output}"
            );
            return;
        }
    };
    let run = goblet([std::path::Path::new("manifest"), &binary]);
    let message = run.expect_user_error();
    assert!(message.contains("/users/{id}"), "{message}");
    assert!(message.contains("/users/{name}/posts"), "{message}");

    let sink: LogSink = Arc::new(|_| {});
    let worker = Worker::spawn(&binary, &FunctionConfig::new("hello-params"), sink)
        .await
        .unwrap();
    let err = tokio::time::timeout(Duration::from_secs(30), worker.ready())
        .await
        .expect("the worker neither started nor failed")
        .unwrap_err();
    let InvokeError::InitFailed { error_type, body } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(error_type, "goblet.InitError");
    let doc: Value = serde_json::from_slice(body).unwrap();
    assert!(
        doc["errorMessage"]
            .as_str()
            .unwrap()
            .contains("/users/{name}/posts"),
        "{doc}"
    );
    // Every invocation now fails the same way, at once.
    let again = worker.invoke("{}".into(), Duration::from_secs(5)).await;
    assert_eq!(again.unwrap_err(), err);
    assert!(worker.wait().await.is_some_and(|s| !s.success()));
}
