//! Event handlers and plain functions end to end: the release build of
//! `examples/pipeline` under a real `goblet local`, each function invoked
//! through Lambda's Invoke API by boto3's Lambda client and by `goblet
//! invoke --local`, with the event shapes AWS documents (goblet-core's
//! samples, read back by the handlers' `aws_lambda_events` types).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{SystemTime, UNIX_EPOCH};

use goblet_core::sample::{self, Origin};
use goblet_tests::build;
use goblet_tests::local::{Scratch, Served, clean_command};
use serde_json::{Value, json};

const KEY: &str = "AKIDLOCALPIPELINE001";
const SECRET: &str = "pipeline-secret-key";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_owned()
}

/// `goblet local` serving the pipeline, accepting one test identity.
struct Pipeline {
    served: Served,
    home: Scratch,
}

fn credentials(command: &mut Command) -> &mut Command {
    command
        .env("AWS_ACCESS_KEY_ID", KEY)
        .env("AWS_SECRET_ACCESS_KEY", SECRET)
        .env("AWS_DEFAULT_REGION", "us-east-1")
}

impl Pipeline {
    fn start() -> Pipeline {
        Pipeline::start_with(&[])
    }

    fn start_with(extra: &[&str]) -> Pipeline {
        let home = Scratch::new();
        let identities = home.0.join("identities.json");
        let file = json!([{"access_key_id": KEY, "secret_access_key": SECRET,
                           "user_arn": "arn:aws:iam::111122223333:user/pipeline"}]);
        std::fs::write(&identities, file.to_string()).unwrap();
        let command = clean_command(&build::release().goblet, &home.0);
        let mut args = vec!["--identities", identities.to_str().unwrap()];
        args.extend_from_slice(extra);
        let served = Served::launch(command, &build::release().pipeline, &args);
        Pipeline { served, home }
    }

    /// `http://127.0.0.1:PORT`.
    fn endpoint(&self) -> String {
        format!("http://{}", self.served.authority())
    }

    /// Runs the calls with boto3's Lambda client; one result per call.
    fn boto3(&self, calls: &Value) -> Vec<Value> {
        let python = root().join(".venv/bin/python");
        assert!(
            python.exists(),
            "{} is missing: run `bash scripts/setup-python.sh`",
            python.display()
        );
        let mut command = clean_command(&python, &self.home.0);
        credentials(&mut command)
            .arg(root().join("tests/python/lambda_clients.py"))
            .arg(self.endpoint())
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        let mut child = command.spawn().unwrap();
        use std::io::Write as _;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(calls.to_string().as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    }

    fn goblet_invoke(&self, args: &[&str]) -> Output {
        let mut command = clean_command(&build::release().goblet, &self.home.0);
        credentials(&mut command)
            .args(["invoke", "--endpoint", &self.endpoint()])
            .args(args)
            .output()
            .unwrap()
    }
}

fn origin() -> Origin<'static> {
    let now_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    Origin {
        region: "us-east-1",
        now_ms,
    }
}

fn payload(result: &Value) -> Value {
    assert_eq!(result["status"], 200, "{result}");
    serde_json::from_str(result["payload"].as_str().unwrap()).unwrap()
}

#[test]
fn every_function_runs_in_its_own_lambda_function_through_the_invoke_api() {
    let pipeline = Pipeline::start();
    let banner = pipeline.served.output().join("\n");
    assert!(
        banner.contains("pipeline-jobs  #[on_sqs_message] queue jobs, batches of 10"),
        "{banner}"
    );
    let at = origin();
    let queue = sample::queue_arn("jobs", "us-east-1");
    let sqs = sample::sqs(&queue, &["resize me", "poison", "and me"], at);
    let poison = sqs["Records"][1]["messageId"].clone();
    let calls = json!([
        {"function": "jobs", "payload": sqs},
        {"function": "sweep", "payload": sample::schedule(at, "pipeline-sweep")},
        {"function": "uploaded", "payload": sample::s3("uploads", "in/cat photo.png", 7, "ObjectCreated:Put", at)},
        {"function": "order_placed", "payload": sample::eventbridge("shop.orders", "Order Placed", json!({"id": 7}), Some("orders"), at)},
        {"function": "image_changed", "payload": sample::dynamodb("arn:aws:dynamodb:us-east-1:123456789012:table/images/stream/2026-01-01T00:00:00.000", at)},
        {"function": "clicks", "payload": sample::kinesis(&sample::kinesis_arn("clicks", "us-east-1"), b"click!", at)},
        {"function": "alert", "payload": sample::sns(&sample::topic_arn("alerts", "us-east-1"), "disk full", Some("ops"), at)},
        // By the function's own name, by ARN, and by partial ARN with its qualifier.
        {"function": "pipeline-resize", "payload": {"key": "in/a.png"}},
        {"function": "arn:aws:lambda:us-east-1:123456789012:function:pipeline-resize", "payload": {"key": "in/b.png", "width": 64}},
        {"function": "123456789012:function:pipeline-resize:$LATEST", "payload": {"key": "in/c.png"}},
    ]);
    let results = pipeline.boto3(&calls);
    assert_eq!(
        payload(&results[0]),
        json!({"batchItemFailures": [{"itemIdentifier": poison}]})
    );
    assert_eq!(results[0]["executed_version"], "$LATEST");
    assert_eq!(results[0]["function_error"], Value::Null);
    // Its own function: Lambda's environment names it, not the API's.
    let sweep = payload(&results[1]);
    assert_eq!(sweep["function"], "pipeline-sweep");
    assert_eq!(sweep["detail_type"], "Scheduled Event");
    assert_eq!(
        sweep["rule"],
        json!(["arn:aws:events:us-east-1:123456789012:rule/pipeline-sweep"])
    );
    // The key as S3 sends it (form-encoded), and the app's state.
    assert_eq!(
        payload(&results[2]),
        json!({"keys": ["in/cat+photo.png"], "width": 128})
    );
    assert_eq!(
        payload(&results[3]),
        json!({"source": "shop.orders", "detail": {"id": 7}})
    );
    assert_eq!(payload(&results[4]), json!({"changes": ["INSERT"]}));
    assert_eq!(payload(&results[5]), json!({"clicks": ["click!"]}));
    assert_eq!(payload(&results[6]), json!({"alerted": ["disk full"]}));
    for (result, (key, width)) in
        results[7..]
            .iter()
            .zip([("in/a.png", 128), ("in/b.png", 64), ("in/c.png", 128)])
    {
        let resized = payload(result);
        assert_eq!(resized["key"], key);
        assert_eq!(resized["width"], width);
        assert_eq!(
            resized["request_id"].as_str().unwrap().len(),
            36,
            "{resized}"
        );
    }
    // Each function started its own execution environment.
    let starts = pipeline
        .served
        .wait_for_lines(10, |l| l.starts_with("REPORT RequestId: "));
    assert_eq!(
        starts
            .iter()
            .filter(|l| l.contains("Init Duration"))
            .count(),
        8,
        "{starts:#?}"
    );
    // The routes are still served by the API's function.
    let index = pipeline.served.get("/api/");
    assert_eq!(index.json(), json!({"pipeline": "ready"}));
}

#[test]
fn function_errors_and_refusals_are_lambdas() {
    let pipeline = Pipeline::start();
    let calls = json!([
        {"function": "resize", "payload": {"key": ""}},
        {"function": "alert", "payload": sample::sns(&sample::topic_arn("alerts", "us-east-1"), "fail", None, origin())},
        {"function": "crash", "payload": {}},
        {"function": "resize", "payload": {"key": "a", "width": "wide"}},
        {"function": "nope", "payload": {}},
        {"function": "resize", "qualifier": "7", "payload": {}},
        {"function": "resize", "raw": "{not json"},
        {"function": "resize", "big": 6_400_000},
        {"function": "resize", "type": "Event", "big": 1_100_000},
        {"function": "resize", "type": "DryRun", "payload": {}},
        {"function": "resize", "type": "Event", "payload": {"key": "later"}},
        // After a panic, the function serves again.
        {"function": "resize", "payload": {"key": "again"}},
    ]);
    let results = pipeline.boto3(&calls);
    let failed = |i: usize| {
        assert_eq!(results[i]["status"], 200, "{}", results[i]);
        assert_eq!(results[i]["function_error"], "Unhandled", "{}", results[i]);
        payload(&results[i])
    };
    assert_eq!(
        failed(0),
        json!({"errorType": "BadRequestError", "errorMessage": "the job names no key"})
    );
    assert_eq!(
        failed(1),
        json!({"errorType": "InternalServerError", "errorMessage": "the pager is unreachable"})
    );
    let crash = failed(2);
    assert_eq!(crash["errorType"], "goblet.Panic");
    assert!(
        crash["errorMessage"]
            .as_str()
            .unwrap()
            .contains("the resizer ran out of pixels"),
        "{crash}"
    );
    let unmarshal = failed(3);
    assert_eq!(unmarshal["errorType"], "Runtime.UnmarshalError");
    assert!(
        unmarshal["errorMessage"]
            .as_str()
            .unwrap()
            .contains("not a ResizeJob at `width`"),
        "{unmarshal}"
    );
    let error = |i: usize, status: u16, code: &str| {
        assert_eq!(results[i]["status"], status, "{}", results[i]);
        assert_eq!(results[i]["code"], code, "{}", results[i]);
        results[i]["message"].as_str().unwrap().to_owned()
    };
    assert_eq!(
        error(4, 404, "ResourceNotFoundException"),
        "Function not found: arn:aws:lambda:us-east-1:123456789012:function:nope"
    );
    assert_eq!(
        error(5, 404, "ResourceNotFoundException"),
        "Function not found: arn:aws:lambda:us-east-1:123456789012:function:pipeline-resize:7"
    );
    assert!(
        error(6, 400, "InvalidRequestContentException")
            .starts_with("Could not parse request body into json"),
    );
    assert_eq!(
        error(7, 413, "RequestEntityTooLargeException"),
        "Request must be smaller than 6291456 bytes for the InvokeFunction operation"
    );
    assert_eq!(
        error(8, 413, "RequestEntityTooLargeException"),
        "Request must be smaller than 1048576 bytes for the InvokeFunction operation"
    );
    assert_eq!(results[9]["status"], 204, "{}", results[9]);
    assert_eq!(results[10]["status"], 202, "{}", results[10]);
    assert_eq!(payload(&results[11])["key"], "again");
    // The asynchronous invocation ran, in the background, and logged as Lambda does.
    pipeline
        .served
        .wait_for_line(|l| l.starts_with("REPORT RequestId: ") && !l.contains("Status: error"));

    // Unsigned, and signed for API Gateway instead of Lambda.
    let path = "/2015-03-31/functions/resize/invocations";
    pipeline
        .served
        .request("POST", path, &[], b"{}")
        .assert_gateway_body(
            403,
            r#"{"message":"Missing Authentication Token"}"#,
            Some("MissingAuthenticationTokenException"),
        );
    let mut curl = clean_command(&build::release().goblet, &pipeline.home.0);
    let out = credentials(&mut curl)
        .args(["curl", "-i", "-d", "{}"])
        .arg(format!("{}{path}", pipeline.endpoint()))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.starts_with("HTTP/1.1 403") && text.contains("correct service: 'lambda'"),
        "{text}"
    );
}

#[test]
fn goblet_invoke_local_sends_payloads_and_samples() {
    let pipeline = Pipeline::start();
    let binary = build::release().pipeline.display().to_string();
    let out =
        pipeline.goblet_invoke(&["--local", "uploaded", "--sample", "s3", "--binary", &binary]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The sample fits the function's trigger: its bucket, prefix and suffix.
    let result: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(result, json!({"keys": ["in/sample.png"], "width": 128}));

    let out = pipeline.goblet_invoke(&["--local", "jobs", "--sample", "sqs"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        serde_json::from_slice::<Value>(&out.stdout).unwrap(),
        json!({"batchItemFailures": []})
    );

    let out = pipeline.goblet_invoke(&[
        "--local",
        "resize",
        "--payload",
        r#"{"key": "k", "width": 9}"#,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let resized: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (resized["key"].clone(), resized["width"].clone()),
        (json!("k"), json!(9))
    );

    // A function error: printed, and the command fails.
    let out = pipeline.goblet_invoke(&["--local", "resize", "--payload", r#"{"key": ""}"#]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("the function failed (Unhandled)")
            && stderr.contains("the job names no key"),
        "{stderr}"
    );
    // No such function, named for what it is.
    let out = pipeline.goblet_invoke(&["--local", "nope"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("ResourceNotFoundException"), "{stderr}");
    let out = pipeline.goblet_invoke(&["--local", "nope", "--sample", "sqs", "--binary", &binary]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("has no function `nope` (functions: "),
        "{stderr}"
    );
}

#[test]
fn goblet_manifest_lists_every_function_with_its_trigger() {
    let home = Scratch::new();
    let out = clean_command(&build::release().goblet, &home.0)
        .arg("manifest")
        .arg(&build::release().pipeline)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let manifest: Value = serde_json::from_slice(&out.stdout).unwrap();
    let functions: Vec<(String, Value)> = manifest["functions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["name"].as_str().unwrap().to_owned(), f["trigger"].clone()))
        .collect();
    let names: Vec<&str> = functions.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "alert",
            "clicks",
            "crash",
            "image_changed",
            "jobs",
            "order_placed",
            "resize",
            "sweep",
            "uploaded"
        ]
    );
    assert_eq!(
        functions[4].1,
        json!({"type": "sqs", "queue": "jobs", "batch_size": 10})
    );
    assert_eq!(
        functions[1].1,
        json!({"type": "kinesis", "stream": "clicks", "starting_position": "TRIM_HORIZON", "batch_size": 100})
    );
    assert_eq!(
        functions[7].1,
        json!({"type": "schedule", "expression": "cron(* * * * ? *)"})
    );
    assert_eq!(functions[6].1, json!({"type": "invoke"}));
    assert_eq!(manifest["functions"][4]["handler"], "pipeline::app::jobs");
}

#[test]
fn schedules_fire_on_their_cron_with_lambdas_log_lines() {
    let pipeline = Pipeline::start_with(&["--schedules"]);
    let banner = pipeline.served.output().join("\n");
    assert!(
        banner.contains("Schedules fire on their rate or cron, in UTC"),
        "{banner}"
    );
    // `cron(* * * * ? *)`: at the next minute, UTC.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(80);
    loop {
        let lines = pipeline.served.output();
        let fired = lines
            .iter()
            .position(|l| l == "goblet local: the schedule of pipeline-sweep fires");
        if let Some(report) = fired.and_then(|fired| {
            lines[fired..]
                .iter()
                .find(|l| l.starts_with("REPORT RequestId: "))
        }) {
            assert!(report.contains("Init Duration"), "{report}");
            assert!(!report.contains("Status: error"), "{lines:#?}");
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the schedule did not fire: {lines:#?}"
        );
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    // Without --schedules, nothing fires and the banner says how.
    let quiet = Pipeline::start();
    let banner = quiet.served.output().join("\n");
    assert!(
        banner.contains("start with --schedules to fire them"),
        "{banner}"
    );
}
