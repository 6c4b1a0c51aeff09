//! The runtime's `tracing` subscriber: lines in the shape Lambda's own
//! runtimes write for the function's logging configuration, each carrying
//! the request id of the invocation being served.
//!
//! Lambda tells the runtime the configuration in two variables
//! (`goblet_core::logging`): `AWS_LAMBDA_LOG_FORMAT` (`Text` or `JSON`) and,
//! with JSON, `AWS_LAMBDA_LOG_LEVEL` (`TRACE` … `FATAL`). Without a level
//! `RUST_LOG` is read as one level (`debug`), else `INFO`.
//!
//! - Text, as the Node.js runtime writes it: `timestamp TAB requestId TAB
//!   LEVEL TAB message`, then the span and event fields as `name=value`.
//!   Newlines in a line become `\r`, so a multi-line message stays one
//!   CloudWatch event, as in Lambda's runtimes.
//! - JSON, as the managed runtimes write it under the JSON log format: one
//!   object a line, `timestamp` (RFC 3339, UTC, milliseconds), `level`,
//!   `requestId` (absent outside an invocation, during init), `message`,
//!   then the fields of the spans (outermost first) and of the event as
//!   keys of their own: later keys are the more specific ones. A field named
//!   like one of the four is left out: Lambda filters lines by `level`.
//!
//! The app's spans are the line's context; `lambda_runtime`'s own span
//! around each invocation is not (its request id is on the line already).
//!
//! tracing-subscriber formats each line into a reused buffer and writes it
//! to stdout in one call; a level the filter refuses costs the callsite a
//! comparison (the filter is a plain level, `tracing`'s fast path).

use std::env;
use std::fmt::{self, Write as _};
use std::io;

use goblet_core::logging::{FORMAT_VARIABLE, LEVEL_VARIABLE, LogFormat, LogLevel};
use tracing::field::{Field, Visit};
use tracing::level_filters::LevelFilter;
use tracing::{Dispatch, Event, Subscriber};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields, FormattedFields, MakeWriter};
use tracing_subscriber::registry::LookupSpan;

use crate::invocation;

/// The subscriber goblet installs, configured from the environment Lambda
/// gives the function, writing to stdout.
pub(crate) fn from_env() -> Dispatch {
    dispatch(
        Settings::from_lookup(|name| env::var(name).ok()),
        io::stdout,
    )
}

/// Makes `dispatch` the global default, unless the app has set one of its
/// own: an app's subscriber is never replaced.
pub(crate) fn install(dispatch: Dispatch) {
    // Fails only when a global default exists: the app's, which stays.
    // (`has_been_set` cannot tell: a scoped default, as the app's `main`
    // runs under, counts for it too.)
    let _ = tracing::dispatcher::set_global_default(dispatch);
}

/// The format and the most detailed level written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Settings {
    format: LogFormat,
    max_level: LevelFilter,
}

impl Settings {
    /// From the variables `var` gives: Lambda's two, then `RUST_LOG` for the
    /// level. Anything unreadable falls back (text, `INFO`): logging
    /// never keeps a function from starting.
    fn from_lookup(var: impl Fn(&str) -> Option<String>) -> Settings {
        let format = var(FORMAT_VARIABLE)
            .as_deref()
            .and_then(LogFormat::parse)
            .unwrap_or_default();
        let max_level = match var(LEVEL_VARIABLE).as_deref().and_then(LogLevel::parse) {
            Some(level) => level_filter(level),
            None => var("RUST_LOG")
                .and_then(|v| v.trim().parse::<LevelFilter>().ok())
                .unwrap_or(LevelFilter::INFO),
        };
        Settings { format, max_level }
    }
}

/// Lambda's level as a `tracing` filter. `tracing` has no FATAL: at that
/// level Lambda drops every line `tracing` can write, so none is written.
fn level_filter(level: LogLevel) -> LevelFilter {
    match level {
        LogLevel::Trace => LevelFilter::TRACE,
        LogLevel::Debug => LevelFilter::DEBUG,
        LogLevel::Info => LevelFilter::INFO,
        LogLevel::Warn => LevelFilter::WARN,
        LogLevel::Error => LevelFilter::ERROR,
        LogLevel::Fatal => LevelFilter::OFF,
    }
}

fn dispatch<W>(settings: Settings, writer: W) -> Dispatch
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let builder = tracing_subscriber::fmt()
        .with_max_level(settings.max_level)
        .with_ansi(false)
        .with_writer(writer);
    match settings.format {
        LogFormat::Text => Dispatch::new(
            builder
                .fmt_fields(Fields(Shape::Text))
                .event_format(Line(Shape::Text))
                .finish(),
        ),
        LogFormat::Json => Dispatch::new(
            builder
                .fmt_fields(Fields(Shape::Json))
                .event_format(Line(Shape::Json))
                .finish(),
        ),
    }
}

/// The two line shapes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    Text,
    Json,
}

/// The crate whose spans are not the app's context ([`Line`]).
const LAMBDA_RUNTIME: &str = "lambda_runtime";

/// The keys every JSON line has: fields of these names are not repeated.
const RESERVED: [&str; 4] = ["timestamp", "level", "requestId", "message"];

/// Formats one event as a whole line.
struct Line(Shape);

impl<S, N> FormatEvent<S, N> for Line
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let shape = self.0;
        let level = event.metadata().level().as_str();
        let now = time::OffsetDateTime::now_utc();
        let timestamp = format_args!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
            now.year(),
            u8::from(now.month()),
            now.day(),
            now.hour(),
            now.minute(),
            now.second(),
            now.millisecond()
        );
        invocation::with_request_id(|request_id| match shape {
            Shape::Text => write!(
                writer,
                "{timestamp}\t{}\t{level}\t",
                request_id.unwrap_or_default()
            ),
            Shape::Json => {
                write!(
                    writer,
                    "{{\"timestamp\":\"{timestamp}\",\"level\":\"{level}\""
                )?;
                if let Some(id) = request_id {
                    writer.write_str(",\"requestId\":")?;
                    json_string(&mut writer, id)?;
                }
                Ok(())
            }
        })?;
        // The message first (it has a key, or a column, of its own) …
        let mut message = FieldWriter::new(&mut writer, shape, Pick::Message);
        event.record(&mut message);
        message.result?;
        // … then what the spans around the event carry, outermost first, …
        if let Some(scope) = ctx.event_scope() {
            for span in scope.from_root() {
                // lambda_runtime's span around each invocation carries the
                // request id (the line has it) and the X-Ray trace id, which
                // Lambda's runtimes do not repeat on every line either.
                if span.metadata().target().starts_with(LAMBDA_RUNTIME) {
                    continue;
                }
                if let Some(fields) = span.extensions().get::<FormattedFields<N>>() {
                    writer.write_str(&fields.fields)?;
                }
            }
        }
        // … then the event's own fields.
        let mut fields = FieldWriter::new(&mut writer, shape, Pick::Fields);
        event.record(&mut fields);
        fields.result?;
        match shape {
            Shape::Text => writer.write_char('\n'),
            Shape::Json => writer.write_str("}\n"),
        }
    }
}

/// Formats a span's fields, kept with the span and written into each line
/// of an event inside it: ` name=value` or `,"name":value` each, so they are
/// written as they are.
struct Fields(Shape);

impl<'writer> FormatFields<'writer> for Fields {
    fn format_fields<R: tracing_subscriber::field::RecordFields>(
        &self,
        mut writer: Writer<'writer>,
        fields: R,
    ) -> fmt::Result {
        let mut visitor = FieldWriter::new(&mut writer, self.0, Pick::Fields);
        fields.record(&mut visitor);
        visitor.result
    }

    fn add_fields(
        &self,
        current: &'writer mut FormattedFields<Self>,
        fields: &tracing::span::Record<'_>,
    ) -> fmt::Result {
        // Each field brings its own separator: append as it is.
        self.format_fields(current.as_writer(), fields)
    }
}

/// Which of an event's fields a [`FieldWriter`] writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pick {
    /// `message` alone, as the line's message.
    Message,
    /// Every other field (a reserved name is left out).
    Fields,
}

/// Writes fields in a shape, straight into the line: no field is
/// collected first.
struct FieldWriter<'a, 'w> {
    out: &'a mut Writer<'w>,
    shape: Shape,
    pick: Pick,
    result: fmt::Result,
}

impl<'a, 'w> FieldWriter<'a, 'w> {
    fn new(out: &'a mut Writer<'w>, shape: Shape, pick: Pick) -> Self {
        FieldWriter {
            out,
            shape,
            pick,
            result: Ok(()),
        }
    }

    /// Whether `field` is this writer's to write; if so, writes what comes
    /// before its value.
    fn start(&mut self, field: &Field) -> Result<bool, fmt::Error> {
        let name = field.name();
        match self.pick {
            Pick::Message if name == "message" => {
                if self.shape == Shape::Json {
                    self.out.write_str(",\"message\":")?;
                }
                Ok(true)
            }
            Pick::Message => Ok(false),
            Pick::Fields if RESERVED.contains(&name) => Ok(false),
            Pick::Fields => {
                match self.shape {
                    Shape::Text => write!(self.out, " {name}=")?,
                    Shape::Json => {
                        self.out.write_char(',')?;
                        json_string(self.out, name)?;
                        self.out.write_char(':')?;
                    }
                }
                Ok(true)
            }
        }
    }

    /// Writes `value` as text: quoted and escaped in JSON, and so in text
    /// too when it is a field's string value (`name="a b"`); as it is
    /// otherwise (the message, a `?debug` field), kept on one line.
    fn text(&mut self, value: fmt::Arguments<'_>, quoted_in_text: bool) -> fmt::Result {
        let quoted = self.shape == Shape::Json || (quoted_in_text && self.pick == Pick::Fields);
        if quoted {
            self.out.write_char('"')?;
            JsonEscaped(self.out).write_fmt(value)?;
            self.out.write_char('"')
        } else {
            OneLine(self.out).write_fmt(value)
        }
    }

    /// Writes a number or a boolean as it is (JSON's own literals).
    fn literal(&mut self, value: impl fmt::Display) -> fmt::Result {
        write!(self.out, "{value}")
    }

    fn record(&mut self, field: &Field, write: impl FnOnce(&mut Self) -> fmt::Result) {
        if self.result.is_err() {
            return;
        }
        self.result = match self.start(field) {
            Ok(true) => write(self),
            Ok(false) => Ok(()),
            Err(e) => Err(e),
        };
    }
}

impl Visit for FieldWriter<'_, '_> {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        // The message arrives here as `format_args!`, whose Debug is its text.
        self.record(field, |w| w.text(format_args!("{value:?}"), false));
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.record(field, |w| w.text(format_args!("{value}"), true));
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.record(field, |w| w.literal(value));
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.record(field, |w| w.literal(value));
    }

    fn record_i128(&mut self, field: &Field, value: i128) {
        self.record(field, |w| w.literal(value));
    }

    fn record_u128(&mut self, field: &Field, value: u128) {
        self.record(field, |w| w.literal(value));
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.record(field, |w| w.literal(value));
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        // JSON has no NaN or infinity: those are written as strings.
        if value.is_finite() {
            self.record(field, |w| w.literal(value));
        } else {
            self.record(field, |w| w.text(format_args!("{value}"), false));
        }
    }

    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        // The error and its sources, as `anyhow` shows them: "a: b: c".
        self.record(field, |w| {
            w.text(format_args!("{}", ErrorChain(value)), true)
        });
    }
}

/// An error followed by its sources, `: `-separated.
struct ErrorChain<'e>(&'e (dyn std::error::Error + 'static));

impl fmt::Display for ErrorChain<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)?;
        let mut source = self.0.source();
        while let Some(error) = source {
            write!(f, ": {error}")?;
            source = error.source();
        }
        Ok(())
    }
}

/// Writes `s` as a JSON string, quotes included.
fn json_string(out: &mut impl fmt::Write, s: &str) -> fmt::Result {
    out.write_char('"')?;
    JsonEscaped(out).write_str(s)?;
    out.write_char('"')
}

/// Escapes what it is given for the inside of a JSON string (RFC 8259:
/// the quote, the backslash and the control characters).
struct JsonEscaped<'a, W: ?Sized>(&'a mut W);

impl<W: fmt::Write + ?Sized> fmt::Write for JsonEscaped<'_, W> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let mut plain = 0;
        for (i, c) in s.char_indices() {
            let escape = match c {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                c if c < ' ' => "",
                _ => continue,
            };
            self.0.write_str(&s[plain..i])?;
            if escape.is_empty() {
                write!(self.0, "\\u{:04x}", c as u32)?;
            } else {
                self.0.write_str(escape)?;
            }
            plain = i + c.len_utf8();
        }
        self.0.write_str(&s[plain..])
    }
}

/// Keeps a text line one line: a newline becomes `\r`, as Lambda's runtimes
/// do, since Lambda makes every `\n`-ended line a log event.
struct OneLine<'a, W: ?Sized>(&'a mut W);

impl<W: fmt::Write + ?Sized> fmt::Write for OneLine<'_, W> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let mut rest = s;
        while let Some(at) = rest.find('\n') {
            self.0.write_str(&rest[..at])?;
            self.0.write_char('\r')?;
            rest = &rest[at + 1..];
        }
        self.0.write_str(rest)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    /// Lines written to memory, for the tests.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl io::Write for Captured {
        fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    impl<'w> MakeWriter<'w> for Captured {
        type Writer = Captured;
        fn make_writer(&'w self) -> Captured {
            self.clone()
        }
    }

    impl Captured {
        fn lines(&self) -> Vec<String> {
            String::from_utf8(self.0.lock().unwrap().clone())
                .unwrap()
                .lines()
                .map(str::to_owned)
                .collect()
        }
    }

    /// Environment variables, by name and value.
    type Vars<'a> = &'a [(&'a str, &'a str)];

    fn settings(vars: Vars) -> Settings {
        Settings::from_lookup(|name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        })
    }

    /// The lines `log` writes under the subscriber for `vars`; takes the
    /// request id's turn ([`invocation::serial`]).
    fn logged(vars: Vars, log: impl FnOnce()) -> Vec<String> {
        let _turn = invocation::serial();
        let settings = settings(vars);
        let captured = Captured::default();
        tracing::dispatcher::with_default(&dispatch(settings, captured.clone()), log);
        captured.lines()
    }

    fn json(line: &str) -> serde_json::Value {
        serde_json::from_str(line).unwrap_or_else(|e| panic!("{line}: {e}"))
    }

    const JSON: (&str, &str) = ("AWS_LAMBDA_LOG_FORMAT", "JSON");

    #[test]
    fn settings_follow_lambda_then_rust_log() {
        let rows: [(Vars, LogFormat, LevelFilter); 8] = [
            (&[], LogFormat::Text, LevelFilter::INFO),
            (
                &[("AWS_LAMBDA_LOG_FORMAT", "Text")],
                LogFormat::Text,
                LevelFilter::INFO,
            ),
            (
                &[JSON, ("AWS_LAMBDA_LOG_LEVEL", "DEBUG")],
                LogFormat::Json,
                LevelFilter::DEBUG,
            ),
            (
                &[("AWS_LAMBDA_LOG_FORMAT", "json")],
                LogFormat::Json,
                LevelFilter::INFO,
            ),
            (
                &[("AWS_LAMBDA_LOG_LEVEL", "fatal")],
                LogFormat::Text,
                LevelFilter::OFF,
            ),
            (
                &[("RUST_LOG", "trace")],
                LogFormat::Text,
                LevelFilter::TRACE,
            ),
            // Lambda's variable wins; a RUST_LOG of directives is not a level.
            (
                &[("AWS_LAMBDA_LOG_LEVEL", "WARN"), ("RUST_LOG", "trace")],
                LogFormat::Text,
                LevelFilter::WARN,
            ),
            (
                &[
                    ("RUST_LOG", "my_app=debug"),
                    ("AWS_LAMBDA_LOG_FORMAT", "xml"),
                ],
                LogFormat::Text,
                LevelFilter::INFO,
            ),
        ];
        for (vars, format, max_level) in rows {
            assert_eq!(settings(vars), Settings { format, max_level }, "{vars:?}");
        }
    }

    #[test]
    fn json_lines_have_lambdas_keys_and_the_events_fields() {
        let lines = logged(&[JSON], || {
            invocation::begin("8476a536-e9f4-11e8-9739-2dfe598c3fcd");
            let span = tracing::info_span!("request", user = "ada", attempt = 1);
            let _entered = span.enter();
            tracing::info!(
                items = 3,
                ratio = 0.5,
                ok = true,
                path = "/a \"b\"\n",
                level = "shadowed",
                attempt = 2,
                "took {} ms",
                7
            );
            invocation::end();
        });
        assert_eq!(lines.len(), 1, "{lines:?}");
        let line = json(&lines[0]);
        let timestamp = line["timestamp"].as_str().unwrap();
        assert!(
            time::OffsetDateTime::parse(timestamp, &time::format_description::well_known::Rfc3339)
                .is_ok()
                && timestamp.len() == "2024-01-01T00:00:00.000Z".len()
                && timestamp.ends_with('Z'),
            "{timestamp}"
        );
        assert_eq!(line["level"], "INFO");
        assert_eq!(line["requestId"], "8476a536-e9f4-11e8-9739-2dfe598c3fcd");
        assert_eq!(line["message"], "took 7 ms");
        assert_eq!(line["items"], 3);
        assert_eq!(line["ratio"], 0.5);
        assert_eq!(line["ok"], true);
        assert_eq!(line["path"], "/a \"b\"\n");
        assert_eq!(line["user"], "ada");
        // The event's own field comes after the span's: JSON readers keep the last.
        assert_eq!(line["attempt"], 2);
        assert!(lines[0].find("\"attempt\":1").unwrap() < lines[0].find("\"attempt\":2").unwrap());
        // A reserved name is Lambda's: `level` stays the event's level.
        assert!(!lines[0].contains("shadowed"), "{}", lines[0]);
    }

    #[test]
    fn text_lines_are_tab_separated_and_stay_one_line() {
        let lines = logged(&[], || {
            invocation::begin("c0ffee00-0000-4000-8000-000000000001");
            let invoke = tracing::info_span!(
                target: "lambda_runtime::layers::trace",
                "Lambda runtime invoke",
                requestId = "c0ffee00-0000-4000-8000-000000000001",
                xrayTraceId = "Root=1-5759e988-bd862e3fe1be46a994272793"
            );
            let _invoked = invoke.enter();
            let span = tracing::info_span!("request", user = "ada");
            let _entered = span.enter();
            tracing::warn!(path = "/x y", status = 404, "not\nfound");
            invocation::end();
        });
        assert_eq!(lines.len(), 1, "{lines:?}");
        let columns: Vec<&str> = lines[0].split('\t').collect();
        assert_eq!(columns.len(), 4, "{lines:?}");
        assert!(
            columns[0].ends_with('Z') && columns[0].contains('T'),
            "{}",
            columns[0]
        );
        assert_eq!(columns[1], "c0ffee00-0000-4000-8000-000000000001");
        assert_eq!(columns[2], "WARN");
        assert_eq!(
            columns[3],
            "not\rfound user=\"ada\" path=\"/x y\" status=404"
        );
    }

    #[test]
    fn outside_an_invocation_there_is_no_request_id() {
        let text = logged(&[], || tracing::info!("init"));
        assert_eq!(text[0].split('\t').nth(1), Some(""), "{text:?}");
        let line = json(&logged(&[JSON], || tracing::info!("init"))[0]);
        assert!(line.get("requestId").is_none(), "{line}");
        assert_eq!(line["message"], "init");
    }

    #[test]
    fn the_level_filters_lines_out() {
        let levels = |vars: Vars| -> Vec<String> {
            logged(vars, || {
                tracing::trace!("t");
                tracing::debug!("d");
                tracing::info!("i");
                tracing::warn!("w");
                tracing::error!("e");
            })
            .iter()
            .map(|l| json(l)["level"].as_str().unwrap().to_owned())
            .collect()
        };
        assert_eq!(levels(&[JSON]), ["INFO", "WARN", "ERROR"]);
        assert_eq!(
            levels(&[JSON, ("AWS_LAMBDA_LOG_LEVEL", "TRACE")]),
            ["TRACE", "DEBUG", "INFO", "WARN", "ERROR"]
        );
        assert_eq!(
            levels(&[JSON, ("AWS_LAMBDA_LOG_LEVEL", "ERROR")]),
            ["ERROR"]
        );
        assert!(levels(&[JSON, ("AWS_LAMBDA_LOG_LEVEL", "FATAL")]).is_empty());
    }

    #[test]
    fn errors_debug_values_and_odd_numbers_stay_valid_json() {
        #[derive(Debug)]
        struct Outer(std::io::Error);
        impl fmt::Display for Outer {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("cannot load")
            }
        }
        impl std::error::Error for Outer {
            fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
                Some(&self.0)
            }
        }
        let error = Outer(std::io::Error::other("disk \"full\""));
        let lines = logged(&[JSON], || {
            tracing::error!(
                error = &error as &dyn std::error::Error,
                nan = f64::NAN,
                list = ?vec!["a\u{1}", "b"],
                "failed"
            );
        });
        let line = json(&lines[0]);
        assert_eq!(line["error"], "cannot load: disk \"full\"");
        assert_eq!(line["nan"], "NaN");
        assert_eq!(line["list"], "[\"a\\u{1}\", \"b\"]");
    }

    #[test]
    fn an_apps_own_subscriber_is_kept() {
        // The only test that sets the process's global default.
        let apps = Captured::default();
        let goblets = Captured::default();
        tracing::dispatcher::set_global_default(dispatch(settings(&[]), apps.clone()))
            .expect("no global subscriber yet");
        install(dispatch(settings(&[JSON]), goblets.clone()));
        tracing::info!("whose line");
        assert!(goblets.lines().is_empty(), "{:?}", goblets.lines());
        let apps = apps.lines();
        assert!(
            apps.iter().any(|l| l.ends_with("\tINFO\twhose line")),
            "{apps:?}"
        );
    }

    #[test]
    fn json_escapes_control_characters() {
        let mut out = String::new();
        json_string(&mut out, "a\"\\\n\r\t\u{1b}é").unwrap();
        assert_eq!(out, "\"a\\\"\\\\\\n\\r\\t\\u001bé\"");
        assert_eq!(
            serde_json::from_str::<String>(&out).unwrap(),
            "a\"\\\n\r\t\u{1b}é"
        );
    }
}
