//! Identifiers in Lambda's formats: request ids, X-Ray trace ids, log streams.
//! Unique, not secret: std's randomly keyed hasher is random enough.

use std::hash::{BuildHasher, Hasher, RandomState};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

pub(crate) fn random_u64() -> u64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    hasher.write_u128(epoch().as_nanos());
    hasher.finish()
}

fn epoch() -> std::time::Duration {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
}

/// A random (version 4) UUID, as Lambda's request ids are.
pub(crate) fn request_id() -> String {
    let hi = random_u64();
    let lo = random_u64();
    let hi = (hi & !0xf000) | 0x4000; // version 4
    let lo = (lo & !(0b11 << 62)) | (0b10 << 62); // RFC 4122 variant
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        hi >> 32,
        (hi >> 16) & 0xffff,
        hi & 0xffff,
        lo >> 48,
        lo & 0xffff_ffff_ffff
    )
}

/// `Root=1-<epoch secs hex>-<96 random bits>;Parent=<64 bits>;Sampled=0`.
pub(crate) fn trace_id() -> String {
    format!(
        "Root=1-{:08x}-{:08x}{:016x};Parent={:016x};Sampled=0",
        epoch().as_secs() as u32,
        random_u64() as u32,
        random_u64(),
        random_u64()
    )
}

/// `YYYY/MM/DD/[VERSION]<32 hex>`, the shape of Lambda's log stream names.
pub(crate) fn log_stream(version: &str) -> String {
    let date = time::OffsetDateTime::now_utc().date();
    format!(
        "{:04}/{:02}/{:02}/[{version}]{:016x}{:016x}",
        date.year(),
        u8::from(date.month()),
        date.day(),
        random_u64(),
        random_u64()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_are_distinct_v4_uuids() {
        let a = request_id();
        let b = request_id();
        assert_ne!(a, b);
        let parts: Vec<_> = a.split('-').map(str::len).collect();
        assert_eq!(parts, [8, 4, 4, 4, 12]);
        assert_eq!(&a[14..15], "4");
        assert!(matches!(&a[19..20], "8" | "9" | "a" | "b"), "{a}");
    }

    #[test]
    fn trace_ids_look_like_x_ray() {
        let t = trace_id();
        assert!(t.starts_with("Root=1-"), "{t}");
        let root = t.split(';').next().unwrap();
        assert_eq!(root.len(), "Root=1-".len() + 8 + 1 + 24);
        assert!(t.ends_with(";Sampled=0"));
    }
}
