use goblet::prelude::*;

#[route("/both", auth = "iam", authorizer = "tokens")]
fn both() {}

#[route("/scoped", scopes = ["orders/read"])]
fn scoped() {}

#[route("/names", authorizer = "no spaces", scopes = ["a b", "x", "x"])]
fn names() {}

#[route("/empty", authorizer = "", scopes = [])]
fn empty() {}

fn main() {}
