//! Diagnostics on stderr through `tracing`; stdout stays for command output.

use tracing_subscriber::EnvFilter;

/// Sets up logging to stderr. `RUST_LOG` wins when set; otherwise `verbosity`
/// (the count of `-v` flags) picks goblet's level: warnings, info, debug, trace.
pub(crate) fn init(verbosity: u8) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        let level = match verbosity {
            0 => "warn",
            1 => "info",
            2 => "debug",
            _ => "trace",
        };
        // aws-config warns of every provider that fails before goblet says
        // what that means for the command; its errors still show.
        EnvFilter::new(format!(
            "warn,aws_config=error,goblet_cli={level},goblet_project={level},goblet_local={level},goblet_deploy={level}"
        ))
    });
    // A second initialisation (tests call `run` repeatedly) keeps the first.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .try_init();
}
