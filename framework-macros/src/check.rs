//! Validation: turns parsed arguments and the user's function into a
//! [`model`](crate::model), reporting every mistake at once, each spanned on
//! the token that is wrong.

use std::fmt::Display;

use goblet_core::authorizer::{DEFAULT_TTL_SECONDS, MAX_TTL_SECONDS};
use goblet_core::function;
use goblet_core::schedule::Schedule;
use goblet_core::{
    AuthorizationType, AuthorizerKind, IdentitySource, Method, PathTemplate, StartingPosition,
    Trigger,
};
use proc_macro2::Span;
use quote::ToTokens;
use syn::spanned::Spanned;
use syn::{
    Expr, ExprLit, FnArg, GenericArgument, ItemFn, Lit, LitBool, LitStr, PathArguments, ReturnType,
    Type,
};

use crate::model::{App, AppName, Authorizer, Function, Handler, Location, MainFn, Output, Route};
use crate::parse::{Arg, Args, NamedArg};
use crate::symbol::{
    API_KEY, APP_NAME, AUTH, AUTHORIZER, AUTHORIZER_OPTIONS, BATCH_SIZE, BUCKET, BUS,
    CONTENT_TYPES, CORS, DEFAULT_CONTENT_TYPES, DEFAULT_METHODS, DEFAULT_S3_EVENTS,
    DEFAULT_TOKEN_HEADER, EVENTS, HEADER, IDENTITY_SOURCES, KIND, MAIN_OPTIONS, METHODS, NAME,
    PATTERN, PREFIX, QUEUE, ROUTE_OPTIONS, SCOPES, STARTING_POSITION, STREAM, SUFFIX, TOPIC, TTL,
};

/// Collects errors so that one expansion reports all of them together.
#[derive(Default)]
struct Errors(Option<syn::Error>);

impl Errors {
    fn push(&mut self, error: syn::Error) {
        match &mut self.0 {
            Some(all) => all.combine(error),
            None => self.0 = Some(error),
        }
    }

    fn spanned(&mut self, tokens: impl ToTokens, message: impl Display) {
        self.push(syn::Error::new_spanned(tokens, message));
    }

    fn at(&mut self, span: Span, message: impl Display) {
        self.push(syn::Error::new(span, message));
    }

    /// The errors recorded so far; called once at least one was.
    fn into_error(self) -> syn::Error {
        self.0
            .unwrap_or_else(|| syn::Error::new(Span::call_site(), "invalid macro input"))
    }

    fn finish<T>(self, value: T) -> syn::Result<T> {
        match self.0 {
            Some(error) => Err(error),
            None => Ok(value),
        }
    }
}

/// Checks `#[route(args)]` on `func`. `locate` gives the file and line of a
/// span (the compiler knows them; unit tests make them up).
pub fn route(
    args: Args,
    func: &ItemFn,
    locate: impl FnOnce(Span) -> Location,
) -> syn::Result<Route> {
    let mut errors = Errors::default();
    let mut items = args.items.into_iter().peekable();

    let path = match items.next_if(|item| matches!(item, Arg::Positional(_))) {
        Some(Arg::Positional(expr)) => match string_literal(&expr) {
            Some(lit) => Some(lit),
            None => {
                errors.spanned(
                    &expr,
                    "the route path must be a string literal, e.g. `#[route(\"/users/{id}\")]`",
                );
                None
            }
        },
        _ => {
            errors.at(
                Span::call_site(),
                "missing route path: it comes first, as in `#[route(\"/users/{id}\", methods = [\"GET\"])]`",
            );
            None
        }
    };
    let path = path.and_then(|lit| match PathTemplate::parse(&lit.value()) {
        Ok(_) => Some(lit),
        Err(e) => {
            errors.spanned(&lit, format_args!("invalid route path: {e}"));
            None
        }
    });

    let mut seen = Seen::default();
    let mut methods = None;
    let mut authorization_type = None;
    let mut api_key_required = None;
    let mut cors = None;
    let mut content_types = None;
    let mut name = None;
    let mut authorizer: Option<(String, Span)> = None;
    let mut scopes: Option<(Vec<String>, Span)> = None;
    let mut auth_span = None;
    let mut authorizer_given = false;
    for item in items {
        let named = match item {
            Arg::Named(named) => named,
            Arg::Positional(expr) => {
                positional_after_path(&mut errors, &expr, ROUTE_OPTIONS);
                continue;
            }
        };
        if !seen.first(&mut errors, &named) {
            continue;
        }
        let option = named.name.to_string();
        match option.as_str() {
            METHODS => methods = check_methods(&mut errors, &named),
            AUTH => {
                auth_span = Some(named.name.span());
                authorization_type = check_auth(&mut errors, &named);
            }
            AUTHORIZER => {
                authorizer_given = true;
                authorizer = check_authorizer_name(&mut errors, &named, "the authorizer name")
                    .map(|n| (n, named.name.span()));
            }
            SCOPES => scopes = check_scopes(&mut errors, &named).map(|s| (s, named.name.span())),
            API_KEY => api_key_required = bool_value(&mut errors, &named).map(|b| b.value),
            CORS => cors = bool_value(&mut errors, &named).map(|b| b.value),
            CONTENT_TYPES => content_types = check_content_types(&mut errors, &named),
            NAME => name = check_name(&mut errors, &named),
            _ => unknown_option(&mut errors, &named, ROUTE_OPTIONS),
        }
    }

    let handler = check_handler(&mut errors, func);
    if let (Some((_, span)), Some(_)) = (&authorizer, auth_span) {
        errors.at(
            *span,
            "a route has one authorization: `auth` (\"none\", \"iam\") or `authorizer`, not both",
        );
    }
    if let (Some((_, span)), false) = (&scopes, authorizer_given) {
        errors.at(
            *span,
            "`scopes` need an authorizer to check them: add `authorizer = \"...\"`",
        );
    }
    if authorizer.is_some() {
        authorization_type = Some(AuthorizationType::Custom);
    }

    let Some(path) = path else {
        return Err(errors.into_error());
    };
    let route = Route {
        path: path.value(),
        path_span: path.span(),
        methods: methods.unwrap_or_else(|| DEFAULT_METHODS.to_vec()),
        authorization_type: authorization_type.unwrap_or(AuthorizationType::None),
        authorizer: authorizer.map(|(name, _)| name),
        scopes: scopes.map(|(s, _)| s).unwrap_or_default(),
        api_key_required: api_key_required.unwrap_or(false),
        cors: cors.unwrap_or(false),
        content_types: content_types.unwrap_or_else(|| {
            DEFAULT_CONTENT_TYPES
                .iter()
                .map(|s| (*s).to_owned())
                .collect()
        }),
        name: name.unwrap_or_else(|| unraw(&func.sig.ident)),
        handler,
        location: locate(path.span()),
    };
    errors.finish(route)
}

/// Checks `#[authorizer(args)]` on `func`: a TOKEN authorizer reading
/// `header` (default `Authorization`), or a REQUEST authorizer reading
/// `identity_sources`; `ttl` seconds of caching (default 300, at most 3600).
pub fn authorizer(
    args: Args,
    func: &ItemFn,
    locate: impl FnOnce(Span) -> Location,
) -> syn::Result<Authorizer> {
    let mut errors = Errors::default();
    let mut seen = Seen::default();
    let mut header: Option<(String, Span)> = None;
    let mut kind: Option<AuthorizerKind> = None;
    let mut sources: Option<(Vec<String>, Span)> = None;
    let mut ttl = None;
    let mut name = None;
    for item in args.items {
        let named = match item {
            Arg::Named(named) => named,
            Arg::Positional(expr) => {
                errors.spanned(
                    &expr,
                    format_args!(
                        "unexpected argument: options are written `name = value`, with a name among {}",
                        list(AUTHORIZER_OPTIONS)
                    ),
                );
                continue;
            }
        };
        if !seen.first(&mut errors, &named) {
            continue;
        }
        match named.name.to_string().as_str() {
            HEADER => {
                header = string_value(&mut errors, &named).and_then(|lit| {
                    let text = lit.value();
                    match IdentitySource::parse(&format!("method.request.header.{text}")) {
                        Ok(_) => Some((text, named.name.span())),
                        Err(_) => {
                            errors.spanned(&lit, format_args!("`{text}` is not a header name"));
                            None
                        }
                    }
                });
            }
            KIND => {
                kind = string_value(&mut errors, &named).and_then(|lit| {
                    let found = AuthorizerKind::from_word(&lit.value());
                    if found.is_none() {
                        errors.spanned(
                            &lit,
                            "unknown authorizer kind; expected \"token\" or \"request\"",
                        );
                    }
                    found
                });
            }
            IDENTITY_SOURCES => {
                sources = string_list(&mut errors, &named).map(|lits| {
                    let mut out = Vec::new();
                    for lit in lits {
                        match IdentitySource::parse(&lit.value()) {
                            Ok(source) if out.contains(&source.to_string()) => errors
                                .spanned(&lit, "this identity source is listed more than once"),
                            Ok(source) => out.push(source.to_string()),
                            Err(e) => errors.spanned(&lit, e),
                        }
                    }
                    (out, named.name.span())
                });
            }
            TTL => ttl = check_ttl(&mut errors, &named),
            NAME => name = check_authorizer_name(&mut errors, &named, "the authorizer name"),
            _ => unknown_option(&mut errors, &named, AUTHORIZER_OPTIONS),
        }
    }
    let kind = kind.unwrap_or(AuthorizerKind::Token);
    let identity_sources = match (kind, header, sources) {
        (AuthorizerKind::Token, header, None) => {
            let header = header.map_or(DEFAULT_TOKEN_HEADER.to_owned(), |(h, _)| h);
            vec![format!("method.request.header.{header}")]
        }
        (AuthorizerKind::Token, _, Some((_, span))) => {
            errors.at(
                span,
                "a TOKEN authorizer reads one header: write `header = \"...\"`, or \
                 `kind = \"request\"` to read several identity sources",
            );
            Vec::new()
        }
        (AuthorizerKind::Request, Some((_, span)), _) => {
            errors.at(
                span,
                "a REQUEST authorizer reads `identity_sources`, as in \
                 `identity_sources = [\"method.request.header.Authorization\"]`",
            );
            Vec::new()
        }
        (AuthorizerKind::Request, None, sources) => sources.map(|(s, _)| s).unwrap_or_default(),
    };
    let ttl_seconds = ttl.unwrap_or(DEFAULT_TTL_SECONDS);
    if kind == AuthorizerKind::Request && identity_sources.is_empty() && ttl_seconds > 0 {
        errors.at(
            func.sig.ident.span(),
            "a REQUEST authorizer whose results are cached needs `identity_sources` (the cache \
             key), as in `identity_sources = [\"method.request.header.Authorization\"]`; \
             or `ttl = 0`",
        );
    }
    check_authorizer_fn(&mut errors, func);
    errors.finish(Authorizer {
        name: name.unwrap_or_else(|| unraw(&func.sig.ident)),
        kind,
        identity_sources,
        ttl_seconds,
        ident: func.sig.ident.clone(),
        is_async: func.sig.asyncness.is_some(),
        location: locate(func.sig.ident.span()),
    })
}

/// An authorizer takes the `AuthRequest` and returns the decision; the types
/// themselves are checked by the compiler against the generated call.
fn check_authorizer_fn(errors: &mut Errors, func: &ItemFn) {
    let sig = &func.sig;
    if let Some(unsafety) = &sig.unsafety {
        errors.spanned(unsafety, "an authorizer cannot be an `unsafe fn`");
    }
    if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
        errors.spanned(&sig.generics, "an authorizer cannot be generic");
    }
    if sig.inputs.len() != 1 || matches!(sig.inputs.first(), Some(FnArg::Receiver(_))) {
        let message = "an authorizer takes one argument, the request to authorize: \
                       `async fn tokens(req: AuthRequest) -> Result<AuthResponse, Error>`";
        if sig.inputs.is_empty() {
            errors.spanned(&sig.ident, message);
        } else {
            errors.spanned(&sig.inputs, message);
        }
    }
    if let ReturnType::Default = sig.output {
        errors.spanned(
            &sig.ident,
            "missing return type: an authorizer returns `Result<AuthResponse, Error>`",
        );
    }
}

/// A name routes refer to an authorizer by: API Gateway's authorizer names
/// allow more, but goblet's names also go into the deployed names.
fn check_authorizer_name(errors: &mut Errors, named: &NamedArg, what: &str) -> Option<String> {
    let lit = string_value(errors, named)?;
    let name = lit.value();
    let valid = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if !valid {
        errors.spanned(
            &lit,
            format_args!("{what} must be 1 to 64 characters of A-Z a-z 0-9 _ -"),
        );
        return None;
    }
    Some(name)
}

fn check_scopes(errors: &mut Errors, named: &NamedArg) -> Option<Vec<String>> {
    let lits = string_list(errors, named)?;
    let mut out: Vec<String> = Vec::new();
    for lit in lits {
        let scope = lit.value();
        if scope.is_empty() || scope.chars().any(|c| c.is_whitespace() || c.is_control()) {
            errors.spanned(
                &lit,
                "a scope is a non-empty word without spaces, as in `orders/read`",
            );
        } else if out.contains(&scope) {
            errors.spanned(
                &lit,
                format_args!("scope `{scope}` is listed more than once"),
            );
        } else {
            out.push(scope);
        }
    }
    Some(out)
}

fn check_ttl(errors: &mut Errors, named: &NamedArg) -> Option<u32> {
    let Expr::Lit(ExprLit {
        lit: Lit::Int(int),
        attrs,
    }) = unparen(&named.value)
    else {
        wrong_type(errors, named, "a number of seconds");
        return None;
    };
    match int.base10_parse::<u32>() {
        Ok(ttl) if attrs.is_empty() && ttl <= MAX_TTL_SECONDS => Some(ttl),
        _ => {
            errors.spanned(
                int,
                format_args!(
                    "`ttl` is a number of seconds from 0 (no caching) to {MAX_TTL_SECONDS}, API Gateway's limit"
                ),
            );
            None
        }
    }
}

/// Checks the app's options: `goblet::app!(args)` or `#[goblet::main(args)]`;
/// `shown` is how messages write the call, `{}` standing for the options.
pub fn app(args: Args, shown: MacroCall) -> syn::Result<App> {
    let mut errors = Errors::default();
    let mut seen = Seen::default();
    let mut name = None;
    for item in args.items {
        let named = match item {
            Arg::Named(named) => named,
            Arg::Positional(expr) => {
                let hint = match string_literal(&expr) {
                    Some(lit) => format!(
                        "unexpected argument: name the option, as in `{}`",
                        shown.with(&format!("{APP_NAME} = {}", lit.to_token_stream()))
                    ),
                    None => format!(
                        "unexpected argument: `{}` takes `{APP_NAME} = \"...\"` or nothing",
                        shown.bare()
                    ),
                };
                errors.spanned(&expr, hint);
                continue;
            }
        };
        if !seen.first(&mut errors, &named) {
            continue;
        }
        match named.name.to_string().as_str() {
            APP_NAME => name = check_app_name(&mut errors, &named),
            _ => unknown_option(&mut errors, &named, MAIN_OPTIONS),
        }
    }
    errors.finish(App {
        name: name.map_or(AppName::Package, AppName::Custom),
    })
}

/// Which macro the app's options were given to, for messages.
#[derive(Debug, Clone, Copy)]
pub enum MacroCall {
    /// `goblet::app!(...)`
    App,
    /// `#[goblet::main(...)]`
    Main,
}

impl MacroCall {
    fn bare(self) -> &'static str {
        match self {
            MacroCall::App => "goblet::app!",
            MacroCall::Main => "#[goblet::main]",
        }
    }

    fn with(self, options: &str) -> String {
        match self {
            MacroCall::App => format!("goblet::app!({options})"),
            MacroCall::Main => format!("#[goblet::main({options})]"),
        }
    }
}

/// Checks the function under `#[goblet::main]`: `async`, no arguments, a
/// return type (the app, or a `Result` of it).
pub fn main_fn(func: &ItemFn) -> syn::Result<MainFn> {
    let mut errors = Errors::default();
    let sig = &func.sig;
    if sig.asyncness.is_none() {
        errors.spanned(
            sig.fn_token,
            "`#[goblet::main]` goes on an `async fn`: write `async fn main() -> Result<goblet::App, goblet::BoxError>`",
        );
    }
    if let Some(unsafety) = &sig.unsafety {
        errors.spanned(unsafety, "`#[goblet::main]` cannot be an `unsafe fn`");
    }
    if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
        errors.spanned(&sig.generics, "`#[goblet::main]` cannot be generic");
    }
    if !sig.inputs.is_empty() {
        errors.spanned(
            &sig.inputs,
            "`#[goblet::main]` takes no arguments: read configuration from the environment inside it",
        );
    }
    if let Some(variadic) = &sig.variadic {
        errors.spanned(variadic, "`#[goblet::main]` cannot be variadic");
    }
    let output = match &sig.output {
        ReturnType::Type(_, ty) => Some((**ty).clone()),
        ReturnType::Default => {
            errors.spanned(
                &sig.ident,
                "missing return type: `#[goblet::main]` returns the app, as in `async fn main() -> Result<goblet::App, goblet::BoxError>` or `-> goblet::App`",
            );
            None
        }
    };
    errors.finish(MainFn {
        ident: sig.ident.clone(),
        output: output.filter(|ty| !contains_impl_trait(ty)),
    })
}

/// Remembers which options were given, to reject repeats.
#[derive(Default)]
struct Seen(Vec<String>);

impl Seen {
    /// Whether this is the first time `named` appears; reports it otherwise.
    fn first(&mut self, errors: &mut Errors, named: &NamedArg) -> bool {
        let name = named.name.to_string();
        if self.0.contains(&name) {
            errors.spanned(
                &named.name,
                format_args!("`{name}` specified more than once"),
            );
            false
        } else {
            self.0.push(name);
            true
        }
    }
}

fn list(options: &[&str]) -> String {
    let quoted: Vec<String> = options.iter().map(|o| format!("`{o}`")).collect();
    quoted.join(", ")
}

fn unknown_option(errors: &mut Errors, named: &NamedArg, options: &[&str]) {
    let found = named.name.to_string();
    let message = match options {
        [only] => format!("unknown option `{found}`; the only option is `{only}`"),
        _ => {
            let mut message = format!(
                "unknown option `{found}`; expected one of {}",
                list(options)
            );
            if let Some(close) = suggest(&found, options) {
                message.push_str(&format!(" (did you mean `{close}`?)"));
            }
            message
        }
    };
    errors.spanned(&named.name, message);
}

/// A bare value after the path: a forgotten `= value`, a second path, ...
fn positional_after_path(errors: &mut Errors, expr: &Expr, options: &[&str]) {
    if let Expr::Path(p) = unparen(expr)
        && let Some(ident) = p.path.get_ident()
        && options.contains(&ident.to_string().as_str())
    {
        let word = ident.to_string();
        errors.spanned(
            expr,
            format_args!("`{word}` needs a value, as in `{}`", example(&word)),
        );
        return;
    }
    let message = if string_literal(expr).is_some() {
        "a route has exactly one path; give each path its own `#[route]` (they may share a function)"
            .to_owned()
    } else {
        format!(
            "unexpected argument: options are written `name = value`, with a name among {}",
            list(options)
        )
    };
    errors.spanned(expr, message);
}

fn example(option: &str) -> &'static str {
    match option {
        METHODS => "methods = [\"GET\", \"POST\"]",
        AUTH => "auth = \"iam\"",
        API_KEY => "api_key = true",
        CORS => "cors = true",
        CONTENT_TYPES => "content_types = [\"application/json\"]",
        NAME => "name = \"list_users\"",
        AUTHORIZER => "authorizer = \"tokens\"",
        SCOPES => "scopes = [\"orders/read\"]",
        HEADER => "header = \"Authorization\"",
        KIND => "kind = \"request\"",
        IDENTITY_SOURCES => "identity_sources = [\"method.request.header.Authorization\"]",
        TTL => "ttl = 300",
        APP_NAME => "app_name = \"orders\"",
        QUEUE => "queue = \"jobs\"",
        BATCH_SIZE => "batch_size = 10",
        TOPIC => "topic = \"alerts\"",
        BUCKET => "bucket = \"uploads\"",
        EVENTS => "events = [\"s3:ObjectCreated:*\"]",
        PREFIX => "prefix = \"in/\"",
        SUFFIX => "suffix = \".png\"",
        PATTERN => "pattern = r#\"{\"source\": [\"shop.orders\"]}\"#",
        BUS => "bus = \"orders\"",
        STREAM => "stream = \"clicks\"",
        STARTING_POSITION => "starting_position = \"LATEST\"",
        _ => "name = value",
    }
}

fn wrong_type(errors: &mut Errors, named: &NamedArg, what: &str) {
    let option = named.name.to_string();
    errors.spanned(
        &named.value,
        format_args!("`{option}` expects {what}, as in `{}`", example(&option)),
    );
}

/// Looks through the invisible groups `macro_rules!` puts around `$e:expr`.
fn unparen(mut expr: &Expr) -> &Expr {
    loop {
        match expr {
            Expr::Group(g) => expr = &g.expr,
            Expr::Paren(p) => expr = &p.expr,
            other => return other,
        }
    }
}

fn string_literal(expr: &Expr) -> Option<LitStr> {
    match unparen(expr) {
        Expr::Lit(ExprLit {
            lit: Lit::Str(s),
            attrs,
        }) if attrs.is_empty() => Some(s.clone()),
        _ => None,
    }
}

fn string_value(errors: &mut Errors, named: &NamedArg) -> Option<LitStr> {
    let lit = string_literal(&named.value);
    if lit.is_none() {
        wrong_type(errors, named, "a string literal");
    }
    lit
}

fn bool_value(errors: &mut Errors, named: &NamedArg) -> Option<LitBool> {
    match unparen(&named.value) {
        Expr::Lit(ExprLit {
            lit: Lit::Bool(b),
            attrs,
        }) if attrs.is_empty() => Some(b.clone()),
        _ => {
            wrong_type(errors, named, "`true` or `false`");
            None
        }
    }
}

/// `[ "a", "b" ]`: every element is checked; `None` if any is not a string.
fn string_list(errors: &mut Errors, named: &NamedArg) -> Option<Vec<LitStr>> {
    let Expr::Array(array) = unparen(&named.value) else {
        wrong_type(errors, named, "a list of string literals");
        return None;
    };
    let mut out = Vec::new();
    let mut ok = true;
    for elem in &array.elems {
        match string_literal(elem) {
            Some(lit) => out.push(lit),
            None => {
                errors.spanned(
                    elem,
                    format_args!(
                        "`{}` expects string literals, as in `{}`",
                        named.name,
                        example(&named.name.to_string())
                    ),
                );
                ok = false;
            }
        }
    }
    if ok && out.is_empty() {
        errors.spanned(
            &named.value,
            format_args!(
                "`{}` needs at least one entry, as in `{}`",
                named.name,
                example(&named.name.to_string())
            ),
        );
        ok = false;
    }
    ok.then_some(out)
}

fn check_methods(errors: &mut Errors, named: &NamedArg) -> Option<Vec<Method>> {
    let lits = string_list(errors, named)?;
    let mut methods: Vec<Method> = Vec::new();
    let mut ok = true;
    for lit in lits {
        let word = lit.value();
        match Method::parse(&word) {
            Ok(method) if methods.contains(&method) => {
                errors.spanned(
                    &lit,
                    format_args!("method `{method}` is listed more than once"),
                );
                ok = false;
            }
            Ok(method) => methods.push(method),
            Err(e) => {
                let mut message = e.to_string();
                let upper = word.trim().to_ascii_uppercase();
                if upper != word && Method::parse(&upper).is_ok() {
                    message.push_str(&format!(" (did you mean `{upper}`?)"));
                }
                errors.spanned(&lit, message);
                ok = false;
            }
        }
    }
    ok.then_some(methods)
}

fn check_auth(errors: &mut Errors, named: &NamedArg) -> Option<AuthorizationType> {
    let lit = string_value(errors, named)?;
    match AuthorizationType::from_route_word(&lit.value()) {
        Ok(auth) => Some(auth),
        Err(e) => {
            errors.spanned(&lit, e);
            None
        }
    }
}

/// RFC 9110 `token` characters: what a media type and subtype are made of.
fn is_token_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c)
}

/// `type/subtype`, or a range the runtime matches: `type/*` or `*/*`.
fn is_media_type(text: &str) -> bool {
    let Some((kind, subtype)) = text.split_once('/') else {
        return false;
    };
    let token = |part: &str| !part.is_empty() && part.chars().all(is_token_char);
    let wildcard_ok = match (kind, subtype) {
        ("*", sub) => sub == "*",
        (kind, sub) => !kind.contains('*') && (sub == "*" || !sub.contains('*')),
    };
    token(kind) && token(subtype) && wildcard_ok
}

fn check_content_types(errors: &mut Errors, named: &NamedArg) -> Option<Vec<String>> {
    let lits = string_list(errors, named)?;
    let mut types: Vec<String> = Vec::new();
    let mut ok = true;
    for lit in lits {
        let text = lit.value();
        if !is_media_type(&text) {
            errors.spanned(
                &lit,
                format_args!(
                    "`{text}` is not a media type: expected `type/subtype` without parameters (or a range `type/*`, `*/*`), e.g. `application/json`"
                ),
            );
            ok = false;
        } else if types.iter().any(|t| t.eq_ignore_ascii_case(&text)) {
            errors.spanned(
                &lit,
                format_args!("content type `{text}` is listed more than once"),
            );
            ok = false;
        } else {
            types.push(text);
        }
    }
    ok.then_some(types)
}

fn check_name(errors: &mut Errors, named: &NamedArg) -> Option<String> {
    let lit = string_value(errors, named)?;
    let name = lit.value();
    if name.trim().is_empty() {
        errors.spanned(&lit, "the route name must not be empty");
        return None;
    }
    if name.chars().any(char::is_control) {
        errors.spanned(&lit, "the route name must not contain control characters");
        return None;
    }
    Some(name)
}

fn check_app_name(errors: &mut Errors, named: &NamedArg) -> Option<String> {
    let lit = string_value(errors, named)?;
    let name = lit.value();
    if name.is_empty() {
        errors.spanned(&lit, "the app name must not be empty");
        return None;
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '_' || *c == '-'))
    {
        errors.spanned(
            &lit,
            format_args!("invalid character {c:?} in app name: use only A-Z a-z 0-9 _ -"),
        );
        return None;
    }
    Some(name)
}

/// The handler's signature: it is called from generated code with one value
/// per argument, each extracted from the request.
fn check_handler(errors: &mut Errors, func: &ItemFn) -> Handler {
    let sig = &func.sig;
    if let Some(unsafety) = &sig.unsafety {
        errors.spanned(unsafety, "a route handler cannot be an `unsafe fn`: nothing upholds its safety contract when a request calls it");
    }
    if !sig.generics.params.is_empty() {
        errors.spanned(
            &sig.generics,
            "a route handler cannot be generic: name concrete types so the route knows what to extract",
        );
    } else if let Some(where_clause) = &sig.generics.where_clause {
        errors.spanned(where_clause, "a route handler cannot have a `where` clause");
    }
    if let Some(variadic) = &sig.variadic {
        errors.spanned(variadic, "a route handler cannot be variadic");
    }
    let mut args = Vec::new();
    for input in &sig.inputs {
        match input {
            FnArg::Receiver(receiver) => errors.spanned(
                receiver,
                "a route handler must be a free function: `self` is not allowed (move the handler out of the `impl` block)",
            ),
            FnArg::Typed(pat_type) => {
                if let Some((tokens, message)) = unsupported_arg(&pat_type.ty) {
                    errors.push(syn::Error::new_spanned(tokens, message));
                } else {
                    args.push((*pat_type.ty).clone());
                }
            }
        }
    }
    Handler {
        ident: sig.ident.clone(),
        is_async: sig.asyncness.is_some(),
        args,
        output: output(sig),
    }
}

/// What a handler returns, and where errors about it point.
fn output(sig: &syn::Signature) -> Output {
    match &sig.output {
        ReturnType::Type(_, ty) => Output {
            ty: (!contains_impl_trait(ty)).then(|| (**ty).clone()),
            span: ty.span(),
        },
        ReturnType::Default => Output {
            ty: None,
            span: sig.ident.span(),
        },
    }
}

/// Argument types the generated code cannot name or fill: `impl Trait` (it
/// would make the handler generic) and borrowed data (extracted values are
/// owned; the handler's future must not borrow the request).
fn unsupported_arg(ty: &Type) -> Option<(&dyn ToTokens, &'static str)> {
    const IMPL: &str = "`impl Trait` is not allowed in a route handler's arguments: name the extractor type, e.g. `Json<Order>`";
    const REF: &str = "a route handler's arguments must own their data: use an owned extractor such as `Path<String>` or `Request`, not a reference";
    match ty {
        Type::ImplTrait(t) => Some((t, IMPL)),
        Type::Reference(r) => Some((r, REF)),
        Type::Paren(p) => unsupported_arg(&p.elem),
        Type::Group(g) => unsupported_arg(&g.elem),
        Type::Array(a) => unsupported_arg(&a.elem),
        Type::Slice(s) => unsupported_arg(&s.elem),
        Type::Tuple(t) => t.elems.iter().find_map(unsupported_arg),
        Type::Path(p) => {
            let qself = p.qself.as_ref().and_then(|q| unsupported_arg(&q.ty));
            qself.or_else(|| {
                p.path
                    .segments
                    .iter()
                    .find_map(|segment| match &segment.arguments {
                        PathArguments::AngleBracketed(a) => {
                            a.args.iter().find_map(|arg| match arg {
                                GenericArgument::Type(t) => unsupported_arg(t),
                                _ => None,
                            })
                        }
                        _ => None,
                    })
            })
        }
        _ => None,
    }
}

/// Whether `ty` mentions `impl Trait` anywhere (generated code cannot name it).
fn contains_impl_trait(ty: &Type) -> bool {
    ty.to_token_stream()
        .into_iter()
        .any(|token| is_impl_keyword(&token))
}

fn is_impl_keyword(token: &proc_macro2::TokenTree) -> bool {
    match token {
        proc_macro2::TokenTree::Ident(ident) => ident == "impl",
        proc_macro2::TokenTree::Group(group) => {
            group.stream().into_iter().any(|t| is_impl_keyword(&t))
        }
        _ => false,
    }
}

fn unraw(ident: &syn::Ident) -> String {
    syn::ext::IdentExt::unraw(ident).to_string()
}

/// The option `found` was probably meant to be, if any is close enough.
fn suggest<'a>(found: &str, options: &[&'a str]) -> Option<&'a str> {
    let found = found.to_ascii_lowercase();
    options
        .iter()
        .map(|o| (edit_distance(&found, o), *o))
        .filter(|(d, o)| {
            *d <= 2 || (found.len() >= 3 && (o.contains(found.as_str()) || found.contains(o)))
        })
        .min_by_key(|(d, _)| *d)
        .map(|(_, o)| o)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = if ca == *cb {
                prev
            } else {
                1 + prev.min(row[j]).min(cur)
            };
            prev = cur;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use proc_macro2::TokenStream;
    use quote::quote;

    fn here(_: Span) -> Location {
        Location {
            file: "src/app.rs".into(),
            line: 7,
        }
    }

    fn check(attr: TokenStream, func: TokenStream) -> syn::Result<Route> {
        let args: Args = syn::parse2(attr)?;
        let func: ItemFn = syn::parse2(func).unwrap();
        route(args, &func, here)
    }

    fn messages(attr: TokenStream, func: TokenStream) -> Vec<String> {
        match check(attr, func) {
            Ok(_) => Vec::new(),
            Err(e) => e.into_iter().map(|e| e.to_string()).collect(),
        }
    }

    #[test]
    fn defaults() {
        let route = check(
            quote!("/users/{id}"),
            quote!(
                fn get_user() {}
            ),
        )
        .unwrap();
        assert_eq!(route.path, "/users/{id}");
        assert_eq!(route.methods, [Method::Get]);
        assert_eq!(route.authorization_type, AuthorizationType::None);
        assert!(!route.api_key_required);
        assert!(!route.cors);
        assert_eq!(route.content_types, ["application/json"]);
        assert_eq!(route.name, "get_user");
        assert_eq!(route.location, here(Span::call_site()));
        assert!(!route.handler.is_async);
        assert!(route.handler.args.is_empty());
    }

    #[test]
    fn every_option() {
        let route = check(
            quote!(
                "/orders",
                methods = ["POST", "PUT"],
                auth = "iam",
                api_key = true,
                cors = true,
                content_types = ["application/json", "text/plain"],
                name = "orders"
            ),
            quote!(
                async fn r#type(a: goblet::Json<u8>, b: goblet::Request) -> u8 {
                    0
                }
            ),
        )
        .unwrap();
        assert_eq!(route.methods, [Method::Post, Method::Put]);
        assert_eq!(route.authorization_type, AuthorizationType::AwsIam);
        assert!(route.api_key_required && route.cors);
        assert_eq!(route.content_types, ["application/json", "text/plain"]);
        assert_eq!(route.name, "orders");
        assert!(route.handler.is_async);
        assert_eq!(route.handler.args.len(), 2);
    }

    #[test]
    fn raw_identifier_names_the_route_without_prefix() {
        let route = check(
            quote!("/"),
            quote!(
                fn r#type() {}
            ),
        )
        .unwrap();
        assert_eq!(route.name, "type");
    }

    #[test]
    fn reports_every_error_at_once() {
        let found = messages(
            quote!(
                "/a/",
                methods = ["GET", "GET", "get"],
                auth = "IAM",
                cors = "yes",
                content_types = ["json"],
                colour = 1,
                auth = "none"
            ),
            quote!(
                fn f<T>(&self, x: &str) {}
            ),
        );
        assert_eq!(
            found,
            [
                "invalid route path: a path must not end with `/` (only the root path `/` may) (at byte 2)",
                "method `GET` is listed more than once",
                "unknown method `get`; expected one of GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS, ANY (did you mean `GET`?)",
                "unknown auth `IAM`; expected \"none\" or \"iam\"",
                "`cors` expects `true` or `false`, as in `cors = true`",
                "`json` is not a media type: expected `type/subtype` without parameters (or a range `type/*`, `*/*`), e.g. `application/json`",
                "unknown option `colour`; expected one of `methods`, `auth`, `authorizer`, `scopes`, `api_key`, `cors`, `content_types`, `name`",
                "`auth` specified more than once",
                "a route handler cannot be generic: name concrete types so the route knows what to extract",
                "a route handler must be a free function: `self` is not allowed (move the handler out of the `impl` block)",
                "a route handler's arguments must own their data: use an owned extractor such as `Path<String>` or `Request`, not a reference",
            ]
        );
    }

    #[test]
    fn path_must_come_first_and_alone() {
        assert_eq!(
            messages(
                quote!(methods = ["GET"], "/a"),
                quote!(
                    fn f() {}
                )
            ),
            [
                "missing route path: it comes first, as in `#[route(\"/users/{id}\", methods = [\"GET\"])]`",
                "a route has exactly one path; give each path its own `#[route]` (they may share a function)",
            ]
        );
        assert_eq!(
            messages(
                quote!(),
                quote!(
                    fn f() {}
                )
            )
            .len(),
            1,
            "an empty attribute is a missing path"
        );
        assert_eq!(
            messages(
                quote!(path),
                quote!(
                    fn f() {}
                )
            ),
            ["the route path must be a string literal, e.g. `#[route(\"/users/{id}\")]`"]
        );
        assert_eq!(
            messages(
                quote!("/a", cors),
                quote!(
                    fn f() {}
                )
            ),
            ["`cors` needs a value, as in `cors = true`"]
        );
    }

    #[test]
    fn suggestions() {
        assert_eq!(
            messages(
                quote!("/", method = ["GET"]),
                quote!(
                    fn f() {}
                )
            ),
            [
                "unknown option `method`; expected one of `methods`, `auth`, `authorizer`, `scopes`, `api_key`, `cors`, `content_types`, `name` (did you mean `methods`?)"
            ]
        );
        assert_eq!(
            suggest("content_type", ROUTE_OPTIONS),
            Some("content_types")
        );
        assert_eq!(suggest("apikey", ROUTE_OPTIONS), Some("api_key"));
        assert_eq!(suggest("name", MAIN_OPTIONS), Some("app_name"));
        assert_eq!(suggest("zzz", ROUTE_OPTIONS), None);
    }

    #[test]
    fn list_values() {
        assert_eq!(
            messages(
                quote!("/", methods = []),
                quote!(
                    fn f() {}
                )
            ),
            ["`methods` needs at least one entry, as in `methods = [\"GET\", \"POST\"]`"]
        );
        assert_eq!(
            messages(
                quote!("/", methods = "GET"),
                quote!(
                    fn f() {}
                )
            ),
            ["`methods` expects a list of string literals, as in `methods = [\"GET\", \"POST\"]`"]
        );
        assert_eq!(
            messages(
                quote!("/", methods = [GET]),
                quote!(
                    fn f() {}
                )
            ),
            ["`methods` expects string literals, as in `methods = [\"GET\", \"POST\"]`"]
        );
        assert_eq!(
            messages(
                quote!("/", content_types = ["text/plain", "Text/Plain"]),
                quote!(
                    fn f() {}
                )
            ),
            ["content type `Text/Plain` is listed more than once"]
        );
    }

    #[test]
    fn media_types() {
        for ok in [
            "application/json",
            "text/plain",
            "application/vnd.api+json",
            "image/*",
            "*/*",
        ] {
            assert!(is_media_type(ok), "{ok}");
        }
        for bad in [
            "*/json",
            "im*/png",
            "image/p*g",
            "json",
            "/json",
            "text/",
            "text/plain; charset=utf-8",
            "a/b/c",
            "text /plain",
            "",
        ] {
            assert!(!is_media_type(bad), "{bad}");
        }
    }

    #[test]
    fn names() {
        assert_eq!(
            messages(
                quote!("/", name = ""),
                quote!(
                    fn f() {}
                )
            ),
            ["the route name must not be empty"]
        );
        assert_eq!(
            messages(
                quote!("/", name = list),
                quote!(
                    fn f() {}
                )
            ),
            ["`name` expects a string literal, as in `name = \"list_users\"`"]
        );
    }

    #[test]
    fn handler_signatures() {
        assert_eq!(
            messages(
                quote!("/"),
                quote!(
                    unsafe fn f(x: impl Sized, y: Option<&str>) {}
                )
            ),
            [
                "a route handler cannot be an `unsafe fn`: nothing upholds its safety contract when a request calls it",
                "`impl Trait` is not allowed in a route handler's arguments: name the extractor type, e.g. `Json<Order>`",
                "a route handler's arguments must own their data: use an owned extractor such as `Path<String>` or `Request`, not a reference",
            ]
        );
        assert_eq!(
            messages(
                quote!("/"),
                quote!(
                    fn f()
                    where
                        u8: Copy,
                    {
                    }
                )
            ),
            ["a route handler cannot have a `where` clause"]
        );
        assert_eq!(
            messages(
                quote!("/"),
                quote!(
                    fn f(a: u8, ...) {}
                )
            ),
            ["a route handler cannot be variadic"]
        );
        // Patterns are the user's business: they are kept as written.
        let route = check(
            quote!("/{a}"),
            quote!(
                fn f(goblet::Path(a): goblet::Path<u8>, mut b: (u8, u16)) {}
            ),
        )
        .unwrap();
        assert_eq!(route.handler.args.len(), 2);
    }

    fn app_messages(tokens: TokenStream) -> Vec<String> {
        match syn::parse2(tokens).and_then(|a| app(a, MacroCall::App)) {
            Ok(_) => Vec::new(),
            Err(e) => e.into_iter().map(|e| e.to_string()).collect(),
        }
    }

    fn main_messages(func: TokenStream) -> Vec<String> {
        match syn::parse2(func).and_then(|f| main_fn(&f)) {
            Ok(_) => Vec::new(),
            Err(e) => e.into_iter().map(|e| e.to_string()).collect(),
        }
    }

    #[test]
    fn main_functions() {
        assert!(
            main_messages(quote!(
                async fn main() -> Result<goblet::App, goblet::BoxError> {}
            ))
            .is_empty()
        );
        assert_eq!(
            main_messages(quote!(
                fn main<T>(x: u8) {}
            )),
            [
                "`#[goblet::main]` goes on an `async fn`: write `async fn main() -> Result<goblet::App, goblet::BoxError>`",
                "`#[goblet::main]` cannot be generic",
                "`#[goblet::main]` takes no arguments: read configuration from the environment inside it",
                "missing return type: `#[goblet::main]` returns the app, as in `async fn main() -> Result<goblet::App, goblet::BoxError>` or `-> goblet::App`",
            ]
        );
    }

    #[test]
    fn app_options() {
        assert!(matches!(
            syn::parse2(quote!())
                .and_then(|a| app(a, MacroCall::App))
                .unwrap()
                .name,
            AppName::Package
        ));
        match syn::parse2(quote!(app_name = "orders-api_2"))
            .and_then(|a| app(a, MacroCall::Main))
            .unwrap()
            .name
        {
            AppName::Custom(name) => assert_eq!(name, "orders-api_2"),
            AppName::Package => panic!("expected the custom name"),
        }
        assert_eq!(
            app_messages(quote!(app_name = "", app_name = "x", name = "y", "z", 5)),
            [
                "the app name must not be empty",
                "`app_name` specified more than once",
                "unknown option `name`; the only option is `app_name`",
                "unexpected argument: name the option, as in `goblet::app!(app_name = \"z\")`",
                "unexpected argument: `goblet::app!` takes `app_name = \"...\"` or nothing",
            ]
        );
        assert_eq!(
            app_messages(quote!(app_name = "my app")),
            ["invalid character ' ' in app name: use only A-Z a-z 0-9 _ -"]
        );
        assert_eq!(
            app_messages(quote!(app_name = true)),
            ["`app_name` expects a string literal, as in `app_name = \"orders\"`"]
        );
    }
}

/// Which attribute declares a function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FunctionKind {
    Schedule,
    Sqs,
    Sns,
    S3,
    EventBridge,
    DynamoDb,
    Kinesis,
    Invoke,
}

impl FunctionKind {
    fn attribute(self) -> &'static str {
        match self {
            FunctionKind::Schedule => "#[schedule]",
            FunctionKind::Sqs => "#[on_sqs_message]",
            FunctionKind::Sns => "#[on_sns_message]",
            FunctionKind::S3 => "#[on_s3_event]",
            FunctionKind::EventBridge => "#[on_event]",
            FunctionKind::DynamoDb => "#[on_dynamodb_record]",
            FunctionKind::Kinesis => "#[on_kinesis_record]",
            FunctionKind::Invoke => "#[lambda_function]",
        }
    }

    fn options(self) -> &'static [&'static str] {
        match self {
            FunctionKind::Schedule | FunctionKind::Invoke => &[NAME],
            FunctionKind::Sqs => &[QUEUE, BATCH_SIZE, NAME],
            FunctionKind::Sns => &[TOPIC, NAME],
            FunctionKind::S3 => &[BUCKET, EVENTS, PREFIX, SUFFIX, NAME],
            FunctionKind::EventBridge => &[PATTERN, BUS, NAME],
            FunctionKind::DynamoDb | FunctionKind::Kinesis => {
                &[STREAM, STARTING_POSITION, BATCH_SIZE, NAME]
            }
        }
    }

    /// The option every use must give, with an example.
    fn required(self) -> Option<(&'static str, &'static str)> {
        match self {
            FunctionKind::Sqs => Some((QUEUE, "queue = \"jobs\"")),
            FunctionKind::Sns => Some((TOPIC, "topic = \"alerts\"")),
            FunctionKind::S3 => Some((BUCKET, "bucket = \"uploads\"")),
            FunctionKind::EventBridge => {
                Some((PATTERN, "pattern = r#\"{\"source\": [\"shop.orders\"]}\"#"))
            }
            FunctionKind::DynamoDb => Some((
                STREAM,
                "stream = \"arn:aws:dynamodb:REGION:ACCOUNT:table/TABLE/stream/LABEL\"",
            )),
            FunctionKind::Kinesis => Some((STREAM, "stream = \"clicks\"")),
            FunctionKind::Schedule | FunctionKind::Invoke => None,
        }
    }
}

/// Checks an event handler's or plain function's attribute on `func`.
pub fn function(
    kind: FunctionKind,
    args: Args,
    func: &ItemFn,
    locate: impl FnOnce(Span) -> Location,
) -> syn::Result<Function> {
    let mut errors = Errors::default();
    let mut seen = Seen::default();
    let mut items = args.items.into_iter().peekable();
    let options = kind.options();
    let mut expression = None;
    if kind == FunctionKind::Schedule {
        match items.next_if(|item| matches!(item, Arg::Positional(_))) {
            Some(Arg::Positional(expr)) => match string_literal(&expr) {
                Some(lit) => match Schedule::parse(&lit.value()) {
                    Ok(_) => expression = Some(lit.value()),
                    Err(e) => errors.spanned(&lit, e),
                },
                None => errors.spanned(
                    &expr,
                    "the schedule must be a string literal, as in `#[schedule(\"rate(5 minutes)\")]`",
                ),
            },
            _ => errors.at(
                Span::call_site(),
                "#[schedule] needs a schedule expression: `#[schedule(\"rate(5 minutes)\")]` or \
                 `#[schedule(\"cron(0 12 * * ? *)\")]` (in UTC)",
            ),
        }
    }
    let mut text: Vec<(&'static str, LitStr)> = Vec::new();
    let mut events: Option<Vec<String>> = None;
    let mut batch_size: Option<(u32, Span)> = None;
    let mut starting_position = None;
    let mut name = None;
    let mut given_required = false;
    for item in items {
        let named = match item {
            Arg::Named(named) => named,
            Arg::Positional(expr) => {
                errors.spanned(
                    &expr,
                    format_args!(
                        "unexpected argument: options of {} are written `name = value`, with a name among {}",
                        kind.attribute(),
                        list(options)
                    ),
                );
                continue;
            }
        };
        let option = named.name.to_string();
        let Some(option) = options.iter().copied().find(|o| *o == option) else {
            unknown_option(&mut errors, &named, options);
            continue;
        };
        if !seen.first(&mut errors, &named) {
            continue;
        }
        if kind
            .required()
            .is_some_and(|(required, _)| required == option)
        {
            given_required = true;
        }
        match option {
            NAME => {
                name =
                    check_authorizer_name(&mut errors, &named, "the function name").and_then(|n| {
                        match function::check_name(&n) {
                            Ok(()) => Some(n),
                            Err(e) => {
                                errors.spanned(&named.value, e);
                                None
                            }
                        }
                    });
            }
            EVENTS => {
                events = string_list(&mut errors, &named).map(|lits| {
                    let mut out: Vec<String> = Vec::new();
                    for lit in lits {
                        let event = lit.value();
                        if let Err(e) = function::check_s3_event(&event) {
                            errors.spanned(&lit, e);
                        } else if out.contains(&event) {
                            errors.spanned(&lit, "this event is listed more than once");
                        } else {
                            out.push(event);
                        }
                    }
                    out
                });
            }
            BATCH_SIZE => batch_size = batch_size_value(&mut errors, &named),
            STARTING_POSITION => {
                starting_position = string_value(&mut errors, &named).and_then(|lit| {
                    let found = StartingPosition::parse(&lit.value());
                    if found.is_none() {
                        errors.spanned(
                            &lit,
                            "the starting position is \"LATEST\" or \"TRIM_HORIZON\"",
                        );
                    }
                    found
                });
            }
            _ => {
                if let Some(lit) = string_value(&mut errors, &named) {
                    let value = lit.value();
                    let checked = match option {
                        QUEUE => function::check_queue(&value),
                        TOPIC => function::check_topic(&value),
                        BUCKET => function::check_bucket(&value),
                        PATTERN => function::check_event_pattern(&value),
                        BUS => function::check_bus(&value),
                        STREAM if kind == FunctionKind::DynamoDb => {
                            function::check_dynamodb_stream(&value)
                        }
                        STREAM => function::check_kinesis_stream(&value),
                        PREFIX | SUFFIX if value.is_empty() || value.len() > 1024 => {
                            Err(format!("the {option} must be 1 to 1024 characters"))
                        }
                        _ => Ok(()),
                    };
                    match checked {
                        Ok(()) => text.push((option, lit)),
                        Err(e) => errors.spanned(&lit, e),
                    }
                }
            }
        }
    }
    if let Some((required, example)) = kind.required()
        && !given_required
    {
        errors.at(
            Span::call_site(),
            format_args!("{} needs `{required}`, as in `{example}`", kind.attribute()),
        );
    }
    let handler = check_function_fn(&mut errors, func, kind);
    let name = name.or_else(|| {
        let own = unraw(&func.sig.ident);
        match function::check_name(&own) {
            Ok(()) => Some(own),
            Err(e) => {
                errors.spanned(
                    &func.sig.ident,
                    format_args!("{e}: rename the function or give it `name = \"...\"`"),
                );
                None
            }
        }
    });
    let value = |option: &str| {
        text.iter()
            .find(|(o, _)| *o == option)
            .map(|(_, lit)| lit.value())
    };
    let stream_batch = batch_size.map_or(function::DEFAULT_STREAM_BATCH_SIZE, |(b, _)| b);
    let trigger = match kind {
        FunctionKind::Schedule => Trigger::Schedule {
            expression: expression.unwrap_or_default(),
        },
        FunctionKind::Sqs => Trigger::Sqs {
            queue: value(QUEUE).unwrap_or_default(),
            batch_size: batch_size.map_or(function::DEFAULT_SQS_BATCH_SIZE, |(b, _)| b),
        },
        FunctionKind::Sns => Trigger::Sns {
            topic: value(TOPIC).unwrap_or_default(),
        },
        FunctionKind::S3 => Trigger::S3 {
            bucket: value(BUCKET).unwrap_or_default(),
            events: events
                .unwrap_or_else(|| DEFAULT_S3_EVENTS.iter().map(|e| (*e).to_owned()).collect()),
            prefix: value(PREFIX),
            suffix: value(SUFFIX),
        },
        FunctionKind::EventBridge => Trigger::EventBridge {
            pattern: value(PATTERN).unwrap_or_default(),
            bus: value(BUS),
        },
        FunctionKind::DynamoDb => Trigger::DynamoDb {
            stream: value(STREAM).unwrap_or_default(),
            starting_position: starting_position.unwrap_or(StartingPosition::Latest),
            batch_size: stream_batch,
        },
        FunctionKind::Kinesis => Trigger::Kinesis {
            stream: value(STREAM).unwrap_or_default(),
            starting_position: starting_position.unwrap_or(StartingPosition::Latest),
            batch_size: stream_batch,
        },
        FunctionKind::Invoke => Trigger::Invoke,
    };
    // What no single option shows (a FIFO queue's smaller batches), once
    // every option is well-formed on its own.
    if errors.0.is_none()
        && let Err(e) = trigger.check()
    {
        match batch_size {
            Some((_, span)) => errors.at(span, e),
            None => errors.at(Span::call_site(), e),
        }
    }
    errors.finish(Function {
        name: name.unwrap_or_default(),
        trigger,
        handler,
        location: locate(func.sig.ident.span()),
    })
}

fn batch_size_value(errors: &mut Errors, named: &NamedArg) -> Option<(u32, Span)> {
    let Expr::Lit(ExprLit {
        lit: Lit::Int(int),
        attrs,
    }) = unparen(&named.value)
    else {
        wrong_type(errors, named, "a number of records");
        return None;
    };
    match int.base10_parse::<u32>() {
        Ok(size) if attrs.is_empty() && (1..=10_000).contains(&size) => Some((size, int.span())),
        _ => {
            errors.spanned(int, "`batch_size` is a number of records from 1 to 10000");
            None
        }
    }
}

/// An event handler is called from generated code with one value per
/// argument, each extracted from the invocation.
fn check_function_fn(errors: &mut Errors, func: &ItemFn, kind: FunctionKind) -> Handler {
    let sig = &func.sig;
    let what = kind.attribute();
    if let Some(unsafety) = &sig.unsafety {
        errors.spanned(
            unsafety,
            format_args!("a {what} function cannot be an `unsafe fn`"),
        );
    }
    if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
        errors.spanned(
            &sig.generics,
            format_args!("a {what} function cannot be generic: name the event's type"),
        );
    }
    if let Some(variadic) = &sig.variadic {
        errors.spanned(
            variadic,
            format_args!("a {what} function cannot be variadic"),
        );
    }
    let mut args = Vec::new();
    for input in &sig.inputs {
        match input {
            FnArg::Receiver(receiver) => errors.spanned(
                receiver,
                format_args!("a {what} function must be a free function: `self` is not allowed"),
            ),
            FnArg::Typed(pat_type) => match &*pat_type.ty {
                Type::Reference(r) => errors.spanned(
                    r,
                    "an event handler's arguments own their data: take the event by value \
                     (`event: SqsEvent`), not a reference",
                ),
                ty if contains_impl_trait(ty) => errors.spanned(
                    ty,
                    "`impl Trait` is not allowed in an event handler's arguments: name the type",
                ),
                ty => args.push(ty.clone()),
            },
        }
    }
    Handler {
        ident: sig.ident.clone(),
        is_async: sig.asyncness.is_some(),
        args,
        output: output(sig),
    }
}
