use goblet::route;

#[route("/", name = "")]
fn index() {}

fn main() {}
