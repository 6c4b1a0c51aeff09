use goblet::prelude::*;

struct Api;

impl Api {
    #[route("/method")]
    fn method(&self) -> &'static str {
        "no"
    }
}

#[route("/generic")]
fn generic<T: Default + IntoResponse>() -> T {
    T::default()
}

#[route("/lifetime")]
fn lifetime<'a>() -> &'a str {
    ""
}

#[route("/impl-trait")]
fn impl_trait(body: impl FromRequestParts) -> String {
    let _ = body;
    String::new()
}

#[route("/borrowed")]
fn borrowed(body: &str) -> String {
    body.to_owned()
}

#[route("/borrowed-inner")]
fn borrowed_inner(Path(id): Path<&'static str>) -> String {
    id.to_owned()
}

#[route("/unsafe")]
unsafe fn unsafe_handler() {}

use goblet::extract::FromRequestParts;

fn main() {}
