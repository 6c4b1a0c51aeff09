//! The `#[route]` and `#[goblet::main]` attributes and the `app!` macro of
//! [goblet]. Use them through goblet (`goblet::route`, `goblet::main`,
//! `goblet::app!`), never from this crate directly:
//! the code they generate refers to `::goblet`.
//!
//! The crate is laid out as serde_derive and axum-macros are: `parse` reads
//! the macro arguments, `check` validates them (reporting every mistake at
//! once, each on its token) into a `model`, and `codegen` writes the code,
//! which names goblet only through `::goblet::__private`. Option names live in
//! `symbol`.
//!
//! [goblet]: https://docs.rs/goblet

use proc_macro::TokenStream;
use proc_macro2::{Span, TokenStream as TokenStream2};

mod check;
mod codegen;
mod model;
mod parse;
mod symbol;

/// Declares a function as the handler of an API Gateway route.
///
/// ```text
/// #[route("/path/{param}/{rest+}",
///         methods = ["GET", "POST", ...],          // default ["GET"]
///         auth = "none" | "iam",                   // default "none"
///         authorizer = "NAME",                     // an #[authorizer] (instead of auth)
///         scopes = ["..."],                        // Cognito authorizers only
///         api_key = true | false,                  // default false
///         cors = true | false,                     // default false
///         content_types = ["application/json"],    // default ["application/json"]
///         name = "...")]                           // default: the function's name
/// ```
///
/// - The **path** uses API Gateway's resource syntax: it starts with `/`, has no
///   trailing `/` (except the root `/`), its segments are `[A-Za-z0-9._-]+`,
///   `{name}`, or — last only — a greedy `{name+}` that matches the rest of the
///   path, slashes included.
/// - **methods**: `GET`, `HEAD`, `POST`, `PUT`, `PATCH`, `DELETE`, `OPTIONS`,
///   or `ANY` (API Gateway's catch-all for methods without a definition of
///   their own). Each method is one API Gateway method in the manifest.
/// - **auth**: `"iam"` makes API Gateway require a SigV4-signed call by an IAM
///   principal (`AWS_IAM`); `"none"` lets anyone call.
/// - **api_key**: API Gateway requires an `x-api-key` header from a usage plan.
/// - **cors**: goblet answers CORS preflights and adds the CORS headers.
/// - **content_types**: request bodies the route accepts, as `type/subtype`
///   or a range `type/*`, `*/*`; a body of any other type is answered with 415.
/// - **name**: the route's name in the manifest.
///
/// The function is a free `fn` or `async fn` (in a module or a function body,
/// not in an `impl` block), neither generic nor `unsafe`. Every argument is an
/// extractor, taken by value: all but the last implement `FromRequestParts`
/// (`Path`, `Query`, `Json`, `Context`, `HeaderMap`, ...), the last may
/// instead consume the request (the whole `Request`). The return type
/// implements `IntoResponse`. A type that does not is reported on that
/// argument or return type. Patterns such as `Path(id): Path<u64>` are fine.
///
/// The function itself is kept exactly as written, so tests can call it
/// directly. Several `#[route]` attributes may share one function.
///
/// Each method becomes a `RouteDef` for the runtime and a record in the
/// binary's `goblet_routes` section for `goblet manifest` / `goblet deploy`,
/// with the handler's `module::path` and the `file:line` of the path literal.
///
/// Two handlers for the same path and method in one crate do not compile:
/// rustc reports that a name such as `__goblet_route_GET__users___lid_r`
/// (method, then the path spelled out) "is defined multiple times", pointing
/// at both paths. `ANY` next to `GET` on one path is not a duplicate. The
/// runtime and `goblet manifest` check the whole binary again.
///
/// # Example
///
/// ```
/// use goblet::prelude::*;
///
/// #[route("/users/{id}", methods = ["GET"], auth = "iam")]
/// async fn get_user(Path(id): Path<u64>) -> Json<Value> {
///     Json(json!({ "id": id }))
/// }
///
/// #[route("/users", methods = ["POST"], cors = true, name = "create_user")]
/// fn create_user(Json(user): Json<Value>) -> (StatusCode, Json<Value>) {
///     (StatusCode::CREATED, Json(user))
/// }
///
/// # fn main() {}
/// ```
///
/// Mistakes are compile errors on the token at fault:
///
/// ```compile_fail
/// # use goblet::prelude::*;
/// #[route("/users/", methods = ["FETCH"])]
/// fn users() -> &'static str { "[]" }
/// # fn main() {}
/// ```
#[proc_macro_attribute]
pub fn route(attr: TokenStream, item: TokenStream) -> TokenStream {
    let item = TokenStream2::from(item);
    expand_route(attr.into(), item.clone())
        .unwrap_or_else(|error| keep_item(error, item))
        .into()
}

/// Declares a Lambda authorizer served by the app's own function (what
/// Chalice calls a built-in authorizer). Routes name it with
/// `#[route(..., authorizer = "NAME")]`.
///
/// ```text
/// #[authorizer]                                     // TOKEN, header Authorization, ttl 300
/// #[authorizer(header = "X-Token", ttl = 60)]       // TOKEN on another header
/// #[authorizer(kind = "request",                    // REQUEST: headers, query, context
///              identity_sources = ["method.request.header.Authorization",
///                                  "method.request.querystring.tenant"],
///              ttl = 0)]                            // 0: no caching (at most 3600)
/// #[authorizer(name = "tokens")]                    // default: the function's name
/// ```
///
/// The function takes an `AuthRequest` and returns `Result<AuthResponse, Error>`
/// (`async` or not). `Err(Error::Unauthorized(_))` is API Gateway's 401;
/// any other error is its 500. API Gateway caches the returned policy per
/// identity-source value for `ttl` seconds and applies it to every route
/// behind the authorizer: build it with `AuthResponse::allow(principal)`,
/// which covers the whole stage, or name the routes it covers with `.routes([...])`.
///
/// # Example
///
/// ```
/// use goblet::prelude::*;
///
/// #[authorizer(header = "Authorization", ttl = 300)]
/// async fn tokens(req: AuthRequest) -> Result<AuthResponse, Error> {
///     match req.token() {
///         "allow-alice" => Ok(AuthResponse::allow("alice")
///             .routes(["/orders", "/orders/*"])
///             .context("tier", "gold")),
///         _ => Err(Error::Unauthorized("bad token".into())),
///     }
/// }
///
/// #[route("/orders", authorizer = "tokens")]
/// async fn orders(ctx: Context) -> Json<Value> {
///     let who = ctx.authorizer.as_ref().map(|a| a.principal_id.clone());
///     Json(json!({ "principal": who }))
/// }
/// # fn main() {}
/// ```
#[proc_macro_attribute]
pub fn authorizer(attr: TokenStream, item: TokenStream) -> TokenStream {
    let item = TokenStream2::from(item);
    expand_authorizer(attr.into(), item.clone())
        .unwrap_or_else(|error| keep_item(error, item))
        .into()
}

/// Declares a function run on a schedule: an EventBridge rule fires it, in UTC.
///
/// ```text
/// #[schedule("rate(5 minutes)")]              // rate(N minute|minutes|hour|hours|day|days)
/// #[schedule("cron(0 12 * * ? *)")]           // minutes hours day-of-month month day-of-week year
/// #[schedule("rate(1 hour)", name = "hourly")] // default: the function's name
/// ```
///
/// Like every event handler, the function is a Lambda function of its own
/// (its `Handler` is its name), built from the app's binary. Its arguments
/// are the event (any `Deserialize` type: `ScheduledEvent` here, or
/// `Json<T>`), `LambdaContext` and `State<T>`; it returns `Result<T, Error>`
/// for a `T: Serialize`, `Json<T>` or `()`. An `Err` (or a panic) is the
/// invocation's function error, with the error's message.
///
/// ```
/// use goblet::prelude::*;
///
/// #[schedule("cron(0 3 * * ? *)")]
/// async fn nightly(event: ScheduledEvent) -> Result<(), Error> {
///     assert_eq!(event.detail_type, "Scheduled Event");
///     Ok(())
/// }
/// # fn main() {}
/// ```
#[proc_macro_attribute]
pub fn schedule(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand_function(check::FunctionKind::Schedule, attr, item)
}

/// Declares a function fed by an SQS queue (a Lambda event source mapping).
///
/// ```text
/// #[on_sqs_message(queue = "jobs")]                  // a queue name or ARN
/// #[on_sqs_message(queue = "jobs", batch_size = 10)] // 1-10000 (FIFO: 1-10), default 10
/// ```
///
/// Return `SqsBatchResponse` to report partial batch failures: only the
/// messages it names are retried. See [`schedule`](macro@schedule) for the
/// arguments and results every event handler takes.
#[proc_macro_attribute]
pub fn on_sqs_message(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand_function(check::FunctionKind::Sqs, attr, item)
}

/// Declares a function subscribed to an SNS topic.
///
/// ```text
/// #[on_sns_message(topic = "alerts")]   // a topic name or ARN
/// ```
///
/// See [`schedule`](macro@schedule) for arguments and results.
#[proc_macro_attribute]
pub fn on_sns_message(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand_function(check::FunctionKind::Sns, attr, item)
}

/// Declares a function notified of an S3 bucket's events.
///
/// ```text
/// #[on_s3_event(bucket = "uploads",
///               events = ["s3:ObjectCreated:*"],   // the default
///               prefix = "in/", suffix = ".png")]  // key filters, optional
/// ```
///
/// See [`schedule`](macro@schedule) for arguments and results.
#[proc_macro_attribute]
pub fn on_s3_event(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand_function(check::FunctionKind::S3, attr, item)
}

/// Declares a function an EventBridge rule sends matching events to.
///
/// ```text
/// #[on_event(pattern = r#"{"source": ["shop.orders"]}"#)]                 // the default bus
/// #[on_event(pattern = r#"{"source": ["shop.orders"]}"#, bus = "orders")] // a custom bus, name or ARN
/// ```
///
/// See [`schedule`](macro@schedule) for arguments and results.
#[proc_macro_attribute]
pub fn on_event(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand_function(check::FunctionKind::EventBridge, attr, item)
}

/// Declares a function fed by a DynamoDB stream.
///
/// ```text
/// #[on_dynamodb_record(stream = "arn:aws:dynamodb:REGION:ACCOUNT:table/TABLE/stream/LABEL",
///                      starting_position = "LATEST",   // or "TRIM_HORIZON"; default LATEST
///                      batch_size = 100)]              // 1-10000, default 100
/// ```
///
/// See [`schedule`](macro@schedule) for arguments and results.
#[proc_macro_attribute]
pub fn on_dynamodb_record(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand_function(check::FunctionKind::DynamoDb, attr, item)
}

/// Declares a function fed by a Kinesis stream.
///
/// ```text
/// #[on_kinesis_record(stream = "clicks",                 // a stream name or ARN
///                     starting_position = "LATEST",      // or "TRIM_HORIZON"; default LATEST
///                     batch_size = 100)]                 // 1-10000, default 100
/// ```
///
/// See [`schedule`](macro@schedule) for arguments and results.
#[proc_macro_attribute]
pub fn on_kinesis_record(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand_function(check::FunctionKind::Kinesis, attr, item)
}

/// Declares a plain Lambda function: no trigger, invoked by name (`aws lambda
/// invoke`, another service, `goblet invoke`). Any `Deserialize` event in,
/// any `Serialize` value out.
///
/// ```text
/// #[lambda_function]
/// #[lambda_function(name = "resize")]
/// ```
///
/// ```
/// use goblet::prelude::*;
///
/// #[derive(serde::Deserialize)]
/// struct ResizeJob { key: String, width: u32 }
///
/// #[lambda_function]
/// async fn resize(Json(job): Json<ResizeJob>, ctx: LambdaContext) -> Result<Json<Value>, Error> {
///     Ok(Json(json!({ "key": job.key, "width": job.width, "request": ctx.request_id })))
/// }
/// # fn main() {}
/// ```
#[proc_macro_attribute]
pub fn lambda_function(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand_function(check::FunctionKind::Invoke, attr, item)
}

fn expand_function(kind: check::FunctionKind, attr: TokenStream, item: TokenStream) -> TokenStream {
    let item = TokenStream2::from(item);
    let expanded = (|| {
        let func = item_fn(
            &item,
            "an event handler attribute goes on a function: `fn` or `async fn`",
        )?;
        let args: parse::Args = syn::parse2(attr.into())?;
        let function = check::function(kind, args, &func, locate)?;
        Ok(codegen::function(&function, item.clone()))
    })();
    expanded
        .unwrap_or_else(|error| keep_item(error, item))
        .into()
}

/// Declares the app's `main`: the function runs once per execution
/// environment, in Lambda's init phase, before the first event, and returns
/// the [`App`](../goblet/struct.App.html) — its shared state and middleware.
/// Every `#[route]` of the binary is served through it.
///
/// ```text
/// #[goblet::main]                           // the app is named after the Cargo package
/// #[goblet::main(app_name = "orders-api")]  // [A-Za-z0-9_-]+
/// ```
///
/// The function is an `async fn` without arguments returning `goblet::App`
/// or `Result<goblet::App, E>` for any error `E` that converts into
/// `goblet::BoxError`. An `Err` (or a panic) is the function's init error:
/// Lambda logs its message and the function serves nothing.
///
/// # Example
///
/// A whole `src/main.rs`:
///
/// ```no_run
/// use goblet::prelude::*;
///
/// #[derive(Clone)]
/// struct Greeting(String);
///
/// #[route("/")]
/// fn index(State(greeting): State<Greeting>) -> Json<Value> {
///     Json(json!({ "hello": greeting.0 }))
/// }
///
/// #[goblet::main]
/// async fn main() -> Result<goblet::App, goblet::BoxError> {
///     let greeting = std::env::var("GREETING").unwrap_or_else(|_| "world".into());
///     Ok(goblet::App::new().state(Greeting(greeting)))
/// }
/// ```
#[proc_macro_attribute]
pub fn main(attr: TokenStream, item: TokenStream) -> TokenStream {
    let item = TokenStream2::from(item);
    expand_main(attr.into(), item.clone())
        .unwrap_or_else(|error| {
            // Still define `fn main` (named after the package), or every
            // error would come with "`main` function not found"; the user's
            // function is left out, as its name is likely `main` too.
            let mut out = error.into_compile_error();
            out.extend(codegen::app(&model::App {
                name: model::AppName::Package,
            }));
            let _ = item;
            out
        })
        .into()
}

/// Declares an app with no state and no middleware: expands, at the root of
/// the app's `src/main.rs`, to the app's manifest record and to `fn main`,
/// which serves the routes declared with [`route`](macro@route). Apps that
/// need shared state or middleware use [`#[goblet::main]`](macro@main).
///
/// ```text
/// goblet::app!();                          // the app is named after the Cargo package
/// goblet::app!(app_name = "orders-api");   // [A-Za-z0-9_-]+
/// ```
///
/// # Example
///
/// A whole `src/main.rs`:
///
/// ```no_run
/// use goblet::prelude::*;
///
/// #[route("/")]
/// fn index() -> Json<Value> {
///     Json(json!({ "hello": "world" }))
/// }
///
/// goblet::app!(app_name = "helloworld");
/// ```
#[proc_macro]
pub fn app(input: TokenStream) -> TokenStream {
    expand_app(input.into())
        .unwrap_or_else(|error| {
            let mut out = error.into_compile_error();
            out.extend(codegen::app(&model::App {
                name: model::AppName::Package,
            }));
            out
        })
        .into()
}

fn expand_route(attr: TokenStream2, item: TokenStream2) -> syn::Result<TokenStream2> {
    let func = item_fn(&item, "#[route] goes on a function: `fn` or `async fn`")?;
    let args: parse::Args = syn::parse2(attr)?;
    let route = check::route(args, &func, locate)?;
    Ok(codegen::route(&route, item))
}

fn expand_authorizer(attr: TokenStream2, item: TokenStream2) -> syn::Result<TokenStream2> {
    let func = item_fn(
        &item,
        "#[authorizer] goes on a function: `async fn name(req: AuthRequest) -> Result<AuthResponse, Error>`",
    )?;
    let args: parse::Args = syn::parse2(attr)?;
    let authorizer = check::authorizer(args, &func, locate)?;
    Ok(codegen::authorizer(&authorizer, item))
}

/// The function an attribute is on, or `not_a_fn` spanned on the item.
fn item_fn(item: &TokenStream2, not_a_fn: &str) -> syn::Result<syn::ItemFn> {
    match syn::parse2::<syn::Item>(item.clone())? {
        syn::Item::Fn(func) => Ok(func),
        other => Err(syn::Error::new_spanned(other, not_a_fn)),
    }
}

fn expand_app(input: TokenStream2) -> syn::Result<TokenStream2> {
    let args: parse::Args = syn::parse2(input)?;
    let app = check::app(args, check::MacroCall::App)?;
    Ok(codegen::app(&app))
}

fn expand_main(attr: TokenStream2, item: TokenStream2) -> syn::Result<TokenStream2> {
    let func: syn::ItemFn = match syn::parse2::<syn::Item>(item.clone()) {
        Ok(syn::Item::Fn(func)) => func,
        Ok(other) => {
            return Err(syn::Error::new_spanned(
                other,
                "#[goblet::main] goes on the app's `async fn main`",
            ));
        }
        Err(error) => return Err(error),
    };
    let args: parse::Args = syn::parse2(attr)?;
    let app = check::app(args, check::MacroCall::Main);
    let main_fn = check::main_fn(&func);
    let (app, main_fn) = match (app, main_fn) {
        (Ok(app), Ok(main_fn)) => (app, main_fn),
        (Err(mut a), Err(b)) => {
            a.combine(b);
            return Err(a);
        }
        (Err(e), _) | (_, Err(e)) => return Err(e),
    };
    Ok(codegen::main(&app, &main_fn, item))
}

/// On error the user's item is still emitted, unchanged, so that the only
/// errors are ours and not a cascade of "cannot find function".
fn keep_item(error: syn::Error, item: TokenStream2) -> TokenStream2 {
    let mut out = error.into_compile_error();
    out.extend(item);
    out
}

/// The file and line of `span` as the manifest reports them (`file!()`'s
/// notion of the file: relative to the workspace, remapped if asked).
fn locate(span: Span) -> model::Location {
    let span = span.unwrap();
    model::Location {
        file: span.file(),
        line: u32::try_from(span.line()).unwrap_or(u32::MAX),
    }
}
