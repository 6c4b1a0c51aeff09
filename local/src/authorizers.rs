//! Lambda authorizers as API Gateway runs them in front of a route: the
//! identity sources read from the request (401 when one is missing), the
//! result cached per authorizer and identity-source values for the
//! authorizer's TTL, the authorizer's answer checked (500 when it is not an
//! authorizer's answer), and its policy evaluated against the request's
//! method ARN (403 on an explicit or implicit deny).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use goblet_core::policy::{Decision, INVOKE_ACTION, PolicyDocument};
use goblet_core::{Authorizer, IdentitySource, Manifest};
use http::HeaderMap;
use serde::Deserialize;
use serde_json::{Map, Value};

/// At most this many cached results; past it, expired ones go first, then
/// all (a client sending ever new tokens cannot grow `goblet local`).
const MAX_CACHED: usize = 10_000;

/// What an authorizer granted: who the caller is, the policy, and the
/// context handlers see.
#[derive(Debug)]
pub(crate) struct Grant {
    pub principal_id: String,
    policy: PolicyDocument,
    pub context: Map<String, Value>,
}

/// The request an authorizer decides about, as the gateway read it.
pub(crate) struct Asking<'a> {
    pub headers: &'a HeaderMap,
    pub query: Option<&'a str>,
    pub source_ip: &'a str,
    pub stage: &'a str,
    pub method: &'a str,
}

/// Why a request gets no further than its authorizer, as API Gateway answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// 401 `{"message":"Unauthorized"}`: an identity source is missing or
    /// empty, or the authorizer said `Unauthorized`.
    Unauthorized,
    /// 403 with an explicit deny.
    ExplicitDeny,
    /// 403: no statement allowed the method ARN.
    NotAllowed,
    /// 500 `{"message":null}`: the authorizer failed, timed out or answered
    /// something that is not an authorizer's answer; the reason is logged.
    Configuration(String),
    /// 500 naming the reason: the authorizer's function is not the app's
    /// and no binary stands in for it, so goblet local cannot decide.
    NotRunnable(String),
}

/// The app's authorizers and the results API Gateway would have cached.
pub(crate) struct Authorizers {
    by_name: HashMap<String, Authorizer>,
    /// The names of the configuration's external authorizers (`function_arn`).
    external: HashMap<String, String>,
    cache: Mutex<HashMap<CacheKey, Cached>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct CacheKey {
    authorizer: String,
    identity: Vec<String>,
}

struct Cached {
    until: Instant,
    grant: Arc<Grant>,
}

impl Authorizers {
    pub(crate) fn new(manifest: &Manifest) -> Authorizers {
        Authorizers {
            by_name: manifest
                .authorizers
                .iter()
                .map(|a| (a.name.clone(), a.clone()))
                .chain(
                    manifest
                        .external_authorizers
                        .iter()
                        .map(|a| (a.name.clone(), a.as_lambda("configuration"))),
                )
                .collect(),
            external: manifest
                .external_authorizers
                .iter()
                .map(|a| (a.name.clone(), a.function_arn.clone()))
                .collect(),
            cache: Mutex::new(HashMap::new()),
        }
    }

    pub(crate) fn get(&self, name: &str) -> Option<&Authorizer> {
        self.by_name.get(name)
    }

    /// The function ARN of an external authorizer; `None` for the app's own.
    pub(crate) fn external_function(&self, name: &str) -> Option<&str> {
        self.external.get(name).map(String::as_str)
    }

    /// The identity-source values, in the authorizer's order; `Err` when one
    /// is missing or empty, which API Gateway answers 401 without calling
    /// the authorizer.
    pub(crate) fn identity(
        &self,
        authorizer: &Authorizer,
        asking: &Asking<'_>,
    ) -> Result<Vec<String>, Refusal> {
        authorizer
            .sources()
            .map(|source| {
                read_source(&source, asking)
                    .filter(|v| !v.is_empty())
                    .ok_or(Refusal::Unauthorized)
            })
            .collect()
    }

    /// A cached grant for these identity values, while its TTL lasts.
    pub(crate) fn cached(
        &self,
        authorizer: &Authorizer,
        identity: &[String],
    ) -> Option<Arc<Grant>> {
        if authorizer.ttl_seconds == 0 || identity.is_empty() {
            return None;
        }
        let key = CacheKey {
            authorizer: authorizer.name.clone(),
            identity: identity.to_vec(),
        };
        let cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        cache
            .get(&key)
            .filter(|c| c.until > Instant::now())
            .map(|c| c.grant.clone())
    }

    /// Remembers a grant for the authorizer's TTL.
    pub(crate) fn remember(
        &self,
        authorizer: &Authorizer,
        identity: Vec<String>,
        grant: Arc<Grant>,
    ) {
        if authorizer.ttl_seconds == 0 || identity.is_empty() {
            return;
        }
        let now = Instant::now();
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        if cache.len() >= MAX_CACHED {
            cache.retain(|_, c| c.until > now);
            if cache.len() >= MAX_CACHED {
                cache.clear();
            }
        }
        cache.insert(
            CacheKey {
                authorizer: authorizer.name.clone(),
                identity,
            },
            Cached {
                until: now + Duration::from_secs(u64::from(authorizer.ttl_seconds)),
                grant,
            },
        );
    }
}

impl Grant {
    /// Whether the grant's policy lets the caller invoke `method_arn`.
    pub(crate) fn permits(&self, method_arn: &str) -> Result<(), Refusal> {
        match self.policy.evaluate(INVOKE_ACTION, method_arn) {
            Decision::Allow => Ok(()),
            Decision::ExplicitDeny => Err(Refusal::ExplicitDeny),
            Decision::ImplicitDeny => Err(Refusal::NotAllowed),
        }
    }
}

fn read_source(source: &IdentitySource, asking: &Asking<'_>) -> Option<String> {
    match source {
        IdentitySource::Header(name) => asking
            .headers
            .get(name.as_str())
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        IdentitySource::Query(name) => asking.query.and_then(|q| {
            form_urlencoded::parse(q.as_bytes())
                .filter(|(k, _)| k == name.as_str())
                .last()
                .map(|(_, v)| v.into_owned())
        }),
        // `goblet local` serves a stage without stage variables.
        IdentitySource::StageVariable(_) => None,
        IdentitySource::Context(name) => match name.as_str() {
            "identity.sourceIp" => Some(asking.source_ip.to_owned()),
            "identity.userAgent" => asking
                .headers
                .get(http::header::USER_AGENT)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
            "stage" => Some(asking.stage.to_owned()),
            "httpMethod" => Some(asking.method.to_owned()),
            _ => None,
        },
    }
}

/// What a Lambda authorizer answered, as API Gateway reads it.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Answer {
    principal_id: Option<Value>,
    policy_document: PolicyDocument,
    #[serde(default)]
    context: Option<Map<String, Value>>,
}

/// The authorizer's invocation outcome: its answer, or its error document.
pub(crate) fn read_answer(outcome: Result<Bytes, ErrorDocument>) -> Result<Grant, Refusal> {
    let body = match outcome {
        Ok(body) => body,
        Err(ErrorDocument(body)) => {
            // `Unauthorized` as the error message is API Gateway's 401.
            let message = serde_json::from_slice::<Value>(&body).ok().and_then(|v| {
                v.get("errorMessage")
                    .and_then(Value::as_str)
                    .map(str::to_owned)
            });
            return match message.as_deref() {
                Some("Unauthorized") => Err(Refusal::Unauthorized),
                _ => Err(Refusal::Configuration(format!(
                    "the authorizer failed: {}",
                    String::from_utf8_lossy(&body)
                ))),
            };
        }
    };
    let answer: Answer = serde_json::from_slice(&body).map_err(|e| {
        Refusal::Configuration(format!(
            "the authorizer's answer is not a principal and a policy document: {e}"
        ))
    })?;
    answer
        .policy_document
        .check()
        .map_err(|e| Refusal::Configuration(format!("the authorizer's policy: {e}")))?;
    // "The output must include the principal identifier (principalId) and
    // a policy document" (API Gateway's Lambda authorizer output).
    let principal_id = match answer.principal_id {
        Some(Value::String(s)) => s,
        _ => {
            return Err(Refusal::Configuration(
                "the authorizer's answer has no principalId string".into(),
            ));
        }
    };
    let context = answer.context.unwrap_or_default();
    // API Gateway takes strings, numbers and booleans only; anything else
    // fails the request at the integration, after the authorizer.
    if let Some((key, _)) = context
        .iter()
        .find(|(_, v)| !matches!(v, Value::String(_) | Value::Number(_) | Value::Bool(_)))
    {
        return Err(Refusal::Configuration(format!(
            "the authorizer's context value `{key}` is not a string, number or boolean"
        )));
    }
    Ok(Grant {
        principal_id,
        policy: answer.policy_document,
        context,
    })
}

/// An invocation's error document (`{"errorMessage": ..., "errorType": ...}`).
pub(crate) struct ErrorDocument(pub Bytes);

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const ARN: &str = "arn:aws:execute-api:us-east-1:123456789012:abc/api/GET/orders";

    fn answer(v: Value) -> Result<Grant, Refusal> {
        read_answer(Ok(Bytes::from(v.to_string())))
    }

    fn policy(effect: &str, resource: &str) -> Value {
        json!({"Version": "2012-10-17", "Statement": [
            {"Effect": effect, "Action": "execute-api:Invoke", "Resource": resource}
        ]})
    }

    #[test]
    fn answers_and_refusals() {
        let allowed = answer(json!({
            "principalId": "alice",
            "policyDocument": policy("Allow", "arn:aws:execute-api:us-east-1:123456789012:abc/api/*"),
            "context": {"tier": "gold", "n": 1, "b": true}
        }))
        .unwrap();
        assert_eq!(allowed.principal_id, "alice");
        assert_eq!(allowed.permits(ARN), Ok(()));
        let denied =
            answer(json!({"principalId": "m", "policyDocument": policy("Deny", "*")})).unwrap();
        assert_eq!(denied.permits(ARN), Err(Refusal::ExplicitDeny));
        let other =
            answer(json!({"principalId": "m", "policyDocument": policy("Allow", "*/POST/*")}))
                .unwrap();
        assert_eq!(other.permits(ARN), Err(Refusal::NotAllowed));

        let unauthorized = read_answer(Err(ErrorDocument(Bytes::from_static(
            br#"{"errorType":"Unauthorized","errorMessage":"Unauthorized"}"#,
        ))));
        assert_eq!(unauthorized.unwrap_err(), Refusal::Unauthorized);
        for bad in [
            read_answer(Err(ErrorDocument(Bytes::from_static(
                br#"{"errorType":"x","errorMessage":"unauthorized"}"#,
            )))),
            read_answer(Ok(Bytes::from_static(b"not json"))),
            answer(json!({"principalId": "a"})),
            answer(json!({"policyDocument": policy("Allow", "*")})),
            answer(json!({"principalId": 7, "policyDocument": policy("Allow", "*")})),
            answer(
                json!({"principalId": "a", "policyDocument": {"Statement": [{"Effect": "Allow"}]}}),
            ),
            answer(
                json!({"principalId": "a", "policyDocument": policy("Allow", "*"), "context": {"o": {"x": 1}}}),
            ),
            answer(
                json!({"principalId": "a", "policyDocument": policy("Allow", "*"), "context": {"l": [1]}}),
            ),
        ] {
            assert!(matches!(bad, Err(Refusal::Configuration(_))), "{bad:?}");
        }
    }
}
