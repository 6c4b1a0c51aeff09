use std::collections::HashMap;
use std::sync::Arc;

use bytes::Bytes;
use http::{HeaderMap, Method};

pub use goblet_core::EventFormat;

/// Who called, as API Gateway saw it. For `auth = "iam"` routes API Gateway has
/// verified the SigV4 signature and fills in the IAM fields; the network fields
/// are always there when the event carries them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Identity {
    pub access_key: Option<String>,
    pub account_id: Option<String>,
    pub caller: Option<String>,
    pub user: Option<String>,
    pub user_arn: Option<String>,
    pub source_ip: Option<String>,
    pub user_agent: Option<String>,
}

/// What API Gateway (or the load balancer) says about the request beyond HTTP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestContext {
    pub format: EventFormat,
    pub request_id: Option<String>,
    pub stage: Option<String>,
    pub api_id: Option<String>,
    pub account_id: Option<String>,
    pub domain_name: Option<String>,
    /// Milliseconds since the epoch, when the event carries it.
    pub request_time_epoch: Option<i64>,
    pub identity: Identity,
    pub stage_variables: HashMap<String, String>,
}

/// An HTTP request as a handler sees it.
#[derive(Debug, Clone)]
pub struct Request {
    pub(crate) method: Method,
    pub(crate) path: String,
    pub(crate) resource: Option<&'static str>,
    pub(crate) path_params: Vec<(String, String)>,
    /// `application/x-www-form-urlencoded`, without `?`.
    pub(crate) query: String,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
    pub(crate) context: Arc<RequestContext>,
}

impl Request {
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The request path, without the stage, as the event gave it.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The route's path template (`/users/{id}`) once routed.
    pub fn resource(&self) -> Option<&'static str> {
        self.resource
    }

    /// Path parameters, decoded, in template order.
    pub fn path_params(&self) -> &[(String, String)] {
        &self.path_params
    }

    pub fn path_param(&self, name: &str) -> Option<&str> {
        self.path_params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The query string, form-encoded, without the `?`.
    pub fn query_string(&self) -> &str {
        &self.query
    }

    /// Query parameters, decoded, in order; repeated keys appear repeatedly.
    pub fn query_pairs(&self) -> impl Iterator<Item = (String, String)> + '_ {
        form_urlencoded::parse(self.query.as_bytes()).map(|(k, v)| (k.into_owned(), v.into_owned()))
    }

    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The body, base64-decoded when the event said so.
    pub fn body(&self) -> &Bytes {
        &self.body
    }

    pub fn context(&self) -> &RequestContext {
        &self.context
    }

    pub fn identity(&self) -> &Identity {
        &self.context.identity
    }
}
