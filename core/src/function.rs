//! Event handlers and plain functions: each one is a Lambda function of its
//! own, run from the app's binary with `Handler` set to its name, and
//! triggered by one event source (or only invoked, for `#[lambda_function]`).
//!
//! The macro and the deployer check a trigger with the same functions here,
//! so what compiles is what deploys.

use serde::{Deserialize, Serialize};

use crate::schedule::Schedule;

/// One `#[schedule]`, `#[on_sqs_message]`, ... or `#[lambda_function]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Function {
    /// The Lambda `Handler` that selects it, and its name in the
    /// configuration's `functions.<name>` table: the Rust function's name,
    /// or `name = "..."`.
    pub name: String,
    pub trigger: Trigger,
    /// `module::path::to::handler`.
    pub handler: String,
    /// `file:line` of the function's name.
    pub source: String,
}

/// What runs a function.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Trigger {
    /// An EventBridge rule on a schedule (`rate(...)` or `cron(...)`).
    Schedule { expression: String },
    /// An SQS event source mapping; `queue` is a name or an ARN.
    Sqs { queue: String, batch_size: u32 },
    /// An SNS subscription; `topic` is a name or an ARN.
    Sns { topic: String },
    /// An S3 bucket notification.
    S3 {
        bucket: String,
        events: Vec<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        prefix: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        suffix: Option<String>,
    },
    /// An EventBridge rule with an event pattern, on the default or a custom bus.
    #[serde(rename = "eventbridge")]
    EventBridge {
        /// The pattern's JSON, as written.
        pattern: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        bus: Option<String>,
    },
    /// A DynamoDB stream event source mapping.
    #[serde(rename = "dynamodb")]
    DynamoDb {
        stream: String,
        starting_position: StartingPosition,
        batch_size: u32,
    },
    /// A Kinesis stream event source mapping; `stream` is a name or an ARN.
    Kinesis {
        stream: String,
        starting_position: StartingPosition,
        batch_size: u32,
    },
    /// No trigger: invoked by name (`#[lambda_function]`).
    Invoke,
}

impl Trigger {
    /// The attribute that declares it, for messages and `goblet manifest`.
    pub fn attribute(&self) -> &'static str {
        match self {
            Trigger::Schedule { .. } => "#[schedule]",
            Trigger::Sqs { .. } => "#[on_sqs_message]",
            Trigger::Sns { .. } => "#[on_sns_message]",
            Trigger::S3 { .. } => "#[on_s3_event]",
            Trigger::EventBridge { .. } => "#[on_event]",
            Trigger::DynamoDb { .. } => "#[on_dynamodb_record]",
            Trigger::Kinesis { .. } => "#[on_kinesis_record]",
            Trigger::Invoke => "#[lambda_function]",
        }
    }

    /// Every setting checked as AWS checks it; the first problem found.
    pub fn check(&self) -> Result<(), String> {
        match self {
            Trigger::Schedule { expression } => Schedule::parse(expression)
                .map(drop)
                .map_err(|e| e.to_string()),
            Trigger::Sqs { queue, batch_size } => {
                check_queue(queue)?;
                if queue.ends_with(".fifo") {
                    check_batch_size(*batch_size, 10, "a FIFO queue")
                } else {
                    check_batch_size(*batch_size, 10_000, "an SQS queue")
                }
            }
            Trigger::Sns { topic } => check_topic(topic),
            Trigger::S3 {
                bucket,
                events,
                prefix,
                suffix,
            } => {
                check_bucket(bucket)?;
                if events.is_empty() {
                    return Err("an S3 notification needs at least one event".into());
                }
                for event in events {
                    check_s3_event(event)?;
                }
                for (what, value) in [("prefix", prefix), ("suffix", suffix)] {
                    if let Some(value) = value
                        && (value.is_empty() || value.len() > 1024)
                    {
                        return Err(format!("the {what} must be 1 to 1024 characters"));
                    }
                }
                Ok(())
            }
            Trigger::EventBridge { pattern, bus } => {
                check_event_pattern(pattern)?;
                bus.as_deref().map_or(Ok(()), check_bus)
            }
            Trigger::DynamoDb {
                stream, batch_size, ..
            } => {
                check_dynamodb_stream(stream)?;
                check_batch_size(*batch_size, 10_000, "a DynamoDB stream")
            }
            Trigger::Kinesis {
                stream, batch_size, ..
            } => {
                check_kinesis_stream(stream)?;
                check_batch_size(*batch_size, 10_000, "a Kinesis stream")
            }
            Trigger::Invoke => Ok(()),
        }
    }
}

impl Trigger {
    /// The trigger with its source named `value`, as a stage's
    /// `functions.<name>` table says with `key` (`queue`, `topic`, `bucket`,
    /// `bus` or `stream`), checked as the attribute is; an error when the
    /// trigger has no such source.
    pub fn with_source(&self, key: &str, value: &str) -> Result<Trigger, String> {
        let mut configured = self.clone();
        match (&mut configured, key) {
            (Trigger::Sqs { queue: slot, .. }, "queue")
            | (Trigger::Sns { topic: slot }, "topic")
            | (Trigger::S3 { bucket: slot, .. }, "bucket")
            | (Trigger::DynamoDb { stream: slot, .. }, "stream")
            | (Trigger::Kinesis { stream: slot, .. }, "stream") => *slot = value.to_owned(),
            (Trigger::EventBridge { bus, .. }, "bus") => *bus = Some(value.to_owned()),
            _ => {
                return Err(format!(
                    "`{key}` does not apply to a {} function",
                    self.attribute()
                ));
            }
        }
        configured.check()?;
        Ok(configured)
    }
}

/// Where a stream mapping starts reading. (`AT_TIMESTAMP`, Kinesis only,
/// needs a timestamp the attribute does not take.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum StartingPosition {
    #[serde(rename = "LATEST")]
    Latest,
    #[serde(rename = "TRIM_HORIZON")]
    TrimHorizon,
}

impl StartingPosition {
    pub fn parse(word: &str) -> Option<StartingPosition> {
        match word {
            "LATEST" => Some(StartingPosition::Latest),
            "TRIM_HORIZON" => Some(StartingPosition::TrimHorizon),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            StartingPosition::Latest => "LATEST",
            StartingPosition::TrimHorizon => "TRIM_HORIZON",
        }
    }
}

/// SQS `BatchSize` defaults: 10 for queues, 100 for streams (Lambda's
/// CreateEventSourceMapping reference).
pub const DEFAULT_SQS_BATCH_SIZE: u32 = 10;
pub const DEFAULT_STREAM_BATCH_SIZE: u32 = 100;

fn check_batch_size(size: u32, max: u32, what: &str) -> Result<(), String> {
    if (1..=max).contains(&size) {
        Ok(())
    } else {
        Err(format!(
            "batch_size {size}: {what} takes 1 to {max} records per batch"
        ))
    }
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_'
}

/// A resource given by ARN: `arn:{partition}:{service}:{region}:{account}:{rest}`,
/// its `rest` when the service matches.
fn arn_resource<'a>(arn: &'a str, service: &str) -> Option<&'a str> {
    let mut parts = arn.splitn(6, ':');
    let (Some("arn"), Some(partition), Some(s), Some(region), Some(account), Some(rest)) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return None;
    };
    let account_ok = account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit());
    (partition.starts_with("aws") && s == service && !region.is_empty() && account_ok)
        .then_some(rest)
}

/// An SQS queue name (1-80 of `[A-Za-z0-9_-]`, FIFO queues ending in
/// `.fifo`) or ARN.
pub fn check_queue(queue: &str) -> Result<(), String> {
    let name = if queue.starts_with("arn:") {
        arn_resource(queue, "sqs").ok_or_else(|| {
            format!("`{queue}` is not an SQS queue ARN (arn:aws:sqs:REGION:ACCOUNT:NAME)")
        })?
    } else {
        queue
    };
    let stem = name.strip_suffix(".fifo").unwrap_or(name);
    if name.is_empty() || name.len() > 80 || !stem.chars().all(is_name_char) {
        return Err(format!(
            "`{queue}` is not an SQS queue name: 1 to 80 letters, digits, `-` and `_` \
             (a FIFO queue's ends in `.fifo`)"
        ));
    }
    Ok(())
}

/// An SNS topic name (1-256 of `[A-Za-z0-9_-]`, FIFO topics ending in
/// `.fifo`) or ARN.
pub fn check_topic(topic: &str) -> Result<(), String> {
    let name = if topic.starts_with("arn:") {
        arn_resource(topic, "sns").ok_or_else(|| {
            format!("`{topic}` is not an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME)")
        })?
    } else {
        topic
    };
    if name.ends_with(".fifo") {
        return Err(format!(
            "`{topic}` is a FIFO topic, and SNS FIFO topics deliver to SQS queues only: \
             subscribe a FIFO queue and use #[on_sqs_message] on it"
        ));
    }
    if name.is_empty() || name.len() > 256 || !name.chars().all(is_name_char) {
        return Err(format!(
            "`{topic}` is not an SNS topic name: 1 to 256 letters, digits, `-` and `_`"
        ));
    }
    Ok(())
}

/// An S3 bucket name as S3's general purpose bucket naming rules have it.
pub fn check_bucket(bucket: &str) -> Result<(), String> {
    let bad = |why: &str| Err(format!("`{bucket}` is not an S3 bucket name: {why}"));
    if !(3..=63).contains(&bucket.len()) {
        return bad("it must be 3 to 63 characters");
    }
    if !bucket
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-')
    {
        return bad("only lowercase letters, digits, `.` and `-`");
    }
    let edge = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    if !edge(bucket.as_bytes()[0]) || !edge(bucket.as_bytes()[bucket.len() - 1]) {
        return bad("it must begin and end with a letter or digit");
    }
    if bucket.contains("..") {
        return bad("two adjacent periods");
    }
    if bucket.parse::<std::net::Ipv4Addr>().is_ok() {
        return bad("it must not look like an IP address");
    }
    if bucket.starts_with("xn--") || bucket.starts_with("sthree-") || bucket.ends_with("-s3alias") {
        return bad("the prefixes `xn--`, `sthree-` and the suffix `-s3alias` are reserved");
    }
    Ok(())
}

/// The event types an S3 notification configuration accepts (S3's
/// "Supported event types" list).
pub const S3_EVENTS: &[&str] = &[
    "s3:ObjectCreated:*",
    "s3:ObjectCreated:Put",
    "s3:ObjectCreated:Post",
    "s3:ObjectCreated:Copy",
    "s3:ObjectCreated:CompleteMultipartUpload",
    "s3:ObjectRemoved:*",
    "s3:ObjectRemoved:Delete",
    "s3:ObjectRemoved:DeleteMarkerCreated",
    "s3:ObjectRestore:*",
    "s3:ObjectRestore:Post",
    "s3:ObjectRestore:Completed",
    "s3:ObjectRestore:Delete",
    "s3:ReducedRedundancyLostObject",
    "s3:Replication:*",
    "s3:Replication:OperationFailedReplication",
    "s3:Replication:OperationMissedThreshold",
    "s3:Replication:OperationReplicatedAfterThreshold",
    "s3:Replication:OperationNotTracked",
    "s3:LifecycleExpiration:*",
    "s3:LifecycleExpiration:Delete",
    "s3:LifecycleExpiration:DeleteMarkerCreated",
    "s3:LifecycleTransition",
    "s3:IntelligentTiering",
    "s3:ObjectTagging:*",
    "s3:ObjectTagging:Put",
    "s3:ObjectTagging:Delete",
    "s3:ObjectAcl:Put",
];

pub fn check_s3_event(event: &str) -> Result<(), String> {
    if S3_EVENTS.contains(&event) {
        Ok(())
    } else {
        Err(format!(
            "`{event}` is not an S3 event type (for example `s3:ObjectCreated:*`, \
             `s3:ObjectRemoved:Delete`)"
        ))
    }
}

/// An EventBridge event pattern: a JSON object whose every field is an
/// array of values (or filters) or a nested object of such fields.
pub fn check_event_pattern(pattern: &str) -> Result<(), String> {
    let value: serde_json::Value =
        serde_json::from_str(pattern).map_err(|e| format!("the event pattern is not JSON: {e}"))?;
    let serde_json::Value::Object(fields) = &value else {
        return Err(
            "the event pattern must be a JSON object (`{\"source\": [\"shop.orders\"]}`)".into(),
        );
    };
    if fields.is_empty() {
        return Err("the event pattern is empty: it would match no event".into());
    }
    if pattern.len() > 4096 {
        return Err(format!(
            "the event pattern is {} bytes; EventBridge takes at most 4096",
            pattern.len()
        ));
    }
    check_pattern_fields(fields, "")
}

fn check_pattern_fields(
    fields: &serde_json::Map<String, serde_json::Value>,
    at: &str,
) -> Result<(), String> {
    for (key, value) in fields {
        let path = if at.is_empty() {
            key.clone()
        } else {
            format!("{at}.{key}")
        };
        match value {
            serde_json::Value::Array(values) if values.is_empty() => {
                return Err(format!(
                    "the event pattern's `{path}` is an empty array: it matches nothing"
                ));
            }
            serde_json::Value::Array(_) => {}
            serde_json::Value::Object(nested) if !nested.is_empty() => {
                check_pattern_fields(nested, &path)?
            }
            _ => {
                return Err(format!(
                    "the event pattern's `{path}` must be an array of values to match \
                     (`\"{key}\": [...]`) or an object of such fields"
                ));
            }
        }
    }
    Ok(())
}

/// An EventBridge bus name (`[/.\-_A-Za-z0-9]{1,256}`) or ARN.
pub fn check_bus(bus: &str) -> Result<(), String> {
    if bus.starts_with("arn:") {
        return arn_resource(bus, "events")
            .and_then(|rest| rest.strip_prefix("event-bus/"))
            .filter(|name| !name.is_empty())
            .map(drop)
            .ok_or_else(|| {
                format!(
                    "`{bus}` is not an event bus ARN (arn:aws:events:REGION:ACCOUNT:event-bus/NAME)"
                )
            });
    }
    if bus.is_empty()
        || bus.len() > 256
        || !bus.chars().all(|c| is_name_char(c) || c == '.' || c == '/')
    {
        return Err(format!(
            "`{bus}` is not an event bus name: 1 to 256 letters, digits, `.`, `-`, `_` and `/`"
        ));
    }
    Ok(())
}

/// A DynamoDB stream ARN: `arn:aws:dynamodb:REGION:ACCOUNT:table/TABLE/stream/LABEL`.
pub fn check_dynamodb_stream(stream: &str) -> Result<(), String> {
    arn_resource(stream, "dynamodb")
        .and_then(|rest| rest.strip_prefix("table/"))
        .and_then(|rest| rest.split_once("/stream/"))
        .filter(|(table, label)| !table.is_empty() && !label.is_empty())
        .map(drop)
        .ok_or_else(|| {
            format!(
                "`{stream}` is not a DynamoDB stream ARN \
                 (arn:aws:dynamodb:REGION:ACCOUNT:table/TABLE/stream/LABEL)"
            )
        })
}

/// A Kinesis stream name (1-128 of `[A-Za-z0-9_.-]`) or ARN.
pub fn check_kinesis_stream(stream: &str) -> Result<(), String> {
    let name = if stream.starts_with("arn:") {
        arn_resource(stream, "kinesis")
            .and_then(|rest| rest.strip_prefix("stream/"))
            .ok_or_else(|| {
                format!("`{stream}` is not a Kinesis stream ARN (arn:aws:kinesis:REGION:ACCOUNT:stream/NAME)")
            })?
    } else {
        stream
    };
    if name.is_empty() || name.len() > 128 || !name.chars().all(|c| is_name_char(c) || c == '.') {
        return Err(format!(
            "`{stream}` is not a Kinesis stream name: 1 to 128 letters, digits, `.`, `-` and `_`"
        ));
    }
    Ok(())
}

/// A function's name: what Lambda's `Handler` and the configuration use.
/// Rust identifiers (without `r#`) and `name = "..."` values alike.
pub fn check_name(name: &str) -> Result<(), String> {
    if name.is_empty()
        || name.len() > 64
        || !name.chars().all(is_name_char)
        || name == crate::function::API_HANDLER
    {
        return Err(format!(
            "`{name}` cannot name a function: 1 to 64 letters, digits, `-` and `_`, \
             and not `{API_HANDLER}` (the API's own handler)"
        ));
    }
    Ok(())
}

/// The `Handler` of the function that serves the API (routes and authorizers).
pub const API_HANDLER: &str = "bootstrap";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn triggers_are_checked_as_aws_checks_them() {
        let ok = [
            Trigger::Schedule {
                expression: "rate(5 minutes)".into(),
            },
            Trigger::Sqs {
                queue: "jobs".into(),
                batch_size: 10,
            },
            Trigger::Sqs {
                queue: "arn:aws:sqs:eu-west-1:123456789012:jobs.fifo".into(),
                batch_size: 10,
            },
            Trigger::Sns {
                topic: "alerts".into(),
            },
            Trigger::S3 {
                bucket: "uploads".into(),
                events: vec!["s3:ObjectCreated:*".into()],
                prefix: Some("in/".into()),
                suffix: Some(".png".into()),
            },
            Trigger::EventBridge {
                pattern: r#"{"source": ["shop.orders"], "detail": {"total": [{"numeric": [">", 100]}]}}"#.into(),
                bus: Some("orders".into()),
            },
            Trigger::DynamoDb {
                stream: "arn:aws:dynamodb:us-east-1:123456789012:table/orders/stream/2026-12-01T00:00:00.000".into(),
                starting_position: StartingPosition::Latest,
                batch_size: 100,
            },
            Trigger::Kinesis {
                stream: "clicks".into(),
                starting_position: StartingPosition::TrimHorizon,
                batch_size: 500,
            },
            Trigger::Invoke,
        ];
        for trigger in ok {
            assert_eq!(trigger.check(), Ok(()), "{trigger:?}");
        }
        let bad = [
            (
                Trigger::Schedule {
                    expression: "rate(5 minute)".into(),
                },
                "5 minutes",
            ),
            (
                Trigger::Sqs {
                    queue: "jobs!".into(),
                    batch_size: 10,
                },
                "not an SQS queue name",
            ),
            (
                Trigger::Sqs {
                    queue: "arn:aws:sns:eu-west-1:123456789012:jobs".into(),
                    batch_size: 10,
                },
                "not an SQS queue ARN",
            ),
            (
                Trigger::Sqs {
                    queue: "jobs.fifo".into(),
                    batch_size: 11,
                },
                "a FIFO queue takes 1 to 10",
            ),
            (
                Trigger::Sqs {
                    queue: "jobs".into(),
                    batch_size: 0,
                },
                "1 to 10000",
            ),
            (
                Trigger::Sns {
                    topic: "alerts.fifo".into(),
                },
                "deliver to SQS queues only",
            ),
            (
                Trigger::S3 {
                    bucket: "Uploads".into(),
                    events: vec!["s3:ObjectCreated:*".into()],
                    prefix: None,
                    suffix: None,
                },
                "lowercase",
            ),
            (
                Trigger::S3 {
                    bucket: "uploads".into(),
                    events: vec!["s3:ObjectCreated".into()],
                    prefix: None,
                    suffix: None,
                },
                "not an S3 event type",
            ),
            (
                Trigger::S3 {
                    bucket: "192.168.1.1".into(),
                    events: vec!["s3:ObjectCreated:*".into()],
                    prefix: None,
                    suffix: None,
                },
                "IP address",
            ),
            (
                Trigger::EventBridge {
                    pattern: r#"{"source": "shop.orders"}"#.into(),
                    bus: None,
                },
                "`source` must be an array",
            ),
            (
                Trigger::EventBridge {
                    pattern: r#"["shop.orders"]"#.into(),
                    bus: None,
                },
                "must be a JSON object",
            ),
            (
                Trigger::EventBridge {
                    pattern: r#"{"source": ["a"]"#.into(),
                    bus: None,
                },
                "not JSON",
            ),
            (
                Trigger::EventBridge {
                    pattern: r#"{"detail": {"state": []}}"#.into(),
                    bus: None,
                },
                "`detail.state` is an empty array",
            ),
            (
                Trigger::EventBridge {
                    pattern: r#"{"source": ["a"]}"#.into(),
                    bus: Some("my bus".into()),
                },
                "not an event bus name",
            ),
            (
                Trigger::DynamoDb {
                    stream: "orders".into(),
                    starting_position: StartingPosition::Latest,
                    batch_size: 100,
                },
                "not a DynamoDB stream ARN",
            ),
            (
                Trigger::Kinesis {
                    stream: "arn:aws:kinesis:us-east-1:123456789012:table/x".into(),
                    starting_position: StartingPosition::Latest,
                    batch_size: 100,
                },
                "not a Kinesis stream ARN",
            ),
        ];
        for (trigger, says) in bad {
            let error = trigger.check().unwrap_err();
            assert!(error.contains(says), "{trigger:?}: {error}");
        }
    }

    #[test]
    fn the_manifest_json_names_the_trigger_type() {
        let f = Function {
            name: "jobs".into(),
            trigger: Trigger::Sqs {
                queue: "jobs".into(),
                batch_size: 10,
            },
            handler: "shop::jobs".into(),
            source: "src/main.rs:9".into(),
        };
        let json = serde_json::to_string(&f).unwrap();
        assert_eq!(
            json,
            r#"{"name":"jobs","trigger":{"type":"sqs","queue":"jobs","batch_size":10},"handler":"shop::jobs","source":"src/main.rs:9"}"#
        );
        assert_eq!(serde_json::from_str::<Function>(&json).unwrap(), f);
        let plain: Trigger = serde_json::from_str(r#"{"type":"invoke"}"#).unwrap();
        assert_eq!(plain, Trigger::Invoke);
    }

    #[test]
    fn names_are_handler_names() {
        assert!(check_name("resize_image").is_ok());
        assert!(check_name("bootstrap").is_err());
        assert!(check_name("").is_err());
        assert!(check_name("a.b").is_err());
    }
}
