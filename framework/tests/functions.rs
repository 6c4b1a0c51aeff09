//! Event handlers and plain functions through the test client, exactly as
//! their own Lambda functions run them: the typed event in, the result (or
//! the function error) out, with the app's state.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use goblet::App;
use goblet::prelude::*;
use goblet::testing::{Client, FunctionError, events};
use serde::{Deserialize, Serialize};

#[derive(Clone)]
struct Counter(Arc<AtomicUsize>);

#[on_sqs_message(queue = "jobs", batch_size = 10)]
async fn jobs(event: SqsEvent) -> Result<SqsBatchResponse, Error> {
    let failed = event
        .records
        .into_iter()
        .filter(|m| m.body.as_deref() == Some("poison"))
        .filter_map(|m| m.message_id);
    Ok(goblet::events::failed_messages(failed))
}

#[schedule("rate(5 minutes)")]
async fn tick(event: ScheduledEvent, State(counter): State<Counter>) -> Result<(), Error> {
    assert_eq!(event.detail_type, "Scheduled Event");
    counter.0.fetch_add(1, Ordering::SeqCst);
    Ok(())
}

#[on_sns_message(topic = "alerts")]
fn alert(event: SnsEvent) -> Result<Json<Value>, Error> {
    let message = &event.records[0].sns.message;
    if message == "fail" {
        return Err(Error::internal("the pager is down"));
    }
    Ok(Json(json!({ "seen": message })))
}

#[on_s3_event(bucket = "uploads", events = ["s3:ObjectCreated:*"], prefix = "in/", suffix = ".png")]
async fn upload(event: S3Event) -> Result<Vec<String>, Error> {
    Ok(event
        .records
        .into_iter()
        .filter_map(|r| r.s3.object.key)
        .collect())
}

#[on_event(pattern = r#"{"source": ["shop.orders"]}"#, bus = "orders")]
async fn order(event: EventBridgeEvent) -> Result<Value, Error> {
    Ok(event.detail)
}

#[on_dynamodb_record(
    stream = "arn:aws:dynamodb:us-east-1:123456789012:table/orders/stream/2026-01-01T00:00:00.000",
    starting_position = "TRIM_HORIZON"
)]
async fn changes(event: DynamoDbEvent) -> Result<usize, Error> {
    Ok(event.records.len())
}

#[on_kinesis_record(stream = "clicks")]
async fn clicks(event: KinesisEvent) -> Result<Vec<String>, Error> {
    Ok(event
        .records
        .iter()
        .map(|r| String::from_utf8_lossy(&r.kinesis.data.0).into_owned())
        .collect())
}

#[derive(Deserialize)]
struct ResizeJob {
    key: String,
    width: u32,
}

#[derive(Serialize)]
struct Done {
    key: String,
    width: u32,
    request: String,
}

#[lambda_function]
async fn resize(Json(job): Json<ResizeJob>, ctx: LambdaContext) -> Result<Json<Done>, Error> {
    Ok(Json(Done {
        key: job.key,
        width: job.width,
        request: ctx.request_id.clone(),
    }))
}

#[lambda_function(name = "explode")]
async fn panics(_: Json<Value>) -> Result<(), Error> {
    panic!("boom")
}

#[route("/")]
fn index() -> Json<Value> {
    Json(json!({"hello": "world"}))
}

fn client() -> (Client, Counter) {
    let counter = Counter(Arc::default());
    (Client::from_app(App::new().state(counter.clone())), counter)
}

#[tokio::test]
async fn an_sqs_batch_reports_only_its_failed_messages() {
    let (client, _) = client();
    let event = events::sqs(["one", "poison", "three"]);
    let poison = event.records[1].message_id.clone().unwrap();
    let result = client.invoke("jobs", &event).await.unwrap();
    assert_eq!(
        result,
        json!({"batchItemFailures": [{"itemIdentifier": poison}]})
    );
    let clean = client.invoke("jobs", &events::sqs(["ok"])).await.unwrap();
    assert_eq!(clean, json!({"batchItemFailures": []}));
}

#[tokio::test]
async fn every_source_gets_its_typed_event() {
    let (client, counter) = client();
    assert_eq!(
        client.invoke("tick", &events::schedule()).await.unwrap(),
        Value::Null
    );
    assert_eq!(counter.0.load(Ordering::SeqCst), 1);
    assert_eq!(
        client
            .invoke("alert", &events::sns("alerts", "disk full"))
            .await
            .unwrap(),
        json!({"seen": "disk full"})
    );
    assert_eq!(
        client
            .invoke("upload", &events::s3("uploads", "in/cat photo.png"))
            .await
            .unwrap(),
        json!(["in/cat+photo.png"])
    );
    assert_eq!(
        client
            .invoke(
                "order",
                &events::eventbridge("shop.orders", "Order Placed", json!({"id": 7}))
            )
            .await
            .unwrap(),
        json!({"id": 7})
    );
    assert_eq!(
        client
            .invoke("changes", &events::dynamodb_insert())
            .await
            .unwrap(),
        json!(1)
    );
    assert_eq!(
        client
            .invoke("clicks", &events::kinesis("clicks", b"hello"))
            .await
            .unwrap(),
        json!(["hello"])
    );
}

#[tokio::test]
async fn a_plain_function_takes_any_json_and_lambdas_context() {
    let (client, _) = client();
    let result = client
        .invoke("resize", &json!({"key": "in/a.png", "width": 640}))
        .await
        .unwrap();
    assert_eq!(
        result,
        json!({"key": "in/a.png", "width": 640, "request": "goblet-test-resize"})
    );
}

#[tokio::test]
async fn errors_panics_and_bad_events_are_function_errors() {
    let (client, _) = client();
    assert_eq!(
        client
            .invoke("alert", &events::sns("alerts", "fail"))
            .await
            .unwrap_err(),
        FunctionError {
            error_type: "InternalServerError".into(),
            error_message: "the pager is down".into(),
        }
    );
    let panicked = client.invoke("explode", &json!({})).await.unwrap_err();
    assert_eq!(panicked.error_type, "goblet.Panic");
    assert!(panicked.error_message.contains("boom"), "{panicked}");
    let wrong = client
        .invoke("resize", &json!({"key": "a.png", "width": "wide"}))
        .await
        .unwrap_err();
    assert_eq!(wrong.error_type, "Runtime.UnmarshalError");
    assert!(
        wrong.error_message.contains("not a ResizeJob") && wrong.error_message.contains("`width`"),
        "{wrong}"
    );
    let garbage = client
        .invoke_raw("jobs", &b"{not json"[..])
        .await
        .unwrap_err();
    assert_eq!(garbage.error_type, "Runtime.UnmarshalError");
    let trailing = client
        .invoke_raw("resize", &br#"{"key":"a","width":1} x"#[..])
        .await
        .unwrap_err();
    assert!(trailing.error_message.contains("trailing"), "{trailing}");
}

#[tokio::test]
async fn routes_still_answer_beside_functions() {
    let (client, _) = client();
    let response = client.get("/").send().await;
    assert_eq!(response.json::<Value>(), json!({"hello": "world"}));
}

#[test]
#[should_panic(expected = "takes State<functions::Counter>")]
fn a_function_missing_its_state_stops_the_app() {
    let _ = Client::from_app(App::new());
}
