//! Compile-time behaviour of `#[route]` and `#[goblet::main]`, `goblet::app!`: what compiles (and
//! then serves requests), and the exact error for each mistake.
//!
//! Regenerate the expected output with `TRYBUILD=overwrite cargo test -p
//! goblet-macros --test ui`, then read every changed `.stderr`.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/pass/*.rs");
    t.compile_fail("tests/ui/*.rs");
}
