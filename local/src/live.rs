//! The gateway serving now. `goblet local --watch` puts a new build's
//! gateway (its route table and its workers) in place of the old one; a
//! request takes the current gateway when it arrives and keeps it to the end,
//! so it is routed and answered by one build, and an old build lives exactly
//! as long as a request still holds it (its workers are killed when its pool
//! drops).

use std::sync::{Arc, RwLock};

pub(crate) struct Live<T>(RwLock<Arc<T>>);

impl<T> Live<T> {
    pub(crate) fn new(first: Arc<T>) -> Live<T> {
        Live(RwLock::new(first))
    }

    /// What serves a request arriving now.
    pub(crate) fn current(&self) -> Arc<T> {
        self.0.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Serves the next requests with `next`; returns the one it replaces.
    pub(crate) fn replace(&self, next: Arc<T>) -> Arc<T> {
        std::mem::replace(
            &mut *self.0.write().unwrap_or_else(|e| e.into_inner()),
            next,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_holder_keeps_the_old_value_after_a_replace() {
        let live = Live::new(Arc::new(1));
        let held = live.current();
        let old = live.replace(Arc::new(2));
        assert_eq!((*held, *old, *live.current()), (1, 1, 2));
        drop(old);
        // The request's copy is the last one: dropping it drops the old build.
        assert_eq!(Arc::strong_count(&held), 1);
    }
}
