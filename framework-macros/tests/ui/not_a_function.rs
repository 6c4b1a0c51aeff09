use goblet::route;

#[route("/")]
struct Index;

fn main() {}
