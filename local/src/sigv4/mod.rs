//! AWS Signature Version 4 verification for `AWS_IAM` routes, as Amazon API
//! Gateway performs it for service `execute-api`.
//!
//! * [`Verifier`] holds the known [`Identity`]s and checks a received
//!   request ([`RequestParts`]): `Authorization` header or presigned URL,
//!   with or without a session token, with or without
//!   `x-amz-content-sha256`, with `X-Amz-Date` or `Date`.
//! * It answers who signed ([`VerifiedCaller`], for
//!   `requestContext.identity`) or why not ([`Rejection`]: `403` with API
//!   Gateway's `x-amzn-ErrorType` and message).
//! * [`Callers`] adds what the user's AWS configuration hands out later
//!   (through a [`CredentialRefresh`]) and refuses expired credentials.
//! * [`load_identities_file`] reads `--identities FILE`; the user's own
//!   credentials come from the `goblet` command, which owns the AWS
//!   configuration.
//!
//! The expected signature is computed by the official `aws-sigv4` crate, by
//! re-signing the request exactly as the client described it; nothing here
//! implements SigV4's cryptography.
//!
//! Known divergences from API Gateway:
//! * a raw `+` or `*` in a query string is canonicalised by `aws-sigv4`
//!   (`+` read as a space, `*` as `%2A`), while botocore signs a URL's raw
//!   query as it is: such a request is refused here;
//! * a signature mismatch message does not carry the canonical request and
//!   string to sign that API Gateway may append;
//! * a presigned URL must carry `X-Amz-Expires`; past it, the message is
//!   `Signature expired: <X-Amz-Date> is now earlier than <now - expires>
//!   (<now> - <expires> min.)` (`sec.` when not whole minutes), the shape of
//!   the five-minute message;
//! * `requestContext.identity.caller`/`user` are derived from the ARN, not
//!   IAM's unique ids (see [`Identity::principal`]).

mod callers;
mod identities;
mod parse;
mod rejection;
mod time;
mod verify;

pub(crate) use callers::Callers;
pub use callers::CredentialRefresh;
pub use identities::{
    DEFAULT_ACCOUNT_ID, Identity, IdentityError, load_identities_file, parse_identities,
};
pub(crate) use parse::is_presigned;
pub use rejection::{ErrorType, Rejection};
pub use verify::{RequestParts, SERVICE, VerifiedCaller, Verifier};
