//! The `goblet` command. Everything lives in the library: see `goblet_cli::cli`.

fn main() -> std::process::ExitCode {
    goblet_cli::cli::main()
}
