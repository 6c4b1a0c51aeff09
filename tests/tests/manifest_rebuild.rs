//! The manifest follows the source: edit a copy of helloworld, rebuild, and
//! `goblet manifest` shows the change. Conflicting routes never reach a deploy.

use std::sync::Arc;

use goblet_local::lambda::{FunctionConfig, LogSink, Worker};
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
        "mod app;\nmod admin;\nmod public;\ngoblet::app!();\n",
    );
    let handler = |name: &str| {
        format!(
            "use goblet::prelude::*;\n\n// {name}\n#[route(\"/status\", auth = \"none\")]\nfn status() -> &'static str {{\n    \"{name}\"\n}}\n"
        )
    };
    app.write("admin.rs", &handler("admin"));
    app.write("public.rs", &handler("public"));
    // Both handlers are in one crate: the macro's marker makes rustc reject
    // the second at compile time (E0428), pointing at both path literals.
    // A build that succeeds, or fails for another reason, is a regression.
    let output = app
        .build()
        .expect_err("two handlers for GET /status must not compile");
    let marker = "__goblet_route_GET__status";
    let errors: Vec<&str> = output
        .lines()
        .filter(|l| l.starts_with("error[") || l.starts_with("error:"))
        .collect();
    assert_eq!(
        errors[0],
        format!("error[E0428]: the name `{marker}` is defined multiple times"),
        "{output}"
    );
    // Nothing else is wrong with the app: the only other line is cargo's summary.
    assert!(
        errors[1..]
            .iter()
            .all(|l| l.starts_with("error: could not compile")),
        "{output}"
    );
    // One location is the redefinition, the other the previous definition;
    // which is which depends on the compiler's order, so accept either.
    let at = |file: &str| format!("{file}:4:9");
    let (redefined, previous) = if output.contains(&format!("--> {}", at("src/public.rs"))) {
        ("src/public.rs", "src/admin.rs")
    } else {
        ("src/admin.rs", "src/public.rs")
    };
    assert!(
        output.contains(&format!("--> {}", at(redefined))),
        "{output}"
    );
    assert!(
        output.contains(&format!("::: {}", at(previous))),
        "{output}"
    );
    assert!(
        output.contains(&format!("`{marker}` redefined here")),
        "{output}"
    );
    assert!(
        output.contains(&format!("previous definition of the macro `{marker}` here")),
        "{output}"
    );
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
    // Each route is fine on its own, so the macro cannot see the conflict:
    // the app compiles, and the whole-binary checks must catch it.
    let binary = built.unwrap_or_else(|output| panic!("the app should compile: {output}"));
    const CONFLICT: &str = "paths /users/{id} and /users/{name}/posts name the parameter \
                            at /users/… differently; API Gateway needs one name per position";
    let run = goblet([std::path::Path::new("manifest"), &binary]);
    // `goblet manifest` names the binary, then the conflict.
    assert_eq!(
        run.expect_user_error(),
        format!("{}: {CONFLICT}", binary.display())
    );

    let sink: LogSink = Arc::new(|_| {});
    let worker = Worker::spawn(&binary, &FunctionConfig::new("hello-params"), sink)
        .await
        .unwrap();
    let doc = goblet_tests::lambda::expect_init_error(&worker).await;
    assert_eq!(doc["errorMessage"], CONFLICT, "{doc}");
}
