//! `goblet local --watch --project`: a real `goblet local` process watching a
//! copy of `examples/helloworld`, edited by the test. A build that succeeds is
//! served (its routes too) while a request under way finishes on the old
//! build; a build that fails leaves the old one serving and shows the
//! compiler's errors.
//!
//! The watched build has a target directory of its own under the
//! workspace's `target/`, so after the first run a rebuild compiles the app
//! crate alone.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use goblet_tests::build::{StandaloneApp, release, scratch_dir};

/// The first build compiles goblet and its dependencies in release mode.
const FIRST_BUILD: Duration = Duration::from_secs(900);
/// A rebuild compiles the app crate only.
const REBUILD: Duration = Duration::from_secs(300);

/// The app's `src/app.rs`: `/` says `hello`; `/hold` touches `held` in
/// `markers`, waits (60 s at most) until the test creates `release` there,
/// then names `build`.
fn app_source(hello: &str, build: &str, extra: &str, markers: &Path) -> String {
    format!(
        r#"use goblet::prelude::*;

#[route("/", auth = "none")]
async fn index() -> Json<Value> {{
    Json(json!({{"hello": {hello}}}))
}}

#[route("/hold", auth = "none")]
fn hold() -> Json<Value> {{
    let markers = std::path::Path::new({markers:?});
    let _ = std::fs::write(markers.join("held"), "");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !markers.join("release").exists() && std::time::Instant::now() < deadline {{
        std::thread::sleep(std::time::Duration::from_millis(20));
    }}
    Json(json!({{"build": "{build}"}}))
}}
{extra}"#,
        markers = markers.display().to_string(),
    )
}

const ADDED_ROUTE: &str = r#"
#[route("/added", auth = "none")]
async fn added() -> &'static str {
    "a route of the new build"
}
"#;

/// The running `goblet local --watch`, its stdout and stderr lines gathered.
struct Watched {
    child: Child,
    lines: Arc<Mutex<Vec<String>>>,
    authority: String,
}

impl Watched {
    fn start(app: &StandaloneApp, home: &Path) -> Watched {
        let real_home = PathBuf::from(std::env::var_os("HOME").unwrap_or_default());
        let cargo_home =
            std::env::var_os("CARGO_HOME").map_or_else(|| real_home.join(".cargo"), PathBuf::from);
        let rustup_home = std::env::var_os("RUSTUP_HOME")
            .map_or_else(|| real_home.join(".rustup"), PathBuf::from);
        let mut command = Command::new(&release().goblet);
        command
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            // No AWS configuration of the user's: the app's routes need none.
            .env("HOME", home)
            .env("CARGO_HOME", cargo_home)
            .env("RUSTUP_HOME", rustup_home)
            .env("CARGO_TARGET_DIR", scratch_dir("watch-target"))
            .env("CARGO_TERM_COLOR", "never");
        for name in ["CARGO", "RUSTUP_TOOLCHAIN"] {
            if let Some(value) = std::env::var_os(name) {
                command.env(name, value);
            }
        }
        let (child, lines) = goblet_tests::process::spawn(
            command
                .args(["local", "--watch", "--port", "0", "--project"])
                .arg(app.dir()),
        );
        let mut watched = Watched {
            child,
            lines,
            authority: String::new(),
        };
        let url = watched.wait_for_line(FIRST_BUILD, |l| l.starts_with("Invoke URL: "));
        watched.authority = url["Invoke URL: http://".len()..]
            .split('/')
            .next()
            .unwrap()
            .to_owned();
        watched
    }

    fn output(&self) -> Vec<String> {
        self.lines.lock().unwrap().clone()
    }

    /// Waits (for `within` at most) until `n` lines match `pred`; returns the last.
    fn wait_for_lines(
        &mut self,
        n: usize,
        within: Duration,
        pred: impl Fn(&str) -> bool,
    ) -> String {
        let deadline = Instant::now() + within;
        loop {
            let found: Vec<String> = self.output().into_iter().filter(|l| pred(l)).collect();
            if found.len() >= n {
                return found[n - 1].clone();
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("goblet local exited ({status}): {:#?}", self.output());
            }
            assert!(
                Instant::now() < deadline,
                "{n} matching lines not found in {:#?}",
                self.output()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// How many lines so far match `pred`.
    fn count(&self, pred: impl Fn(&str) -> bool) -> usize {
        self.output().iter().filter(|l| pred(l)).count()
    }

    fn wait_for_line(&mut self, within: Duration, pred: impl Fn(&str) -> bool) -> String {
        self.wait_for_lines(1, within, pred)
    }

    /// `GET /api{path}`: the status and the body.
    fn get(&self, path: &str) -> (u16, String) {
        get(&self.authority, &format!("/api{path}"))
    }
}

impl Drop for Watched {
    fn drop(&mut self) {
        goblet_tests::process::interrupt(&mut self.child);
    }
}

/// One HTTP/1.1 GET on its own connection.
fn get(authority: &str, target: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(authority).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(90)))
        .unwrap();
    write!(
        stream,
        "GET {target} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = String::new();
    stream.read_to_string(&mut raw).unwrap();
    let (head, body) = raw.split_once("\r\n\r\n").expect("no end of headers");
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    (status, body.to_owned())
}

/// Polls `path` for 30 s at most.
fn wait_for_file(path: &Path) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !path.exists() {
        assert!(
            Instant::now() < deadline,
            "{} never appeared",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn watch_serves_each_good_build_and_keeps_the_last_one_through_a_bad_one() {
    let app = StandaloneApp::new("watched-hello");
    let cargo_toml = std::fs::read_to_string(app.dir().join("Cargo.toml")).unwrap();
    if !cargo_toml.contains("[profile.release]") {
        std::fs::write(
            app.dir().join("Cargo.toml"),
            format!("{cargo_toml}\n[profile.release]\nincremental = true\n"),
        )
        .unwrap();
    }
    let markers = scratch_dir("watch-markers");
    let home = scratch_dir("watch-home");
    for marker in ["held", "release"] {
        let _ = std::fs::remove_file(markers.join(marker));
    }
    app.write("app.rs", &app_source(r#""world""#, "one", "", &markers));

    let mut local = Watched::start(&app, &home);
    assert_eq!(local.get("/"), (200, r#"{"hello":"world"}"#.to_owned()));
    let (status, body) = local.get("/added");
    assert_eq!(status, 403, "{body}");

    let rebuilding = |l: &str| l == "Rebuilding (src/app.rs changed)…";
    let serving = |l: &str| l.starts_with("Serving the new build");

    // A request under way on the first build when the second is swapped in.
    let authority = local.authority.clone();
    let held = std::thread::spawn(move || get(&authority, "/api/hold"));
    wait_for_file(&markers.join("held"));

    app.write(
        "app.rs",
        &app_source(r#""again""#, "two", ADDED_ROUTE, &markers),
    );
    local.wait_for_line(REBUILD, rebuilding);
    local.wait_for_line(REBUILD, |l| l == "Serving the new build (3 routes)");
    assert_eq!(local.get("/"), (200, r#"{"hello":"again"}"#.to_owned()));
    assert_eq!(
        local.get("/added"),
        (200, "a route of the new build".to_owned())
    );
    std::fs::write(markers.join("release"), "").unwrap();
    assert_eq!(
        held.join().unwrap(),
        (200, r#"{"build":"one"}"#.to_owned()),
        "the held request finishes on the build it started on"
    );

    // A build that fails: the compiler's error shows, the last build serves.
    let (rebuilt, served) = (local.count(rebuilding), local.count(serving));
    app.write(
        "app.rs",
        &app_source("undefined_name", "three", ADDED_ROUTE, &markers),
    );
    local.wait_for_lines(rebuilt + 1, REBUILD, rebuilding);
    local.wait_for_line(REBUILD, |l| {
        l == "Build failed: still serving the previous build"
    });
    local.wait_for_line(Duration::ZERO, |l| {
        l.contains("cannot find value `undefined_name` in this scope")
    });
    assert_eq!(local.get("/"), (200, r#"{"hello":"again"}"#.to_owned()));
    assert_eq!(local.count(serving), served, "a failed build was served");

    // Fixed: the next build serves.
    app.write("app.rs", &app_source(r#""fixed""#, "four", "", &markers));
    let line = local.wait_for_lines(served + 1, REBUILD, serving);
    assert_eq!(line, "Serving the new build (2 routes)");
    assert_eq!(local.get("/"), (200, r#"{"hello":"fixed"}"#.to_owned()));
    let (status, body) = local.get("/added");
    assert_eq!(status, 403, "the route is gone with the build: {body}");
}
