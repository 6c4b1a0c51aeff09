//! The `goblet` command. Everything lives in the library: see `goblet_cli::cli`.

// `goblet local` allocates for every request (events, headers, buffers) on
// several threads at once; mimalloc's thread-local heaps cost a fraction of
// glibc malloc's per call (see BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    goblet_cli::cli::main()
}
