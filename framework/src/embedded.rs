//! The goblet runtime's own record in the binary's `goblet_routes` section, and
//! read access to that section from inside the running binary.
//!
//! Referencing the section's bounds from `run()` keeps every record alive through
//! `--gc-sections` (linkers retain all input sections named like a C identifier
//! when `__start_`/`__stop_` symbols refer to them) — the same technique as the
//! linkme crate.

use goblet_core::ManifestError;
use goblet_core::record;
use goblet_core::record::SectionCounts;

const PAYLOAD: &str = concat!("{\"goblet_version\":\"", env!("CARGO_PKG_VERSION"), "\"}");

#[cfg_attr(
    any(
        target_os = "linux",
        target_os = "android",
        target_os = "freebsd",
        target_os = "netbsd",
        target_os = "openbsd",
        target_os = "dragonfly",
        target_os = "illumos",
        target_os = "solaris",
        target_os = "fuchsia"
    ),
    unsafe(link_section = "goblet_routes")
)]
#[used]
static FRAMEWORK_RECORD: [u8; record::encoded_len(PAYLOAD)] =
    record::encode(record::KIND_FRAMEWORK, PAYLOAD);

/// The records embedded in this very binary, counted; `None` where the
/// target has no ELF sections (goblet apps run on Linux; tests may run
/// elsewhere).
pub(crate) fn counts() -> Option<Result<SectionCounts, ManifestError>> {
    section().map(record::count_section)
}

#[cfg(any(
    target_os = "linux",
    target_os = "android",
    target_os = "freebsd",
    target_os = "netbsd",
    target_os = "openbsd",
    target_os = "dragonfly",
    target_os = "illumos",
    target_os = "solaris",
    target_os = "fuchsia"
))]
fn section() -> Option<&'static [u8]> {
    unsafe extern "C" {
        static __start_goblet_routes: u8;
        static __stop_goblet_routes: u8;
    }
    // Keeps our own record referenced even if the section is ever collected.
    std::hint::black_box(&FRAMEWORK_RECORD);
    let start = &raw const __start_goblet_routes;
    let stop = &raw const __stop_goblet_routes;
    let len = (stop as usize).saturating_sub(start as usize);
    // SAFETY: the linker defines both symbols as the bounds of the section,
    // which holds only our immutable byte-array records.
    Some(unsafe { std::slice::from_raw_parts(start, len) })
}

#[cfg(not(any(
    target_os = "linux",
    target_os = "android",
    target_os = "freebsd",
    target_os = "netbsd",
    target_os = "openbsd",
    target_os = "dragonfly",
    target_os = "illumos",
    target_os = "solaris",
    target_os = "fuchsia"
)))]
fn section() -> Option<&'static [u8]> {
    None
}
