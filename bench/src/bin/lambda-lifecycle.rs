//! Cold start, binary size and memory of Lambda function binaries, measured
//! with goblet's own Lambda Runtime API (`goblet_local::lambda`) on loopback, and
//! the summary of a `bench/run.sh` run.
//!
//! ```text
//! lambda-lifecycle [--runs 50] [--warmup 3] [--events 10000]
//!                  [--criterion target/criterion] [--json out.json]
//!                  goblet=PATH lambda_http=PATH lambda_http_axum=PATH
//! ```
//!
//! * cold start: the time from spawning the binary (its Runtime API endpoint
//!   bound just before) until its reply to the first event is posted; `--runs`
//!   times per binary, the binaries alternating (each round in a rotated order);
//!   also Lambda's `Init Duration` (spawn until the first `/invocation/next`);
//! * size: the binary's file size (the release profile strips it);
//! * memory: `VmHWM` of `/proc/PID/status` after the first event and after
//!   `--events` events, one after the other, through the same Runtime API;
//! * with `--criterion`, the per-event dispatch figures `cargo bench -p
//!   goblet-bench` left there.
//!
//! Every reply is checked to be the REST API proxy reply `200 {"hello":"world"}`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use bytes::Bytes;
use goblet_bench::REST_V1_EVENT;
use goblet_bench::cli::{self, Args};
use goblet_bench::function::{self, failure, invoke_checked, log_sink};
use goblet_bench::stats::{ms, percentile};
use goblet_local::lambda::Worker;
use serde_json::{Value, json};

/// The subject; every other app is a baseline.
const GOBLET: &str = "goblet";
/// The baseline of the cold start and size goals.
const PLAIN: &str = "lambda_http";
/// The baseline of the per-event goal.
const AXUM: &str = "lambda_http_axum";

struct Options {
    runs: usize,
    warmup: usize,
    events: usize,
    criterion: Option<PathBuf>,
    json: Option<PathBuf>,
    apps: Vec<(String, PathBuf)>,
}

fn usage() -> String {
    "usage: lambda-lifecycle [--runs N] [--warmup N] [--events N] [--criterion DIR] [--json FILE] \
     NAME=BINARY... (names: goblet, lambda_http, lambda_http_axum)"
        .to_owned()
}

fn parse_options() -> Result<Options, String> {
    let mut options = Options {
        runs: 50,
        warmup: 3,
        events: 10_000,
        criterion: None,
        json: None,
        apps: Vec::new(),
    };
    let mut args = Args::from_env();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--runs" => options.runs = args.number("--runs")?,
            "--warmup" => options.warmup = args.number("--warmup")?,
            "--events" => options.events = args.number("--events")?,
            "--criterion" => options.criterion = Some(args.value("--criterion")?.into()),
            "--json" => options.json = Some(args.value("--json")?.into()),
            "-h" | "--help" => return Err(usage()),
            app => options.apps.push(cli::app(app, usage)?),
        }
    }
    if options.apps.is_empty() || options.runs == 0 || options.events == 0 {
        return Err(usage());
    }
    Ok(options)
}

/// What was measured of one binary.
#[derive(Default)]
struct AppFigures {
    size: u64,
    /// Spawn → reply to the first event.
    cold: Vec<Duration>,
    /// Spawn → first `/invocation/next` (Lambda's Init Duration).
    init: Vec<Duration>,
    hwm_first_kb: u64,
    hwm_kb: u64,
    rss_kb: u64,
    /// Each warm invocation, Runtime API round trip included.
    warm: Vec<Duration>,
}

fn main() -> ExitCode {
    let options = match cli::options(parse_options()) {
        Ok(options) => options,
        Err(status) => return status,
    };
    let runtime = cli::runtime();
    match runtime.block_on(measure(&options)) {
        Ok(figures) => {
            let dispatch = options
                .criterion
                .as_deref()
                .map(read_criterion)
                .unwrap_or_default();
            print!("{}", report(&options, &figures, &dispatch));
            if let Some(path) = &options.json {
                let doc = to_json(&options, &figures, &dispatch);
                let text = serde_json::to_string_pretty(&doc).expect("JSON");
                if let Err(e) = std::fs::write(path, text + "\n") {
                    eprintln!("cannot write {}: {e}", path.display());
                    return ExitCode::FAILURE;
                }
            }
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("lambda-lifecycle: {message}");
            ExitCode::FAILURE
        }
    }
}

/// One cold start: spawn, first event, kill. Returns (spawn → reply, init).
async fn cold_start(
    name: &str,
    binary: &Path,
    event: &Bytes,
) -> Result<(Duration, Duration), String> {
    let (sink, logs) = log_sink();
    let function = function::config(name);
    let started = Instant::now();
    let worker = Worker::spawn(binary, &function, sink)
        .await
        .map_err(|e| e.to_string())?;
    let result = invoke_checked(name, &worker, event, &logs).await;
    let cold = started.elapsed();
    let init = worker.ready().await;
    worker.kill().await;
    result?;
    let init = init.map_err(|e| failure(name, e, &logs))?;
    Ok((cold, init))
}

/// `events` events through one worker; fills the memory and warm figures.
async fn many_events(
    name: &str,
    binary: &Path,
    event: &Bytes,
    events: usize,
    figures: &mut AppFigures,
) -> Result<(), String> {
    let (sink, logs) = log_sink();
    let worker = Worker::spawn(binary, &function::config(name), sink)
        .await
        .map_err(|e| e.to_string())?;
    let result = drive(name, &worker, event, events, figures, &logs).await;
    worker.kill().await;
    result
}

async fn drive(
    name: &str,
    worker: &Worker,
    event: &Bytes,
    events: usize,
    figures: &mut AppFigures,
    logs: &Mutex<Vec<String>>,
) -> Result<(), String> {
    let pid = worker
        .pid()
        .ok_or_else(|| format!("{name}: no process id"))?;
    let memory = || {
        worker
            .memory()
            .ok_or_else(|| format!("{name}: cannot read /proc/{pid}/status"))
    };
    invoke_checked(name, worker, event, logs).await?;
    figures.hwm_first_kb = memory()?.peak_kb;
    figures.warm.reserve(events);
    for _ in 1..events {
        let started = Instant::now();
        invoke_checked(name, worker, event, logs).await?;
        figures.warm.push(started.elapsed());
    }
    let last = memory()?;
    (figures.hwm_kb, figures.rss_kb) = (last.peak_kb, last.rss_kb);
    Ok(())
}

async fn measure(options: &Options) -> Result<BTreeMap<String, AppFigures>, String> {
    let event = Bytes::from_static(REST_V1_EVENT.as_bytes());
    let mut figures: BTreeMap<String, AppFigures> = BTreeMap::new();
    for (name, binary) in &options.apps {
        let size = std::fs::metadata(binary)
            .map_err(|e| format!("{}: {e}", binary.display()))?
            .len();
        figures.entry(name.clone()).or_default().size = size;
    }

    eprintln!(
        "cold starts: {} warm-up + {} measured rounds over {} binaries",
        options.warmup,
        options.runs,
        options.apps.len()
    );
    let count = options.apps.len();
    for round in 0..options.warmup + options.runs {
        for k in 0..count {
            let (name, binary) = &options.apps[(round + k) % count];
            let (cold, init) = cold_start(name, binary, &event).await?;
            if round >= options.warmup {
                let app = figures.get_mut(name).expect("every app has figures");
                app.cold.push(cold);
                app.init.push(init);
            }
        }
    }

    for (name, binary) in &options.apps {
        eprintln!("memory: {} events through {name}", options.events);
        let app = figures.get_mut(name).expect("every app has figures");
        many_events(name, binary, &event, options.events, app).await?;
    }
    Ok(figures)
}

/// Median per-event time (ns) of each `dispatch/<id>` criterion benchmark.
fn read_criterion(dir: &Path) -> BTreeMap<String, f64> {
    let mut out = BTreeMap::new();
    for id in [
        "goblet",
        "lambda_http_axum",
        "serde_typed",
        "serde_value",
        "serde_ignored",
        "goblet_routes_10",
        "goblet_routes_100",
        "goblet_routes_400",
    ] {
        let path = dir
            .join("dispatch")
            .join(id)
            .join("new")
            .join("estimates.json");
        let Ok(text) = std::fs::read_to_string(&path) else {
            eprintln!("no criterion estimate at {}", path.display());
            continue;
        };
        let Ok(doc) = serde_json::from_str::<Value>(&text) else {
            continue;
        };
        if let Some(ns) = doc["median"]["point_estimate"].as_f64() {
            out.insert(id.to_owned(), ns);
        }
    }
    out
}

fn us(d: Duration) -> String {
    format!("{:.1} µs", d.as_secs_f64() * 1e6)
}

fn mib(bytes: u64) -> String {
    format!("{:.2} MiB", bytes as f64 / (1024.0 * 1024.0))
}

fn verdict(ratio: f64, goal: f64) -> String {
    if ratio <= goal {
        format!("met (≤ {goal}×)")
    } else {
        format!(
            "MISSED by {:.0}% (goal ≤ {goal}×)",
            (ratio / goal - 1.0) * 100.0
        )
    }
}

fn report(
    options: &Options,
    figures: &BTreeMap<String, AppFigures>,
    dispatch: &BTreeMap<String, f64>,
) -> String {
    let mut out = String::new();
    let names: Vec<&str> = options.apps.iter().map(|(n, _)| n.as_str()).collect();
    let _ = writeln!(
        out,
        "\n## Per-event dispatch (criterion median, one {} B REST API event)\n",
        REST_V1_EVENT.len()
    );
    if dispatch.is_empty() {
        let _ = writeln!(out, "(no criterion results given)");
    } else {
        let _ = writeln!(out, "| path | time per event | goblet ÷ this |");
        let _ = writeln!(out, "| --- | ---: | ---: |");
        let goblet = dispatch.get(GOBLET).copied();
        for (id, ns) in dispatch {
            let ratio = goblet.map_or("-".to_owned(), |g| format!("{:.2}", g / ns));
            let _ = writeln!(out, "| {id} | {:.2} µs | {ratio} |", ns / 1e3);
        }
        if let Some(g) = goblet {
            let _ = writeln!(out);
            if let Some(axum) = dispatch.get(AXUM) {
                let r = g / axum;
                let _ = writeln!(
                    out,
                    "- goblet vs lambda_http + axum: {r:.2}× — {}",
                    verdict(r, 1.0)
                );
            }
            for floor in ["serde_typed", "serde_value"] {
                if let Some(f) = dispatch.get(floor) {
                    let r = g / f;
                    let _ = writeln!(
                        out,
                        "- goblet vs {floor} floor: {r:.2}× — {}",
                        verdict(r, 2.0)
                    );
                }
            }
            if let Some(f) = dispatch.get("serde_ignored") {
                let r = g / f;
                let _ = writeln!(
                    out,
                    "- goblet vs serde_ignored (JSON validation only; no goal): {r:.2}×"
                );
            }
        }
    }

    let _ = writeln!(
        out,
        "\n## Cold start ({} runs each, alternating) and stripped release binary size\n",
        options.runs
    );
    let _ = writeln!(
        out,
        "| app | binary size | init median | spawn → reply median | p90 | min | max |"
    );
    let _ = writeln!(out, "| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
    for name in &names {
        let f = &figures[*name];
        let _ = writeln!(
            out,
            "| {name} | {} ({} B) | {} | {} | {} | {} | {} |",
            mib(f.size),
            f.size,
            ms(percentile(&f.init, 50.0)),
            ms(percentile(&f.cold, 50.0)),
            ms(percentile(&f.cold, 90.0)),
            ms(percentile(&f.cold, 0.0)),
            ms(percentile(&f.cold, 100.0)),
        );
    }
    if let (Some(g), true) = (figures.get(GOBLET), names.len() > 1) {
        let _ = writeln!(out);
        for name in names.iter().filter(|n| **n != GOBLET) {
            let b = &figures[*name];
            let goal = *name == PLAIN;
            let size = g.size as f64 / b.size as f64;
            let median = ratio(percentile(&g.cold, 50.0), percentile(&b.cold, 50.0));
            let p90 = ratio(percentile(&g.cold, 90.0), percentile(&b.cold, 90.0));
            let verdicts = |r: f64| {
                if goal {
                    format!(" — {}", verdict(r, 1.1))
                } else {
                    String::new()
                }
            };
            let _ = writeln!(out, "- goblet vs {name}: size {size:.3}×{}", verdicts(size));
            let _ = writeln!(
                out,
                "- goblet vs {name}: cold start median {median:.3}×{}",
                verdicts(median)
            );
            let _ = writeln!(
                out,
                "- goblet vs {name}: cold start p90 {p90:.3}×{}",
                verdicts(p90)
            );
        }
    }

    let _ = writeln!(
        out,
        "\n## Memory: peak RSS (VmHWM) over {} events\n",
        options.events
    );
    let _ = writeln!(
        out,
        "| app | VmHWM after 1 event | VmHWM after {} | VmRSS after {} | warm invoke median (p90), Runtime API round trip included |",
        options.events, options.events
    );
    let _ = writeln!(out, "| --- | ---: | ---: | ---: | ---: |");
    for name in &names {
        let f = &figures[*name];
        let _ = writeln!(
            out,
            "| {name} | {} kB | {} kB | {} kB | {} ({}) |",
            f.hwm_first_kb,
            f.hwm_kb,
            f.rss_kb,
            us(percentile(&f.warm, 50.0)),
            us(percentile(&f.warm, 90.0)),
        );
    }
    if let Some(g) = figures.get(GOBLET) {
        let _ = writeln!(out);
        for name in names.iter().filter(|n| **n != GOBLET) {
            let b = &figures[*name];
            let _ = writeln!(
                out,
                "- goblet vs {name}: peak RSS {:.3}×",
                g.hwm_kb as f64 / b.hwm_kb as f64
            );
        }
    }
    out
}

fn ratio(a: Duration, b: Duration) -> f64 {
    a.as_secs_f64() / b.as_secs_f64()
}

fn to_json(
    options: &Options,
    figures: &BTreeMap<String, AppFigures>,
    dispatch: &BTreeMap<String, f64>,
) -> Value {
    let micros =
        |values: &[Duration]| -> Vec<u64> { values.iter().map(|d| d.as_micros() as u64).collect() };
    let apps: serde_json::Map<String, Value> = options
        .apps
        .iter()
        .map(|(name, binary)| {
            let f = &figures[name];
            let doc = json!({
                "binary": binary,
                "size_bytes": f.size,
                "cold_start_us": micros(&f.cold),
                "init_us": micros(&f.init),
                "vm_hwm_kb_after_first_event": f.hwm_first_kb,
                "vm_hwm_kb": f.hwm_kb,
                "vm_rss_kb": f.rss_kb,
                "warm_invoke_median_us": percentile(&f.warm, 50.0).as_micros() as u64,
                "warm_invoke_p90_us": percentile(&f.warm, 90.0).as_micros() as u64,
            });
            (name.clone(), doc)
        })
        .collect();
    json!({
        "event_bytes": REST_V1_EVENT.len(),
        "runs": options.runs,
        "events": options.events,
        "dispatch_median_ns": dispatch,
        "apps": apps,
    })
}
