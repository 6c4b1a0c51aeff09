use goblet::route;

#[route("/a", cors = "yes")]
fn a() {}

#[route("/b", api_key = 1)]
fn b() {}

#[route("/c", methods = "GET")]
fn c() {}

#[route("/d", methods = [GET, "POST"])]
fn d() {}

#[route("/e", auth = iam)]
fn e() {}

#[route("/f", name = list_users)]
fn f() {}

#[route("/g", methods = [])]
fn g() {}

#[route("/h", cors)]
fn h() {}

fn main() {}
