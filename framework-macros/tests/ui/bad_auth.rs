use goblet::route;

#[route("/", auth = "IAM")]
fn index() {}

#[route("/cognito", auth = "cognito")]
fn cognito() {}

fn main() {}
