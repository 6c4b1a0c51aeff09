//! A worker's stdout and stderr, forwarded line by line, as Lambda forwards
//! them to CloudWatch Logs.

use std::fmt;
use std::sync::Arc;

use goblet_core::logging::LogLevel;
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

/// Whether Lambda sends `line`, one the function printed, to CloudWatch
/// when it filters application logs at `least` (the JSON log format): by
/// the line's `"level"` if it is a JSON object with a level Lambda knows,
/// else as `INFO` ("If the "level" value field is invalid or missing,
/// Lambda will assign the log output the level INFO": Developer Guide,
/// "Log-level filtering").
pub fn passes_level(line: &str, least: LogLevel) -> bool {
    /// The one key read; the rest of the object is skipped.
    #[derive(serde::Deserialize)]
    struct Leveled<'a> {
        #[serde(borrow)]
        level: Option<std::borrow::Cow<'a, str>>,
    }
    if least == LogLevel::Trace {
        return true;
    }
    let level = line
        .trim_start()
        .starts_with('{')
        .then(|| serde_json::from_str::<Leveled>(line).ok())
        .flatten()
        .and_then(|l| l.level.as_deref().and_then(LogLevel::parse))
        .unwrap_or(LogLevel::Info);
    level >= least
}

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

    #[test]
    fn lines_pass_by_their_json_level_else_as_info() {
        let rows = [
            (r#"{"level":"DEBUG","message":"d"}"#, LogLevel::Info, false),
            (r#"{"level":"debug"}"#, LogLevel::Debug, true),
            (
                r#"{"timestamp":"t","level":"ERROR","message":"e"}"#,
                LogLevel::Warn,
                true,
            ),
            (r#"{"level":"FATAL"}"#, LogLevel::Fatal, true),
            // Not JSON, no level, an unknown one: INFO.
            ("plain text", LogLevel::Info, true),
            ("plain text", LogLevel::Warn, false),
            (r#"{"message":"no level"}"#, LogLevel::Warn, false),
            (r#"{"level":"chatty"}"#, LogLevel::Info, true),
            (r#"{"level": 3}"#, LogLevel::Info, true),
            ("{not json", LogLevel::Debug, true),
            // TRACE keeps everything.
            (r#"{"level":"TRACE"}"#, LogLevel::Trace, true),
        ];
        for (line, least, passes) in rows {
            assert_eq!(passes_level(line, least), passes, "{line} at {least}");
        }
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
