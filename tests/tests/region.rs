//! `goblet local`, `goblet curl` and `goblet deploy` find the region the same
//! way: with `region = …` in the profile of a real `HOME` and no
//! `AWS_REGION`, all three use the profile's region (they share one
//! `aws-config` loader).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use goblet_tests::aws_proxy::Proxy;
use goblet_tests::build::{release, scratch_dir};
use goblet_tests::moto::Moto;

const REGION: &str = "eu-west-1";

/// A `HOME` whose default profile names [`REGION`] and has static keys.
fn home() -> PathBuf {
    let home = scratch_dir("region").join("home");
    let aws = home.join(".aws");
    std::fs::create_dir_all(&aws).expect("create ~/.aws");
    std::fs::write(
        aws.join("config"),
        format!("[default]\nregion = {REGION}\n"),
    )
    .expect("write ~/.aws/config");
    std::fs::write(
        aws.join("credentials"),
        "[default]\naws_access_key_id = AKIDREGIONTEST\naws_secret_access_key = region-secret\n",
    )
    .expect("write ~/.aws/credentials");
    home
}

/// `goblet` with nothing of the caller's environment: only `PATH` and `HOME`.
fn goblet(home: &Path) -> Command {
    let mut command = Command::new(&release().goblet);
    command
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .stdin(Stdio::null());
    command
}

#[test]
fn local_serves_the_function_in_the_profiles_region() {
    let home = home();
    let mut child = goblet(&home)
        .arg("local")
        .arg("--binary")
        .arg(&release().raw_proxy_function)
        .args(["--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start goblet local");
    let lines = Arc::new(Mutex::new(Vec::<String>::new()));
    for pipe in [
        Box::new(child.stdout.take().expect("stdout")) as Box<dyn Read + Send>,
        Box::new(child.stderr.take().expect("stderr")),
    ] {
        let lines = lines.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                lines.lock().expect("lines").push(line);
            }
        });
    }
    let deadline = Instant::now() + Duration::from_secs(20);
    let url = loop {
        let found = lines
            .lock()
            .expect("lines")
            .iter()
            .find_map(|l| l.strip_prefix("Invoke URL: ").map(str::to_owned));
        if let Some(url) = found {
            break url;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("goblet local exited ({status}): {:#?}", lines.lock());
        }
        assert!(
            Instant::now() < deadline,
            "no invoke URL: {:#?}",
            lines.lock()
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    let authority = url
        .strip_prefix("http://")
        .and_then(|rest| rest.split('/').next())
        .expect("an http URL")
        .to_owned();
    let answer = get(&authority, "/api/region");
    let _ = child.kill();
    let _ = child.wait();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(
        answer.ends_with(&format!("\r\n\r\n{REGION}")),
        "the function should be told AWS_REGION={REGION}: {answer}"
    );
}

#[test]
fn curl_signs_for_the_profiles_region() {
    let home = home();
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("address").port();
    let server = std::thread::spawn(move || {
        let (stream, _) = listener.accept().expect("goblet curl connects");
        let mut reader = BufReader::new(stream.try_clone().expect("clone"));
        let mut authorization = None;
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).expect("read the request") == 0 {
                break;
            }
            if line == "\r\n" {
                break;
            }
            if let Some((name, value)) = line.split_once(':')
                && name.eq_ignore_ascii_case("authorization")
            {
                authorization = Some(value.trim().to_owned());
            }
        }
        let mut stream = stream;
        stream
            .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
            .expect("answer");
        authorization
    });
    let output = goblet(&home)
        .arg("curl")
        .arg(format!("http://127.0.0.1:{port}/api/"))
        .output()
        .expect("run goblet curl");
    assert!(output.status.success(), "{output:?}");
    let authorization = server
        .join()
        .expect("the server thread")
        .expect("an Authorization header");
    assert!(
        authorization.contains(&format!("/{REGION}/execute-api/aws4_request")),
        "{authorization}"
    );
}

#[test]
fn deploy_calls_aws_in_the_profiles_region() {
    let home = home();
    let moto = Moto::start();
    let proxy = Proxy::start(moto.port);
    let project = scratch_dir("region").join("project");
    let _ = std::fs::remove_dir_all(&project);
    std::fs::create_dir_all(&project).expect("create the project");
    std::fs::write(
        project.join("Cargo.toml"),
        "[package]\nname = \"helloworld\"\nversion = \"0.1.0\"\nedition = \"2024\"\n",
    )
    .expect("write Cargo.toml");
    let output = goblet(&home)
        .env("AWS_ENDPOINT_URL", proxy.endpoint())
        .arg("deploy")
        .arg("--dry-run")
        .arg("--binary")
        .arg(&release().helloworld)
        .arg("--project")
        .arg(&project)
        .output()
        .expect("run goblet deploy");
    assert!(output.status.success(), "{output:?}");
    let calls = proxy.calls();
    // IAM is a global service: its calls are signed for the partition's
    // home region whatever the configuration says. Every other call is
    // regional.
    let regional: Vec<_> = calls
        .iter()
        .filter_map(|c| c.signed_for.as_ref())
        .filter(|(_, service)| service != "iam")
        .collect();
    assert!(!regional.is_empty(), "no regional call: {calls:#?}");
    assert!(
        regional.iter().all(|(region, _)| region == REGION),
        "{calls:#?}"
    );
}

/// One HTTP/1.1 GET; returns the whole response as text.
fn get(authority: &str, target: &str) -> String {
    let mut stream = TcpStream::connect(authority).expect("connect to goblet local");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    write!(
        stream,
        "GET {target} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n\r\n"
    )
    .expect("send");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read");
    response
}
