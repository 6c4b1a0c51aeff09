//! The showcase's release binary under the deployer's Runtime API and worker,
//! fed REST API, HTTP API, ALB and function URL events: every route, bad
//! events, panics, crashes and timeouts.

use std::time::Duration;

use goblet_local::lambda::{InvokeError, Outcome};
use goblet_project::manifest::read_manifest;
use goblet_tests::build;
use goblet_tests::events::{Api, EventShape, HttpRequest};
use goblet_tests::lambda::{LambdaApp, OsProcess, ProxyResponse};
use serde_json::{Value, json};

const INTERNAL_ERROR: &str =
    r#"{"Code":"InternalServerError","Message":"An internal server error occurred."}"#;
const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

struct Showcase {
    app: LambdaApp,
    api: Api,
}

impl Showcase {
    async fn start() -> Showcase {
        let binary = tokio::task::spawn_blocking(|| build::release().showcase.clone())
            .await
            .expect("the release build");
        let manifest = read_manifest(&binary).expect("the showcase manifest");
        Showcase {
            app: LambdaApp::start(&binary, "showcase").await,
            api: Api::new(&manifest),
        }
    }

    async fn send(&self, front: EventShape, request: &HttpRequest) -> ProxyResponse {
        let event = self.api.event(front, request);
        let response = self.app.http(&event).await;
        check_shape(front, &response);
        response
    }
}

/// The response has the fields its front requires, and no others.
fn check_shape(front: EventShape, response: &ProxyResponse) {
    let raw = response.raw.as_object().expect("a JSON object");
    let mut keys: Vec<&str> = raw.keys().map(String::as_str).collect();
    keys.sort_unstable();
    let expected: &[&str] = match front {
        EventShape::REST_V1 => &[
            "body",
            "headers",
            "isBase64Encoded",
            "multiValueHeaders",
            "statusCode",
        ],
        EventShape::HTTP_V2 | EventShape::FUNCTION_URL => &[
            "body",
            "cookies",
            "headers",
            "isBase64Encoded",
            "statusCode",
        ],
        EventShape::ALB => &[
            "body",
            "headers",
            "isBase64Encoded",
            "statusCode",
            "statusDescription",
        ],
        EventShape::ALB_MULTI_VALUE => &[
            "body",
            "isBase64Encoded",
            "multiValueHeaders",
            "statusCode",
            "statusDescription",
        ],
        other => panic!("not one of EventShape::ALL: {other:?}"),
    };
    assert_eq!(keys, expected, "{front:?}: {}", response.raw);
    if matches!(front, EventShape::ALB | EventShape::ALB_MULTI_VALUE) {
        let description = raw["statusDescription"].as_str().unwrap();
        assert!(
            description.starts_with(&format!("{} ", response.status)),
            "{description}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_front_reaches_every_kind_of_route() {
    let s = Showcase::start().await;
    for front in EventShape::ALL {
        let r = s.send(front, &HttpRequest::get("/").routed("/", &[])).await;
        assert_eq!(
            (r.status, r.json()),
            (200, json!({"hello": "world"})),
            "{front:?}"
        );
        assert_eq!(
            r.header("content-type").as_deref(),
            Some("application/json"),
            "{front:?}"
        );
        assert!(!r.is_base64_encoded);

        let users_42 = HttpRequest::get("/users/42").routed("/users/{id}", &[("id", "42")]);
        let r = s.send(front, &users_42).await;
        assert_eq!((r.status, r.json()), (200, json!({"id": 42})), "{front:?}");

        let r = s
            .send(
                front,
                &HttpRequest::get("/teams/red/members/7").routed(
                    "/teams/{team}/members/{member}",
                    &[("team", "red"), ("member", "7")],
                ),
            )
            .await;
        assert_eq!(
            (r.status, r.json()),
            (200, json!({"team": "red", "member": 7})),
            "{front:?}"
        );

        let r = s
            .send(
                front,
                &HttpRequest::get("/files/a/b%20c/d.txt")
                    .routed("/files/{path+}", &[("path", "a/b c/d.txt")]),
            )
            .await;
        assert_eq!(
            (r.status, r.text().as_str()),
            (200, "file: a/b c/d.txt"),
            "{front:?}"
        );

        let r = s
            .send(
                front,
                &HttpRequest::post("/users")
                    .routed("/users", &[])
                    .json(&json!({"name": "bob"})),
            )
            .await;
        assert_eq!(
            (r.status, r.json()),
            (201, json!({"id": 7, "name": "bob"})),
            "{front:?}"
        );

        let r = s
            .send(
                front,
                &HttpRequest::get("/search?q=rust+lang&page=2").routed("/search", &[]),
            )
            .await;
        assert_eq!(
            r.json(),
            json!({"q": "rust lang", "page": "2"}),
            "{front:?}"
        );

        let item = [("id", "9")];
        let get = HttpRequest::get("/items/9").routed("/items/{id}", &item);
        let r = s.send(front, &get).await;
        assert_eq!(r.json(), json!({"id": "9"}), "{front:?}");
        let put = HttpRequest::new("PUT", "/items/9")
            .routed("/items/{id}", &item)
            .json(&json!({"colour": "red"}));
        let r = s.send(front, &put).await;
        assert_eq!(
            r.json(),
            json!({"id": "9", "replaced_with": {"colour": "red"}}),
            "{front:?}"
        );
        let delete = HttpRequest::new("DELETE", "/items/9").routed("/items/{id}", &item);
        let r = s.send(front, &delete).await;
        assert_eq!((r.status, r.body.len()), (204, 0), "{front:?}");

        let r = s
            .send(front, &HttpRequest::get("/keyed").routed("/keyed", &[]))
            .await;
        assert_eq!(r.text(), "you have a key", "{front:?}");

        let r = s
            .send(front, &HttpRequest::get("/cors").routed("/cors", &[]))
            .await;
        assert_eq!(
            r.header("access-control-allow-origin").as_deref(),
            Some("*"),
            "{front:?}"
        );

        let conflict =
            HttpRequest::get("/errors/conflict").routed("/errors/{kind}", &[("kind", "conflict")]);
        let r = s.send(front, &conflict).await;
        assert_eq!(r.status, 409, "{front:?}");
        assert_eq!(
            r.json(),
            json!({"Code": "ConflictError", "Message": "already there"})
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn binary_bodies_travel_base64_encoded() {
    let s = Showcase::start().await;
    for front in EventShape::ALL {
        let r = s
            .send(
                front,
                &HttpRequest::get("/pixel.png").routed("/pixel.png", &[]),
            )
            .await;
        assert_eq!(r.status, 200, "{front:?}");
        assert_eq!(
            r.header("content-type").as_deref(),
            Some("image/png"),
            "{front:?}"
        );
        assert!(r.is_base64_encoded, "{front:?}");
        assert!(r.body.starts_with(PNG_SIGNATURE), "{front:?}");
        assert!(r.body.ends_with(b"IEND\xae\x42\x60\x82"), "{front:?}");
        let png = r.body;

        let upload = HttpRequest::post("/upload")
            .routed("/upload", &[])
            .binary("application/octet-stream", &[0, 255, 1, 254]);
        let r = s.send(front, &upload).await;
        assert_eq!(r.json(), json!({"size": 4, "byte_sum": 510}), "{front:?}");

        // The image just downloaded goes back up as `image/png`: the handler
        // must see exactly its bytes. They are not UTF-8 (0x89 first), so a
        // body taken as text or left base64-encoded changes size or sum.
        let upload = HttpRequest::post("/upload")
            .routed("/upload", &[])
            .binary("image/png", &png);
        let event = s.api.event(front, &upload);
        assert_eq!(event["isBase64Encoded"], true, "{front:?}");
        let r = s.send(front, &upload).await;
        let sum: u64 = png.iter().map(|b| u64::from(*b)).sum();
        assert_eq!(
            (r.status, r.json()),
            (200, json!({"size": png.len(), "byte_sum": sum})),
            "{front:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_request_arrives_as_sent() {
    let s = Showcase::start().await;
    for front in EventShape::ALL {
        // `/echo` takes any method: the HTTP API route is `ANY /echo`.
        let request = HttpRequest::new("PUT", "/echo?a=1&a=2&b=caf%C3%A9")
            .routed("/echo", &[])
            .any_method()
            .header("X-Multi", "one")
            .header("X-Multi", "two")
            .header("Content-Type", "text/plain")
            .body("hello");
        let body = s.send(front, &request).await.json();
        assert_eq!(body["method"], "PUT", "{front:?}");
        assert_eq!(body["path"], "/echo", "{front:?}");
        assert_eq!(body["body"], "hello", "{front:?}");
        assert_eq!(body["body_len"], 5, "{front:?}");
        let (a, multi) = match front {
            // Without multi-value headers, an ALB keeps the last value only.
            EventShape::ALB => (json!(["2"]), json!(["two"])),
            EventShape::HTTP_V2 | EventShape::FUNCTION_URL => {
                (json!(["1", "2"]), json!(["one,two"]))
            }
            EventShape::REST_V1 | EventShape::ALB_MULTI_VALUE => {
                (json!(["1", "2"]), json!(["one", "two"]))
            }
            other => panic!("not one of EventShape::ALL: {other:?}"),
        };
        assert_eq!(body["query"], json!({"a": a, "b": ["café"]}), "{front:?}");
        // REST APIs and multi-value ALBs carry each value on its own; payload
        // 2.0 joins them with commas before the app sees them.
        assert_eq!(body["headers"]["x-multi"], multi, "{front:?}");
        assert_eq!(
            body["headers"]["user-agent"],
            json!(["curl/8.5.0"]),
            "{front:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cookies_and_stage_variables() {
    let s = Showcase::start().await;
    // An ALB without multi-value headers returns one value per header.
    for front in [
        EventShape::REST_V1,
        EventShape::HTTP_V2,
        EventShape::ALB_MULTI_VALUE,
        EventShape::FUNCTION_URL,
    ] {
        let r = s
            .send(front, &HttpRequest::get("/cookies").routed("/cookies", &[]))
            .await;
        assert_eq!(
            r.header_values("set-cookie"),
            ["a=1; Path=/", "b=2; Path=/"],
            "{front:?}"
        );
        assert_eq!(r.text(), "two cookies");
    }
    let r = s
        .send(
            EventShape::HTTP_V2,
            &HttpRequest::get("/cookies").routed("/cookies", &[]),
        )
        .await;
    assert_eq!(r.raw["cookies"], json!(["a=1; Path=/", "b=2; Path=/"]));
    // An ALB without multi-value headers carries one value per header: the last
    // cookie, intact (never two cookies glued together with a comma).
    let r = s.send(EventShape::ALB, &HttpRequest::get("/cookies")).await;
    assert_eq!(r.raw["headers"]["set-cookie"], json!("b=2; Path=/"));

    let request = HttpRequest::get("/stage")
        .routed("/stage", &[])
        .stage_variable("color", "blue");
    let r = s.send(EventShape::REST_V1, &request).await;
    assert_eq!(
        r.json(),
        json!({"stage": "prod", "variables": {"color": "blue"}})
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn iam_callers_are_identified() {
    let s = Showcase::start().await;
    for front in [
        EventShape::REST_V1,
        EventShape::HTTP_V2,
        EventShape::FUNCTION_URL,
    ] {
        let r = s
            .send(
                front,
                &HttpRequest::get("/whoami")
                    .routed("/whoami", &[])
                    .iam_user("alice"),
            )
            .await;
        assert_eq!(r.status, 200, "{front:?}");
        let body = r.json();
        assert_eq!(
            body["userArn"], "arn:aws:iam::123456789012:user/alice",
            "{front:?}"
        );
        assert_eq!(body["accountId"], "123456789012", "{front:?}");
        assert_eq!(body["accessKey"], "AKIAIOSFODNN7EXAMPLE", "{front:?}");
        assert_eq!(body["sourceIp"], "203.0.113.9", "{front:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_errors() {
    let s = Showcase::start().await;
    let r = s
        .send(
            EventShape::REST_V1,
            &HttpRequest::get("/users/abc").routed("/users/{id}", &[("id", "abc")]),
        )
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["Code"], "BadRequestError");
    let r = s
        .send(
            EventShape::HTTP_V2,
            &HttpRequest::post("/users")
                .routed("/users", &[])
                .header("Content-Type", "text/plain")
                .body("hi"),
        )
        .await;
    assert_eq!(r.status, 415);
    // Function URLs and ALBs send every path and method, matched or not (no
    // route to state): the app answers 404 / 405.
    for front in [EventShape::FUNCTION_URL, EventShape::ALB] {
        let r = s.send(front, &HttpRequest::get("/nowhere")).await;
        assert_eq!(r.status, 404, "{front:?}");
        assert_eq!(r.json()["Code"], "NotFoundError", "{front:?}");
        let r = s.send(front, &HttpRequest::new("PATCH", "/items/1")).await;
        assert_eq!(r.status, 405, "{front:?}");
        assert_eq!(
            r.header("allow").as_deref(),
            Some("DELETE, GET, PUT"),
            "{front:?}"
        );
    }
    for (kind, status, code) in [
        ("bad-request", 400, "BadRequestError"),
        ("unauthorized", 401, "UnauthorizedError"),
        ("forbidden", 403, "ForbiddenError"),
        ("not-found", 404, "NotFoundError"),
        ("unprocessable", 422, "UnprocessableEntityError"),
        ("too-many", 429, "TooManyRequestsError"),
        ("internal", 500, "InternalServerError"),
    ] {
        let r = s
            .send(
                EventShape::REST_V1,
                &HttpRequest::get(&format!("/errors/{kind}"))
                    .routed("/errors/{kind}", &[("kind", kind)]),
            )
            .await;
        assert_eq!(
            (r.status, r.json()["Code"].as_str()),
            (status, Some(code)),
            "{kind}"
        );
    }
    let r = s
        .send(
            EventShape::REST_V1,
            &HttpRequest::get("/errors/internal").routed("/errors/{kind}", &[("kind", "internal")]),
        )
        .await;
    assert_eq!(r.text(), INTERNAL_ERROR);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_event_is_a_function_error_and_the_next_is_served() {
    let s = Showcase::start().await;
    let process = s.app.worker_process();
    let cases = [
        (
            json!({"foo": 1}),
            "goblet.UnknownEvent",
            "not an HTTP request",
        ),
        (
            json!([1, 2, 3]),
            "goblet.InvalidEvent",
            "field `[0]`: invalid type",
        ),
        (json!("text"), "goblet.InvalidEvent", "invalid type: string"),
        (
            json!({"httpMethod": "GET", "requestContext": {"identity": {"sourceIp": 7}}}),
            "goblet.InvalidEvent",
            "field `requestContext.identity.sourceIp`: invalid type: integer `7`",
        ),
        (
            json!({"httpMethod": "GET", "requestContext": {}, "headers": {"a": 1}}),
            "goblet.InvalidEvent",
            "`headers` is not an object of strings",
        ),
    ];
    for (bad, expected_type, expected_message) in cases {
        let invoked = s.app.invoke(&bad).await.expect("the runtime answers");
        let Outcome::FunctionError { error_type, body } = invoked.outcome else {
            panic!("{bad}: not an error: {:?}", invoked.outcome)
        };
        assert_eq!(error_type, expected_type, "{bad}");
        let doc: Value = serde_json::from_slice(&body).expect("an error document");
        assert!(
            doc["errorMessage"]
                .as_str()
                .is_some_and(|m| m.contains(expected_message)),
            "{bad}: {doc}"
        );
        assert_eq!(doc["errorType"], error_type.as_str());

        let users_5 = HttpRequest::get("/users/5").routed("/users/{id}", &[("id", "5")]);
        let r = s.send(EventShape::HTTP_V2, &users_5).await;
        assert_eq!(r.json(), json!({"id": 5}));
    }
    // Not JSON at all (Lambda's Invoke refuses such payloads, but a Runtime
    // API may hand them over): refused as Lambda's own runtimes refuse them.
    for bad in [
        &b"not json"[..],
        b"{\"httpMethod\": ",
        b"\xff\xfe",
        b"{\"path\": \"/\xff\"}",
    ] {
        let invoked = s
            .app
            .worker
            .invoke(bytes::Bytes::copy_from_slice(bad), s.app.function.timeout)
            .await
            .expect("the runtime answers");
        let Outcome::FunctionError { error_type, body } = invoked.outcome else {
            panic!("{bad:?}: not an error: {:?}", invoked.outcome)
        };
        assert_eq!(error_type, "Runtime.UnmarshalError", "{bad:?}");
        let doc: Value = serde_json::from_slice(&body).expect("an error document");
        assert!(
            doc["errorMessage"]
                .as_str()
                .is_some_and(|m| m.starts_with("Unable to unmarshal input: ")),
            "{bad:?}: {doc}"
        );
        let users_5 = HttpRequest::get("/users/5").routed("/users/{id}", &[("id", "5")]);
        let r = s.send(EventShape::HTTP_V2, &users_5).await;
        assert_eq!(r.json(), json!({"id": 5}));
    }
    assert!(s.app.worker.is_alive());
    // The very process that started (same pid and start time) still runs.
    assert_eq!(s.app.worker_process(), process);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panicking_handler_is_a_500_and_the_next_event_is_served() {
    let s = Showcase::start().await;
    for front in EventShape::ALL {
        let r = s
            .send(front, &HttpRequest::get("/panic").routed("/panic", &[]))
            .await;
        assert_eq!(r.status, 500, "{front:?}");
        assert_eq!(r.text(), INTERNAL_ERROR, "{front:?}");
        assert_eq!(
            r.header("content-type").as_deref(),
            Some("application/json"),
            "{front:?}"
        );
        let users_1 = HttpRequest::get("/users/1").routed("/users/{id}", &[("id", "1")]);
        let r = s.send(front, &users_1).await;
        assert_eq!(r.status, 200, "{front:?}");
    }
    assert!(s.app.worker.is_alive());
    // The panic message reaches the logs, not the client.
    s.app.wait_for_log("the handler gave up").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_process_serves_invocation_after_invocation() {
    let s = Showcase::start().await;
    let process = s.app.worker_process();
    let mut ids = std::collections::HashSet::new();
    for i in 0..40 {
        let id = i.to_string();
        let request =
            HttpRequest::get(&format!("/users/{i}")).routed("/users/{id}", &[("id", &id)]);
        let event = s.api.event(EventShape::HTTP_V2, &request);
        let invoked = s.app.invoke(&event).await.unwrap();
        assert!(ids.insert(invoked.request_id.clone()), "request ids repeat");
        let Outcome::Response(body) = invoked.outcome else {
            panic!("{:?}", invoked.outcome)
        };
        assert_eq!(ProxyResponse::parse(&body).json(), json!({"id": i}));
        assert!(invoked.duration < Duration::from_secs(5));
    }
    // No restart in between: the process that served the first invocation,
    // pid and start time alike, is running and serving this endpoint.
    assert_eq!(s.app.worker_process(), process);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_ends_the_worker_and_a_new_one_takes_over() {
    let mut s = Showcase::start().await;
    let event = s.api.event(
        EventShape::REST_V1,
        &HttpRequest::get("/crash").routed("/crash", &[]),
    );
    let err = s.app.invoke(&event).await.unwrap_err();
    let InvokeError::Exited { status } = err else {
        panic!("{err:?}")
    };
    assert!(!status.success());
    assert!(err.to_string().contains("exited"), "{err}");
    assert!(!s.app.worker.is_alive());
    let old_pid = s.app.worker.pid().expect("a pid");
    assert_eq!(
        OsProcess::read(old_pid),
        None,
        "the crashed process {old_pid} still exists"
    );
    // Later invocations fail at once instead of hanging.
    let users_2 = HttpRequest::get("/users/2").routed("/users/{id}", &[("id", "2")]);
    let next = s.api.event(EventShape::REST_V1, &users_2);
    assert!(matches!(
        s.app.invoke(&next).await,
        Err(InvokeError::Exited { .. })
    ));

    s.app.replace_worker().await;
    let new = s.app.worker_process();
    assert_ne!(new.pid, old_pid);
    let r = s.send(EventShape::REST_V1, &users_2).await;
    assert_eq!(r.json(), json!({"id": 2}));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_timeout_ends_the_invocation_and_the_worker_is_replaced() {
    let mut s = Showcase::start().await;
    let event = s.api.event(
        EventShape::HTTP_V2,
        &HttpRequest::get("/sleep/5000").routed("/sleep/{ms}", &[("ms", "5000")]),
    );
    let started = std::time::Instant::now();
    let err = s
        .app
        .invoke_with_timeout(&event, Duration::from_millis(300))
        .await
        .unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert!(matches!(err, InvokeError::TimedOut { .. }), "{err:?}");
    assert_eq!(err.to_string(), "Task timed out after 0.30 seconds");
    // As Lambda does: the environment that timed out is thrown away.
    s.app.replace_worker().await;
    let sleep_10 = HttpRequest::get("/sleep/10").routed("/sleep/{ms}", &[("ms", "10")]);
    let r = s.send(EventShape::HTTP_V2, &sleep_10).await;
    assert_eq!(r.json(), json!({"slept_ms": 10}));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn helloworld_answers_an_iam_caller() {
    let binary = tokio::task::spawn_blocking(|| build::release().helloworld.clone())
        .await
        .unwrap();
    let api = Api::new(&read_manifest(&binary).unwrap());
    let app = LambdaApp::start(&binary, "helloworld").await;
    for front in [
        EventShape::REST_V1,
        EventShape::HTTP_V2,
        EventShape::FUNCTION_URL,
    ] {
        let event = api.event(
            front,
            &HttpRequest::get("/").routed("/", &[]).iam_user("alice"),
        );
        let r = app.http(&event).await;
        assert_eq!(
            (r.status, r.text().as_str()),
            (200, r#"{"hello":"world"}"#),
            "{front:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edge_cases_of_the_event_are_answered_not_crashed_on() {
    let s = Showcase::start().await;

    // A body marked base64 that is not: a 400 that says so, on every front.
    for front in EventShape::ALL {
        let upload = HttpRequest::post("/upload")
            .routed("/upload", &[])
            .binary("image/png", b"\x89PNG");
        let mut event = s.api.event(front, &upload);
        event["body"] = json!("not base64 at all!");
        let r = s.app.http(&event).await;
        assert_eq!(r.status, 400, "{front:?}: {}", r.text());
        let body = r.json();
        assert_eq!(body["Code"], "BadRequestError", "{front:?}");
        assert!(
            body["Message"].as_str().unwrap().contains("base64"),
            "{front:?}: {body}"
        );
    }

    // An empty multi-value map must not hide the single-value one.
    let mut event = s.api.event(
        EventShape::REST_V1,
        &HttpRequest::get("/echo?a=1")
            .routed("/echo", &[])
            .header("X-One", "1"),
    );
    event["multiValueHeaders"] = json!({});
    event["multiValueQueryStringParameters"] = json!({});
    let body = s.app.http(&event).await.json();
    assert_eq!(body["headers"]["x-one"], json!(["1"]), "{body}");
    assert_eq!(body["query"], json!({"a": ["1"]}), "{body}");

    // A header name no HTTP stack can carry: 400, not a crash.
    let mut event = s.api.event(
        EventShape::REST_V1,
        &HttpRequest::get("/echo").routed("/echo", &[]),
    );
    event["headers"] = json!({"bad header\n": "x"});
    event["multiValueHeaders"] = json!({"bad header\n": ["x"]});
    let r = s.app.http(&event).await;
    assert_eq!(r.status, 400, "{}", r.text());

    // Non-ASCII, percent-encoded paths reach a greedy parameter decoded.
    for front in EventShape::ALL {
        let r = s
            .send(
                front,
                &HttpRequest::get("/files/caf%C3%A9/%E2%9C%93.txt")
                    .routed("/files/{path+}", &[("path", "café/✓.txt")]),
            )
            .await;
        assert_eq!(
            (r.status, r.text().as_str()),
            (200, "file: café/✓.txt"),
            "{front:?}"
        );
    }

    // A method the resource lacks, let through by an HTTP API's `ANY
    // /items/{id}` route: 405 with Allow.
    let patch = HttpRequest::new("PATCH", "/items/1")
        .routed("/items/{id}", &[("id", "1")])
        .any_method();
    let r = s.send(EventShape::HTTP_V2, &patch).await;
    assert_eq!(r.status, 405);
    assert_eq!(r.header("allow").as_deref(), Some("DELETE, GET, PUT"));
    assert!(s.app.worker.is_alive());
}
