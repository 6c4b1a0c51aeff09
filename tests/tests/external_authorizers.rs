//! Authorizers given by `function_arn` end to end: the release build of
//! `examples/catalog` (routes behind the shared authorizer its Cargo.toml
//! names) under a real `goblet local`, without a stand-in for that function
//! (its routes are refused, saying why) and with `examples/passport`
//! standing in for it (`--authorizer shared=PATH`), called over loopback.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use goblet_tests::build::{self, workspace_root};
use goblet_tests::local::{Reply, Scratch, Served, clean_command};

const UNAUTHORIZED: &str = r#"{"message":"Unauthorized"}"#;
const EXPLICIT_DENY: &str =
    r#"{"Message":"User is not authorized to access this resource with an explicit deny"}"#;
const NOT_ALLOWED: &str = r#"{"Message":"User is not authorized to access this resource"}"#;

fn catalog_project() -> PathBuf {
    workspace_root().join("examples/catalog")
}

/// `goblet local` serving the catalog app, with `HOME` in `home`.
fn serve(home: &Path, extra: &[&str]) -> Served {
    let command = clean_command(&build::release().goblet, home);
    let project = catalog_project();
    let mut args = vec!["--project", project.to_str().unwrap()];
    args.extend_from_slice(extra);
    Served::launch(command, &build::release().catalog, &args)
}

fn bearer(served: &Served, method: &str, target: &str, pass: &str) -> Reply {
    let header = format!("Bearer {pass}");
    served.request(method, target, &[("Authorization", &header)], b"")
}

fn starts(served: &Served) -> usize {
    served
        .output()
        .iter()
        .filter(|l| l.starts_with("START RequestId: "))
        .count()
}

#[test]
fn an_external_authorizer_with_no_stand_in_is_refused_naming_the_reason() {
    let home = Scratch::new();
    let served = serve(&home.0, &[]);
    let banner = served.output().join("\n");
    assert!(
        banner.contains("NOT RUN HERE: goblet local cannot call arn:aws:lambda:us-east-1:123456789012:function:passport-dev")
            && banner.contains("--authorizer shared=PATH"),
        "{banner}"
    );
    for headers in [&[("Authorization", "Bearer alice-pass")][..], &[]] {
        let reply = served.request("GET", "/api/items", headers, b"");
        assert_eq!(reply.status, 500, "{}", reply.text());
        assert_eq!(
            reply.header("x-amzn-errortype"),
            Some("AuthorizerConfigurationException")
        );
        let message = reply.json()["message"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        assert!(
            message.contains("cannot run the authorizer `shared`")
                && message.contains("passport-dev is not this app's")
                && message.contains("--authorizer shared=PATH"),
            "{message}"
        );
    }
    // Never let through: the function did not run for those requests.
    assert_eq!(starts(&served), 0, "{:#?}", served.output());
    // The open route still serves.
    assert_eq!(served.get("/api/").status, 200);
    served.wait_for_line(|l| l.starts_with("REPORT RequestId: "));
    assert!(
        served.output().iter().any(
            |l| l.contains("goblet local: request ") && l.contains("cannot run the authorizer")
        ),
        "{:#?}",
        served.output()
    );
}

#[test]
fn a_goblet_binary_stands_in_for_the_external_authorizer() {
    let home = Scratch::new();
    let passport = build::release().passport.to_str().unwrap().to_owned();
    let mapping = format!("shared={passport}");
    let served = serve(&home.0, &["--authorizer", &mapping]);
    let banner = served.output().join("\n");
    assert!(
        banner.contains("shared  TOKEN on method.request.header.Authorization  (run by "),
        "{banner}"
    );

    // A missing token: 401 before any function runs, as API Gateway answers.
    served
        .request("GET", "/api/items", &[], b"")
        .assert_gateway_body(401, UNAUTHORIZED, Some("UnauthorizedException"));
    assert_eq!(starts(&served), 0);

    // Staff: the stand-in's context reaches catalog's handler.
    let alice = bearer(&served, "GET", "/api/items", "alice-pass");
    assert_eq!(alice.status, 200, "{}", alice.text());
    assert_eq!(alice.json()["caller"]["principal"], "alice");
    assert_eq!(alice.json()["caller"]["role"], "staff");
    served.wait_for_lines(2, |l| l.starts_with("REPORT RequestId: "));
    assert_eq!(starts(&served), 2, "the authorizer, then the route");
    // Cached for the authorizer's TTL (300 s): only the route runs.
    let again = bearer(&served, "DELETE", "/api/items/7", "alice-pass");
    assert_eq!(again.status, 200, "{}", again.text());
    assert_eq!(again.json()["method"], "DELETE");
    served.wait_for_lines(3, |l| l.starts_with("REPORT RequestId: "));
    assert_eq!(starts(&served), 3, "{:#?}", served.output());

    // A guest may read, and the cached policy refuses the rest.
    assert_eq!(
        bearer(&served, "GET", "/api/items/7", "bob-pass").status,
        200
    );
    bearer(&served, "DELETE", "/api/items/7", "bob-pass").assert_gateway_body(
        403,
        NOT_ALLOWED,
        Some("AccessDeniedException"),
    );
    // The stand-in's explicit deny and its Unauthorized.
    bearer(&served, "GET", "/api/items", "mallory-pass").assert_gateway_body(
        403,
        EXPLICIT_DENY,
        Some("AccessDeniedException"),
    );
    bearer(&served, "GET", "/api/items", "nobody").assert_gateway_body(
        401,
        UNAUTHORIZED,
        Some("UnauthorizedException"),
    );
    // The stand-in ran its own code: its log lines name its authorizer.
    served.wait_for_line(|l| l.contains("unauthorized authorizer=\"passes\""));
}

/// `goblet local` with `extra`, expected to refuse to start: its stderr.
fn refused_to_start(extra: &[&str]) -> String {
    let home = Scratch::new();
    let project = catalog_project();
    let mut child = clean_command(&build::release().goblet, &home.0)
        .arg("local")
        .arg("--binary")
        .arg(&build::release().catalog)
        .args(["--project", project.to_str().unwrap(), "--port", "0"])
        .args(extra)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start goblet local");
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("goblet local {extra:?} kept serving");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert!(!status.success(), "{extra:?}: {stderr}");
    stderr
}

#[test]
fn stand_ins_that_cannot_answer_are_refused_before_serving() {
    let release = build::release();
    let path = |p: &Path| p.to_str().unwrap().to_owned();
    let cases = [
        (
            format!("nope={}", path(&release.passport)),
            "the configuration has no authorizer `nope` given by function_arn (it has: shared)"
                .to_owned(),
        ),
        (
            format!("shared={}", path(&release.orders)),
            "the binary has 2 authorizers (tenants, tokens)".to_owned(),
        ),
        (
            format!("shared={}", path(&release.helloworld)),
            "the binary has no #[authorizer]".to_owned(),
        ),
        (
            "shared=/etc/hostname".to_owned(),
            "--authorizer shared=/etc/hostname: ".to_owned(),
        ),
        ("shared".to_owned(), "expected NAME=PATH".to_owned()),
    ];
    for (mapping, expected) in cases {
        let stderr = refused_to_start(&["--authorizer", &mapping]);
        assert!(stderr.contains(&expected), "{mapping}: {stderr}");
    }
    let twice = format!("shared={}", path(&release.passport));
    let stderr = refused_to_start(&["--authorizer", &twice, "--authorizer", &twice]);
    assert!(stderr.contains("is given twice"), "{stderr}");
}
