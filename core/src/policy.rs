//! The IAM policy a Lambda authorizer returns, and its evaluation against a
//! method ARN as API Gateway evaluates it: an explicit `Deny` wins, then any
//! `Allow`, else the request is denied. `*` matches any run of characters and
//! `?` any one character; actions match case-insensitively, resources exactly.

use serde::{Deserialize, Serialize};

/// The action every API Gateway invocation is authorized for.
pub const INVOKE_ACTION: &str = "execute-api:Invoke";

/// `{"Version": ..., "Statement": [...]}`; a single statement object is
/// accepted where a list is expected, as IAM accepts it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyDocument {
    #[serde(rename = "Version", default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(rename = "Statement")]
    pub statement: OneOrMany<Statement>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Statement {
    #[serde(rename = "Effect")]
    pub effect: Effect,
    #[serde(rename = "Action", default, skip_serializing_if = "Option::is_none")]
    pub action: Option<OneOrMany<String>>,
    #[serde(rename = "NotAction", default, skip_serializing_if = "Option::is_none")]
    pub not_action: Option<OneOrMany<String>>,
    #[serde(rename = "Resource", default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<OneOrMany<String>>,
    #[serde(
        rename = "NotResource",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub not_resource: Option<OneOrMany<String>>,
    /// Kept to fail closed, never evaluated: goblet does not know the
    /// request's condition keys as API Gateway does, so a conditional
    /// `Allow` grants nothing and a conditional `Deny` always applies.
    #[serde(
        rename = "Condition",
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub condition: Option<serde_json::Value>,
}

/// A field that is there, even as `null`, is `Some`.
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<serde_json::Value>, D::Error> {
    serde_json::Value::deserialize(d).map(Some)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Effect {
    Allow,
    Deny,
}

/// A JSON value that is one `T` or a list of them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany<T> {
    One(T),
    Many(Vec<T>),
}

impl<T> OneOrMany<T> {
    pub fn as_slice(&self) -> &[T] {
        match self {
            OneOrMany::One(one) => std::slice::from_ref(one),
            OneOrMany::Many(many) => many,
        }
    }
}

/// What a policy says about one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allow,
    /// A `Deny` statement matched: API Gateway's "with an explicit deny".
    ExplicitDeny,
    /// No statement allowed it.
    ImplicitDeny,
}

impl PolicyDocument {
    /// A statement that must name what it covers: a statement without an
    /// action or a resource is malformed, as IAM says.
    pub fn check(&self) -> Result<(), String> {
        for statement in self.statement.as_slice() {
            if statement.action.is_none() == statement.not_action.is_none() {
                return Err("a policy statement needs exactly one of Action and NotAction".into());
            }
            if statement.resource.is_none() == statement.not_resource.is_none() {
                return Err(
                    "a policy statement needs exactly one of Resource and NotResource".into(),
                );
            }
            if statement.condition.as_ref().is_some_and(|c| !c.is_object()) {
                return Err("a policy statement's Condition must be an object".into());
            }
        }
        Ok(())
    }

    /// Evaluates the policy for `action` on `resource`.
    pub fn evaluate(&self, action: &str, resource: &str) -> Decision {
        let mut allowed = false;
        for statement in self.statement.as_slice() {
            if !statement.covers(action, resource) {
                continue;
            }
            match statement.effect {
                Effect::Deny => return Decision::ExplicitDeny,
                Effect::Allow if statement.condition.is_none() => allowed = true,
                Effect::Allow => {}
            }
        }
        if allowed {
            Decision::Allow
        } else {
            Decision::ImplicitDeny
        }
    }
}

impl Statement {
    fn covers(&self, action: &str, resource: &str) -> bool {
        let action_matches = |patterns: &OneOrMany<String>| {
            patterns
                .as_slice()
                .iter()
                .any(|p| wildcard(p, action, Case::Ignored))
        };
        let resource_matches = |patterns: &OneOrMany<String>| {
            patterns
                .as_slice()
                .iter()
                .any(|p| wildcard_match(p, resource))
        };
        let action_ok = match (&self.action, &self.not_action) {
            (Some(a), _) => action_matches(a),
            (None, Some(n)) => !action_matches(n),
            (None, None) => false,
        };
        let resource_ok = match (&self.resource, &self.not_resource) {
            (Some(r), _) => resource_matches(r),
            (None, Some(n)) => !resource_matches(n),
            (None, None) => false,
        };
        action_ok && resource_ok
    }
}

/// IAM's wildcard match: `*` any run of characters (`/` included), `?` any
/// one character, everything else literally.
pub fn wildcard_match(pattern: &str, text: &str) -> bool {
    wildcard(pattern, text, Case::Kept)
}

/// Whether letters' case matters: IAM matches actions ignoring it,
/// resources keeping it.
#[derive(Clone, Copy)]
enum Case {
    Kept,
    Ignored,
}

fn wildcard(pattern: &str, text: &str, case: Case) -> bool {
    // Method ARNs and their patterns are ASCII but for path segments: match
    // bytes then, with no allocation on this per-request path; `?` is one
    // character, so other text is matched by characters.
    if pattern.is_ascii() && text.is_ascii() {
        let same = |a: u8, b: u8| match case {
            Case::Kept => a == b,
            Case::Ignored => a.eq_ignore_ascii_case(&b),
        };
        return matches(pattern.as_bytes(), text.as_bytes(), b'*', b'?', same);
    }
    let same = |a: char, b: char| match case {
        Case::Kept => a == b,
        Case::Ignored => a.eq_ignore_ascii_case(&b),
    };
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    matches(&p, &t, '*', '?', same)
}

fn matches<T: Copy + PartialEq>(
    p: &[T],
    t: &[T],
    star: T,
    any: T,
    same: impl Fn(T, T) -> bool,
) -> bool {
    // Greedy match with backtracking to the last `*`: linear in practice,
    // never exponential.
    let (mut pi, mut ti) = (0, 0);
    let mut last_star: Option<(usize, usize)> = None;
    while ti < t.len() {
        // A `*` in the pattern is always the wildcard, even against a `*`
        // in the text.
        if pi < p.len() && p[pi] == star {
            last_star = Some((pi, ti));
            pi += 1;
        } else if pi < p.len() && (p[pi] == any || same(p[pi], t[ti])) {
            pi += 1;
            ti += 1;
        } else if let Some((sp, st)) = last_star {
            pi = sp + 1;
            ti = st + 1;
            last_star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == star {
        pi += 1;
    }
    pi == p.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    const ARN: &str = "arn:aws:execute-api:us-east-1:123456789012:abc/dev/GET/orders/7";

    fn policy(json: &str) -> PolicyDocument {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn wildcards() {
        let table = [
            ("*", "", true),
            ("*", "anything/at/all", true),
            ("a?c", "abc", true),
            ("a?c", "ac", false),
            ("a*c", "abbbc", true),
            ("a*c", "abbbd", false),
            ("*/GET/*", "x/GET/orders/7", true),
            ("*/GET/*", "x/POST/orders/7", false),
            ("orders", "Orders", false),
            ("a*b*c", "aXbYbZc", true),
            ("a*b*c", "aXbYbZ", false),
            ("", "", true),
            ("", "a", false),
            // A `*` in the text is matched by the wildcard, not literally only.
            ("x/GET/*", "x/GET/*x", true),
            ("x/GET/*x", "x/GET/*x", true),
            ("*?", "", false),
            // `?` is one character, however many bytes it takes.
            ("a?c", "aéc", true),
            ("a??c", "aéc", false),
            ("*/é*", "x/été/1", true),
            ("*/É*", "x/été/1", false),
        ];
        for (pattern, text, expected) in table {
            assert_eq!(
                wildcard_match(pattern, text),
                expected,
                "{pattern} ~ {text}"
            );
        }
        // Actions are matched ignoring case, resources keeping it.
        for (pattern, text, expected) in [
            ("execute-api:invoke", "Execute-API:Invoke", true),
            ("EXECUTE-API:*", "execute-api:Invoke", true),
            ("execute-api:?nvoke", "execute-api:INVOKE", true),
            ("execute-api:invoke", "execute-api:invoked", false),
            ("é:*", "É:x", false),
        ] {
            assert_eq!(
                wildcard(pattern, text, Case::Ignored),
                expected,
                "{pattern} ~ {text}"
            );
        }
    }

    #[test]
    fn decisions() {
        let allow_all = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:us-east-1:123456789012:abc/dev/*"}]}"#;
        let table = [
            (allow_all, Decision::Allow),
            // One statement object instead of a list, as IAM allows.
            (
                r#"{"Statement":{"Effect":"Allow","Action":["execute-api:*"],"Resource":["*"]}}"#,
                Decision::Allow,
            ),
            // Actions are case-insensitive.
            (
                r#"{"Statement":[{"Effect":"Allow","Action":"EXECUTE-API:invoke","Resource":"*"}]}"#,
                Decision::Allow,
            ),
            // An allow for another method only.
            (
                r#"{"Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:us-east-1:123456789012:abc/dev/POST/*"}]}"#,
                Decision::ImplicitDeny,
            ),
            // Explicit deny beats the allow, whatever the order.
            (
                r#"{"Statement":[{"Effect":"Deny","Action":"execute-api:Invoke","Resource":"*/orders/*"},{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
                Decision::ExplicitDeny,
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Deny","Action":"execute-api:Invoke","Resource":"*/GET/orders/?"}]}"#,
                Decision::ExplicitDeny,
            ),
            // A deny that does not cover the request leaves the allow.
            (
                r#"{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Deny","Action":"execute-api:Invoke","Resource":"*/DELETE/*"}]}"#,
                Decision::Allow,
            ),
            // Another action allowed is no allow.
            (
                r#"{"Statement":[{"Effect":"Allow","Action":"execute-api:ManageConnections","Resource":"*"}]}"#,
                Decision::ImplicitDeny,
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","NotAction":"execute-api:ManageConnections","Resource":"*"}]}"#,
                Decision::Allow,
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","Action":"*","NotResource":"*/GET/orders/*"}]}"#,
                Decision::ImplicitDeny,
            ),
            (r#"{"Statement":[]}"#, Decision::ImplicitDeny),
            // Conditions are not evaluated: fail closed.
            (
                r#"{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}]}"#,
                Decision::ImplicitDeny,
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}]}"#,
                Decision::ExplicitDeny,
            ),
        ];
        for (json, expected) in table {
            assert_eq!(
                policy(json).evaluate(INVOKE_ACTION, ARN),
                expected,
                "{json}"
            );
        }
    }

    #[test]
    fn malformed_statements_are_refused() {
        assert!(
            policy(
                r#"{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":null}]}"#
            )
            .check()
            .is_err()
        );
        assert!(
            policy(r#"{"Statement":[{"Effect":"Allow","Resource":"*"}]}"#)
                .check()
                .is_err()
        );
        assert!(
            policy(r#"{"Statement":[{"Effect":"Allow","Action":"*"}]}"#)
                .check()
                .is_err()
        );
        assert!(
            policy(r#"{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#)
                .check()
                .is_ok()
        );
        for bad in [
            r#"{"Statement":[{"Effect":"Maybe","Action":"*","Resource":"*"}]}"#,
            r#"{"statement":[]}"#,
            r#"{"Statement":"Allow"}"#,
        ] {
            assert!(
                serde_json::from_str::<PolicyDocument>(bad).is_err(),
                "{bad}"
            );
        }
    }
}
