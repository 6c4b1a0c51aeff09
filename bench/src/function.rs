//! A benchmarked binary as one Lambda execution environment: started under
//! goblet-local's Runtime API on loopback with the same environment for
//! every app, invoked with the benchmark event, its reply checked.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use goblet_local::lambda::{FunctionConfig, LogLine, LogSink, Outcome, Worker};
use serde_json::Value;

use crate::{IGNORE_STAGE_IN_PATH, expected_summary, reply_summary};

/// How long one invocation may take before the run fails.
pub const INVOKE_TIMEOUT: Duration = Duration::from_secs(10);

/// The function configuration every app runs with: only the axum baseline
/// reads [`IGNORE_STAGE_IN_PATH`], and every app gets it, so that all run
/// in the same environment.
///
/// ```
/// let function = goblet_bench::function::config("goblet");
/// assert_eq!(function.timeout, goblet_bench::function::INVOKE_TIMEOUT);
/// ```
pub fn config(name: &str) -> FunctionConfig {
    let mut function = FunctionConfig::new(name);
    function.timeout = INVOKE_TIMEOUT;
    function
        .environment
        .push((IGNORE_STAGE_IN_PATH.into(), "true".into()));
    function
}

/// A log sink keeping the worker's lines, to show when it misbehaves.
///
/// ```
/// let (sink, lines) = goblet_bench::function::log_sink();
/// # let _ = sink;
/// assert!(lines.lock().unwrap().is_empty());
/// ```
pub fn log_sink() -> (LogSink, Arc<Mutex<Vec<String>>>) {
    let lines = Arc::new(Mutex::new(Vec::new()));
    let sink = {
        let lines = lines.clone();
        Arc::new(move |line: LogLine| {
            lines
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(line.text)
        }) as LogSink
    };
    (sink, lines)
}

/// `name: what`, followed by the app's last 20 output lines.
///
/// ```
/// let lines = std::sync::Mutex::new(vec!["started".to_owned()]);
/// let message = goblet_bench::function::failure("goblet", "no reply", &lines);
/// assert!(message.starts_with("goblet: no reply") && message.ends_with("started"));
/// ```
pub fn failure(name: &str, what: impl std::fmt::Display, logs: &Mutex<Vec<String>>) -> String {
    let logs = logs.lock().unwrap_or_else(|e| e.into_inner());
    let tail: Vec<&str> = logs
        .iter()
        .rev()
        .take(20)
        .rev()
        .map(String::as_str)
        .collect();
    format!(
        "{name}: {what}\n  its last output lines:\n    {}",
        tail.join("\n    ")
    )
}

/// Invokes the worker once with `event` and checks that the reply is the
/// REST API proxy reply `200 {"hello":"world"}`.
///
/// ```no_run
/// # async fn demo(worker: &goblet_local::lambda::Worker) -> Result<(), String> {
/// let event = bytes::Bytes::from_static(goblet_bench::REST_V1_EVENT.as_bytes());
/// let (_, logs) = goblet_bench::function::log_sink();
/// goblet_bench::function::invoke_checked("goblet", worker, &event, &logs).await?;
/// # Ok(()) }
/// ```
pub async fn invoke_checked(
    name: &str,
    worker: &Worker,
    event: &Bytes,
    logs: &Mutex<Vec<String>>,
) -> Result<(), String> {
    let invoked = worker
        .invoke(event.clone(), INVOKE_TIMEOUT)
        .await
        .map_err(|e| failure(name, e, logs))?;
    match invoked.outcome {
        Outcome::Response(body) if reply_summary_ok(&body) => Ok(()),
        Outcome::Response(body) => Err(failure(
            name,
            format_args!("unexpected reply {}", String::from_utf8_lossy(&body)),
            logs,
        )),
        Outcome::FunctionError { error_type, body } => Err(failure(
            name,
            format_args!(
                "function error {error_type}: {}",
                String::from_utf8_lossy(&body)
            ),
            logs,
        )),
    }
}

fn reply_summary_ok(body: &[u8]) -> bool {
    serde_json::from_slice::<Value>(body).is_ok() && reply_summary(body) == expected_summary()
}
