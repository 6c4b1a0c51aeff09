use goblet::route;

#[route("/", methods = ["GET", "POST", "GET"])]
fn index() {}

fn main() {}
