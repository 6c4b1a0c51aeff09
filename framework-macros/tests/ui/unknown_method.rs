use goblet::route;

#[route("/", methods = ["GET", "FETCH"])]
fn index() {}

#[route("/users", methods = ["post"])]
fn users() {}

fn main() {}
