//! The one AWS configuration of the `goblet` command: region and credentials
//! found by `aws-config`'s providers in one chain, and handed to `goblet
//! local`, `goblet curl` and the deploy engine alike, so the three can never
//! disagree about the region or whose keys they use.
//!
//! The chain, in the SDKs' order:
//! - region: `AWS_REGION` (then `AWS_DEFAULT_REGION`), else the `region` of
//!   the active profile (`AWS_PROFILE`, default `default`) in `~/.aws/config`;
//! - credentials: the environment's keys, else the active profile of
//!   `~/.aws/credentials` and `~/.aws/config` (static keys,
//!   `credential_process`, `role_arn` with `source_profile`, a web identity
//!   token file), else the web identity token of the environment
//!   (`AWS_WEB_IDENTITY_TOKEN_FILE`), else the container credentials of the
//!   environment (`AWS_CONTAINER_CREDENTIALS_*`, as CodeBuild and ECS set).
//!
//! The EC2 instance metadata service is left out of both: goblet runs on
//! developers' machines and CI, where probing 169.254.169.254 only adds a
//! timeout to every command that finds nothing else.

use aws_config::environment::credentials::EnvironmentVariableCredentialsProvider;
use aws_config::environment::region::EnvironmentVariableRegionProvider;
use aws_config::meta::credentials::CredentialsProviderChain;
use aws_config::meta::region::RegionProviderChain;
use aws_config::profile::{ProfileFileCredentialsProvider, ProfileFileRegionProvider};
use aws_config::provider_config::ProviderConfig;
use aws_config::retry::RetryConfig;
use aws_config::{BehaviorVersion, SdkConfig};
use aws_credential_types::provider::ProvideCredentials as _;
use aws_credential_types::provider::error::CredentialsError;
use goblet_local::sigv4::{CredentialRefresh, Identity};
use std::time::SystemTime;

use crate::credential_cache::CredentialCache;

/// Attempts per call: throttling, timeouts and 5xx are retried with
/// exponential backoff and jitter (the SDK's standard retry mode).
const MAX_ATTEMPTS: u32 = 6;

/// The region `goblet local` and `goblet curl` use when nothing names one,
/// as the AWS CLI's own examples do.
pub const FALLBACK_REGION: &str = "us-east-1";

/// The AWS configuration every command of one `goblet` run shares.
#[derive(Debug, Clone)]
pub struct AwsSettings {
    pub sdk: SdkConfig,
}

impl AwsSettings {
    /// Reads the environment and the shared files (no network, unless a
    /// profile's `credential_process` or `role_arn` needs it on first use).
    pub async fn load() -> AwsSettings {
        let region = region_chain().region().await;
        let provider_config = ProviderConfig::without_region().with_region(region.clone());
        let credentials = CredentialsProviderChain::first_try(
            "Environment",
            EnvironmentVariableCredentialsProvider::new(),
        )
        .or_else(
            "Profile",
            ProfileFileCredentialsProvider::builder()
                .configure(&provider_config)
                .build(),
        )
        .or_else(
            "WebIdentityToken",
            aws_config::web_identity_token::WebIdentityTokenCredentialsProvider::builder()
                .configure(&provider_config)
                .build(),
        )
        .or_else(
            "EcsContainer",
            aws_config::ecs::EcsCredentialsProvider::builder()
                .configure(&provider_config)
                .build(),
        );
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .retry_config(RetryConfig::standard().with_max_attempts(MAX_ATTEMPTS))
            .credentials_provider(credentials);
        if let Some(region) = region {
            loader = loader.region(region);
        }
        AwsSettings {
            sdk: loader.load().await,
        }
    }

    /// The configured region, if any.
    pub fn region(&self) -> Option<String> {
        self.sdk.region().map(|r| r.to_string())
    }

    /// The configured region, else [`FALLBACK_REGION`].
    pub fn region_or_fallback(&self) -> String {
        self.region().unwrap_or_else(|| FALLBACK_REGION.to_owned())
    }

    /// The user's own credentials as an identity `goblet local` accepts and
    /// `goblet curl` signs with; `Ok(None)` when nothing is configured.
    /// Temporary credentials of a profile go through the
    /// [`CredentialCache`], so every goblet process signs with the same.
    pub async fn user_identity(&self) -> Result<Option<Identity>, String> {
        self.user_identity_matching(None).await
    }

    /// [`AwsSettings::user_identity`], for a request signed with `wanted`:
    /// when the cache holds other keys, the profile is resolved anew (its
    /// helper may have handed out new ones).
    pub async fn user_identity_matching(
        &self,
        wanted: Option<&str>,
    ) -> Result<Option<Identity>, String> {
        let cache = (!environment_has_keys())
            .then(CredentialCache::for_active_profile)
            .flatten();
        if let Some(cached) = cache.as_ref().and_then(|c| c.load(SystemTime::now()))
            && wanted.is_none_or(|key| key == cached.access_key_id)
        {
            return Ok(Some(cached));
        }
        let Some(provider) = self.sdk.credentials_provider() else {
            return Ok(None);
        };
        match provider.provide_credentials().await {
            Ok(c) => {
                let identity = Identity::new(
                    c.access_key_id(),
                    c.secret_access_key(),
                    c.session_token().map(str::to_owned),
                    None,
                    None,
                    "your AWS credentials",
                )
                .expiring(c.expiry());
                if let Some(cache) = &cache {
                    cache.store(&identity);
                }
                Ok(Some(identity))
            }
            Err(CredentialsError::CredentialsNotLoaded(_)) => Ok(None),
            Err(e) => Err(format!(
                "cannot load your AWS credentials: {}",
                goblet_deploy::aws::full_message(&e)
            )),
        }
    }
}

impl AwsSettings {
    /// How `goblet local` resolves the user's credentials again, for a
    /// request signed with keys it does not know: through the cache, or
    /// the profile anew. `None` when the environment's keys are the user's
    /// (they cannot change while goblet local runs).
    pub fn credential_refresh(&self) -> Option<CredentialRefresh> {
        if environment_has_keys() {
            return None;
        }
        let aws = self.clone();
        Some(CredentialRefresh::new(move |access_key| {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| format!("cannot start the async runtime: {e}"))?;
            runtime.block_on(aws.user_identity_matching(Some(access_key)))
        }))
    }
}

/// Whether the environment names keys (which then win over any profile).
fn environment_has_keys() -> bool {
    std::env::var_os("AWS_ACCESS_KEY_ID").is_some_and(|v| !v.is_empty())
}

/// The region of the AWS configuration alone (the chain [`AwsSettings::load`]
/// uses), for `goblet package`, which needs no credentials: the region a
/// deploy with the same configuration would go to.
pub async fn configured_region() -> Option<String> {
    region_chain().region().await.map(|r| r.to_string())
}

/// Environment, then the active profile.
fn region_chain() -> RegionProviderChain {
    RegionProviderChain::first_try(EnvironmentVariableRegionProvider::new())
        .or_else(ProfileFileRegionProvider::new())
}
