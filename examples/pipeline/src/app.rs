use goblet::prelude::*;
use serde::{Deserialize, Serialize};

/// What every handler shares: registered once, in `main`.
#[derive(Clone)]
pub struct Thumbnails {
    pub width: u32,
}

/// The API: which function answered, for checking each runs on its own.
#[route("/")]
async fn index() -> Json<Value> {
    Json(json!({ "pipeline": "ready" }))
}

/// Every minute, on the minute (UTC): sweep what is stale.
#[schedule("cron(* * * * ? *)")]
async fn sweep(event: ScheduledEvent, ctx: LambdaContext) -> Result<Json<Value>, Error> {
    Ok(Json(json!({
        "function": ctx.env_config.function_name,
        "rule": event.resources,
        "detail_type": event.detail_type,
    })))
}

/// Jobs from a queue: a message whose body is `poison` fails alone, and
/// only it is retried (partial batch responses).
#[on_sqs_message(queue = "jobs", batch_size = 10)]
async fn jobs(event: SqsEvent) -> Result<SqsBatchResponse, Error> {
    let failed = event
        .records
        .into_iter()
        .filter(|m| m.body.as_deref() == Some("poison"))
        .filter_map(|m| m.message_id);
    Ok(goblet::events::failed_messages(failed))
}

/// Alerts from a topic; `fail` fails the invocation.
#[on_sns_message(topic = "alerts")]
async fn alert(event: SnsEvent) -> Result<Json<Value>, Error> {
    let messages: Vec<String> = event.records.into_iter().map(|r| r.sns.message).collect();
    if messages.iter().any(|m| m == "fail") {
        return Err(Error::internal("the pager is unreachable"));
    }
    Ok(Json(json!({ "alerted": messages })))
}

/// New PNGs under `in/`.
#[on_s3_event(bucket = "uploads", events = ["s3:ObjectCreated:*"], prefix = "in/", suffix = ".png")]
async fn uploaded(
    event: S3Event,
    State(thumbnails): State<Thumbnails>,
) -> Result<Json<Value>, Error> {
    let keys: Vec<String> = event
        .records
        .into_iter()
        .filter_map(|r| r.s3.object.key)
        .collect();
    Ok(Json(json!({ "keys": keys, "width": thumbnails.width })))
}

/// Orders placed on the `orders` bus.
#[on_event(
    pattern = r#"{"source": ["shop.orders"], "detail-type": ["Order Placed"]}"#,
    bus = "orders"
)]
async fn order_placed(event: EventBridgeEvent) -> Result<Json<Value>, Error> {
    Ok(Json(
        json!({ "source": event.source, "detail": event.detail }),
    ))
}

/// Changes to the images table.
#[on_dynamodb_record(
    stream = "arn:aws:dynamodb:us-east-1:123456789012:table/images/stream/2026-01-01T00:00:00.000",
    starting_position = "LATEST",
    batch_size = 100
)]
async fn image_changed(event: DynamoDbEvent) -> Result<Json<Value>, Error> {
    let names: Vec<String> = event.records.iter().map(|r| r.event_name.clone()).collect();
    Ok(Json(json!({ "changes": names })))
}

/// Click events from a stream.
#[on_kinesis_record(stream = "clicks", starting_position = "TRIM_HORIZON")]
async fn clicks(event: KinesisEvent) -> Result<Json<Value>, Error> {
    let data: Vec<String> = event
        .records
        .iter()
        .map(|r| String::from_utf8_lossy(&r.kinesis.data.0).into_owned())
        .collect();
    Ok(Json(json!({ "clicks": data })))
}

#[derive(Deserialize)]
pub struct ResizeJob {
    key: String,
    width: Option<u32>,
}

#[derive(Serialize)]
pub struct Resized {
    key: String,
    width: u32,
    request_id: String,
}

/// Invoked by name: any JSON in, any JSON out.
#[lambda_function]
async fn resize(
    Json(job): Json<ResizeJob>,
    State(thumbnails): State<Thumbnails>,
    ctx: LambdaContext,
) -> Result<Json<Resized>, Error> {
    if job.key.is_empty() {
        return Err(Error::BadRequest("the job names no key".into()));
    }
    Ok(Json(Resized {
        width: job.width.unwrap_or(thumbnails.width),
        key: job.key,
        request_id: ctx.request_id.clone(),
    }))
}

/// A function that panics, to show how Lambda reports it.
#[lambda_function]
async fn crash(_: Json<Value>) -> Result<(), Error> {
    panic!("the resizer ran out of pixels")
}
