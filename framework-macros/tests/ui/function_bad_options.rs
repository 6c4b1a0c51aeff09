use goblet::prelude::*;

#[on_sqs_message(queue = "jobs!", batch_size = 0)]
async fn one(_: SqsEvent) -> Result<(), Error> {
    Ok(())
}

#[on_sqs_message(batch_size = 10)]
async fn two(_: SqsEvent) -> Result<(), Error> {
    Ok(())
}

#[on_sqs_message(queue = "jobs.fifo", batch_size = 11)]
async fn three(_: SqsEvent) -> Result<(), Error> {
    Ok(())
}

#[on_sns_message(topic = "alerts", queu = "x")]
async fn four(_: SnsEvent) -> Result<(), Error> {
    Ok(())
}

#[on_s3_event(bucket = "Uploads", events = ["s3:ObjectCreated", "s3:ObjectRemoved:*", "s3:ObjectRemoved:*"], prefix = "")]
async fn five(_: S3Event) -> Result<(), Error> {
    Ok(())
}

#[on_event(pattern = r#"{"source": "shop.orders"}"#, bus = "my bus")]
async fn six(_: EventBridgeEvent) -> Result<(), Error> {
    Ok(())
}

#[on_event(pattern = "{not json")]
async fn seven(_: EventBridgeEvent) -> Result<(), Error> {
    Ok(())
}

#[on_dynamodb_record(stream = "orders", starting_position = "EARLIEST")]
async fn eight(_: DynamoDbEvent) -> Result<(), Error> {
    Ok(())
}

#[on_kinesis_record(stream = "arn:aws:kinesis:us-east-1:123456789012:table/x", batch_size = "100")]
async fn nine(_: KinesisEvent) -> Result<(), Error> {
    Ok(())
}

#[lambda_function("resize", name = "a.b")]
async fn ten(_: Json<Value>) -> Result<(), Error> {
    Ok(())
}

fn main() {}
