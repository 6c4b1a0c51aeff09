//! Lambda's logging configuration (its "advanced logging controls"), in
//! Lambda's words: the log format and the application log level.
//!
//! The runtime reads them from the variables Lambda sets
//! ([`FORMAT_VARIABLE`], [`LEVEL_VARIABLE`]), the project configuration
//! parses them from `log_format` / `log_level`, `goblet local` sets the
//! variables from them as Lambda would, and the deployer sends them as the
//! function's `LoggingConfig`: one definition, so the four agree.
//!
//! ```
//! use goblet_core::logging::{LogFormat, LogLevel, Logging};
//!
//! let logging = Logging { format: LogFormat::Json, level: None };
//! // With JSON, Lambda filters application logs at INFO unless told otherwise.
//! assert_eq!(logging.application_level(), Some(LogLevel::Info));
//! assert_eq!(
//!     logging.environment(),
//!     [("AWS_LAMBDA_LOG_FORMAT", "JSON"), ("AWS_LAMBDA_LOG_LEVEL", "INFO")]
//! );
//! ```

use std::fmt;

/// The variable in which Lambda tells the runtime the function's log format:
/// `LoggingConfig.LogFormat` as configured (`Text` or `JSON`).
pub const FORMAT_VARIABLE: &str = "AWS_LAMBDA_LOG_FORMAT";

/// The variable in which Lambda tells the runtime the function's application
/// log level (`TRACE` … `FATAL`); set only with the JSON format, the only one
/// Lambda filters by level.
pub const LEVEL_VARIABLE: &str = "AWS_LAMBDA_LOG_LEVEL";

/// `LoggingConfig.LogFormat`: how Lambda sends the function's logs to
/// CloudWatch, and how the runtime writes its lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum LogFormat {
    /// Lambda's default: plain lines.
    #[default]
    Text,
    /// One JSON object a line, which Lambda filters by its `level`.
    Json,
}

impl LogFormat {
    /// Lambda's word, as its API takes it and as it sets [`FORMAT_VARIABLE`]:
    /// `Text` or `JSON`.
    ///
    /// ```
    /// assert_eq!(goblet_core::logging::LogFormat::Json.as_str(), "JSON");
    /// ```
    pub const fn as_str(self) -> &'static str {
        match self {
            LogFormat::Text => "Text",
            LogFormat::Json => "JSON",
        }
    }

    /// `text` or `json`, in any case (Lambda writes `Text` and `JSON`; the
    /// managed runtimes compare without case too).
    ///
    /// ```
    /// use goblet_core::logging::LogFormat;
    /// assert_eq!(LogFormat::parse("json"), Some(LogFormat::Json));
    /// assert_eq!(LogFormat::parse("TEXT"), Some(LogFormat::Text));
    /// assert_eq!(LogFormat::parse("yaml"), None);
    /// ```
    pub fn parse(word: &str) -> Option<LogFormat> {
        if word.eq_ignore_ascii_case("text") {
            Some(LogFormat::Text)
        } else if word.eq_ignore_ascii_case("json") {
            Some(LogFormat::Json)
        } else {
            None
        }
    }
}

impl fmt::Display for LogFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `LoggingConfig.ApplicationLogLevel`: the least severe application log
/// line Lambda keeps, from `TRACE` (everything) to `FATAL`. Ordered from the
/// most detail to the least.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LogLevel {
    Trace,
    Debug,
    Info,
    Warn,
    Error,
    Fatal,
}

impl LogLevel {
    /// Every level, from the most detail to the least.
    pub const ALL: [LogLevel; 6] = [
        LogLevel::Trace,
        LogLevel::Debug,
        LogLevel::Info,
        LogLevel::Warn,
        LogLevel::Error,
        LogLevel::Fatal,
    ];

    /// Lambda's word: `TRACE`, `DEBUG`, `INFO`, `WARN`, `ERROR` or `FATAL`.
    ///
    /// ```
    /// assert_eq!(goblet_core::logging::LogLevel::Warn.as_str(), "WARN");
    /// ```
    pub const fn as_str(self) -> &'static str {
        match self {
            LogLevel::Trace => "TRACE",
            LogLevel::Debug => "DEBUG",
            LogLevel::Info => "INFO",
            LogLevel::Warn => "WARN",
            LogLevel::Error => "ERROR",
            LogLevel::Fatal => "FATAL",
        }
    }

    /// One of Lambda's words, in any case.
    ///
    /// ```
    /// use goblet_core::logging::LogLevel;
    /// assert_eq!(LogLevel::parse("debug"), Some(LogLevel::Debug));
    /// assert_eq!(LogLevel::parse("WARNING"), None);
    /// ```
    pub fn parse(word: &str) -> Option<LogLevel> {
        LogLevel::ALL
            .into_iter()
            .find(|level| level.as_str().eq_ignore_ascii_case(word))
    }
}

impl fmt::Display for LogLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A function's logging configuration, as goblet configures it.
///
/// `level` goes with [`LogFormat::Json`] only: Lambda filters application
/// logs by level in the JSON format alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Logging {
    pub format: LogFormat,
    /// The application log level asked for; `None`: Lambda's default.
    pub level: Option<LogLevel>,
}

impl Logging {
    /// The application log level Lambda applies: none with the text format,
    /// the configured one with JSON, else Lambda's default there, `INFO`.
    ///
    /// ```
    /// use goblet_core::logging::{LogFormat, LogLevel, Logging};
    /// assert_eq!(Logging::default().application_level(), None);
    /// let debug = Logging { format: LogFormat::Json, level: Some(LogLevel::Debug) };
    /// assert_eq!(debug.application_level(), Some(LogLevel::Debug));
    /// ```
    pub fn application_level(&self) -> Option<LogLevel> {
        match self.format {
            LogFormat::Text => None,
            LogFormat::Json => Some(self.level.unwrap_or(LogLevel::Info)),
        }
    }

    /// The variables Lambda sets for the runtime: [`FORMAT_VARIABLE`] always,
    /// [`LEVEL_VARIABLE`] with the JSON format.
    ///
    /// ```
    /// use goblet_core::logging::Logging;
    /// assert_eq!(Logging::default().environment(), [("AWS_LAMBDA_LOG_FORMAT", "Text")]);
    /// ```
    pub fn environment(&self) -> Vec<(&'static str, &'static str)> {
        let mut variables = vec![(FORMAT_VARIABLE, self.format.as_str())];
        if let Some(level) = self.application_level() {
            variables.push((LEVEL_VARIABLE, level.as_str()));
        }
        variables
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_word_parses_back_in_any_case() {
        for level in LogLevel::ALL {
            assert_eq!(LogLevel::parse(level.as_str()), Some(level));
            assert_eq!(
                LogLevel::parse(&level.as_str().to_ascii_lowercase()),
                Some(level)
            );
        }
        for format in [LogFormat::Text, LogFormat::Json] {
            assert_eq!(LogFormat::parse(format.as_str()), Some(format));
        }
        assert_eq!(LogLevel::parse(""), None);
        assert_eq!(LogFormat::parse(""), None);
    }

    #[test]
    fn levels_are_ordered_from_the_most_detail() {
        assert!(LogLevel::Trace < LogLevel::Debug);
        assert!(LogLevel::Error < LogLevel::Fatal);
        let mut sorted = LogLevel::ALL;
        sorted.sort();
        assert_eq!(sorted, LogLevel::ALL);
    }

    #[test]
    fn the_level_variable_comes_with_json_only() {
        let json = |level| Logging {
            format: LogFormat::Json,
            level,
        };
        assert_eq!(
            json(Some(LogLevel::Fatal)).environment(),
            [(FORMAT_VARIABLE, "JSON"), (LEVEL_VARIABLE, "FATAL")]
        );
        assert_eq!(json(None).application_level(), Some(LogLevel::Info));
        let text = Logging {
            format: LogFormat::Text,
            level: Some(LogLevel::Debug),
        };
        assert_eq!(text.application_level(), None);
        assert_eq!(text.environment(), [(FORMAT_VARIABLE, "Text")]);
    }
}
