//! The CORS headers a `cors = true` route answers with — on its responses (the
//! runtime adds them) and on the preflight `OPTIONS` (the gateway answers it).
//! Defined once so the runtime, `goblet local` and the deployer agree.

pub const ALLOW_ORIGIN: &str = "*";
pub const ALLOW_HEADERS: &str =
    "Authorization,Content-Type,X-Amz-Date,X-Amz-Security-Token,X-Api-Key";

/// Headers on every response of a CORS route.
pub fn response_headers() -> [(&'static str, &'static str); 2] {
    [
        ("access-control-allow-origin", ALLOW_ORIGIN),
        ("access-control-allow-headers", ALLOW_HEADERS),
    ]
}

/// `Access-Control-Allow-Methods` for a preflight: the resource's methods plus
/// `OPTIONS`, sorted, no duplicates. `ANY` is not an HTTP method: it stands
/// for every method API Gateway serves.
pub fn allow_methods<'a>(methods: impl IntoIterator<Item = &'a str>) -> String {
    const EVERY: [&str; 7] = ["DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"];
    let mut all: Vec<&str> = Vec::new();
    for method in methods.into_iter().chain(["OPTIONS"]) {
        if method == "ANY" {
            all.extend(EVERY);
        } else {
            all.push(method);
        }
    }
    all.sort_unstable();
    all.dedup();
    all.join(",")
}

#[cfg(test)]
mod tests {
    use super::allow_methods;

    #[test]
    fn allow_methods_lists_http_methods_only() {
        assert_eq!(allow_methods(["POST", "GET"]), "GET,OPTIONS,POST");
        assert_eq!(
            allow_methods(["ANY", "GET"]),
            "DELETE,GET,HEAD,OPTIONS,PATCH,POST,PUT"
        );
    }
}
