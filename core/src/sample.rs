//! Realistic events of each source, shaped as AWS documents them (the
//! samples of the Lambda developer guide's "Using Lambda with ..." pages),
//! for `goblet invoke --sample` and the test client. They are built for a
//! function's own trigger: an SQS sample comes from its queue, an S3
//! sample's key passes its prefix and suffix filters.

use base64::Engine as _;
use md5::{Digest, Md5};
use serde_json::{Value, json};

use crate::function::Trigger;

/// The account samples come from (the one AWS's documentation uses).
pub const ACCOUNT: &str = "123456789012";

/// Where and when a sample happens.
#[derive(Debug, Clone, Copy)]
pub struct Origin<'a> {
    pub region: &'a str,
    /// Milliseconds since the Unix epoch.
    pub now_ms: i64,
}

/// The sources `--sample` knows, by the name the CLI takes.
pub const KINDS: &[&str] = &[
    "schedule",
    "sqs",
    "sns",
    "s3",
    "eventbridge",
    "dynamodb",
    "kinesis",
];

/// A sample of `kind` for a function with `trigger` (its names are used
/// when the trigger is of that kind), or `None` for an unknown kind.
pub fn for_trigger(kind: &str, trigger: &Trigger, origin: Origin) -> Option<Value> {
    let Origin { region, .. } = origin;
    Some(match (kind, trigger) {
        ("schedule", Trigger::Schedule { .. }) | ("schedule", _) => {
            schedule(origin, "goblet-schedule")
        }
        ("sqs", Trigger::Sqs { queue, .. }) => {
            sqs(&queue_arn(queue, region), &["hello from SQS"], origin)
        }
        ("sqs", _) => sqs(&queue_arn("jobs", region), &["hello from SQS"], origin),
        ("sns", Trigger::Sns { topic }) => sns(
            &topic_arn(topic, region),
            "hello from SNS",
            Some("goblet"),
            origin,
        ),
        ("sns", _) => sns(
            &topic_arn("alerts", region),
            "hello from SNS",
            Some("goblet"),
            origin,
        ),
        (
            "s3",
            Trigger::S3 {
                bucket,
                events,
                prefix,
                suffix,
            },
        ) => {
            let key = format!(
                "{}sample{}",
                prefix.as_deref().unwrap_or(""),
                suffix.as_deref().unwrap_or(".txt")
            );
            let event = events
                .first()
                .map(|e| record_event_name(e))
                .unwrap_or_else(|| "ObjectCreated:Put".into());
            s3(bucket, &key, 1024, &event, origin)
        }
        ("s3", _) => s3("uploads", "sample.txt", 1024, "ObjectCreated:Put", origin),
        ("eventbridge", Trigger::EventBridge { pattern, bus }) => {
            let source = serde_json::from_str::<Value>(pattern)
                .ok()
                .and_then(|p| p["source"][0].as_str().map(str::to_owned))
                .unwrap_or_else(|| "goblet.sample".into());
            let detail_type = serde_json::from_str::<Value>(pattern)
                .ok()
                .and_then(|p| p["detail-type"][0].as_str().map(str::to_owned))
                .unwrap_or_else(|| "Sample Event".into());
            eventbridge(
                &source,
                &detail_type,
                json!({"sample": true}),
                bus.as_deref(),
                origin,
            )
        }
        ("eventbridge", _) => eventbridge(
            "goblet.sample",
            "Sample Event",
            json!({"sample": true}),
            None,
            origin,
        ),
        ("dynamodb", Trigger::DynamoDb { stream, .. }) => dynamodb(stream, origin),
        ("dynamodb", _) => dynamodb(
            &format!(
                "arn:aws:dynamodb:{region}:{ACCOUNT}:table/orders/stream/2026-01-01T00:00:00.000"
            ),
            origin,
        ),
        ("kinesis", Trigger::Kinesis { stream, .. }) => {
            kinesis(&kinesis_arn(stream, region), b"hello from Kinesis", origin)
        }
        ("kinesis", _) => kinesis(
            &kinesis_arn("clicks", region),
            b"hello from Kinesis",
            origin,
        ),
        _ => return None,
    })
}

/// The `eventName` of a record S3 sends for the configured event type: the
/// type without `s3:`, a wildcard standing for its most common event.
fn record_event_name(configured: &str) -> String {
    let name = configured.trim_start_matches("s3:");
    let Some(family) = name.strip_suffix(":*") else {
        return name.to_owned();
    };
    let event = match family {
        "ObjectCreated" | "ObjectTagging" => "Put",
        "ObjectRemoved" | "LifecycleExpiration" => "Delete",
        "ObjectRestore" => "Completed",
        "Replication" => "OperationFailedReplication",
        _ => return family.to_owned(),
    };
    format!("{family}:{event}")
}

/// The sample kind that fits a trigger.
pub fn kind_of(trigger: &Trigger) -> Option<&'static str> {
    Some(match trigger {
        Trigger::Schedule { .. } => "schedule",
        Trigger::Sqs { .. } => "sqs",
        Trigger::Sns { .. } => "sns",
        Trigger::S3 { .. } => "s3",
        Trigger::EventBridge { .. } => "eventbridge",
        Trigger::DynamoDb { .. } => "dynamodb",
        Trigger::Kinesis { .. } => "kinesis",
        Trigger::Invoke => return None,
    })
}

fn named_arn(service: &str, name: &str, region: &str) -> String {
    if name.starts_with("arn:") {
        name.to_owned()
    } else {
        format!("arn:aws:{service}:{region}:{ACCOUNT}:{name}")
    }
}

pub fn queue_arn(queue: &str, region: &str) -> String {
    named_arn("sqs", queue, region)
}

pub fn topic_arn(topic: &str, region: &str) -> String {
    named_arn("sns", topic, region)
}

pub fn kinesis_arn(stream: &str, region: &str) -> String {
    if stream.starts_with("arn:") {
        stream.to_owned()
    } else {
        format!("arn:aws:kinesis:{region}:{ACCOUNT}:stream/{stream}")
    }
}

/// The region of an ARN, when it is one.
fn arn_region<'a>(arn: &'a str, fallback: &'a str) -> &'a str {
    arn.split(':')
        .nth(3)
        .filter(|r| !r.is_empty())
        .unwrap_or(fallback)
}

fn md5_hex(bytes: &[u8]) -> String {
    Md5::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A UUID-shaped id, derived from `seed` so samples are reproducible.
fn id(seed: &str) -> String {
    let h = md5_hex(seed.as_bytes());
    format!(
        "{}-{}-4{}-8{}-{}",
        &h[..8],
        &h[8..12],
        &h[13..16],
        &h[17..20],
        &h[20..32]
    )
}

/// `2026-12-07T12:00:00.000Z`.
pub fn iso_time(ms: i64) -> String {
    let (y, mo, d) = crate::schedule::civil(ms.div_euclid(86_400_000));
    let in_day = ms.rem_euclid(86_400_000);
    format!(
        "{y:04}-{mo:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        in_day / 3_600_000,
        in_day / 60_000 % 60,
        in_day / 1000 % 60,
        in_day % 1000
    )
}

/// An SQS event of one record per body, from a standard queue.
pub fn sqs(queue_arn: &str, bodies: &[&str], origin: Origin) -> Value {
    let region = arn_region(queue_arn, origin.region);
    let records: Vec<Value> = bodies
        .iter()
        .enumerate()
        .map(|(i, body)| {
            let message_id = id(&format!("sqs/{queue_arn}/{}/{i}/{body}", origin.now_ms));
            json!({
                "messageId": message_id,
                "receiptHandle": format!("AQEB{}", md5_hex(message_id.as_bytes())),
                "body": body,
                "attributes": {
                    "ApproximateReceiveCount": "1",
                    "SentTimestamp": origin.now_ms.to_string(),
                    "SenderId": "AIDAIENQZJOLO23YVJ4VO",
                    "ApproximateFirstReceiveTimestamp": (origin.now_ms + 2).to_string(),
                },
                "messageAttributes": {},
                "md5OfBody": md5_hex(body.as_bytes()),
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": region,
            })
        })
        .collect();
    json!({ "Records": records })
}

/// An SNS event of one notification.
pub fn sns(topic_arn: &str, message: &str, subject: Option<&str>, origin: Origin) -> Value {
    let region = arn_region(topic_arn, origin.region);
    let message_id = id(&format!("sns/{topic_arn}/{}/{message}", origin.now_ms));
    let subscription = format!("{topic_arn}:{}", id(&format!("subscription/{topic_arn}")));
    json!({
        "Records": [{
            "EventVersion": "1.0",
            "EventSubscriptionArn": subscription,
            "EventSource": "aws:sns",
            "Sns": {
                "SignatureVersion": "1",
                "Timestamp": iso_time(origin.now_ms),
                "Signature": base64::engine::general_purpose::STANDARD.encode(md5_hex(message.as_bytes())),
                "SigningCertUrl": format!("https://sns.{region}.amazonaws.com/SimpleNotificationService-0000000000000000000000.pem"),
                "MessageId": message_id,
                "Message": message,
                "MessageAttributes": {},
                "Type": "Notification",
                "UnsubscribeUrl": format!("https://sns.{region}.amazonaws.com/?Action=Unsubscribe&SubscriptionArn={subscription}"),
                "TopicArn": topic_arn,
                "Subject": subject,
            }
        }]
    })
}

/// An S3 event of one object; `event` without the `s3:` prefix
/// (`ObjectCreated:Put`), as records name it. The key is URL-encoded, as S3
/// sends it.
pub fn s3(bucket: &str, key: &str, size: u64, event: &str, origin: Origin) -> Value {
    let encoded: String = form_encode(key);
    json!({
        "Records": [{
            "eventVersion": "2.1",
            "eventSource": "aws:s3",
            "awsRegion": origin.region,
            "eventTime": iso_time(origin.now_ms),
            "eventName": event,
            "userIdentity": {"principalId": "AWS:AIDAINPONIXQXHT3IKHL2"},
            "requestParameters": {"sourceIPAddress": "127.0.0.1"},
            "responseElements": {
                "x-amz-request-id": md5_hex(format!("{bucket}/{key}/{}", origin.now_ms).as_bytes())[..16].to_uppercase(),
                "x-amz-id-2": base64::engine::general_purpose::STANDARD.encode(md5_hex(key.as_bytes())),
            },
            "s3": {
                "s3SchemaVersion": "1.0",
                "configurationId": id(&format!("s3/{bucket}")),
                "bucket": {
                    "name": bucket,
                    "ownerIdentity": {"principalId": "A3I5XTEXAMAI3E"},
                    "arn": format!("arn:aws:s3:::{bucket}"),
                },
                "object": {
                    "key": encoded,
                    "size": size,
                    "eTag": md5_hex(key.as_bytes()),
                    "sequencer": format!("{:018X}", origin.now_ms),
                }
            }
        }]
    })
}

/// S3's key encoding in events: form encoding (a space is `+`).
fn form_encode(key: &str) -> String {
    let mut out = String::new();
    for b in key.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'*' | b'/' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// What an EventBridge schedule rule named `rule` sends.
pub fn schedule(origin: Origin, rule: &str) -> Value {
    json!({
        "version": "0",
        "id": id(&format!("schedule/{rule}/{}", origin.now_ms)),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": ACCOUNT,
        "time": iso_time(origin.now_ms - origin.now_ms.rem_euclid(60_000)).replace(".000Z", "Z"),
        "region": origin.region,
        "resources": [format!("arn:aws:events:{}:{ACCOUNT}:rule/{rule}", origin.region)],
        "detail": {},
    })
}

/// An event put on a bus, as a rule delivers it.
pub fn eventbridge(
    source: &str,
    detail_type: &str,
    detail: Value,
    bus: Option<&str>,
    origin: Origin,
) -> Value {
    let _ = bus; // The delivered event does not name its bus.
    json!({
        "version": "0",
        "id": id(&format!("events/{source}/{detail_type}/{}", origin.now_ms)),
        "detail-type": detail_type,
        "source": source,
        "account": ACCOUNT,
        "time": iso_time(origin.now_ms - origin.now_ms.rem_euclid(1000)).replace(".000Z", "Z"),
        "region": origin.region,
        "resources": [],
        "detail": detail,
    })
}

/// A DynamoDB stream event of one INSERT.
pub fn dynamodb(stream_arn: &str, origin: Origin) -> Value {
    let region = arn_region(stream_arn, origin.region);
    json!({
        "Records": [{
            "eventID": md5_hex(format!("{stream_arn}/{}", origin.now_ms).as_bytes()),
            "eventName": "INSERT",
            "eventVersion": "1.1",
            "eventSource": "aws:dynamodb",
            "awsRegion": region,
            "dynamodb": {
                "ApproximateCreationDateTime": origin.now_ms / 1000,
                "Keys": {"Id": {"N": "101"}},
                "NewImage": {"Message": {"S": "New item!"}, "Id": {"N": "101"}},
                "SequenceNumber": format!("{}00000000017450439091", origin.now_ms / 1000),
                "SizeBytes": 26,
                "StreamViewType": "NEW_AND_OLD_IMAGES",
            },
            "eventSourceARN": stream_arn,
        }]
    })
}

/// A Kinesis event of one record carrying `data`.
pub fn kinesis(stream_arn: &str, data: &[u8], origin: Origin) -> Value {
    let region = arn_region(stream_arn, origin.region);
    let sequence = format!("4959033827149025660855969253836157{:022}", origin.now_ms);
    json!({
        "Records": [{
            "kinesis": {
                "kinesisSchemaVersion": "1.0",
                "partitionKey": "1",
                "sequenceNumber": sequence,
                "data": base64::engine::general_purpose::STANDARD.encode(data),
                "approximateArrivalTimestamp": origin.now_ms as f64 / 1000.0,
            },
            "eventSource": "aws:kinesis",
            "eventVersion": "1.0",
            "eventID": format!("shardId-000000000000:{sequence}"),
            "eventName": "aws:kinesis:record",
            "invokeIdentityArn": format!("arn:aws:iam::{ACCOUNT}:role/goblet-sample"),
            "awsRegion": region,
            "eventSourceARN": stream_arn,
        }]
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const AT: Origin = Origin {
        region: "eu-west-1",
        now_ms: 1_796_644_800_123,
    };

    #[test]
    fn times_are_iso_8601_in_utc() {
        assert_eq!(iso_time(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso_time(AT.now_ms), "2026-12-07T12:00:00.123Z");
    }

    #[test]
    fn samples_follow_the_functions_trigger() {
        let sqs_trigger = Trigger::Sqs {
            queue: "jobs".into(),
            batch_size: 10,
        };
        let event = for_trigger("sqs", &sqs_trigger, AT).unwrap();
        let record = &event["Records"][0];
        assert_eq!(
            record["eventSourceARN"],
            "arn:aws:sqs:eu-west-1:123456789012:jobs"
        );
        assert_eq!(record["md5OfBody"], md5_hex(b"hello from SQS"));
        assert_eq!(record["awsRegion"], "eu-west-1");
        let s3_trigger = Trigger::S3 {
            bucket: "uploads".into(),
            events: vec!["s3:ObjectCreated:*".into()],
            prefix: Some("in/".into()),
            suffix: Some(".png".into()),
        };
        let event = for_trigger("s3", &s3_trigger, AT).unwrap();
        assert_eq!(event["Records"][0]["s3"]["object"]["key"], "in/sample.png");
        assert_eq!(event["Records"][0]["eventName"], "ObjectCreated:Put");
        assert_eq!(
            event["Records"][0]["s3"]["bucket"]["arn"],
            "arn:aws:s3:::uploads"
        );
        let rule = Trigger::EventBridge {
            pattern: r#"{"source": ["shop.orders"], "detail-type": ["Order Placed"]}"#.into(),
            bus: Some("orders".into()),
        };
        let event = for_trigger("eventbridge", &rule, AT).unwrap();
        assert_eq!(event["source"], "shop.orders");
        assert_eq!(event["detail-type"], "Order Placed");
        assert_eq!(for_trigger("carrier-pigeon", &Trigger::Invoke, AT), None);
        for kind in KINDS {
            assert!(for_trigger(kind, &Trigger::Invoke, AT).is_some(), "{kind}");
        }
    }

    #[test]
    fn wildcards_become_real_event_names() {
        for (configured, name) in [
            ("s3:ObjectCreated:*", "ObjectCreated:Put"),
            ("s3:ObjectRemoved:*", "ObjectRemoved:Delete"),
            ("s3:ObjectRestore:*", "ObjectRestore:Completed"),
            ("s3:Replication:*", "Replication:OperationFailedReplication"),
            ("s3:ObjectCreated:Copy", "ObjectCreated:Copy"),
            ("s3:LifecycleTransition", "LifecycleTransition"),
        ] {
            assert_eq!(record_event_name(configured), name);
        }
    }

    #[test]
    fn keys_are_encoded_as_s3_sends_them() {
        assert_eq!(
            form_encode("in/my photo (1).png"),
            "in/my+photo+%281%29.png"
        );
    }

    #[test]
    fn ids_are_uuid_shaped_and_reproducible() {
        let a = id("x");
        assert_eq!(a, id("x"));
        assert_ne!(a, id("y"));
        assert_eq!(a.len(), 36);
        assert_eq!(a.as_bytes()[14], b'4');
    }
}
