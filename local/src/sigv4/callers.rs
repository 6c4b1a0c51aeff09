//! The callers `goblet local` accepts while it runs: the identities it
//! started with, plus the temporary credentials the user's own AWS
//! configuration hands out later.
//!
//! A profile with `credential_process` or `role_arn` gives every process
//! keys of its own, so a client started after `goblet local` may sign with
//! an access key it has never seen. Such a key is looked up by resolving
//! the user's credentials again ([`CredentialRefresh`], supplied by the
//! `goblet` command, which owns the AWS configuration); what that yields is
//! accepted until it expires. Temporary credentials past their expiration
//! are refused as AWS refuses them: `403 ExpiredTokenException`.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use super::identities::Identity;
use super::parse;
use super::rejection::{ErrorType, Rejection};
use super::verify::{RequestParts, VerifiedCaller, Verifier};
use crate::pool::Logger;

/// At most one refresh a second: a request with a made-up access key must
/// not make `goblet local` run the user's `credential_process` at will.
const MIN_REFRESH_INTERVAL: Duration = Duration::from_secs(1);

/// How many refreshed identities are remembered (the oldest go first).
const MAX_MINTED: usize = 32;

type Refresh = dyn Fn(&str) -> Result<Option<Identity>, String> + Send + Sync;

/// Resolves the user's credentials again, as the `goblet` command resolved
/// them at start-up, given the access key a request was signed with (the
/// command may know it already); `Ok(None)` when nothing is configured any
/// more. Runs on a blocking thread: it may start a process or make a
/// network call.
#[derive(Clone)]
pub struct CredentialRefresh(Arc<Refresh>);

impl CredentialRefresh {
    pub fn new(
        refresh: impl Fn(&str) -> Result<Option<Identity>, String> + Send + Sync + 'static,
    ) -> Self {
        CredentialRefresh(Arc::new(refresh))
    }
}

impl fmt::Debug for CredentialRefresh {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CredentialRefresh")
    }
}

/// The identities of one `goblet local`, checked by [`Callers::verify`].
pub(crate) struct Callers {
    fixed: Verifier,
    /// The fixed identities' access keys, with their expiration.
    fixed_keys: HashMap<String, Option<SystemTime>>,
    refresh: Option<CredentialRefresh>,
    minted: Mutex<Minted>,
    /// Serializes refreshes; holds when the last one finished.
    last_refresh: tokio::sync::Mutex<Option<Instant>>,
    logger: Logger,
    /// The region every signature's scope must name, when required.
    region: Option<String>,
    service: &'static str,
}

/// Identities found by refreshing, oldest first, and their verifier.
struct Minted {
    identities: Vec<Identity>,
    verifier: Verifier,
}

impl Callers {
    pub(crate) fn new(
        identities: Vec<Identity>,
        refresh: Option<CredentialRefresh>,
        logger: Logger,
    ) -> Self {
        let fixed_keys = identities
            .iter()
            .map(|id| (id.access_key_id.clone(), id.expires))
            .collect();
        Callers {
            fixed: Verifier::new(identities),
            fixed_keys,
            refresh,
            minted: Mutex::new(Minted {
                identities: Vec::new(),
                verifier: Verifier::new([]),
            }),
            last_refresh: tokio::sync::Mutex::new(None),
            logger,
            region: None,
            service: super::SERVICE,
        }
    }

    /// Verifies signatures for `service` instead of `execute-api`, for
    /// refreshed identities too.
    pub(crate) fn for_service(mut self, service: &'static str) -> Self {
        self.fixed = self.fixed.for_service(service);
        self.service = service;
        self
    }

    /// Refuses signatures scoped to another region than `region`, as
    /// [`Verifier::require_region`] does, for refreshed identities too.
    pub(crate) fn require_region(mut self, region: impl Into<String>) -> Self {
        let region = region.into();
        self.fixed = self.fixed.require_region(region.clone());
        self.region = Some(region);
        self
    }

    fn verifier(&self, identities: Vec<Identity>) -> Verifier {
        let verifier = Verifier::new(identities).for_service(self.service);
        match &self.region {
            Some(region) => verifier.require_region(region.clone()),
            None => verifier,
        }
    }

    /// Checks the request's signature as [`Verifier::verify`] does, then
    /// that the credentials have not expired; an access key nobody knows
    /// sends `goblet local` back to the user's AWS configuration once.
    pub(crate) async fn verify(
        &self,
        req: &RequestParts<'_>,
        now: SystemTime,
    ) -> Result<VerifiedCaller, Rejection> {
        let first = self.fixed.verify(req, now);
        if !is_unrecognized(&first) {
            return unexpired(first, now, |key| {
                self.fixed_keys.get(key).copied().flatten()
            });
        }
        let (Some(refresh), Some(access_key)) = (&self.refresh, access_key(req)) else {
            return first;
        };
        if let Some(known) = self.verify_minted(req, now) {
            return known;
        }
        let mut last = self.last_refresh.lock().await;
        // Another request may have refreshed while this one waited.
        if let Some(known) = self.verify_minted(req, now) {
            return known;
        }
        if last.is_some_and(|at| at.elapsed() < MIN_REFRESH_INTERVAL) {
            return first;
        }
        let refresh = refresh.clone();
        let resolved = tokio::task::spawn_blocking(move || (refresh.0)(&access_key)).await;
        *last = Some(Instant::now());
        drop(last);
        match resolved {
            Ok(Ok(Some(identity))) => self.remember(identity),
            Ok(Ok(None)) => {}
            Ok(Err(message)) => self.logger.line(format!(
                "goblet local: cannot refresh your AWS credentials: {message}"
            )),
            Err(e) => self.logger.line(format!(
                "goblet local: cannot refresh your AWS credentials: {e}"
            )),
        }
        self.verify_minted(req, now).unwrap_or(first)
    }

    /// `None` when no refreshed identity has the request's access key.
    fn verify_minted(
        &self,
        req: &RequestParts<'_>,
        now: SystemTime,
    ) -> Option<Result<VerifiedCaller, Rejection>> {
        let minted = self.minted.lock().unwrap_or_else(|e| e.into_inner());
        let result = minted.verifier.verify(req, now);
        if is_unrecognized(&result) {
            return None;
        }
        Some(unexpired(result, now, |key| {
            minted
                .identities
                .iter()
                .find(|id| id.access_key_id == key)
                .and_then(|id| id.expires)
        }))
    }

    fn remember(&self, identity: Identity) {
        if self.fixed_keys.contains_key(&identity.access_key_id) {
            return;
        }
        let mut minted = self.minted.lock().unwrap_or_else(|e| e.into_inner());
        if minted
            .identities
            .iter()
            .any(|id| id.access_key_id == identity.access_key_id)
        {
            return;
        }
        self.logger.line(format!(
            "goblet local: your AWS configuration now gives {}; it is accepted too{}",
            identity.access_key_id,
            identity
                .expires
                .map(|at| format!(" until {}", httpdate::fmt_http_date(at)))
                .unwrap_or_default()
        ));
        minted.identities.push(identity);
        if minted.identities.len() > MAX_MINTED {
            minted.identities.remove(0);
        }
        minted.verifier = self.verifier(minted.identities.clone());
    }
}

/// The access key of the request's credential scope (`Authorization`
/// header, else a presigned URL's `X-Amz-Credential`).
fn access_key(req: &RequestParts<'_>) -> Option<String> {
    let credential = match req.headers.get(http::header::AUTHORIZATION) {
        Some(header) => {
            let header = header.to_str().ok()?;
            parse::parse_authorization(header)
                .ok()?
                .credential?
                .to_owned()
        }
        None => {
            let (_, query) = req.uri.split_once('?')?;
            parse::parse_presigned_query(query).credential?.into_owned()
        }
    };
    Some(
        parse::parse_credential(&credential)
            .ok()?
            .access_key
            .to_owned(),
    )
}

fn is_unrecognized(result: &Result<VerifiedCaller, Rejection>) -> bool {
    matches!(result, Err(r) if r.error_type == ErrorType::UnrecognizedClient)
}

/// A verified caller whose credentials expired is refused.
fn unexpired(
    result: Result<VerifiedCaller, Rejection>,
    now: SystemTime,
    expiry: impl FnOnce(&str) -> Option<SystemTime>,
) -> Result<VerifiedCaller, Rejection> {
    let caller = result?;
    match expiry(&caller.access_key) {
        Some(at) if at <= now => Err(Rejection::expired_token()),
        _ => Ok(caller),
    }
}
