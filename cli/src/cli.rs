//! The command line: argument parsing and one function per subcommand.

use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use goblet_core::EventFormat;
use goblet_deploy::{
    self as deploy, DeleteOptions, DeployError, InvokeOptions, LogsOptions, UrlOptions,
};
use goblet_local::lambda::FunctionConfig;
use goblet_local::{LocalError, LocalOptions};
use goblet_project::{AppSource, ReadError, ResolveError};

use crate::aws::AwsSettings;
use crate::curl::{CurlArgs, CurlError};

/// Serverless Rust apps on AWS Lambda behind Amazon API Gateway.
#[derive(Debug, Parser)]
#[command(name = "goblet", version, propagate_version = true)]
#[command(after_help = "Set RUST_LOG (e.g. RUST_LOG=debug) for detailed diagnostics on stderr.")]
pub struct Cli {
    /// More diagnostics on stderr (-v info, -vv debug, -vvv trace); RUST_LOG overrides.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print the route manifest of a built goblet app as JSON.
    ///
    /// The manifest is read from the binary's `goblet_routes` section without
    /// running it, so the binary may be stripped, built with LTO, or built for
    /// another architecture (x86_64 or aarch64 Linux).
    Manifest(ManifestArgs),

    /// Serve the app locally behind a local API Gateway, with Lambda's runtime.
    ///
    /// Prints the invoke URL (`http://127.0.0.1:8000/api/`) and the routes, then
    /// serves them under `/{stage}/` with API Gateway's semantics: SigV4 on
    /// AWS_IAM routes, API keys, CORS preflights, 403 for unknown routes. The
    /// function runs as on Lambda, in up to --concurrency reused processes.
    /// Ctrl-C stops it.
    Local(LocalArgs),

    /// Mint a token for a Cognito user pool authorizer, accepted by `goblet local`.
    ///
    /// Shaped like the pool's own (an identity token; with --scope, an access
    /// token) and signed with goblet's local token key, which `goblet local`
    /// trusts for every Cognito authorizer: try a Cognito-protected route with
    /// no AWS account, e.g. `goblet curl -H "Authorization: $(goblet token)" URL`.
    /// API Gateway on AWS does not accept these tokens.
    Token(crate::token::TokenArgs),

    /// Send one SigV4-signed request (e.g. to an AWS_IAM route of `goblet local`).
    ///
    /// Uses the standard AWS credentials (environment, then ~/.aws). Prints the
    /// response body (-i: status line and headers too) and exits 0 whatever the
    /// HTTP status; only a transport failure is an error.
    Curl(CurlArgs),

    /// Deploy the app to AWS Lambda behind an API Gateway REST API.
    ///
    /// Plans, then applies only what changed (same binary and configuration:
    /// no change at all), recording what exists in .goblet/deployed/<stage>.json
    /// after every step, so an interrupted deploy run again converges. Prints
    /// the invoke URL. Uses the standard AWS configuration (AWS_PROFILE,
    /// AWS_REGION, AWS_ENDPOINT_URL, ...).
    Deploy(DeployArgs),

    /// Delete everything `goblet deploy` created for a stage.
    ///
    /// In dependency order: the usage plan and API key (when routes need a
    /// key), the REST API, the invoke permission, the function (and its log
    /// group when goblet set its retention), then, after asking, the log group
    /// Lambda made for the function and the role if goblet created it (--yes:
    /// without asking; with no terminal and no --yes they are kept). A role
    /// tagged for another region is never deleted. Running it twice is
    /// harmless.
    Delete(DeleteArgs),

    /// Print the invoke URL of a deployed stage (from .goblet/deployed/<stage>.json).
    Url(StageArgs),

    /// Print the value of the API key goblet made for the stage's `api_key` routes.
    ///
    /// Send it as the x-api-key header; `goblet local --api-key "$(goblet
    /// api-key)"` accepts the same key locally. Read from API Gateway
    /// (apigateway:GET on the key).
    #[command(name = "api-key")]
    ApiKey(StageArgs),

    /// Invoke the deployed function directly and print its response.
    Invoke(InvokeArgs),

    /// Print the deployed function's CloudWatch Logs.
    Logs(LogsArgs),

    /// Write the app as a CloudFormation, SAM or Terraform template, plus bootstrap.zip.
    ///
    /// Describes what `goblet deploy` creates for the stage: the role (unless
    /// iam_role_arn), the function, its log group (with log_retention_days), the
    /// REST API with one method per route, its deployment and stage, and the
    /// invoke permission. The binary is checked first, as by a deploy. The
    /// region of the AWS configuration (AWS_REGION, AWS_DEFAULT_REGION, the
    /// profile's region), when there is one, is the template's: in aws-cn and
    /// aws-us-gov the endpoint type defaults to REGIONAL and EDGE is refused.
    Package(PackageArgs),

    /// Create a new goblet app crate in NAME/ that builds as it is.
    New(NewArgs),
}

#[derive(Debug, Args)]
pub struct DeployArgs {
    /// The app's cargo project: its Cargo.toml holds the configuration, and it is
    /// built with `cargo build --release` unless --binary is given.
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub project: PathBuf,
    /// An app binary already built, e.g. target/release/helloworld.
    #[arg(long, value_name = "PATH")]
    pub binary: Option<PathBuf>,
    #[command(flatten)]
    pub config: ConfigArgs,
    /// Print the plan (create / change / delete) and change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Ask nothing.
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// `text`, or `json`: a summary (url, actions, API call counts) on stdout.
    #[arg(long, default_value = "text", value_parser = ["text", "json"])]
    pub output: String,
}

/// The stage, and flags that override its configuration in Cargo.toml.
#[derive(Debug, Args)]
pub struct ConfigArgs {
    /// The stage whose configuration is used.
    #[arg(long, default_value = "dev")]
    pub stage: String,
    /// The function's memory in MB (overrides the configuration).
    #[arg(long, value_name = "MB")]
    pub memory: Option<u32>,
    /// The function's timeout in seconds (overrides the configuration).
    #[arg(long, value_name = "SECS")]
    pub timeout: Option<u32>,
    /// x86_64 or arm64 (overrides the configuration).
    #[arg(long, value_parser = ["x86_64", "arm64"])]
    pub architecture: Option<String>,
}

impl ConfigArgs {
    fn overrides(self) -> goblet_project::config::Overrides {
        goblet_project::config::Overrides {
            stage: Some(self.stage),
            memory_mb: self.memory,
            timeout_s: self.timeout,
            architecture: self
                .architecture
                .as_deref()
                .and_then(goblet_project::config::Architecture::parse),
            ..Default::default()
        }
    }
}

#[derive(Debug, Args)]
pub struct StageArgs {
    /// The stage.
    #[arg(long, default_value = "dev")]
    pub stage: String,
    /// The app's project folder, where `.goblet/deployed/` is (default: the current folder).
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub project: PathBuf,
}

#[derive(Debug, Args)]
pub struct DeleteArgs {
    #[command(flatten)]
    pub stage: StageArgs,
    /// Ask nothing: also delete the role goblet created and the function's logs.
    #[arg(long, short = 'y')]
    pub yes: bool,
}

#[derive(Debug, Args)]
pub struct InvokeArgs {
    #[command(flatten)]
    pub stage: StageArgs,
    /// The event, as JSON or `@file` (default: `{}`).
    #[arg(long, value_name = "JSON|@FILE")]
    pub payload: Option<String>,
    /// Invoke the function NAME of a running `goblet local` instead, through
    /// Lambda's Invoke API: an event handler's or plain function's name
    /// (`jobs`), or the API function's.
    #[arg(long, value_name = "NAME")]
    pub local: Option<String>,
    /// With --local: send a realistic sample event of this source instead of
    /// --payload, shaped as AWS documents it (with --binary, for the
    /// function's own queue, topic, bucket, rule or stream).
    #[arg(long, value_name = "SOURCE", requires = "local", conflicts_with = "payload",
          value_parser = clap::builder::PossibleValuesParser::new(goblet_core::sample::KINDS))]
    pub sample: Option<String>,
    /// With --local: where `goblet local` listens.
    #[arg(
        long,
        value_name = "URL",
        default_value = "http://127.0.0.1:8000",
        requires = "local"
    )]
    pub endpoint: String,
    /// With --local: the app binary `goblet local` serves, to fit --sample
    /// to the function's trigger.
    #[arg(long, value_name = "PATH", requires = "local")]
    pub binary: Option<PathBuf>,
    /// With --local: the region to sign for, which must be `goblet local`'s
    /// (default: the AWS configuration's, as `goblet local` takes it).
    #[arg(long, value_name = "REGION", requires = "local")]
    pub region: Option<String>,
    /// With --local: RequestResponse (wait for the result), Event (run in
    /// the background) or DryRun.
    #[arg(long, value_name = "TYPE", default_value = "RequestResponse", requires = "local",
          value_parser = ["RequestResponse", "Event", "DryRun"])]
    pub invocation_type: String,
}

#[derive(Debug, Args)]
pub struct LogsArgs {
    #[command(flatten)]
    pub stage: StageArgs,
    /// Keep printing new log events until interrupted.
    #[arg(long, short = 'f')]
    pub follow: bool,
    /// How far back to start, in minutes.
    #[arg(long, default_value_t = 60, value_name = "MINUTES")]
    pub since: u64,
}

#[derive(Debug, Args)]
pub struct LocalArgs {
    /// The app's cargo project: its Cargo.toml holds the configuration (memory,
    /// environment, logging: its dev stage), and it is built with `cargo build
    /// --release` unless --binary is given (default: the current folder).
    #[arg(long, value_name = "DIR")]
    pub project: Option<PathBuf>,
    /// An app binary already built, e.g. target/release/helloworld.
    #[arg(long, value_name = "PATH")]
    pub binary: Option<PathBuf>,
    /// The address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,
    /// The port to listen on; 0 picks a free one (the URL printed tells which).
    #[arg(long, default_value_t = 8000)]
    pub port: u16,
    /// The stage: the first segment of every path.
    #[arg(long, default_value = "api")]
    pub stage: String,
    /// How many function instances may run at once.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..))]
    pub concurrency: u16,
    /// The API type: `rest` (payload format 1.0) or `http` (payload format 2.0).
    #[arg(long, default_value = "rest", value_parser = parse_api_format)]
    pub format: EventFormat,
    /// The function timeout, in seconds (API Gateway's own limit is 29).
    #[arg(long, default_value_t = 30.0, value_name = "SECS")]
    pub timeout: f64,
    /// A JSON file of IAM identities to accept on AWS_IAM routes, in addition to
    /// your own credentials: [{"access_key_id", "secret_access_key", "session_token"?, "user_arn"?}].
    #[arg(long, value_name = "FILE")]
    pub identities: Option<PathBuf>,
    /// A JWKS file (`{"keys": [...]}`) whose RSA keys are trusted for the tokens
    /// of every Cognito user pool authorizer, next to each pool's own keys and
    /// `goblet token`'s; repeatable.
    #[arg(long = "jwks", value_name = "FILE")]
    pub jwks: Vec<PathBuf>,
    /// An API key accepted in `x-api-key` on api_key routes; repeatable.
    #[arg(long = "api-key", value_name = "KEY")]
    pub api_keys: Vec<String>,
    /// Runs the goblet binary PATH for the configuration's authorizer NAME,
    /// given by `function_arn` (a function goblet local cannot call): its
    /// one #[authorizer] answers, in a worker pool of its own. Without it,
    /// the routes behind NAME answer 500. Repeatable.
    #[arg(long = "authorizer", value_name = "NAME=PATH", value_parser = crate::authorizer_binary::parse)]
    pub authorizers: Vec<(String, PathBuf)>,
    /// An environment variable for the function, over the configuration's
    /// `environment` (e.g. `--env AWS_ENDPOINT_URL=http://127.0.0.1:4566` to
    /// point its AWS SDK clients at a local stand-in); repeatable.
    #[arg(long = "env", value_name = "NAME=VALUE", value_parser = parse_env_var)]
    pub env: Vec<(String, String)>,
    /// The region of the API and the function: SigV4 signatures must be
    /// scoped to it (default: the AWS configuration's, as for `goblet curl`
    /// and `goblet deploy`: AWS_REGION, then the profile's `region`; else
    /// us-east-1).
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,
    /// Rebuild when the project's files change (not target/ or hidden ones),
    /// and serve each build that succeeds; requests under way finish on the
    /// previous one, and a failed build leaves it serving.
    #[arg(long, conflicts_with = "binary")]
    pub watch: bool,
    /// Fire the app's #[schedule] functions on their rate or cron (in UTC),
    /// as EventBridge would.
    #[arg(long)]
    pub schedules: bool,
}

/// `--format rest|http`: the API types `goblet local` serves.
/// `NAME=VALUE`, with Lambda's rules for the name.
fn parse_env_var(text: &str) -> Result<(String, String), String> {
    let (name, value) = text
        .split_once('=')
        .ok_or_else(|| format!("expected NAME=VALUE, got {text:?}"))?;
    goblet_project::config::check_environment_name(name).map_err(|e| format!("{name}: {e}"))?;
    Ok((name.to_owned(), value.to_owned()))
}

fn parse_api_format(word: &str) -> Result<EventFormat, String> {
    match word {
        "rest" => Ok(EventFormat::RestV1),
        "http" => Ok(EventFormat::HttpV2),
        _ => Err("expected `rest` (payload format 1.0) or `http` (payload format 2.0)".to_owned()),
    }
}

#[derive(Debug, Args)]
pub struct ManifestArgs {
    /// The app's binary, e.g. target/release/helloworld.
    #[arg(value_name = "BINARY")]
    pub binary: PathBuf,
    /// The app's cargo project: the authorizers its Cargo.toml configures
    /// are joined to the binary's routes (no Cargo.toml there: none).
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub project: PathBuf,
}

#[derive(Debug, Args)]
pub struct PackageArgs {
    /// cloudformation (template.json), sam (sam.json) or terraform (main.tf).
    #[arg(long, value_enum)]
    pub format: PackageFormatArg,
    /// The app's cargo project: its Cargo.toml holds the configuration, and it is
    /// built with `cargo build --release` unless --binary is given.
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub project: PathBuf,
    /// An app binary already built, e.g. target/release/helloworld.
    #[arg(long, value_name = "PATH")]
    pub binary: Option<PathBuf>,
    #[command(flatten)]
    pub config: ConfigArgs,
    /// Where to write the template and bootstrap.zip (created if missing).
    #[arg(value_name = "OUTDIR")]
    pub out_dir: PathBuf,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PackageFormatArg {
    Cloudformation,
    Sam,
    Terraform,
}

#[derive(Debug, Args)]
pub struct NewArgs {
    /// The app's name: a crate name, also the Lambda function's.
    #[arg(value_name = "NAME")]
    pub name: String,
    /// The folder to create NAME/ in.
    #[arg(long, value_name = "PARENT", default_value = ".")]
    pub dir: PathBuf,
    /// Depend on goblet at this path (e.g. a checkout's framework/) instead of crates.io.
    #[arg(long, value_name = "PATH")]
    pub goblet_path: Option<PathBuf>,
}

/// A failed command; printed as one `error: ...` line.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error(transparent)]
    Read(#[from] ReadError),
    #[error(transparent)]
    Local(#[from] LocalError),
    #[error(transparent)]
    App(#[from] ResolveError),
    #[error("{0}")]
    Aws(String),
    #[error(transparent)]
    Curl(#[from] CurlError),
    #[error(transparent)]
    LocalIdentity(#[from] crate::local_identity::LocalIdentityError),
    #[error(transparent)]
    Deploy(#[from] DeployError),
    #[error(
        "--timeout must be a number of seconds above 0 and at most 900 (Lambda's limit), not {0}"
    )]
    Timeout(f64),
    #[error(transparent)]
    Package(#[from] goblet_deploy::package::PackageError),
    #[error(transparent)]
    New(#[from] crate::new::NewError),
    #[error("cannot write the output: {0}")]
    Output(io::Error),
    #[error(transparent)]
    Watch(#[from] crate::watch::WatchError),
    #[error("cannot start a thread: {0}")]
    Thread(io::Error),
    #[error(transparent)]
    Token(#[from] crate::token::TokenError),
    #[error("{0}")]
    Authorizer(String),
    #[error("{0}")]
    Invoke(String),
    /// A `[functions.NAME]` table the app's functions do not match.
    #[error("{0}")]
    Functions(String),
}

/// Runs the `goblet` command with the process's arguments.
pub fn main() -> ExitCode {
    // Usage errors, --help and --version exit here, with clap's codes (2 for misuse).
    let cli = Cli::parse();
    crate::logging::init(cli.verbose);
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            tracing::debug!(?err, "command failed");
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}

/// Runs a parsed command.
pub fn run(cli: Cli) -> Result<(), CliError> {
    match cli.command {
        Command::Manifest(args) => manifest(args),
        Command::Local(args) => local(args),
        Command::Curl(args) => Ok(crate::curl::run(args, &load_aws()?)?),
        Command::Deploy(args) => Ok(deploy::deploy_app(
            &load_aws()?.sdk,
            deploy::DeployRequest {
                project: args.project,
                binary: args.binary,
                overrides: args.config.overrides(),
                dry_run: args.dry_run,
                yes: args.yes,
                json: args.output == "json",
            },
        )?),
        Command::Delete(args) => Ok(deploy::delete(
            &load_aws()?.sdk,
            DeleteOptions {
                base_dir: args.stage.project,
                stage: args.stage.stage,
                yes: args.yes,
            },
        )?),
        Command::Url(args) => Ok(deploy::url(UrlOptions {
            base_dir: args.project,
            stage: args.stage,
        })?),
        Command::ApiKey(args) => {
            let value = deploy::api_key(
                &load_aws()?.sdk,
                UrlOptions {
                    base_dir: args.project,
                    stage: args.stage,
                },
            )?;
            println!("{value}");
            Ok(())
        }
        Command::Invoke(args) if args.local.is_some() => {
            crate::invoke_local::run(&args, &load_aws()?)
        }
        Command::Invoke(args) => Ok(deploy::invoke(
            &load_aws()?.sdk,
            InvokeOptions {
                base_dir: args.stage.project,
                stage: args.stage.stage,
                payload: args.payload,
            },
        )?),
        Command::Token(args) => print(&format!("{}\n", crate::token::mint(&args)?)),
        Command::Package(args) => package(args),
        Command::New(args) => new_app(args),
        Command::Logs(args) => Ok(deploy::logs(
            &load_aws()?.sdk,
            LogsOptions {
                base_dir: args.stage.project,
                stage: args.stage.stage,
                follow: args.follow,
                since_secs: args.since.saturating_mul(60),
            },
        )?),
    }
}

/// The AWS configuration of this run: one loader for every command.
fn load_aws() -> Result<AwsSettings, CliError> {
    block_on(AwsSettings::load())
}

/// Runs one future of the command's set-up to completion.
fn block_on<F: std::future::Future>(future: F) -> Result<F::Output, CliError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::Aws(format!("cannot start the async runtime: {e}")))?;
    Ok(runtime.block_on(future))
}

fn local(args: LocalArgs) -> Result<(), CliError> {
    // Lambda's own range: up to 15 minutes.
    if !(args.timeout.is_finite() && args.timeout > 0.0 && args.timeout <= 900.0) {
        return Err(CliError::Timeout(args.timeout));
    }
    goblet_local::check_stage(&args.stage)?;
    let source = match (args.binary, args.project) {
        // A binary already built, configured by its project if one is named.
        (Some(binary), project) => AppSource {
            project,
            binary: Some(binary),
        },
        (None, project) => AppSource {
            project: Some(project.unwrap_or_else(|| PathBuf::from("."))),
            binary: None,
        },
    };
    // Watching starts before the first build: an edit made during it counts.
    let watch = match (&source.project, args.watch) {
        (Some(project), true) => Some(crate::watch::Watch::start(project)?),
        _ => None,
    };
    let resolved = goblet_project::resolve(&source, &Default::default())?;
    let aws = load_aws()?;
    let user = match block_on(aws.user_identity())? {
        Ok(user) => user,
        Err(e) => {
            eprintln!("warning: your own AWS credentials are not accepted: {e}");
            None
        }
    };
    // A first run without any identity still works end to end.
    let development = if user.is_none() && args.identities.is_none() {
        let local = crate::local_identity::existing_or_new()?;
        print(&crate::local_identity::notice(&local))?;
        Some(local.identity)
    } else {
        None
    };
    // The function as a deploy would configure it: memory, environment and
    // logging from the project's `[package.metadata.goblet]` (its `dev` stage), the
    // region: `--region`, else the AWS configuration's.
    let mut function = FunctionConfig::new(resolved.app.manifest.app_name.clone());
    function.timeout = Duration::from_secs_f64(args.timeout);
    function.region = args.region.unwrap_or_else(|| aws.region_or_fallback());
    let mut functions = std::collections::BTreeMap::new();
    let mut manifest = resolved.app.manifest;
    if let Some(config) = resolved.config {
        function.memory_mb = config.memory_mb;
        function.environment = config.environment.clone().into_iter().collect();
        function.logging = config.logging;
        // Each function as the stage configures it: its source names, and
        // its memory, timeout and environment over the API function's.
        goblet_project::config::configure_functions(&mut manifest, &config)
            .map_err(CliError::Functions)?;
        for (name, f) in &config.functions {
            let overrides = goblet_local::FunctionOverrides {
                memory_mb: f.memory_mb,
                timeout: f.timeout_s.map(|s| Duration::from_secs(u64::from(s))),
                environment: f.environment.clone().into_iter().collect(),
            };
            functions.insert(name.clone(), overrides);
        }
    }
    let mut warnings = Vec::new();
    let cognito_keys = block_on(crate::token::local_keys(
        &manifest,
        &args.jwks,
        watch.is_some(),
        &mut warnings,
    ))??;
    for warning in warnings {
        eprintln!("warning: {warning}");
    }
    for (name, value) in args.env {
        function.environment.retain(|(n, _)| *n != name);
        function.environment.push((name, value));
    }
    let authorizer_binaries =
        crate::authorizer_binary::resolve(&manifest, args.authorizers, function.timeout)
            .map_err(CliError::Authorizer)?;
    let mut options = LocalOptions {
        binary: resolved.binary,
        manifest,
        function,
        host: args.host,
        port: args.port,
        stage: args.stage,
        concurrency: usize::from(args.concurrency),
        format: args.format,
        identities: args.identities,
        user,
        refresh: aws.credential_refresh(),
        development,
        api_keys: args.api_keys,
        cognito_keys,
        authorizer_binaries,
        schedules: args.schedules,
        functions,
    };
    match watch {
        None => goblet_local::run(options)?,
        Some(mut watch) => {
            options.binary = watch.keep(&options.binary)?;
            let (reloader, reloads) = goblet_local::reload::channel();
            let _kept = watch.spawn(reloader).map_err(CliError::Thread)?;
            goblet_local::run_reloading(options, reloads)?;
        }
    }
    Ok(())
}

fn package(args: PackageArgs) -> Result<(), CliError> {
    use goblet_deploy::package::{Format, PackageOptions};
    let format = match args.format {
        PackageFormatArg::Cloudformation => Format::CloudFormation,
        PackageFormatArg::Sam => Format::Sam,
        PackageFormatArg::Terraform => Format::Terraform,
    };
    let written = goblet_deploy::package::run(&PackageOptions {
        format,
        project: args.project,
        binary: args.binary,
        overrides: args.config.overrides(),
        out_dir: args.out_dir,
        // The region of the AWS configuration, as a deploy would use it:
        // in aws-cn and aws-us-gov the endpoint type defaults to REGIONAL.
        region: block_on(crate::aws::configured_region())?,
    })?;
    print(&format!(
        "Wrote {} and {}\n",
        written.template.display(),
        written.zip.display()
    ))
}

fn new_app(args: NewArgs) -> Result<(), CliError> {
    let dir = crate::new::create(&crate::new::NewOptions {
        name: args.name,
        parent: args.dir,
        goblet_path: args.goblet_path,
    })?;
    print(&format!(
        "Created the goblet app {}\nNext: cd {0} && cargo build --release && goblet local\n",
        dir.display()
    ))
}

fn manifest(args: ManifestArgs) -> Result<(), CliError> {
    let source = AppSource {
        project: Some(args.project),
        binary: Some(args.binary.clone()),
    };
    let app = goblet_project::resolve(&source, &Default::default())?.app;
    tracing::info!(
        binary = %args.binary.display(),
        architecture = %app.architecture,
        routes = app.manifest.routes.len(),
        "read the route manifest"
    );
    print(&app.manifest.to_json_pretty())
}

/// Writes to stdout; a closed pipe (`goblet manifest app | head`) is not an error.
fn print(text: &str) -> Result<(), CliError> {
    let mut out = io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => Err(CliError::Output(e)),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn parses_manifest() {
        let cli = Cli::try_parse_from(["goblet", "-v", "manifest", "target/release/app"]).unwrap();
        assert_eq!(cli.verbose, 1);
        let Command::Manifest(args) = cli.command else {
            panic!("not manifest")
        };
        assert_eq!(args.binary, PathBuf::from("target/release/app"));
    }

    #[test]
    fn parses_local_and_curl() {
        let cli = Cli::try_parse_from([
            "goblet",
            "local",
            "--binary",
            "app",
            "--port",
            "0",
            "--format",
            "http",
            "--api-key",
            "a",
            "--api-key",
            "b",
            "--timeout",
            "1.5",
            "--region",
            "eu-west-3",
        ])
        .unwrap();
        let Command::Local(args) = cli.command else {
            panic!("not local")
        };
        assert_eq!(args.port, 0);
        assert_eq!(args.concurrency, 4);
        assert_eq!(args.format, EventFormat::HttpV2);
        assert_eq!(args.api_keys, ["a", "b"]);
        assert_eq!(args.stage, "api");
        assert_eq!(args.region.as_deref(), Some("eu-west-3"));
        // A binary already built, configured by its project (as deploy takes them).
        assert!(
            Cli::try_parse_from(["goblet", "local", "--binary", "a", "--project", "."]).is_ok()
        );
        assert!(Cli::try_parse_from(["goblet", "local", "--concurrency", "0"]).is_err());
        // --watch rebuilds a project: a binary alone cannot be rebuilt.
        assert!(Cli::try_parse_from(["goblet", "local", "--watch", "--binary", "a"]).is_err());
        assert!(!args.watch);
        let Command::Local(watched) = Cli::try_parse_from(["goblet", "local", "--watch"])
            .unwrap()
            .command
        else {
            panic!("not local")
        };
        assert!(watched.watch);

        let cli = Cli::try_parse_from([
            "goblet",
            "curl",
            "-X",
            "PUT",
            "-H",
            "a: b",
            "-d",
            "@f",
            "-i",
            "http://h/api/",
        ])
        .unwrap();
        let Command::Curl(args) = cli.command else {
            panic!("not curl")
        };
        assert_eq!(args.method.as_deref(), Some("PUT"));
        assert_eq!(args.headers, ["a: b"]);
        assert_eq!(args.data.as_deref(), Some("@f"));
        assert!(args.include);
        assert_eq!(args.service, "execute-api");
    }

    #[test]
    fn usage_errors_are_clap_errors() {
        let err = Cli::try_parse_from(["goblet", "manifest"]).unwrap_err();
        assert_eq!(err.exit_code(), 2);
        let err = Cli::try_parse_from(["goblet", "launch"]).unwrap_err();
        assert_eq!(err.exit_code(), 2);
    }
}
