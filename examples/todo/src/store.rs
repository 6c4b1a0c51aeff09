//! The to-do items in DynamoDB: one item per to-do, keyed by `id`.

use std::collections::HashMap;
use std::sync::Arc;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};
use goblet::BoxError;
use serde::{Deserialize, Serialize};

/// A DynamoDB call failed (or returned an item this app did not write). The
/// handlers' `?` turns it into goblet's 500: the details go to the log only.
#[derive(Debug)]
pub struct StoreError(BoxError);

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "DynamoDB: {}",
            aws_sdk_dynamodb::error::DisplayErrorContext(&*self.0)
        )
    }
}

impl std::error::Error for StoreError {}

impl StoreError {
    fn new(error: impl Into<BoxError>) -> StoreError {
        StoreError(error.into())
    }
}

/// A to-do, as the API shows it and the table stores it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Todo {
    pub id: String,
    pub title: String,
    pub done: bool,
}

/// What an update may change; `None` keeps the stored value.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Changes {
    pub title: Option<String>,
    pub done: Option<bool>,
}

/// The table, through the client every handler shares (the SDK's client is
/// an `Arc` inside: cloning it per request is cheap).
#[derive(Clone)]
pub struct Todos {
    client: Client,
    table: Arc<str>,
}

impl Todos {
    pub fn new(client: Client, table: String) -> Todos {
        Todos {
            client,
            table: table.into(),
        }
    }

    pub async fn put(&self, todo: &Todo) -> Result<(), StoreError> {
        self.client
            .put_item()
            .table_name(&*self.table)
            .set_item(Some(to_item(todo)))
            .send()
            .await
            .map_err(StoreError::new)?;
        Ok(())
    }

    pub async fn get(&self, id: &str) -> Result<Option<Todo>, StoreError> {
        let output = self
            .client
            .get_item()
            .table_name(&*self.table)
            .key("id", AttributeValue::S(id.to_owned()))
            .consistent_read(true)
            .send()
            .await
            .map_err(StoreError::new)?;
        output.item.as_ref().map(from_item).transpose()
    }

    /// Every to-do, by id. A scan reads at most 1 MB a page: follow the pages.
    pub async fn list(&self) -> Result<Vec<Todo>, StoreError> {
        let mut todos = Vec::new();
        let mut start = None;
        loop {
            let page = self
                .client
                .scan()
                .table_name(&*self.table)
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(StoreError::new)?;
            for item in page.items() {
                todos.push(from_item(item)?);
            }
            match page.last_evaluated_key {
                Some(key) if !key.is_empty() => start = Some(key),
                _ => break,
            }
        }
        todos.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(todos)
    }

    /// The updated to-do; `None` when there is no such to-do (the condition
    /// keeps an update from creating one).
    pub async fn update(&self, id: &str, changes: &Changes) -> Result<Option<Todo>, StoreError> {
        let mut sets = Vec::new();
        let mut request = self
            .client
            .update_item()
            .table_name(&*self.table)
            .key("id", AttributeValue::S(id.to_owned()))
            .condition_expression("attribute_exists(id)")
            .return_values(ReturnValue::AllNew);
        if let Some(title) = &changes.title {
            sets.push("title = :title");
            request =
                request.expression_attribute_values(":title", AttributeValue::S(title.clone()));
        }
        if let Some(done) = changes.done {
            sets.push("done = :done");
            request = request.expression_attribute_values(":done", AttributeValue::Bool(done));
        }
        let request = request.update_expression(format!("SET {}", sets.join(", ")));
        match request.send().await {
            Ok(output) => output.attributes.as_ref().map(from_item).transpose(),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                Ok(None)
            }
            Err(e) => Err(StoreError::new(e)),
        }
    }

    /// Whether there was such a to-do.
    pub async fn delete(&self, id: &str) -> Result<bool, StoreError> {
        let deleted = self
            .client
            .delete_item()
            .table_name(&*self.table)
            .key("id", AttributeValue::S(id.to_owned()))
            .condition_expression("attribute_exists(id)")
            .send()
            .await;
        match deleted {
            Ok(_) => Ok(true),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                Ok(false)
            }
            Err(e) => Err(StoreError::new(e)),
        }
    }
}

fn to_item(todo: &Todo) -> HashMap<String, AttributeValue> {
    HashMap::from([
        ("id".to_owned(), AttributeValue::S(todo.id.clone())),
        ("title".to_owned(), AttributeValue::S(todo.title.clone())),
        ("done".to_owned(), AttributeValue::Bool(todo.done)),
    ])
}

/// An item written by something else than this app is an error, not a panic.
fn from_item(item: &HashMap<String, AttributeValue>) -> Result<Todo, StoreError> {
    let text = |name: &str| match item.get(name) {
        Some(AttributeValue::S(s)) => Ok(s.clone()),
        _ => Err(StoreError::new(format!(
            "the item has no string attribute `{name}`"
        ))),
    };
    let done = match item.get("done") {
        Some(AttributeValue::Bool(b)) => *b,
        _ => return Err(StoreError::new("the item has no boolean attribute `done`")),
    };
    Ok(Todo {
        id: text("id")?,
        title: text("title")?,
        done,
    })
}
