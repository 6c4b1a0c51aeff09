use goblet::prelude::*;

mod users {
    use goblet::prelude::*;

    #[route("/users/{id}", methods = ["GET", "PUT"])]
    pub fn get_user(Path(id): Path<u64>) -> String {
        id.to_string()
    }
}

mod admin {
    use goblet::prelude::*;

    #[route("/users/{id}")]
    pub fn show_user(Path(id): Path<u64>) -> String {
        format!("admin {id}")
    }
}

// ANY next to GET is fine: API Gateway serves both.
#[route("/users/{id}", methods = ["ANY"])]
fn any_user() {}

#[route("/users/{id}", methods = ["PUT"])]
async fn put_user() {}

fn main() {}
