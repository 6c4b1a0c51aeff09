//! A real `goblet local` process on loopback, its output lines, and a raw
//! HTTP/1.1 client that sends requests exactly as written.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// A folder removed when dropped.
pub struct Scratch(pub PathBuf);

impl Scratch {
    pub fn new() -> Scratch {
        static N: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "goblet-local-test-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }
}

impl Default for Scratch {
    fn default() -> Self {
        Scratch::new()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A command with an empty environment: PATH, and HOME in `home`.
pub fn clean_command(program: &Path, home: &Path) -> Command {
    let mut command = Command::new(program);
    command
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home);
    command
}

/// A running `goblet local`, interrupted (Ctrl-C) when dropped.
pub struct Served {
    pub child: Child,
    /// The invoke URL it printed: `http://127.0.0.1:PORT/STAGE/`.
    pub url: String,
    pub lines: Arc<Mutex<Vec<String>>>,
}

impl Served {
    /// Starts `command` (`goblet` with its environment) as `goblet local
    /// --binary app --port 0 extra...` and waits for its invoke URL.
    pub fn launch(mut command: Command, app: &Path, extra: &[&str]) -> Served {
        let (mut child, lines) = crate::process::spawn(
            command
                .arg("local")
                .arg("--binary")
                .arg(app)
                .args(["--port", "0"])
                .args(extra),
        );
        let deadline = Instant::now() + Duration::from_secs(20);
        let url = loop {
            let found = lines
                .lock()
                .unwrap()
                .iter()
                .find_map(|l| l.strip_prefix("Invoke URL: ").map(str::to_owned));
            if let Some(url) = found {
                break url;
            }
            if let Ok(Some(status)) = child.try_wait() {
                panic!(
                    "goblet local exited ({status}): {:#?}",
                    lines.lock().unwrap()
                );
            }
            assert!(
                Instant::now() < deadline,
                "no invoke URL: {:#?}",
                lines.lock().unwrap()
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        Served { child, url, lines }
    }

    pub fn output(&self) -> Vec<String> {
        self.lines.lock().unwrap().clone()
    }

    /// `host:port`.
    pub fn authority(&self) -> &str {
        self.url
            .strip_prefix("http://")
            .and_then(|rest| rest.split('/').next())
            .unwrap()
    }

    pub fn get(&self, target: &str) -> Reply {
        self.request("GET", target, &[], b"")
    }

    pub fn request(
        &self,
        method: &str,
        target: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Reply {
        http(self.authority(), method, target, headers, body)
    }

    /// Polls the output (for 10 s at most) until `check` finds what it
    /// looks for; goblet local prints its lines from a thread of its own.
    pub fn wait_for<T>(&self, what: &str, check: impl Fn(Vec<String>) -> Option<T>) -> T {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(found) = check(self.output()) {
                return found;
            }
            assert!(
                Instant::now() < deadline,
                "{what} not found in {:#?}",
                self.output()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Waits until `n` lines matching `pred` are printed, and returns them;
    /// fails if more are.
    pub fn wait_for_lines(&self, n: usize, pred: impl Fn(&str) -> bool) -> Vec<String> {
        self.wait_for(&format!("{n} lines"), |out| {
            let found: Vec<String> = out.into_iter().filter(|l| pred(l)).collect();
            assert!(found.len() <= n, "{found:#?}");
            (found.len() == n).then_some(found)
        })
    }

    /// Waits until a line matching `pred` is printed.
    pub fn wait_for_line(&self, pred: impl Fn(&str) -> bool) -> String {
        self.wait_for("the line", |out| out.into_iter().find(|l| pred(l)))
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        crate::process::interrupt(&mut self.child);
    }
}

/// An HTTP response as read off the wire.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn all(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.text()))
    }

    /// API Gateway's own error: status, exact body, error type, request id.
    pub fn assert_gateway_error(&self, status: u16, message: &str, error_type: Option<&str>) {
        self.assert_gateway_body(
            status,
            &json!({ "message": message }).to_string(),
            error_type,
        );
    }

    /// [`Reply::assert_gateway_error`] for a body of another shape.
    pub fn assert_gateway_body(&self, status: u16, body: &str, error_type: Option<&str>) {
        assert_eq!(self.status, status, "{}", self.text());
        assert_eq!(self.text(), body);
        assert_eq!(self.header("x-amzn-ErrorType"), error_type);
        assert_eq!(self.header("x-amzn-RequestId").map(str::len), Some(36));
    }
}

/// One HTTP/1.1 request on its own connection, exactly as given.
pub fn http(
    authority: &str,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Reply {
    let mut stream = TcpStream::connect(authority).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut request =
        format!("{method} {target} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    stream.write_all(request.as_bytes()).unwrap();
    stream.write_all(body).unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    parse_reply(&raw)
}

/// A whole HTTP/1.1 response as read off the wire.
pub fn parse_reply(raw: &[u8]) -> Reply {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("no end of headers");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect();
    Reply {
        status,
        headers,
        body: raw[split + 4..].to_vec(),
    }
}
