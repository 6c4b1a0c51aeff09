use goblet::prelude::*;
use serde::{Deserialize, Serialize};

#[route("/")]
async fn index() -> Json<Value> {
    Json(json!({ "jobs": "ready" }))
}

/// Up to 20 jobs at a time (Lambda waits up to a second to fill a batch of
/// more than 10); a `poison` job fails alone and only it is retried.
#[on_sqs_message(queue = "jobs", batch_size = 20)]
async fn work(event: SqsEvent) -> Result<SqsBatchResponse, Error> {
    let failed = event
        .records
        .into_iter()
        .filter(|m| m.body.as_deref() == Some("poison"))
        .filter_map(|m| m.message_id);
    Ok(goblet::events::failed_messages(failed))
}

/// Clicks from a Kinesis stream, from the newest on.
#[on_kinesis_record(stream = "clicks", starting_position = "LATEST", batch_size = 50)]
async fn clicks(event: KinesisEvent) -> Result<Json<Value>, Error> {
    Ok(Json(json!({ "clicks": event.records.len() })))
}

#[derive(Deserialize)]
pub struct ReportRequest {
    pub day: String,
}

#[derive(Serialize)]
pub struct Report {
    pub day: String,
    pub function: String,
}

/// Every hour (UTC), from an EventBridge rule.
#[schedule("rate(1 hour)")]
async fn hourly(event: ScheduledEvent) -> Result<Json<Value>, Error> {
    Ok(Json(json!({ "rule": event.resources })))
}

/// Orders from the custom bus `orders`.
#[on_event(pattern = r#"{"source": ["shop.orders"]}"#, bus = "orders")]
async fn order(event: EventBridgeEvent) -> Result<Json<Value>, Error> {
    Ok(Json(json!({ "order": event.detail })))
}

/// A plain function: invoked by name (`aws lambda invoke`, another service).
#[lambda_function]
async fn report(
    Json(request): Json<ReportRequest>,
    ctx: LambdaContext,
) -> Result<Json<Report>, Error> {
    Ok(Json(Report {
        day: request.day,
        function: ctx.env_config.function_name.clone(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use goblet::testing::{Client, events};

    #[tokio::test]
    async fn only_the_poison_job_is_retried() {
        let event = events::sqs(["resize", "poison", "thumbnail"]);
        let ids: Vec<String> = event
            .records
            .iter()
            .filter_map(|m| m.message_id.clone())
            .collect();
        let response: Value = Client::new().invoke("work", &event).await.unwrap();
        assert_eq!(
            response,
            json!({"batchItemFailures": [{"itemIdentifier": ids[1]}]})
        );
    }

    #[tokio::test]
    async fn the_report_names_its_day() {
        let report: Value = Client::new()
            .invoke("report", &json!({"day": "2026-12-07"}))
            .await
            .unwrap();
        assert_eq!(report["day"], "2026-12-07");
    }
}
