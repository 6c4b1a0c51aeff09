use goblet::prelude::*;

struct User {
    id: u64,
}

#[route("/users/{id}")]
fn sync_user(Path(id): Path<u64>) -> User {
    User { id }
}

#[route("/users/{id}/async")]
async fn async_user(Path(id): Path<u64>) -> Option<User> {
    Some(User { id })
}

#[route("/count")]
fn count() -> u32 {
    1
}

fn main() {}
