use goblet::route;

#[route("/", methods = ["POST"], content_types = ["json", "text/plain; charset=utf-8", "text/plain", "Text/Plain"])]
fn index() {}

fn main() {}
