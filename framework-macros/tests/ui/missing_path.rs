use goblet::route;

#[route]
fn a() {}

#[route(methods = ["GET"])]
fn b() {}

#[route(PATH)]
fn c() {}

#[route("/d", "/e")]
fn d() {}

fn main() {}
