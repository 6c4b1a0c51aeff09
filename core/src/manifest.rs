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
//! Fields may be added in later versions; none of these is ever renamed.
//! `routes` is sorted by `(path, method)`, so the same source always gives
//! byte-identical output.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::{AuthorizationType, Method, PathError, PathTemplate, Segment};

/// The schema version written as `manifest_version`.
pub const MANIFEST_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub manifest_version: u32,
    pub goblet_version: String,
    pub app_name: String,
    pub routes: Vec<Route>,
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
                "app `{app_name}` has no routes: add a `#[goblet::route(\"/\")]` handler \
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
        mut routes: Vec<Route>,
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
        Ok(Manifest {
            manifest_version: MANIFEST_VERSION,
            goblet_version,
            app_name,
            routes,
        })
    }

    /// Pretty JSON with a final newline: what `goblet manifest` prints.
    pub fn to_json_pretty(&self) -> String {
        let mut out = serde_json::to_string_pretty(self).expect("a manifest always serializes");
        out.push('\n');
        out
    }
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
