//! A worker's stdout and stderr, forwarded line by line, as Lambda forwards
//! them to CloudWatch Logs.

use std::fmt;
use std::sync::Arc;

use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};

/// Lambda cuts log lines at 256 KiB; longer ones arrive in pieces.
pub(crate) const MAX_LINE: usize = 256 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogStream {
    Stdout,
    Stderr,
}

/// One line a worker printed, without its line ending.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    /// [`Worker::id`](super::Worker::id) of the process that printed it.
    pub worker: u64,
    pub stream: LogStream,
    /// The line, invalid UTF-8 replaced.
    pub text: String,
}

impl fmt::Display for LogLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Where a worker's lines go. Called from a background task, one line at a time.
pub type LogSink = Arc<dyn Fn(LogLine) + Send + Sync>;

/// Reads `pipe` to its end, passing each line to `emit`.
pub(crate) async fn forward_lines(pipe: impl AsyncRead + Unpin, mut emit: impl FnMut(String)) {
    let mut reader = BufReader::new(pipe);
    let mut line = Vec::new();
    loop {
        let chunk = match reader.fill_buf().await {
            Ok([]) | Err(_) => break,
            Ok(chunk) => chunk,
        };
        let room = MAX_LINE - line.len();
        let (taken, complete) = match chunk.iter().take(room).position(|&b| b == b'\n') {
            Some(i) => (i + 1, true),
            None => (chunk.len().min(room), line.len() + chunk.len() >= MAX_LINE),
        };
        line.extend_from_slice(&chunk[..taken]);
        reader.consume(taken);
        if complete {
            emit(finish(&mut line));
        }
    }
    if !line.is_empty() {
        emit(finish(&mut line));
    }
}

fn finish(line: &mut Vec<u8>) -> String {
    if line.last() == Some(&b'\n') {
        line.pop();
        if line.last() == Some(&b'\r') {
            line.pop();
        }
    }
    let text = String::from_utf8_lossy(line).into_owned();
    line.clear();
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn lines(input: &[u8]) -> Vec<String> {
        let mut out = Vec::new();
        forward_lines(input, |l| out.push(l)).await;
        out
    }

    #[tokio::test]
    async fn splits_lines() {
        assert_eq!(
            lines(b"one\ntwo\r\n\nlast").await,
            ["one", "two", "", "last"]
        );
        assert_eq!(lines(b"").await, Vec::<String>::new());
        assert_eq!(lines(b"bad \xff byte\n").await, ["bad \u{fffd} byte"]);
    }

    #[tokio::test]
    async fn cuts_very_long_lines() {
        let mut input = vec![b'x'; MAX_LINE + 10];
        input.push(b'\n');
        let out = lines(&input).await;
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].len(), MAX_LINE);
        assert_eq!(out[1].len(), 10);
    }
}
