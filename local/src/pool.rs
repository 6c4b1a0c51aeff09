//! The Lambda side of `goblet local`: up to `concurrency` execution
//! environments, started on demand and reused, each serving one event at a
//! time, with Lambda's `START` / `END` / `REPORT` log lines.

use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use bytes::Bytes;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::lambda::{FunctionConfig, InvokeError, LogSink, Outcome, Worker, ids, passes_level};

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Lambda's limit on an on-demand execution environment's Init phase, apart
/// from the function's timeout. Past it, Lambda starts the Init again as
/// part of the first invocation, which the function's timeout then covers
/// ("The Init phase is limited to 10 seconds. If all three tasks do not
/// complete within 10 seconds, Lambda retries the Init phase at the time of
/// the first function invocation with the configured function timeout":
/// the Lambda execution environment lifecycle, AWS Lambda Developer Guide).
const INIT_TIMEOUT: Duration = Duration::from_secs(10);

/// How often a worker's `/proc/<pid>/status` is read for `Max Memory Used`
/// at most. The kernel renders the whole file (signal masks, capabilities,
/// CPU lists) for every read: under load, reading it after every invocation
/// took a tenth of goblet local's CPU time. In between, a REPORT gives the
/// peak read last, which may lag a burst of allocation by this long, at most.
const MEMORY_READ_INTERVAL: Duration = Duration::from_millis(100);

/// How long the log thread waits after writing before it looks for more
/// lines (see [`Logger::start`]): at most this much delay for a line.
const LOG_BATCH_PAUSE: Duration = Duration::from_millis(5);

enum Message {
    Line(String),
    /// An invocation's lines (`START` ... `REPORT`), sent at once: one
    /// channel operation and at most one wake-up of the log thread.
    Lines(Vec<String>),
    Flush(mpsc::Sender<()>),
}

/// Lines for stdout, written by one thread so that no request waits on the
/// terminal.
#[derive(Clone)]
pub(crate) struct Logger {
    tx: mpsc::Sender<Message>,
}

impl Logger {
    pub(crate) fn start() -> Logger {
        let (tx, rx) = mpsc::channel::<Message>();
        std::thread::Builder::new()
            .name("goblet-local-log".into())
            .spawn(move || {
                let stdout = std::io::stdout();
                let mut out = std::io::BufWriter::new(stdout.lock());
                while let Ok(first) = rx.recv() {
                    let mut next = Some(first);
                    while let Some(message) = next {
                        match message {
                            Message::Line(line) => {
                                let _ = out.write_all(line.as_bytes());
                                let _ = out.write_all(b"\n");
                            }
                            Message::Lines(lines) => {
                                for line in lines {
                                    let _ = out.write_all(line.as_bytes());
                                    let _ = out.write_all(b"\n");
                                }
                            }
                            Message::Flush(done) => {
                                let _ = out.flush();
                                let _ = done.send(());
                            }
                        }
                        next = rx.try_recv().ok();
                    }
                    let _ = out.flush();
                    // Let the next lines gather for a moment: a sender finds
                    // this thread awake and need not wake it, which under
                    // load saves a futex call and a context switch per
                    // invocation. Idle, the thread then blocks in recv().
                    std::thread::sleep(LOG_BATCH_PAUSE);
                }
            })
            .expect("cannot start the log thread");
        Logger { tx }
    }

    pub(crate) fn line(&self, line: impl Into<String>) {
        let _ = self.tx.send(Message::Line(line.into()));
    }

    /// Several lines, kept together.
    pub(crate) fn lines(&self, lines: Vec<String>) {
        if !lines.is_empty() {
            let _ = self.tx.send(Message::Lines(lines));
        }
    }

    /// Waits until every line sent so far is written.
    pub(crate) fn flush(&self) {
        let (done, wait) = mpsc::channel();
        if self.tx.send(Message::Flush(done)).is_ok() {
            let _ = wait.recv_timeout(Duration::from_secs(2));
        }
    }
}

/// A worker's output: printed at once between invocations, held during one
/// so that it appears between that invocation's `START` and `END`.
#[derive(Default)]
struct WorkerLog {
    busy: bool,
    held: Vec<String>,
}

struct Slot {
    worker: Arc<Worker>,
    log: Arc<Mutex<WorkerLog>>,
    /// The worker's `/proc/<pid>/status`, opened once and re-read after
    /// invocations for `Max Memory Used` (see [`max_memory_mb`] and
    /// [`MEMORY_READ_INTERVAL`]).
    status: Option<std::fs::File>,
    /// When `status` was last read after an invocation.
    memory_read_at: Option<Instant>,
    /// The highest `Max Memory Used` read so far, first once the function
    /// has initialised: what a process that has exited (and has no status
    /// left to read) reports.
    peak_mb: Arc<AtomicU64>,
    /// When the process was started: its Init Duration when the Init fails.
    started: Instant,
}

impl Slot {
    /// `Max Memory Used` for a REPORT: the peak so far, read afresh unless
    /// it was read within [`MEMORY_READ_INTERVAL`] (or the process is gone).
    fn max_memory_mb(&mut self) -> u64 {
        let now = Instant::now();
        let due = self
            .memory_read_at
            .is_none_or(|at| now.saturating_duration_since(at) >= MEMORY_READ_INTERVAL);
        if !due || !self.worker.is_alive() {
            return self.peak_mb.load(Ordering::Relaxed);
        }
        self.memory_read_at = Some(now);
        let read = max_memory_mb(self.status.as_ref());
        self.peak_mb.fetch_max(read, Ordering::Relaxed).max(read)
    }
}

/// Why an invocation gave no usable response.
#[derive(Debug)]
pub(crate) enum Failure {
    /// The deadline passed: API Gateway answers 504.
    TimedOut,
    /// The function failed (error, crash, could not start): 502.
    Failed,
    /// The function answered with an error document (`errorMessage`,
    /// `errorType`): 502 for a proxy integration; an authorizer's
    /// `Unauthorized` is API Gateway's 401.
    FunctionError(Bytes),
}

pub(crate) struct Pool {
    binary: PathBuf,
    function: FunctionConfig,
    timeout: Duration,
    permits: Arc<Semaphore>,
    idle: Mutex<Vec<Slot>>,
    live: Mutex<HashMap<u64, Arc<Worker>>>,
    logger: Logger,
}

impl Pool {
    pub(crate) fn new(
        binary: PathBuf,
        function: FunctionConfig,
        concurrency: usize,
        logger: Logger,
    ) -> Pool {
        Pool {
            binary,
            timeout: function.timeout,
            function,
            permits: Arc::new(Semaphore::new(concurrency.max(1))),
            idle: Mutex::new(Vec::new()),
            live: Mutex::new(HashMap::new()),
            logger,
        }
    }

    async fn spawn(&self) -> Result<Slot, Failure> {
        let started = Instant::now();
        let log = Arc::new(Mutex::new(WorkerLog::default()));
        let sink: LogSink = {
            let log = log.clone();
            let logger = self.logger.clone();
            // With the JSON format Lambda itself drops the lines below the
            // application log level, whatever printed them.
            let least = self.function.logging.application_level();
            Arc::new(move |line| {
                if least.is_some_and(|least| !passes_level(&line.text, least)) {
                    return;
                }
                let mut state = lock(&log);
                if state.busy {
                    state.held.push(line.text);
                } else {
                    drop(state);
                    logger.line(line.text);
                }
            })
        };
        match Worker::spawn(&self.binary, &self.function, sink).await {
            Ok(worker) => {
                let worker = Arc::new(worker);
                lock(&self.live).insert(worker.id(), worker.clone());
                let status = worker.pid().and_then(open_status);
                let peak_mb = Arc::new(AtomicU64::new(0));
                if let Some(file) = status.as_ref().and_then(|f| f.try_clone().ok()) {
                    let (worker, peak_mb) = (worker.clone(), peak_mb.clone());
                    tokio::spawn(async move {
                        if worker.ready().await.is_ok() {
                            peak_mb.fetch_max(max_memory_mb(Some(&file)), Ordering::Relaxed);
                        }
                    });
                }
                Ok(Slot {
                    worker,
                    log,
                    status,
                    memory_read_at: None,
                    peak_mb,
                    started,
                })
            }
            Err(e) => {
                self.logger.line(format!("goblet local: {e}"));
                Err(Failure::Failed)
            }
        }
    }

    /// A new execution environment whose Init phase is over, so that the
    /// function's timeout counts from the event's hand-over. An Init that
    /// fails or runs past [`INIT_TIMEOUT`] is logged as Lambda logs it
    /// (`INIT_REPORT ... Phase: init`) and started again in a fresh
    /// environment within the invocation, as Lambda's "suppressed init":
    /// that one's Init counts towards the invocation, and its failure is the
    /// invocation's (see [`Pool::invoke`]).
    async fn cold_start(&self) -> Result<Slot, Failure> {
        let slot = self.spawn().await?;
        let status = match tokio::time::timeout(INIT_TIMEOUT, slot.worker.ready()).await {
            Ok(Ok(_)) => return Ok(slot),
            Ok(Err(e)) => (slot.started.elapsed(), init_failure(&e)),
            Err(_) => (INIT_TIMEOUT, "Status: timeout".to_owned()),
        };
        lock(&self.live).remove(&slot.worker.id());
        // Waits for its output too: the lines it printed come first.
        slot.worker.kill().await;
        self.logger.line(init_report(status.0, "init", &status.1));
        self.spawn().await
    }

    /// A place among the `concurrency` execution environments: waits while
    /// all are busy. A request given up while it waits never runs.
    pub(crate) async fn permit(&self) -> Result<OwnedSemaphorePermit, Failure> {
        self.permits
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| Failure::Failed)
    }

    /// Hands `event` to a free worker (starting one if none is free) and
    /// returns the function's response.
    pub(crate) async fn invoke(
        &self,
        permit: OwnedSemaphorePermit,
        event: Bytes,
    ) -> Result<Bytes, Failure> {
        let reused = loop {
            let Some(slot) = lock(&self.idle).pop() else {
                break None;
            };
            if slot.worker.is_alive() {
                break Some(slot);
            }
            lock(&self.live).remove(&slot.worker.id());
        };
        let cold = reused.is_none();
        let mut slot = match reused {
            Some(slot) => slot,
            None => self.cold_start().await?,
        };
        lock(&slot.log).busy = true;
        let began = Instant::now();
        let result = slot.worker.invoke(event, self.timeout).await;
        if let Err(InvokeError::Exited { .. }) = result {
            // Its last lines (a panic message, an allocator's complaint) go
            // before END: wait until its output is read (bounded).
            slot.worker.wait().await;
        }
        // A cold start's REPORT has an Init Duration, whatever the outcome.
        let init = if cold {
            slot.worker.init_duration()
        } else {
            None
        };
        let memory = slot.max_memory_mb();
        let held = {
            let mut state = lock(&slot.log);
            state.busy = false;
            std::mem::take(&mut state.held)
        };
        let (lines, outcome) = match result {
            Ok(invoked) => {
                let id = &invoked.request_id;
                let (errors, outcome) = match invoked.outcome {
                    Outcome::Response(body) => (Vec::new(), Ok(body)),
                    Outcome::FunctionError { error_type, body } => {
                        let error = format!(
                            "{} {id} ERROR {error_type}: {}",
                            timestamp(),
                            String::from_utf8_lossy(&body)
                        );
                        (vec![error], Err(Failure::FunctionError(body)))
                    }
                };
                let report = self.report(id, invoked.duration, memory, init, "");
                self.logger.lines(self.framed(id, held, errors, report));
                lock(&self.idle).push(slot);
                drop(permit);
                return outcome;
            }
            Err(InvokeError::TimedOut {
                request_id,
                timeout,
            }) => {
                let error = format!(
                    "{} {request_id} Task timed out after {:.2} seconds",
                    timestamp(),
                    timeout.as_secs_f64()
                );
                let report = self.report(&request_id, timeout, memory, init, "Status: timeout\t");
                let lines = self.framed(&request_id, held, vec![error], report);
                (lines, Failure::TimedOut)
            }
            Err(e) => {
                let error_type = error_type(&e);
                let lines = match slot.worker.interrupted() {
                    // The process died holding the event: Lambda logs the
                    // invocation, and its error, between START and END.
                    Some(cut) => {
                        let id = &cut.request_id;
                        let errors = vec![
                            format!("RequestId: {id} Error: {}", runtime_exit(&e)),
                            error_type.to_owned(),
                        ];
                        let status = format!("Status: error\tError Type: {error_type}\t");
                        let report = self.report(id, cut.duration, memory, init, &status);
                        self.framed(id, held, errors, report)
                    }
                    // The Init within the invocation failed: Lambda reports it,
                    // then the invocation that could not run.
                    None if cold && init.is_none() => {
                        let id = ids::request_id();
                        let status = init_failure(&e);
                        let mut lines =
                            vec![init_report(slot.started.elapsed(), "invoke", &status)];
                        let errors = vec![
                            format!("RequestId: {id} Error: {}", runtime_exit(&e)),
                            error_type.clone(),
                        ];
                        let report =
                            self.report(&id, began.elapsed(), memory, None, &format!("{status}\t"));
                        lines.extend(self.framed(&id, held, errors, report));
                        lines
                    }
                    // No invocation began: only the error.
                    None => {
                        let mut lines = held;
                        lines.push(format!("{} Error: {e}", timestamp()));
                        lines.push(error_type.to_owned());
                        lines
                    }
                };
                (lines, Failure::Failed)
            }
        };
        self.logger.lines(lines);
        // Lambda replaces an environment that timed out or crashed.
        lock(&self.live).remove(&slot.worker.id());
        tokio::spawn(async move {
            slot.worker.kill().await;
            drop(permit);
        });
        Err(outcome)
    }

    /// One invocation's lines as Lambda frames them: START, the function's
    /// own output, `errors`, END, then `report`.
    fn framed(
        &self,
        id: &str,
        held: Vec<String>,
        errors: Vec<String>,
        report: String,
    ) -> Vec<String> {
        let mut lines = Vec::with_capacity(held.len() + errors.len() + 3);
        lines.push(format!(
            "START RequestId: {id} Version: {}",
            self.function.version
        ));
        lines.extend(held);
        lines.extend(errors);
        lines.push(format!("END RequestId: {id}"));
        lines.push(report);
        lines
    }

    fn report(
        &self,
        id: &str,
        duration: Duration,
        memory_mb: u64,
        init: Option<Duration>,
        extra: &str,
    ) -> String {
        let ms = duration.as_secs_f64() * 1000.0;
        let billed = duration.as_micros().div_ceil(1000).max(1);
        let init = init.map_or(String::new(), |d| {
            format!("Init Duration: {:.2} ms\t", d.as_secs_f64() * 1000.0)
        });
        format!(
            "REPORT RequestId: {id}\tDuration: {ms:.2} ms\tBilled Duration: {billed} ms\t\
             Memory Size: {} MB\tMax Memory Used: {memory_mb} MB\t{init}{extra}",
            self.function.memory_mb
        )
    }

    /// Kills every worker, idle or busy.
    pub(crate) async fn shutdown(&self) {
        lock(&self.idle).clear();
        self.permits.close();
        let live: Vec<Arc<Worker>> = lock(&self.live).drain().map(|(_, w)| w).collect();
        for worker in &live {
            worker.kill().await;
        }
    }
}

/// Lambda's line for an Init phase that did not complete.
fn init_report(duration: Duration, phase: &str, status: &str) -> String {
    format!(
        "INIT_REPORT Init Duration: {:.2} ms\tPhase: {phase}\t{status}",
        duration.as_secs_f64() * 1000.0
    )
}

/// The status of a failed Init, as `INIT_REPORT` and `REPORT` give it.
fn init_failure(error: &InvokeError) -> String {
    format!("Status: error\tError Type: {}", error_type(error))
}

/// The error type Lambda gives a failed Init or a runtime that stopped: the
/// one the runtime reported, if it did.
fn error_type(error: &InvokeError) -> String {
    match error {
        InvokeError::InitFailed { error_type, .. } => error_type.clone(),
        _ => "Runtime.ExitError".to_owned(),
    }
}

/// Lambda's words for a runtime that stopped mid-invocation.
fn runtime_exit(error: &InvokeError) -> String {
    match error {
        InvokeError::Exited { status } => match (status.code(), exit_signal(status)) {
            (Some(0), _) => "Runtime exited without providing a reason".to_owned(),
            (Some(code), _) => format!("Runtime exited with error: exit status {code}"),
            (None, Some(signal)) => format!("Runtime exited with error: signal: {signal}"),
            (None, None) => format!("Runtime exited with error: {status}"),
        },
        other => other.to_string(),
    }
}

/// The signal that ended a process, named as Lambda's logs name it.
fn exit_signal(status: &std::process::ExitStatus) -> Option<String> {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        let signal = status.signal()?;
        // Linux numbering; the names Go's os/exec gives them.
        let name = match signal {
            1 => "hangup",
            2 => "interrupt",
            3 => "quit",
            4 => "illegal instruction",
            5 => "trace/breakpoint trap",
            6 => "aborted",
            7 => "bus error",
            8 => "floating point exception",
            9 => "killed",
            10 => "user defined signal 1",
            11 => "segmentation fault",
            12 => "user defined signal 2",
            13 => "broken pipe",
            14 => "alarm clock",
            15 => "terminated",
            24 => "CPU time limit exceeded",
            25 => "file size limit exceeded",
            31 => "bad system call",
            other => return Some(format!("signal {other}")),
        };
        let core = if status.core_dumped() {
            " (core dumped)"
        } else {
            ""
        };
        Some(format!("{name}{core}"))
    }
    #[cfg(not(unix))]
    {
        let _ = status;
        None
    }
}

/// A process's `/proc/<pid>/status`, for [`max_memory_mb`]; `None` where
/// there is no procfs.
fn open_status(pid: u32) -> Option<std::fs::File> {
    std::fs::File::open(format!("/proc/{pid}/status")).ok()
}

/// Peak resident memory of a process (`VmHWM`), in MB, rounded up, read from
/// its open `status` file. One `pread` from offset 0 (procfs renders the file
/// afresh) instead of an open, read and close by path on every invocation:
/// under load, reading by path took a seventh of goblet local's CPU time,
/// half of it in the open and close.
fn max_memory_mb(status: Option<&std::fs::File>) -> u64 {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileExt;
        let Some(file) = status else {
            return 0;
        };
        // The whole file is about 1.5 kB; VmHWM is in its first 1 kB.
        let mut buf = [0u8; 4096];
        let Ok(n) = file.read_at(&mut buf, 0) else {
            return 0;
        };
        crate::lambda::memory::status_kb(&buf[..n], b"VmHWM:").map_or(0, |kb| kb.div_ceil(1024))
    }
    #[cfg(not(unix))]
    {
        let _ = status;
        0
    }
}

/// `2026-11-25T09:00:00.123Z`, the timestamp Lambda puts on its own lines.
fn timestamp() -> String {
    let format = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    );
    time::OffsetDateTime::now_utc()
        .format(format)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_this_processs_peak_memory() {
        let status = open_status(std::process::id());
        assert!(max_memory_mb(status.as_ref()) > 0);
        // Read again through the same open file: still there.
        assert!(max_memory_mb(status.as_ref()) > 0);
        assert!(open_status(u32::MAX).is_none());
        assert_eq!(max_memory_mb(None), 0);
        #[cfg(unix)]
        {
            use std::os::unix::process::ExitStatusExt;
            let exited = |raw| {
                runtime_exit(&InvokeError::Exited {
                    status: std::process::ExitStatus::from_raw(raw),
                })
            };
            assert_eq!(exited(7 << 8), "Runtime exited with error: exit status 7");
            assert_eq!(exited(6), "Runtime exited with error: signal: aborted");
            assert_eq!(exited(13), "Runtime exited with error: signal: broken pipe");
            assert_eq!(
                exited(0x80 | 11),
                "Runtime exited with error: signal: segmentation fault (core dumped)"
            );
            assert_eq!(exited(40), "Runtime exited with error: signal: signal 40");
            assert_eq!(exited(0), "Runtime exited without providing a reason");
        }
        let t = timestamp();
        assert_eq!(t.len(), "2026-11-25T09:00:00.123Z".len(), "{t}");
    }
}
