use goblet::route;

#[route("/", auth = "iam", cors = true, auth = "none")]
fn index() {}

fn main() {}
