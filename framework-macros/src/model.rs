//! What the macros have understood, once every check has passed. Plain data:
//! [`crate::codegen`] turns it into tokens without making any decision.

use goblet_core::{AuthorizationType, AuthorizerKind, Method, Trigger};
use proc_macro2::{Ident, Span};
use syn::Type;

/// One `#[route]`: a handler and the API Gateway methods it serves.
pub struct Route {
    /// The path template exactly as written, already validated.
    pub path: String,
    /// The span of the path literal: records and duplicate markers point here.
    pub path_span: Span,
    /// At least one, no duplicates, in the order written.
    pub methods: Vec<Method>,
    /// `CUSTOM` exactly when `authorizer` is set.
    pub authorization_type: AuthorizationType,
    /// `authorizer = "..."`: the name of an `#[authorizer]`.
    pub authorizer: Option<String>,
    /// `scopes = [...]`, only with an authorizer.
    pub scopes: Vec<String>,
    pub api_key_required: bool,
    pub cors: bool,
    /// At least one `type/subtype`, no duplicates.
    pub content_types: Vec<String>,
    /// `name = "..."`, or the function's name.
    pub name: String,
    pub handler: Handler,
    pub location: Location,
}

/// The user's function, as far as calling it is concerned.
pub struct Handler {
    pub ident: Ident,
    pub is_async: bool,
    /// The argument types, in order; each one is extracted from the request.
    pub args: Vec<Type>,
    pub output: Output,
}

/// What the handler returns; it must convert into a response.
pub struct Output {
    /// The return type when generated code can name it: not for `-> ()`
    /// left implicit, nor for a type holding `impl Trait`.
    pub ty: Option<Type>,
    /// Where a "does not convert into a response" error points: the return
    /// type, or the function's name when there is none.
    pub span: Span,
}

/// Where the route is declared, as the manifest reports it (`file:line`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub file: String,
    pub line: u32,
}

/// One `#[authorizer]`: a Lambda authorizer served by the app's function.
pub struct Authorizer {
    /// `name = "..."`, or the function's name: what routes refer to.
    pub name: String,
    pub kind: AuthorizerKind,
    /// API Gateway expressions, already validated.
    pub identity_sources: Vec<String>,
    pub ttl_seconds: u32,
    pub ident: Ident,
    pub is_async: bool,
    pub location: Location,
}

/// `goblet::app!(...)` or `#[goblet::main(...)]`'s options.
pub struct App {
    pub name: AppName,
}

pub enum AppName {
    /// The Cargo package name, read at compile time with `env!`.
    Package,
    /// `app_name = "..."`, already validated.
    Custom(String),
}

/// The function under `#[goblet::main]`, checked: `async`, no arguments.
pub struct MainFn {
    pub ident: Ident,
    /// The return type, when generated code can name it (no `impl Trait`).
    pub output: Option<Type>,
}

/// One event handler or plain function: `#[schedule]`, `#[on_sqs_message]`,
/// ... or `#[lambda_function]`.
pub struct Function {
    /// `name = "..."`, or the function's name: its Lambda `Handler`.
    pub name: String,
    /// Already checked as the deployer checks it.
    pub trigger: Trigger,
    pub handler: Handler,
    pub location: Location,
}
