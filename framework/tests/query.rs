//! `Query<T>` with repeated keys, through the full dispatch path, in every
//! event shape a goblet function answers.

use std::collections::HashMap;

use goblet::EventShape;
use goblet::prelude::*;
use goblet::testing::Client;
use serde::Deserialize;

#[route("/map")]
fn map(Query(q): Query<HashMap<String, String>>) -> Json<Value> {
    Json(json!(q))
}

#[derive(Deserialize)]
struct Filter {
    q: String,
    #[serde(default)]
    tag: Vec<String>,
    page: Option<u32>,
}

#[route("/filter")]
fn filter(Query(f): Query<Filter>) -> Json<Value> {
    Json(json!({ "q": f.q, "tag": f.tag, "page": f.page }))
}

#[tokio::test]
async fn a_repeated_key_keeps_its_last_value_and_vec_fields_get_all() {
    let client = Client::new();
    for shape in EventShape::ALL {
        let r = client.get("/map?q=a&q=b&x=1").shape(shape).send().await;
        assert_eq!(r.status(), 200, "{shape:?}: {}", r.text());
        assert_eq!(r.json::<Value>(), json!({"q": "b", "x": "1"}), "{shape:?}");

        let r = client
            .get("/filter?tag=t1&q=one&page=1&tag=t2&q=two&page=2")
            .shape(shape)
            .send()
            .await;
        assert_eq!(r.status(), 200, "{shape:?}: {}", r.text());
        // ALB without multi-value headers hands over only a repeated key's
        // last value: the Vec gets that one.
        let tags = if shape == EventShape::ALB {
            json!(["t2"])
        } else {
            json!(["t1", "t2"])
        };
        assert_eq!(
            r.json::<Value>(),
            json!({"q": "two", "tag": tags, "page": 2}),
            "{shape:?}"
        );

        let r = client.get("/filter?page=x&q=a").shape(shape).send().await;
        assert_eq!(r.status(), 400, "{shape:?}");
    }
}
