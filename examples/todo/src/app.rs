//! The API: create, list, read, update and delete to-dos.

use std::time::Instant;

use goblet::middleware::Next;
use goblet::prelude::*;
use serde::Deserialize;

use crate::store::{Changes, Todo, Todos};

/// The longest title the API accepts, in characters.
const MAX_TITLE: usize = 200;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NewTodo {
    title: String,
    #[serde(default)]
    done: bool,
}

#[route("/todos", methods = ["POST"])]
async fn create(
    State(todos): State<Todos>,
    Json(new): Json<NewTodo>,
) -> Result<(StatusCode, Json<Todo>), Error> {
    check_title(&new.title)?;
    let todo = Todo {
        id: new_id()?,
        title: new.title,
        done: new.done,
    };
    todos.put(&todo).await?;
    Ok((StatusCode::CREATED, Json(todo)))
}

#[route("/todos")]
async fn list(State(todos): State<Todos>) -> Result<Json<Vec<Todo>>, Error> {
    Ok(Json(todos.list().await?))
}

#[route("/todos/{id}")]
async fn get(State(todos): State<Todos>, Path(id): Path<String>) -> Result<Json<Todo>, Error> {
    todos
        .get(&id)
        .await?
        .map(Json)
        .ok_or_else(|| not_found(&id))
}

#[route("/todos/{id}", methods = ["PUT"])]
async fn update(
    State(todos): State<Todos>,
    Path(id): Path<String>,
    Json(changes): Json<Changes>,
) -> Result<Json<Todo>, Error> {
    if changes.title.is_none() && changes.done.is_none() {
        return Err(Error::BadRequest(
            "Nothing to update: give `title`, `done` or both".into(),
        ));
    }
    if let Some(title) = &changes.title {
        check_title(title)?;
    }
    todos
        .update(&id, &changes)
        .await?
        .map(Json)
        .ok_or_else(|| not_found(&id))
}

#[route("/todos/{id}", methods = ["DELETE"])]
async fn delete(State(todos): State<Todos>, Path(id): Path<String>) -> Result<StatusCode, Error> {
    if todos.delete(&id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(not_found(&id))
    }
}

/// One log line per request, with what it took.
pub async fn access_log(req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let path = req.path().to_owned();
    let started = Instant::now();
    let response = next.run(req).await;
    tracing::info!(
        %method,
        %path,
        status = response.status().as_u16(),
        ms = started.elapsed().as_secs_f64() * 1000.0,
        "request"
    );
    response
}

fn not_found(id: &str) -> Error {
    Error::NotFound(format!("Todo '{id}' does not exist"))
}

fn check_title(title: &str) -> Result<(), Error> {
    let length = title.chars().count();
    if title.trim().is_empty() || length > MAX_TITLE {
        return Err(Error::BadRequest(format!(
            "`title` must have 1 to {MAX_TITLE} characters"
        )));
    }
    Ok(())
}

/// 128 random bits, in hex.
fn new_id() -> Result<String, Error> {
    let mut bytes = [0_u8; 16];
    getrandom::getrandom(&mut bytes).map_err(|e| Error::internal(e.to_string()))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}
