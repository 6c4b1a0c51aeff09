//! Writes the Rust source of an app with `count` routes, for the benchmarks
//! that measure how the runtime scales with the size of an app. Included by
//! the build scripts of `goblet-bench` and `bench/apps/routes-app`.
//!
//! Route 0 is hello world's `GET /` (IAM); the others cycle through the
//! shapes real apps have: a literal path, a `{param}` (GET and PUT), a
//! nested literal under a parameter (IAM), and a greedy `{proxy+}`.

/// The source of `count` routes (at least 1).
pub fn routes_source(count: usize) -> String {
    let mut out = String::from(
        "#[route(\"/\", auth = \"iam\")]\n\
         async fn index() -> Json<Value> {\n    Json(json!({\"hello\": \"world\"}))\n}\n\n",
    );
    let mut written = 1;
    let mut i = 0;
    while written < count {
        i += 1;
        let (attribute, args, methods) = match i % 4 {
            0 => (format!("#[route(\"/r{i}\")]"), String::new(), 1),
            1 if count - written >= 2 => (
                format!("#[route(\"/r{i}/{{id}}\", methods = [\"GET\", \"PUT\"])]"),
                "Path(id): Path<String>".to_owned(),
                2,
            ),
            1 => (
                format!("#[route(\"/r{i}/{{id}}\")]"),
                "Path(id): Path<String>".to_owned(),
                1,
            ),
            2 => (
                format!("#[route(\"/r{i}/items/{{id}}/detail\", auth = \"iam\")]"),
                "Path(id): Path<String>".to_owned(),
                1,
            ),
            _ => (
                format!("#[route(\"/r{i}/{{proxy+}}\")]"),
                "Path(proxy): Path<String>".to_owned(),
                1,
            ),
        };
        let used = if args.is_empty() {
            String::new()
        } else {
            let name = if args.starts_with("Path(id)") {
                "id"
            } else {
                "proxy"
            };
            format!(", \"{name}\": {name}")
        };
        out.push_str(&format!(
            "{attribute}\nasync fn route_{i}({args}) -> Json<Value> {{\n    \
             Json(json!({{\"route\": {i}{used}}}))\n}}\n\n"
        ));
        written += methods;
    }
    out
}
