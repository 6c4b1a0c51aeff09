//! The binary records that carry the manifest inside a release binary.
//!
//! Every `#[route]` method, the app's `#[goblet::main]` (or `goblet::app!()`) and the goblet runtime
//! itself each place one record in the `goblet_routes` section of the binary.
//! Records are byte arrays built in `const` context, so they exist without the
//! binary ever running and survive LTO, `opt-level = "z"` and stripping; they
//! read the same whatever the target architecture (lengths are little-endian).
//!
//! A record: `b"GBLT"`, format version (u8), kind (u8), payload length (u32,
//! little-endian), payload (UTF-8 JSON). The linker may pad between records with
//! zero bytes; readers skip them.

use serde::Deserialize;

use crate::authorizer::{Authorizer, AuthorizerKind};
use crate::function::{Function, Trigger};
use crate::manifest::{Manifest, ManifestError, Route};
use crate::{AuthorizationType, Method};

/// Name of the ELF section holding the records. A C identifier, so linkers
/// provide `__start_goblet_routes` / `__stop_goblet_routes` for it.
pub const SECTION: &str = "goblet_routes";
pub const MAGIC: [u8; 4] = *b"GBLT";
pub const FORMAT_VERSION: u8 = 1;
pub const HEADER_LEN: usize = 10;

pub const KIND_FRAMEWORK: u8 = 1;
pub const KIND_APP: u8 = 2;
pub const KIND_ROUTE: u8 = 3;
pub const KIND_AUTHORIZER: u8 = 4;
pub const KIND_FUNCTION: u8 = 5;

/// Size of the record holding `payload`.
pub const fn encoded_len(payload: &str) -> usize {
    HEADER_LEN + payload.len()
}

/// Builds a record in `const` context; `N` must be `encoded_len(payload)`.
pub const fn encode<const N: usize>(kind: u8, payload: &str) -> [u8; N] {
    assert!(N == encoded_len(payload), "record length mismatch");
    let bytes = payload.as_bytes();
    let mut out = [0u8; N];
    let mut i = 0;
    while i < 4 {
        out[i] = MAGIC[i];
        i += 1;
    }
    out[4] = FORMAT_VERSION;
    out[5] = kind;
    let len = (bytes.len() as u32).to_le_bytes();
    out[6] = len[0];
    out[7] = len[1];
    out[8] = len[2];
    out[9] = len[3];
    let mut j = 0;
    while j < bytes.len() {
        out[HEADER_LEN + j] = bytes[j];
        j += 1;
    }
    out
}

// Unknown fields are ignored: a newer goblet of the same record format may
// add some, and the format version byte guards everything else.
#[derive(Deserialize)]
struct FrameworkPayload {
    goblet_version: String,
}

#[derive(Deserialize)]
struct AppPayload {
    app_name: String,
}

#[derive(Deserialize)]
struct RoutePayload {
    path: String,
    method: Method,
    authorization_type: AuthorizationType,
    api_key_required: bool,
    cors: bool,
    content_types: Vec<String>,
    name: String,
    handler: String,
    file: String,
    line: u32,
    #[serde(default)]
    authorizer: Option<String>,
    #[serde(default)]
    authorization_scopes: Vec<String>,
}

#[derive(Deserialize)]
struct AuthorizerPayload {
    name: String,
    #[serde(rename = "type")]
    kind: AuthorizerKind,
    identity_sources: Vec<String>,
    ttl_seconds: u32,
    handler: String,
    file: String,
    line: u32,
}

#[derive(Deserialize)]
struct FunctionPayload {
    name: String,
    trigger: Trigger,
    handler: String,
    file: String,
    line: u32,
}

/// One record of a section, its payload not yet decoded.
struct RawRecord<'s> {
    kind: u8,
    /// Where the payload starts in the section.
    offset: usize,
    payload: &'s [u8],
}

/// The records of a section in order, skipping the linker's zero padding;
/// stops at the first malformed header.
fn raw_records(section: &[u8]) -> impl Iterator<Item = Result<RawRecord<'_>, ManifestError>> {
    let mut at = 0;
    let mut failed = false;
    std::iter::from_fn(move || {
        while !failed && at < section.len() && section[at] == 0 {
            at += 1;
        }
        if failed || at >= section.len() {
            return None;
        }
        let corrupt = |offset: usize, reason: String| ManifestError::Corrupt { offset, reason };
        let record = (|| {
            let header = section
                .get(at..at + HEADER_LEN)
                .ok_or_else(|| corrupt(at, "truncated record header".into()))?;
            if header[..4] != MAGIC {
                return Err(corrupt(at, "no record starts here".into()));
            }
            if header[4] != FORMAT_VERSION {
                return Err(ManifestError::Incompatible {
                    found: header[4],
                    supported: FORMAT_VERSION,
                });
            }
            let len = u32::from_le_bytes([header[6], header[7], header[8], header[9]]) as usize;
            let start = at + HEADER_LEN;
            let payload = section
                .get(start..start.saturating_add(len))
                .ok_or_else(|| {
                    corrupt(
                        at,
                        format!("record of {len} bytes runs past the section end"),
                    )
                })?;
            Ok(RawRecord {
                kind: header[5],
                offset: start,
                payload,
            })
        })();
        match &record {
            Ok(r) => at = r.offset + r.payload.len(),
            Err(_) => failed = true,
        }
        Some(record)
    })
}

/// What a running binary checks of its own section at start-up, without
/// decoding every route record (they come from the same macro expansions as
/// the handlers it registered): the goblet versions linked in, and how many
/// route records there are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SectionCounts {
    /// Distinct, sorted: more than one means two goblet versions are linked.
    pub goblet_versions: Vec<String>,
    pub routes: usize,
    pub authorizers: usize,
    pub functions: usize,
}

/// Counts the section's records; decodes only the runtime's own records.
pub fn count_section(section: &[u8]) -> Result<SectionCounts, ManifestError> {
    let mut counts = SectionCounts {
        goblet_versions: Vec::new(),
        routes: 0,
        authorizers: 0,
        functions: 0,
    };
    for record in raw_records(section) {
        let record = record?;
        match record.kind {
            KIND_FRAMEWORK => {
                let p: FrameworkPayload =
                    serde_json::from_slice(record.payload).map_err(|e| ManifestError::Corrupt {
                        offset: record.offset,
                        reason: format!("bad record payload: {e}"),
                    })?;
                counts.goblet_versions.push(p.goblet_version);
            }
            KIND_ROUTE => counts.routes += 1,
            KIND_AUTHORIZER => counts.authorizers += 1,
            KIND_FUNCTION => counts.functions += 1,
            _ => {}
        }
    }
    counts.goblet_versions.sort();
    counts.goblet_versions.dedup();
    Ok(counts)
}

/// Decodes a whole `goblet_routes` section into the manifest it describes.
pub fn decode_section(section: &[u8]) -> Result<Manifest, ManifestError> {
    let mut frameworks = Vec::new();
    let mut apps = Vec::new();
    let mut routes = Vec::new();
    let mut authorizers = Vec::new();
    let mut functions = Vec::new();
    for record in raw_records(section) {
        let RawRecord {
            kind,
            offset,
            payload,
        } = record?;
        let bad_json = |e: serde_json::Error| ManifestError::Corrupt {
            offset,
            reason: format!("bad record payload: {e}"),
        };
        match kind {
            KIND_FRAMEWORK => {
                let p: FrameworkPayload = serde_json::from_slice(payload).map_err(bad_json)?;
                frameworks.push(p.goblet_version);
            }
            KIND_APP => {
                let p: AppPayload = serde_json::from_slice(payload).map_err(bad_json)?;
                apps.push(p.app_name);
            }
            KIND_ROUTE => {
                let p: RoutePayload = serde_json::from_slice(payload).map_err(bad_json)?;
                routes.push(Route {
                    path: p.path,
                    method: p.method,
                    authorization_type: p.authorization_type,
                    api_key_required: p.api_key_required,
                    cors: p.cors,
                    content_types: p.content_types,
                    handler: p.handler,
                    path_parameters: Vec::new(),
                    name: p.name,
                    source: format!("{}:{}", p.file, p.line),
                    authorizer: p.authorizer,
                    authorization_scopes: p.authorization_scopes,
                });
            }
            KIND_AUTHORIZER => {
                let p: AuthorizerPayload = serde_json::from_slice(payload).map_err(bad_json)?;
                authorizers.push(Authorizer {
                    name: p.name,
                    kind: p.kind,
                    identity_sources: p.identity_sources,
                    ttl_seconds: p.ttl_seconds,
                    handler: p.handler,
                    source: format!("{}:{}", p.file, p.line),
                });
            }
            KIND_FUNCTION => {
                let p: FunctionPayload = serde_json::from_slice(payload).map_err(bad_json)?;
                functions.push(Function {
                    name: p.name,
                    trigger: p.trigger,
                    handler: p.handler,
                    source: format!("{}:{}", p.file, p.line),
                });
            }
            other => {
                return Err(ManifestError::Corrupt {
                    offset: offset - HEADER_LEN,
                    reason: format!("unknown record kind {other}"),
                });
            }
        }
    }
    if frameworks.is_empty() && apps.is_empty() && routes.is_empty() && functions.is_empty() {
        return Err(ManifestError::NotAGobletApp);
    }
    frameworks.sort();
    frameworks.dedup();
    let goblet_version = match frameworks.as_slice() {
        [one] => one.clone(),
        [] => {
            return Err(ManifestError::Corrupt {
                offset: 0,
                reason: "no goblet runtime record".into(),
            });
        }
        several => {
            return Err(ManifestError::Corrupt {
                offset: 0,
                reason: format!(
                    "several goblet versions are linked into this binary ({}); keep one in Cargo.lock",
                    several.join(", ")
                ),
            });
        }
    };
    let app_name = match apps.len() {
        0 => return Err(ManifestError::NoApp),
        1 => apps.remove(0),
        _ => return Err(ManifestError::SeveralApps(apps)),
    };
    if routes.is_empty() && functions.is_empty() {
        return Err(ManifestError::NoRoutes { app_name });
    }
    Manifest::with_authorizers(goblet_version, app_name, routes, authorizers)?
        .with_functions(functions)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FW: &str = r#"{"goblet_version":"0.1.0"}"#;
    const APP: &str = r#"{"app_name":"helloworld"}"#;
    const ROUTE: &str = r#"{"path":"/","method":"GET","authorization_type":"AWS_IAM","api_key_required":false,"cors":false,"content_types":["application/json"],"name":"index","handler":"helloworld::app::index","file":"src/app.rs","line":3}"#;

    fn section(parts: &[(u8, &str)]) -> Vec<u8> {
        let mut out = Vec::new();
        for (kind, payload) in parts {
            out.extend_from_slice(&MAGIC);
            out.push(FORMAT_VERSION);
            out.push(*kind);
            out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
            out.extend_from_slice(payload.as_bytes());
            out.extend_from_slice(&[0, 0, 0]);
        }
        out
    }

    #[test]
    fn const_encoding_matches_the_reader() {
        const N: usize = encoded_len(APP);
        const REC: [u8; N] = encode::<N>(KIND_APP, APP);
        assert_eq!(&REC[..], &section(&[(KIND_APP, APP)])[..N]);
    }

    #[test]
    fn decodes_the_hello_world_manifest() {
        let m = decode_section(&section(&[
            (KIND_ROUTE, ROUTE),
            (KIND_FRAMEWORK, FW),
            (KIND_APP, APP),
        ]))
        .unwrap();
        assert_eq!(m.app_name, "helloworld");
        assert_eq!(m.routes.len(), 1);
        assert_eq!(m.routes[0].source, "src/app.rs:3");
        assert_eq!(m.routes[0].authorization_type, AuthorizationType::AwsIam);
    }

    #[test]
    fn decodes_authorizers_and_the_routes_they_guard() {
        const AUTH: &str = r#"{"name":"tokens","type":"TOKEN","identity_sources":["method.request.header.Authorization"],"ttl_seconds":300,"handler":"shop::app::tokens","file":"src/app.rs","line":9}"#;
        const GUARDED: &str = r#"{"path":"/orders","method":"GET","authorization_type":"CUSTOM","authorizer":"tokens","api_key_required":false,"cors":false,"content_types":["application/json"],"name":"orders","handler":"shop::app::orders","file":"src/app.rs","line":20}"#;
        let parts = [
            (KIND_FRAMEWORK, FW),
            (KIND_APP, APP),
            (KIND_ROUTE, GUARDED),
            (KIND_AUTHORIZER, AUTH),
        ];
        let m = decode_section(&section(&parts)).unwrap();
        assert_eq!(m.routes[0].authorizer.as_deref(), Some("tokens"));
        assert_eq!(m.routes[0].authorization_type, AuthorizationType::Custom);
        let a = m.authorizer("tokens").unwrap();
        assert_eq!(a.kind, AuthorizerKind::Token);
        assert_eq!(a.source, "src/app.rs:9");
        assert_eq!(count_section(&section(&parts)).unwrap().authorizers, 1);
        // The route without its authorizer decodes (the name may be the
        // configuration's); configured without it, it is refused, naming the route.
        let mut unresolved = decode_section(&section(&parts[..3])).unwrap();
        let err = unresolved
            .configure(Vec::new(), "Cargo.toml")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("src/app.rs:20") && err.contains("`tokens`"),
            "{err}"
        );
        // An older manifest reader's JSON: the new fields are left out when empty.
        let plain = decode_section(&section(&[
            (KIND_FRAMEWORK, FW),
            (KIND_APP, APP),
            (KIND_ROUTE, ROUTE),
        ]))
        .unwrap()
        .to_json_pretty();
        assert!(
            !plain.contains("authorizer") && !plain.contains("scopes"),
            "{plain}"
        );
    }

    #[test]
    fn decodes_functions_with_their_triggers() {
        const JOBS: &str = r#"{"name":"jobs","trigger":{"type":"sqs","queue":"jobs","batch_size":10},"handler":"shop::jobs","file":"src/main.rs","line":12}"#;
        const TICK: &str = r#"{"name":"tick","trigger":{"type":"schedule","expression":"rate(5 minutes)"},"handler":"shop::tick","file":"src/main.rs","line":4}"#;
        let parts = [
            (KIND_FRAMEWORK, FW),
            (KIND_APP, APP),
            (KIND_FUNCTION, TICK),
            (KIND_FUNCTION, JOBS),
        ];
        // An app of event handlers alone needs no route.
        let m = decode_section(&section(&parts)).unwrap();
        let names: Vec<&str> = m.functions.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["jobs", "tick"]);
        assert_eq!(m.function("jobs").unwrap().source, "src/main.rs:12");
        assert_eq!(count_section(&section(&parts)).unwrap().functions, 2);
        assert!(m.to_json_pretty().contains("\"type\": \"schedule\""));
        // Two of one name, and a trigger AWS refuses, are refused with their place.
        let twice = decode_section(&section(&[
            (KIND_FRAMEWORK, FW),
            (KIND_APP, APP),
            (KIND_FUNCTION, JOBS),
            (KIND_FUNCTION, JOBS),
        ]))
        .unwrap_err()
        .to_string();
        assert!(twice.contains("`jobs` is declared twice"), "{twice}");
        let bad = TICK.replace("5 minutes", "5 minute");
        let error = decode_section(&section(&[
            (KIND_FRAMEWORK, FW),
            (KIND_APP, APP),
            (KIND_FUNCTION, &bad),
        ]))
        .unwrap_err()
        .to_string();
        assert!(
            error.starts_with("at src/main.rs:4: #[schedule] `tick`: ")
                && error.contains("5 minutes"),
            "{error}"
        );
    }

    #[test]
    fn counts_without_decoding_the_routes() {
        const OTHER_FW: &str = r#"{"goblet_version":"0.2.0"}"#;
        let route_with_bad_json = r#"{"path":"#;
        for (parts, versions, routes) in [
            (
                vec![(KIND_ROUTE, ROUTE), (KIND_FRAMEWORK, FW), (KIND_APP, APP)],
                vec!["0.1.0"],
                1,
            ),
            (
                vec![
                    (KIND_FRAMEWORK, FW),
                    (KIND_ROUTE, ROUTE),
                    (KIND_ROUTE, ROUTE),
                ],
                vec!["0.1.0"],
                2,
            ),
            // Route payloads are not read: the handlers' own macro wrote them.
            (
                vec![(KIND_FRAMEWORK, FW), (KIND_ROUTE, route_with_bad_json)],
                vec!["0.1.0"],
                1,
            ),
            (
                vec![
                    (KIND_FRAMEWORK, OTHER_FW),
                    (KIND_FRAMEWORK, FW),
                    (KIND_FRAMEWORK, FW),
                ],
                vec!["0.1.0", "0.2.0"],
                0,
            ),
        ] {
            let counts = count_section(&section(&parts)).unwrap();
            assert_eq!(counts.goblet_versions, versions, "{parts:?}");
            assert_eq!(counts.routes, routes, "{parts:?}");
        }
        let mut s = section(&[(KIND_FRAMEWORK, FW), (KIND_APP, APP)]);
        s[4] = 9;
        assert_eq!(
            count_section(&s),
            Err(ManifestError::Incompatible {
                found: 9,
                supported: 1
            })
        );
        assert!(matches!(
            count_section(b"garbage"),
            Err(ManifestError::Corrupt { offset: 0, .. })
        ));
    }

    #[test]
    fn rejects_bad_sections_clearly() {
        assert_eq!(decode_section(&[]), Err(ManifestError::NotAGobletApp));
        assert_eq!(decode_section(&[0, 0]), Err(ManifestError::NotAGobletApp));
        assert_eq!(
            decode_section(&section(&[(KIND_FRAMEWORK, FW), (KIND_ROUTE, ROUTE)])),
            Err(ManifestError::NoApp)
        );
        assert_eq!(
            decode_section(&section(&[(KIND_FRAMEWORK, FW), (KIND_APP, APP)])),
            Err(ManifestError::NoRoutes {
                app_name: "helloworld".into()
            })
        );
        let mut s = section(&[(KIND_FRAMEWORK, FW), (KIND_APP, APP)]);
        s[4] = 9;
        assert_eq!(
            decode_section(&s),
            Err(ManifestError::Incompatible {
                found: 9,
                supported: 1
            })
        );
        let mut s = section(&[(KIND_FRAMEWORK, FW), (KIND_APP, APP)]);
        s.truncate(s.len() - 6);
        assert!(matches!(
            decode_section(&s),
            Err(ManifestError::Corrupt { .. })
        ));
        let mut s = section(&[(KIND_FRAMEWORK, FW), (KIND_APP, APP)]);
        s[12] = b'!';
        assert!(matches!(
            decode_section(&s),
            Err(ManifestError::Corrupt { offset: 10, .. })
        ));
        assert!(matches!(
            decode_section(b"garbage"),
            Err(ManifestError::Corrupt { offset: 0, .. })
        ));
    }

    #[test]
    fn ignores_fields_a_newer_goblet_adds() {
        let newer = ROUTE.replace("\"line\":3", "\"line\":3,\"timeout_ms\":100");
        let m = decode_section(&section(&[
            (
                KIND_FRAMEWORK,
                r#"{"goblet_version":"0.1.0","built_with":"x"}"#,
            ),
            (KIND_APP, APP),
            (KIND_ROUTE, &newer),
        ]))
        .unwrap();
        assert_eq!(m.routes.len(), 1);
    }

    #[test]
    fn duplicate_routes_name_both_handlers() {
        let other = ROUTE.replace("\"line\":3", "\"line\":9");
        let err = decode_section(&section(&[
            (KIND_FRAMEWORK, FW),
            (KIND_APP, APP),
            (KIND_ROUTE, ROUTE),
            (KIND_ROUTE, &other),
        ]))
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "route GET / is defined twice: by the handler at src/app.rs:3 and by the handler at src/app.rs:9"
        );
    }
}
