use goblet::prelude::*;

// State values are cloned for each request.
struct Table;

#[route("/")]
fn index(State(_table): State<Table>) -> &'static str {
    "ok"
}

fn main() {}
