//! Every event handler attribute, with the arguments and results they take.
use goblet::prelude::*;

#[derive(Clone)]
struct Bucket(&'static str);

#[schedule("rate(5 minutes)")]
async fn tick(_: ScheduledEvent) -> Result<(), Error> {
    Ok(())
}

#[schedule("cron(0 12 ? * MON-FRI *)", name = "weekdays")]
fn noon(_: ScheduledEvent, _: LambdaContext) {}

#[on_sqs_message(queue = "arn:aws:sqs:eu-west-1:123456789012:jobs.fifo", batch_size = 10)]
async fn jobs(_: SqsEvent) -> Result<SqsBatchResponse, Error> {
    Ok(SqsBatchResponse::default())
}

#[on_sns_message(topic = "alerts")]
async fn alert(_: SnsEvent, State(_): State<Bucket>) -> Result<(), Error> {
    Ok(())
}

#[on_s3_event(bucket = "uploads", events = ["s3:ObjectCreated:*", "s3:ObjectRemoved:Delete"], prefix = "in/", suffix = ".png")]
async fn upload(_: S3Event) -> Result<(), Error> {
    Ok(())
}

#[on_event(pattern = r#"{"source": ["shop.orders"], "detail": {"total": [{"numeric": [">", 100]}]}}"#, bus = "orders")]
async fn order(_: EventBridgeEvent) -> Result<Value, Error> {
    Ok(Value::Null)
}

#[on_dynamodb_record(stream = "arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/2026-01-01T00:00:00.000", starting_position = "TRIM_HORIZON", batch_size = 500)]
async fn changes(_: DynamoDbEvent) -> Result<(), Error> {
    Ok(())
}

#[on_kinesis_record(stream = "clicks")]
async fn clicks(_: KinesisEvent) -> Result<(), Error> {
    Ok(())
}

#[lambda_function]
async fn resize(_: Json<Value>, _: LambdaContext) -> Json<Value> {
    Json(Value::Null)
}

fn main() {}
