use goblet::route;

#[route("/")]
fn index(first: String, ...) -> String {
    first
}

fn main() {}
