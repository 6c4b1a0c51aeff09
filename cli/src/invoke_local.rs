//! `goblet invoke --local NAME`: one call of Lambda's Invoke API on a
//! running `goblet local`, signed for the `lambda` service as an AWS SDK
//! signs it (the user's credentials, or goblet's local development
//! identity when there are none), with the payload given or a realistic
//! sample event.
//!
//! As `goblet invoke` does for a deployed function: the result goes to
//! stdout; a function error is printed and exits non-zero.

use std::time::{SystemTime, UNIX_EPOCH};

use http::{HeaderName, HeaderValue, Method, Uri};

use crate::aws::AwsSettings;
use crate::cli::{CliError, InvokeArgs};
use crate::curl::{Signed, send_signed};

pub(crate) fn run(args: &InvokeArgs, aws: &AwsSettings) -> Result<(), CliError> {
    let Some(name) = args.local.as_deref() else {
        return Err(CliError::Invoke(
            "no function named: give --local NAME".into(),
        ));
    };
    let region = args
        .region
        .clone()
        .unwrap_or_else(|| aws.region_or_fallback());
    let payload = match (&args.sample, &args.payload) {
        (Some(kind), _) => sample(kind, name, args, &region)?,
        (None, Some(p)) => match p.strip_prefix('@') {
            Some(file) => std::fs::read(file)
                .map_err(|e| CliError::Invoke(format!("cannot read {file}: {e}")))?,
            None => p.as_bytes().to_vec(),
        },
        (None, None) => b"{}".to_vec(),
    };
    if let Err(e) = serde_json::from_slice::<serde::de::IgnoredAny>(&payload) {
        return Err(CliError::Invoke(format!("the payload is not JSON: {e}")));
    }
    let base = args.endpoint.trim_end_matches('/');
    let name_in_path: String =
        percent_encoding::utf8_percent_encode(name, percent_encoding::NON_ALPHANUMERIC).collect();
    let url = format!("{base}/2015-03-31/functions/{name_in_path}/invocations");
    let uri: Uri = url
        .parse()
        .map_err(|_| CliError::Invoke(format!("invalid --endpoint {:?}", args.endpoint)))?;
    let authority = uri
        .authority()
        .ok_or_else(|| CliError::Invoke(format!("invalid --endpoint {:?}", args.endpoint)))?;
    let header = |value: &str| {
        HeaderValue::from_str(value)
            .map_err(|_| CliError::Invoke(format!("invalid value {value:?}")))
    };
    let headers = vec![
        (http::header::HOST, header(authority.as_str())?),
        (
            http::header::USER_AGENT,
            HeaderValue::from_static(concat!("goblet-invoke/", env!("CARGO_PKG_VERSION"))),
        ),
        (
            http::header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        ),
        (
            HeaderName::from_static("x-amz-invocation-type"),
            header(&args.invocation_type)?,
        ),
    ];
    let (status, response_headers, body) = send_signed(
        Signed {
            method: Method::POST,
            uri: &uri,
            url: &url,
            headers,
            body: payload,
            service: "lambda",
            region: Some(region),
            resolve: &[],
            cacert: None,
        },
        aws,
    )?;
    let text = String::from_utf8_lossy(&body);
    if !status.is_success() {
        let error_type = response_headers
            .get("x-amzn-errortype")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("error");
        let message = serde_json::from_slice::<serde_json::Value>(&body)
            .ok()
            .and_then(|v| v["message"].as_str().map(str::to_owned))
            .unwrap_or_else(|| text.into_owned());
        return Err(CliError::Invoke(format!(
            "goblet local answered {status}: {error_type}: {message}"
        )));
    }
    if let Some(kind) = response_headers.get("x-amz-function-error") {
        return Err(CliError::Invoke(format!(
            "the function failed ({}): {text}",
            kind.to_str().unwrap_or("Unhandled")
        )));
    }
    match status.as_u16() {
        202 => eprintln!("queued: {name} runs in the background (see goblet local's log)"),
        204 => eprintln!("dry run: {name} may be invoked"),
        _ => println!("{text}"),
    }
    Ok(())
}

/// The sample event of `kind`, fitted to the function's trigger when
/// `--binary` says what it is.
fn sample(kind: &str, name: &str, args: &InvokeArgs, region: &str) -> Result<Vec<u8>, CliError> {
    let trigger = match &args.binary {
        Some(binary) => {
            let app = goblet_project::read_app_binary(binary)?;
            match app.manifest.function(name) {
                Some(f) => f.trigger.clone(),
                None => {
                    let known: Vec<&str> = app
                        .manifest
                        .functions
                        .iter()
                        .map(|f| f.name.as_str())
                        .collect();
                    return Err(CliError::Invoke(format!(
                        "{} has no function `{name}` (functions: {})",
                        binary.display(),
                        if known.is_empty() {
                            "none".to_owned()
                        } else {
                            known.join(", ")
                        }
                    )));
                }
            }
        }
        None => goblet_core::Trigger::Invoke,
    };
    let now_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    let origin = goblet_core::sample::Origin { region, now_ms };
    let event = goblet_core::sample::for_trigger(kind, &trigger, origin)
        .ok_or_else(|| CliError::Invoke(format!("no sample event of {kind}")))?;
    Ok(event.to_string().into_bytes())
}
