//! An app's binary under goblet-local's Runtime API, fed events one at a time.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use goblet_local::lambda::{
    FunctionConfig, InvokeError, Invoked, LogLine, LogSink, Outcome, Worker,
};
use serde_json::Value;

/// How long a worker may take to start before the test fails.
const START: Duration = Duration::from_secs(30);

/// How long a line the worker printed may take to reach the log sink.
const LOG_WAIT: Duration = Duration::from_secs(10);

/// One running function: a worker process and everything it printed.
pub struct LambdaApp {
    binary: PathBuf,
    pub function: FunctionConfig,
    pub worker: Worker,
    logs: Arc<Mutex<Vec<LogLine>>>,
}

impl LambdaApp {
    /// Starts `binary` as the function `name` and waits until it polls for events.
    pub async fn start(binary: &Path, name: &str) -> LambdaApp {
        let mut function = FunctionConfig::new(name);
        function.timeout = Duration::from_secs(10);
        let logs = Arc::new(Mutex::new(Vec::new()));
        let worker = spawn(binary, &function, &logs).await;
        LambdaApp {
            binary: binary.to_owned(),
            function,
            worker,
            logs,
        }
    }

    /// Kills the worker and starts a fresh one, as Lambda replaces a broken
    /// execution environment.
    pub async fn replace_worker(&mut self) {
        self.worker.kill().await;
        self.worker = spawn(&self.binary, &self.function, &self.logs).await;
    }

    /// Sends `event` and returns what the runtime answered.
    pub async fn invoke(&self, event: &Value) -> Result<Invoked, InvokeError> {
        self.invoke_with_timeout(event, self.function.timeout).await
    }

    pub async fn invoke_with_timeout(
        &self,
        event: &Value,
        timeout: Duration,
    ) -> Result<Invoked, InvokeError> {
        let event = Bytes::from(serde_json::to_vec(event).expect("events serialize"));
        self.worker.invoke(event, timeout).await
    }

    /// Sends an HTTP event and returns the proxy response; fails the test
    /// when the function answers anything else.
    pub async fn http(&self, event: &Value) -> ProxyResponse {
        let invoked = self.invoke(event).await.unwrap_or_else(|e| {
            panic!(
                "invocation failed: {e}\nevent: {event:#}\nlogs:\n{}",
                self.log_text()
            )
        });
        match invoked.outcome {
            Outcome::Response(body) => ProxyResponse::parse(&body),
            Outcome::FunctionError { error_type, body } => panic!(
                "function error {error_type}: {}\nevent: {event:#}",
                String::from_utf8_lossy(&body)
            ),
        }
    }

    /// Every line the function's processes printed so far.
    pub fn logs(&self) -> Vec<String> {
        self.logs
            .lock()
            .expect("logs lock")
            .iter()
            .map(|l| l.text.clone())
            .collect()
    }

    /// Waits for a line containing `needle` and returns it. The worker's
    /// output reaches the sink through a pipe and a reader thread, so a line
    /// printed before the function answered may land a moment after the
    /// answer; fails the test when none arrives within `LOG_WAIT`.
    pub async fn wait_for_log(&self, needle: &str) -> String {
        let deadline = tokio::time::Instant::now() + LOG_WAIT;
        loop {
            if let Some(line) = self.logs().into_iter().find(|l| l.contains(needle)) {
                return line;
            }
            if tokio::time::Instant::now() >= deadline {
                panic!(
                    "no line with {needle:?} within {LOG_WAIT:?} in:\n{}",
                    self.log_text()
                );
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    fn log_text(&self) -> String {
        self.logs().join("\n")
    }
}

async fn spawn(
    binary: &Path,
    function: &FunctionConfig,
    logs: &Arc<Mutex<Vec<LogLine>>>,
) -> Worker {
    let sink: LogSink = {
        let logs = logs.clone();
        Arc::new(move |line| logs.lock().expect("logs lock").push(line))
    };
    let worker = Worker::spawn(binary, function, sink)
        .await
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", binary.display()));
    match tokio::time::timeout(START, worker.ready()).await {
        Ok(Ok(_init)) => worker,
        Ok(Err(e)) => panic!("{} did not start: {e}", binary.display()),
        Err(_) => panic!(
            "{} did not poll for an event within {START:?}",
            binary.display()
        ),
    }
}

/// Waits for `worker`'s Init to fail as a goblet app's does: posted to
/// `/runtime/init/error` as `Runtime.InitError`, every later invocation
/// failing the same way at once, the process gone with a failure status.
/// Returns the error document the runtime posted.
pub async fn expect_init_error(worker: &Worker) -> Value {
    let err = tokio::time::timeout(START, worker.ready())
        .await
        .expect("the worker neither started nor failed")
        .unwrap_err();
    let InvokeError::InitFailed { error_type, body } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(error_type, "Runtime.InitError");
    let doc: Value = serde_json::from_slice(body).unwrap();
    let again = worker.invoke("{}".into(), Duration::from_secs(5)).await;
    assert_eq!(again.unwrap_err(), err);
    assert!(worker.wait().await.is_some_and(|s| !s.success()));
    doc
}

/// A proxy integration response, whatever front it was shaped for.
#[derive(Debug, Clone)]
pub struct ProxyResponse {
    pub status: u16,
    /// Every header value, lower-case names, in order; `cookies` of payload
    /// 2.0 appear as `set-cookie`.
    pub headers: Vec<(String, String)>,
    /// The body, base64-decoded when `isBase64Encoded`.
    pub body: Vec<u8>,
    pub is_base64_encoded: bool,
    /// The response as the function returned it.
    pub raw: Value,
}

impl ProxyResponse {
    pub fn parse(body: &[u8]) -> ProxyResponse {
        let raw: Value = serde_json::from_slice(body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(body)));
        let status = raw["statusCode"]
            .as_u64()
            .unwrap_or_else(|| panic!("no numeric statusCode: {raw}")) as u16;
        let mut headers = Vec::new();
        if let Some(map) = raw["headers"].as_object() {
            for (k, v) in map {
                let v = v
                    .as_str()
                    .unwrap_or_else(|| panic!("header {k} is not a string: {raw}"));
                headers.push((k.to_ascii_lowercase(), v.to_owned()));
            }
        }
        if let Some(map) = raw["multiValueHeaders"].as_object() {
            for (k, values) in map {
                let values = values
                    .as_array()
                    .unwrap_or_else(|| panic!("header {k} is not a list: {raw}"));
                for v in values {
                    headers.push((
                        k.to_ascii_lowercase(),
                        v.as_str().expect("a string").to_owned(),
                    ));
                }
            }
        }
        if let Some(cookies) = raw["cookies"].as_array() {
            for c in cookies {
                headers.push((
                    "set-cookie".into(),
                    c.as_str().expect("a cookie string").to_owned(),
                ));
            }
        }
        let is_base64_encoded = raw["isBase64Encoded"].as_bool().unwrap_or(false);
        let text = raw["body"].as_str().unwrap_or_default();
        let body = if is_base64_encoded {
            STANDARD
                .decode(text)
                .unwrap_or_else(|e| panic!("bad base64 body ({e}): {raw}"))
        } else {
            text.as_bytes().to_vec()
        };
        ProxyResponse {
            status,
            headers,
            body,
            is_base64_encoded,
            raw,
        }
    }

    /// The values of header `name`, joined with `,` (`None` when absent).
    pub fn header(&self, name: &str) -> Option<String> {
        let values = self.header_values(name);
        (!values.is_empty()).then(|| values.join(","))
    }

    pub fn header_values(&self, name: &str) -> Vec<String> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .filter(|(k, _)| *k == name)
            .map(|(_, v)| v.clone())
            .collect()
    }

    pub fn text(&self) -> String {
        String::from_utf8(self.body.clone()).expect("a UTF-8 body")
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "body is not JSON ({e}): {}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }
}

/// What the operating system says about a running process, from `/proc`.
/// Two are equal when they are the same process running the same program
/// for the same Runtime API: `state` is left out, as a live process goes from
/// running to sleeping and back between two reads.
#[derive(Debug, Clone)]
pub struct OsProcess {
    pub pid: u32,
    /// When it started, in clock ticks since boot: a pid reused by another
    /// process has another start time.
    pub start_time: u64,
    /// The single-letter state (`R`, `S`, `Z`, …).
    pub state: char,
    /// The program it runs.
    pub exe: PathBuf,
    /// Its `AWS_LAMBDA_RUNTIME_API`, the endpoint it polls.
    pub runtime_api: Option<String>,
}

impl PartialEq for OsProcess {
    fn eq(&self, other: &OsProcess) -> bool {
        (self.pid, self.start_time, &self.exe, &self.runtime_api)
            == (other.pid, other.start_time, &other.exe, &other.runtime_api)
    }
}

impl Eq for OsProcess {}

impl OsProcess {
    /// Reads `/proc/<pid>`; `None` when no such process exists.
    pub fn read(pid: u32) -> Option<OsProcess> {
        let dir = PathBuf::from(format!("/proc/{pid}"));
        let stat = std::fs::read_to_string(dir.join("stat")).ok()?;
        // `pid (comm) state ppid …`: comm may hold spaces and parentheses.
        let after_comm = &stat[stat.rfind(')')? + 2..];
        let fields: Vec<&str> = after_comm.split(' ').collect();
        let state = fields[0].chars().next()?;
        // Field 22 of stat, counted from `pid` as 1; `state` is field 3.
        let start_time = fields[22 - 3].parse().ok()?;
        let exe = std::fs::read_link(dir.join("exe")).ok()?;
        let environ = std::fs::read(dir.join("environ")).ok()?;
        let runtime_api = environ
            .split(|b| *b == 0)
            .filter_map(|var| var.strip_prefix(b"AWS_LAMBDA_RUNTIME_API="))
            .map(|v| String::from_utf8_lossy(v).into_owned())
            .next();
        Some(OsProcess {
            pid,
            start_time,
            state,
            exe,
            runtime_api,
        })
    }
}

impl LambdaApp {
    /// The live process behind the worker, as the operating system sees it;
    /// fails the test unless the pid the worker recorded is a running (not
    /// zombie) process of this app's binary polling this worker's endpoint.
    pub fn worker_process(&self) -> OsProcess {
        let pid = self.worker.pid().expect("the worker has a pid");
        let process = OsProcess::read(pid)
            .unwrap_or_else(|| panic!("no process {pid} although the worker records it"));
        assert_ne!(process.state, 'Z', "process {pid} has exited: {process:?}");
        let binary = self.binary.canonicalize().expect("the binary's path");
        assert_eq!(process.exe, binary, "process {pid} runs another program");
        assert_eq!(
            process.runtime_api,
            Some(self.worker.runtime_api().addr().to_string()),
            "process {pid} polls another Runtime API"
        );
        process
    }
}
