//! Lambda's Invoke API on `goblet local`'s port:
//! `POST /2015-03-31/functions/{FunctionName}/invocations`, so that `aws
//! lambda invoke --endpoint-url`, boto3 and `goblet invoke --local` run any
//! of the app's functions through the real Runtime API.
//!
//! As Lambda: requests are SigV4-signed for the `lambda` service (the same
//! identities as `AWS_IAM` routes); the function is named by its name, its
//! ARN or a partial ARN, with `$LATEST` as the only qualifier;
//! `X-Amz-Invocation-Type` is `RequestResponse` (200, the result, or the
//! error document with `X-Amz-Function-Error: Unhandled`), `Event` (202,
//! run in the background) or `DryRun` (204); payloads are JSON, at most
//! 6 MB synchronously and 1 MB asynchronously ("Invoke", Lambda API
//! reference). Errors carry `x-amzn-ErrorType` and Lambda's
//! `{"Type": "User", "message": ...}` body.
//!
//! Not modelled: retries of failed asynchronous invocations (Lambda tries
//! twice more), destinations and dead-letter queues, `X-Amz-Log-Type: Tail`,
//! `ClientContext`, versions and aliases.

use std::sync::Arc;
use std::time::SystemTime;

use bytes::Bytes;
use http::header::{CONNECTION, CONTENT_TYPE, HeaderName, HeaderValue};
use http::{Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Body as _, Incoming};
use tokio::sync::Semaphore;

use crate::lambda::FunctionConfig;
use crate::limits;
use crate::pool::{Failure, Logger, Pool};
use crate::sigv4::{Callers, Rejection, RequestParts};

/// Where the Invoke API's paths start.
pub(crate) const PREFIX: &str = "/2015-03-31/functions/";

/// The largest synchronous payload: 6 MB (Lambda quotas).
const MAX_SYNC_PAYLOAD: usize = 6_291_456;
/// The largest asynchronous payload: 1 MB (Lambda API reference, Invoke).
const MAX_ASYNC_PAYLOAD: usize = 1_048_576;
/// Asynchronous invocations waiting or running at once; beyond, Lambda's
/// throttling answer. Bounds the memory held by events nobody waits for.
const MAX_QUEUED_EVENTS: usize = 1000;

const X_AMZN_ERROR_TYPE: HeaderName = HeaderName::from_static("x-amzn-errortype");
const X_AMZ_FUNCTION_ERROR: HeaderName = HeaderName::from_static("x-amz-function-error");
const X_AMZ_EXECUTED_VERSION: HeaderName = HeaderName::from_static("x-amz-executed-version");
const X_AMZ_INVOCATION_TYPE: &str = "x-amz-invocation-type";

type Reply = Response<Full<Bytes>>;

/// One function the Invoke API runs.
pub(crate) struct Invokable {
    /// Its `Handler`: `bootstrap` for the API's function, the handler's name
    /// for an event handler.
    pub handler: String,
    pub config: FunctionConfig,
    pub pool: Arc<Pool>,
    /// A `#[schedule]`'s expression, for `--schedules`.
    pub schedule: Option<goblet_core::schedule::Schedule>,
}

/// Every function of one build, and who may invoke them.
pub(crate) struct Functions {
    functions: Vec<Invokable>,
    verifier: Callers,
    queued: Arc<Semaphore>,
    logger: Logger,
}

/// What a request names, once parsed.
#[derive(Debug, PartialEq, Eq)]
struct Target<'a> {
    name: &'a str,
    region: Option<&'a str>,
    account: Option<&'a str>,
    qualifier: Option<&'a str>,
}

/// `name`, `123456789012:function:name[:q]` or
/// `arn:aws:lambda:region:123456789012:function:name[:q]`.
fn parse_function_name(text: &str) -> Option<Target<'_>> {
    let parts: Vec<&str> = text.split(':').collect();
    let (region, account, rest) = match parts.as_slice() {
        [
            "arn",
            partition,
            "lambda",
            region,
            account,
            "function",
            rest @ ..,
        ] if partition.starts_with("aws") => (Some(*region), Some(*account), rest),
        [account, "function", rest @ ..] => (None, Some(*account), rest),
        ["function", rest @ ..] => (None, None, rest),
        rest => (None, None, rest),
    };
    let (name, qualifier) = match rest {
        [name] => (*name, None),
        [name, qualifier] => (*name, Some(*qualifier)),
        _ => return None,
    };
    let valid = !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    valid.then_some(Target {
        name,
        region,
        account,
        qualifier,
    })
}

/// Lambda's error answer: `x-amzn-ErrorType` and `{"Type":"User","message":...}`.
fn lambda_error(status: StatusCode, error_type: &str, message: &str) -> Reply {
    let body = serde_json::json!({ "Type": "User", "message": message }).to_string();
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    if let Ok(v) = HeaderValue::from_str(error_type) {
        headers.insert(X_AMZN_ERROR_TYPE, v);
    }
    response
}

fn refused(rejection: &Rejection) -> Reply {
    let body = serde_json::json!({ "message": rejection.message }).to_string();
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = rejection.status;
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    headers.insert(
        X_AMZN_ERROR_TYPE,
        HeaderValue::from_static(rejection.error_type.as_str()),
    );
    response
}

fn too_large(limit: usize) -> Reply {
    lambda_error(
        StatusCode::PAYLOAD_TOO_LARGE,
        "RequestEntityTooLargeException",
        &format!("Request must be smaller than {limit} bytes for the InvokeFunction operation"),
    )
}

/// The function's answer to a synchronous invocation.
fn answered(result: Result<Bytes, Failure>, timeout: std::time::Duration) -> Reply {
    let (body, failed) = match result {
        Ok(body) => (body, false),
        Err(Failure::FunctionError(body)) => (body, true),
        Err(Failure::TimedOut) => (
            Bytes::from(
                serde_json::json!({
                    "errorType": "Sandbox.Timedout",
                    "errorMessage": format!("Task timed out after {:.2} seconds", timeout.as_secs_f64()),
                })
                .to_string(),
            ),
            true,
        ),
        Err(Failure::Failed) => (
            Bytes::from(
                serde_json::json!({
                    "errorType": "Runtime.ExitError",
                    "errorMessage": "The function's execution environment failed (goblet local's log has its output)",
                })
                .to_string(),
            ),
            true,
        ),
    };
    let mut response = Response::new(Full::new(body));
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    headers.insert(X_AMZ_EXECUTED_VERSION, HeaderValue::from_static("$LATEST"));
    if failed {
        headers.insert(X_AMZ_FUNCTION_ERROR, HeaderValue::from_static("Unhandled"));
    }
    response
}

fn empty(status: StatusCode) -> Reply {
    let mut response = Response::new(Full::new(Bytes::new()));
    *response.status_mut() = status;
    response
}

impl Functions {
    pub(crate) fn new(functions: Vec<Invokable>, verifier: Callers, logger: Logger) -> Functions {
        Functions {
            functions,
            verifier: verifier.for_service("lambda"),
            queued: Arc::new(Semaphore::new(MAX_QUEUED_EVENTS)),
            logger,
        }
    }

    pub(crate) fn all(&self) -> &[Invokable] {
        &self.functions
    }

    /// The function `target` names: by its Lambda name or, for event
    /// handlers, by the handler's name alone.
    fn find(&self, target: &Target<'_>) -> Option<&Invokable> {
        // An ARN names a function by its full name, as Lambda knows it.
        let by_handler = target.account.is_none();
        self.functions.iter().find(|f| {
            (f.config.name == target.name
                || (by_handler && f.handler != "bootstrap" && f.handler == target.name))
                && target.region.is_none_or(|r| r == f.config.region)
                && target.account.is_none_or(|a| a == f.config.account_id)
        })
    }

    /// Serves one Invoke API request; `path` is under [`PREFIX`].
    pub(crate) async fn handle(&self, req: Request<Incoming>) -> Reply {
        let (parts, body) = req.into_parts();
        let path = parts.uri.path();
        let Some(encoded) = path
            .strip_prefix(PREFIX)
            .and_then(|rest| rest.strip_suffix("/invocations"))
        else {
            return lambda_error(
                StatusCode::NOT_FOUND,
                "UnknownOperationException",
                "Unknown operation",
            );
        };
        if parts.method != Method::POST {
            return lambda_error(
                StatusCode::NOT_FOUND,
                "UnknownOperationException",
                "Unknown operation",
            );
        }
        let invocation_type = match parts
            .headers
            .get(X_AMZ_INVOCATION_TYPE)
            .map(|v| v.to_str().unwrap_or("?"))
        {
            None | Some("RequestResponse") => InvocationType::RequestResponse,
            Some("Event") => InvocationType::Event,
            Some("DryRun") => InvocationType::DryRun,
            Some(other) => {
                return lambda_error(
                    StatusCode::BAD_REQUEST,
                    "ValidationException",
                    &format!(
                        "1 validation error detected: Value '{other}' at 'invocationType' failed to \
                         satisfy constraint: Member must satisfy enum value set: [Event, \
                         RequestResponse, DryRun]"
                    ),
                );
            }
        };
        let limit = match invocation_type {
            InvocationType::Event => MAX_ASYNC_PAYLOAD,
            _ => MAX_SYNC_PAYLOAD,
        };
        if limits::declared_length_over(&parts.headers, limit) {
            return too_large(limit);
        }
        let payload = match read_payload(body, limit).await {
            Ok(payload) => payload,
            Err(reply) => return reply,
        };
        let target = parts
            .uri
            .path_and_query()
            .map_or(parts.uri.path(), |pq| pq.as_str());
        let request = RequestParts {
            method: parts.method.as_str(),
            uri: target,
            headers: &parts.headers,
            body: &payload,
        };
        if let Err(rejection) = self.verifier.verify(&request, SystemTime::now()).await {
            return refused(&rejection);
        }
        let name = percent_encoding::percent_decode_str(encoded).decode_utf8_lossy();
        let Some(target) = parse_function_name(&name) else {
            return lambda_error(
                StatusCode::BAD_REQUEST,
                "ValidationException",
                &format!(
                    "1 validation error detected: Value '{name}' at 'functionName' failed to \
                     satisfy constraint: Member must satisfy regular expression pattern: \
                     (arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{{2}}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{{1}}:)?(\\d{{12}}:)?(function:)?([a-zA-Z0-9-_\\.]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?"
                ),
            );
        };
        let queried = parts.uri.query().and_then(|q| {
            form_urlencoded::parse(q.as_bytes())
                .find(|(k, _)| k == "Qualifier")
                .map(|(_, v)| v.into_owned())
        });
        if let (Some(queried), Some(named)) = (&queried, target.qualifier)
            && queried != named
        {
            return lambda_error(
                StatusCode::BAD_REQUEST,
                "InvalidParameterValueException",
                "The derived qualifier from the function name does not match the specified qualifier.",
            );
        }
        let qualifier = queried.or_else(|| target.qualifier.map(str::to_owned));
        let function = match self.find(&target) {
            Some(f) if qualifier.as_deref().is_none_or(|q| q == "$LATEST") => f,
            found => {
                let arn = match found {
                    Some(f) => format!("{}:{}", f.config.arn(), qualifier.unwrap_or_default()),
                    None => self.unknown_arn(&target),
                };
                return lambda_error(
                    StatusCode::NOT_FOUND,
                    "ResourceNotFoundException",
                    &format!("Function not found: {arn}"),
                );
            }
        };
        let payload = if payload.iter().all(u8::is_ascii_whitespace) {
            // An empty payload is the event `{}`, as Lambda hands it.
            Bytes::from_static(b"{}")
        } else if let Err(e) = serde_json::from_slice::<serde::de::IgnoredAny>(&payload) {
            return lambda_error(
                StatusCode::BAD_REQUEST,
                "InvalidRequestContentException",
                &format!("Could not parse request body into json: {e}"),
            );
        } else {
            payload
        };
        match invocation_type {
            InvocationType::DryRun => empty(StatusCode::NO_CONTENT),
            InvocationType::RequestResponse => {
                let Ok(permit) = function.pool.permit().await else {
                    return answered(Err(Failure::Failed), function.config.timeout);
                };
                let result = function.pool.invoke(permit, payload).await;
                answered(result, function.config.timeout)
            }
            InvocationType::Event => match self.in_background(function, payload) {
                Ok(()) => empty(StatusCode::ACCEPTED),
                Err(Throttled) => lambda_error(
                    StatusCode::TOO_MANY_REQUESTS,
                    "TooManyRequestsException",
                    "Rate Exceeded.",
                ),
            },
        }
    }

    /// Queues an asynchronous invocation of `function`, as Lambda's event
    /// queue does; Lambda's throttling answer when too many are queued.
    pub(crate) fn in_background(
        &self,
        function: &Invokable,
        payload: Bytes,
    ) -> Result<(), Throttled> {
        let Ok(slot) = self.queued.clone().try_acquire_owned() else {
            return Err(Throttled);
        };
        let pool = function.pool.clone();
        let logger = self.logger.clone();
        let name = function.config.name.clone();
        tokio::spawn(async move {
            let Ok(permit) = pool.permit().await else {
                return;
            };
            // The pool logs the invocation and its error as Lambda does.
            if pool.invoke(permit, payload).await.is_err() {
                logger.line(format!(
                    "goblet local: the asynchronous invocation of {name} failed \
                     (Lambda would retry it twice; goblet local does not)"
                ));
            }
            drop(slot);
        });
        Ok(())
    }

    fn unknown_arn(&self, target: &Target<'_>) -> String {
        let any = self.functions.first().map(|f| &f.config);
        let region = target
            .region
            .or(any.map(|c| c.region.as_str()))
            .unwrap_or("us-east-1");
        let account = target
            .account
            .or(any.map(|c| c.account_id.as_str()))
            .unwrap_or("123456789012");
        let qualifier = target.qualifier.map_or(String::new(), |q| format!(":{q}"));
        format!(
            "arn:aws:lambda:{region}:{account}:function:{}{qualifier}",
            target.name
        )
    }
}

/// Too many asynchronous invocations are queued already.
#[derive(Debug)]
pub(crate) struct Throttled;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum InvocationType {
    RequestResponse,
    Event,
    DryRun,
}

/// The payload, up to `limit` bytes, within [`limits::BODY_READ_TIMEOUT`].
async fn read_payload(body: Incoming, limit: usize) -> Result<Bytes, Reply> {
    if body.is_end_stream() {
        return Ok(Bytes::new());
    }
    let collect = Limited::new(body, limit).collect();
    match tokio::time::timeout(limits::BODY_READ_TIMEOUT, collect).await {
        Ok(Ok(collected)) => Ok(collected.to_bytes()),
        Ok(Err(e)) if e.is::<http_body_util::LengthLimitError>() => Err(too_large(limit)),
        Ok(Err(_)) => Err(lambda_error(
            StatusCode::BAD_REQUEST,
            "InvalidRequestContentException",
            "The request body could not be read",
        )),
        Err(_) => {
            let mut reply = lambda_error(
                StatusCode::REQUEST_TIMEOUT,
                "RequestTimeoutException",
                "The request body was not sent in time",
            );
            // The rest of the body is not read: the connection cannot be reused.
            reply
                .headers_mut()
                .insert(CONNECTION, HeaderValue::from_static("close"));
            Err(reply)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn function_names_take_lambdas_three_forms() {
        let plain = Target {
            name: "jobs",
            region: None,
            account: None,
            qualifier: None,
        };
        assert_eq!(parse_function_name("jobs"), Some(plain));
        assert_eq!(
            parse_function_name("123456789012:function:shop-dev-jobs:$LATEST"),
            Some(Target {
                name: "shop-dev-jobs",
                region: None,
                account: Some("123456789012"),
                qualifier: Some("$LATEST"),
            })
        );
        assert_eq!(
            parse_function_name("arn:aws:lambda:eu-west-1:123456789012:function:shop-dev-jobs"),
            Some(Target {
                name: "shop-dev-jobs",
                region: Some("eu-west-1"),
                account: Some("123456789012"),
                qualifier: None,
            })
        );
        assert_eq!(
            parse_function_name("function:jobs"),
            Some(Target {
                name: "jobs",
                region: None,
                account: None,
                qualifier: None,
            })
        );
        for bad in ["", "a/b", "arn:aws:s3:::bucket", "a:b:c:d", &"x".repeat(65)] {
            assert_eq!(parse_function_name(bad), None, "{bad}");
        }
    }
}
