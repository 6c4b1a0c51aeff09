//! `_X_AMZN_TRACE_ID`: the current invocation's X-Ray trace header, which
//! Lambda's custom-runtime contract asks the runtime to put in the
//! environment for every event (set from `Lambda-Runtime-Trace-Id`, removed
//! when that header is absent). X-Ray SDKs and the AWS SDK's recursion
//! detection read it there.
//!
//! `std::env::set_var` cannot be called per event: glibc's `setenv` copies
//! every value it is given and never frees one (a reader may still hold
//! it), so every new trace id stays in memory for the life of the process,
//! about 140 bytes an event. `lambda_runtime`'s loop does exactly that.
//!
//! Here the whole `NAME=value` entry lives in one of two buffers goblet owns,
//! handed to `putenv`, which puts the buffer itself in `environ` without
//! copying it. Each event writes the buffer that is *not* in `environ` and
//! then swaps it in with `putenv`, a single pointer store into the existing
//! entry. A buffer grows only when a longer value comes; an outgrown buffer
//! is leaked rather than freed, so no pointer `getenv` ever returned dangles.
//! Memory is bounded by the longest trace id seen, whatever the number of
//! events.
//!
//! The remaining race: a thread that read the variable's address from
//! `getenv` during one event and still reads through it after the *next*
//! event started may see a mixture of two trace ids (never bytes outside a
//! NUL-terminated buffer). `std::env::var` copies the value at once, so a
//! Rust reader is only affected if it is descheduled mid-copy for a whole
//! invocation. goblet's runtime itself is single-threaded
//! (`new_current_thread`); only threads the app starts run beside it.

// Without `putenv` only `set` and `remove` are used.
#![cfg_attr(not(unix), allow(dead_code))]

use std::ffi::OsStr;
use std::sync::{Mutex, PoisonError};

const NAME: &str = "_X_AMZN_TRACE_ID";
/// Trace ids are about 80 bytes (`Root=..;Parent=..;Sampled=..`, sometimes
/// `Lineage=..`): one allocation usually serves the process's whole life.
const MIN_CAPACITY: usize = 256;

/// Sets `_X_AMZN_TRACE_ID` to `trace_id`, or removes it when `None`, as
/// Lambda's custom-runtime contract asks before each event, without the
/// per-call growth of `std::env::set_var`.
///
/// A value that cannot be an environment value (it holds a NUL byte)
/// removes the variable rather than leaving the previous event's trace id.
pub(crate) fn set(trace_id: Option<&str>) {
    let mut slots = SLOTS.lock().unwrap_or_else(PoisonError::into_inner);
    match trace_id {
        Some(value) if !value.as_bytes().contains(&0) => slots.put(value),
        _ => remove(),
    }
}

/// Where there is no `putenv` (Windows), the environment copies values and
/// frees the old ones: `set_var` does not grow.
#[cfg(not(unix))]
impl Slots {
    fn put(&mut self, value: &str) {
        // SAFETY: as in `remove`.
        unsafe { std::env::set_var(NAME, value) };
    }
}

fn remove() {
    // SAFETY: `remove_var` takes std's environment lock, so every Rust
    // reader is excluded; goblet's runtime is single-threaded, and threads
    // the app starts read the environment through std. (The same call
    // `lambda_runtime` made per event without a trace id.)
    unsafe { std::env::remove_var(NAME) };
}

static SLOTS: Mutex<Slots> = Mutex::new(Slots {
    buffers: [None, None],
    spare: 0,
});

/// The two entry buffers; `spare` is the one `environ` does not point to.
struct Slots {
    buffers: [Option<Entry>; 2],
    spare: usize,
}

/// A leaked, zero-filled `NAME=` + value + NUL buffer: never freed, so a
/// pointer into it stays valid for the life of the process. Its last byte
/// is never written, so it always ends in a NUL, whatever a racing reader
/// sees of the value.
struct Entry {
    ptr: *mut u8,
    capacity: usize,
}

// SAFETY: an `Entry` is a pointer to leaked heap memory, written only by
// the holder of the `SLOTS` lock.
unsafe impl Send for Entry {}

impl Entry {
    /// A buffer for values of up to `len` bytes, with `NAME=` written.
    fn with_room_for(len: usize) -> Entry {
        let capacity = (NAME.len() + 1 + len + 1)
            .max(MIN_CAPACITY)
            .next_power_of_two();
        let ptr = Box::into_raw(vec![0u8; capacity].into_boxed_slice()).cast::<u8>();
        let entry = Entry { ptr, capacity };
        // SAFETY: the buffer holds `capacity` > NAME.len() + 1 bytes.
        unsafe {
            std::ptr::copy_nonoverlapping(NAME.as_ptr(), entry.ptr, NAME.len());
            *entry.ptr.add(NAME.len()) = b'=';
        }
        entry
    }

    /// Whether `len` value bytes fit, with the terminating NUL and the last
    /// byte left alone.
    fn fits(&self, len: usize) -> bool {
        NAME.len() + 1 + len + 1 < self.capacity
    }

    /// Writes `value` and its NUL after `NAME=`.
    ///
    /// # Safety
    /// `self.fits(value.len())`, and `environ` does not point to this buffer.
    unsafe fn write(&mut self, value: &str) {
        let at = NAME.len() + 1;
        // SAFETY: in bounds by `fits`; no other thread reads this buffer
        // through `environ` (it is the spare), and writes hold `SLOTS`.
        unsafe {
            std::ptr::copy_nonoverlapping(value.as_ptr(), self.ptr.add(at), value.len());
            *self.ptr.add(at + value.len()) = 0;
        }
    }
}

#[cfg(unix)]
impl Slots {
    fn put(&mut self, value: &str) {
        ensure_entry_exists();
        let slot = &mut self.buffers[self.spare];
        if !slot.as_ref().is_some_and(|entry| entry.fits(value.len())) {
            // The outgrown buffer (if any) is leaked, not freed: a reader
            // from an earlier event may still hold a pointer into it.
            *slot = Some(Entry::with_room_for(value.len()));
        }
        let Some(entry) = slot.as_mut() else {
            return;
        };
        // SAFETY: it fits (checked above), and it is the spare buffer:
        // `environ` points to the other one, or to no goblet buffer at all.
        unsafe { entry.write(value) };
        // SAFETY: the buffer is NUL-terminated, holds `NAME=`, and lives
        // for the rest of the process (it is never freed). The variable
        // exists (`ensure_entry_exists`), so glibc's `putenv` only replaces
        // the pointer of its entry in `environ`: no allocation, and no
        // reallocation of `environ` under a reader holding std's lock.
        let failed = unsafe { libc::putenv(entry.ptr.cast()) } != 0;
        if failed {
            // Out of memory in libc: better no trace id than the last one.
            tracing::warn!("goblet: cannot set {NAME}; it is left unset for this invocation");
            remove();
            return;
        }
        self.spare = 1 - self.spare;
    }
}

/// Makes sure `environ` has an entry for the variable, so that `putenv`
/// replaces it in place. Adding an entry may move `environ`, which is done
/// here under std's lock with `set_var`. An empty value is the same string
/// every time, which glibc keeps once and reuses: no growth.
fn ensure_entry_exists() {
    if std::env::var_os(NAME).is_none() {
        // SAFETY: as in `remove`: std's lock excludes every Rust reader.
        unsafe { std::env::set_var(NAME, OsStr::new("")) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn current() -> Option<String> {
        std::env::var(NAME).ok()
    }

    #[test]
    fn each_value_replaces_the_last_and_none_removes_it() {
        let _serial = crate::PROCESS_STATE
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        set(None);
        assert_eq!(current(), None);

        set(Some("Root=1-a;Parent=b;Sampled=0"));
        assert_eq!(current().as_deref(), Some("Root=1-a;Parent=b;Sampled=0"));
        set(Some("Root=1-c;Parent=d;Sampled=1"));
        assert_eq!(current().as_deref(), Some("Root=1-c;Parent=d;Sampled=1"));
        // Shorter after longer: no tail of the old value is left.
        set(Some("Root=1-e"));
        assert_eq!(current().as_deref(), Some("Root=1-e"));

        // Longer than any buffer so far, in both buffers.
        let long = format!("Root=1-{}", "f".repeat(600));
        set(Some(&long));
        assert_eq!(current().as_deref(), Some(long.as_str()));
        let longer = format!("Root=1-{}", "g".repeat(1200));
        set(Some(&longer));
        assert_eq!(current().as_deref(), Some(longer.as_str()));

        // Absent header: removed, and set again afterwards.
        set(None);
        assert_eq!(current(), None);
        set(Some("Root=1-h"));
        assert_eq!(current().as_deref(), Some("Root=1-h"));

        // A value no environment can hold: removed, not left stale.
        set(Some("Root=1-\0i"));
        assert_eq!(current(), None);

        // A value the app set itself is replaced at the next event.
        // SAFETY: the tests that touch the environment hold PROCESS_STATE.
        unsafe { std::env::set_var(NAME, "set by the app") };
        set(Some("Root=1-j"));
        assert_eq!(current().as_deref(), Some("Root=1-j"));
        set(None);
    }

    #[test]
    fn buffers_are_reused_for_values_that_fit() {
        let _serial = crate::PROCESS_STATE
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        set(Some("Root=1-warm-up-both-buffers"));
        set(Some("Root=1-warm-up-both-buffers"));
        let before = buffer_addresses();
        for i in 0..10_000 {
            set(Some(&format!(
                "Root=1-{i:08x}-{i:024x};Parent={i:016x};Sampled=0"
            )));
        }
        assert_eq!(buffer_addresses(), before, "a buffer was replaced");
        set(None);
    }

    fn buffer_addresses() -> Vec<usize> {
        let slots = SLOTS.lock().unwrap_or_else(PoisonError::into_inner);
        slots
            .buffers
            .iter()
            .map(|b| b.as_ref().map_or(0, |e| e.ptr as usize))
            .collect()
    }
}
