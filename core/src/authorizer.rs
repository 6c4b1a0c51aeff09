//! Lambda authorizers as API Gateway knows them: their kind (`TOKEN`,
//! `REQUEST`), their identity sources in API Gateway's expression syntax, how
//! long a result is cached, and the method ARN a request is authorized for.

use std::fmt;

use serde::{Deserialize, Serialize};

/// API Gateway's default `authorizerResultTtlInSeconds`.
pub const DEFAULT_TTL_SECONDS: u32 = 300;
/// API Gateway's largest `authorizerResultTtlInSeconds`.
pub const MAX_TTL_SECONDS: u32 = 3600;

/// An authorizer the app declares with `#[authorizer]`: a Lambda authorizer
/// served by the app's own function.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Authorizer {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: AuthorizerKind,
    /// API Gateway expressions (`method.request.header.Authorization`), in
    /// the order the authorizer declares them.
    pub identity_sources: Vec<String>,
    pub ttl_seconds: u32,
    pub handler: String,
    /// `file:line` of the `#[authorizer]` attribute.
    pub source: String,
}

impl Authorizer {
    /// The identity sources, parsed; they were checked when the manifest was built.
    pub fn sources(&self) -> impl Iterator<Item = IdentitySource> + '_ {
        self.identity_sources
            .iter()
            .filter_map(|s| IdentitySource::parse(s).ok())
    }
}

/// The settings every Lambda authorizer must hold to (the app's and the
/// configuration's): sources API Gateway reads, at most
/// [`MAX_TTL_SECONDS`] of caching, and no caching without a source to key
/// the cache by.
pub fn check_lambda_settings(
    name: &str,
    identity_sources: &[String],
    ttl_seconds: u32,
) -> Result<(), String> {
    if identity_sources.is_empty() && ttl_seconds > 0 {
        return Err(format!(
            "the authorizer `{name}` has no identity source; API Gateway caches results by \
             them, so one without any needs `ttl = 0`"
        ));
    }
    for source in identity_sources {
        IdentitySource::parse(source)?;
    }
    if ttl_seconds > MAX_TTL_SECONDS {
        return Err(format!(
            "the authorizer `{name}` caches for {ttl_seconds} s; API Gateway allows at most {MAX_TTL_SECONDS}"
        ));
    }
    Ok(())
}

/// A Lambda authorizer whose function exists outside the app, declared in
/// its configuration (`type = "token" | "request"`, `function_arn`): API
/// Gateway calls that function, never the app's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExternalAuthorizer {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: AuthorizerKind,
    /// `arn:aws:lambda:{region}:{account}:function:{name}[:{qualifier}]`, checked.
    pub function_arn: String,
    pub identity_sources: Vec<String>,
    pub ttl_seconds: u32,
}

impl ExternalAuthorizer {
    /// The function, parsed; it was checked when the configuration was read.
    pub fn function(&self) -> Option<FunctionArn> {
        FunctionArn::parse(&self.function_arn).ok()
    }

    /// The authorizer as the app's own would be, for code that runs either:
    /// its handler is the function's ARN and its source the configuration.
    pub fn as_lambda(&self, source: &str) -> Authorizer {
        Authorizer {
            name: self.name.clone(),
            kind: self.kind,
            identity_sources: self.identity_sources.clone(),
            ttl_seconds: self.ttl_seconds,
            handler: self.function_arn.clone(),
            source: source.to_owned(),
        }
    }
}

/// An authorizer of the app's configuration (`[package.metadata.goblet.authorizers.NAME]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfiguredAuthorizer {
    CognitoUserPools(CognitoAuthorizer),
    External(ExternalAuthorizer),
}

impl ConfiguredAuthorizer {
    pub fn name(&self) -> &str {
        match self {
            ConfiguredAuthorizer::CognitoUserPools(a) => &a.name,
            ConfiguredAuthorizer::External(a) => &a.name,
        }
    }
}

/// A Lambda function's ARN: `arn:{partition}:lambda:{region}:{account}:function:{name}[:{qualifier}]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionArn {
    pub partition: String,
    pub region: String,
    pub account: String,
    pub name: String,
    /// A version or an alias.
    pub qualifier: Option<String>,
}

impl FunctionArn {
    pub fn parse(arn: &str) -> Result<FunctionArn, String> {
        let bad = || {
            format!(
                "`{arn}` is not a Lambda function ARN \
                 (arn:aws:lambda:REGION:ACCOUNT:function:NAME, optionally :ALIAS or :VERSION)"
            )
        };
        let (partition, region, account, resource) = arn_fields(arn, "lambda").ok_or_else(bad)?;
        let rest = resource.strip_prefix("function:").ok_or_else(bad)?;
        let (name, qualifier) = match rest.split_once(':') {
            Some((name, qualifier)) => (name, Some(qualifier)),
            None => (rest, None),
        };
        // Lambda's patterns: a name of 1 to 64 letters, digits, `-` and `_`;
        // a qualifier `$LATEST`, a version number or an alias name.
        let word = |s: &str| {
            !s.is_empty()
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        };
        let valid_name = name.len() <= 64 && word(name) && is_account(account);
        let valid_qualifier =
            qualifier.is_none_or(|q| q == "$LATEST" || (q.len() <= 128 && word(q)));
        if !valid_name || !valid_qualifier {
            return Err(bad());
        }
        Ok(FunctionArn {
            partition: partition.to_owned(),
            region: region.to_owned(),
            account: account.to_owned(),
            name: name.to_owned(),
            qualifier: qualifier.map(str::to_owned),
        })
    }
}

/// The partition, region, account and resource of an ARN of `service`.
fn arn_fields<'a>(arn: &'a str, service: &str) -> Option<(&'a str, &'a str, &'a str, &'a str)> {
    let mut fields = arn.splitn(6, ':');
    let (Some("arn"), Some(partition), Some(found), Some(region), Some(account), Some(resource)) = (
        fields.next(),
        fields.next(),
        fields.next(),
        fields.next(),
        fields.next(),
        fields.next(),
    ) else {
        return None;
    };
    (found == service && !partition.is_empty() && !region.is_empty())
        .then_some((partition, region, account, resource))
}

/// An AWS account id: twelve digits.
fn is_account(account: &str) -> bool {
    account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit())
}

/// API Gateway's identity source when an authorizer names none.
pub const DEFAULT_IDENTITY_SOURCE: &str = "method.request.header.Authorization";

/// A Cognito user pool authorizer, declared in the app's configuration
/// (`[package.metadata.goblet.authorizers.NAME] type = "cognito_user_pools"`):
/// API Gateway itself checks the pool's tokens; no function of the app runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CognitoAuthorizer {
    pub name: String,
    /// `arn:aws:cognito-idp:{region}:{account}:userpool/{pool id}`, checked.
    pub provider_arns: Vec<String>,
    /// `method.request.header.NAME`: the header the token is read from.
    pub identity_source: String,
    /// How long API Gateway caches a token's result (0: never), as for
    /// Lambda authorizers (`authorizerResultTtlInSeconds`, 300 by default).
    #[serde(default = "default_ttl_seconds")]
    pub ttl_seconds: u32,
}

fn default_ttl_seconds() -> u32 {
    DEFAULT_TTL_SECONDS
}

impl CognitoAuthorizer {
    /// The header holding the token (the identity source was checked to be one).
    pub fn header(&self) -> &str {
        self.identity_source
            .strip_prefix("method.request.header.")
            .unwrap_or("Authorization")
    }

    /// The user pools, parsed; they were checked when the configuration was read.
    pub fn pools(&self) -> impl Iterator<Item = UserPoolArn> + '_ {
        self.provider_arns
            .iter()
            .filter_map(|a| UserPoolArn::parse(a).ok())
    }
}

/// A Cognito user pool's ARN: `arn:{partition}:cognito-idp:{region}:{account}:userpool/{id}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserPoolArn {
    pub partition: String,
    pub region: String,
    pub account: String,
    /// `{region}_{letters and digits}`, as Cognito makes them.
    pub pool_id: String,
}

impl UserPoolArn {
    pub fn parse(arn: &str) -> Result<UserPoolArn, String> {
        let bad = || {
            format!(
                "`{arn}` is not a Cognito user pool ARN \
                 (arn:aws:cognito-idp:REGION:ACCOUNT:userpool/POOL_ID)"
            )
        };
        let (partition, region, account, resource) =
            arn_fields(arn, "cognito-idp").ok_or_else(bad)?;
        let pool_id = resource.strip_prefix("userpool/").ok_or_else(bad)?;
        // Cognito's pattern for a user pool id: `[\w-]+_[0-9a-zA-Z]+`.
        let valid_id = pool_id.split_once('_').is_some_and(|(head, tail)| {
            !head.is_empty()
                && head.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !tail.is_empty()
                && tail.bytes().all(|b| b.is_ascii_alphanumeric())
        });
        if !valid_id || !is_account(account) {
            return Err(bad());
        }
        // A pool's id starts with its region: a token of this ARN's pool
        // could never come from another.
        if pool_id
            .split_once('_')
            .is_some_and(|(head, _)| head != region)
        {
            return Err(format!(
                "`{arn}`: the user pool {pool_id} is not in {region} (a pool's id begins with its region)"
            ));
        }
        Ok(UserPoolArn {
            partition: partition.to_owned(),
            region: region.to_owned(),
            account: account.to_owned(),
            pool_id: pool_id.to_owned(),
        })
    }

    /// The `iss` claim of the pool's tokens; its keys are at
    /// `{issuer}/.well-known/jwks.json`.
    pub fn issuer(&self) -> String {
        let suffix = if self.partition == "aws-cn" {
            "amazonaws.com.cn"
        } else {
            "amazonaws.com"
        };
        format!(
            "https://cognito-idp.{}.{suffix}/{}",
            self.region, self.pool_id
        )
    }
}

/// `TOKEN` (one header, handed over as `authorizationToken`) or `REQUEST`
/// (the request's headers, query, path and context), in API Gateway's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum AuthorizerKind {
    Token,
    Request,
}

impl AuthorizerKind {
    /// The word `#[authorizer(kind = "...")]` takes.
    pub fn from_word(word: &str) -> Option<AuthorizerKind> {
        match word {
            "token" => Some(AuthorizerKind::Token),
            "request" => Some(AuthorizerKind::Request),
            _ => None,
        }
    }

    /// API Gateway's name, as the authorizer event's `type` carries it.
    pub const fn as_str(self) -> &'static str {
        match self {
            AuthorizerKind::Token => "TOKEN",
            AuthorizerKind::Request => "REQUEST",
        }
    }
}

/// Where API Gateway reads an identity from, for the authorizer and as the
/// key of its result cache.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum IdentitySource {
    /// `method.request.header.NAME` (matched case-insensitively, as HTTP headers are).
    Header(String),
    /// `method.request.querystring.NAME`
    Query(String),
    /// `stageVariables.NAME`
    StageVariable(String),
    /// `context.NAME`
    Context(String),
}

impl IdentitySource {
    /// Parses one of API Gateway's identity source expressions.
    pub fn parse(expression: &str) -> Result<IdentitySource, String> {
        type Make = fn(String) -> IdentitySource;
        let prefixes: [(&str, Make); 4] = [
            ("method.request.header.", IdentitySource::Header),
            ("method.request.querystring.", IdentitySource::Query),
            ("stageVariables.", IdentitySource::StageVariable),
            ("context.", IdentitySource::Context),
        ];
        for (prefix, make) in prefixes {
            if let Some(name) = expression.strip_prefix(prefix) {
                let valid = !name.is_empty()
                    && name
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
                if !valid {
                    return Err(format!(
                        "identity source `{expression}` names no header, parameter or variable \
                         (letters, digits, `-`, `_` and `.` after `{prefix}`)"
                    ));
                }
                return Ok(make(name.to_owned()));
            }
        }
        Err(format!(
            "identity source `{expression}` is not one API Gateway reads: write \
             `method.request.header.NAME`, `method.request.querystring.NAME`, \
             `stageVariables.NAME` or `context.NAME`"
        ))
    }
}

impl fmt::Display for IdentitySource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IdentitySource::Header(n) => write!(f, "method.request.header.{n}"),
            IdentitySource::Query(n) => write!(f, "method.request.querystring.{n}"),
            IdentitySource::StageVariable(n) => write!(f, "stageVariables.{n}"),
            IdentitySource::Context(n) => write!(f, "context.{n}"),
        }
    }
}

/// `arn:aws:execute-api:{region}:{account}:{api}/{stage}/{METHOD}/{path}`:
/// what an authorizer is asked about and what its policy names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MethodArn {
    pub partition: String,
    pub region: String,
    pub account: String,
    pub api_id: String,
    pub stage: String,
    pub method: String,
    /// The request path with its leading `/`.
    pub path: String,
}

impl MethodArn {
    pub fn parse(arn: &str) -> Option<MethodArn> {
        let (partition, region, account, resource) = arn_fields(arn, "execute-api")?;
        let mut rest = resource.splitn(4, '/');
        let api_id = rest.next().filter(|s| !s.is_empty())?;
        let stage = rest.next().filter(|s| !s.is_empty())?;
        let method = rest.next().filter(|s| !s.is_empty())?;
        let path = format!("/{}", rest.next().unwrap_or_default());
        Some(MethodArn {
            partition: partition.to_owned(),
            region: region.to_owned(),
            account: account.to_owned(),
            api_id: api_id.to_owned(),
            stage: stage.to_owned(),
            method: method.to_owned(),
            path,
        })
    }

    /// `arn:aws:execute-api:{region}:{account}:{api}/{stage}`: what every
    /// method ARN of the stage starts with.
    pub fn stage_prefix(&self) -> String {
        format!(
            "arn:{}:execute-api:{}:{}:{}/{}",
            self.partition, self.region, self.account, self.api_id, self.stage
        )
    }
}

impl fmt::Display for MethodArn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}{}", self.stage_prefix(), self.method, self.path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_sources_parse_and_print_back() {
        let table = [
            (
                "method.request.header.Authorization",
                IdentitySource::Header("Authorization".into()),
            ),
            (
                "method.request.querystring.token",
                IdentitySource::Query("token".into()),
            ),
            (
                "stageVariables.tier",
                IdentitySource::StageVariable("tier".into()),
            ),
            (
                "context.identity.sourceIp",
                IdentitySource::Context("identity.sourceIp".into()),
            ),
        ];
        for (text, source) in table {
            assert_eq!(IdentitySource::parse(text).unwrap(), source, "{text}");
            assert_eq!(source.to_string(), text);
        }
        for bad in [
            "Authorization",
            "method.request.header.",
            "method.request.path.id",
            "method.request.header.a b",
        ] {
            assert!(IdentitySource::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn method_arns_parse_and_print_back() {
        let table = [
            (
                "arn:aws:execute-api:us-east-1:123456789012:abc123/dev/GET/orders/7",
                "GET",
                "/orders/7",
            ),
            (
                "arn:aws:execute-api:us-east-1:123456789012:abc123/dev/POST/",
                "POST",
                "/",
            ),
        ];
        for (text, method, path) in table {
            let arn = MethodArn::parse(text).unwrap();
            assert_eq!((arn.method.as_str(), arn.path.as_str()), (method, path));
            assert_eq!(arn.api_id, "abc123");
            assert_eq!(arn.stage, "dev");
            assert_eq!(arn.to_string(), text);
        }
        let arn = MethodArn::parse("arn:aws:execute-api:eu-west-1:1:api/prod/GET").unwrap();
        assert_eq!(arn.path, "/");
        assert_eq!(
            arn.stage_prefix(),
            "arn:aws:execute-api:eu-west-1:1:api/prod"
        );
        for bad in [
            "",
            "arn:aws:lambda:us-east-1:1:function:f",
            "arn:aws:execute-api:us-east-1:1:api",
            "arn:aws:execute-api:us-east-1:1:api/dev",
            "arn:aws:execute-api:us-east-1:1:/dev/GET/",
        ] {
            assert!(MethodArn::parse(bad).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn user_pool_arns_parse_and_name_their_issuer() {
        let arn = UserPoolArn::parse(
            "arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_Ab12Cd34",
        )
        .unwrap();
        assert_eq!(arn.pool_id, "eu-west-1_Ab12Cd34");
        assert_eq!(
            arn.issuer(),
            "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Ab12Cd34"
        );
        let china = UserPoolArn::parse(
            "arn:aws-cn:cognito-idp:cn-north-1:123456789012:userpool/cn-north-1_Ab12",
        )
        .unwrap();
        assert_eq!(
            china.issuer(),
            "https://cognito-idp.cn-north-1.amazonaws.com.cn/cn-north-1_Ab12"
        );
        for bad in [
            "",
            "eu-west-1_Ab12Cd34",
            "arn:aws:cognito-idp:eu-west-1:123456789012:eu-west-1_Ab12Cd34",
            "arn:aws:cognito-idp:eu-west-1:123456789012:userpool/",
            "arn:aws:cognito-idp:eu-west-1:123456789012:userpool/nounderscore",
            "arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_a/b",
            "arn:aws:cognito-idp:eu-west-1:1234:userpool/eu-west-1_Ab12",
            "arn:aws:lambda:eu-west-1:123456789012:userpool/eu-west-1_Ab12",
            // The pool of another region.
            "arn:aws:cognito-idp:eu-west-1:123456789012:userpool/us-east-1_Ab12",
        ] {
            assert!(UserPoolArn::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn function_arns_parse() {
        let table = [
            (
                "arn:aws:lambda:eu-west-1:123456789012:function:auth",
                "eu-west-1",
                "auth",
                None,
            ),
            (
                "arn:aws:lambda:us-east-1:123456789012:function:shared-auth_2:live",
                "us-east-1",
                "shared-auth_2",
                Some("live"),
            ),
            (
                "arn:aws:lambda:us-east-1:123456789012:function:auth:$LATEST",
                "us-east-1",
                "auth",
                Some("$LATEST"),
            ),
        ];
        for (text, region, name, qualifier) in table {
            let arn = FunctionArn::parse(text).unwrap();
            assert_eq!(arn.region, region);
            assert_eq!(arn.account, "123456789012");
            assert_eq!(arn.name, name);
            assert_eq!(arn.qualifier.as_deref(), qualifier);
        }
        for bad in [
            "",
            "auth",
            "arn:aws:lambda:us-east-1:123456789012:auth",
            "arn:aws:lambda:us-east-1:1234:function:auth",
            "arn:aws:lambda::123456789012:function:auth",
            "arn:aws:lambda:us-east-1:123456789012:function:",
            "arn:aws:lambda:us-east-1:123456789012:function:a b",
            "arn:aws:lambda:us-east-1:123456789012:function:auth:",
            "arn:aws:lambda:us-east-1:123456789012:function:auth:a:b",
            "arn:aws:iam:us-east-1:123456789012:function:auth",
        ] {
            assert!(FunctionArn::parse(bad).is_err(), "{bad:?}");
        }
        let long = format!(
            "arn:aws:lambda:us-east-1:123456789012:function:{}",
            "a".repeat(65)
        );
        assert!(FunctionArn::parse(&long).is_err());
    }

    #[test]
    fn lambda_settings_checks() {
        let header = || vec!["method.request.header.Authorization".to_owned()];
        assert!(check_lambda_settings("a", &header(), 300).is_ok());
        assert!(check_lambda_settings("a", &[], 0).is_ok());
        for (sources, ttl, reason) in [
            (vec![], 300, "needs `ttl = 0`"),
            (header(), 3601, "at most 3600"),
            (
                vec!["header.X".to_owned()],
                0,
                "is not one API Gateway reads",
            ),
        ] {
            let e = check_lambda_settings("a", &sources, ttl).unwrap_err();
            assert!(e.contains(reason), "{e}");
        }
    }
}
