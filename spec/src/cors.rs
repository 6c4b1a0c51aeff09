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
/// `OPTIONS`, sorted, no duplicates.
pub fn allow_methods<'a>(methods: impl IntoIterator<Item = &'a str>) -> String {
    let mut all: Vec<&str> = methods.into_iter().chain(["OPTIONS"]).collect();
    all.sort_unstable();
    all.dedup();
    all.join(",")
}
