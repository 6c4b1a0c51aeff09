//! One execution environment: the app's binary started as Lambda starts a
//! `provided.al2023` function, with its own Runtime API endpoint.

use std::io;
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use tokio::process::{Child, Command};
use tokio::sync::{oneshot, watch};

use super::function::FunctionConfig;
use super::ids;
use super::invocations::{Interrupted, InvokeError, Invoked};
use super::logs::{LogLine, LogSink, LogStream, forward_lines};
use super::memory::ProcessMemory;
use super::runtime_api::{RuntimeApi, RuntimeHandle};

/// Host variables a local run passes on, when set: logging and backtraces,
/// and the credentials the function would get from its execution role.
const PASSED_THROUGH: &[&str] = &[
    "RUST_LOG",
    "RUST_BACKTRACE",
    "RUST_LIB_BACKTRACE",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
];

/// How long an exited worker's pipes may stay open (held by its own
/// children) before its last lines are given up.
const LOG_DRAIN: Duration = Duration::from_secs(2);

/// Why a worker did not start.
#[derive(Debug, thiserror::Error)]
pub enum SpawnError {
    #[error("cannot start the Lambda Runtime API server: {0}")]
    RuntimeApi(io::Error),
    #[error("cannot start {}: {error}", binary.display())]
    Process { binary: PathBuf, error: io::Error },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Life {
    Running,
    /// Exited; `None` when the status could not be collected.
    Ended(Option<ExitStatus>),
}

/// A running function process and the Runtime API endpoint it polls.
///
/// Dropping a worker kills its process. A worker whose invocation failed with
/// an [`InvokeError`] will fail every later one: [`kill`](Worker::kill) it and
/// spawn a new one, as Lambda replaces a broken execution environment.
#[derive(Debug)]
pub struct Worker {
    id: u64,
    pid: Option<u32>,
    binary: PathBuf,
    log_stream: String,
    started: Instant,
    api: RuntimeHandle,
    life: watch::Receiver<Life>,
    kill: Mutex<Option<oneshot::Sender<()>>>,
}

impl Worker {
    /// Starts `binary` as the function `function`; its output lines go to `logs`.
    /// Returns once the process runs; [`ready`](Worker::ready) waits for its init.
    pub async fn spawn(
        binary: impl AsRef<Path>,
        function: &FunctionConfig,
        logs: LogSink,
    ) -> Result<Worker, SpawnError> {
        static NEXT_ID: AtomicU64 = AtomicU64::new(1);
        let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        let binary = binary.as_ref().to_owned();
        let process_error = |error| SpawnError::Process {
            binary: binary.clone(),
            error,
        };
        // Lambda runs `/var/task/bootstrap` from `/var/task`; here the binary's
        // folder. The program is named by its absolute path: a relative one
        // would be looked up from the new working directory.
        let program = binary.canonicalize().map_err(process_error)?;
        let task_root = program
            .parent()
            .map(Path::to_owned)
            .unwrap_or_else(|| PathBuf::from("/"));

        let (addr, api) = RuntimeApi::new(function.arn())
            .bind()
            .await
            .map_err(SpawnError::RuntimeApi)?;
        let log_stream = ids::log_stream(&function.version);

        let mut command = Command::new(&program);
        command
            .env_clear()
            .current_dir(&task_root)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let path =
            std::env::var_os("PATH").unwrap_or_else(|| "/usr/local/bin:/usr/bin:/bin".into());
        command
            .env("PATH", path)
            .env("LANG", "en_US.UTF-8")
            .env("TZ", ":UTC");
        for name in PASSED_THROUGH {
            if let Some(value) = std::env::var_os(name) {
                command.env(name, value);
            }
        }
        command.envs(function.environment.iter().map(|(k, v)| (k, v)));
        // Lambda's own variables come last: a function cannot override them.
        command.envs(function.logging.environment());
        let memory = function.memory_mb.to_string();
        command
            .env("AWS_LAMBDA_RUNTIME_API", addr.to_string())
            .env("AWS_LAMBDA_FUNCTION_NAME", &function.name)
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", &memory)
            .env("AWS_LAMBDA_FUNCTION_VERSION", &function.version)
            .env("AWS_LAMBDA_LOG_GROUP_NAME", function.log_group())
            .env("AWS_LAMBDA_LOG_STREAM_NAME", &log_stream)
            .env("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand")
            .env("AWS_REGION", &function.region)
            .env("AWS_DEFAULT_REGION", &function.region)
            .env("AWS_EXECUTION_ENV", "AWS_Lambda_provided.al2023")
            .env("_HANDLER", &function.handler)
            .env("LAMBDA_TASK_ROOT", &task_root)
            .env("LAMBDA_RUNTIME_DIR", "/var/runtime");

        let started = Instant::now();
        let mut child = command.spawn().map_err(process_error)?;
        let pid = child.id();
        tracing::debug!(worker = id, pid, binary = %binary.display(), runtime_api = %addr, "started a worker");

        let mut forwarders = Vec::new();
        let pipes = [
            (
                LogStream::Stdout,
                child.stdout.take().map(|p| Box::new(p) as Pipe),
            ),
            (
                LogStream::Stderr,
                child.stderr.take().map(|p| Box::new(p) as Pipe),
            ),
        ];
        for (stream, pipe) in pipes {
            let Some(pipe) = pipe else { continue };
            let logs = logs.clone();
            forwarders.push(tokio::spawn(forward_lines(pipe, move |text| {
                logs(LogLine {
                    worker: id,
                    stream,
                    text,
                })
            })));
        }

        let (life_tx, life) = watch::channel(Life::Running);
        let (kill, kill_rx) = oneshot::channel();
        tokio::spawn(supervise(
            id,
            child,
            kill_rx,
            api.invocations(),
            forwarders,
            life_tx,
        ));

        Ok(Worker {
            id,
            pid,
            binary,
            log_stream,
            started,
            api,
            life,
            kill: Mutex::new(Some(kill)),
        })
    }

    /// A number unique among this process's workers; [`LogLine::worker`] carries it.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// The process id, while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.pid
    }

    /// The process's resident memory now and at its peak; `None` once it
    /// has exited (or where there is no procfs).
    pub fn memory(&self) -> Option<ProcessMemory> {
        ProcessMemory::of(self.pid?)
    }

    pub fn binary(&self) -> &Path {
        &self.binary
    }

    /// `AWS_LAMBDA_LOG_STREAM_NAME` of this worker.
    pub fn log_stream(&self) -> &str {
        &self.log_stream
    }

    /// The worker's Runtime API endpoint.
    pub fn runtime_api(&self) -> &RuntimeHandle {
        &self.api
    }

    /// Hands `event` to the function and waits for its answer; see
    /// [`RuntimeHandle::invoke`]. Fails at once if the worker is dead.
    pub async fn invoke(&self, event: Bytes, timeout: Duration) -> Result<Invoked, InvokeError> {
        self.api.invoke(event, timeout).await
    }

    /// Waits for the function to finish initialising (its first request for
    /// an event) and returns how long that took: Lambda's `Init Duration`.
    pub async fn ready(&self) -> Result<Duration, InvokeError> {
        let at = self.api.ready().await?;
        Ok(at.saturating_duration_since(self.started))
    }

    /// How long the function took to initialise, once it has (without waiting,
    /// unlike [`ready`](Worker::ready)).
    pub fn init_duration(&self) -> Option<Duration> {
        let at = self.api.initialised_at()?;
        Some(at.saturating_duration_since(self.started))
    }

    /// The exit status once the process has exited (`None` while it runs).
    pub fn exit_status(&self) -> Option<ExitStatus> {
        match *self.life.borrow() {
            Life::Running => None,
            Life::Ended(status) => status,
        }
    }

    /// The invocation the function was running when its process exited or
    /// was stopped, if it was running one.
    pub fn interrupted(&self) -> Option<Interrupted> {
        self.api.interrupted()
    }

    /// Whether the worker can still serve invocations.
    pub fn is_alive(&self) -> bool {
        *self.life.borrow() == Life::Running && self.api.closed().is_none()
    }

    /// Waits for the process to exit and its output to be forwarded.
    /// `None` when the exit status could not be collected.
    pub async fn wait(&self) -> Option<ExitStatus> {
        let mut life = self.life.clone();
        match life.wait_for(|l| *l != Life::Running).await {
            Ok(life) => match *life {
                Life::Ended(status) => status,
                Life::Running => None,
            },
            Err(_) => None,
        }
    }

    /// Stops the worker: fails what it is serving with [`InvokeError::Killed`],
    /// kills the process and waits for it to exit.
    pub async fn kill(&self) -> Option<ExitStatus> {
        self.api.close(InvokeError::Killed);
        let kill = self.kill.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(kill) = kill {
            let _ = kill.send(());
        }
        self.wait().await
    }
}

type Pipe = Box<dyn tokio::io::AsyncRead + Unpin + Send>;

/// Owns the process: kills it when asked or when the worker drops, then
/// fails the endpoint's invocations, drains its output and reports the exit.
async fn supervise(
    id: u64,
    mut child: Child,
    kill: oneshot::Receiver<()>,
    invocations: std::sync::Arc<super::invocations::Invocations>,
    forwarders: Vec<tokio::task::JoinHandle<()>>,
    life: watch::Sender<Life>,
) {
    let status = tokio::select! {
        status = child.wait() => status,
        // Asked to, or the worker was dropped.
        _ = kill => {
            let _ = child.start_kill();
            child.wait().await
        }
    };
    let status = match status {
        Ok(status) => {
            tracing::debug!(worker = id, %status, "worker exited");
            invocations.close(InvokeError::Exited { status });
            Some(status)
        }
        Err(e) => {
            tracing::warn!(worker = id, "cannot collect the worker's exit status: {e}");
            let _ = child.start_kill();
            invocations.close(InvokeError::Closed);
            None
        }
    };
    let drain = futures_join_all(forwarders);
    if tokio::time::timeout(LOG_DRAIN, drain).await.is_err() {
        tracing::debug!(
            worker = id,
            "the worker's output stays open after its exit; not waiting for it"
        );
    }
    let _ = life.send(Life::Ended(status));
}

async fn futures_join_all(handles: Vec<tokio::task::JoinHandle<()>>) {
    for handle in handles {
        let _ = handle.await;
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    //! Workers running small shell scripts: a real process, a fake runtime.
    use std::os::unix::fs::PermissionsExt;
    use std::sync::Arc;

    use super::*;
    use crate::lambda::LogLine;

    struct Scratch(PathBuf);

    impl Scratch {
        fn new(name: &str) -> Scratch {
            let dir =
                std::env::temp_dir().join(format!("goblet-worker-{name}-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).unwrap();
            Scratch(dir)
        }

        fn script(&self, body: &str) -> PathBuf {
            let path = self.0.join("bootstrap");
            std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
            path
        }
    }

    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn collect() -> (LogSink, Arc<Mutex<Vec<LogLine>>>) {
        let lines = Arc::new(Mutex::new(Vec::new()));
        let sink = {
            let lines = lines.clone();
            Arc::new(move |line| lines.lock().unwrap().push(line)) as LogSink
        };
        (sink, lines)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sets_lambdas_environment_and_forwards_output() {
        let scratch = Scratch::new("env");
        let bin = scratch.script("env | sort\npwd\necho to-stderr >&2\nexit 3");
        let mut function = FunctionConfig::new("envtest");
        function.memory_mb = 512;
        function.environment.push(("TABLE".into(), "users".into()));
        function
            .environment
            .push(("AWS_REGION".into(), "ignored".into()));
        function
            .environment
            .push(("AWS_LAMBDA_LOG_FORMAT".into(), "ignored".into()));
        function.logging = goblet_core::logging::Logging {
            format: goblet_core::logging::LogFormat::Json,
            level: Some(goblet_core::logging::LogLevel::Warn),
        };
        let (sink, lines) = collect();
        let worker = Worker::spawn(&bin, &function, sink).await.unwrap();
        assert!(worker.pid().is_some());
        let status = worker.wait().await.unwrap();
        assert_eq!(status.code(), Some(3));
        assert_eq!(worker.exit_status(), Some(status));
        assert!(!worker.is_alive());

        let lines = lines.lock().unwrap();
        assert!(lines.iter().all(|l| l.worker == worker.id()));
        let stdout: Vec<&str> = lines
            .iter()
            .filter(|l| l.stream == LogStream::Stdout)
            .map(|l| l.text.as_str())
            .collect();
        let root = bin.parent().unwrap().canonicalize().unwrap();
        let expected = [
            format!("AWS_LAMBDA_RUNTIME_API={}", worker.runtime_api().addr()),
            "AWS_LAMBDA_FUNCTION_NAME=envtest".into(),
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE=512".into(),
            "AWS_LAMBDA_FUNCTION_VERSION=$LATEST".into(),
            "AWS_LAMBDA_LOG_GROUP_NAME=/aws/lambda/envtest".into(),
            format!("AWS_LAMBDA_LOG_STREAM_NAME={}", worker.log_stream()),
            "AWS_REGION=us-east-1".into(),
            "AWS_DEFAULT_REGION=us-east-1".into(),
            "_HANDLER=bootstrap".into(),
            format!("LAMBDA_TASK_ROOT={}", root.display()),
            "AWS_EXECUTION_ENV=AWS_Lambda_provided.al2023".into(),
            "AWS_LAMBDA_LOG_FORMAT=JSON".into(),
            "AWS_LAMBDA_LOG_LEVEL=WARN".into(),
            "TABLE=users".into(),
            root.display().to_string(),
        ];
        for line in &expected {
            assert!(
                stdout.contains(&line.as_str()),
                "{line} missing from {stdout:#?}"
            );
        }
        assert!(
            !stdout.iter().any(|l| l.starts_with("CARGO")),
            "the host environment leaked"
        );
        assert!(
            lines
                .iter()
                .any(|l| l.stream == LogStream::Stderr && l.text == "to-stderr")
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_exit_wakes_a_waiting_invocation() {
        let scratch = Scratch::new("exit");
        // Reads nothing from the Runtime API: dies a little after starting.
        let bin = scratch.script("sleep 0.3\nexit 7");
        let (sink, _) = collect();
        let worker = Worker::spawn(&bin, &FunctionConfig::new("f"), sink)
            .await
            .unwrap();
        let started = Instant::now();
        let result = worker
            .invoke(Bytes::from_static(b"{}"), Duration::from_secs(30))
            .await;
        assert!(started.elapsed() < Duration::from_secs(10));
        let Err(InvokeError::Exited { status }) = result else {
            panic!("{result:?}")
        };
        assert_eq!(status.code(), Some(7));
        assert!(matches!(
            worker.ready().await,
            Err(InvokeError::Exited { .. })
        ));
        let again = worker.invoke(Bytes::new(), Duration::from_secs(1)).await;
        assert!(matches!(again, Err(InvokeError::Exited { .. })));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn kill_stops_the_process_and_fails_waiters() {
        let scratch = Scratch::new("kill");
        let bin = scratch.script("exec sleep 600");
        let (sink, _) = collect();
        let worker = Arc::new(
            Worker::spawn(&bin, &FunctionConfig::new("f"), sink)
                .await
                .unwrap(),
        );
        let call = tokio::spawn({
            let worker = worker.clone();
            async move { worker.invoke(Bytes::new(), Duration::from_secs(60)).await }
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
        let status = tokio::time::timeout(Duration::from_secs(10), worker.kill())
            .await
            .expect("kill hangs")
            .unwrap();
        assert!(!status.success());
        assert_eq!(call.await.unwrap(), Err(InvokeError::Killed));
        assert!(!worker.is_alive());
        // Killing twice is harmless.
        assert_eq!(worker.kill().await, Some(status));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn dropping_a_worker_kills_its_process() {
        let scratch = Scratch::new("drop");
        let bin = scratch.script("exec sleep 600");
        let (sink, _) = collect();
        let worker = Worker::spawn(&bin, &FunctionConfig::new("f"), sink)
            .await
            .unwrap();
        let pid = worker.pid().unwrap();
        drop(worker);
        let proc_dir = PathBuf::from(format!("/proc/{pid}"));
        let deadline = Instant::now() + Duration::from_secs(10);
        // Gone, or a zombie until tokio reaps it.
        while proc_dir.exists()
            && !std::fs::read_to_string(proc_dir.join("stat")).is_ok_and(|s| s.contains(") Z"))
        {
            assert!(
                Instant::now() < deadline,
                "process {pid} survived its worker"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_relative_binary_path_is_found() {
        let scratch = Scratch::new("relative");
        let bin = scratch.script("pwd\nexit 4");
        let cwd = std::env::current_dir().unwrap();
        // Deeper than the working directory, so that the relative name below
        // means another file when looked up from the binary's own folder.
        let mut deep = bin.parent().unwrap().to_owned();
        for _ in 0..cwd.components().count() + 1 {
            deep.push("d");
        }
        std::fs::create_dir_all(&deep).unwrap();
        let bin = deep.join("bootstrap");
        std::fs::rename(scratch.0.join("bootstrap"), &bin).unwrap();
        // The same file, named relative to this process's working directory.
        let mut relative = PathBuf::new();
        for _ in cwd.components().skip(1) {
            relative.push("..");
        }
        relative.push(bin.strip_prefix("/").unwrap());
        assert!(relative.is_relative());
        let (sink, lines) = collect();
        let worker = Worker::spawn(&relative, &FunctionConfig::new("f"), sink)
            .await
            .unwrap();
        assert_eq!(worker.wait().await.and_then(|s| s.code()), Some(4));
        let root = bin.parent().unwrap().canonicalize().unwrap();
        assert_eq!(lines.lock().unwrap()[0].text, root.display().to_string());
    }

    #[tokio::test]
    async fn a_missing_binary_is_a_spawn_error() {
        let (sink, _) = collect();
        let err = Worker::spawn("/no/such/bootstrap", &FunctionConfig::new("f"), sink)
            .await
            .unwrap_err();
        assert!(
            err.to_string()
                .starts_with("cannot start /no/such/bootstrap: "),
            "{err}"
        );
    }
}
