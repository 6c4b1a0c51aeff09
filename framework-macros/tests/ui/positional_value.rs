use goblet::route;

#[route("/", 42)]
fn index() {}

fn main() {}
