//! `goblet local`: Amazon API Gateway and AWS Lambda on loopback.
//!
//! * The gateway ([`gateway`]) serves the app's routes under `/{stage}/` with
//!   REST API semantics (payload format 1.0, or 2.0 with `--format http`):
//!   API Gateway's route priorities, its `403 Missing Authentication Token`
//!   for unknown paths and methods, SigV4 verification for `AWS_IAM` routes
//!   ([`sigv4`]), API keys, CORS preflights, and proxy events built field by
//!   field as API Gateway builds them.
//! * The Lambda side ([`pool`]) runs the app's release binary under the real
//!   Runtime API ([`crate::lambda`]): up to `--concurrency` execution
//!   environments, started on demand and reused; a timeout or crash replaces
//!   the environment, as Lambda does, and every invocation logs Lambda's
//!   `START` / `END` / `REPORT` lines.
//!
//! The routes come from the manifest embedded in the binary, never from the
//! source. Known divergences from API Gateway: responses are plain HTTP/1.1;
//! `stageVariables` is always null; resource policies, usage plans and
//! throttling are not modelled; header names reach the function in lower case;
//! `+` in a query string is read as a space, as API Gateway REST APIs do.

pub mod lambda;

mod access_log;
mod authorizers;
mod cognito;
mod event;
mod gateway;
mod invoke;
mod limits;
mod live;
mod pool;
mod proxy;
pub mod reload;
mod routes;
mod schedules;
pub mod sigv4;

pub use cognito::CognitoKeys;

use std::path::{Path, PathBuf};

use std::sync::Arc;

use goblet_core::{AuthorizationType, EventFormat, Manifest};

use crate::lambda::FunctionConfig;

/// Everything `goblet local` serves, and how. The caller (the `goblet`
/// command) has resolved the app and the user's AWS configuration: this crate
/// reads no project, no profile and no environment of its own.
#[derive(Debug, Clone)]
pub struct LocalOptions {
    /// The app's release binary.
    pub binary: PathBuf,
    /// The manifest read out of `binary`.
    pub manifest: Manifest,
    /// The function as a deploy would configure it (memory, environment,
    /// region, timeout); the user's credentials are added to its environment.
    /// Its region is the API's too: SigV4 credential scopes must name it.
    pub function: FunctionConfig,
    pub host: String,
    pub port: u16,
    pub stage: String,
    pub concurrency: usize,
    /// `RestV1` or `HttpV2`: the API types `goblet local` serves.
    pub format: EventFormat,
    /// `--identities FILE`: more IAM identities to accept.
    pub identities: Option<PathBuf>,
    /// The user's own AWS credentials, accepted on `AWS_IAM` routes and
    /// standing in for the execution role's inside the function.
    pub user: Option<sigv4::Identity>,
    /// Resolves the user's credentials again when a request is signed with
    /// an access key goblet local does not know (a `credential_process` or
    /// `role_arn` profile gives every process keys of its own).
    pub refresh: Option<sigv4::CredentialRefresh>,
    /// Accepted on `AWS_IAM` routes when no other identity is: goblet's
    /// local development identity. Unlike `user`, never given to the
    /// function (AWS does not know it).
    pub development: Option<sigv4::Identity>,
    pub api_keys: Vec<String>,
    /// The keys Cognito user pool authorizers check tokens against: the
    /// pools' JWKS, `--jwks` files, `goblet token`'s key.
    pub cognito_keys: CognitoKeys,
    /// `--authorizer NAME=PATH`: the goblet binaries standing in for the
    /// functions of the configuration's external authorizers.
    pub authorizer_binaries: Vec<AuthorizerBinary>,
    /// `--schedules`: fire the `#[schedule]` functions on their schedules.
    pub schedules: bool,
    /// What the configuration sets for each event handler's function
    /// (`[functions.NAME]`), by name, over the API function's settings.
    pub functions: std::collections::BTreeMap<String, FunctionOverrides>,
}

/// A goblet binary run for an external authorizer (`function_arn`), in a
/// worker pool of its own, as Lambda runs that function.
#[derive(Debug, Clone)]
pub struct AuthorizerBinary {
    /// The authorizer's name in the configuration.
    pub name: String,
    pub binary: PathBuf,
    /// The function as the ARN names it (name, region, account).
    pub function: FunctionConfig,
}

/// Why `goblet local` could not start.
#[derive(Debug, thiserror::Error)]
pub enum LocalError {
    #[error("{0}")]
    Identities(#[from] sigv4::IdentityError),
    #[error("goblet local serves REST APIs and HTTP APIs, not {0}")]
    Format(EventFormat),
    #[error("invalid stage name {0:?}: use letters, digits, `-` and `_`")]
    Stage(String),
    #[error("cannot listen on {addr}: {error}")]
    Listen { addr: String, error: std::io::Error },
    #[error("cannot start the async runtime: {0}")]
    Runtime(std::io::Error),
}

/// Checks a stage name as API Gateway would: call it before building anything.
pub fn check_stage(stage: &str) -> Result<(), LocalError> {
    if stage.is_empty()
        || !stage
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(LocalError::Stage(stage.to_owned()));
    }
    Ok(())
}

/// Prints the invoke URL and routes, and serves until Ctrl-C or SIGTERM;
/// then kills the workers.
pub fn run(options: LocalOptions) -> Result<(), LocalError> {
    serve_until_stopped(options, None)
}

/// As [`run`], and serves every build `reloads` brings in place of the
/// previous one (`goblet local --watch`).
pub fn run_reloading(options: LocalOptions, reloads: reload::Reloads) -> Result<(), LocalError> {
    serve_until_stopped(options, Some(reloads))
}

fn serve_until_stopped(
    mut options: LocalOptions,
    reloads: Option<reload::Reloads>,
) -> Result<(), LocalError> {
    check_stage(&options.stage)?;
    if !matches!(options.format, EventFormat::RestV1 | EventFormat::HttpV2) {
        return Err(LocalError::Format(options.format));
    }
    // Workers start in the binary's folder: give them a path that works there.
    options.binary = options
        .binary
        .canonicalize()
        .unwrap_or_else(|_| options.binary.clone());
    let mut identities = match &options.identities {
        Some(path) => sigv4::load_identities_file(path)?,
        None => Vec::new(),
    };
    if let Some(own) = &options.user {
        if !identities
            .iter()
            .any(|i| i.access_key_id == own.access_key_id)
        {
            identities.push(own.clone());
        }
        add_credentials(&mut options.function, own);
    }
    if let Some(development) = &options.development
        && !identities
            .iter()
            .any(|i| i.access_key_id == development.access_key_id)
    {
        identities.push(development.clone());
    }
    // One thread: the gateway's work per request is small next to the worker
    // processes', which need the other cores; a multi-threaded scheduler
    // spent more CPU per request handing tasks between its threads.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(LocalError::Runtime)?;
    runtime.block_on(serve(options, identities, reloads))
}

/// What the configuration sets for one event handler's function.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FunctionOverrides {
    pub memory_mb: Option<u32>,
    pub timeout: Option<std::time::Duration>,
    /// Set over the API function's variables, name by name.
    pub environment: Vec<(String, String)>,
}

impl FunctionOverrides {
    /// `config` with these set over it.
    pub fn apply(&self, config: &mut FunctionConfig) {
        if let Some(memory) = self.memory_mb {
            config.memory_mb = memory;
        }
        if let Some(timeout) = self.timeout {
            config.timeout = timeout;
        }
        for (name, value) in &self.environment {
            config.environment.retain(|(n, _)| n != name);
            config.environment.push((name.clone(), value.clone()));
        }
    }
}

/// An event handler's Lambda function name: the API function's, then the
/// handler's (`shop-dev` and `jobs`: `shop-dev-jobs`), as Chalice names them.
pub fn function_name(api_function: &str, handler: &str) -> String {
    format!("{api_function}-{handler}")
}

/// The user's own credentials stand in for the execution role's.
fn add_credentials(function: &mut FunctionConfig, own: &sigv4::Identity) {
    function.environment.extend([
        ("AWS_ACCESS_KEY_ID".to_owned(), own.access_key_id.clone()),
        (
            "AWS_SECRET_ACCESS_KEY".to_owned(),
            own.secret_access_key.clone(),
        ),
    ]);
    if let Some(token) = &own.session_token {
        function
            .environment
            .push(("AWS_SESSION_TOKEN".to_owned(), token.clone()));
    }
}

async fn serve(
    options: LocalOptions,
    identities: Vec<sigv4::Identity>,
    reloads: Option<reload::Reloads>,
) -> Result<(), LocalError> {
    let binary = options.binary.clone();
    let manifest = &options.manifest;
    let function = options.function.clone();
    let addr = format!("{}:{}", options.host, options.port);
    let listener = tokio::net::TcpListener::bind(&addr)
        .await
        .map_err(|error| LocalError::Listen {
            addr: addr.clone(),
            error,
        })?;
    let local = listener.local_addr().map_err(|error| LocalError::Listen {
        addr: addr.clone(),
        error,
    })?;

    let logger = pool::Logger::start();
    let url = format!("http://{local}/{}/", options.stage);

    let api = event::ApiInfo {
        api_id: event::random_id(10),
        account_id: function.account_id.clone(),
        stage: options.stage.clone(),
    };
    // One build's gateway: its routes and its own pool of workers; all
    // else is the same for every build.
    let gateway_for = |binary: PathBuf, manifest: &Manifest| {
        let pool = Arc::new(pool::Pool::new(
            binary.clone(),
            function.clone(),
            options.concurrency,
            logger.clone(),
        ));
        let mut invokable = vec![invoke::Invokable {
            handler: function.handler.clone(),
            config: function.clone(),
            pool: pool.clone(),
            schedule: None,
        }];
        // Each event handler is a Lambda function of its own, with its own
        // execution environments, as deployed.
        for f in &manifest.functions {
            let mut config = FunctionConfig {
                name: function_name(&function.name, &f.name),
                handler: f.name.clone(),
                ..function.clone()
            };
            if let Some(overrides) = options.functions.get(&f.name) {
                overrides.apply(&mut config);
            }
            let pool = Arc::new(pool::Pool::new(
                binary.clone(),
                config.clone(),
                options.concurrency,
                logger.clone(),
            ));
            let schedule = match &f.trigger {
                goblet_core::Trigger::Schedule { expression } => {
                    goblet_core::schedule::Schedule::parse(expression).ok()
                }
                _ => None,
            };
            invokable.push(invoke::Invokable {
                handler: f.name.clone(),
                config,
                pool,
                schedule,
            });
        }
        let callers = || {
            sigv4::Callers::new(identities.clone(), options.refresh.clone(), logger.clone())
                .require_region(function.region.clone())
        };
        Arc::new(gateway::Gateway {
            routes: routes::RouteTable::new(manifest),
            // As deployed: CORS gateway responses when any route has CORS.
            cors_on_errors: manifest.routes.iter().any(|r| r.cors),
            format: options.format,
            api: api.clone(),
            stage_prefix: format!("/{}", options.stage),
            // The API's region is the function's: a signature scoped to another
            // is refused, as API Gateway refuses it.
            verifier: callers(),
            functions: invoke::Functions::new(invokable, callers(), logger.clone()),
            // A new build starts with an empty cache, as a redeployed stage does.
            authorizers: authorizers::Authorizers::new(manifest),
            authorizer_pools: options
                .authorizer_binaries
                .iter()
                .filter(|a| manifest.external_authorizer(&a.name).is_some())
                .map(|a| {
                    let pool = pool::Pool::new(
                        a.binary.clone(),
                        a.function.clone(),
                        options.concurrency,
                        logger.clone(),
                    );
                    (a.name.clone(), Arc::new(pool))
                })
                .collect(),
            user_pools: manifest
                .cognito_authorizers
                .iter()
                .map(|a| (a.name.clone(), cognito::UserPoolAuthorizer::new(a)))
                .collect(),
            cognito_keys: options.cognito_keys.clone(),
            cognito_cache: cognito::TokenCache::default(),
            api_keys: options.api_keys.clone(),
            region: function.region.clone(),
            integration_timeout: gateway::INTEGRATION_TIMEOUT,
            pool,
            logger: logger.clone(),
        })
    };
    let live = Arc::new(live::Live::new(gateway_for(binary.clone(), manifest)));
    print_banner(
        &logger,
        &options,
        &binary,
        manifest,
        &live.current().routes,
        &identities,
        &url,
    );
    logger.flush();
    let reloading = async {
        let Some(mut reloads) = reloads else {
            return std::future::pending().await;
        };
        while let Some(message) = reloads.0.recv().await {
            match message {
                reload::Message::Note(line) => logger.line(line),
                reload::Message::Build(build) => {
                    let binary = build.binary.canonicalize().unwrap_or(build.binary);
                    // The old gateway drains: requests holding it finish
                    // there, and its workers die with its last holder.
                    drop(live.replace(gateway_for(binary, &build.manifest)));
                    logger.line(format!(
                        "Serving the new build ({} routes)",
                        build.manifest.routes.len()
                    ));
                    print_routes(&logger, &live.current().routes);
                    // Keys are read at start-up only (the CLI fetches them).
                    for pool in build
                        .manifest
                        .cognito_authorizers
                        .iter()
                        .flat_map(|a| a.pools())
                    {
                        if !options.cognito_keys.has_keys_of(&pool.issuer()) {
                            logger.line(format!(
                                "No key of the user pool {} was read at start-up: restart goblet \
                                 local to check its own tokens (goblet token's are accepted)",
                                pool.pool_id
                            ));
                        }
                    }
                }
            }
        }
        // The watcher stopped: keep serving the last build.
        std::future::pending().await
    };
    let scheduling = async {
        if options.schedules {
            schedules::run(live.clone(), function.region.clone(), logger.clone()).await
        }
        std::future::pending().await
    };
    tokio::select! {
        () = gateway::serve(live.clone(), listener, shutdown_signal()) => {}
        () = reloading => {}
        () = scheduling => {}
    }
    logger.line("goblet local: shutting down");
    let gateway = live.current();
    for function in gateway.functions.all() {
        function.pool.shutdown().await;
    }
    for pool in gateway.authorizer_pools.values() {
        pool.shutdown().await;
    }
    logger.flush();
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = ctrl_c => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = ctrl_c.await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}

fn print_banner(
    logger: &pool::Logger,
    options: &LocalOptions,
    binary: &Path,
    manifest: &Manifest,
    routes: &routes::RouteTable,
    identities: &[sigv4::Identity],
    url: &str,
) {
    let format = options.format.describe();
    logger.line(format!(
        "Serving {} from {} ({format}; up to {} workers, timeout {} s)",
        manifest.app_name,
        binary.display(),
        options.concurrency,
        options.function.timeout.as_secs_f64()
    ));
    logger.line(format!("Invoke URL: {url}"));
    logger.line(format!(
        "Region: {} (SigV4 signatures must be scoped to it)",
        options.function.region
    ));
    logger.line("");
    print_routes(logger, routes);
    print_functions(
        logger,
        manifest,
        &options.function.name,
        url,
        options.schedules,
    );
    if routes.any(|d| d.authorization_type == AuthorizationType::AwsIam) || !identities.is_empty() {
        if identities.is_empty() {
            logger.line(
                "No IAM identity is accepted: AWS_IAM routes answer 403 to every request. \
                 Add one with --identities FILE (a JSON array of \
                 {\"access_key_id\": \"...\", \"secret_access_key\": \"...\"}), or set \
                 AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or a profile in ~/.aws/credentials) \
                 before starting goblet local; then sign requests with `goblet curl`.",
            );
        } else {
            logger.line("IAM identities accepted on AWS_IAM routes:");
            for id in identities {
                let temporary = match (&id.session_token, id.expires) {
                    (_, Some(at)) => format!(", temporary, until {}", httpdate::fmt_http_date(at)),
                    (Some(_), None) => ", temporary".to_owned(),
                    (None, None) => String::new(),
                };
                logger.line(format!(
                    "  {}  {}  ({}{temporary})",
                    id.access_key_id, id.user_arn, id.source
                ));
            }
        }
    }
    if !manifest.authorizers.is_empty() {
        logger.line("Lambda authorizers, run by this binary as on API Gateway:");
        for a in &manifest.authorizers {
            let cache = match a.ttl_seconds {
                0 => "not cached".to_owned(),
                ttl => format!("cached {ttl} s"),
            };
            logger.line(format!(
                "  {}  {} on {}  ({cache})",
                a.name,
                a.kind.as_str(),
                a.identity_sources.join(", ")
            ));
        }
    }
    if !manifest.external_authorizers.is_empty() {
        logger.line("Lambda authorizers of other functions (function_arn):");
        for a in &manifest.external_authorizers {
            let mapped = options
                .authorizer_binaries
                .iter()
                .find(|b| b.name == a.name);
            let runs = match mapped {
                Some(b) => format!("run by {}", b.binary.display()),
                None => format!(
                    "NOT RUN HERE: goblet local cannot call {}, so its routes answer 500; \
                     run a goblet binary for it with --authorizer {}=PATH",
                    a.function_arn, a.name
                ),
            };
            logger.line(format!(
                "  {}  {} on {}  ({runs})",
                a.name,
                a.kind.as_str(),
                a.identity_sources.join(", ")
            ));
        }
    }
    if !manifest.cognito_authorizers.is_empty() {
        logger.line("Cognito user pool authorizers, tokens checked as on API Gateway:");
        for a in &manifest.cognito_authorizers {
            let pools: Vec<String> = a.pools().map(|p| p.pool_id).collect();
            logger.line(format!(
                "  {}  {} on {}",
                a.name,
                pools.join(", "),
                a.identity_source
            ));
        }
        if options.cognito_keys.is_empty() {
            logger.line(
                "No key to check Cognito tokens with: COGNITO_USER_POOLS routes answer 401 \
                 to every request.",
            );
        }
    }
    if routes.any(|d| d.api_key_required) {
        if options.api_keys.is_empty() {
            logger.line(
                "No API key is configured: routes with api_key = true answer 403 Forbidden. \
                 Pass --api-key KEY and send it as the x-api-key header.",
            );
        } else {
            logger.line(format!(
                "{} API key(s) accepted in the x-api-key header.",
                options.api_keys.len()
            ));
        }
    }
    logger.line("");
}

/// The app's event handlers and plain functions, and where to invoke them.
fn print_functions(
    logger: &pool::Logger,
    manifest: &Manifest,
    api_function: &str,
    url: &str,
    schedules: bool,
) {
    if manifest.functions.is_empty() {
        return;
    }
    let base = url.split('/').take(3).collect::<Vec<_>>().join("/");
    logger.line(format!(
        "Functions, each its own Lambda function (Lambda's Invoke API: POST \
         {base}{}NAME/invocations, or `goblet invoke --local NAME`):",
        invoke::PREFIX
    ));
    let scheduled = manifest
        .functions
        .iter()
        .any(|f| matches!(f.trigger, goblet_core::Trigger::Schedule { .. }));
    let width = manifest
        .functions
        .iter()
        .map(|f| f.name.len())
        .max()
        .unwrap_or(4);
    for f in &manifest.functions {
        let trigger = match &f.trigger {
            goblet_core::Trigger::Schedule { expression } => expression.clone(),
            goblet_core::Trigger::Sqs { queue, batch_size } => {
                format!("queue {queue}, batches of {batch_size}")
            }
            goblet_core::Trigger::Sns { topic } => format!("topic {topic}"),
            goblet_core::Trigger::S3 { bucket, events, .. } => {
                format!("bucket {bucket}, {}", events.join(", "))
            }
            goblet_core::Trigger::EventBridge { pattern, bus } => format!(
                "bus {}, pattern {pattern}",
                bus.as_deref().unwrap_or("default")
            ),
            goblet_core::Trigger::DynamoDb { stream, .. }
            | goblet_core::Trigger::Kinesis { stream, .. } => format!("stream {stream}"),
            goblet_core::Trigger::Invoke => "invoked by name".to_owned(),
        };
        logger.line(format!(
            "  {:<width$}  {}  {} {trigger}",
            f.name,
            function_name(api_function, &f.name),
            f.trigger.attribute()
        ));
    }
    if scheduled && !schedules {
        logger.line(
            "Schedules do not fire by themselves: start with --schedules to fire them (in UTC).",
        );
    } else if scheduled {
        logger.line("Schedules fire on their rate or cron, in UTC (--schedules).");
    }
    logger.line("");
}

/// The table of methods, paths, authorization and options.
fn print_routes(logger: &pool::Logger, routes: &routes::RouteTable) {
    let listing = routes.listing();
    let width = listing
        .iter()
        .map(|(p, _)| p.len())
        .max()
        .unwrap_or(4)
        .max(4);
    logger.line(format!(
        "  {:<7} {:<width$}  {:<13} {}",
        "METHOD", "PATH", "AUTHORIZATION", "OPTIONS"
    ));
    for (path, def) in listing {
        let mut extra = Vec::new();
        if def.api_key_required {
            extra.push("api key");
        }
        if def.cors {
            extra.push("cors");
        }
        let authorizer;
        if let Some(name) = routes.authorizer(def) {
            authorizer = format!("authorizer {name}");
            extra.push(&authorizer);
        }
        logger.line(format!(
            "  {:<7} {:<width$}  {:<13} {}",
            def.method.as_str(),
            path,
            def.authorization_type.as_str(),
            extra.join(", ")
        ));
    }
    logger.line("");
}
