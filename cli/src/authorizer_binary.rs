//! `goblet local --authorizer NAME=PATH`: a goblet binary standing in for
//! the function of an external authorizer (`function_arn`), which goblet
//! local cannot call.

use std::path::PathBuf;
use std::time::Duration;

use goblet_core::Manifest;
use goblet_local::AuthorizerBinary;
use goblet_local::lambda::FunctionConfig;

/// `NAME=PATH`.
pub fn parse(text: &str) -> Result<(String, PathBuf), String> {
    match text.split_once('=') {
        Some((name, path)) if !name.is_empty() && !path.is_empty() => {
            Ok((name.to_owned(), PathBuf::from(path)))
        }
        _ => Err(format!(
            "expected NAME=PATH (an authorizer of the configuration and a goblet binary), got {text:?}"
        )),
    }
}

/// Checks each mapping against the app's configured manifest and the
/// binary's own: the name is an external authorizer of the app, and the
/// binary a goblet app with one `#[authorizer]` of the same type (a goblet
/// function deployed as a shared authorizer answers with its only one).
pub fn resolve(
    manifest: &Manifest,
    mappings: Vec<(String, PathBuf)>,
    timeout: Duration,
) -> Result<Vec<AuthorizerBinary>, String> {
    let mut out: Vec<AuthorizerBinary> = Vec::new();
    for (name, path) in mappings {
        let Some(external) = manifest.external_authorizer(&name) else {
            let known: Vec<&str> = manifest
                .external_authorizers
                .iter()
                .map(|a| a.name.as_str())
                .collect();
            return Err(format!(
                "--authorizer {name}=...: the configuration has no authorizer `{name}` given by \
                 function_arn ({})",
                if known.is_empty() {
                    "it has none".to_owned()
                } else {
                    format!("it has: {}", known.join(", "))
                }
            ));
        };
        if out.iter().any(|a| a.name == name) {
            return Err(format!("--authorizer {name}=... is given twice"));
        }
        let app = goblet_project::read_app_binary(&path)
            .map_err(|e| format!("--authorizer {name}={}: {e}", path.display()))?;
        let binary = path.canonicalize().unwrap_or(path);
        let at = || format!("--authorizer {name}={}", binary.display());
        match app.manifest.authorizers.as_slice() {
            [only] if only.kind == external.kind => {}
            [only] => {
                return Err(format!(
                    "{}: its authorizer `{}` is {}, and `{name}` is configured as {}",
                    at(),
                    only.name,
                    only.kind.as_str(),
                    external.kind.as_str()
                ));
            }
            [] => return Err(format!("{}: the binary has no #[authorizer]", at())),
            several => {
                let names: Vec<&str> = several.iter().map(|a| a.name.as_str()).collect();
                return Err(format!(
                    "{}: the binary has {} authorizers ({}); a function deployed as a shared \
                     authorizer answers with its only one, so give a binary with one",
                    at(),
                    several.len(),
                    names.join(", ")
                ));
            }
        }
        let arn = external.function();
        let mut function = FunctionConfig::new(
            arn.as_ref()
                .map_or_else(|| app.manifest.app_name.clone(), |a| a.name.clone()),
        );
        if let Some(arn) = arn {
            function.region = arn.region;
            function.account_id = arn.account;
            if let Some(qualifier) = arn
                .qualifier
                .filter(|q| q.bytes().all(|b| b.is_ascii_digit()))
            {
                function.version = qualifier;
            }
        }
        function.timeout = timeout;
        out.push(AuthorizerBinary {
            name,
            binary,
            function,
        });
    }
    Ok(out)
}
