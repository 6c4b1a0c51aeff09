//! `goblet local` end to end: the real `goblet` binary serving release builds
//! of `examples/helloworld` and `examples/showcase` on loopback, called by
//! real clients (a raw HTTP/1.1 client, `goblet curl`, Python `requests` +
//! `requests_aws_sign`, botocore, `awscurl`).
//!
//! Each test starts its own `goblet local --port 0` with `HOME` pointed at an
//! empty folder and only the identities of a test identities file.
//! The Python clients come from `.venv` (`scripts/setup-python.sh`).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use goblet_tests::local::{Reply, Scratch, Served, clean_command, http, parse_reply};
use serde_json::{Value, json};

const ALICE_KEY: &str = "AKIDLOCALALICE000001";
const ALICE_SECRET: &str = "alice-secret-key";
const ALICE_ARN: &str = "arn:aws:iam::111122223333:user/alice";
const TEMP_KEY: &str = "ASIALOCALTEMP0000002";
const TEMP_SECRET: &str = "temp-secret-key";
const TEMP_TOKEN: &str = "temp-session-token/with+chars=";
const MISSING_TOKEN: &str = r#"{"message":"Missing Authentication Token"}"#;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_owned()
}

/// Release builds of `goblet`, `helloworld` and `showcase`, built once per run.
fn bins() -> &'static goblet_tests::build::ReleaseBinaries {
    goblet_tests::build::release()
}

/// `goblet local` serving an app, with the test identities and a `HOME` of
/// its own.
struct Local {
    served: Served,
    home: Scratch,
}

impl std::ops::Deref for Local {
    type Target = Served;
    fn deref(&self) -> &Served {
        &self.served
    }
}

impl std::ops::DerefMut for Local {
    fn deref_mut(&mut self) -> &mut Served {
        &mut self.served
    }
}

impl Local {
    fn helloworld(extra: &[&str]) -> Local {
        Local::start(&bins().helloworld, extra)
    }

    fn showcase(extra: &[&str]) -> Local {
        Local::start(&bins().showcase, extra)
    }

    fn start(app: &Path, extra: &[&str]) -> Local {
        Local::start_in(Scratch::new(), app, extra)
    }

    /// Starts with `HOME` at `home`, which may hold an `.aws` folder.
    fn start_in(home: Scratch, app: &Path, extra: &[&str]) -> Local {
        let identities = home.0.join("identities.json");
        let file = json!([
            {"access_key_id": ALICE_KEY, "secret_access_key": ALICE_SECRET, "user_arn": ALICE_ARN},
            {"access_key_id": TEMP_KEY, "secret_access_key": TEMP_SECRET, "session_token": TEMP_TOKEN},
        ]);
        std::fs::write(&identities, file.to_string()).unwrap();
        let identities = identities.display().to_string();
        let mut args = vec!["--identities", identities.as_str()];
        args.extend_from_slice(extra);
        let command = clean_command(&bins().goblet, &home.0);
        Local::launch(home, command, app, &args)
    }

    /// Starts `command` (`goblet` with its environment and options) as
    /// `goblet local --binary app --port 0 extra...`.
    fn launch(home: Scratch, command: Command, app: &Path, extra: &[&str]) -> Local {
        Local {
            served: Served::launch(command, app, extra),
            home,
        }
    }

    /// Runs `goblet curl` with `key`'s credentials in the environment.
    fn curl(&self, key: &str, args: &[&str]) -> Output {
        let mut command = clean_command(&bins().goblet, &self.home.0);
        credentials(&mut command, key);
        command
            .arg("curl")
            .args(args)
            .output()
            .expect("cannot run goblet curl")
    }

    /// Runs a scenario of tests/python/local_clients.py with the real clients.
    fn python(&self, key: &str, scenario: &str, url: &str) -> Value {
        let python = root().join(".venv/bin/python");
        assert!(
            python.exists(),
            "{} is missing: run `bash scripts/setup-python.sh`",
            python.display()
        );
        let mut command = clean_command(&python, &self.home.0);
        credentials(&mut command, key);
        let out = command
            .arg(root().join("tests/python/local_clients.py"))
            .args([scenario, url])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{scenario}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    }
}

/// `goblet curl` succeeded and printed hello world's answer.
fn assert_hello_world(out: &Output, what: &str) {
    assert!(
        out.status.success(),
        "{what}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        r#"{"hello":"world"}"#,
        "{what}"
    );
}

fn credentials(command: &mut Command, key: &str) {
    command
        .env("AWS_ACCESS_KEY_ID", key)
        .env("AWS_DEFAULT_REGION", "us-east-1");
    if key == TEMP_KEY {
        command
            .env("AWS_SECRET_ACCESS_KEY", TEMP_SECRET)
            .env("AWS_SESSION_TOKEN", TEMP_TOKEN);
    } else {
        command.env("AWS_SECRET_ACCESS_KEY", ALICE_SECRET);
    }
}

// ---------------------------------------------------------------------------
// helloworld: an AWS_IAM root route
// ---------------------------------------------------------------------------

#[test]
fn unsigned_and_unknown_requests_get_api_gateways_403() {
    let local = Local::helloworld(&[]);
    assert!(
        local.url.starts_with("http://127.0.0.1:") && local.url.ends_with("/api/"),
        "{}",
        local.url
    );
    for target in ["/api/", "/api", "/api/nowhere", "/", "/other/", "/api/?a=1"] {
        let r = local.get(target);
        r.assert_gateway_error(
            403,
            "Missing Authentication Token",
            Some("MissingAuthenticationTokenException"),
        );
        assert_eq!(r.text(), MISSING_TOKEN);
        // No CORS route, no CORS gateway responses.
        assert_eq!(r.header("access-control-allow-origin"), None);
    }
    // A method the resource does not define.
    let r = local.request("POST", "/api/", &[], b"{}");
    r.assert_gateway_error(
        403,
        "Missing Authentication Token",
        Some("MissingAuthenticationTokenException"),
    );
    let out = local.output().join("\n");
    assert!(out.contains("GET") && out.contains("AWS_IAM"), "{out}");
    assert!(out.contains(ALICE_KEY) && out.contains(ALICE_ARN), "{out}");
}

#[test]
fn goblet_curl_signs_with_long_term_and_temporary_credentials() {
    let local = Local::helloworld(&[]);
    for key in [ALICE_KEY, TEMP_KEY] {
        assert_hello_world(&local.curl(key, &[&local.url]), key);
    }
    let out = local.curl(ALICE_KEY, &["-i", &local.url]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("HTTP/1.1 200 OK\r\n"), "{text}");
    assert!(
        text.to_ascii_lowercase().contains("\r\nx-amzn-requestid: "),
        "{text}"
    );
    assert!(text.ends_with("\r\n\r\n{\"hello\":\"world\"}"), "{text}");
    // A refusal is printed, and is not a transport error.
    let out = local.curl(ALICE_KEY, &[&format!("{}nowhere", local.url)]);
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout), MISSING_TOKEN);
    // Unknown credentials.
    let mut command = clean_command(&bins().goblet, &local.home.0);
    let out = command
        .env("AWS_ACCESS_KEY_ID", "AKIDNOBODY0000000000")
        .env("AWS_SECRET_ACCESS_KEY", "x")
        .args(["curl", &local.url])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        r#"{"message":"The security token included in the request is invalid."}"#
    );
    // No credentials at all: an error, exit 1.
    let out = clean_command(&bins().goblet, &local.home.0)
        .args(["curl", &local.url])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no AWS credentials"));
}

/// An executable `/bin/sh` script at `path`.
fn write_script(path: &Path, body: &str) {
    std::fs::write(path, format!("#!/bin/sh\n{body}")).unwrap();
    let mut mode = std::fs::metadata(path).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut mode, 0o755);
    std::fs::set_permissions(path, mode).unwrap();
}

/// `home/.aws/credentials` and `home/.aws/config`: a static-key profile for
/// alice, a `credential_process` profile for the temporary identity.
fn write_aws_files(home: &Path) {
    let aws = home.join(".aws");
    std::fs::create_dir_all(&aws).unwrap();
    std::fs::write(
        aws.join("credentials"),
        format!(
            "[alice]\naws_access_key_id = {ALICE_KEY}\naws_secret_access_key = {ALICE_SECRET}\n"
        ),
    )
    .unwrap();
    let process = aws.join("credential-process.sh");
    write_script(
        &process,
        &format!(
            "printf '%s' '{{\"Version\": 1, \"AccessKeyId\": \"{TEMP_KEY}\", \
             \"SecretAccessKey\": \"{TEMP_SECRET}\", \"SessionToken\": \"{TEMP_TOKEN}\"}}'\n"
        ),
    );
    std::fs::write(
        aws.join("config"),
        format!(
            "[profile temp]\ncredential_process = {}\n[profile broken]\nsource_profile = nowhere\nrole_arn = arn:aws:iam::111122223333:role/r\n",
            process.display()
        ),
    )
    .unwrap();
}

#[test]
fn credentials_come_from_profiles_and_credential_process() {
    let local = Local::helloworld(&[]);
    write_aws_files(&local.home.0);
    let curl = |profile: &str| {
        clean_command(&bins().goblet, &local.home.0)
            .env("AWS_PROFILE", profile)
            .args(["curl", &local.url])
            .output()
            .unwrap()
    };
    // A profile's static keys, and a credential_process's temporary ones.
    for profile in ["alice", "temp"] {
        assert_hello_world(&curl(profile), profile);
    }
    // A profile that cannot give credentials: a clear error, exit 1.
    for profile in ["broken", "missing"] {
        let out = curl(profile);
        assert_eq!(out.status.code(), Some(1), "{profile}: {out:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.starts_with("error: ")
                && stderr.contains(profile)
                && !stderr.contains("panicked"),
            "{profile}: {stderr}"
        );
    }
}

#[test]
fn goblet_local_accepts_the_users_own_profile() {
    let home = Scratch::new();
    write_aws_files(&home.0);
    // Not in the identities file: known to goblet local only through the
    // profile that AWS_PROFILE names when it starts.
    let bob_key = "AKIDLOCALBOBPROFILE3";
    std::fs::write(
        home.0.join(".aws/credentials"),
        format!("[default]\naws_access_key_id = {bob_key}\naws_secret_access_key = bob-secret\n"),
    )
    .unwrap();
    let local = Local::start_in(home, &bins().helloworld, &[]);
    assert!(
        local.output().join("\n").contains(bob_key),
        "{:#?}",
        local.output()
    );
    let out = clean_command(&bins().goblet, &local.home.0)
        .env("AWS_ACCESS_KEY_ID", bob_key)
        .env("AWS_SECRET_ACCESS_KEY", "bob-secret")
        .args(["curl", &local.url])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), r#"{"hello":"world"}"#);
}

/// `home/.aws/config` with one profile, `profile`, whose
/// `credential_process` is the shell script `body` (in `home/.aws`).
fn credential_process_profile(home: &Path, profile: &str, body: &str) {
    let aws = home.join(".aws");
    std::fs::create_dir_all(&aws).unwrap();
    let script = aws.join(format!("{profile}.sh"));
    write_script(&script, &format!("set -e\n{body}"));
    std::fs::write(
        aws.join("config"),
        format!(
            "[profile {profile}]\ncredential_process = {}\n",
            script.display()
        ),
    )
    .unwrap();
}

/// `goblet local` serving helloworld with `AWS_PROFILE=profile` and no
/// identities file.
fn start_with_profile(home: Scratch, profile: &str) -> Local {
    let mut command = clean_command(&bins().goblet, &home.0);
    command.env("AWS_PROFILE", profile);
    Local::launch(home, command, &bins().helloworld, &[])
}

/// The shell lines printing one credential_process answer for key
/// `ASIA{stem}{$n}`, secret `secret-$n`, token `token-$n`, expiring at
/// `date -d {expires}`.
fn print_minted_keys(stem: &str, expires: &str) -> String {
    format!(
        "expires=$(date -u -d '{expires}' +%Y-%m-%dT%H:%M:%SZ)\n\
         printf '{{\"Version\": 1, \"AccessKeyId\": \"ASIA{stem}%010d\", \"SecretAccessKey\": \"secret-%s\", \
         \"SessionToken\": \"token-%s\", \"Expiration\": \"%s\"}}' \"$n\" \"$n\" \"$n\" \"$expires\"\n"
    )
}

/// A `credential_process` that mints new keys on every call, as a
/// `role_arn` profile does through STS: goblet local, started with the
/// profile, accepts what `goblet curl` signs with through the same profile
/// (goblet's shared cache of the profile's temporary credentials), and
/// keys the profile minted after goblet local started (looked up through
/// the profile once).
#[test]
fn temporary_credentials_of_the_same_profile_are_accepted() {
    let home = Scratch::new();
    let counter = home.0.join(".aws/minted-count");
    credential_process_profile(
        &home.0,
        "minting",
        &format!(
            "n=$(( $(cat {0} 2>/dev/null || echo 0) + 1 ))\necho $n > {0}\n{1}",
            counter.display(),
            print_minted_keys("MINTED", "+1 hour")
        ),
    );
    let aws_before = std::fs::read_dir(home.0.join(".aws")).unwrap().count();
    let local = start_with_profile(home, "minting");
    let first_key = "ASIAMINTED0000000001";
    let banner = local.output().join("\n");
    assert!(
        banner.contains(first_key) && banner.contains("temporary, until "),
        "{banner}"
    );
    let curl = || {
        clean_command(&bins().goblet, &local.home.0)
            .env("AWS_PROFILE", "minting")
            .args(["curl", &local.url])
            .output()
            .unwrap()
    };
    // Another process of the same profile signs with the keys goblet local has.
    assert_hello_world(&curl(), "goblet curl with the minting profile");
    let minted = || std::fs::read_to_string(&counter).unwrap().trim().to_owned();
    assert_eq!(minted(), "1", "the profile was resolved again");

    // The cache is shared through goblet's own folder, readable by the user alone.
    let cache = local.home.0.join(".cache/goblet/credentials");
    let entries: Vec<PathBuf> = std::fs::read_dir(&cache)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(entries.len(), 1, "{entries:?}");
    let mode = std::fs::metadata(&entries[0]).unwrap().permissions();
    assert_eq!(
        std::os::unix::fs::PermissionsExt::mode(&mode) & 0o777,
        0o600
    );
    let aws_after = std::fs::read_dir(local.home.0.join(".aws"))
        .unwrap()
        .count();
    assert_eq!(
        aws_before + 1,
        aws_after,
        "only the script's counter is new in ~/.aws"
    );

    // Keys minted after goblet local started (its cache entry gone, as when
    // it expires): goblet local resolves the unknown key through the
    // profile once, and accepts it from then on.
    std::fs::remove_dir_all(&cache).unwrap();
    assert_hello_world(&curl(), "keys minted after goblet local started");
    assert_eq!(minted(), "2");
    local.wait_for_line(|l| l.contains("ASIAMINTED0000000002") && l.contains("accepted too"));
    assert_hello_world(&curl(), "the same keys again");
    assert_eq!(minted(), "2");
}

/// Temporary credentials past their expiration are refused as AWS refuses
/// them, even when the signature is right.
#[test]
fn expired_temporary_credentials_are_refused() {
    let home = Scratch::new();
    credential_process_profile(
        &home.0,
        "short",
        &format!("n=1\n{}", print_minted_keys("SHORT", "+2 seconds")),
    );
    let local = start_with_profile(home, "short");
    let key = "ASIASHORT0000000001";
    assert!(
        local.output().join("\n").contains(key),
        "{:#?}",
        local.output()
    );
    std::thread::sleep(Duration::from_secs(3));
    // Signed by a client that does not know they expired.
    let out = clean_command(&bins().goblet, &local.home.0)
        .env("AWS_ACCESS_KEY_ID", key)
        .env("AWS_SECRET_ACCESS_KEY", "secret-1")
        .env("AWS_SESSION_TOKEN", "token-1")
        .args(["curl", "-i", &local.url])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_ascii_lowercase();
    assert!(text.starts_with("http/1.1 403 forbidden\r\n"), "{text}");
    assert!(
        text.contains("\r\nx-amzn-errortype: expiredtokenexception\r\n"),
        "{text}"
    );
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .ends_with(r#"{"message":"The security token included in the request is expired"}"#),
        "{text}"
    );
}

/// A new user on a fresh machine, no AWS credentials anywhere: goblet local
/// makes a local development identity (in goblet's own files, not
/// `~/.aws`), says so with the keys for other clients, and `goblet curl`
/// signs with it for goblet local's URL and for no other.
#[test]
fn a_first_run_without_credentials_uses_a_local_identity() {
    let start = |home: Scratch| {
        let command = clean_command(&bins().goblet, &home.0);
        Local::launch(home, command, &bins().helloworld, &[])
    };
    let mut local = start(Scratch::new());
    let out = local.output();
    let printed = |name: &str| {
        out.iter()
            .find_map(|l| l.trim().strip_prefix(&format!("export {name}=")))
            .unwrap_or_else(|| panic!("no {name} in {out:#?}"))
            .to_owned()
    };
    let (key, secret) = (
        printed("AWS_ACCESS_KEY_ID"),
        printed("AWS_SECRET_ACCESS_KEY"),
    );
    let file = local.home.0.join(".local/share/goblet/local-identity.json");
    let text = out.join("\n");
    assert!(
        text.contains("local development identity") && text.contains(&file.display().to_string()),
        "{text}"
    );
    assert!(text.contains(&key), "the banner lists it: {text}");
    let mode = std::fs::metadata(&file).unwrap().permissions();
    assert_eq!(
        std::os::unix::fs::PermissionsExt::mode(&mode) & 0o777,
        0o600
    );
    assert!(!local.home.0.join(".aws").exists());

    assert_eq!(local.get("/api/").text(), MISSING_TOKEN);
    let curl = |url: &str| {
        clean_command(&bins().goblet, &local.home.0)
            .args(["curl", url])
            .output()
            .unwrap()
    };
    assert_hello_world(&curl(&local.url), "goblet curl with no credentials");
    let localhost = local.url.replace("127.0.0.1", "localhost");
    assert_hello_world(&curl(&localhost), "goblet curl to localhost");
    // Never sent anywhere but loopback.
    let out = curl("http://example.invalid/api/");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no AWS credentials"),
        "{out:?}"
    );
    // The keys it printed work with botocore.
    let mut python = clean_command(&root().join(".venv/bin/python"), &local.home.0);
    let r = python
        .env("AWS_ACCESS_KEY_ID", &key)
        .env("AWS_SECRET_ACCESS_KEY", &secret)
        .arg(root().join("tests/python/local_clients.py"))
        .args(["botocore", &local.url])
        .output()
        .unwrap();
    let r: Value = serde_json::from_slice(&r.stdout).unwrap();
    assert_eq!(r["status"], 200, "{r}");

    // The next run keeps the same identity.
    let home = std::mem::replace(&mut local.home, Scratch::new());
    drop(local);
    let again = start(home);
    assert!(
        again
            .output()
            .join("\n")
            .contains(&format!("export AWS_ACCESS_KEY_ID={key}")),
        "{:#?}",
        again.output()
    );
}

#[test]
fn python_clients_are_accepted() {
    let local = Local::helloworld(&[]);
    for (key, scenario) in [
        (ALICE_KEY, "requests_aws_sign"),
        (TEMP_KEY, "requests_aws_sign"),
        (ALICE_KEY, "botocore"),
        (TEMP_KEY, "botocore"),
        (ALICE_KEY, "botocore_query"),
        (ALICE_KEY, "presigned"),
        (TEMP_KEY, "presigned"),
    ] {
        let r = local.python(key, scenario, &local.url);
        assert_eq!(r["status"], 200, "{scenario} {key}: {r}");
        assert_eq!(r["body"], r#"{"hello":"world"}"#, "{scenario} {key}");
        assert_eq!(
            r["headers"]["x-amzn-requestid"].as_str().map(str::len),
            Some(36)
        );
    }
    for key in [ALICE_KEY, TEMP_KEY] {
        let mut command = clean_command(&root().join(".venv/bin/awscurl"), &local.home.0);
        credentials(&mut command, key);
        let out = command
            .args([
                "--service",
                "execute-api",
                "--region",
                "us-east-1",
                &local.url,
            ])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "awscurl: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            String::from_utf8_lossy(&out.stdout).trim(),
            r#"{"hello":"world"}"#
        );
    }
}

#[test]
fn every_rejection_has_api_gateways_message_and_type() {
    let local = Local::helloworld(&[]);
    let mismatch = "The request signature we calculated does not match the signature you provided. \
                    Check your AWS Secret Access Key and signing method. \
                    Consult the service documentation for details.";
    for scenario in [
        "tamper_header",
        "tamper_path",
        "tamper_query",
        "tamper_body",
        "wrong_secret",
    ] {
        let r = local.python(ALICE_KEY, scenario, &local.url);
        assert_eq!(r["status"], 403, "{scenario}: {r}");
        assert_eq!(
            r["body"],
            json!({ "message": mismatch }).to_string(),
            "{scenario}"
        );
        assert_eq!(
            r["headers"]["x-amzn-errortype"], "InvalidSignatureException",
            "{scenario}"
        );
    }
    // An access key goblet local does not know, and a known temporary key
    // sent with another session token.
    for (key, scenario) in [(ALICE_KEY, "unknown_key"), (TEMP_KEY, "wrong_token")] {
        let r = local.python(key, scenario, &local.url);
        assert_eq!(r["status"], 403, "{scenario}");
        assert_eq!(
            r["body"], r#"{"message":"The security token included in the request is invalid."}"#,
            "{scenario}"
        );
        assert_eq!(
            r["headers"]["x-amzn-errortype"], "UnrecognizedClientException",
            "{scenario}"
        );
    }

    let r = local.python(ALICE_KEY, "malformed", &local.url);
    let auth = r["sent_authorization"].as_str().unwrap();
    assert_eq!(r["status"], 403);
    // The header is named by its SHA-256 (base64), as API Gateway does now.
    let hash = r["authorization_hash"].as_str().unwrap();
    assert!(!r["body"].as_str().unwrap().contains(auth));
    let expected = format!(
        "Authorization header requires 'Signature' parameter. \
         Authorization header requires 'SignedHeaders' parameter. \
         (Hashed with SHA-256 and encoded with Base64) Authorization={hash}"
    );
    assert_eq!(r["body"], json!({ "message": expected }).to_string());
    assert_eq!(
        r["headers"]["x-amzn-errortype"],
        "IncompleteSignatureException"
    );

    // A request time more than five minutes off, either way.
    for (scenario, opening, closing) in [
        (
            "expired",
            "Signature expired: {sent} is now earlier than ",
            " - 5 min.)",
        ),
        (
            "future",
            "Signature not yet current: {sent} is still later than ",
            " + 5 min.)",
        ),
    ] {
        let r = local.python(ALICE_KEY, scenario, &local.url);
        let sent = r["sent_date"].as_str().unwrap();
        assert_eq!(r["status"], 403, "{scenario}");
        let message: Value = serde_json::from_str(r["body"].as_str().unwrap()).unwrap();
        let message = message["message"].as_str().unwrap();
        assert!(
            message.starts_with(&opening.replace("{sent}", sent)) && message.ends_with(closing),
            "{message}"
        );
        assert_eq!(
            r["headers"]["x-amzn-errortype"], "InvalidSignatureException",
            "{scenario}"
        );
    }
}

/// A bearer token on an AWS_IAM route, an unknown path and an unknown
/// method: API Gateway reads it as a SigV4 header and refuses it, naming it
/// by its hash and never echoing it.
#[test]
fn a_bearer_token_is_refused_by_its_hash_on_iam_and_unknown_routes() {
    let local = Local::helloworld(&[]);
    for (scenario, target) in [
        ("bearer", local.url.clone()),
        ("bearer", format!("{}nowhere", local.url)),
        ("bearer_post", local.url.clone()),
    ] {
        let r = local.python(ALICE_KEY, scenario, &target);
        let hash = r["authorization_hash"].as_str().unwrap();
        let expected = format!(
            "Invalid key=value pair (missing equal-sign) in Authorization header \
             (hashed with SHA-256 and encoded with Base64): '{hash}'."
        );
        assert_eq!(r["status"], 403, "{scenario} {target}: {r}");
        assert_eq!(
            r["body"],
            json!({ "message": expected }).to_string(),
            "{scenario} {target}"
        );
        assert_eq!(
            r["headers"]["x-amzn-errortype"], "IncompleteSignatureException",
            "{scenario} {target}"
        );
        assert!(!r["body"].as_str().unwrap().contains("secret-token"));
    }
    // Unknown path, no Authorization header: still the missing token.
    local.get("/api/nowhere").assert_gateway_error(
        403,
        "Missing Authentication Token",
        Some("MissingAuthenticationTokenException"),
    );
    // A valid signature for a path that does not exist.
    let out = local.curl(ALICE_KEY, &[&format!("{}nowhere", local.url)]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), MISSING_TOKEN);
}

/// A second X-Amz-Date, X-Amz-Security-Token or X-Amz-Content-Sha256 line:
/// API Gateway joins the values, so the signature no longer holds.
#[test]
fn repeated_signature_headers_are_refused() {
    let local = Local::helloworld(&[]);
    let r = local.python(ALICE_KEY, "repeated_date", &local.url);
    let date = r["sent_date"].as_str().unwrap();
    let expected = format!(
        "Date must be in ISO-8601 'basic format'. Got '{date},{date}'. \
         See http://en.wikipedia.org/wiki/ISO_8601"
    );
    assert_eq!(r["status"], 403, "{r}");
    assert_eq!(r["body"], json!({ "message": expected }).to_string());
    assert_eq!(
        r["headers"]["x-amzn-errortype"],
        "IncompleteSignatureException"
    );
    let r = local.python(TEMP_KEY, "repeated_token", &local.url);
    assert_eq!(r["status"], 403, "{r}");
    assert_eq!(
        r["body"],
        r#"{"message":"The security token included in the request is invalid."}"#
    );
    assert_eq!(
        r["headers"]["x-amzn-errortype"],
        "UnrecognizedClientException"
    );
    let r = local.python(ALICE_KEY, "repeated_sha256", &local.url);
    assert_eq!(r["status"], 403, "{r}");
    assert_eq!(
        r["headers"]["x-amzn-errortype"],
        "InvalidSignatureException"
    );
    assert!(
        r["body"]
            .as_str()
            .unwrap()
            .contains("does not match the signature you provided"),
        "{r}"
    );
}

/// The credential scope names the gateway's region: `--region`, else the
/// AWS configuration's (here none: us-east-1).
#[test]
fn the_credential_scope_must_name_the_gateways_region() {
    let local = Local::helloworld(&[]);
    let r = local.python(ALICE_KEY, "region_mars", &local.url);
    assert_eq!(r["status"], 403, "{r}");
    assert_eq!(
        r["body"],
        json!({"message": "Credential should be scoped to a valid region, not 'mars-north-1'. "})
            .to_string()
    );
    assert_eq!(
        r["headers"]["x-amzn-errortype"],
        "InvalidSignatureException"
    );
    assert_hello_world(&local.curl(ALICE_KEY, &[&local.url]), "us-east-1");

    let local = Local::helloworld(&["--region", "eu-west-3"]);
    assert!(
        local
            .output()
            .iter()
            .any(|l| l.starts_with("Region: eu-west-3")),
        "{:#?}",
        local.output()
    );
    let r = local.python(ALICE_KEY, "botocore", &local.url);
    assert_eq!(
        r["body"],
        json!({"message": "Credential should be scoped to a valid region, not 'us-east-1'. "})
            .to_string()
    );
    let out = local.curl(ALICE_KEY, &["--region", "eu-west-3", &local.url]);
    assert_hello_world(&out, "eu-west-3");
}

// ---------------------------------------------------------------------------
// showcase: every feature
// ---------------------------------------------------------------------------

#[test]
fn iam_identity_reaches_the_function_in_both_formats() {
    for format in ["rest", "http"] {
        let local = Local::showcase(&["--format", format]);
        let out = local.curl(ALICE_KEY, &[&format!("{}whoami", local.url)]);
        let body: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(body["userArn"], ALICE_ARN, "{format}: {body}");
        assert_eq!(body["accessKey"], ALICE_KEY);
        assert_eq!(body["accountId"], "111122223333");
        assert_eq!(body["user"], "alice");
        assert_eq!(body["sourceIp"], "127.0.0.1");
        assert_eq!(body["stage"], "api");
        assert_eq!(body["requestId"].as_str().map(str::len), Some(36));
        // Unsigned: refused before the function runs.
        let refused = local.get("/api/whoami");
        refused.assert_gateway_error(
            403,
            "Missing Authentication Token",
            Some("MissingAuthenticationTokenException"),
        );
        // The showcase has CORS routes, so the deployed API's DEFAULT_4XX
        // carries the CORS headers: a browser sees the 403, not a CORS error.
        assert_eq!(
            refused.header("access-control-allow-origin"),
            Some("*"),
            "{format}"
        );
        // A NONE route ignores the (absent) signature.
        assert_eq!(local.get("/api/users/42").json(), json!({"id": 42}));
    }
}

/// A request signed for `/api/whoami` (an AWS_IAM route), sent as
/// `/api/files/../whoami`: routed on the path the signature covers, it runs
/// `/whoami` and never `/files/{path+}` (a NONE route) with whoami's
/// signature.
#[test]
fn the_signed_path_is_the_routed_path() {
    let local = Local::showcase(&[]);
    for scenario in ["dot_segments_header", "dot_segments_presigned"] {
        let r = local.python(ALICE_KEY, scenario, &local.url);
        assert_eq!(r["status"], 200, "{scenario}: {r}");
        let body: Value = serde_json::from_str(r["body"].as_str().unwrap())
            .unwrap_or_else(|_| panic!("{scenario}: {r}"));
        assert_eq!(body["userArn"], ALICE_ARN, "{scenario}: {body}");
    }
    // Unsigned, the same spelling is whoami's: refused.
    local.get("/api/files/../whoami").assert_gateway_error(
        403,
        "Missing Authentication Token",
        Some("MissingAuthenticationTokenException"),
    );
    // Dot segments out of the stage leave it.
    local.get("/api/../users/1").assert_gateway_error(
        403,
        "Missing Authentication Token",
        Some("MissingAuthenticationTokenException"),
    );
    assert_eq!(local.get("/api/files/a/./b/../c").text(), "file: a/c");
}

#[test]
fn a_repeated_query_key_gives_a_single_value_its_last_value() {
    for format in ["rest", "http"] {
        let local = Local::showcase(&["--format", format]);
        let r = local.get("/api/search?q=a&lang=fr&q=b");
        assert_eq!(r.status, 200, "{format}: {}", r.text());
        assert_eq!(r.json(), json!({"q": "b", "lang": "fr"}), "{format}");
    }
}

#[test]
fn a_timeout_is_a_504_and_the_next_request_works() {
    let local = Local::showcase(&["--timeout", "1", "--concurrency", "1"]);
    let started = Instant::now();
    let r = local.get("/api/sleep/5000");
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
    r.assert_gateway_error(504, "Endpoint request timed out", None);
    // The environment that timed out is killed; the next request starts a
    // new one (its Init is not counted in the 1 s, as on Lambda). On a
    // loaded machine the handler itself may still take longer, so a request
    // that times out again is retried, within a generous bound. Any other
    // answer — a 502 from a dead worker, a hang — fails at once.
    let deadline = Instant::now() + Duration::from_secs(90);
    let mut timed_out_again = 0;
    let r = loop {
        let r = local.get("/api/users/1");
        if r.status != 504 {
            break r;
        }
        r.assert_gateway_error(504, "Endpoint request timed out", None);
        timed_out_again += 1;
        assert!(
            Instant::now() < deadline,
            "no replacement worker answered within 90 s ({timed_out_again} timeouts): {:#?}",
            local.output()
        );
    };
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json(), json!({"id": 1}));
    local.wait_for_line(|l| l.contains("Task timed out after 1.00 seconds"));
}

#[test]
fn a_crash_is_a_502_and_the_next_request_works() {
    let local = Local::showcase(&["--concurrency", "1"]);
    local
        .get("/api/crash")
        .assert_gateway_error(502, "Internal server error", None);
    // Lambda's log of an invocation whose process died: its START, the
    // runtime's exit, END, and a REPORT marked as an error.
    let start = local.wait_for_line(|l| l.starts_with("START RequestId: "));
    let id = start
        .strip_prefix("START RequestId: ")
        .and_then(|rest| rest.strip_suffix(" Version: $LATEST"))
        .unwrap()
        .to_owned();
    let report = local.wait_for_line(|l| l.starts_with(&format!("REPORT RequestId: {id}\t")));
    assert!(
        report.contains("\tStatus: error\tError Type: Runtime.ExitError"),
        "{report}"
    );
    // The crash was the worker's first event: its REPORT has the cold start.
    assert!(report.contains("\tInit Duration: "), "{report}");
    let out = local.output();
    let at = |line: &str| out.iter().position(|l| l == line);
    let exit = at(&format!(
        "RequestId: {id} Error: Runtime exited with error: signal: aborted"
    ));
    let error_type = at("Runtime.ExitError");
    let end = at(&format!("END RequestId: {id}"));
    let (start_at, report_at) = (at(&start), at(&report));
    assert!(
        exit.is_some()
            && start_at < exit
            && exit < error_type
            && error_type < end
            && end < report_at,
        "{out:#?}"
    );
    let r = local.get("/api/users/2");
    assert_eq!(r.json(), json!({"id": 2}));
    // A panic is the function's own 500, not a gateway error.
    let r = local.get("/api/panic");
    assert_eq!(r.status, 500);
    assert_eq!(r.json()["Code"], "InternalServerError");
}

/// Proxy responses API Gateway refuses, from a real function process (the
/// raw-proxy-function fixture answers through lambda_runtime directly): each
/// is a 502, logged as API Gateway logs it; the worker stays and the next
/// request works.
#[test]
fn a_malformed_proxy_response_is_a_502_and_the_next_request_works() {
    let local = Local::start(&bins().raw_proxy_function, &["--concurrency", "1"]);
    let malformed = [
        "just-a-string",
        "status-not-a-number",
        "status-out-of-range",
        "headers-not-an-object",
        "header-value-a-list",
        "multi-value-not-a-list",
        "body-not-base64",
        "body-an-object",
    ];
    for (n, case) in malformed.iter().enumerate() {
        local
            .get(&format!("/api/{case}"))
            .assert_gateway_error(502, "Internal server error", None);
        let r = local.get("/api/fine");
        assert_eq!((r.status, r.text().as_str()), (200, "fine"), "after {case}");
        assert_eq!(r.header("content-type"), Some("text/plain"));
        local.wait_for_lines(n + 1, |l| l.contains("Malformed Lambda proxy response"));
    }
    // One execution environment served everything: a malformed answer is
    // the gateway's problem, not the function's.
    let reports = local.wait_for_lines(2 * malformed.len(), |l| l.starts_with("REPORT "));
    let inits = reports
        .iter()
        .filter(|l| l.contains("Init Duration"))
        .count();
    assert_eq!(inits, 1, "{reports:#?}");

    // An HTTP API takes any JSON without a statusCode as a 200 JSON body.
    let local = Local::start(&bins().raw_proxy_function, &["--format", "http"]);
    let r = local.get("/api/just-a-string");
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json(), json!("just a string"));
    assert_eq!(r.header("content-type"), Some("application/json"));
    local
        .get("/api/status-not-a-number")
        .assert_gateway_error(502, "Internal server error", None);
}

#[test]
fn binary_bodies_in_and_out() {
    for format in ["rest", "http"] {
        let local = Local::showcase(&["--format", format]);
        let r = local.request(
            "POST",
            "/api/upload",
            &[("Content-Type", "application/octet-stream")],
            &[0, 255, 1, 254, 0x80],
        );
        assert_eq!(r.json(), json!({"size": 5, "byte_sum": 638}), "{format}");
        let r = local.get("/api/pixel.png");
        assert_eq!(r.status, 200);
        assert_eq!(r.header("content-type"), Some("image/png"));
        assert_eq!(&r.body[..8], b"\x89PNG\r\n\x1a\n");
        assert_eq!(r.body.len(), 67);
    }
}

#[test]
fn repeated_query_keys_and_headers_greedy_paths_and_encoded_paths() {
    let local = Local::showcase(&[]);
    let r = local.request(
        "PUT",
        "/api/echo?a=1&a=2&b=caf%C3%A9&c=x+y",
        &[
            ("X-Multi", "one"),
            ("X-Multi", "two"),
            ("Content-Type", "text/plain"),
        ],
        b"hello",
    );
    let body = r.json();
    assert_eq!(body["method"], "PUT");
    assert_eq!(body["path"], "/echo");
    assert_eq!(body["resource"], "/echo");
    assert_eq!(
        body["query"],
        json!({"a": ["1", "2"], "b": ["café"], "c": ["x y"]})
    );
    assert_eq!(body["headers"]["x-multi"], json!(["one", "two"]));
    assert_eq!(body["body"], "hello");

    let r = local.get("/api/files/a/b%20c/d.txt");
    assert_eq!(r.text(), "file: a/b c/d.txt");
    let r = local.get("/api/items/caf%C3%A9%20au%20lait");
    assert_eq!(r.json(), json!({"id": "café au lait"}));
    let r = local.get("/api/search?q=hello+world&lang=fr");
    assert_eq!(r.json(), json!({"q": "hello world", "lang": "fr"}));
    // Literal before parameter: /users (POST only) is not /users/{id}.
    local.get("/api/users").assert_gateway_error(
        403,
        "Missing Authentication Token",
        Some("MissingAuthenticationTokenException"),
    );
    local
        .request("DELETE", "/api/users/1", &[], b"")
        .assert_gateway_error(
            403,
            "Missing Authentication Token",
            Some("MissingAuthenticationTokenException"),
        );
    let r = local.request(
        "POST",
        "/api/users",
        &[("Content-Type", "application/json")],
        br#"{"name":"bob"}"#,
    );
    assert_eq!(r.status, 201);
    assert_eq!(r.json(), json!({"id": 7, "name": "bob"}));
    let r = local.get("/api/cookies");
    assert_eq!(r.all("set-cookie"), ["a=1; Path=/", "b=2; Path=/"]);
}

#[test]
fn api_keys_and_cors() {
    let local = Local::showcase(&["--api-key", "k-one", "--api-key", "k-two"]);
    local
        .get("/api/keyed")
        .assert_gateway_error(403, "Forbidden", Some("ForbiddenException"));
    local
        .request("GET", "/api/keyed", &[("x-api-key", "wrong")], b"")
        .assert_gateway_error(403, "Forbidden", Some("ForbiddenException"));
    for key in ["k-one", "k-two"] {
        let r = local.request("GET", "/api/keyed", &[("x-api-key", key)], b"");
        assert_eq!(r.text(), "you have a key");
    }

    let r = local.request(
        "OPTIONS",
        "/api/cors",
        &[
            ("Origin", "http://example.com"),
            ("Access-Control-Request-Method", "POST"),
        ],
        b"",
    );
    assert_eq!(r.status, 200);
    assert_eq!(
        r.header("access-control-allow-methods"),
        Some("GET,OPTIONS,POST")
    );
    assert_eq!(r.header("access-control-allow-origin"), Some("*"));
    assert_eq!(
        r.header("access-control-allow-headers"),
        Some("Authorization,Content-Type,X-Amz-Date,X-Amz-Security-Token,X-Api-Key")
    );
    assert!(r.header("x-amzn-requestid").is_some());
    let r = local.get("/api/cors");
    assert_eq!(r.json(), json!({"cors": true}));
    assert_eq!(r.all("access-control-allow-origin"), ["*"]);
    // No preflight on a route without CORS.
    local
        .request("OPTIONS", "/api/users/1", &[], b"")
        .assert_gateway_error(
            403,
            "Missing Authentication Token",
            Some("MissingAuthenticationTokenException"),
        );
}

#[test]
fn http_api_format() {
    let local = Local::showcase(&["--format", "http", "--stage", "v1"]);
    assert!(local.url.ends_with("/v1/"), "{}", local.url);
    assert_eq!(local.get("/v1/users/42").json(), json!({"id": 42}));
    local.get("/api/users/42").assert_gateway_error(
        403,
        "Missing Authentication Token",
        Some("MissingAuthenticationTokenException"),
    );
    let r = local.request(
        "POST",
        "/v1/echo?a=1&a=2",
        &[
            ("X-Multi", "one"),
            ("X-Multi", "two"),
            ("Cookie", "x=1; y=2"),
        ],
        b"{}",
    );
    let body = r.json();
    assert_eq!(body["query"], json!({"a": ["1", "2"]}));
    assert_eq!(body["headers"]["x-multi"], json!(["one,two"]));
    assert_eq!(body["headers"]["cookie"], json!(["x=1; y=2"]));
    let r = local.get("/v1/cookies");
    assert_eq!(r.all("set-cookie"), ["a=1; Path=/", "b=2; Path=/"]);
    assert_eq!(
        local.get("/v1/stage").json(),
        json!({"stage": "v1", "variables": {}})
    );
}

#[test]
fn lambda_log_lines() {
    let local = Local::showcase(&["--concurrency", "1"]);
    assert_eq!(local.get("/api/").json(), json!({"hello": "world"}));
    assert_eq!(local.get("/api/users/3").json(), json!({"id": 3}));
    let report = |n: usize| {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let reports: Vec<String> = local
                .output()
                .into_iter()
                .filter(|l| l.starts_with("REPORT RequestId: "))
                .collect();
            if reports.len() >= n {
                return reports;
            }
            assert!(Instant::now() < deadline, "{:#?}", local.output());
            std::thread::sleep(Duration::from_millis(20));
        }
    };
    let reports = report(2);
    let out = local.output();
    let starts: Vec<&String> = out
        .iter()
        .filter(|l| l.starts_with("START RequestId: "))
        .collect();
    let ends: Vec<&String> = out
        .iter()
        .filter(|l| l.starts_with("END RequestId: "))
        .collect();
    assert_eq!((starts.len(), ends.len()), (2, 2), "{out:#?}");
    let id = starts[0]
        .strip_prefix("START RequestId: ")
        .unwrap()
        .strip_suffix(" Version: $LATEST")
        .unwrap();
    assert_eq!(id.len(), 36);
    assert_eq!(ends[0], &format!("END RequestId: {id}"));
    let fields: Vec<&str> = reports[0].trim_end().split('\t').collect();
    assert_eq!(fields[0], format!("REPORT RequestId: {id}"));
    assert!(
        fields[1].starts_with("Duration: ") && fields[1].ends_with(" ms"),
        "{fields:?}"
    );
    assert!(fields[2].starts_with("Billed Duration: "), "{fields:?}");
    assert_eq!(fields[3], "Memory Size: 128 MB");
    let used: u64 = fields[4]
        .strip_prefix("Max Memory Used: ")
        .and_then(|v| v.strip_suffix(" MB"))
        .unwrap()
        .parse()
        .unwrap();
    assert!(used > 0, "{fields:?}");
    // Only the cold start reports an init.
    assert!(fields[5].starts_with("Init Duration: "), "{fields:?}");
    assert!(!reports[1].contains("Init Duration"), "{}", reports[1]);
}

/// The lines the function printed during its invocation (between START and
/// END), once its REPORT is out, and the invocation's request id.
fn invocation_lines(local: &Local) -> (String, Vec<String>) {
    local.wait_for_line(|l| l.starts_with("REPORT RequestId: "));
    let out = local.output();
    let start = out
        .iter()
        .position(|l| l.starts_with("START RequestId: "))
        .expect("a START line");
    let id = out[start]
        .strip_prefix("START RequestId: ")
        .and_then(|rest| rest.split(' ').next())
        .unwrap()
        .to_owned();
    let end = out
        .iter()
        .position(|l| *l == format!("END RequestId: {id}"))
        .expect("its END line");
    assert!(
        out.iter()
            .any(|l| l.starts_with(&format!("REPORT RequestId: {id}\t"))),
        "{out:#?}"
    );
    (id, out[start + 1..end].to_vec())
}

#[test]
fn handler_logs_follow_the_functions_log_format_and_level() {
    // JSON at WARN, from the project's configuration, as deployed.
    let project = Scratch::new();
    std::fs::write(
        project.0.join("Cargo.toml"),
        "[package]\nname = \"showcase\"\nversion = \"0.1.0\"\n\n\
         [package.metadata.goblet]\nlog_format = \"json\"\nlog_level = \"warn\"\n",
    )
    .unwrap();
    let local = Local::showcase(&["--project", project.0.to_str().unwrap()]);
    assert_eq!(local.get("/api/log").text(), "logged");
    let (id, lines) = invocation_lines(&local);
    let lines: Vec<Value> = lines
        .iter()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}")))
        .collect();
    let levels: Vec<&str> = lines.iter().map(|l| l["level"].as_str().unwrap()).collect();
    assert_eq!(levels, ["WARN", "ERROR"], "{lines:#?}");
    for line in &lines {
        assert_eq!(line["requestId"], id.as_str(), "{line}");
        // The handler's span is at INFO: filtered out like the lines, so
        // its field is not there.
        assert!(line.get("order_id").is_none(), "{line}");
        assert!(
            line["timestamp"].as_str().is_some_and(|t| t.ends_with('Z')),
            "{line}"
        );
    }
    assert_eq!(lines[0]["message"], "warn line");

    // The default: text, at INFO, each line carrying the id too.
    let local = Local::showcase(&[]);
    assert_eq!(local.get("/api/log").text(), "logged");
    let (id, lines) = invocation_lines(&local);
    let columns: Vec<Vec<&str>> = lines.iter().map(|l| l.split('\t').collect()).collect();
    let levels: Vec<&str> = columns.iter().map(|c| c[2]).collect();
    assert_eq!(levels, ["INFO", "WARN", "ERROR"], "{lines:#?}");
    for c in &columns {
        assert_eq!(c.len(), 4, "{c:?}");
        assert_eq!(c[1], id, "{c:?}");
    }
    assert_eq!(columns[0][3], "info line order_id=42 items=3");
}

/// The README's first command, run as written (plus `--port 0`), and the seed
/// story it promises: unsigned → 403, `goblet curl` → hello world, from a
/// clean `HOME` with no AWS variables (goblet's local development identity).
#[test]
fn readme_quickstart() {
    const MAIN_JOB: &str =
        "cargo run --release -p goblet-cli -- local --project examples/helloworld";
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let first_command = readme
        .lines()
        .skip_while(|l| *l != "```sh")
        .find(|l| !l.starts_with('#') && *l != "```sh")
        .unwrap();
    assert_eq!(first_command, MAIN_JOB, "README.md's main job changed");

    let home = Scratch::new();
    let real_home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_default();
    let with_toolchain = |command: &mut Command| {
        // HOME is a scratch folder; cargo and rustup must still find their own.
        for (var, default) in [("CARGO_HOME", ".cargo"), ("RUSTUP_HOME", ".rustup")] {
            let value = std::env::var_os(var)
                .map(PathBuf::from)
                .unwrap_or_else(|| real_home.join(default));
            command.env(var, value);
        }
        if let Some(target) = std::env::var_os("CARGO_TARGET_DIR") {
            command.env("CARGO_TARGET_DIR", target);
        }
        // A new user's machine: no AWS variables, no ~/.aws.
        command.current_dir(root());
    };
    let args: Vec<&str> = MAIN_JOB
        .split(' ')
        .skip_while(|a| *a != "--")
        .skip(1)
        .collect();
    let mut command = clean_command(&bins().goblet, &home.0);
    with_toolchain(&mut command);
    let mut child = command
        .args(&args)
        .args(["--port", "0"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = BufReader::new(child.stdout.take().unwrap());
    let mut url = None;
    for line in stdout.lines().map_while(Result::ok) {
        if let Some(u) = line.strip_prefix("Invoke URL: ") {
            url = Some(u.to_owned());
            break;
        }
    }
    let Some(url) = url else {
        let _ = child.kill();
        panic!("goblet local --project printed no invoke URL");
    };
    let authority = url
        .strip_prefix("http://")
        .unwrap()
        .split('/')
        .next()
        .unwrap();
    let unsigned = http(authority, "GET", "/api/", &[], b"");
    let mut curl = clean_command(&bins().goblet, &home.0);
    with_toolchain(&mut curl);
    let signed = curl.args(["curl", &url]).output().unwrap();
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(unsigned.status, 403);
    assert_eq!(String::from_utf8_lossy(&unsigned.body), MISSING_TOKEN);
    assert!(signed.status.success(), "{signed:?}");
    let body: Value = serde_json::from_slice(&signed.stdout).unwrap();
    assert_eq!(body, json!({"hello": "world"}));
}

// ---------------------------------------------------------------------------
// API Gateway's and Lambda's limits, connection hygiene, the access log
// ---------------------------------------------------------------------------

/// `goblet local`'s open-connection bound (`limits::MAX_CONNECTIONS`).
const MAX_CONNECTIONS: usize = 512;

/// Whether the server has closed `stream` (EOF or reset), without waiting.
fn closed_by_server(stream: &TcpStream) -> bool {
    stream.set_nonblocking(true).unwrap();
    let mut byte = [0u8; 1];
    let closed = match (&*stream).read(&mut byte) {
        Ok(0) => true,
        Ok(_) => false,
        Err(e) => e.kind() != std::io::ErrorKind::WouldBlock,
    };
    stream.set_nonblocking(false).unwrap();
    closed
}

/// Waits (at most `within`) for the server to close `stream`.
fn wait_closed(stream: &TcpStream, within: Duration) -> bool {
    stream.set_read_timeout(Some(within)).unwrap();
    let mut buf = [0u8; 4096];
    loop {
        match (&*stream).read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => continue,
            Err(e) => {
                return !matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                );
            }
        }
    }
}

/// Reads one response with a `Content-Length` off a kept-alive connection.
fn read_one_response(stream: &TcpStream) -> Vec<u8> {
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut raw = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = (&*stream).read(&mut buf).unwrap();
        assert!(n > 0, "closed mid-response: {raw:?}");
        raw.extend_from_slice(&buf[..n]);
        if let Some(end) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&raw[..end]).to_ascii_lowercase();
            let length: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .map_or(0, |v| v.trim().parse().unwrap());
            if raw.len() >= end + 4 + length {
                return raw;
            }
        }
    }
}

/// Silent, slow and idle connections are closed after the head timeout, and
/// no more than `MAX_CONNECTIONS` are open at once: a request past the bound
/// waits for a free one and is then served.
#[test]
fn idle_and_slow_connections_are_bounded_and_closed() {
    let local = Local::showcase(&["--concurrency", "1"]);
    let authority = local.authority().to_owned();
    // Kept alive, then idle.
    let idle = TcpStream::connect(&authority).unwrap();
    (&idle)
        .write_all(format!("GET /api/users/1 HTTP/1.1\r\nHost: {authority}\r\n\r\n").as_bytes())
        .unwrap();
    let first = read_one_response(&idle);
    assert!(first.starts_with(b"HTTP/1.1 200"), "{first:?}");
    // Slowloris: a head that never ends, one byte a second.
    let slow = TcpStream::connect(&authority).unwrap();
    let trickle = {
        let mut slow = slow.try_clone().unwrap();
        std::thread::spawn(move || {
            let started = Instant::now();
            let _ = slow.write_all(b"GET /api/users/1 HTTP/1.1\r\nX-Slow: ");
            while started.elapsed() < Duration::from_secs(40) {
                if slow.write_all(b"a").is_err() {
                    return true;
                }
                std::thread::sleep(Duration::from_millis(1000));
            }
            false
        })
    };
    // Silent connections, past the bound.
    let silent: Vec<TcpStream> = (0..MAX_CONNECTIONS + 8)
        .map(|_| TcpStream::connect(&authority).unwrap())
        .collect();
    // Past the bound, a request waits for a free connection; it is served
    // once the head timeout has closed the silent ones accepted first.
    let r = local.get("/api/users/2");
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(
        closed_by_server(&silent[0]),
        "served while the first silent connection was still open: no bound"
    );
    for (n, stream) in silent.iter().enumerate() {
        assert!(
            wait_closed(stream, Duration::from_secs(30)),
            "silent connection {n} still open"
        );
    }
    assert!(
        wait_closed(&idle, Duration::from_secs(30)),
        "idle connection still open"
    );
    assert!(trickle.join().unwrap(), "the slow head was never cut off");
    drop(slow);
    // And the server goes on serving.
    assert_eq!(local.get("/api/users/3").json(), json!({"id": 3}));
}

/// One request's head, sent without its body; the answer read back.
fn head_only(authority: &str, head: &str) -> Reply {
    let stream = TcpStream::connect(authority).unwrap();
    (&stream).write_all(head.as_bytes()).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut raw = Vec::new();
    let mut buf = [0u8; 4096];
    // The answer comes before any body, then the connection closes.
    loop {
        match (&stream).read(&mut buf) {
            Ok(0) => break,
            Ok(n) => raw.extend_from_slice(&buf[..n]),
            Err(e) => panic!("no answer before the body ({e}): {raw:?}"),
        }
    }
    parse_reply(&raw)
}

/// An unsigned request to an `AWS_IAM` route, and a declared body over API
/// Gateway's 10 MB, are refused from the head: no body is waited for.
#[test]
fn what_the_head_decides_is_decided_before_the_body() {
    let local = Local::helloworld(&[]);
    let authority = local.authority().to_owned();
    let r = head_only(
        &authority,
        &format!("GET /api/ HTTP/1.1\r\nHost: {authority}\r\nContent-Length: 5000000\r\n\r\n"),
    );
    r.assert_gateway_error(
        403,
        "Missing Authentication Token",
        Some("MissingAuthenticationTokenException"),
    );
    let r = head_only(
        &authority,
        &format!(
            "POST /api/ HTTP/1.1\r\nHost: {authority}\r\nAuthorization: AWS4-HMAC-SHA256 x\r\n\
             Content-Length: 10485761\r\n\r\n"
        ),
    );
    assert_eq!(r.status, 413, "{}", r.text());
    assert_eq!(r.text(), "HTTP content length exceeded 10485760 bytes.");
}

/// Lambda's 6 MB: an event over it never reaches the function (413, as API
/// Gateway answers), a response over it is API Gateway's 502.
#[test]
fn lambdas_payload_limits() {
    let local = Local::start(&bins().raw_proxy_function, &["--concurrency", "1"]);
    // 7 MiB: under API Gateway's 10 MB, over Lambda's 6 MB once in the event.
    let body = vec![b'a'; 7 * 1024 * 1024];
    let r = local.request("POST", "/api/upload", &[], &body);
    r.assert_gateway_error(413, "Request Too Long", Some("BadRequestException"));
    let id = r.header("x-amzn-RequestId").unwrap().to_owned();
    local.wait_for_line(|l| l.contains(&id) && l.contains("\"POST /api/upload HTTP/1.1\" 413"));
    assert!(
        !local.output().iter().any(|l| l.starts_with("START ")),
        "the function got the event: {:#?}",
        local.output()
    );
    local
        .get("/api/big-response")
        .assert_gateway_error(502, "Internal server error", None);
    let r = local.get("/api/fine");
    assert_eq!((r.status, r.text().as_str()), (200, "fine"));
}

/// API Gateway's quotas on the head: headers, URL, and an `AWS_IAM`
/// method's ARN; many small headers within the quota pass.
#[test]
fn api_gateways_request_quotas() {
    let local = Local::start(&bins().raw_proxy_function, &[]);
    let big = "a".repeat(20_000);
    let r = local.request("GET", "/api/fine", &[("X-Big", &big)], b"");
    assert_eq!(r.status, 431, "{}", r.text());
    assert_eq!(r.text(), "HTTP header is larger than 10240 bytes.");

    let long_url = format!("/api/fine?q={}", "b".repeat(10_300));
    let r = local.get(&long_url);
    assert_eq!(r.status, 414, "{}", r.text());
    assert_eq!(r.text(), "HTTP URI is larger than 10240 bytes.");

    let names: Vec<String> = (0..300).map(|n| format!("X-Small-{n}")).collect();
    let small: Vec<(&str, &str)> = names.iter().map(|n| (n.as_str(), "v")).collect();
    let r = local.request("GET", "/api/fine", &small, b"");
    assert_eq!((r.status, r.text().as_str()), (200, "fine"));

    // A URL within its quota whose method ARN is over 1,600 bytes.
    let arn_path = format!("/api/iam/{}", "c".repeat(1_600));
    let signed = [("Authorization", "AWS4-HMAC-SHA256 Credential=x")];
    let r = local.request("GET", &arn_path, &signed, b"");
    r.assert_gateway_error(414, "Request-URI Too Long", None);
    // Under it, the signature is checked as usual.
    let r = local.request("GET", "/api/iam/short", &signed, b"");
    assert_eq!(r.status, 403, "{}", r.text());
}

/// Every request gets a line in API Gateway's Common Log Format, with its
/// request id and the time it took, after the invocation's REPORT.
#[test]
fn every_request_is_logged() {
    let local = Local::showcase(&["--concurrency", "1"]);
    let r = local.get("/api/users/1?secret=s3cr3t");
    assert_eq!(r.status, 200);
    let id = r.header("x-amzn-RequestId").unwrap().to_owned();
    let line = local.wait_for_line(|l| l.contains(&id));
    let (client, rest) = line.split_once(" - - [").unwrap();
    assert_eq!(client, "127.0.0.1");
    let (_, rest) = rest.split_once("] ").unwrap();
    let len = r.body.len();
    let expected = format!("\"GET /api/users/1 HTTP/1.1\" 200 {len} {id} ");
    assert!(rest.starts_with(&expected), "{line}");
    assert!(rest.ends_with(" ms"), "{line}");
    assert!(!line.contains("s3cr3t"), "{line}");
    let out = local.output();
    let report = out.iter().position(|l| l.starts_with("REPORT ")).unwrap();
    let logged = out.iter().position(|l| *l == line).unwrap();
    assert!(report < logged, "{out:#?}");
    // The gateway's own answers too.
    let r = local.get("/api/nowhere");
    let id = r.header("x-amzn-RequestId").unwrap().to_owned();
    let line = local.wait_for_line(|l| l.contains(&id));
    assert!(
        line.contains("\"GET /api/nowhere HTTP/1.1\" 403 "),
        "{line}"
    );
}

/// raw-proxy-function copied into a folder of its own, with an Init phase of
/// `ms` milliseconds (see its `init-sleep-ms`).
fn slow_init_function(home: &Scratch, ms: u64) -> PathBuf {
    let dir = home.0.join("task");
    std::fs::create_dir_all(&dir).unwrap();
    let binary = dir.join("bootstrap");
    std::fs::copy(&bins().raw_proxy_function, &binary).unwrap();
    std::fs::write(dir.join("init-sleep-ms"), ms.to_string()).unwrap();
    binary
}

/// Lambda's Init phase has its own 10 s limit: a cold start is not counted
/// in the function's timeout.
#[test]
fn a_cold_start_is_not_counted_in_the_function_timeout() {
    let home = Scratch::new();
    let binary = slow_init_function(&home, 2_500);
    let local = Local::start_in(home, &binary, &["--timeout", "1"]);
    let r = local.get("/api/fine");
    assert_eq!((r.status, r.text().as_str()), (200, "fine"));
    let report = local.wait_for_line(|l| l.starts_with("REPORT "));
    let init: f64 = report
        .split('\t')
        .find_map(|f| f.strip_prefix("Init Duration: "))
        .and_then(|v| v.strip_suffix(" ms"))
        .unwrap()
        .parse()
        .unwrap();
    assert!(init >= 2_500.0, "{report}");
}

/// An Init past 10 s is logged as timed out and started again within the
/// first invocation, which the function's timeout then covers.
#[test]
fn an_init_past_ten_seconds_is_retried_within_the_invocation() {
    let home = Scratch::new();
    let binary = slow_init_function(&home, 10_200);
    let local = Local::start_in(home, &binary, &["--timeout", "25"]);
    let r = local.get("/api/fine");
    assert_eq!((r.status, r.text().as_str()), (200, "fine"));
    // goblet local's output is read by another thread: wait for the line.
    local.wait_for_line(|l| l.starts_with("START "));
    let out = local.output();
    let init = out
        .iter()
        .position(|l| l == "INIT_REPORT Init Duration: 10000.00 ms\tPhase: init\tStatus: timeout");
    let start = out.iter().position(|l| l.starts_with("START "));
    assert!(init.is_some() && init < start, "{out:#?}");
}
