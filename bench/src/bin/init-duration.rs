//! Init Duration and size of Lambda function binaries, including apps that
//! cannot answer the benchmark event here (the todo app needs its DynamoDB
//! table): each binary is spawned under goblet-local's Runtime API on
//! loopback, timed from spawn to its first `/invocation/next` (Lambda's
//! `Init Duration`), and killed. The binaries alternate, each round in a
//! rotated order, as in `lambda-lifecycle`.
//!
//! ```text
//! init-duration [--runs 50] [--warmup 3] [--env NAME=VALUE]... [--log-field NAME]
//!               NAME=BINARY...
//! ```
//!
//! Every binary runs with Lambda's JSON log format and the `--env`
//! variables. With `--log-field NAME`, the number an app logs as `NAME`
//! during init (the todo app's `init_ms`: how long its SDK client took to
//! make) is read from its JSON lines and reported beside the Init Duration.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use goblet_bench::cli::{self, Args};
use goblet_bench::function::{self, failure, log_sink};
use goblet_bench::stats::{ms, percentile};
use goblet_core::logging::{LogFormat, Logging};
use goblet_local::lambda::Worker;
use serde_json::Value;

struct Options {
    runs: usize,
    warmup: usize,
    environment: Vec<(String, String)>,
    log_field: Option<String>,
    apps: Vec<(String, PathBuf)>,
}

fn usage() -> String {
    "usage: init-duration [--runs N] [--warmup N] [--env NAME=VALUE]... [--log-field NAME] \
     NAME=BINARY..."
        .to_owned()
}

fn parse_options() -> Result<Options, String> {
    let mut options = Options {
        runs: 50,
        warmup: 3,
        environment: Vec::new(),
        log_field: None,
        apps: Vec::new(),
    };
    let mut args = Args::from_env();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--runs" => options.runs = args.number("--runs")?,
            "--warmup" => options.warmup = args.number("--warmup")?,
            "--env" => {
                let variable = args.value("--env")?;
                let (name, value) = variable
                    .split_once('=')
                    .ok_or_else(|| format!("--env {variable}: expected NAME=VALUE"))?;
                options.environment.push((name.into(), value.into()));
            }
            "--log-field" => options.log_field = Some(args.value("--log-field")?),
            "-h" | "--help" => return Err(usage()),
            app => options.apps.push(cli::app(app, usage)?),
        }
    }
    if options.apps.is_empty() || options.runs == 0 {
        return Err(usage());
    }
    Ok(options)
}

/// What was measured of one binary.
#[derive(Default)]
struct Figures {
    size: u64,
    init: Vec<Duration>,
    /// The `--log-field` value of each measured start, when the app logged it.
    field: Vec<f64>,
}

fn main() -> ExitCode {
    let options = match cli::options(parse_options()) {
        Ok(options) => options,
        Err(status) => return status,
    };
    match cli::runtime().block_on(measure(&options)) {
        Ok(figures) => {
            print!("{}", report(&options, &figures));
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("init-duration: {message}");
            ExitCode::FAILURE
        }
    }
}

/// One start: spawn, wait for the first `/invocation/next`, kill. Returns the
/// Init Duration and the `field` the app logged, if it did.
async fn start_once(
    name: &str,
    binary: &Path,
    options: &Options,
) -> Result<(Duration, Option<f64>), String> {
    let (sink, logs) = log_sink();
    let mut config = function::config(name);
    config.logging = Logging {
        format: LogFormat::Json,
        level: None,
    };
    config
        .environment
        .extend(options.environment.iter().cloned());
    let worker = Worker::spawn(binary, &config, sink)
        .await
        .map_err(|e| e.to_string())?;
    let init = worker.ready().await;
    // Killing waits for the output to be forwarded: every init line is in.
    worker.kill().await;
    let init = init.map_err(|e| failure(name, e, &logs))?;
    let field = options.log_field.as_deref().and_then(|field| {
        let lines = logs.lock().unwrap_or_else(|e| e.into_inner());
        lines.iter().find_map(|line| {
            serde_json::from_str::<Value>(line)
                .ok()?
                .get(field)?
                .as_f64()
        })
    });
    Ok((init, field))
}

async fn measure(options: &Options) -> Result<Vec<Figures>, String> {
    let mut figures = Vec::new();
    for (_, binary) in &options.apps {
        let size = std::fs::metadata(binary)
            .map_err(|e| format!("{}: {e}", binary.display()))?
            .len();
        figures.push(Figures {
            size,
            ..Figures::default()
        });
    }
    eprintln!(
        "starts: {} warm-up + {} measured rounds over {} binaries",
        options.warmup,
        options.runs,
        options.apps.len()
    );
    let count = options.apps.len();
    for round in 0..options.warmup + options.runs {
        for k in 0..count {
            let index = (round + k) % count;
            let (name, binary) = &options.apps[index];
            let (init, field) = start_once(name, binary, options).await?;
            if round >= options.warmup {
                figures[index].init.push(init);
                figures[index].field.extend(field);
            }
        }
    }
    Ok(figures)
}

fn report(options: &Options, figures: &[Figures]) -> String {
    let field = options.log_field.as_deref();
    let mut out = format!(
        "\n## Init Duration ({} runs each, alternating) and stripped release binary size\n\n\
         | app | binary size | init median | p90 | min | max |{}\n\
         | --- | ---: | ---: | ---: | ---: | ---: |{}\n",
        options.runs,
        field.map_or(String::new(), |f| format!(" `{f}` median (logged) |")),
        if field.is_some() { " ---: |" } else { "" },
    );
    for ((name, _), f) in options.apps.iter().zip(figures) {
        let logged = match field {
            None => String::new(),
            Some(_) if f.field.is_empty() => " - |".to_owned(),
            Some(_) => format!(" {:.2} ms |", percentile(&f.field, 50.0)),
        };
        out += &format!(
            "| {name} | {:.2} MiB ({} B) | {} | {} | {} | {} |{logged}\n",
            f.size as f64 / (1024.0 * 1024.0),
            f.size,
            ms(percentile(&f.init, 50.0)),
            ms(percentile(&f.init, 90.0)),
            ms(percentile(&f.init, 0.0)),
            ms(percentile(&f.init, 100.0)),
        );
    }
    out
}
