//! Every option name the macros accept, in one place (as serde_derive's
//! `symbol.rs` does), so parsing, validation and error messages never disagree.

use goblet_core::Method;

/// `#[route(PATH, methods = ["GET", "POST"])]`
pub const METHODS: &str = "methods";
/// `#[route(PATH, auth = "iam")]`
pub const AUTH: &str = "auth";
/// `#[route(PATH, api_key = true)]`
pub const API_KEY: &str = "api_key";
/// `#[route(PATH, cors = true)]`
pub const CORS: &str = "cors";
/// `#[route(PATH, content_types = ["application/json"])]`
pub const CONTENT_TYPES: &str = "content_types";
/// `#[route(PATH, name = "list_users")]`
pub const NAME: &str = "name";

/// The options of `#[route]`, in the order error messages list them.
pub const ROUTE_OPTIONS: &[&str] = &[METHODS, AUTH, API_KEY, CORS, CONTENT_TYPES, NAME];

/// `goblet::app!(app_name = "orders")`, `#[goblet::main(app_name = "orders")]`
pub const APP_NAME: &str = "app_name";

/// The options of `goblet::app!` and `#[goblet::main]`.
pub const MAIN_OPTIONS: &[&str] = &[APP_NAME];

/// Methods a route serves when `methods` is not given.
pub const DEFAULT_METHODS: &[Method] = &[Method::Get];
/// Request bodies a route accepts when `content_types` is not given.
pub const DEFAULT_CONTENT_TYPES: &[&str] = &["application/json"];
