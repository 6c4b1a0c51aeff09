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

/// `#[route(PATH, authorizer = "tokens")]`
pub const AUTHORIZER: &str = "authorizer";
/// `#[route(PATH, authorizer = "users", scopes = ["orders/read"])]`
pub const SCOPES: &str = "scopes";

/// The options of `#[route]`, in the order error messages list them.
pub const ROUTE_OPTIONS: &[&str] = &[
    METHODS,
    AUTH,
    AUTHORIZER,
    SCOPES,
    API_KEY,
    CORS,
    CONTENT_TYPES,
    NAME,
];

/// `#[authorizer(header = "Authorization")]`: a TOKEN authorizer's header.
pub const HEADER: &str = "header";
/// `#[authorizer(kind = "request")]`
pub const KIND: &str = "kind";
/// `#[authorizer(kind = "request", identity_sources = ["method.request.header.X"])]`
pub const IDENTITY_SOURCES: &str = "identity_sources";
/// `#[authorizer(ttl = 300)]`
pub const TTL: &str = "ttl";

/// The options of `#[authorizer]`.
pub const AUTHORIZER_OPTIONS: &[&str] = &[HEADER, KIND, IDENTITY_SOURCES, TTL, NAME];

/// The header a TOKEN authorizer reads when `header` is not given.
pub const DEFAULT_TOKEN_HEADER: &str = "Authorization";

/// `#[on_sqs_message(queue = "jobs")]`
pub const QUEUE: &str = "queue";
/// `#[on_sqs_message(queue = "jobs", batch_size = 10)]`, also on streams.
pub const BATCH_SIZE: &str = "batch_size";
/// `#[on_sns_message(topic = "alerts")]`
pub const TOPIC: &str = "topic";
/// `#[on_s3_event(bucket = "uploads")]`
pub const BUCKET: &str = "bucket";
/// `#[on_s3_event(bucket = "uploads", events = ["s3:ObjectCreated:*"])]`
pub const EVENTS: &str = "events";
/// `#[on_s3_event(bucket = "uploads", prefix = "in/")]`
pub const PREFIX: &str = "prefix";
/// `#[on_s3_event(bucket = "uploads", suffix = ".png")]`
pub const SUFFIX: &str = "suffix";
/// `#[on_event(pattern = r#"{"source": ["shop.orders"]}"#)]`
pub const PATTERN: &str = "pattern";
/// `#[on_event(pattern = "...", bus = "orders")]`
pub const BUS: &str = "bus";
/// `#[on_dynamodb_record(stream = "arn:...")]`, `#[on_kinesis_record(stream = "clicks")]`
pub const STREAM: &str = "stream";
/// `#[on_kinesis_record(stream = "clicks", starting_position = "TRIM_HORIZON")]`
pub const STARTING_POSITION: &str = "starting_position";

/// The events an `#[on_s3_event]` reacts to when `events` is not given (Chalice's default).
pub const DEFAULT_S3_EVENTS: &[&str] = &["s3:ObjectCreated:*"];

/// `goblet::app!(app_name = "orders")`, `#[goblet::main(app_name = "orders")]`
pub const APP_NAME: &str = "app_name";

/// The options of `goblet::app!` and `#[goblet::main]`.
pub const MAIN_OPTIONS: &[&str] = &[APP_NAME];

/// Methods a route serves when `methods` is not given.
pub const DEFAULT_METHODS: &[Method] = &[Method::Get];
/// Request bodies a route accepts when `content_types` is not given.
pub const DEFAULT_CONTENT_TYPES: &[&str] = &["application/json"];
