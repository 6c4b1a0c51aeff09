//! The `goblet` command. Everything lives in the library: see `goblet_cli::cli`.

// `goblet local` allocates for every request it serves (events, headers,
// buffers), and glibc malloc and free were a tenth of its CPU time under
// load; mimalloc costs a fraction of that per call (see BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    goblet_cli::cli::main()
}
