//! Resident memory of Lambda function binaries over many events: each binary
//! serves `--events` events, one after the other, through goblet's Lambda
//! Runtime API on loopback (`goblet_local::lambda`), every event with its own
//! trace id as on Lambda, and its `VmRSS` is read every `--every` events.
//!
//! ```text
//! memory-curve [--events 100000] [--every 10000] NAME=BINARY...
//! ```
//!
//! Prints a Markdown table: one row per reading, one column per binary, then
//! the growth from the first reading after warm-up (`--every` events) to the
//! last, per event, and the mean time per invocation (Runtime API round trip
//! included). Every reply is checked to be the REST API proxy reply
//! `200 {"hello":"world"}`.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use bytes::Bytes;
use goblet_bench::REST_V1_EVENT;
use goblet_bench::cli::{self, Args};
use goblet_bench::function::{self, invoke_checked, log_sink};
use goblet_local::lambda::Worker;

struct Options {
    events: usize,
    every: usize,
    apps: Vec<(String, PathBuf)>,
}

/// What was measured of one binary: `(events served, VmRSS kB)` readings,
/// the first after one event.
struct Curve {
    readings: Vec<(usize, u64)>,
    elapsed: Duration,
}

fn usage() -> String {
    "usage: memory-curve [--events N] [--every N] NAME=BINARY...".to_owned()
}

fn parse_options() -> Result<Options, String> {
    let mut options = Options {
        events: 100_000,
        every: 10_000,
        apps: Vec::new(),
    };
    let mut args = Args::from_env();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--events" => options.events = args.number("--events")?,
            "--every" => options.every = args.number("--every")?,
            "-h" | "--help" => return Err(usage()),
            app => options.apps.push(cli::app(app, usage)?),
        }
    }
    if options.apps.is_empty() || options.every == 0 || options.events < 2 * options.every {
        return Err(format!(
            "{}\n(--events must be at least twice --every)",
            usage()
        ));
    }
    Ok(options)
}

fn main() -> ExitCode {
    let options = match cli::options(parse_options()) {
        Ok(options) => options,
        Err(status) => return status,
    };
    let runtime = cli::runtime();
    let mut curves = Vec::new();
    for (name, binary) in &options.apps {
        eprintln!("{} events through {name}", options.events);
        match runtime.block_on(measure(name, binary, &options)) {
            Ok(curve) => curves.push(curve),
            Err(message) => {
                eprintln!("memory-curve: {message}");
                return ExitCode::FAILURE;
            }
        }
    }
    print!("{}", report(&options, &curves));
    ExitCode::SUCCESS
}

async fn measure(name: &str, binary: &PathBuf, options: &Options) -> Result<Curve, String> {
    let (sink, logs) = log_sink();
    let worker = Worker::spawn(binary, &function::config(name), sink)
        .await
        .map_err(|e| format!("{name}: {e}"))?;
    let event = Bytes::from_static(REST_V1_EVENT.as_bytes());
    let rss = |worker: &Worker| {
        worker
            .memory()
            .map(|m| m.rss_kb)
            .ok_or_else(|| format!("{name}: cannot read its /proc status"))
    };
    let result = async {
        invoke_checked(name, &worker, &event, &logs).await?;
        let mut readings = vec![(1, rss(&worker)?)];
        let started = Instant::now();
        for served in 2..=options.events {
            invoke_checked(name, &worker, &event, &logs).await?;
            if served % options.every == 0 {
                readings.push((served, rss(&worker)?));
            }
        }
        Ok(Curve {
            readings,
            elapsed: started.elapsed(),
        })
    }
    .await;
    worker.kill().await;
    result
}

fn report(options: &Options, curves: &[Curve]) -> String {
    let mut out = String::new();
    let names: Vec<&str> = options.apps.iter().map(|(n, _)| n.as_str()).collect();
    let _ = writeln!(out, "\n## VmRSS (kB) over {} events\n", options.events);
    let _ = writeln!(out, "| events | {} |", names.join(" | "));
    let _ = writeln!(out, "| ---: |{}", " ---: |".repeat(names.len()));
    for (row, (served, _)) in curves[0].readings.iter().enumerate() {
        let cells: Vec<String> = curves
            .iter()
            .map(|c| c.readings[row].1.to_string())
            .collect();
        let _ = writeln!(out, "| {served} | {} |", cells.join(" | "));
    }
    let growth = |c: &Curve| {
        let (_, warm) = c.readings[1];
        let (_, last) = c.readings[c.readings.len() - 1];
        last as i64 - warm as i64
    };
    let measured = (options.events - options.every) as f64;
    let cells = |f: &dyn Fn(&Curve) -> String| -> String {
        curves.iter().map(f).collect::<Vec<_>>().join(" | ")
    };
    let _ = writeln!(
        out,
        "| growth, {} → {} | {} |",
        options.every,
        options.events,
        cells(&|c| format!("{:+} kB", growth(c)))
    );
    let _ = writeln!(
        out,
        "| per event | {} |",
        cells(&|c| format!("{:.1} B", growth(c) as f64 * 1024.0 / measured))
    );
    let _ = writeln!(
        out,
        "| mean invoke (µs), Runtime API round trip included | {} |",
        cells(&|c| format!(
            "{:.1}",
            c.elapsed.as_secs_f64() * 1e6 / (options.events - 1) as f64
        ))
    );
    out
}
