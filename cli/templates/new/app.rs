use goblet::prelude::*;

#[route("/", auth = "iam")]
async fn index() -> Json<Value> {
    Json(json!({"hello": "world"}))
}

#[cfg(test)]
mod tests {
    use goblet::testing::Client;

    #[tokio::test]
    async fn says_hello_to_an_iam_caller() {
        let response = Client::new().get("/").iam_user("alice").send().await;
        assert_eq!(response.status(), 200);
        assert_eq!(response.text(), r#"{"hello":"world"}"#);
        assert_eq!(response.header("content-type"), Some("application/json"));
    }
}
