//! The invocation life cycle of one execution environment, apart from HTTP:
//! queued → handed to the runtime by `next` → answered (or failed).
//!
//! Lambda's on-demand model is kept: one invocation at a time per runtime,
//! and a runtime that asks for the next event has finished the previous one.

use std::collections::VecDeque;
use std::process::ExitStatus;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use tokio::sync::{Notify, oneshot};

use super::ids;

/// How the function answered an invocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The runtime posted a response: the function's return value.
    Response(Bytes),
    /// The runtime posted an error (or the response was unacceptable).
    /// `body` is Lambda's error document, `{"errorMessage": .., "errorType": ..}`.
    FunctionError { error_type: String, body: Bytes },
}

/// A finished invocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invoked {
    pub request_id: String,
    pub outcome: Outcome,
    /// From `invoke` until the runtime took the event (includes the runtime's
    /// initialisation on a cold start).
    pub queued: Duration,
    /// From the runtime taking the event until it answered: Lambda's `Duration`.
    pub duration: Duration,
}

/// Why an invocation has no outcome. Once a runtime fails this way every later
/// invocation fails the same way: replace the worker.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvokeError {
    /// The deadline passed first. Lambda ends the environment then: so should the caller.
    #[error("Task timed out after {:.2} seconds", timeout.as_secs_f64())]
    TimedOut {
        request_id: String,
        timeout: Duration,
    },
    /// The runtime reported an initialisation error (`/runtime/init/error`).
    #[error(
        "the function failed to initialise: {error_type}: {}",
        error_message(body)
    )]
    InitFailed { error_type: String, body: Bytes },
    /// The function's process exited.
    #[error("the function's process exited ({status}) before answering")]
    Exited { status: ExitStatus },
    /// The worker was stopped on purpose.
    #[error("the function's process was stopped")]
    Killed,
    /// The runtime asked for another event without answering this one.
    #[error("the runtime asked for the next event without answering request {request_id}")]
    NoResponse { request_id: String },
    /// The Runtime API server is gone.
    #[error("the Runtime API is shut down")]
    Closed,
}

/// The `errorMessage` of an error document, or the raw body when it has none.
pub(crate) fn error_message(body: &[u8]) -> String {
    #[derive(serde::Deserialize)]
    struct Doc {
        #[serde(rename = "errorMessage")]
        message: String,
    }
    match serde_json::from_slice::<Doc>(body) {
        Ok(doc) => doc.message,
        Err(_) => String::from_utf8_lossy(body).trim().to_owned(),
    }
}

/// The invocation the runtime held when its endpoint closed (its process
/// exited or was stopped mid-invocation): Lambda still logs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interrupted {
    pub request_id: String,
    /// From the runtime taking the event until the endpoint closed.
    pub duration: Duration,
}

/// An event handed to the runtime by `next`.
#[derive(Debug, Clone)]
pub(crate) struct NextEvent {
    pub request_id: String,
    pub event: Bytes,
    /// The deadline in milliseconds since the epoch.
    pub deadline_ms: u128,
    pub trace_id: String,
}

/// Why an answer from the runtime was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AnswerError {
    /// Never handed out, or long forgotten.
    UnknownId,
    /// Already answered (or already failed).
    AlreadyAnswered,
}

type Reply = oneshot::Sender<Result<Invoked, InvokeError>>;

struct Pending {
    request_id: String,
    event: Bytes,
    deadline: SystemTime,
    queued_at: Instant,
    reply: Reply,
}

struct InFlight {
    request_id: String,
    queued_at: Instant,
    taken_at: Instant,
    reply: Reply,
}

#[derive(Default)]
struct State {
    closed: Option<InvokeError>,
    queue: VecDeque<Pending>,
    in_flight: Option<InFlight>,
    /// Recently finished request ids, to tell "already answered" from "unknown".
    finished: VecDeque<String>,
    /// When the runtime first asked for an event: its initialisation is over.
    first_poll: Option<Instant>,
    interrupted: Option<Interrupted>,
}

const FINISHED_KEPT: usize = 64;

impl State {
    fn finish(&mut self, request_id: String) {
        if self.finished.len() == FINISHED_KEPT {
            self.finished.pop_front();
        }
        self.finished.push_back(request_id);
    }
}

/// The shared state of one Runtime API endpoint.
#[derive(Default)]
pub(crate) struct Invocations {
    state: Mutex<State>,
    changed: Notify,
}

impl Invocations {
    fn lock(&self) -> MutexGuard<'_, State> {
        // No code panics while holding the lock; recover the data if one ever did.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Queues `event` and waits for its outcome, at most `timeout`.
    pub(crate) async fn invoke(
        &self,
        event: Bytes,
        timeout: Duration,
    ) -> Result<Invoked, InvokeError> {
        let request_id = ids::request_id();
        let (reply, outcome) = oneshot::channel();
        {
            let mut state = self.lock();
            if let Some(reason) = &state.closed {
                return Err(reason.clone());
            }
            state.queue.push_back(Pending {
                request_id: request_id.clone(),
                event,
                deadline: SystemTime::now() + timeout,
                queued_at: Instant::now(),
                reply,
            });
        }
        self.changed.notify_waiters();
        match tokio::time::timeout(timeout, outcome).await {
            Ok(Ok(result)) => result,
            // The sender is only dropped by `close`, which sends first; be safe anyway.
            Ok(Err(_)) => Err(self.lock().closed.clone().unwrap_or(InvokeError::Closed)),
            Err(_elapsed) => {
                let mut state = self.lock();
                state.queue.retain(|p| p.request_id != request_id);
                if state
                    .in_flight
                    .as_ref()
                    .is_some_and(|f| f.request_id == request_id)
                {
                    state.in_flight = None;
                    state.finish(request_id.clone());
                }
                Err(InvokeError::TimedOut {
                    request_id,
                    timeout,
                })
            }
        }
    }

    /// The long poll behind `GET /runtime/invocation/next`: waits for an event.
    /// `Err` once the endpoint is closed.
    pub(crate) async fn next(&self) -> Result<NextEvent, InvokeError> {
        loop {
            let changed = self.changed.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            {
                let mut state = self.lock();
                if let Some(reason) = &state.closed {
                    return Err(reason.clone());
                }
                if state.first_poll.is_none() {
                    state.first_poll = Some(Instant::now());
                    self.changed.notify_waiters();
                }
                if let Some(previous) = state.in_flight.take() {
                    let request_id = previous.request_id.clone();
                    let _ = previous.reply.send(Err(InvokeError::NoResponse {
                        request_id: request_id.clone(),
                    }));
                    state.finish(request_id);
                }
                while let Some(pending) = state.queue.pop_front() {
                    if pending.reply.is_closed() {
                        continue; // The caller gave up waiting.
                    }
                    let deadline_ms = pending
                        .deadline
                        .duration_since(UNIX_EPOCH)
                        .unwrap_or_default()
                        .as_millis();
                    let next = NextEvent {
                        request_id: pending.request_id.clone(),
                        event: pending.event,
                        deadline_ms,
                        trace_id: ids::trace_id(),
                    };
                    state.in_flight = Some(InFlight {
                        request_id: pending.request_id,
                        queued_at: pending.queued_at,
                        taken_at: Instant::now(),
                        reply: pending.reply,
                    });
                    return Ok(next);
                }
            }
            changed.await;
        }
    }

    /// Records the runtime's answer to `request_id`.
    pub(crate) fn answer(&self, request_id: &str, outcome: Outcome) -> Result<(), AnswerError> {
        let mut state = self.lock();
        match &state.in_flight {
            Some(f) if f.request_id == request_id => {}
            _ if state.finished.iter().any(|id| id == request_id) => {
                return Err(AnswerError::AlreadyAnswered);
            }
            _ => return Err(AnswerError::UnknownId),
        }
        let Some(f) = state.in_flight.take() else {
            return Err(AnswerError::UnknownId);
        };
        let now = Instant::now();
        let invoked = Invoked {
            request_id: f.request_id.clone(),
            outcome,
            queued: f.taken_at - f.queued_at,
            duration: now - f.taken_at,
        };
        // The caller may have stopped waiting; the answer is still accepted.
        let _ = f.reply.send(Ok(invoked));
        state.finish(f.request_id);
        Ok(())
    }

    /// Fails every queued and running invocation, and all later ones, with
    /// `reason`. The first reason sticks.
    pub(crate) fn close(&self, reason: InvokeError) {
        let mut state = self.lock();
        if state.closed.is_some() {
            return;
        }
        state.closed = Some(reason.clone());
        if let Some(f) = state.in_flight.take() {
            // Recorded before the caller wakes, so it finds it.
            state.interrupted = Some(Interrupted {
                request_id: f.request_id.clone(),
                duration: f.taken_at.elapsed(),
            });
            let _ = f.reply.send(Err(reason.clone()));
            state.finish(f.request_id);
        }
        for pending in state.queue.drain(..) {
            let _ = pending.reply.send(Err(reason.clone()));
        }
        drop(state);
        self.changed.notify_waiters();
    }

    pub(crate) fn closed(&self) -> Option<InvokeError> {
        self.lock().closed.clone()
    }

    /// When the runtime first asked for an event, if it has.
    pub(crate) fn first_poll(&self) -> Option<Instant> {
        self.lock().first_poll
    }

    /// The invocation cut short when the endpoint closed, if one was running.
    pub(crate) fn interrupted(&self) -> Option<Interrupted> {
        self.lock().interrupted.clone()
    }

    /// Waits until the runtime first asks for an event (its init is over), and
    /// returns when it did; fails if the endpoint closes first.
    pub(crate) async fn ready(&self) -> Result<Instant, InvokeError> {
        loop {
            let changed = self.changed.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            {
                let state = self.lock();
                if let Some(at) = state.first_poll {
                    return Ok(at);
                }
                if let Some(reason) = &state.closed {
                    return Err(reason.clone());
                }
            }
            changed.await;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    #[tokio::test]
    async fn an_invocation_goes_round() {
        let inv = Arc::new(Invocations::default());
        let caller = tokio::spawn({
            let inv = inv.clone();
            async move {
                inv.invoke(Bytes::from_static(b"{}"), Duration::from_secs(5))
                    .await
            }
        });
        let next = inv.next().await.unwrap();
        assert_eq!(next.event, "{}");
        assert_eq!(
            inv.answer("nope", Outcome::Response("x".into())),
            Err(AnswerError::UnknownId)
        );
        inv.answer(&next.request_id, Outcome::Response("ok".into()))
            .unwrap();
        assert_eq!(
            inv.answer(&next.request_id, Outcome::Response("again".into())),
            Err(AnswerError::AlreadyAnswered)
        );
        let invoked = caller.await.unwrap().unwrap();
        assert_eq!(invoked.request_id, next.request_id);
        assert_eq!(invoked.outcome, Outcome::Response("ok".into()));
        assert!(inv.ready().await.is_ok());
    }

    #[tokio::test]
    async fn close_wakes_everyone() {
        let inv = Arc::new(Invocations::default());
        let poller = tokio::spawn({
            let inv = inv.clone();
            async move { inv.next().await }
        });
        let ready = tokio::spawn({
            let inv = inv.clone();
            async move { inv.ready().await }
        });
        tokio::task::yield_now().await;
        inv.close(InvokeError::Killed);
        inv.close(InvokeError::Closed); // the first reason sticks
        assert_eq!(poller.await.unwrap().unwrap_err(), InvokeError::Killed);
        // `next` counts as the first poll even when it then fails.
        let _ = ready.await.unwrap();
        assert_eq!(
            inv.invoke(Bytes::new(), Duration::from_secs(1)).await,
            Err(InvokeError::Killed)
        );
    }

    #[tokio::test]
    async fn closing_mid_invocation_records_what_was_cut_short() {
        let inv = Arc::new(Invocations::default());
        let caller = tokio::spawn({
            let inv = inv.clone();
            async move { inv.invoke(Bytes::new(), Duration::from_secs(5)).await }
        });
        let next = inv.next().await.unwrap();
        assert_eq!(inv.interrupted(), None);
        inv.close(InvokeError::Killed);
        assert_eq!(caller.await.unwrap(), Err(InvokeError::Killed));
        let cut = inv.interrupted().unwrap();
        assert_eq!(cut.request_id, next.request_id);
        assert!(cut.duration < Duration::from_secs(5));
        // A late answer is refused as an answer to a finished invocation.
        assert_eq!(
            inv.answer(&next.request_id, Outcome::Response("late".into())),
            Err(AnswerError::AlreadyAnswered)
        );
    }

    #[tokio::test]
    async fn timeouts_forget_the_invocation() {
        let inv = Invocations::default();
        let err = inv
            .invoke(Bytes::new(), Duration::from_millis(20))
            .await
            .unwrap_err();
        assert!(matches!(err, InvokeError::TimedOut { .. }));
        assert_eq!(err.to_string(), "Task timed out after 0.02 seconds");
        assert!(inv.lock().queue.is_empty());
    }

    #[test]
    fn error_messages_come_from_the_error_document() {
        assert_eq!(
            error_message(br#"{"errorMessage":"boom","errorType":"E"}"#),
            "boom"
        );
        assert_eq!(error_message(b" plain \n"), "plain");
    }
}
