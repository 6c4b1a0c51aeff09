use goblet::route;

#[route("/", name = "two\nlines")]
fn index() {}

fn main() {}
