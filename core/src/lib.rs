//! The vocabulary every part of goblet shares.
//!
//! The `#[route]` macro, the runtime in the Lambda binary, `goblet local` and the
//! deployer all parse paths, methods and authorization types with the code in this
//! crate, so they can never disagree about what a route means. The route manifest
//! schema ([`Manifest`]) and the binary records that carry it inside a release
//! binary ([`record`]) are defined here too.

pub mod api;
mod auth;
pub mod authorizer;
pub mod cors;
mod event_format;
pub mod function;
pub mod logging;
pub mod manifest;
mod matcher;
pub mod media;
mod method;
mod path;
pub mod policy;
pub mod record;
pub mod request_path;
pub mod sample;
pub mod schedule;

pub use auth::{AuthorizationType, ParseAuthError};
pub use authorizer::{
    Authorizer, AuthorizerKind, CognitoAuthorizer, ConfiguredAuthorizer, ExternalAuthorizer,
    FunctionArn, IdentitySource, MethodArn, UserPoolArn,
};
pub use event_format::{EventFormat, EventShape};
pub use function::{Function, StartingPosition, Trigger};
pub use manifest::{MANIFEST_VERSION, Manifest, ManifestError, Route};
pub use matcher::{Match, PathMatcher};
pub use method::{Method, ParseMethodError};
pub use path::{PathError, PathErrorKind, PathTemplate, Segment};
