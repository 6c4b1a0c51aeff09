//! `goblet deploy`, `delete`, `url`, `invoke` and `logs` as a user runs them:
//! the release `goblet` binary as a child process, against moto's server on
//! loopback through the recording proxy, which counts the AWS calls and can
//! kill -9 a deploy right after moto has carried out any one of them.
//!
//! The AWS configuration (`AWS_ENDPOINT_URL`, the fake credentials,
//! `AWS_REGION`) is given to each child, never set in this process.

use std::ffi::OsStr;
use std::io::Write;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use goblet_tests::apigateway::Quota;
use goblet_tests::aws_proxy::{
    Answer, Before, LambdaAccount, LambdaEnvironment, LambdaLogging, Proxy, Seen,
};
use goblet_tests::build::{release, scratch_dir};
use goblet_tests::cli::{self, Run};
use goblet_tests::moto::{Moto, credentials};
use serde_json::{Value, json};

/// The project's configuration: every key that adds an AWS call or a setting
/// to compare, on top of hello world's one `GET /` (AWS_IAM) route.
const CONFIG: &str = r#"[package]
name = "helloworld"
version = "0.1.0"
edition = "2024"

[package.metadata.goblet]
memory = 256
log_retention_days = 14
reserved_concurrency = 2
environment = { GREETING = "hello" }
tags = { team = "web" }
"#;

const FUNCTION: &str = "helloworld-dev";
/// goblet's role for the stage in us-east-1: IAM is global, so the role is
/// named for its region.
const ROLE: &str = "helloworld-dev-us-east-1";
const LOG_GROUP: &str = "/aws/lambda/helloworld-dev";

/// A fresh moto, the recording proxy in front of it, and `goblet` commands
/// configured to go through the proxy.
struct Aws {
    moto: Moto,
    proxy: Proxy,
}

impl Aws {
    /// With AWS's default Lambda concurrency quota, 1,000.
    fn start() -> Aws {
        Aws::with_concurrency_quota(1000)
    }

    /// The proxy plays what moto lacks or lets through: Lambda's account
    /// concurrency (GetAccountSettings) with this quota, Lambda's
    /// validation of environment variables, and the function's logging
    /// configuration.
    fn with_concurrency_quota(quota: i64) -> Aws {
        let moto = Moto::start();
        let proxy = Proxy::start(moto.port);
        proxy.rule(LambdaAccount::new(quota));
        proxy.rule(LambdaEnvironment);
        proxy.rule(LambdaLogging::default());
        Aws { moto, proxy }
    }

    /// Gives `command` this AWS, and nothing of the caller's own.
    fn configure<'c>(&self, command: &'c mut Command) -> &'c mut Command {
        let unused = scratch_dir("deploy-cli").join("empty-aws-config");
        if !unused.exists() {
            std::fs::write(&unused, "").expect("write an empty AWS config");
        }
        command
            .env_remove("RUST_LOG")
            .env_remove("AWS_PROFILE")
            .env_remove("AWS_DEFAULT_PROFILE")
            .env("AWS_CONFIG_FILE", &unused)
            .env("AWS_SHARED_CREDENTIALS_FILE", &unused)
            .envs(credentials())
            .env("AWS_ENDPOINT_URL", self.proxy.endpoint())
    }

    /// Runs `goblet args` to completion, stdin not a terminal.
    fn goblet<I, S>(&self, args: I) -> Run
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut command = cli::command();
        cli::run(self.configure(&mut command).args(args))
    }

    /// Runs `goblet args` configured for `region` instead of us-east-1.
    fn goblet_in<I, S>(&self, region: &str, args: I) -> Run
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut command = cli::command();
        self.configure(&mut command)
            .env("AWS_REGION", region)
            .env("AWS_DEFAULT_REGION", region)
            .args(args);
        cli::run(&mut command)
    }

    fn deploy(&self, project: &Path, binary: &Path, extra: &[&str]) -> Run {
        self.goblet(
            deploy_args(project, binary)
                .into_iter()
                .chain(extra.iter().map(|&s| s.into())),
        )
    }

    /// Runs `goblet deploy`, killed with SIGKILL by the proxy right after moto
    /// has carried out its `n`th mutating call, before the answer reaches it.
    /// Returns what it printed on stderr before that.
    fn deploy_killed_after(&self, n: u32, project: &Path, binary: &Path) -> String {
        // The kill must be armed before goblet's `n`th mutating call. goblet
        // reads the binary, zips it and makes several reads (observe) before
        // its first change, so arming right after spawn would almost always be
        // in time, but only almost: the child is a shell that waits for a line
        // on stdin, then execs goblet (the same pid), so the kill is armed
        // before goblet makes any call at all.
        let mut command = Command::new("sh");
        command
            .arg("-c")
            .arg(r#"read -r go && exec "$0" "$@""#)
            .arg(&release().goblet)
            .args(deploy_args(project, binary))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = self.configure(&mut command).spawn().expect("spawn goblet");
        self.proxy.kill_after(n, child.id());
        child
            .stdin
            .take()
            .expect("piped stdin")
            .write_all(b"go\n")
            .expect("start goblet");
        let output = child.wait_with_output().expect("wait for goblet");
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        assert_eq!(
            output.status.signal(),
            Some(9),
            "goblet was not killed after change {n}: {output:?}"
        );
        assert!(self.proxy.killed(), "the proxy did not kill it: {stderr}");
        assert_eq!(
            self.proxy.mutating().len(),
            n as usize,
            "{:#?}",
            self.proxy.calls()
        );
        stderr
    }
}

fn deploy_args(project: &Path, binary: &Path) -> Vec<std::ffi::OsString> {
    stage_deploy_args(project, binary, "dev")
}

fn stage_deploy_args(project: &Path, binary: &Path, stage: &str) -> Vec<std::ffi::OsString> {
    vec![
        "deploy".into(),
        "--binary".into(),
        binary.into(),
        "--project".into(),
        project.into(),
        "--stage".into(),
        stage.into(),
        "--yes".into(),
    ]
}

/// A fresh project folder with [`CONFIG`] as its Cargo.toml.
fn project(name: &str) -> PathBuf {
    let dir = scratch_dir("deploy-cli").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create the project folder");
    std::fs::write(dir.join("Cargo.toml"), CONFIG).expect("write Cargo.toml");
    dir
}

fn path(p: &Path) -> &str {
    p.to_str().expect("scratch paths are UTF-8")
}

fn ok(run: Run) -> Run {
    assert_eq!(run.code, Some(0), "{run:#?}");
    assert!(!run.stderr.contains("panicked"), "{run:#?}");
    run
}

fn record_path(project: &Path) -> PathBuf {
    project.join(".goblet/deployed/dev.json")
}

fn record(project: &Path) -> Value {
    let bytes = std::fs::read(record_path(project)).expect("the deployment record");
    serde_json::from_slice(&bytes).expect("the record is JSON")
}

/// The record with what differs between two moto servers replaced: the REST
/// API's and the deployment's ids, and the endpoint in the URL.
fn normalized_record(project: &Path, endpoint: &str) -> Value {
    let mut record = record(project);
    if record["deployment_id"].is_string() {
        record["deployment_id"] = json!("<deployment>");
    }
    let mut text = record.to_string().replace(endpoint, "<endpoint>");
    if let Some(api) = record["rest_api"]["id"].as_str() {
        text = text.replace(api, "<api>");
    }
    serde_json::from_str(&text).expect("still JSON")
}

fn empty() -> Value {
    json!({"roles": {}, "functions": {}, "apis": {}, "log_groups": {}, "usage_plans": {}, "api_keys": {}})
}

fn keys(value: &Value) -> Vec<&str> {
    value
        .as_object()
        .unwrap_or_else(|| panic!("not an object: {value}"))
        .keys()
        .map(String::as_str)
        .collect()
}

/// A complete deployment of hello world with [`CONFIG`]: exactly one of each thing.
fn assert_one_of_each(snap: &Value) {
    assert_eq!(keys(&snap["roles"]), [ROLE], "{snap:#}");
    assert_eq!(keys(&snap["roles"][ROLE]["policies"]), ["goblet"]);
    assert_eq!(keys(&snap["functions"]), [FUNCTION], "{snap:#}");
    let function = &snap["functions"][FUNCTION];
    assert_eq!(function["memory"], 256);
    assert_eq!(function["reserved"], 2);
    assert_eq!(function["env"], json!({"GREETING": "hello"}));
    assert_eq!(function["tags"]["team"], "web");
    assert_eq!(
        function["role"],
        "arn:aws:iam::123456789012:role/helloworld-dev-us-east-1"
    );
    let permissions = function["permissions"].as_array().expect("a list");
    assert_eq!(permissions.len(), 1, "{permissions:#?}");
    assert_eq!(permissions[0]["sid"], "goblet-apigateway-invoke-live");
    assert_eq!(permissions[0]["qualified"], true, "on the alias");
    assert_eq!(function["aliases"], json!({"live": "1"}));
    assert_eq!(function["versions"], json!(["$LATEST", "1"]));
    assert_eq!(function["live"]["code_sha256"], function["code_sha256"]);
    assert_eq!(function["live"]["env"], json!({"GREETING": "hello"}));
    assert_eq!(function["live"]["memory"], 256);
    assert_eq!(keys(&snap["log_groups"]), [LOG_GROUP], "{snap:#}");
    assert_eq!(snap["log_groups"][LOG_GROUP], 14);
    assert_eq!(keys(&snap["apis"]), [FUNCTION], "{snap:#}");
    let api = &snap["apis"][FUNCTION];
    assert_eq!(keys(&api["resources"]), ["/"]);
    assert_eq!(keys(&api["resources"]["/"]), ["GET"]);
    assert_eq!(api["resources"]["/"]["GET"]["auth"], "AWS_IAM");
    assert_eq!(api["resources"]["/"]["GET"]["integration"], "AWS_PROXY");
    assert_eq!(keys(&api["stages"]), ["api"]);
    assert_eq!(api["tags"]["goblet:app"], "helloworld");
    assert_eq!(api["tags"]["goblet:stage"], "dev");
}

/// A copy of `binary`, in `dir`, changed by `patch`.
fn patched(binary: &Path, dir: &Path, name: &str, patch: impl FnOnce(&mut Vec<u8>)) -> PathBuf {
    let mut bytes = std::fs::read(binary).expect("read the binary");
    patch(&mut bytes);
    let out = dir.join(name);
    std::fs::write(&out, bytes).expect("write the patched binary");
    out
}

fn replace_once(bytes: &mut [u8], old: &[u8], new: &[u8]) {
    assert_eq!(old.len(), new.len());
    let at: Vec<usize> = bytes
        .windows(old.len())
        .enumerate()
        .filter(|(_, w)| *w == old)
        .map(|(i, _)| i)
        .collect();
    assert_eq!(
        at.len(),
        1,
        "{} found {} times",
        String::from_utf8_lossy(old),
        at.len()
    );
    bytes[at[0]..at[0] + new.len()].copy_from_slice(new);
}

/// Hello world with its route's `authorization_type` changed from AWS_IAM to
/// NONE in the route record (padded with JSON whitespace: same length).
fn route_opened(dir: &Path) -> PathBuf {
    patched(&release().helloworld, dir, "helloworld-open", |bytes| {
        replace_once(
            bytes,
            br#""authorization_type":"AWS_IAM""#,
            br#""authorization_type":"NONE"   "#,
        )
    })
}

#[test]
fn a_deploy_killed_after_any_change_converges_when_run_again() {
    let binary = &release().helloworld;

    // The deploy nothing interrupts, to compare with.
    let aws = Aws::start();
    let dir = project("uninterrupted");
    let run = ok(aws.deploy(&dir, binary, &[]));
    let reference = aws.moto.normalized_snapshot();
    assert_one_of_each(&reference);
    let endpoint = aws.proxy.endpoint();
    let reference_record = normalized_record(&dir, &endpoint);
    let calls = aws.proxy.calls();
    // Everything is looked at (reads) before the first change.
    let first_change = calls.iter().position(|c| c.mutating).expect("changes");
    assert!(first_change >= 4, "{calls:#?}");
    let changes: Vec<String> = aws
        .proxy
        .mutating()
        .into_iter()
        .map(|c| c.operation)
        .collect();
    assert!(changes.len() >= 10, "{changes:#?}\n{run:#?}");
    drop(aws);

    for n in 1..=changes.len() {
        let aws = Aws::start();
        let endpoint = aws.proxy.endpoint();
        let dir = project(&format!("killed-after-{n}"));
        let context = format!(
            "killed after change {n} of {} ({})",
            changes.len(),
            changes[n - 1]
        );
        let printed = aws.deploy_killed_after(n as u32, &dir, binary);

        // Run again: exactly what the uninterrupted deploy made, nothing twice.
        aws.proxy.reset();
        let run = ok(aws.deploy(&dir, binary, &[]));
        let snap = aws.moto.normalized_snapshot();
        assert_eq!(
            snap, reference,
            "{context}\nkilled run:\n{printed}\nsecond run: {run:#?}"
        );
        assert_eq!(
            normalized_record(&dir, &endpoint),
            reference_record,
            "{context}\nkilled run:\n{printed}\nsecond run: {run:#?}"
        );

        // Converged: a third deploy has nothing to do.
        aws.proxy.reset();
        let run = ok(aws.deploy(&dir, binary, &[]));
        assert_eq!(aws.proxy.mutating(), [], "{context}: {run:#?}");
        assert!(
            run.stderr.contains("Nothing to change."),
            "{context}: {run:#?}"
        );

        // goblet knows everything it made: delete leaves nothing behind.
        let run = ok(aws.goblet(["delete", "--project", path(&dir), "--stage", "dev", "--yes"]));
        assert_eq!(aws.moto.snapshot(), empty(), "{context}: {run:#?}");
        assert!(!record_path(&dir).exists(), "{context}");

        // Killed at the same point and deleted at once, without a redeploy:
        // what the killed deploy made but could not record goes too.
        let dir = project(&format!("killed-then-deleted-{n}"));
        aws.proxy.reset();
        let printed = aws.deploy_killed_after(n as u32, &dir, binary);
        let run = ok(aws.goblet(["delete", "--project", path(&dir), "--stage", "dev", "--yes"]));
        assert_eq!(
            aws.moto.snapshot(),
            empty(),
            "{context}, then deleted\nkilled run:\n{printed}\ndelete: {run:#?}"
        );
        assert!(!record_path(&dir).exists(), "{context}");
    }
}

#[test]
fn preflight_rejections_make_no_aws_call() {
    let aws = Aws::start();
    let helloworld = &release().helloworld;
    let dir = project("preflight");
    let files = scratch_dir("deploy-cli").join("preflight-files");
    std::fs::create_dir_all(&files).expect("create the folder");

    let script = files.join("app.sh");
    std::fs::write(&script, "#!/bin/sh\necho hello\n").expect("write a script");
    // e_machine (offset 18) of an x86_64 binary set to EM_AARCH64.
    let arm64 = patched(helloworld, &files, "helloworld-arm64", |bytes| {
        assert_eq!(&bytes[18..20], 62u16.to_le_bytes(), "an x86_64 binary");
        bytes[18..20].copy_from_slice(&183u16.to_le_bytes());
    });
    // The newest GLIBC_2.NN symbol version it needs made GLIBC_2.99.
    let new_glibc = patched(helloworld, &files, "helloworld-glibc", |bytes| {
        let at = bytes
            .windows(11)
            .position(|w| {
                w.starts_with(b"GLIBC_2.")
                    && w[8].is_ascii_digit()
                    && w[9].is_ascii_digit()
                    && w[10] == 0
            })
            .expect("helloworld is linked against glibc");
        bytes[at + 8..at + 10].copy_from_slice(b"99");
    });
    let no_manifest = files.join("true");
    std::fs::copy("/bin/true", &no_manifest).expect("copy /bin/true");

    let bad_memory = project("preflight-memory");
    std::fs::write(
        bad_memory.join("Cargo.toml"),
        "[package]\nname = \"helloworld\"\n\n[package.metadata.goblet]\nmemory = \"lots\"\n",
    )
    .expect("write Cargo.toml");
    let unknown_key = project("preflight-unknown-key");
    std::fs::write(
        unknown_key.join("Cargo.toml"),
        "[package]\nname = \"helloworld\"\n\n[package.metadata.goblet]\nmemroy = 256\n",
    )
    .expect("write Cargo.toml");

    // Lambda's environment rules. The proxy answers CreateFunction and
    // UpdateFunctionConfiguration with Lambda's own errors for these, so a
    // deploy that got that far would fail there, after creating the role.
    let with_env = |name: &str, environment: &str| {
        let dir = project(name);
        std::fs::write(
            dir.join("Cargo.toml"),
            CONFIG.replace(r#"environment = { GREETING = "hello" }"#, environment),
        )
        .expect("write Cargo.toml");
        dir
    };
    let short_name = with_env("preflight-env-name", r#"environment = { G = "hello" }"#);
    let reserved = with_env(
        "preflight-env-reserved",
        r#"environment = { AWS_LAMBDA_FUNCTION_NAME = "x" }"#,
    );
    let too_big = with_env(
        "preflight-env-size",
        &format!(
            "environment = {{ GREETING = \"hello\" }}\n\n[package.metadata.goblet.stages.dev]\nenvironment = {{ BIG = \"{}\" }}\n",
            "x".repeat(4080)
        ),
    );

    // A log level without the JSON format: Lambda filters by level in JSON only.
    let text_level = project("preflight-log-level");
    std::fs::write(
        text_level.join("Cargo.toml"),
        format!("{CONFIG}log_level = \"warn\"\n"),
    )
    .expect("write Cargo.toml");

    // Eleven authorizers: one over API Gateway's quota of ten per API.
    let many_authorizers = project("preflight-authorizers");
    let pools: String = (1..=11)
        .map(|i| {
            format!(
                "\n[package.metadata.goblet.authorizers.pool{i}]\ntype = \"cognito_user_pools\"\n\
                 provider_arns = [\"arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_P{i}\"]\n"
            )
        })
        .collect();
    std::fs::write(
        many_authorizers.join("Cargo.toml"),
        format!("{CONFIG}{pools}"),
    )
    .expect("write Cargo.toml");

    let cases: [(&str, &Path, &Path, &[&str]); 11] = [
        (
            "not ELF",
            &script,
            &dir,
            &["app.sh", "not a goblet app binary", "ELF"],
        ),
        (
            "wrong architecture",
            &arm64,
            &dir,
            &["built for arm64", "configured for x86_64"],
        ),
        (
            "newer glibc",
            &new_glibc,
            &dir,
            &["needs glibc 2.99", "provided.al2023", "glibc 2.34"],
        ),
        (
            "no manifest",
            &no_manifest,
            &dir,
            &["no goblet route manifest"],
        ),
        (
            "memory = \"lots\"",
            helloworld,
            &bad_memory,
            &[
                "Cargo.toml",
                "[package.metadata.goblet] memory = \"lots\"",
                "whole number of MB",
            ],
        ),
        (
            "unknown key",
            helloworld,
            &unknown_key,
            &["Cargo.toml", "memroy", "unknown key", "memory"],
        ),
        (
            "a one-letter environment variable",
            helloworld,
            &short_name,
            &[
                "[package.metadata.goblet] environment.G = \"hello\"",
                "[a-zA-Z]([a-zA-Z0-9_])+",
            ],
        ),
        (
            "a reserved environment variable",
            helloworld,
            &reserved,
            &[
                "environment.AWS_LAMBDA_FUNCTION_NAME = \"x\"",
                "reserved by Lambda",
            ],
        ),
        (
            "environment variables over 4 KB",
            helloworld,
            &too_big,
            &[
                "stage dev: the environment variables take 4109 bytes",
                "4 KB (4096 bytes)",
                "the largest: BIG (4088 bytes)",
            ],
        ),
        (
            "a log level with the text format",
            helloworld,
            &text_level,
            &[
                "[package.metadata.goblet] log_level = \"warn\"",
                "needs log_format = \"json\"",
                "Log-level filtering",
            ],
        ),
        (
            "eleven authorizers",
            helloworld,
            &many_authorizers,
            &[
                "11 authorizers (pool1, pool10, pool11, pool2,",
                "quota of 10 authorizers per REST API (stage dev)",
                "api_authorizer_quota",
            ],
        ),
    ];
    for (case, binary, project, words) in cases {
        aws.proxy.reset();
        let run = aws.deploy(project, binary, &[]);
        let message = run.expect_user_error();
        for word in words {
            assert!(message.contains(word), "{case}: no {word:?} in {message:?}");
        }
        assert_eq!(aws.proxy.calls(), [], "{case}: {run:#?}");
        assert!(!project.join(".goblet").exists(), "{case}");
    }

    // No edge-optimized APIs in China or GovCloud: an explicit EDGE is
    // refused there, by deploy and by package alike.
    let edge = project("preflight-edge");
    std::fs::write(
        edge.join("Cargo.toml"),
        format!("{CONFIG}endpoint_type = \"EDGE\"\n"),
    )
    .expect("write Cargo.toml");
    for region in ["cn-north-1", "us-gov-west-1"] {
        aws.proxy.reset();
        let mut command = cli::command();
        aws.configure(&mut command)
            .env("AWS_REGION", region)
            .env("AWS_DEFAULT_REGION", region)
            .args(deploy_args(&edge, helloworld));
        let run = cli::run(&mut command);
        let message = run.expect_user_error();
        assert!(
            message.contains("[package.metadata.goblet] endpoint_type = \"EDGE\"")
                && message.contains("edge-optimized APIs do not exist in the aws-")
                && message.contains(&format!("(region {region})")),
            "{message}"
        );
        assert_eq!(aws.proxy.calls(), [], "{region}: {run:#?}");
        let out = scratch_dir("deploy-cli").join("preflight-edge-package");
        let mut command = cli::command();
        aws.configure(&mut command)
            .env("AWS_REGION", region)
            .env("AWS_DEFAULT_REGION", region)
            .args(["package", "--format", "sam", "--binary"])
            .arg(helloworld)
            .arg("--project")
            .arg(&edge)
            .arg(&out);
        let run = cli::run(&mut command);
        assert!(
            run.expect_user_error()
                .contains("edge-optimized APIs do not exist"),
            "{run:#?}"
        );
    }
    assert_eq!(aws.moto.snapshot(), empty());
}

#[test]
fn a_reservation_the_account_cannot_spare_is_refused_before_any_change() {
    // An account whose Lambda concurrency quota is 105: 5 can be reserved.
    let aws = Aws::with_concurrency_quota(105);
    let binary = &release().helloworld;
    let dir = project("concurrency");
    let reserve = |n: u32| {
        std::fs::write(
            dir.join("Cargo.toml"),
            CONFIG.replace(
                "reserved_concurrency = 2",
                &format!("reserved_concurrency = {n}"),
            ),
        )
        .expect("write Cargo.toml");
    };
    let account_reads = |aws: &Aws| {
        aws.proxy
            .calls()
            .iter()
            .filter(|c| c.operation.starts_with("GET /2016-08-19/account-settings"))
            .count()
    };

    // (--output json: no progress on stderr, only the error line.)
    reserve(10);
    for extra in [
        &["--dry-run", "--output", "json"][..],
        &["--output", "json"],
    ] {
        aws.proxy.reset();
        let run = aws.deploy(&dir, binary, extra);
        let message = run.expect_user_error();
        for words in [
            "reserved_concurrency = 10 (stage dev)",
            "quota here is 105 with 105 unreserved",
            "would leave 95 unreserved",
            "at least 100 unreserved",
            "reserve at most 5",
        ] {
            assert!(
                message.contains(words),
                "{extra:?}: no {words:?} in {message}"
            );
        }
        assert_eq!(account_reads(&aws), 1, "{:#?}", aws.proxy.calls());
        assert_eq!(
            aws.proxy.mutating(),
            [],
            "{extra:?}: {:#?}",
            aws.proxy.calls()
        );
    }
    assert_eq!(aws.moto.snapshot(), empty());

    // 5 leaves the 100 Lambda keeps.
    reserve(5);
    ok(aws.deploy(&dir, binary, &[]));
    assert_eq!(aws.moto.snapshot()["functions"][FUNCTION]["reserved"], 5);

    // Now the account has 100 unreserved; the function's own 5 count for it,
    // so 5 is all it may hold: 6 is refused, naming what it holds.
    reserve(6);
    aws.proxy.reset();
    let message = aws
        .deploy(&dir, binary, &["--output", "json"])
        .expect_user_error()
        .to_owned();
    assert!(
        message.contains("with 100 unreserved, 5 of them reserved by function helloworld-dev now")
            && message.contains("would leave 99 unreserved")
            && message.contains("reserve at most 5"),
        "{message}"
    );
    assert_eq!(aws.proxy.mutating(), []);

    // Lowering it needs no look at the account.
    reserve(3);
    aws.proxy.reset();
    ok(aws.deploy(&dir, binary, &[]));
    assert_eq!(account_reads(&aws), 0, "{:#?}", aws.proxy.calls());
    assert_eq!(aws.moto.snapshot()["functions"][FUNCTION]["reserved"], 3);
}

#[test]
fn the_region_and_api_gateways_timeout_shape_deploy_and_package() {
    let aws = Aws::start();
    let binary = &release().helloworld;
    let dir = project("region");
    std::fs::write(
        dir.join("Cargo.toml"),
        CONFIG.replace("memory = 256\n", "memory = 256\ntimeout = 60\n"),
    )
    .expect("write Cargo.toml");
    let in_region = |region: &str, args: &[&std::ffi::OsStr]| {
        let mut command = cli::command();
        aws.configure(&mut command)
            .env("AWS_REGION", region)
            .env("AWS_DEFAULT_REGION", region)
            .args(args);
        cli::run(&mut command)
    };
    let warning = "warning: stage dev: ";
    let timeout_words =
        "Cargo.toml: [package.metadata.goblet] timeout = 60: API Gateway waits at most 29 s";

    // package: the region of the AWS configuration is the template's.
    for (region, endpoint) in [("us-east-1", "EDGE"), ("cn-northwest-1", "REGIONAL")] {
        let out = scratch_dir("deploy-cli").join(format!("region-package-{region}"));
        let run = in_region(
            region,
            &[
                "package".as_ref(),
                "--format".as_ref(),
                "cloudformation".as_ref(),
                "--binary".as_ref(),
                binary.as_os_str(),
                "--project".as_ref(),
                dir.as_os_str(),
                out.as_os_str(),
            ],
        );
        let run = ok(run);
        assert!(
            run.stderr.starts_with(warning) && run.stderr.contains(timeout_words),
            "{run:#?}"
        );
        let template: Value = serde_json::from_slice(
            &std::fs::read(out.join("template.json")).expect("the template"),
        )
        .expect("JSON");
        let types = template["Resources"]
            .as_object()
            .expect("resources")
            .values()
            .find(|r| r["Type"] == "AWS::ApiGateway::RestApi")
            .map(|r| r["Properties"]["EndpointConfiguration"]["Types"].clone());
        assert_eq!(types, Some(json!([endpoint])), "{region}");
    }

    // deploy in China: the REST API is regional, and the warning is printed.
    let mut args = vec!["--output".into(), "json".into()];
    args.splice(0..0, deploy_args(&dir, binary));
    let args: Vec<&std::ffi::OsStr> = args.iter().map(|a| a.as_os_str()).collect();
    let run = ok(in_region("cn-north-1", &args));
    assert!(
        run.stderr.starts_with(warning) && run.stderr.contains(timeout_words),
        "{run:#?}"
    );
    let types = aws.moto.boto3(
        r#"
cn = boto3.client("apigateway", region_name="cn-north-1")
api = [a for a in cn.get_rest_apis()["items"] if a["name"] == "helloworld-dev"][0]
print(json.dumps(api["endpointConfiguration"]["types"]))
"#,
    );
    assert_eq!(types, json!(["REGIONAL"]));
}

#[test]
fn json_summary_url_and_a_dry_run_that_changes_nothing() {
    let aws = Aws::start();
    let dir = project("outputs");
    let binary = &release().helloworld;
    let url_args = ["url", "--project", path(&dir), "--stage", "dev"];

    let message = aws.goblet(url_args).expect_user_error().to_owned();
    assert!(
        message.starts_with("nothing is deployed for stage dev"),
        "{message}"
    );

    // --output json: one JSON document on stdout, nothing on stderr.
    let run = ok(aws.deploy(&dir, binary, &["--output", "json"]));
    assert_eq!(run.stderr, "");
    let summary: Value = serde_json::from_str(&run.stdout).expect("stdout is JSON");
    let url = record(&dir)["url"].as_str().expect("a URL").to_owned();
    assert!(
        url.starts_with(&format!("{}/restapis/", aws.proxy.endpoint()))
            && url.ends_with("/api/_user_request_/"),
        "{url}"
    );
    assert_eq!(summary["app"], "helloworld");
    assert_eq!(summary["stage"], "dev");
    assert_eq!(summary["url"], url.as_str());
    assert_eq!(summary["dry_run"], false);
    assert!(summary["seconds"].as_f64().is_some(), "{summary:#}");
    let actions: Vec<(&str, &str)> = summary["actions"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|a| {
            (
                a["kind"].as_str().expect("kind"),
                a["description"].as_str().expect("description"),
            )
        })
        .collect();
    for expected in [
        ("create", "create role helloworld-dev-us-east-1"),
        (
            "create",
            "create role policy helloworld-dev-us-east-1 (CloudWatch Logs)",
        ),
        ("create", "create function helloworld-dev"),
        (
            "change",
            "change function helloworld-dev reserved concurrency → 2",
        ),
        (
            "create",
            "create function helloworld-dev version (its code and configuration, together)",
        ),
        ("create", "create alias helloworld-dev:live"),
        ("create", "create log group /aws/lambda/helloworld-dev"),
        (
            "change",
            "change log group /aws/lambda/helloworld-dev retention never expire → 14 days",
        ),
        ("create", "create REST API helloworld-dev"),
        (
            "create",
            "create method GET / authorizationType AWS_IAM → function",
        ),
        (
            "create",
            "create permission apigateway.amazonaws.com → lambda:InvokeFunction helloworld-dev",
        ),
        ("create", "create deployment to stage api"),
    ] {
        assert!(
            actions.contains(&expected),
            "no {expected:?} in {actions:#?}"
        );
    }
    assert_eq!(actions.len(), 12, "{actions:#?}");
    // goblet's own count of its calls is the proxy's.
    assert_eq!(
        summary["api_calls"],
        json!({"total": aws.proxy.calls().len(), "mutating": aws.proxy.mutating().len()})
    );

    // The URL, from the record: no AWS call.
    aws.proxy.reset();
    let run = ok(aws.goblet(url_args));
    assert_eq!(run.stdout, format!("{url}\n"));
    assert_eq!(aws.proxy.calls(), []);

    // Unchanged, in text: the URL on stdout, no change.
    let run = ok(aws.deploy(&dir, binary, &[]));
    assert_eq!(run.stdout, format!("{url}\n"));
    assert!(run.stderr.contains("Nothing to change."), "{run:#?}");
    assert_eq!(aws.proxy.mutating(), []);

    // A dry run of the app with its route opened: the plan, reads only.
    let before = aws.moto.normalized_snapshot();
    let record_before = record(&dir);
    let open = route_opened(&dir);
    aws.proxy.reset();
    let run = ok(aws.deploy(&dir, &open, &["--dry-run"]));
    assert_eq!(
        run.stdout,
        "Plan (5 changes, dry run):\n\
         \x20 ~ change function helloworld-dev code\n\
         \x20 + create function helloworld-dev version (its code and configuration, together)\n\
         \x20 ~ change alias helloworld-dev:live version 1 → the new version\n\
         \x20 ~ change GET / authorizationType AWS_IAM → NONE\n\
         \x20 + create deployment to stage api\n",
        "{run:#?}"
    );
    assert!(!aws.proxy.calls().is_empty());
    assert_eq!(aws.proxy.mutating(), [], "{:#?}", aws.proxy.calls());

    let run = ok(aws.deploy(&dir, &open, &["--dry-run", "--output", "json"]));
    let summary: Value = serde_json::from_str(&run.stdout).expect("stdout is JSON");
    assert_eq!(summary["dry_run"], true);
    assert_eq!(summary["url"], url.as_str());
    assert!(
        summary["actions"]
            .as_array()
            .expect("a list")
            .contains(&json!({"kind": "change", "description": "change GET / authorizationType AWS_IAM → NONE"})),
        "{summary:#}"
    );
    assert_eq!(summary["api_calls"]["mutating"], 0);
    assert_eq!(aws.proxy.mutating(), []);
    assert_eq!(aws.moto.normalized_snapshot(), before);
    assert_eq!(record(&dir), record_before);
}

#[test]
fn logs_and_invoke() {
    let aws = Aws::start();
    // moto runs Lambda code in Docker, which the tests do not have. Its
    // "simple" Lambda backend, chosen before anything is created, answers an
    // invoke with the payload itself, or with a result queued through moto's
    // API; it runs no code.
    aws.moto.moto_api(
        "/moto-api/config",
        &json!({"lambda": {"use_docker": false}}),
    );
    let dir = project("logs-invoke");
    ok(aws.deploy(&dir, &release().helloworld, &[]));
    let stage = ["--project", path(&dir), "--stage", "dev"];

    // Logs: what is in the function's log group, in order.
    let stream = "2026/01/01/[$LATEST]0123456789abcdef";
    let messages = [
        "START RequestId: 8f5c Version: $LATEST",
        "hello from the function",
        "END RequestId: 8f5c",
    ];
    aws.moto.boto3(&format!(
        r#"
import time
now = int(time.time() * 1000) - 1000
logs.create_log_stream(logGroupName="{LOG_GROUP}", logStreamName="{stream}")
logs.put_log_events(logGroupName="{LOG_GROUP}", logStreamName="{stream}",
    logEvents=[{{"timestamp": now + i, "message": m}} for i, m in enumerate({messages})])
print(json.dumps({{}}))
"#,
        messages = json!(messages)
    ));
    aws.proxy.reset();
    let run = ok(aws.goblet(["logs"].iter().chain(&stage)));
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), messages.len(), "{run:#?}");
    for (line, message) in lines.iter().zip(messages) {
        assert!(line.ends_with(&format!(" {stream} {message}")), "{run:#?}");
        assert!(line.contains(" GMT "), "an HTTP date first: {line}");
    }
    assert!(!aws.proxy.calls().is_empty());
    assert_eq!(aws.proxy.mutating(), []);

    // Invoke: the payload goes to the function, its answer is printed.
    aws.proxy.reset();
    let run = ok(aws.goblet(
        ["invoke"]
            .iter()
            .chain(&stage)
            .chain(&["--payload", r#"{"ping": 1}"#]),
    ));
    assert_eq!(run.stdout, "{\"ping\": 1}\n", "{run:#?}");
    let ops: Vec<String> = aws.proxy.calls().into_iter().map(|c| c.operation).collect();
    assert_eq!(
        ops,
        [format!("POST /2015-03-31/functions/{FUNCTION}/invocations")]
    );

    let answer = r#"{"statusCode":200,"body":"{\"hello\":\"world\"}"}"#;
    aws.moto.moto_api(
        "/moto-api/static/lambda-simple/response",
        &json!({"results": [answer], "region": "us-east-1"}),
    );
    let event = dir.join("event.json");
    std::fs::write(&event, r#"{"path": "/"}"#).expect("write the event");
    let payload = format!("@{}", path(&event));
    let run = ok(aws.goblet(
        ["invoke"]
            .iter()
            .chain(&stage)
            .chain(&["--payload", payload.as_str()]),
    ));
    assert_eq!(run.stdout, format!("{answer}\n"), "{run:#?}");

    // A payload that is not JSON: refused before any call.
    aws.proxy.reset();
    let run = aws.goblet(
        ["invoke"]
            .iter()
            .chain(&stage)
            .chain(&["--payload", "{nope"]),
    );
    let message = run.expect_user_error();
    assert!(message.contains("the payload is not JSON"), "{message}");
    assert_eq!(aws.proxy.calls(), []);
}

#[test]
fn delete_without_yes_and_no_terminal_keeps_the_role() {
    let aws = Aws::start();
    let dir = project("delete");
    ok(aws.deploy(&dir, &release().helloworld, &[]));
    let delete = ["delete", "--project", path(&dir), "--stage", "dev"];
    let keeping = "Keeping role helloworld-dev-us-east-1: no terminal to ask on (run with --yes to delete it).";

    // stdin is not a terminal and there is no --yes: all but the role goes.
    let run = ok(aws.goblet(delete));
    assert!(run.stderr.contains(keeping), "{run:#?}");
    assert_eq!(run.stdout, "");
    let only_role = aws.moto.snapshot();
    assert_eq!(keys(&only_role["roles"]), [ROLE], "{only_role:#}");
    assert_eq!(only_role["functions"], json!({}));
    assert_eq!(only_role["apis"], json!({}));
    assert_eq!(only_role["log_groups"], json!({}));
    let left = record(&dir);
    assert_eq!(left["role"]["name"], ROLE, "{left:#}");
    for gone in ["function", "rest_api", "log_group", "permission", "url"] {
        assert!(left.get(gone).is_none(), "{gone} in {left:#}");
    }

    // Again: harmless. Nothing but the role is left, and it is kept again.
    aws.proxy.reset();
    let run = ok(aws.goblet(delete));
    assert!(run.stderr.contains(keeping), "{run:#?}");
    assert_eq!(aws.proxy.calls(), []);
    assert_eq!(aws.moto.snapshot(), only_role);

    // --yes: the role too, and the record goes.
    let run = ok(aws.goblet(delete.iter().chain(&["--yes"])));
    assert_eq!(aws.moto.snapshot(), empty(), "{run:#?}");
    assert!(!record_path(&dir).exists());

    // Once more: nothing is deployed, no AWS call.
    aws.proxy.reset();
    let run = ok(aws.goblet(delete.iter().chain(&["--yes"])));
    assert!(
        run.stderr.contains("Nothing deployed for stage dev"),
        "{run:#?}"
    );
    assert_eq!(aws.proxy.calls(), []);
}

#[test]
fn configuration_changes_and_foreign_resources() {
    let aws = Aws::start();
    let binary = &release().helloworld;
    let dir = project("config-changes");
    ok(aws.deploy(&dir, binary, &[]));
    let snap = aws.moto.snapshot();
    assert_eq!(snap["log_groups"][LOG_GROUP], 14, "{snap:#}");

    // Another region's configuration must not touch (or orphan) this stage.
    aws.proxy.reset();
    let mut command = cli::command();
    aws.configure(&mut command)
        .env("AWS_REGION", "eu-west-1")
        .env("AWS_DEFAULT_REGION", "eu-west-1")
        .args(deploy_args(&dir, binary));
    let message = cli::run(&mut command).expect_user_error().to_owned();
    assert!(
        message.starts_with(
            "stage dev was deployed to us-east-1, but the AWS configuration now says eu-west-1"
        ),
        "{message}"
    );
    assert_eq!(aws.proxy.mutating(), []);

    // New tags reach the role as well as the function.
    std::fs::write(
        dir.join("Cargo.toml"),
        CONFIG.replace(r#"tags = { team = "web" }"#, r#"tags = { owner = "ops" }"#),
    )
    .unwrap();
    aws.proxy.reset();
    ok(aws.deploy(&dir, binary, &[]));
    let tags = aws.moto.boto3(
        r#"
role = {t["Key"]: t["Value"] for t in iam.list_role_tags(RoleName="helloworld-dev-us-east-1")["Tags"]}
fn = lam.get_function(FunctionName="helloworld-dev")["Tags"]
print(json.dumps({"role": role, "function": fn}))
"#,
    );
    let expected = json!({"goblet:app": "helloworld", "goblet:stage": "dev", "owner": "ops"});
    let mut role_tags = expected.clone();
    role_tags["goblet:region"] = json!("us-east-1");
    assert_eq!(tags, json!({"role": role_tags, "function": expected}));
    // Two calls each (tag, untag), no deployment.
    assert_eq!(aws.proxy.mutating().len(), 4, "{:#?}", aws.proxy.calls());

    // JSON logs at WARN: the function's LoggingConfig, in a version the
    // alias serves; then nothing more.
    std::fs::write(
        dir.join("Cargo.toml"),
        format!(
            "{}log_format = \"json\"\nlog_level = \"warn\"\n",
            CONFIG.replace(r#"tags = { team = "web" }"#, r#"tags = { owner = "ops" }"#)
        ),
    )
    .unwrap();
    aws.proxy.reset();
    let run = ok(aws.deploy(&dir, binary, &[]));
    assert_eq!(
        aws.proxy.mutating_operations(),
        [
            format!("PUT /2015-03-31/functions/{FUNCTION}/configuration"),
            format!("POST /2015-03-31/functions/{FUNCTION}/versions"),
            format!("PUT /2015-03-31/functions/{FUNCTION}/aliases/live"),
        ],
        "{run:#?}"
    );
    assert!(
        run.stderr.contains("log format Text → JSON")
            && run.stderr.contains("application log level none → WARN"),
        "{run:#?}"
    );
    let live = aws.moto.boto3_via(
        &aws.proxy.endpoint(),
        &format!(
            "print(json.dumps(lam.get_function(FunctionName='{FUNCTION}', Qualifier='live')['Configuration']['LoggingConfig']))"
        ),
    );
    assert_eq!(
        live,
        json!({"LogFormat": "JSON", "ApplicationLogLevel": "WARN", "SystemLogLevel": "INFO", "LogGroup": LOG_GROUP})
    );
    aws.proxy.reset();
    ok(aws.deploy(&dir, binary, &[]));
    assert_eq!(aws.proxy.mutating(), [], "{:#?}", aws.proxy.calls());

    // iam_role_arn naming the very role goblet made: it stays.
    let goblet_role = aws.moto.snapshot()["functions"][FUNCTION]["role"]
        .as_str()
        .expect("the function's role")
        .to_owned();
    std::fs::write(
        dir.join("Cargo.toml"),
        CONFIG.replace(
            "log_retention_days = 14\n",
            &format!("log_retention_days = 14\niam_role_arn = \"{goblet_role}\"\n"),
        ),
    )
    .unwrap();
    let run = ok(aws.deploy(&dir, binary, &[]));
    assert!(!run.stderr.contains("Deleting role"), "{run:#?}");
    assert_eq!(keys(&aws.moto.snapshot()["roles"]), [ROLE]);

    // The user's own role replaces goblet's, the retention is dropped and the
    // endpoint becomes regional: the function moves to the role, goblet's
    // role is deleted, the logs are kept forever again, the REST API is
    // changed in place, and the API moves to stage v2 (the old stage goes).
    let own = aws.moto.boto3(
        r#"
trust = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
    "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
print(json.dumps(iam.create_role(RoleName="my-own-role", AssumeRolePolicyDocument=trust)["Role"]["Arn"]))
"#,
    );
    let own = own.as_str().expect("the role's ARN").to_owned();
    let config = CONFIG.replace(
        "log_retention_days = 14\n",
        &format!(
            "iam_role_arn = \"{own}\"\nendpoint_type = \"REGIONAL\"\napi_gateway_stage = \"v2\"\n"
        ),
    );
    std::fs::write(dir.join("Cargo.toml"), config).unwrap();
    let run = ok(aws.deploy(&dir, binary, &[]));
    assert!(
        run.stderr.contains(
            "Deleting role helloworld-dev-us-east-1 (created by goblet, replaced by iam_role_arn)"
        ),
        "{run:#?}"
    );
    let snap = aws.moto.snapshot();
    assert_eq!(keys(&snap["roles"]), ["my-own-role"], "{snap:#}");
    assert_eq!(snap["functions"][FUNCTION]["role"], own.as_str());
    // Kept, with no retention: not deleted.
    assert_eq!(
        snap["log_groups"].get(LOG_GROUP),
        Some(&Value::Null),
        "{snap:#}"
    );
    assert!(
        run.stderr
            .contains("Changing REST API helloworld-dev endpoint type EDGE → REGIONAL"),
        "{run:#?}"
    );
    let api = snap["apis"]["helloworld-dev"]["id"].as_str().unwrap();
    let types = aws.moto.boto3(&format!(
        "print(json.dumps(apigw.get_rest_api(restApiId='{api}')['endpointConfiguration']['types']))"
    ));
    assert_eq!(types, json!(["REGIONAL"]));
    assert_eq!(
        snap["apis"]["helloworld-dev"]["stages"],
        json!({"v2": true})
    );
    assert!(
        record(&dir)["url"]
            .as_str()
            .is_some_and(|u| u.ends_with("/v2/_user_request_/")),
        "{:#}",
        record(&dir)
    );
    let left = record(&dir);
    assert_eq!(left["role"]["managed"], false, "{left:#}");
    assert!(left.get("retired_role").is_none(), "{left:#}");
    // And that converged: nothing more to do.
    aws.proxy.reset();
    ok(aws.deploy(&dir, binary, &[]));
    assert_eq!(aws.proxy.mutating(), [], "{:#?}", aws.proxy.calls());

    // Deleting the stage never deletes the user's own role.
    ok(aws.goblet(["delete", "--project", path(&dir), "--stage", "dev", "--yes"]));
    assert_eq!(keys(&aws.moto.snapshot()["roles"]), ["my-own-role"]);

    // A role of goblet's name that goblet did not create is not taken over.
    aws.moto.boto3(
        r#"
trust = json.dumps({"Version": "2012-10-17", "Statement": []})
iam.create_role(RoleName="helloworld-dev-us-east-1", AssumeRolePolicyDocument=trust)
print("null")
"#,
    );
    let fresh = project("foreign-role");
    aws.proxy.reset();
    let message = aws
        .deploy(&fresh, binary, &["--output", "json"])
        .expect_user_error()
        .to_owned();
    assert!(
        message.starts_with(
            "IAM role helloworld-dev-us-east-1 already exists and was not created by goblet"
        ),
        "{message}"
    );
    assert_eq!(aws.proxy.mutating(), []);
}

/// API Gateway's DeleteRestApi quota (one every 30 s per account)
/// outlasts the SDK's retries: `for s in a b c; do goblet delete --stage $s
/// --yes; done` waits as API Gateway's `Retry-After` says, and says so.
#[test]
fn api_gateways_quotas_are_waited_out() {
    let aws = Aws::start();
    let project = project("quotas");
    let binary = &release().helloworld;
    for stage in ["a", "b", "c"] {
        ok(aws.goblet(stage_deploy_args(&project, binary, stage)));
    }
    assert_eq!(keys(&aws.moto.snapshot()["apis"]).len(), 3);
    let quota = Quota::delete_rest_api(std::time::Duration::from_secs(30));
    let refusals = quota.refusals();
    aws.proxy.rule(quota);
    let mut said = String::new();
    for stage in ["a", "b", "c"] {
        let run = ok(aws.goblet([
            "delete",
            "--project",
            path(&project),
            "--stage",
            stage,
            "--yes",
        ]));
        said.push_str(&run.stderr);
    }
    assert!(
        refusals.load(std::sync::atomic::Ordering::SeqCst) >= 2,
        "the second and third delete came within the quota: {said}"
    );
    assert!(
        said.contains("API Gateway's request quota: waiting"),
        "{said}"
    );
    assert_eq!(aws.moto.snapshot()["apis"], json!({}));
}

/// A PRIVATE stage: refused before any AWS call without a resource policy;
/// with `vpc_endpoint_ids`, created with its policy, which AWS requires
/// before it deploys a private API (the proxy refuses as AWS does).
#[test]
fn a_private_api_is_deployed_with_its_resource_policy() {
    let aws = Aws::start();
    let binary = &release().helloworld;
    let project = project("private");
    let config = CONFIG.replace("memory = 256", "memory = 256\nendpoint_type = \"PRIVATE\"");
    std::fs::write(project.join("Cargo.toml"), &config).unwrap();
    let run = aws.deploy(&project, binary, &[]);
    assert_ne!(run.code, Some(0), "{run:#?}");
    assert!(run.stderr.contains("vpc_endpoint_ids"), "{run:#?}");
    assert_eq!(aws.proxy.calls(), [], "refused before any AWS call");

    std::fs::write(
        project.join("Cargo.toml"),
        config.replace(
            "endpoint_type = \"PRIVATE\"",
            "endpoint_type = \"PRIVATE\"\nvpc_endpoint_ids = [\"vpce-0123456789abcdef0\"]",
        ),
    )
    .unwrap();
    ok(aws.deploy(&project, binary, &[]));
    let api = &aws.moto.normalized_snapshot()["apis"]["helloworld-dev"];
    assert_eq!(api["endpoint"], json!(["PRIVATE"]));
    assert_eq!(
        api["policy"]["Statement"][0],
        json!({"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke",
               "Resource": "arn:aws:execute-api:us-east-1:123456789012:<api>/*",
               "Condition": {"StringEquals": {"aws:SourceVpce": ["vpce-0123456789abcdef0"]}}})
    );
    // Unchanged: the stored policy compares equal to the one wanted.
    aws.proxy.reset();
    ok(aws.deploy(&project, binary, &[]));
    assert_eq!(aws.proxy.mutating(), [], "{:#?}", aws.proxy.calls());
    // PRIVATE → EDGE is a change API Gateway refuses: said before any change.
    std::fs::write(
        project.join("Cargo.toml"),
        config.replace("PRIVATE", "EDGE"),
    )
    .unwrap();
    let run = aws.deploy(&project, binary, &[]);
    assert_ne!(run.code, Some(0), "{run:#?}");
    assert!(run.stderr.contains("\"REGIONAL\" first"), "{run:#?}");
    assert_eq!(aws.proxy.mutating(), [], "{:#?}", aws.proxy.calls());
    // PRIVATE → REGIONAL is allowed, and the VPC-only policy goes with it.
    std::fs::write(
        project.join("Cargo.toml"),
        config.replace("PRIVATE", "REGIONAL"),
    )
    .unwrap();
    ok(aws.deploy(&project, binary, &[]));
    let api = &aws.moto.normalized_snapshot()["apis"]["helloworld-dev"];
    assert_eq!(api["endpoint"], json!(["REGIONAL"]));
    assert_eq!(api["policy"], Value::Null);
}

/// An update (new code, a route's authorization and the environment
/// changed) killed right after any of its changes converges when run again,
/// as a first deploy does; and at every point the alias API Gateway invokes
/// serves the old code with the old environment or the new code with the
/// new one, never a mix.
#[test]
fn an_update_killed_after_any_change_converges_when_run_again() {
    let binary = &release().helloworld;
    // What the alias serves: (code, environment).
    let live = |aws: &Aws| -> (Value, Value) {
        let f = &aws.moto.snapshot()["functions"][FUNCTION]["live"];
        (f["code_sha256"].clone(), f["env"].clone())
    };
    let update = |dir: &Path| -> PathBuf {
        let config = CONFIG.replace(r#"GREETING = "hello""#, r#"GREETING = "bonjour""#);
        std::fs::write(dir.join("Cargo.toml"), config).expect("write Cargo.toml");
        route_opened(dir)
    };
    let aws = Aws::start();
    let dir = project("update-uninterrupted");
    ok(aws.deploy(&dir, binary, &[]));
    let old = live(&aws);
    let opened = update(&dir);
    aws.proxy.reset();
    ok(aws.deploy(&dir, &opened, &[]));
    let new = live(&aws);
    assert_ne!(old.0, new.0, "new code");
    assert_eq!(new.1, json!({"GREETING": "bonjour"}));
    let changes: Vec<String> = aws
        .proxy
        .mutating()
        .into_iter()
        .map(|c| c.operation)
        .collect();
    assert!(
        changes.len() >= 6,
        "code, configuration, version, alias, definition, deployment: {changes:#?}"
    );
    let reference = aws.moto.normalized_snapshot();
    assert_eq!(
        reference["apis"]["helloworld-dev"]["resources"]["/"]["GET"]["auth"],
        "NONE"
    );
    drop(aws);

    for n in 1..=changes.len() {
        let aws = Aws::start();
        let dir = project(&format!("update-killed-after-{n}"));
        ok(aws.deploy(&dir, binary, &[]));
        let opened = update(&dir);
        aws.proxy.reset();
        let context = format!("update killed after change {n} ({})", changes[n - 1]);
        let printed = aws.deploy_killed_after(n as u32, &dir, &opened);
        let serving = live(&aws);
        assert!(
            serving == old || serving == new,
            "{context}: the alias serves {serving:?}, neither {old:?} nor {new:?}"
        );
        aws.proxy.reset();
        let run = ok(aws.deploy(&dir, &opened, &[]));
        assert_eq!(
            aws.moto.normalized_snapshot(),
            reference,
            "{context}\nkilled run:\n{printed}\nsecond run: {run:#?}"
        );
        aws.proxy.reset();
        let run = ok(aws.deploy(&dir, &opened, &[]));
        assert_eq!(aws.proxy.mutating(), [], "{context}: {run:#?}");
    }
}

/// The showcase's configuration: its routes bring a usage plan and key
/// (`/keyed`), CORS gateway responses and a preflight (`/cors`), `ANY`, a
/// greedy path, binary routes and an IAM route.
const SHOWCASE_CONFIG: &str = r#"[package]
name = "showcase"
version = "0.1.0"
edition = "2024"

[package.metadata.goblet]
memory = 256
environment = { GREETING = "hello" }
"#;

/// The user's own role, for a switch from goblet's managed role.
const OWN_ROLE: &str = "arn:aws:iam::123456789012:role/showcase-own";

fn showcase_project(name: &str) -> PathBuf {
    let dir = project(name);
    std::fs::write(dir.join("Cargo.toml"), SHOWCASE_CONFIG).expect("write Cargo.toml");
    dir
}

/// The multi-route app, killed right after each change of a first deploy
/// and of an update (new code, `/whoami`'s authorization opened, a renamed
/// `{param}`, the environment changed, the managed role given up for
/// `iam_role_arn`): run again, it converges on what an uninterrupted deploy
/// makes, then has nothing to do, and `delete` leaves nothing behind.
#[test]
fn the_showcase_killed_after_any_change_converges_when_run_again() {
    let binary = &release().showcase;
    let own_role = |aws: &Aws| {
        aws.moto.boto3(
            r#"
iam.create_role(RoleName="showcase-own", AssumeRolePolicyDocument=json.dumps({
    "Version": "2012-10-17", "Statement": [{"Effect": "Allow",
    "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}))
print(json.dumps({}))
"#,
        );
    };
    let update = |dir: &Path| -> PathBuf {
        let config = SHOWCASE_CONFIG
            .replace(r#"GREETING = "hello""#, r#"GREETING = "bonjour""#)
            .replace(
                "memory = 256",
                &format!("memory = 256\niam_role_arn = \"{OWN_ROLE}\""),
            );
        std::fs::write(dir.join("Cargo.toml"), config).expect("write Cargo.toml");
        patched(binary, dir, "showcase-updated", |bytes| {
            replace_once(
                bytes,
                br#""authorization_type":"AWS_IAM""#,
                br#""authorization_type":"NONE"   "#,
            );
            replace_once(
                bytes,
                br#""path":"/teams/{team}/"#,
                br#""path":"/teams/{tean}/"#,
            );
        })
    };
    let first_changes = |aws: &Aws| -> Vec<String> {
        aws.proxy
            .mutating()
            .into_iter()
            .map(|c| c.operation)
            .collect()
    };

    // Uninterrupted: the references.
    let aws = Aws::start();
    own_role(&aws);
    let dir = showcase_project("showcase-uninterrupted");
    ok(aws.deploy(&dir, binary, &[]));
    let first = aws.moto.normalized_snapshot();
    let first_ops = first_changes(&aws);
    let function = &first["functions"]["showcase-dev"];
    assert_eq!(function["aliases"], json!({"live": "1"}), "{first:#}");
    assert_eq!(
        first["usage_plans"]["showcase-dev"]["keys"],
        json!(["showcase-dev"])
    );
    assert!(
        first["apis"]["showcase-dev"]["gatewayResponses"]
            .as_object()
            .is_some_and(|r| !r.is_empty()),
        "{first:#}"
    );
    let updated = update(&dir);
    aws.proxy.reset();
    ok(aws.deploy(&dir, &updated, &[]));
    let second = aws.moto.normalized_snapshot();
    let update_ops = first_changes(&aws);
    let resources = &second["apis"]["showcase-dev"]["resources"];
    assert!(
        resources.get("/teams/{tean}/members/{member}").is_some(),
        "{resources:#}"
    );
    assert_eq!(resources["/whoami"]["GET"]["auth"], "NONE");
    assert_eq!(
        second["functions"]["showcase-dev"]["live"]["role"],
        OWN_ROLE
    );
    assert_eq!(
        keys(&second["roles"]),
        ["showcase-own"],
        "goblet's role retired"
    );
    drop(aws);

    let runs = first_ops
        .iter()
        .enumerate()
        .map(|(i, op)| (false, i + 1, op))
        .chain(
            update_ops
                .iter()
                .enumerate()
                .map(|(i, op)| (true, i + 1, op)),
        );
    for (is_update, n, op) in runs {
        let aws = Aws::start();
        own_role(&aws);
        let dir = showcase_project(&format!("showcase-killed-{is_update}-{n}"));
        let (binary, reference) = if is_update {
            ok(aws.deploy(&dir, binary, &[]));
            (update(&dir), &second)
        } else {
            (binary.clone(), &first)
        };
        let context = format!(
            "{} killed after change {n} ({op})",
            if is_update { "update" } else { "first deploy" }
        );
        aws.proxy.reset();
        let printed = aws.deploy_killed_after(n as u32, &dir, &binary);
        aws.proxy.reset();
        let run = ok(aws.deploy(&dir, &binary, &[]));
        assert_eq!(
            &aws.moto.normalized_snapshot(),
            reference,
            "{context}\nkilled run:\n{printed}\nsecond run: {run:#?}"
        );
        aws.proxy.reset();
        let run = ok(aws.deploy(&dir, &binary, &[]));
        assert_eq!(aws.proxy.mutating(), [], "{context}: {run:#?}");
        let run = ok(aws.goblet(["delete", "--project", path(&dir), "--stage", "dev", "--yes"]));
        let left = aws.moto.snapshot();
        assert_eq!(
            keys(&left["roles"]),
            ["showcase-own"],
            "{context}: {run:#?}"
        );
        for kind in ["functions", "apis", "usage_plans", "api_keys", "log_groups"] {
            assert_eq!(left[kind], json!({}), "{context}: {kind} left: {run:#?}");
        }
    }
}

/// A stage an earlier goblet deployed (the API invoking the function itself,
/// the permission on the function, no alias) moves onto the alias with the
/// next deploy, and the old permission goes once the API has moved.
#[test]
fn a_stage_deployed_before_the_alias_moves_onto_it() {
    let binary = &release().helloworld;
    let aws = Aws::start();
    let dir = project("before-the-alias");
    ok(aws.deploy(&dir, binary, &[]));
    let reference = aws.moto.normalized_snapshot();
    aws.moto.boto3(&format!(
        r#"
fn = lam.get_function(FunctionName="{FUNCTION}")["Configuration"]["FunctionArn"]
lam.remove_permission(FunctionName="{FUNCTION}", Qualifier="live",
                      StatementId="goblet-apigateway-invoke-live")
lam.delete_alias(FunctionName="{FUNCTION}", Name="live")
api = [a for a in apigw.get_rest_apis()["items"] if a["name"] == "{FUNCTION}"][0]
account = fn.split(":")[4]
lam.add_permission(FunctionName="{FUNCTION}", StatementId="goblet-apigateway-invoke",
                   Action="lambda:InvokeFunction", Principal="apigateway.amazonaws.com",
                   SourceArn=f"arn:aws:execute-api:us-east-1:{{account}}:{{api['id']}}/*")
root = [r for r in apigw.get_resources(restApiId=api["id"])["items"] if r["path"] == "/"][0]
apigw.put_integration(restApiId=api["id"], resourceId=root["id"], httpMethod="GET",
    type="AWS_PROXY", integrationHttpMethod="POST",
    uri=f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{{fn}}/invocations")
print(json.dumps({{}}))
"#
    ));
    let before = aws.moto.normalized_snapshot();
    let function = &before["functions"][FUNCTION];
    assert_eq!(function["aliases"], json!({}), "{function:#}");
    assert_eq!(
        function["permissions"][0]["sid"],
        "goblet-apigateway-invoke"
    );
    aws.proxy.reset();
    let run = ok(aws.deploy(&dir, binary, &[]));
    assert!(
        run.stderr
            .contains("Deleting permission goblet-apigateway-invoke of function"),
        "{run:#?}"
    );
    assert_eq!(aws.moto.normalized_snapshot(), reference, "{run:#?}");
    aws.proxy.reset();
    ok(aws.deploy(&dir, binary, &[]));
    assert_eq!(aws.proxy.mutating(), []);
}

/// A route with `api_key = true` gets what it needs on AWS: a usage plan on
/// the stage with goblet's key, whose value `deploy` shows once and `goblet
/// api-key` shows again; `delete` removes both.
#[test]
fn api_key_routes_get_a_usage_plan_and_a_key() {
    let aws = Aws::start();
    let dir = project("api-key");
    let run = ok(aws.deploy(&dir, &release().showcase, &[]));
    let snap = aws.moto.snapshot();
    let plans = snap["usage_plans"].as_object().expect("usage plans");
    assert_eq!(plans.len(), 1, "{snap:#}");
    let (name, plan) = plans.iter().next().unwrap();
    assert_eq!(plan["keys"], json!([name]), "{plan}");
    assert_eq!(plan["stages"], json!([format!("{name}/api")]), "{plan}");
    let value = ok(aws.goblet(["api-key", "--project", path(&dir), "--stage", "dev"]))
        .stdout
        .trim()
        .to_owned();
    assert!(value.len() >= 20, "{value:?}");
    assert!(
        run.stderr.contains(&value),
        "deploy shows the key's value once: {run:#?}"
    );
    let key_id = record(&dir)["api_key"].as_str().unwrap().to_owned();
    let stored = aws.moto.boto3(&format!(
        "print(json.dumps(apigw.get_api_key(apiKey='{key_id}', includeValue=True)['value']))"
    ));
    assert_eq!(stored, json!(value));
    // Unchanged: nothing to do, the key is not shown again.
    aws.proxy.reset();
    let run = ok(aws.deploy(&dir, &release().showcase, &[]));
    assert_eq!(aws.proxy.mutating(), [], "{run:#?}");
    assert!(!run.stderr.contains(&value), "{run:#?}");
    ok(aws.goblet(["delete", "--project", path(&dir), "--stage", "dev", "--yes"]));
    assert_eq!(aws.moto.snapshot(), empty());
    // Hello world has no such route: no plan, and `api-key` says why.
    ok(aws.deploy(&dir, &release().helloworld, &[]));
    assert_eq!(aws.moto.snapshot()["usage_plans"], json!({}));
    let run = aws.goblet(["api-key", "--project", path(&dir), "--stage", "dev"]);
    assert_ne!(run.code, Some(0));
    assert!(run.stderr.contains("api_key = true"), "{run:#?}");
}

/// What Lambda answers while a role is not (yet) assumable by it.
const NOT_ASSUMABLE: &str = "The role defined for the function cannot be assumed by Lambda.";

/// Plays IAM propagation as AWS does it and moto does not: for `secs` after
/// a CreateRole has gone through, Lambda refuses every CreateFunction and
/// UpdateFunctionConfiguration that names a role.
fn roles_propagate_for(proxy: &Proxy, secs: u64) {
    let created: Arc<Mutex<Option<Instant>>> = Arc::default();
    proxy.rule(Before(move |seen: &Seen| {
        let mut created = created.lock().unwrap();
        if seen.operation == "CreateRole" {
            *created = Some(Instant::now());
            return None;
        }
        let names_a_role = (seen.operation == "POST /2015-03-31/functions"
            || (seen.method == "PUT" && seen.operation.ends_with("/configuration")))
            && seen.json().get("Role").is_some();
        let fresh = created.is_some_and(|at| at.elapsed() < Duration::from_secs(secs));
        (names_a_role && fresh)
            .then(|| Answer::json_error(400, "InvalidParameterValueException", NOT_ASSUMABLE))
    }));
}

/// How many calls of `operation` a rule refused in AWS's place.
fn refused(proxy: &Proxy, operation: impl Fn(&str) -> bool) -> usize {
    proxy
        .calls()
        .iter()
        .filter(|c| c.refused && operation(&c.operation))
        .count()
}

fn role_arn(name: &str) -> String {
    format!("arn:aws:iam::123456789012:role/{name}")
}

#[test]
fn iam_propagation_is_waited_for_and_the_role_switches_both_ways() {
    let aws = Aws::start();
    roles_propagate_for(&aws.proxy, 3);
    let binary = &release().helloworld;
    let dir = project("iam-propagation");
    let waiting = format!(
        "Waiting for IAM: Lambda cannot assume role {} yet (",
        role_arn(ROLE)
    );

    // A first deploy: the function is created once Lambda can assume the
    // new role, and the wait is shown.
    let run = ok(aws.deploy(&dir, binary, &[]));
    assert!(run.stderr.contains(&waiting), "{run:#?}");
    assert!(
        refused(&aws.proxy, |op| op == "POST /2015-03-31/functions") >= 1,
        "{:#?}",
        aws.proxy.calls()
    );
    assert_one_of_each(&aws.moto.snapshot());

    // managed → iam_role_arn: the function moves to the user's role, and
    // goblet's role goes.
    let own = aws.moto.boto3(
        r#"
trust = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
    "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
print(json.dumps(iam.create_role(RoleName="my-own-role", AssumeRolePolicyDocument=trust)["Role"]["Arn"]))
"#,
    );
    let own = own.as_str().expect("the role's ARN").to_owned();
    std::fs::write(
        dir.join("Cargo.toml"),
        CONFIG.replace(
            "memory = 256\n",
            &format!("memory = 256\niam_role_arn = \"{own}\"\n"),
        ),
    )
    .unwrap();
    ok(aws.deploy(&dir, binary, &[]));
    let snap = aws.moto.snapshot();
    assert_eq!(
        snap["functions"][FUNCTION]["role"],
        own.as_str(),
        "{snap:#}"
    );
    assert_eq!(keys(&snap["roles"]), ["my-own-role"], "{snap:#}");

    // iam_role_arn → managed, in one deploy: goblet's role is created and
    // the function moved onto it, once Lambda can assume it.
    std::fs::write(dir.join("Cargo.toml"), CONFIG).unwrap();
    aws.proxy.reset();
    let run = ok(aws.deploy(&dir, binary, &[]));
    assert!(
        run.stderr.contains(&format!("Creating role {ROLE}")),
        "{run:#?}"
    );
    assert!(run.stderr.contains(&waiting), "{run:#?}");
    assert!(
        refused(&aws.proxy, |op| op.ends_with("/configuration")) >= 1,
        "{:#?}",
        aws.proxy.calls()
    );
    let snap = aws.moto.snapshot();
    assert_eq!(
        snap["functions"][FUNCTION]["role"],
        role_arn(ROLE).as_str(),
        "{snap:#}\n{run:#?}"
    );
    assert_eq!(keys(&snap["roles"]), [ROLE, "my-own-role"], "{snap:#}");
    let left = record(&dir);
    assert_eq!(left["role"]["name"], ROLE, "{left:#}");
    assert_eq!(left["role"]["managed"], true, "{left:#}");

    // Converged.
    aws.proxy.reset();
    ok(aws.deploy(&dir, binary, &[]));
    assert_eq!(aws.proxy.mutating(), [], "{:#?}", aws.proxy.calls());
}

/// The function's role in `region`, as Lambda there says.
fn function_role_in(aws: &Aws, region: &str) -> Value {
    aws.moto.boto3(&format!(
        r#"
lam = boto3.client("lambda", region_name="{region}")
print(json.dumps(lam.get_function(FunctionName="{FUNCTION}")["Configuration"]["Role"]))
"#
    ))
}

#[test]
fn each_region_has_its_own_role() {
    let aws = Aws::start();
    let binary = &release().helloworld;
    let us = project("region-us");
    let eu = project("region-eu");
    let eu_role = "helloworld-dev-eu-west-1";
    ok(aws.deploy(&us, binary, &[]));
    ok(aws.goblet_in("eu-west-1", deploy_args(&eu, binary)));
    let roles = aws.moto.snapshot()["roles"].clone();
    assert_eq!(keys(&roles), [eu_role, ROLE], "{roles:#}");
    assert_eq!(function_role_in(&aws, "us-east-1"), role_arn(ROLE).as_str());
    assert_eq!(
        function_role_in(&aws, "eu-west-1"),
        role_arn(eu_role).as_str()
    );
    let tags = aws.moto.boto3(&format!(
        r#"
print(json.dumps({{n: {{t["Key"]: t["Value"] for t in iam.list_role_tags(RoleName=n)["Tags"]}}["goblet:region"]
                  for n in ["{ROLE}", "{eu_role}"]}}))
"#
    ));
    assert_eq!(tags, json!({ROLE: "us-east-1", eu_role: "eu-west-1"}));

    // Deleting the stage in eu-west-1 leaves us-east-1's role alone.
    ok(aws.goblet_in(
        "eu-west-1",
        ["delete", "--project", path(&eu), "--stage", "dev", "--yes"],
    ));
    let snap = aws.moto.snapshot();
    assert_eq!(keys(&snap["roles"]), [ROLE], "{snap:#}");
    assert_one_of_each(&snap);
    aws.proxy.reset();
    ok(aws.deploy(&us, binary, &[]));
    assert_eq!(aws.proxy.mutating(), [], "{:#?}", aws.proxy.calls());
}

#[test]
fn a_role_recorded_before_roles_were_per_region_is_kept_in_its_region() {
    let aws = Aws::start();
    let binary = &release().helloworld;
    let legacy = FUNCTION;
    // What an earlier goblet made: the role named `{app}-{stage}`, with
    // goblet's tags but no region, and recorded for the stage.
    aws.moto.boto3(&format!(
        r#"
trust = json.dumps({{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow",
    "Principal": {{"Service": "lambda.amazonaws.com"}}, "Action": "sts:AssumeRole"}}]}})
iam.create_role(RoleName="{legacy}", AssumeRolePolicyDocument=trust,
                Tags=[{{"Key": "goblet:app", "Value": "helloworld"}}, {{"Key": "goblet:stage", "Value": "dev"}}])
print("null")
"#
    ));
    let old_record = |region: &str| {
        json!({"version": 1, "app_name": "helloworld", "stage": "dev", "region": region,
               "role": {"name": legacy, "arn": role_arn(legacy), "managed": true}})
    };
    let write_record = |dir: &Path, region: &str| {
        std::fs::create_dir_all(record_path(dir).parent().unwrap()).unwrap();
        std::fs::write(record_path(dir), old_record(region).to_string()).unwrap();
    };
    let us = project("legacy-us");
    write_record(&us, "us-east-1");

    // The stage keeps its role, now tagged with its region: nothing stranded.
    ok(aws.deploy(&us, binary, &[]));
    let snap = aws.moto.snapshot();
    assert_eq!(keys(&snap["roles"]), [legacy], "{snap:#}");
    assert_eq!(
        function_role_in(&aws, "us-east-1"),
        role_arn(legacy).as_str()
    );
    assert_eq!(record(&us)["role"]["name"], legacy);
    let region_tag = || {
        aws.moto.boto3(&format!(
            r#"print(json.dumps({{t["Key"]: t["Value"] for t in iam.list_role_tags(RoleName="{legacy}")["Tags"]}}.get("goblet:region")))"#
        ))
    };
    assert_eq!(region_tag(), "us-east-1");
    aws.proxy.reset();
    ok(aws.deploy(&us, binary, &[]));
    assert_eq!(aws.proxy.mutating(), [], "{:#?}", aws.proxy.calls());

    // The same stage's record in eu-west-1 naming that role too (an earlier
    // goblet shared one role between regions): eu-west-1 gets a role of its
    // own, and its delete leaves us-east-1's alone.
    let eu = project("legacy-eu");
    write_record(&eu, "eu-west-1");
    let run = ok(aws.goblet_in("eu-west-1", deploy_args(&eu, binary)));
    let eu_role = "helloworld-dev-eu-west-1";
    assert_eq!(
        function_role_in(&aws, "eu-west-1"),
        role_arn(eu_role).as_str()
    );
    assert_eq!(record(&eu)["role"]["name"], eu_role, "{run:#?}");
    assert!(!run.stderr.contains("Deleting role"), "{run:#?}");
    ok(aws.goblet_in(
        "eu-west-1",
        ["delete", "--project", path(&eu), "--stage", "dev", "--yes"],
    ));
    let snap = aws.moto.snapshot();
    assert_eq!(keys(&snap["roles"]), [legacy], "{snap:#}");
    assert_eq!(region_tag(), "us-east-1");
    assert_eq!(
        function_role_in(&aws, "us-east-1"),
        role_arn(legacy).as_str()
    );

    // A delete in eu-west-1 of a record that still names the shared role
    // keeps it: it is us-east-1's.
    let stale = project("legacy-eu-stale");
    write_record(&stale, "eu-west-1");
    let run = ok(aws.goblet_in(
        "eu-west-1",
        [
            "delete",
            "--project",
            path(&stale),
            "--stage",
            "dev",
            "--yes",
        ],
    ));
    assert!(
        run.stderr.contains(&format!(
            "Keeping role {legacy}: it is also the role of this stage's deployment in us-east-1."
        )),
        "{run:#?}"
    );
    assert_eq!(keys(&aws.moto.snapshot()["roles"]), [legacy]);
    assert!(!record_path(&stale).exists());
}

#[test]
fn delete_asks_about_the_log_group_lambda_made() {
    let aws = Aws::start();
    let dir = project("lambda-log-group");
    // No retention: goblet makes no log group, Lambda makes it on the
    // function's first invocation (as here, through boto3).
    std::fs::write(
        dir.join("Cargo.toml"),
        CONFIG.replace("log_retention_days = 14\n", ""),
    )
    .unwrap();
    ok(aws.deploy(&dir, &release().helloworld, &[]));
    assert_eq!(aws.moto.snapshot()["log_groups"], json!({}));
    aws.moto.boto3(&format!(
        r#"
logs.create_log_group(logGroupName="{LOG_GROUP}")
print("null")
"#
    ));
    let delete = ["delete", "--project", path(&dir), "--stage", "dev"];

    // No terminal, no --yes: the log group is kept, as the role is, and said so.
    let run = ok(aws.goblet(delete));
    assert!(
        run.stderr.contains(&format!(
            "Keeping log group {LOG_GROUP}: no terminal to ask on (run with --yes to delete it)."
        )),
        "{run:#?}"
    );
    let kept = aws.moto.snapshot();
    assert_eq!(keys(&kept["log_groups"]), [LOG_GROUP], "{kept:#}");
    assert_eq!(keys(&kept["roles"]), [ROLE], "{kept:#}");
    assert_eq!(kept["functions"], json!({}));
    assert_eq!(record(&dir)["function_log_group"], LOG_GROUP);

    // Again: asked about again, no AWS call.
    aws.proxy.reset();
    let run = ok(aws.goblet(delete));
    assert!(run.stderr.contains("Keeping log group"), "{run:#?}");
    assert_eq!(aws.proxy.calls(), []);

    // --yes: it goes, with the role; nothing is left behind.
    let run = ok(aws.goblet(delete.iter().chain(&["--yes"])));
    assert!(
        run.stderr
            .contains(&format!("Deleting log group {LOG_GROUP}")),
        "{run:#?}"
    );
    assert_eq!(aws.moto.snapshot(), empty(), "{run:#?}");
    assert!(!record_path(&dir).exists());
}

/// examples/todo deploys like any app, and its role may do exactly what its
/// handlers do to its table: the statements of its `[package.metadata.goblet]`.
#[test]
fn the_todo_app_deploys_with_exactly_its_tables_permissions() {
    let aws = Aws::start();
    let dir = scratch_dir("deploy-cli").join("todo");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create the project folder");
    let manifest = goblet_tests::build::workspace_root().join("examples/todo/Cargo.toml");
    std::fs::copy(&manifest, dir.join("Cargo.toml")).expect("copy the todo app's Cargo.toml");
    let run = ok(aws.deploy(&dir, &release().todo, &[]));
    // The invoke URL (moto's, through the proxy).
    assert!(
        run.stdout.trim_end().ends_with("/api/_user_request_/"),
        "{run:#?}"
    );
    let role = aws.moto.boto3(
        r#"
name = "todo-dev-us-east-1"
pols = {p: iam.get_role_policy(RoleName=name, PolicyName=p)["PolicyDocument"]
        for p in iam.list_role_policies(RoleName=name)["PolicyNames"]}
env = lam.get_function_configuration(FunctionName="todo-dev")["Environment"]["Variables"]
print(json.dumps({"policies": pols, "env": env}))
"#,
    );
    let statements: Vec<Value> = role["policies"]
        .as_object()
        .expect("inline policies")
        .values()
        .flat_map(|doc| doc["Statement"].as_array().cloned().unwrap_or_default())
        .collect();
    let table: Vec<&Value> = statements
        .iter()
        .filter(|s| s.to_string().contains("dynamodb"))
        .collect();
    let expected = json!({
        "Effect": "Allow",
        "Action": ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem",
                   "dynamodb:DeleteItem", "dynamodb:Scan"],
        "Resource": "arn:aws:dynamodb:*:*:table/todos",
    });
    assert_eq!(table, [&expected], "{statements:#?}");
    assert_eq!(role["env"], json!({"TABLE_NAME": "todos"}));
    ok(aws.goblet(["delete", "--project", path(&dir), "--stage", "dev", "--yes"]));
}

/// examples/orders: its TOKEN and REQUEST authorizers are created on the
/// REST API, invoking the function's alias, and the methods behind them are
/// `CUSTOM` with their authorizer; an unchanged redeploy changes nothing; a
/// new TTL is one `PutRestApi` and one deployment; `delete` removes it all.
#[test]
fn lambda_authorizers_are_deployed_diffed_and_deleted() {
    const ORDERS_CONFIG: &str =
        "[package]\nname = \"orders\"\nversion = \"0.1.0\"\nedition = \"2024\"\n";
    let binary = &release().orders;
    let aws = Aws::start();
    let dir = project("orders");
    std::fs::write(dir.join("Cargo.toml"), ORDERS_CONFIG).unwrap();
    ok(aws.deploy(&dir, binary, &[]));
    let snap = aws.moto.normalized_snapshot();
    let api = &snap["apis"]["orders-dev"];
    let uri = api["resources"]["/orders"]["GET"]["uri"].clone();
    assert!(
        uri.as_str()
            .is_some_and(|u| u.ends_with(":function:orders-dev:live/invocations")),
        "{api:#}"
    );
    assert_eq!(
        api["authorizers"],
        json!({
            "tokens": {"type": "TOKEN", "uri": uri, "ttl": 300,
                       "identitySource": "method.request.header.Authorization"},
            "tenants": {"type": "REQUEST", "uri": uri, "ttl": 0,
                        "identitySource": "method.request.header.X-Tenant, method.request.querystring.key"},
        }),
        "{api:#}"
    );
    for (path, method, authorizer) in [
        ("/orders", "GET", "tokens"),
        ("/orders/{id}", "GET", "tokens"),
        ("/orders/{id}", "DELETE", "tokens"),
        ("/tenants/{tenant}", "GET", "tenants"),
    ] {
        let m = &api["resources"][path][method];
        assert_eq!(m["auth"], "CUSTOM", "{path} {method}: {m}");
        assert_eq!(m["authorizer"], authorizer, "{path} {method}: {m}");
    }
    assert_eq!(api["resources"]["/"]["GET"]["auth"], "NONE");
    assert!(api["resources"]["/"]["GET"].get("authorizer").is_none());
    // API Gateway may invoke the alias for the authorizers too: the
    // permission's source ARN covers `{api}/authorizers/*`.
    let permission = &snap["functions"]["orders-dev"]["permissions"];
    assert!(permission.to_string().contains("<api>/*"), "{permission:#}");

    aws.proxy.reset();
    ok(aws.deploy(&dir, binary, &[]));
    assert_eq!(aws.proxy.mutating(), [], "{:#?}", aws.proxy.calls());

    // The same app with `tokens` cached for 60 s instead of 300.
    let shorter = patched(binary, &dir, "orders-ttl-60", |bytes| {
        replace_once(bytes, br#""ttl_seconds":300,"#, br#""ttl_seconds":60 ,"#);
    });
    // (The patched binary is new code too: the function gets a version.)
    let plan = ok(aws.deploy(&dir, &shorter, &["--dry-run"]));
    assert!(
        format!("{}{}", plan.stdout, plan.stderr)
            .contains("change authorizer tokens ttl 300 s → 60 s"),
        "{plan:#?}"
    );
    aws.proxy.reset();
    ok(aws.deploy(&dir, &shorter, &[]));
    let ops = aws.proxy.mutating_operations();
    let api_ops: Vec<&String> = ops.iter().filter(|o| o.contains("/restapis/")).collect();
    assert_eq!(api_ops.len(), 2, "one PutRestApi, one deployment: {ops:#?}");
    assert!(api_ops[0].starts_with("PUT /restapis/"), "{ops:#?}");
    assert!(api_ops[1].ends_with("/deployments"), "{ops:#?}");
    let snap = aws.moto.normalized_snapshot();
    assert_eq!(
        snap["apis"]["orders-dev"]["authorizers"]["tokens"]["ttl"],
        60
    );
    assert_eq!(
        snap["apis"]["orders-dev"]["resources"]["/orders"]["GET"]["authorizer"],
        "tokens"
    );

    ok(aws.goblet(["delete", "--project", path(&dir), "--stage", "dev", "--yes"]));
    let left = aws.moto.snapshot();
    for kind in ["functions", "apis", "log_groups"] {
        assert_eq!(left[kind], json!({}), "{kind} left");
    }
}

/// examples/members: its Cognito user pool authorizer is created on the
/// REST API with the configured pool, the methods behind it are
/// `COGNITO_USER_POOLS` with their scopes; an unchanged redeploy changes
/// nothing; another pool is one `PutRestApi` and one deployment; `delete`
/// removes it all.
#[test]
fn user_pool_authorizers_are_deployed_diffed_and_deleted() {
    const POOL: &str = "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_Goblet1";
    const OTHER: &str = "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_Goblet2";
    let config = |pools: &[&str]| {
        let pools: Vec<String> = pools.iter().map(|p| format!("\"{p}\"")).collect();
        format!(
            "[package]\nname = \"members\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n\
             [package.metadata.goblet.authorizers.users]\ntype = \"cognito_user_pools\"\n\
             provider_arns = [{}]\n",
            pools.join(", ")
        )
    };
    let binary = &release().members;
    let aws = Aws::start();
    let dir = project("members");
    std::fs::write(dir.join("Cargo.toml"), config(&[POOL])).unwrap();
    ok(aws.deploy(&dir, binary, &[]));
    let snap = aws.moto.normalized_snapshot();
    let api = &snap["apis"]["members-dev"];
    assert_eq!(
        api["authorizers"],
        json!({"users": {"type": "COGNITO_USER_POOLS", "uri": null, "ttl": 300,
                         "identitySource": "method.request.header.Authorization",
                         "providerARNs": [POOL]}}),
        "{api:#}"
    );
    let me = &api["resources"]["/me"]["GET"];
    assert_eq!(me["auth"], "COGNITO_USER_POOLS", "{me}");
    assert_eq!(me["authorizer"], "users", "{me}");
    assert!(me.get("scopes").is_none(), "{me}");
    let reports = &api["resources"]["/reports"]["GET"];
    assert_eq!(reports["auth"], "COGNITO_USER_POOLS", "{reports}");
    assert_eq!(reports["scopes"], json!(["reports/read"]), "{reports}");
    assert_eq!(api["resources"]["/"]["GET"]["auth"], "NONE");

    // `goblet package` of the same project writes the same authorizer.
    let out = dir.join("packaged");
    ok(aws.goblet([
        "package",
        "--format",
        "cloudformation",
        "--project",
        path(&dir),
        "--binary",
        path(binary),
        path(&out),
    ]));
    let template: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("template.json")).unwrap()).unwrap();
    let resources = &template["Resources"];
    assert_eq!(
        resources["AuthorizerUsers"]["Properties"]["ProviderARNs"],
        json!([POOL]),
        "{template:#}"
    );
    assert_eq!(
        resources["MethodReportsGet"]["Properties"]["AuthorizationScopes"],
        json!(["reports/read"])
    );

    aws.proxy.reset();
    ok(aws.deploy(&dir, binary, &[]));
    assert_eq!(aws.proxy.mutating(), [], "{:#?}", aws.proxy.calls());

    // A second pool and a shorter cache: the authorizer changes in place.
    std::fs::write(
        dir.join("Cargo.toml"),
        format!("{}ttl = 60\n", config(&[POOL, OTHER])),
    )
    .unwrap();
    let plan = ok(aws.deploy(&dir, binary, &["--dry-run"]));
    let said = format!("{}{}", plan.stdout, plan.stderr);
    let expected =
        format!("change authorizer users ttl 300 s → 60 s, providerARNs {POOL} → {POOL}, {OTHER}");
    assert!(said.contains(&expected), "{expected}: {plan:#?}");
    aws.proxy.reset();
    ok(aws.deploy(&dir, binary, &[]));
    let ops = aws.proxy.mutating_operations();
    assert_eq!(ops.len(), 2, "one PutRestApi, one deployment: {ops:#?}");
    assert!(ops[0].starts_with("PUT /restapis/"), "{ops:#?}");
    assert!(ops[1].ends_with("/deployments"), "{ops:#?}");
    let snap = aws.moto.normalized_snapshot();
    assert_eq!(
        snap["apis"]["members-dev"]["authorizers"]["users"]["providerARNs"],
        json!([POOL, OTHER])
    );
    assert_eq!(
        snap["apis"]["members-dev"]["authorizers"]["users"]["ttl"],
        60
    );
    aws.proxy.reset();
    ok(aws.deploy(&dir, binary, &[]));
    assert_eq!(aws.proxy.mutating(), [], "{:#?}", aws.proxy.calls());

    ok(aws.goblet(["delete", "--project", path(&dir), "--stage", "dev", "--yes"]));
    let left = aws.moto.snapshot();
    for kind in ["functions", "apis", "log_groups"] {
        assert_eq!(left[kind], json!({}), "{kind} left");
    }
}

/// examples/catalog's routes behind the shared authorizer function of
/// examples/passport, deployed first as its own app: the authorizer calls
/// that function, goblet's statement on it lets API Gateway do so for this
/// API alone, and it goes when the authorizer does or the stage is deleted.
#[test]
fn external_authorizers_call_their_function_with_a_permission_goblet_manages() {
    const PASSPORT: &str = "arn:aws:lambda:us-east-1:123456789012:function:passport-dev";
    const SID: &str = "goblet-catalog-dev-us-east-1-authorizers";
    let config = |authorizer: bool| {
        let mut text =
            "[package]\nname = \"catalog\"\nversion = \"0.1.0\"\nedition = \"2024\"\n".to_owned();
        if authorizer {
            text.push_str(&format!(
                "\n[package.metadata.goblet.authorizers.shared]\ntype = \"token\"\n\
                 function_arn = \"{PASSPORT}\"\nttl = 60\n"
            ));
        }
        text
    };
    let release = release();
    let aws = Aws::start();
    let passport = project("passport");
    std::fs::write(
        passport.join("Cargo.toml"),
        "[package]\nname = \"passport\"\nversion = \"0.1.0\"\nedition = \"2024\"\n",
    )
    .unwrap();
    ok(aws.deploy(&passport, &release.passport, &[]));
    let dir = project("catalog");
    std::fs::write(dir.join("Cargo.toml"), config(true)).unwrap();
    ok(aws.deploy(&dir, &release.catalog, &[]));

    let snap = aws.moto.normalized_snapshot();
    let api = &snap["apis"]["catalog-dev"];
    assert_eq!(
        api["authorizers"],
        json!({"shared": {"type": "TOKEN", "ttl": 60,
                          "uri": format!("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{PASSPORT}/invocations"),
                          "identitySource": "method.request.header.Authorization"}}),
        "{api:#}"
    );
    let items = &api["resources"]["/items"]["GET"];
    assert_eq!(items["auth"], "CUSTOM", "{items}");
    assert_eq!(items["authorizer"], "shared", "{items}");
    let statements = |snap: &Value| snap["functions"]["passport-dev"]["permissions"].clone();
    let ours: Vec<Value> = statements(&snap)
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["sid"] == SID)
        .cloned()
        .collect();
    assert_eq!(ours.len(), 1, "{snap:#}");
    assert_eq!(
        ours[0]["condition"],
        json!({"ArnLike": {"AWS:SourceArn": "arn:aws:execute-api:us-east-1:123456789012:<api>/authorizers/*"}}),
        "{ours:#?}"
    );
    // passport's own statement for its own API is untouched.
    assert!(
        statements(&snap)
            .to_string()
            .contains("goblet-apigateway-invoke-live"),
        "{snap:#}"
    );
    let record = std::fs::read_to_string(dir.join(".goblet/deployed/dev.json")).unwrap();
    assert!(
        record.contains(SID) && record.contains(PASSPORT),
        "{record}"
    );

    // Unchanged: no mutating call.
    aws.proxy.reset();
    ok(aws.deploy(&dir, &release.catalog, &[]));
    assert_eq!(aws.proxy.mutating(), [], "{:#?}", aws.proxy.calls());

    // The statement removed behind goblet's back: added again, nothing else.
    aws.moto.boto3(&format!(
        "lam.remove_permission(FunctionName={PASSPORT:?}, StatementId={SID:?})\nprint('{{}}')"
    ));
    aws.proxy.reset();
    ok(aws.deploy(&dir, &release.catalog, &[]));
    let ops = aws.proxy.mutating_operations();
    assert_eq!(ops.len(), 1, "{ops:#?}");
    assert!(
        ops[0].contains("/functions/") && ops[0].contains("/policy"),
        "{ops:#?}"
    );

    // The authorizer moved to another function (passport's prod stage): it
    // calls that one, which gets the statement, and the first loses it
    // once the new API is deployed. (Not an alias of the same function:
    // moto keeps one policy for all of a function's qualifiers, where
    // Lambda keeps one each.)
    const PROD: &str = "arn:aws:lambda:us-east-1:123456789012:function:passport-prod";
    ok(aws.goblet(stage_deploy_args(&passport, &release.passport, "prod")));
    std::fs::write(dir.join("Cargo.toml"), config(true).replace(PASSPORT, PROD)).unwrap();
    let plan = ok(aws.deploy(&dir, &release.catalog, &["--dry-run"]));
    let said = format!("{}{}", plan.stdout, plan.stderr);
    for expected in [
        format!("change authorizer shared function → {PROD}"),
        format!("create permission apigateway.amazonaws.com → lambda:InvokeFunction {PROD}"),
        format!("delete permission of REST API catalog-dev on {PASSPORT}"),
    ] {
        assert!(said.contains(&expected), "{expected}: {said}");
    }
    ok(aws.deploy(&dir, &release.catalog, &[]));
    let snap = aws.moto.normalized_snapshot();
    assert!(!statements(&snap).to_string().contains(SID), "{snap:#}");
    let prod_statements = snap["functions"]["passport-prod"]["permissions"].to_string();
    assert!(prod_statements.contains(SID), "{snap:#}");

    // A configuration whose routes' authorizer is gone is refused before
    // any AWS call.
    std::fs::write(dir.join("Cargo.toml"), config(false)).unwrap();
    aws.proxy.reset();
    let refused = aws.deploy(&dir, &release.catalog, &[]);
    assert_ne!(refused.code, Some(0));
    assert!(
        refused.stderr.contains("names the authorizer `shared`"),
        "{refused:#?}"
    );
    assert_eq!(aws.proxy.calls().len(), 0, "{:#?}", aws.proxy.calls());

    ok(aws.goblet(["delete", "--project", path(&dir), "--stage", "dev", "--yes"]));
    let left = aws.moto.normalized_snapshot();
    assert!(left["apis"].get("catalog-dev").is_none(), "{left:#}");
    assert!(
        !statements(&left).to_string().contains(SID),
        "goblet's statement is gone: {left:#}"
    );
    let prod_statements = left["functions"]["passport-prod"]["permissions"].to_string();
    assert!(!prod_statements.contains(SID), "{left:#}");
    // passport itself stays, with its own statement.
    assert!(
        statements(&left)
            .to_string()
            .contains("goblet-apigateway-invoke-live"),
        "{left:#}"
    );
}

/// Deploys `binary` with `config` as its project's Cargo.toml, first
/// uninterrupted, then once per mutating call of that deploy, killed right
/// after the call and run again: each second run ends on the state the
/// uninterrupted deploy made, and a third run makes no change. `prepare`
/// brings each fresh AWS and project folder to where the deploy starts
/// (earlier deploys, other apps); its calls are not counted. Returns the
/// reference state.
fn every_kill_converges(
    name: &str,
    binary: &Path,
    config: &str,
    prepare: impl Fn(&Aws, &Path),
) -> Value {
    let fresh = |dir: &str| {
        let aws = Aws::start();
        let dir = project(dir);
        prepare(&aws, &dir);
        std::fs::write(dir.join("Cargo.toml"), config).unwrap();
        aws.proxy.reset();
        (aws, dir)
    };
    let (aws, dir) = fresh(&format!("{name}-uninterrupted"));
    ok(aws.deploy(&dir, binary, &[]));
    let reference = aws.moto.normalized_snapshot();
    let ops = aws.proxy.mutating_operations();
    assert!(!ops.is_empty(), "{name}: the deploy changes something");
    drop(aws);
    for (i, op) in ops.iter().enumerate() {
        let n = i + 1;
        let (aws, dir) = fresh(&format!("{name}-killed-{n}"));
        let printed = aws.deploy_killed_after(n as u32, &dir, binary);
        aws.proxy.reset();
        let run = ok(aws.deploy(&dir, binary, &[]));
        assert_eq!(
            aws.moto.normalized_snapshot(),
            reference,
            "{name} killed after change {n} ({op})\nkilled run:\n{printed}\nsecond run: {run:#?}"
        );
        aws.proxy.reset();
        ok(aws.deploy(&dir, binary, &[]));
        assert_eq!(aws.proxy.mutating(), [], "{name} after change {n} ({op})");
    }
    reference
}

/// A first deploy of examples/orders killed right after any of its changes
/// converges when run again on what an uninterrupted deploy makes, its
/// authorizers included.
#[test]
fn a_deploy_with_authorizers_killed_after_any_change_converges() {
    const ORDERS_CONFIG: &str =
        "[package]\nname = \"orders\"\nversion = \"0.1.0\"\nedition = \"2024\"\n";
    let reference = every_kill_converges("orders", &release().orders, ORDERS_CONFIG, |_, _| {});
    assert!(
        reference["apis"]["orders-dev"]["authorizers"]
            .as_object()
            .is_some_and(|a| a.len() == 2),
        "{reference:#}"
    );
}

/// examples/members' first deploy, its Cognito user pool authorizer with
/// scopes on a route, killed after any change, converges.
#[test]
fn a_deploy_with_a_user_pool_authorizer_killed_after_any_change_converges() {
    const MEMBERS_CONFIG: &str = "[package]\nname = \"members\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n\
         [package.metadata.goblet.authorizers.users]\ntype = \"cognito_user_pools\"\n\
         provider_arns = [\"arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_Goblet1\"]\n";
    let reference = every_kill_converges("members", &release().members, MEMBERS_CONFIG, |_, _| {});
    let api = &reference["apis"]["members-dev"];
    assert_eq!(
        api["authorizers"]["users"]["type"], "COGNITO_USER_POOLS",
        "{api:#}"
    );
    assert_eq!(
        api["resources"]["/reports"]["GET"]["scopes"],
        json!(["reports/read"])
    );
}

/// examples/catalog behind passport's shared authorizer, killed after any
/// change of its first deploy and of the move to another function (the
/// statement added on the new one, removed from the old one): each run
/// again converges, and no statement of goblet's is left on a function no
/// authorizer calls.
#[test]
fn external_authorizers_killed_after_any_change_converge() {
    const DEV: &str = "arn:aws:lambda:us-east-1:123456789012:function:passport-dev";
    const PROD: &str = "arn:aws:lambda:us-east-1:123456789012:function:passport-prod";
    const SID: &str = "goblet-catalog-dev-us-east-1-authorizers";
    let config = |function: &str| {
        format!(
            "[package]\nname = \"catalog\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n\
             [package.metadata.goblet.authorizers.shared]\ntype = \"token\"\n\
             function_arn = \"{function}\"\n"
        )
    };
    let release = release();
    // passport deployed as its own app, in its dev and prod stages.
    let passports = |aws: &Aws, dir: &Path| {
        let passport = dir.with_file_name(format!(
            "{}-passport",
            dir.file_name().unwrap().to_string_lossy()
        ));
        let _ = std::fs::remove_dir_all(&passport);
        std::fs::create_dir_all(&passport).unwrap();
        std::fs::write(
            passport.join("Cargo.toml"),
            "[package]\nname = \"passport\"\nversion = \"0.1.0\"\nedition = \"2024\"\n",
        )
        .unwrap();
        for stage in ["dev", "prod"] {
            ok(aws.goblet(stage_deploy_args(&passport, &release.passport, stage)));
        }
    };
    let ours = |snap: &Value, function: &str| {
        snap["functions"][function]["permissions"]
            .to_string()
            .contains(SID)
    };

    let first = every_kill_converges("catalog", &release.catalog, &config(DEV), passports);
    assert!(
        ours(&first, "passport-dev") && !ours(&first, "passport-prod"),
        "{first:#}"
    );

    let moved = every_kill_converges(
        "catalog-moved",
        &release.catalog,
        &config(PROD),
        |aws, dir| {
            passports(aws, dir);
            std::fs::write(dir.join("Cargo.toml"), config(DEV)).unwrap();
            ok(aws.deploy(dir, &release.catalog, &[]));
        },
    );
    assert!(
        !ours(&moved, "passport-dev") && ours(&moved, "passport-prod"),
        "{moved:#}"
    );
}

/// `examples/jobs`: its route, and a Lambda function per handler with the
/// event source mappings of its queue and stream.
/// The `work` function with settings of its own, and the stage's queue.
const JOBS_CONFIG: &str = r#"[package]
name = "jobs"
version = "0.1.0"

[package.metadata.goblet.functions.work]
memory = 256
environment = { WORKER = "yes" }

[package.metadata.goblet.stages.dev.functions.work]
queue = "jobs-dev"
reserved_concurrency = 5
"#;
const QUEUE_ARN: &str = "arn:aws:sqs:us-east-1:123456789012:jobs-dev";
const STREAM_ARN: &str = "arn:aws:kinesis:us-east-1:123456789012:stream/clicks";

/// The queue and the stream the jobs app reads, made in moto as their
/// owners would have made them.
fn jobs_sources(aws: &Aws) {
    aws.moto.boto3(
        r#"
boto3.client("sqs").create_queue(QueueName="jobs-dev")
boto3.client("events").create_event_bus(Name="orders")
boto3.client("kinesis").create_stream(StreamName="clicks", ShardCount=1)
print("{}")
"#,
    );
}

fn jobs_project(name: &str) -> PathBuf {
    let dir = project(name);
    std::fs::write(dir.join("Cargo.toml"), JOBS_CONFIG).expect("write Cargo.toml");
    dir
}

/// What `goblet delete` must leave: nothing, and no mapping of any function.
fn assert_nothing_left(aws: &Aws, context: &str) {
    assert_eq!(aws.moto.snapshot(), empty(), "{context}");
    let mappings = aws.moto.boto3(
        r#"print(json.dumps(lam.list_event_source_mappings()["EventSourceMappings"], default=str))"#,
    );
    assert_eq!(mappings, json!([]), "{context}");
}

#[test]
fn event_functions_deploy_with_their_mappings_and_go_with_delete() {
    let binary = &release().jobs;
    let aws = Aws::start();

    // Triggers this goblet does not deploy yet: refused before any call.
    let dir = project("pipeline-refused");
    let run = aws.deploy(&dir, &release().pipeline, &[]);
    let message = run.expect_user_error();
    assert!(
        message.contains("#[on_sns_message] `alert`") && message.contains("S3 notifications"),
        "{message}"
    );
    assert_eq!(aws.proxy.calls(), [], "{run:#?}");

    // A table for a function the app does not have: refused, no call made.
    let dir = jobs_project("jobs-misnamed");
    std::fs::write(
        dir.join("Cargo.toml"),
        format!("{JOBS_CONFIG}\n[package.metadata.goblet.functions.wrok]\nmemory = 512\n"),
    )
    .expect("write Cargo.toml");
    aws.proxy.reset();
    let run = aws.deploy(&dir, binary, &[]);
    let message = run.expect_user_error();
    assert!(
        message.contains("functions.wrok] (stage dev) names no function of the app"),
        "{message}"
    );
    assert_eq!(aws.proxy.calls(), [], "{message}");

    jobs_sources(&aws);
    let dir = jobs_project("jobs");
    let run = ok(aws.deploy(&dir, binary, &[]));
    // Through the proxy, which keeps the LoggingConfig moto ignores.
    let snap = aws.moto.snapshot_via(&aws.proxy.endpoint());
    assert_eq!(
        keys(&snap["functions"]),
        [
            "jobs-dev",
            "jobs-dev-clicks",
            "jobs-dev-hourly",
            "jobs-dev-order",
            "jobs-dev-report",
            "jobs-dev-work"
        ],
        "{run:#?}"
    );
    for (name, handler) in [
        ("jobs-dev", "bootstrap"),
        ("jobs-dev-work", "work"),
        ("jobs-dev-clicks", "clicks"),
        ("jobs-dev-report", "report"),
        ("jobs-dev-hourly", "hourly"),
        ("jobs-dev-order", "order"),
    ] {
        let function = &snap["functions"][name];
        assert_eq!(function["handler"], handler, "{name}");
        assert_eq!(function["runtime"], "provided.al2023", "{name}");
        assert_eq!(
            function["code_sha256"],
            snap["functions"]["jobs-dev"]["code_sha256"]
        );
        assert_eq!(function["tags"]["goblet:app"], "jobs", "{name}");
        assert_eq!(
            function["role"], "arn:aws:iam::123456789012:role/jobs-dev-us-east-1",
            "{name}"
        );
        assert_eq!(
            function["logging"]["LogGroup"],
            format!("/aws/lambda/{name}"),
            "{name}"
        );
    }
    // The stage's settings for `work`, and only for it.
    let work = &snap["functions"]["jobs-dev-work"];
    assert_eq!(work["memory"], 256);
    assert_eq!(work["reserved"], 5);
    assert_eq!(work["env"], json!({"WORKER": "yes"}));
    let clicks = &snap["functions"]["jobs-dev-clicks"];
    assert_eq!(clicks["memory"], 128);
    assert_eq!(clicks["reserved"], Value::Null);
    assert_eq!(clicks["env"], json!({}));
    // Lambda waits up to a second to fill a batch of more than 10 (it
    // requires the window), and only failed messages come back.
    assert_eq!(
        snap["functions"]["jobs-dev-work"]["mappings"],
        json!([{"source": QUEUE_ARN, "batch": 20, "window": 1, "position": null,
                "responses": ["ReportBatchItemFailures"], "state": "Enabled"}])
    );
    assert_eq!(
        snap["functions"]["jobs-dev-clicks"]["mappings"],
        json!([{"source": STREAM_ARN, "batch": 50, "window": 0, "position": "LATEST",
                "responses": [], "state": "Enabled"}])
    );
    assert!(
        snap["functions"]["jobs-dev-report"]
            .get("mappings")
            .is_none()
    );
    // The role may poll exactly these two sources, and write each function's logs.
    let policy = &snap["roles"]["jobs-dev-us-east-1"]["policies"]["goblet"];
    let statements = policy["Statement"].as_array().expect("statements");
    let on = |resource: &str| {
        statements
            .iter()
            .find(|s| s["Resource"] == resource)
            .unwrap_or_else(|| panic!("no statement on {resource}: {policy:#}"))["Action"]
            .clone()
    };
    assert_eq!(
        on(QUEUE_ARN),
        json!([
            "sqs:ReceiveMessage",
            "sqs:DeleteMessage",
            "sqs:GetQueueAttributes"
        ])
    );
    assert!(on(STREAM_ARN).to_string().contains("kinesis:GetRecords"));
    assert!(
        policy
            .to_string()
            .contains("log-group:/aws/lambda/jobs-dev-work:*")
    );
    assert_eq!(
        record(&dir)["event_functions"],
        json!([
            "jobs-dev-clicks",
            "jobs-dev-hourly",
            "jobs-dev-order",
            "jobs-dev-report",
            "jobs-dev-work"
        ])
    );
    // The schedule and the custom bus's pattern: a rule each, the function
    // its one target, and EventBridge's permission for that rule only.
    let function_arn =
        |name: &str| format!("arn:aws:lambda:us-east-1:123456789012:function:{name}");
    assert_eq!(
        snap["rules"],
        json!({
            "default/jobs-dev-hourly": {"schedule": "rate(1 hour)", "pattern": null,
                "state": "ENABLED", "targets": [format!("goblet {}", function_arn("jobs-dev-hourly"))]},
            "orders/jobs-dev-order": {"schedule": null, "pattern": {"source": ["shop.orders"]},
                "state": "ENABLED", "targets": [format!("goblet {}", function_arn("jobs-dev-order"))]},
        })
    );
    for (name, rule) in [
        ("jobs-dev-hourly", "rule/jobs-dev-hourly"),
        ("jobs-dev-order", "rule/orders/jobs-dev-order"),
    ] {
        let permissions = &snap["functions"][name]["permissions"];
        assert_eq!(permissions[0]["sid"], "goblet-events", "{permissions:#}");
        assert_eq!(
            permissions[0]["principal"],
            json!({"Service": "events.amazonaws.com"})
        );
        assert_eq!(
            permissions[0]["condition"]["ArnLike"]["AWS:SourceArn"],
            format!("arn:aws:events:us-east-1:123456789012:{rule}")
        );
    }
    assert_eq!(
        record(&dir)["event_rules"],
        json!([{"name": "jobs-dev-hourly", "bus": "default"}, {"name": "jobs-dev-order", "bus": "orders"}])
    );

    // Unchanged: no change at all.
    aws.proxy.reset();
    let run = ok(aws.deploy(&dir, binary, &[]));
    assert_eq!(aws.proxy.mutating(), [], "{run:#?}");
    assert!(run.stderr.contains("Nothing to change."), "{run:#?}");

    let run = ok(aws.goblet(["delete", "--project", path(&dir), "--stage", "dev", "--yes"]));
    assert!(
        run.stderr
            .contains("Deleting lambda function jobs-dev-work"),
        "{run:#?}"
    );
    assert_nothing_left(&aws, &format!("{run:#?}"));
    assert!(!record_path(&dir).exists());
}

#[test]
fn a_deploy_of_event_functions_killed_after_any_change_converges() {
    let binary = &release().jobs;
    let aws = Aws::start();
    jobs_sources(&aws);
    let dir = jobs_project("jobs-uninterrupted");
    ok(aws.deploy(&dir, binary, &[]));
    let reference = aws.moto.normalized_snapshot();
    // The sources were made straight in moto: the proxy saw goblet's calls only.
    let changes: Vec<String> = aws
        .proxy
        .mutating()
        .into_iter()
        .map(|c| c.operation)
        .collect();
    let mappings: Vec<usize> = (0..changes.len())
        .filter(|&i| changes[i].contains("event-source-mappings"))
        .collect();
    assert_eq!(mappings.len(), 2, "{changes:#?}");
    // The kills before and after the event functions' steps are the API
    // function's (the test above kills those): from the second
    // CreateFunction (the first event function) to the last of their steps.
    let creates: Vec<usize> = (0..changes.len())
        .filter(|&i| changes[i] == "POST /2015-03-31/functions")
        .collect();
    assert_eq!(creates.len(), 6, "{changes:#?}");
    drop(aws);

    let rule_steps: Vec<usize> = (0..changes.len())
        .filter(|&i| changes[i] == "PutRule" || changes[i] == "PutTargets")
        .collect();
    assert_eq!(rule_steps.len(), 4, "two rules, two targets: {changes:#?}");
    let last = rule_steps[3];
    // Each kill point on a moto of its own: two at a time.
    let check = |n: usize| {
        let aws = Aws::start();
        jobs_sources(&aws);
        let context = format!(
            "killed after change {n} of {} ({})",
            changes.len(),
            changes[n - 1]
        );
        let dir = jobs_project(&format!("jobs-killed-after-{n}"));
        aws.proxy.reset();
        let printed = aws.deploy_killed_after(n as u32, &dir, binary);
        aws.proxy.reset();
        let run = ok(aws.deploy(&dir, binary, &[]));
        assert_eq!(
            aws.moto.normalized_snapshot(),
            reference,
            "{context}\nkilled run:\n{printed}\nsecond run: {run:#?}"
        );
        aws.proxy.reset();
        let run = ok(aws.deploy(&dir, binary, &[]));
        assert_eq!(aws.proxy.mutating(), [], "{context}: {run:#?}");
        let run = ok(aws.goblet(["delete", "--project", path(&dir), "--stage", "dev", "--yes"]));
        assert_nothing_left(&aws, &format!("{context}: {run:#?}"));

        // Killed at the same point and deleted at once.
        let dir = jobs_project(&format!("jobs-killed-then-deleted-{n}"));
        aws.proxy.reset();
        let printed = aws.deploy_killed_after(n as u32, &dir, binary);
        let run = ok(aws.goblet(["delete", "--project", path(&dir), "--stage", "dev", "--yes"]));
        assert_nothing_left(
            &aws,
            &format!("{context}, then deleted\nkilled run:\n{printed}\ndelete: {run:#?}"),
        );
    };
    let points: Vec<usize> = (creates[1] + 1..=last.max(mappings[1]) + 1).collect();
    std::thread::scope(|scope| {
        for half in [0, 1] {
            let points = &points;
            scope.spawn(move || {
                for &n in points.iter().skip(half).step_by(2) {
                    check(n);
                }
            });
        }
    });
}
