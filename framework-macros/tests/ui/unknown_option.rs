use goblet::route;

#[route("/", colour = "red")]
fn index() {}

#[route("/users", method = ["GET"])]
fn users() {}

fn main() {}
