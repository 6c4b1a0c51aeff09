//! The route manifest: what a goblet app serves, one entry per API Gateway method.
//!
//! This JSON is a promise to users and tools. Schema, version [`MANIFEST_VERSION`]:
//!
//! ```json
//! {"manifest_version": 1, "goblet_version": "0.1.0", "app_name": "helloworld",
//!  "routes": [{"path": "/", "method": "GET", "authorization_type": "AWS_IAM",
//!              "api_key_required": false, "cors": false,
//!              "content_types": ["application/json"],
//!              "handler": "helloworld::app::index", "path_parameters": [],
//!              "name": "index", "source": "src/app.rs:3"}]}
//! ```
//!
//! A route guarded by an `#[authorizer]` has `"authorization_type": "CUSTOM"`
//! and names it in `"authorizer"`; the app's authorizers are listed in
//! `"authorizers"` ([`Authorizer`]). Both fields, like `"authorization_scopes"`,
//! are left out when empty, so apps without authorizers keep their manifest.
//! A route may also name an authorizer of the app's configuration (a Cognito
//! user pool, or a Lambda authorizer whose function exists outside the app):
//! the binary cannot know it, so [`Manifest::configure`] resolves the names
//! once the configuration is read, turns the routes of a user pool into
//! `"COGNITO_USER_POOLS"` and lists the configured authorizers in
//! `"cognito_authorizers"` and `"external_authorizers"`. Until then a name
//! no `#[authorizer]` declares is left for the configuration to resolve.
//!
//! Fields may be added in later versions; none of these is ever renamed.
//! `routes` is sorted by `(path, method)`, so the same source always gives
//! byte-identical output.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::authorizer::{
    Authorizer, CognitoAuthorizer, ConfiguredAuthorizer, ExternalAuthorizer, check_lambda_settings,
};
use crate::function::{self, Function};
use crate::{AuthorizationType, Method, PathError, PathTemplate, Segment};

/// The schema version written as `manifest_version`.
pub const MANIFEST_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub manifest_version: u32,
    pub goblet_version: String,
    pub app_name: String,
    pub routes: Vec<Route>,
    /// Sorted by name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub authorizers: Vec<Authorizer>,
    /// The configuration's Cognito user pool authorizers, sorted by name:
    /// set by [`Manifest::configure`], never in a binary.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cognito_authorizers: Vec<CognitoAuthorizer>,
    /// The configuration's Lambda authorizers whose function is not the
    /// app's (`function_arn`), sorted by name: set by [`Manifest::configure`].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub external_authorizers: Vec<ExternalAuthorizer>,
    /// The app's event handlers and plain functions, each a Lambda
    /// function of its own, sorted by name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub functions: Vec<Function>,
}

/// One API Gateway method: a (path, method) pair and how it is guarded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Route {
    pub path: String,
    pub method: Method,
    pub authorization_type: AuthorizationType,
    pub api_key_required: bool,
    pub cors: bool,
    pub content_types: Vec<String>,
    pub handler: String,
    pub path_parameters: Vec<String>,
    pub name: String,
    /// `file:line` of the `#[route]` attribute.
    pub source: String,
    /// The authorizer of a `CUSTOM` route, by name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorizer: Option<String>,
    /// API Gateway's `authorizationScopes`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub authorization_scopes: Vec<String>,
}

impl Route {
    /// An open route of `method` on `path` run by `handler` (also its
    /// name), with the path's parameters and nothing else: no authorization,
    /// API key, CORS, content types or source. For tools and tests that
    /// build a manifest by hand: `Route { cors: true, ..Route::new(..) }`.
    pub fn new(method: Method, path: &str, handler: &str) -> Route {
        let path_parameters = PathTemplate::parse(path)
            .map(|t| t.parameter_names().map(str::to_owned).collect())
            .unwrap_or_default();
        Route {
            path: path.to_owned(),
            method,
            authorization_type: AuthorizationType::None,
            api_key_required: false,
            cors: false,
            content_types: Vec::new(),
            handler: handler.to_owned(),
            path_parameters,
            name: handler.to_owned(),
            source: String::new(),
            authorizer: None,
            authorization_scopes: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ManifestError {
    /// The binary holds no goblet records at all.
    NotAGobletApp,
    /// Routes are there but no `#[goblet::main]` / `goblet::app!()`: the binary cannot serve them.
    NoApp,
    /// The app is declared but there is no `#[route]`: nothing to serve or deploy.
    NoRoutes { app_name: String },
    /// More than one app record.
    SeveralApps(Vec<String>),
    /// The records do not decode; `offset` is a byte position in the section.
    Corrupt { offset: usize, reason: String },
    /// Written by a goblet whose record format this one does not read.
    Incompatible { found: u8, supported: u8 },
    /// Two handlers claim the same (path, method).
    DuplicateRoute {
        path: String,
        method: Method,
        first: String,
        second: String,
    },
    /// A route's path does not parse.
    BadPath { source: String, error: PathError },
    /// API Gateway allows one `{param}` name per position among sibling resources.
    ConflictingParameters {
        position: String,
        first: String,
        second: String,
    },
    /// A route's or an authorizer's authorization does not hold together
    /// (an unknown authorizer, scopes it cannot check, two authorizers of
    /// one name, a bad identity source or TTL); `source` is `file:line`.
    BadAuthorizer { source: String, reason: String },
    /// An event handler or plain function does not hold together (two of
    /// one name, a trigger AWS refuses); `source` is `file:line`.
    BadFunction { source: String, reason: String },
}

impl fmt::Display for ManifestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ManifestError::NotAGobletApp => f.write_str(
                "no goblet route manifest in this binary: it was not built from a goblet app \
                 (an app has `#[goblet::route]` handlers and a `#[goblet::main]` or `goblet::app!()`)",
            ),
            ManifestError::NoApp => f.write_str(
                "this binary has goblet routes but no `#[goblet::main]` or `goblet::app!()`: add one to \
                 src/main.rs",
            ),
            ManifestError::NoRoutes { app_name } => write!(
                f,
                "app `{app_name}` has no routes and no functions: add a `#[goblet::route(\"/\")]` \
                 handler or an event handler such as `#[goblet::schedule(\"rate(1 hour)\")]` \
                 (and make sure the module that holds it is declared with `mod`)"
            ),
            ManifestError::SeveralApps(names) => write!(
                f,
                "the app is declared more than once in this binary (apps {}): keep one \
                 `#[goblet::main]` or `goblet::app!()`",
                names.join(", ")
            ),
            ManifestError::Corrupt { offset, reason } => write!(
                f,
                "the goblet route manifest in this binary is corrupt at byte {offset} of its section: {reason}"
            ),
            ManifestError::Incompatible { found, supported } => write!(
                f,
                "this binary's route manifest uses record format {found}, but this goblet reads format {supported}: \
                 use the goblet-cli release that matches the `goblet` version in the app's Cargo.lock"
            ),
            ManifestError::DuplicateRoute {
                path,
                method,
                first,
                second,
            } => write!(
                f,
                "route {method} {path} is defined twice: by the handler at {first} and by the handler at {second}"
            ),
            ManifestError::BadPath { source, error } => {
                write!(f, "bad route path at {source}: {error}")
            }
            ManifestError::ConflictingParameters {
                position,
                first,
                second,
            } => write!(
                f,
                "paths {first} and {second} name the parameter at {position} differently; \
                 API Gateway needs one name per position"
            ),
            ManifestError::BadAuthorizer { source, reason }
            | ManifestError::BadFunction { source, reason } => write!(f, "at {source}: {reason}"),
        }
    }
}

impl std::error::Error for ManifestError {}

impl Manifest {
    /// Builds the manifest from its parts: checks every path, rejects two
    /// handlers for one (path, method), and sorts the routes.
    pub fn new(
        goblet_version: String,
        app_name: String,
        routes: Vec<Route>,
    ) -> Result<Manifest, ManifestError> {
        Manifest::with_authorizers(goblet_version, app_name, routes, Vec::new())
    }

    /// [`Manifest::new`] for an app that declares authorizers: also checks
    /// each authorizer and that every route names one of them.
    pub fn with_authorizers(
        goblet_version: String,
        app_name: String,
        mut routes: Vec<Route>,
        mut authorizers: Vec<Authorizer>,
    ) -> Result<Manifest, ManifestError> {
        for route in &mut routes {
            let template =
                PathTemplate::parse(&route.path).map_err(|error| ManifestError::BadPath {
                    source: route.source.clone(),
                    error,
                })?;
            route.path_parameters = template.parameter_names().map(str::to_owned).collect();
        }
        routes.sort_by(|a, b| {
            (a.path.as_str(), a.method.as_str(), a.source.as_str()).cmp(&(
                b.path.as_str(),
                b.method.as_str(),
                b.source.as_str(),
            ))
        });
        for pair in routes.windows(2) {
            if pair[0].path == pair[1].path && pair[0].method == pair[1].method {
                return Err(ManifestError::DuplicateRoute {
                    path: pair[0].path.clone(),
                    method: pair[0].method,
                    first: pair[0].source.clone(),
                    second: pair[1].source.clone(),
                });
            }
        }
        check_parameter_names(&routes)?;
        authorizers.sort_by(|a, b| (&a.name, &a.source).cmp(&(&b.name, &b.source)));
        check_authorizers(&routes, &authorizers)?;
        Ok(Manifest {
            manifest_version: MANIFEST_VERSION,
            goblet_version,
            app_name,
            routes,
            authorizers,
            cognito_authorizers: Vec::new(),
            external_authorizers: Vec::new(),
            functions: Vec::new(),
        })
    }

    /// Adds the app's event handlers and plain functions: each named once,
    /// with a name Lambda's `Handler` takes, and a trigger AWS accepts.
    pub fn with_functions(
        mut self,
        mut functions: Vec<Function>,
    ) -> Result<Manifest, ManifestError> {
        let bad = |source: &str, reason: String| ManifestError::BadFunction {
            source: source.to_owned(),
            reason,
        };
        functions.sort_by(|a, b| (&a.name, &a.source).cmp(&(&b.name, &b.source)));
        for pair in functions.windows(2) {
            if pair[0].name == pair[1].name {
                return Err(bad(
                    &pair[1].source,
                    format!(
                        "the function `{}` is declared twice (also at {}): give one of them \
                         `name = \"...\"`",
                        pair[1].name, pair[0].source
                    ),
                ));
            }
        }
        for f in &functions {
            function::check_name(&f.name).map_err(|e| bad(&f.source, e))?;
            f.trigger.check().map_err(|e| {
                bad(
                    &f.source,
                    format!("{} `{}`: {e}", f.trigger.attribute(), f.name),
                )
            })?;
        }
        self.functions = functions;
        Ok(self)
    }

    /// The function named `name`.
    pub fn function(&self, name: &str) -> Option<&Function> {
        self.functions.iter().find(|f| f.name == name)
    }

    /// The authorizer named `name`.
    pub fn authorizer(&self, name: &str) -> Option<&Authorizer> {
        self.authorizers.iter().find(|a| a.name == name)
    }

    /// The Cognito user pool authorizer named `name`.
    pub fn cognito_authorizer(&self, name: &str) -> Option<&CognitoAuthorizer> {
        self.cognito_authorizers.iter().find(|a| a.name == name)
    }

    /// Every authorizer's name: the app's, then the configuration's.
    pub fn authorizer_names(&self) -> impl Iterator<Item = &str> {
        self.authorizers
            .iter()
            .map(|a| a.name.as_str())
            .chain(self.cognito_authorizers.iter().map(|a| a.name.as_str()))
            .chain(self.external_authorizers.iter().map(|a| a.name.as_str()))
    }

    /// The configured Lambda authorizer named `name` whose function is not the app's.
    pub fn external_authorizer(&self, name: &str) -> Option<&ExternalAuthorizer> {
        self.external_authorizers.iter().find(|a| a.name == name)
    }

    /// Joins the app's configuration to the binary's manifest: every route's
    /// authorizer name must now be the app's (`#[authorizer]`) or one of
    /// `configured`, and the routes naming a Cognito authorizer become
    /// `COGNITO_USER_POOLS` (those naming an external Lambda authorizer stay
    /// `CUSTOM`). `config` names the configuration in errors.
    pub fn configure(
        &mut self,
        configured: Vec<ConfiguredAuthorizer>,
        config: &str,
    ) -> Result<(), ManifestError> {
        let bad = |source: &str, reason: String| ManifestError::BadAuthorizer {
            source: source.to_owned(),
            reason,
        };
        for authorizer in &configured {
            if let Some(app) = self.authorizer(authorizer.name()) {
                return Err(bad(
                    config,
                    format!(
                        "the authorizer `{}` is configured here and declared by #[authorizer] at {}: \
                         rename one of them",
                        app.name, app.source
                    ),
                ));
            }
        }
        let mut cognito = Vec::new();
        let mut external = Vec::new();
        for authorizer in configured {
            match authorizer {
                ConfiguredAuthorizer::CognitoUserPools(a) => cognito.push(a),
                ConfiguredAuthorizer::External(a) => external.push(a),
            }
        }
        cognito.sort_by(|a, b| a.name.cmp(&b.name));
        external.sort_by(|a, b| a.name.cmp(&b.name));
        for route in &mut self.routes {
            let Some(name) = &route.authorizer else {
                continue;
            };
            if self.authorizers.iter().any(|a| &a.name == name) {
                continue;
            }
            if cognito.iter().any(|a| &a.name == name) {
                route.authorization_type = AuthorizationType::CognitoUserPools;
                continue;
            }
            if external.iter().any(|a| &a.name == name) {
                if !route.authorization_scopes.is_empty() {
                    return Err(bad(
                        &route.source,
                        format!(
                            "the route {} {} has scopes, and `{name}` is a Lambda authorizer: \
                             API Gateway checks scopes for Cognito user pool authorizers only",
                            route.method, route.path
                        ),
                    ));
                }
                continue;
            }
            let known: Vec<&str> = self
                .authorizers
                .iter()
                .map(|a| a.name.as_str())
                .chain(cognito.iter().map(|a| a.name.as_str()))
                .chain(external.iter().map(|a| a.name.as_str()))
                .collect();
            return Err(bad(
                &route.source,
                format!(
                    "the route {} {} names the authorizer `{name}`, which neither an \
                     #[authorizer] of the app nor {config} declares ({})",
                    route.method,
                    route.path,
                    if known.is_empty() {
                        "there are no authorizers".to_owned()
                    } else {
                        format!("known: {}", known.join(", "))
                    }
                ),
            ));
        }
        self.cognito_authorizers = cognito;
        self.external_authorizers = external;
        Ok(())
    }

    /// Pretty JSON with a final newline: what `goblet manifest` prints.
    pub fn to_json_pretty(&self) -> String {
        let mut out = serde_json::to_string_pretty(self).expect("a manifest always serializes");
        out.push('\n');
        out
    }
}

/// Each authorizer well-formed and named once; each `CUSTOM` route naming
/// one, and no other route naming any.
fn check_authorizers(routes: &[Route], authorizers: &[Authorizer]) -> Result<(), ManifestError> {
    let bad = |source: &str, reason: String| ManifestError::BadAuthorizer {
        source: source.to_owned(),
        reason,
    };
    for pair in authorizers.windows(2) {
        if pair[0].name == pair[1].name {
            return Err(bad(
                &pair[1].source,
                format!(
                    "the authorizer `{}` is declared twice (also at {})",
                    pair[1].name, pair[0].source
                ),
            ));
        }
    }
    for authorizer in authorizers {
        check_lambda_settings(
            &authorizer.name,
            &authorizer.identity_sources,
            authorizer.ttl_seconds,
        )
        .map_err(|e| bad(&authorizer.source, e))?;
    }
    for route in routes {
        match (&route.authorizer, route.authorization_type) {
            // A name no `#[authorizer]` declares is the configuration's to
            // resolve ([`Manifest::configure`]).
            (Some(name), AuthorizationType::Custom | AuthorizationType::CognitoUserPools) => {
                let app_authorizer = authorizers.iter().any(|a| &a.name == name);
                if app_authorizer && !route.authorization_scopes.is_empty() {
                    // AWS: "The scopes are used with a COGNITO_USER_POOLS
                    // authorizer" (Method.authorizationScopes); a Lambda
                    // authorizer never sees them.
                    return Err(bad(
                        &route.source,
                        format!(
                            "the route {} {} has scopes, but API Gateway checks scopes only \
                             for Cognito user pool authorizers, and `{name}` is a Lambda \
                             authorizer: check scopes inside the authorizer instead",
                            route.method, route.path
                        ),
                    ));
                }
            }
            (None, AuthorizationType::Custom) => {
                return Err(bad(
                    &route.source,
                    format!(
                        "the route {} {} is CUSTOM but names no authorizer",
                        route.method, route.path
                    ),
                ));
            }
            (Some(name), other) => {
                return Err(bad(
                    &route.source,
                    format!(
                        "the route {} {} names the authorizer `{name}` but is {other}",
                        route.method, route.path
                    ),
                ));
            }
            (None, _) if !route.authorization_scopes.is_empty() => {
                return Err(bad(
                    &route.source,
                    format!(
                        "the route {} {} has scopes but no authorizer to check them",
                        route.method, route.path
                    ),
                ));
            }
            (None, _) => {}
        }
    }
    Ok(())
}

/// API Gateway rejects `/a/{x}` next to `/a/{y}`: a resource has one variable child.
fn check_parameter_names(routes: &[Route]) -> Result<(), ManifestError> {
    // parent prefix -> (variable segment as written, path that wrote it)
    let mut seen: BTreeMap<String, (String, String)> = BTreeMap::new();
    for route in routes {
        let Ok(template) = PathTemplate::parse(&route.path) else {
            continue;
        };
        let ancestors = template.ancestors();
        for (i, segment) in template.segments().iter().enumerate() {
            if matches!(segment, Segment::Literal(_)) {
                continue;
            }
            let parent = ancestors[i].clone();
            let written = ancestors[i + 1]
                .rsplit('/')
                .next()
                .unwrap_or_default()
                .to_owned();
            match seen.get(&parent) {
                Some((other, path)) if *other != written => {
                    return Err(ManifestError::ConflictingParameters {
                        position: format!("{}/{}", parent.trim_end_matches('/'), "…"),
                        first: path.clone(),
                        second: route.path.clone(),
                    });
                }
                Some(_) => {}
                None => {
                    seen.insert(parent, (written, route.path.clone()));
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::AuthorizerKind;

    fn route(auth: AuthorizationType, authorizer: Option<&str>, scopes: &[&str]) -> Route {
        Route {
            authorization_type: auth,
            content_types: vec!["application/json".into()],
            name: "orders".into(),
            source: "src/app.rs:20".into(),
            authorizer: authorizer.map(str::to_owned),
            authorization_scopes: scopes.iter().map(|s| (*s).to_owned()).collect(),
            ..Route::new(Method::Get, "/orders", "shop::orders")
        }
    }

    fn authorizer(name: &str, sources: &[&str], ttl: u32, line: u32) -> Authorizer {
        Authorizer {
            name: name.into(),
            kind: AuthorizerKind::Token,
            identity_sources: sources.iter().map(|s| (*s).to_owned()).collect(),
            ttl_seconds: ttl,
            handler: format!("shop::{name}"),
            source: format!("src/app.rs:{line}"),
        }
    }

    #[test]
    fn authorizer_checks() {
        use AuthorizationType::{AwsIam, Custom, None as Open};
        let header = ["method.request.header.Authorization"];
        let tokens = || authorizer("tokens", &header, 300, 9);
        let table: Vec<(Vec<Route>, Vec<Authorizer>, Option<&str>)> = vec![
            (
                vec![route(Custom, Some("tokens"), &[])],
                vec![tokens()],
                None,
            ),
            (vec![route(Open, None, &[])], vec![tokens()], None),
            // Names no #[authorizer] declares wait for the configuration.
            (
                vec![route(Custom, Some("other"), &["orders/read"])],
                vec![tokens()],
                None,
            ),
            (
                vec![route(Custom, Some("tokens"), &["orders/read"])],
                vec![tokens()],
                Some("only for Cognito user pool authorizers"),
            ),
            (
                vec![route(Open, None, &["orders/read"])],
                vec![],
                Some("scopes but no authorizer"),
            ),
            (
                vec![route(Custom, None, &[])],
                vec![],
                Some("CUSTOM but names no authorizer"),
            ),
            (
                vec![route(AwsIam, Some("tokens"), &[])],
                vec![tokens()],
                Some("but is AWS_IAM"),
            ),
            (
                vec![],
                vec![tokens(), authorizer("tokens", &header, 300, 30)],
                Some(
                    "at src/app.rs:9: the authorizer `tokens` is declared twice (also at src/app.rs:30)",
                ),
            ),
            (
                vec![],
                vec![authorizer("tokens", &header, 3601, 9)],
                Some("at most 3600"),
            ),
            (
                vec![],
                vec![authorizer("tokens", &["header.Authorization"], 300, 9)],
                Some("is not one API Gateway reads"),
            ),
            (
                vec![],
                vec![authorizer("tokens", &[], 300, 9)],
                Some("needs `ttl = 0`"),
            ),
            (vec![], vec![authorizer("tokens", &[], 0, 9)], None),
        ];
        for (routes, authorizers, expected) in table {
            let got = Manifest::with_authorizers("0".into(), "shop".into(), routes, authorizers);
            match (got, expected) {
                (Ok(_), None) => {}
                (Err(e), Some(text)) => {
                    let e = e.to_string();
                    assert!(e.contains(text), "{e:?} lacks {text:?}");
                }
                (got, expected) => panic!("{got:?}, expected {expected:?}"),
            }
        }
    }

    #[test]
    fn the_configuration_resolves_authorizer_names() {
        use AuthorizationType::{CognitoUserPools, Custom};
        let header = ["method.request.header.Authorization"];
        let pool = || CognitoAuthorizer {
            name: "users".into(),
            provider_arns: vec![
                "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_Ab1".into(),
            ],
            identity_source: header[0].into(),
            ttl_seconds: 300,
        };
        let users = || ConfiguredAuthorizer::CognitoUserPools(pool());
        let shared = || {
            ConfiguredAuthorizer::External(ExternalAuthorizer {
                name: "shared".into(),
                kind: crate::AuthorizerKind::Token,
                function_arn: "arn:aws:lambda:us-east-1:123456789012:function:auth".into(),
                identity_sources: vec![header[0].into()],
                ttl_seconds: 300,
            })
        };
        type Case<'a> = (
            Vec<Route>,
            Vec<ConfiguredAuthorizer>,
            Result<AuthorizationType, &'a str>,
        );
        let table: Vec<Case> = vec![
            (
                vec![route(Custom, Some("tokens"), &[])],
                vec![users()],
                Ok(Custom),
            ),
            (
                vec![route(Custom, Some("users"), &["orders/read"])],
                vec![users()],
                Ok(CognitoUserPools),
            ),
            (
                vec![route(Custom, Some("shared"), &[])],
                vec![shared(), users()],
                Ok(Custom),
            ),
            (
                vec![route(Custom, Some("shared"), &["orders/read"])],
                vec![shared()],
                Err("`shared` is a Lambda authorizer: API Gateway checks scopes for Cognito"),
            ),
            (
                vec![route(Custom, Some("userz"), &[])],
                vec![users(), shared()],
                Err(
                    "names the authorizer `userz`, which neither an #[authorizer] of the app \
                     nor Cargo.toml declares (known: tokens, users, shared)",
                ),
            ),
            (
                vec![route(Custom, Some("userz"), &[])],
                vec![],
                Err("(known: tokens)"),
            ),
            (
                vec![],
                vec![ConfiguredAuthorizer::CognitoUserPools(CognitoAuthorizer {
                    name: "tokens".into(),
                    ..pool()
                })],
                Err("is configured here and declared by #[authorizer] at src/app.rs:9"),
            ),
        ];
        for (routes, configured, expected) in table {
            let count = configured.len();
            let mut m = Manifest::with_authorizers(
                "0".into(),
                "shop".into(),
                routes,
                vec![authorizer("tokens", &header, 300, 9)],
            )
            .unwrap();
            match (m.configure(configured, "Cargo.toml"), expected) {
                (Ok(()), Ok(kind)) => {
                    assert_eq!(
                        m.routes.first().map_or(kind, |r| r.authorization_type),
                        kind
                    );
                    assert_eq!(
                        m.cognito_authorizers.len() + m.external_authorizers.len(),
                        count
                    );
                }
                (Err(e), Err(text)) => {
                    let e = e.to_string();
                    assert!(e.contains(text), "{e:?} lacks {text:?}");
                }
                (got, expected) => panic!("{got:?}, expected {expected:?}"),
            }
        }
    }
}
