//! The invocation being served, for whatever needs its request id outside
//! the handler's call stack (log lines above all).
//!
//! A Lambda execution environment serves one event at a time, so "the
//! current request id" is a fact about the process: a log line written by a
//! spawned task or another thread during the invocation carries it too. The
//! buffer is reused from event to event, so it never grows past the longest id.

use std::sync::{PoisonError, RwLock};

static CURRENT: RwLock<String> = RwLock::new(String::new());

/// The runtime has taken the event with this request id off the Runtime API.
pub(crate) fn begin(request_id: &str) {
    let mut current = CURRENT.write().unwrap_or_else(PoisonError::into_inner);
    current.clear();
    current.push_str(request_id);
}

/// The event's response (or error) has been posted.
pub(crate) fn end() {
    CURRENT
        .write()
        .unwrap_or_else(PoisonError::into_inner)
        .clear();
}

/// Calls `f` with the current request id, `None` between invocations (during
/// the init phase, for instance).
pub(crate) fn with_request_id<R>(f: impl FnOnce(Option<&str>) -> R) -> R {
    let current = CURRENT.read().unwrap_or_else(PoisonError::into_inner);
    f(Some(current.as_str()).filter(|id| !id.is_empty()))
}

/// The request id is the process's: tests that set it, or read it, take
/// turns (with the other tests of process-wide state).
#[cfg(test)]
pub(crate) fn serial() -> std::sync::MutexGuard<'static, ()> {
    crate::PROCESS_STATE
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_request_id_is_known_between_begin_and_end_only() {
        let _turn = serial();
        assert_eq!(with_request_id(|id| id.map(str::to_owned)), None);
        begin("8476a536-e9f4-11e8-9739-2dfe598c3fcd");
        assert_eq!(
            with_request_id(|id| id.map(str::to_owned)).as_deref(),
            Some("8476a536-e9f4-11e8-9739-2dfe598c3fcd")
        );
        end();
        assert_eq!(with_request_id(|id| id.map(str::to_owned)), None);
    }
}
