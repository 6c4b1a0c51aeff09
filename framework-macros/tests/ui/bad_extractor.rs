use goblet::prelude::*;

struct User {
    id: u64,
}

#[route("/users/{id}")]
fn by_number(id: u32) -> String {
    id.to_string()
}

#[route("/users/{id}/profile", methods = ["POST"])]
async fn by_struct(Path(id): Path<u64>, user: User) -> String {
    format!("{id} {}", user.id)
}

// `Request` consumes the request: only the last argument may take it.
#[route("/users/{id}/raw", methods = ["POST"])]
fn request_first(request: Request, Path(id): Path<u64>) -> String {
    format!("{id} {}", request.path())
}

fn main() {}
