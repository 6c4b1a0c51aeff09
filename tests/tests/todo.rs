//! examples/todo end to end: its release binary under a real `goblet local`,
//! its DynamoDB client pointed at moto's server on loopback with
//! `--env AWS_ENDPOINT_URL=...`, called over HTTP like any client would.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use goblet_tests::build;
use goblet_tests::local::{Scratch, Served, clean_command};
use goblet_tests::moto::{self, Moto};
use http_body_util::{BodyExt as _, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::{Value, json};

/// `goblet local` serving the todo app, interrupted on drop.
struct Local {
    served: Served,
    _home: Scratch,
}

impl Local {
    /// `goblet local --binary todo --env ...`, with moto's test credentials
    /// in its environment (goblet local hands them to the function, as the
    /// execution role's would be).
    fn start(env: &[(&str, &str)]) -> Local {
        let home = Scratch::new();
        let mut command = clean_command(&build::release().goblet, &home.0);
        command.envs(moto::credentials());
        let env: Vec<String> = env
            .iter()
            .flat_map(|(name, value)| ["--env".to_owned(), format!("{name}={value}")])
            .collect();
        let env: Vec<&str> = env.iter().map(String::as_str).collect();
        Local {
            served: Served::launch(command, todo_binary(), &env),
            _home: home,
        }
    }

    fn output(&self) -> Vec<String> {
        self.served.output()
    }

    fn wait_for<T>(&mut self, what: &str, find: impl Fn(&str) -> Option<T>) -> T {
        self.served
            .wait_for(what, |out| out.iter().find_map(|l| find(l)))
    }

    /// `(status, body as JSON or Null)`.
    fn call(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        let url = format!("{}{}", self.served.url.trim_end_matches('/'), path);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let client = Client::builder(TokioExecutor::new()).build_http();
            let mut request = http::Request::builder().method(method).uri(&url);
            if body.is_some() {
                request = request.header("content-type", "application/json");
            }
            let bytes = body.map(|b| b.to_string()).unwrap_or_default();
            let request = request.body(Full::new(bytes::Bytes::from(bytes))).unwrap();
            let response = tokio::time::timeout(Duration::from_secs(30), client.request(request))
                .await
                .expect("goblet local answers within 30 s")
                .expect("an HTTP response");
            let status = response.status().as_u16();
            let body = response.into_body().collect().await.unwrap().to_bytes();
            let value = if body.is_empty() {
                Value::Null
            } else {
                serde_json::from_slice(&body).unwrap_or_else(|e| {
                    panic!("{method} {path}: {e}: {}", String::from_utf8_lossy(&body))
                })
            };
            (status, value)
        })
    }
}

fn todo_binary() -> &'static Path {
    &build::release().todo
}

/// moto with the app's table, `todos` keyed by `id`.
fn moto_with_table() -> Moto {
    let moto = Moto::start();
    moto.boto3(
        r#"
ddb = boto3.client("dynamodb")
ddb.create_table(TableName="todos", BillingMode="PAY_PER_REQUEST",
    AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
    KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}])
print(json.dumps(True))
"#,
    );
    moto
}

#[test]
fn crud_over_moto_dynamodb() {
    let moto = moto_with_table();
    let endpoint = moto.endpoint();
    let mut local = Local::start(&[("TABLE_NAME", "todos"), ("AWS_ENDPOINT_URL", &endpoint)]);

    let (status, created) = local.call("POST", "/todos", Some(json!({"title": "write tests"})));
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(id.len(), 32, "{created}");
    assert_eq!(
        created,
        json!({"id": id, "title": "write tests", "done": false})
    );
    let (status, second) = local.call(
        "POST",
        "/todos",
        Some(json!({"title": "ship", "done": true})),
    );
    assert_eq!(status, 201);

    // What the handler wrote is in moto's table.
    let stored = moto.boto3(&format!(
        r#"
ddb = boto3.client("dynamodb")
print(json.dumps(ddb.get_item(TableName="todos", Key={{"id": {{"S": "{id}"}}}})["Item"]))
"#
    ));
    assert_eq!(
        stored,
        json!({"id": {"S": id}, "title": {"S": "write tests"}, "done": {"BOOL": false}})
    );

    assert_eq!(
        local.call("GET", &format!("/todos/{id}"), None),
        (200, created.clone())
    );
    let (status, all) = local.call("GET", "/todos", None);
    assert_eq!(status, 200);
    let mut expected = vec![created.clone(), second.clone()];
    expected.sort_by(|a, b| a["id"].as_str().cmp(&b["id"].as_str()));
    assert_eq!(all, Value::Array(expected));

    let (status, updated) = local.call("PUT", &format!("/todos/{id}"), Some(json!({"done": true})));
    assert_eq!(
        (status, updated),
        (200, json!({"id": id, "title": "write tests", "done": true}))
    );

    assert_eq!(
        local.call("DELETE", &format!("/todos/{id}"), None),
        (204, Value::Null)
    );
    let missing =
        json!({"Code": "NotFoundError", "Message": format!("Todo '{id}' does not exist")});
    assert_eq!(
        local.call("GET", &format!("/todos/{id}"), None),
        (404, missing.clone())
    );
    assert_eq!(
        local.call("DELETE", &format!("/todos/{id}"), None),
        (404, missing.clone())
    );
    // An update never creates a to-do.
    assert_eq!(
        local.call("PUT", &format!("/todos/{id}"), Some(json!({"title": "x"}))),
        (404, missing)
    );

    // Bad input is the client's error.
    let (status, body) = local.call("POST", "/todos", Some(json!({"title": ""})));
    assert_eq!(
        (status, body["Code"].as_str()),
        (400, Some("BadRequestError"))
    );
    let (status, body) = local.call("PUT", &format!("/todos/{id}"), Some(json!({})));
    assert_eq!(
        (status, body["Code"].as_str()),
        (400, Some("BadRequestError"))
    );

    // The middleware's line for each request, and the init phase's own.
    local.wait_for("the access log line", |l| {
        (l.contains("request") && l.contains("status=404") && l.contains("DELETE")).then_some(())
    });
    local.wait_for("the client's init line", |l| {
        l.contains("the DynamoDB client is ready").then_some(())
    });
}

#[test]
fn a_dynamodb_error_is_a_500_that_leaks_nothing() {
    let moto = moto_with_table();
    let endpoint = moto.endpoint();
    let mut local = Local::start(&[
        ("TABLE_NAME", "no-such-table"),
        ("AWS_ENDPOINT_URL", &endpoint),
    ]);
    let (status, body) = local.call("GET", "/todos/1", None);
    assert_eq!(
        (status, body),
        (
            500,
            json!({"Code": "InternalServerError", "Message": "An internal server error occurred."})
        )
    );
    // The details are in the function's log, not in the answer.
    local.wait_for("the error in the log", |l| {
        l.contains("ResourceNotFoundException").then_some(())
    });
}

#[test]
fn an_init_error_is_a_502_and_the_log_says_why() {
    let mut local = Local::start(&[("TABLE_NAME", "")]);
    let (status, body) = local.call("GET", "/todos", None);
    assert_eq!(
        (status, body),
        (502, json!({"message": "Internal server error"}))
    );
    local.wait_for("the init error", |l| {
        l.contains("TABLE_NAME is not set").then_some(())
    });
    // As Lambda logs it: the Init failed, was run again within the
    // invocation (a suppressed init) and failed again, and the invocation
    // that could not run is reported as an error of that type.
    let report = local.wait_for("the REPORT", |l| {
        l.starts_with("REPORT ").then(|| l.to_owned())
    });
    assert!(
        report.ends_with("\tStatus: error\tError Type: Runtime.InitError\t"),
        "{report:?}"
    );
    let out = local.output();
    let at = |prefix: &str| {
        out.iter()
            .position(|l| l.starts_with(prefix))
            .unwrap_or_else(|| panic!("no line starting {prefix:?}: {out:#?}"))
    };
    let init_phase = at("INIT_REPORT Init Duration: ");
    let invoke_phase = out
        .iter()
        .position(|l| l.starts_with("INIT_REPORT") && l.contains("\tPhase: invoke\t"))
        .unwrap_or_else(|| panic!("no suppressed init: {out:#?}"));
    assert!(
        out[init_phase].ends_with("\tPhase: init\tStatus: error\tError Type: Runtime.InitError"),
        "{out:#?}"
    );
    assert!(
        out[invoke_phase].ends_with("\tStatus: error\tError Type: Runtime.InitError"),
        "{out:#?}"
    );
    let start = at("START RequestId: ");
    let error = at("RequestId: ");
    assert!(
        init_phase < invoke_phase && invoke_phase < start && start < error,
        "{out:#?}"
    );
    assert!(out[error].contains("TABLE_NAME is not set"), "{out:#?}");
    assert!(!report.contains("Init Duration"), "{report:?}");
}

/// Through the real Runtime API alone (no gateway): an app whose `main` fails
/// posts `/runtime/init/error` as `Runtime.InitError` with its message, and
/// every invocation then fails the same way.
#[test]
fn a_failing_main_is_an_init_error_on_the_runtime_api() {
    use goblet_local::lambda::{FunctionConfig, LogSink, Worker};
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let lines = Arc::new(Mutex::new(Vec::new()));
        let sink: LogSink = {
            let lines = lines.clone();
            Arc::new(move |line| lines.lock().unwrap().push(line.text))
        };
        // No TABLE_NAME: the app's main refuses to start.
        let worker = Worker::spawn(todo_binary(), &FunctionConfig::new("todo"), sink)
            .await
            .unwrap();
        let doc = goblet_tests::lambda::expect_init_error(&worker).await;
        assert_eq!(
            doc["errorMessage"],
            "the app's main failed: TABLE_NAME is not set: the function needs its DynamoDB table's name",
            "{doc}"
        );
        let logged = lines.lock().unwrap().join("\n");
        assert!(logged.contains("TABLE_NAME is not set"), "{logged}");
    });
}
