use goblet::route;

#[route("users")]
fn no_leading_slash() {}

#[route("/users/")]
fn trailing_slash() {}

#[route("/users/{id}/friends/{id}")]
fn duplicate_parameter() {}

#[route("/files/{path+}/meta")]
fn greedy_not_last() {}

#[route("/users/{user id}")]
fn bad_character() {}

#[route("/a//b")]
fn empty_segment() {}

#[route("/users/x{id}")]
fn partial_parameter() {}

#[route("")]
fn empty() {}

fn main() {}
