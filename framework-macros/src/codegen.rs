//! Code generation. Everything generated names goblet through
//! `::goblet::__private` only, so apps need no other dependency and the runtime
//! may reorganize freely behind it.

use goblet_core::record::SECTION;
use goblet_core::{AuthorizationType, Method};
use proc_macro2::{Ident, Literal, Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

use crate::model::{App, AppName, Authorizer, Function, MainFn, Route};

/// The user's function, unchanged, followed by everything the route needs.
pub fn route(route: &Route, item: TokenStream) -> TokenStream {
    let handler = handler_fn(route);
    let methods = route
        .methods
        .iter()
        .map(|&method| method_items(route, method));
    quote! {
        #item

        const _: () = {
            #handler
            #(#methods)*
        };
    }
}

/// `goblet::app!()`: the app record and a `fn main` serving the routes with
/// no state and no middleware.
pub fn app(app: &App) -> TokenStream {
    let (name, record) = app_record(app);
    quote! {
        #record

        // `impl Termination` keeps this independent of what `run` returns.
        fn main() -> impl ::std::process::Termination {
            ::goblet::__private::run(::goblet::__private::AppDef { name: #name })
        }
    }
}

/// `#[goblet::main]`: the app record and a `fn main` that runs the user's
/// function (kept inside it, under its own name) in the init phase, then
/// serves the app it returns.
pub fn main(app: &App, func: &MainFn, item: TokenStream) -> TokenStream {
    let (name, record) = app_record(app);
    let ident = &func.ident;
    // `into_app` is spanned on the return type, so "must return the app"
    // points there.
    let into_app = match &func.output {
        Some(ty) => quote_spanned!(at(ty.span())=> ::goblet::__private::into_app::<#ty>),
        None => quote!(::goblet::__private::into_app),
    };
    quote! {
        #record

        fn main() -> impl ::std::process::Termination {
            #item
            ::goblet::__private::run_main(
                ::goblet::__private::AppDef { name: #name },
                || async { #into_app(#ident().await) },
            )
        }
    }
}

/// The user's authorizer, unchanged, then its `AuthorizerDef` for the
/// runtime and its record for the manifest.
pub fn authorizer(authorizer: &Authorizer, item: TokenStream) -> TokenStream {
    let ident = &authorizer.ident;
    let name = str_lit(&authorizer.name);
    let kind = Ident::new(
        match authorizer.kind {
            goblet_core::AuthorizerKind::Token => "Token",
            goblet_core::AuthorizerKind::Request => "Request",
        },
        Span::call_site(),
    );
    let sources = authorizer.identity_sources.iter().map(|s| str_lit(s));
    let ttl = Literal::u32_unsuffixed(authorizer.ttl_seconds);
    let handler_suffix = str_lit(&format!("::{ident}"));
    let file = str_lit(&authorizer.location.file);
    let line = Literal::u32_unsuffixed(authorizer.location.line);
    let call = if authorizer.is_async {
        quote!(#ident(__req).await)
    } else {
        quote!(#ident(__req))
    };
    let sources_json: Vec<String> = authorizer
        .identity_sources
        .iter()
        .map(|s| json_string(s))
        .collect();
    let before = str_lit(&format!(
        "{{\"name\":{},\"type\":{},\"identity_sources\":[{}],\"ttl_seconds\":{},\"handler\":\"",
        json_string(&authorizer.name),
        json_string(authorizer.kind.as_str()),
        sources_json.join(","),
        authorizer.ttl_seconds,
    ));
    let after = str_lit(&payload_tail(ident, &authorizer.location));
    let record = record_static(
        &format_ident!("__GOBLET_AUTHORIZER"),
        &format_ident!("__GOBLET_AUTHORIZER_PAYLOAD"),
        quote!(::goblet::__private::record::KIND_AUTHORIZER),
    );
    // The decision is converted through `IntoAuthDecision`, spanned on the
    // function's name, so a wrong return type is reported there.
    let decide = quote_spanned! {at(ident.span())=>
        ::goblet::__private::IntoAuthDecision::into_auth_decision(#call)
    };
    quote! {
        #item

        const _: () = {
            fn __goblet_authorizer(
                __req: ::goblet::__private::AuthRequest,
            ) -> ::goblet::__private::AuthFuture {
                ::goblet::__private::auth_boxed(async move { #decide })
            }

            ::goblet::__private::inventory::submit! {
                ::goblet::__private::AuthorizerDef {
                    name: #name,
                    kind: ::goblet::__private::AuthorizerKind::#kind,
                    identity_sources: &[#(#sources),*],
                    ttl_seconds: #ttl,
                    handler_path: ::core::concat!(::core::module_path!(), #handler_suffix),
                    file: #file,
                    line: #line,
                    handler: __goblet_authorizer,
                }
            }

            #record
            const __GOBLET_AUTHORIZER_PAYLOAD: &str =
                ::core::concat!(#before, ::core::module_path!(), #after);
        };
    }
}

/// The user's event handler, unchanged, then its `FunctionDef` for the
/// runtime and its record for the manifest.
pub fn function(function: &Function, item: TokenStream) -> TokenStream {
    let handler = &function.handler;
    let ident = &handler.ident;
    let vars: Vec<Ident> = (0..handler.args.len())
        .map(|i| format_ident!("__arg{}", i, span = Span::mixed_site()))
        .collect();
    // Each extraction is spanned on its type, so "`Foo` cannot be an
    // argument of an event handler" points at the argument.
    let extractions = handler.args.iter().zip(&vars).map(|(ty, var)| {
        quote_spanned! {at(ty.span())=>
            let #var = <#ty as ::goblet::__private::FromInvocation>::from_invocation(&__inv)?;
        }
    });
    let needs = handler.args.iter().map(|ty| {
        quote_spanned! {at(ty.span())=>
            <#ty as ::goblet::__private::FromInvocation>::state_needs(__needs);
        }
    });
    let call = if handler.is_async {
        quote!(#ident(#(#vars),*).await)
    } else {
        quote!(#ident(#(#vars),*))
    };
    let result = match &handler.output.ty {
        Some(ty) => quote_spanned! {at(handler.output.span)=>
            <#ty as ::goblet::__private::IntoFunctionResult>::into_function_result(__output)
        },
        None => quote_spanned! {at(handler.output.span)=>
            ::goblet::__private::IntoFunctionResult::into_function_result(__output)
        },
    };
    let name = str_lit(&function.name);
    let attribute = str_lit(function.trigger.attribute());
    let handler_suffix = str_lit(&format!("::{ident}"));
    let file = str_lit(&function.location.file);
    let line = Literal::u32_unsuffixed(function.location.line);
    let (before, after) = function_payload(function);
    let (before, after) = (str_lit(&before), str_lit(&after));
    let record = record_static(
        &format_ident!("__GOBLET_FUNCTION"),
        &format_ident!("__GOBLET_FUNCTION_PAYLOAD"),
        quote!(::goblet::__private::record::KIND_FUNCTION),
    );
    let wrappers = quote_spanned! {Span::mixed_site()=>
        fn __goblet_function(
            __inv: ::goblet::__private::Invocation,
        ) -> ::goblet::__private::FunctionFuture {
            ::goblet::__private::function_boxed(async move {
                #(#extractions)*
                let __output = #call;
                #result
            })
        }

        fn __goblet_state_needs(__needs: &mut ::goblet::__private::StateNeeds) {
            let _ = &__needs;
            #(#needs)*
        }
    };
    let wrapper = Ident::new("__goblet_function", Span::mixed_site());
    let needs_fn = Ident::new("__goblet_state_needs", Span::mixed_site());
    quote! {
        #item

        const _: () = {
            #wrappers

            ::goblet::__private::inventory::submit! {
                ::goblet::__private::FunctionDef {
                    name: #name,
                    attribute: #attribute,
                    handler_path: ::core::concat!(::core::module_path!(), #handler_suffix),
                    file: #file,
                    line: #line,
                    handler: #wrapper,
                    state_needs: #needs_fn,
                }
            }

            #record
            const __GOBLET_FUNCTION_PAYLOAD: &str =
                ::core::concat!(#before, ::core::module_path!(), #after);
        };
    }
}

/// The function record's JSON (`FunctionPayload` in goblet-core) around the
/// place where `module_path!()` goes.
pub(crate) fn function_payload(function: &Function) -> (String, String) {
    let trigger = serde_json::to_string(&function.trigger).expect("a trigger always serializes");
    let before = format!(
        "{{\"name\":{},\"trigger\":{trigger},\"handler\":\"",
        json_string(&function.name)
    );
    (
        before,
        payload_tail(&function.handler.ident, &function.location),
    )
}

/// The end of a record's JSON after `module_path!()`: the rest of the
/// handler's path, and where it is declared.
fn payload_tail(ident: &Ident, location: &crate::model::Location) -> String {
    let handler_rest = json_string(&format!("::{ident}"));
    format!(
        "{}\",\"file\":{},\"line\":{}}}",
        &handler_rest[1..handler_rest.len() - 1],
        json_string(&location.file),
        location.line,
    )
}

/// The app's name expression and its record in the `goblet_routes` section.
fn app_record(app: &App) -> (TokenStream, TokenStream) {
    let (name, payload) = match &app.name {
        AppName::Package => (
            quote!(::core::env!("CARGO_PKG_NAME")),
            // Cargo package names are [A-Za-z0-9_-]: nothing to escape.
            quote!(::core::concat!(
                "{\"app_name\":\"",
                ::core::env!("CARGO_PKG_NAME"),
                "\"}"
            )),
        ),
        AppName::Custom(name) => {
            let payload = format!("{{\"app_name\":{}}}", json_string(name));
            (str_lit(name), str_lit(&payload))
        }
    };
    let record = record_static(
        &format_ident!("__GOBLET_APP"),
        &format_ident!("__GOBLET_APP_PAYLOAD"),
        quote!(::goblet::__private::record::KIND_APP),
    );
    let record = quote! {
        const _: () = {
            #record
            const __GOBLET_APP_PAYLOAD: &str = #payload;
        };
    };
    (name, record)
}

/// Tokens that name goblet's generated locals (hygienic: user code cannot see
/// or shadow them) while pointing, for error messages, at `span`.
fn at(span: Span) -> Span {
    Span::mixed_site().located_at(span)
}

/// `fn __goblet_handler(Request) -> BoxFuture`: extracts every argument, calls
/// the user's function and converts what it returns into a response; and
/// `fn __goblet_state_needs`, the state types those extractors read.
///
/// Each trait use is spanned on the user's type, so that "`u32` cannot be
/// extracted" or "`Foo` is not a response" points at the argument or return
/// type that is wrong (the traits carry `#[diagnostic::on_unimplemented]`).
fn handler_fn(route: &Route) -> TokenStream {
    let handler = &route.handler;
    let count = handler.args.len();
    let vars: Vec<Ident> = (0..count)
        .map(|i| format_ident!("__arg{}", i, span = Span::mixed_site()))
        .collect();
    // Every argument but the last borrows the request; the last may consume
    // it (a `Request` argument, a body).
    let extractions = handler
        .args
        .iter()
        .zip(&vars)
        .enumerate()
        .map(|(i, (ty, var))| {
            let span = at(ty.span());
            let extract = if i + 1 < count {
                quote_spanned! {span=>
                    <#ty as ::goblet::__private::FromRequestParts>::from_request_parts(&__req)
                }
            } else {
                quote_spanned! {span=>
                    <#ty as ::goblet::__private::FromRequest<_>>::from_request(__req)
                }
            };
            quote_spanned! {span=>
                let #var = match #extract.await {
                    ::core::result::Result::Ok(value) => value,
                    ::core::result::Result::Err(rejection) => {
                        return ::goblet::__private::IntoResponse::into_response(rejection);
                    }
                };
            }
        });
    // Through `needs_of`, which never fails to resolve: a type that is no
    // extractor is reported once, above.
    let needs = handler.args.iter().map(|ty| {
        quote_spanned! {Span::mixed_site()=>
            (&&&::goblet::__private::needs_of::NeedsOf::<#ty>::new()).state_needs(__needs);
        }
    });
    let ident = &handler.ident;
    let call = if handler.is_async {
        quote!(#ident(#(#vars),*).await)
    } else {
        quote!(#ident(#(#vars),*))
    };
    let discard = (count == 0).then(|| quote_spanned!(Span::mixed_site()=> let _ = __req;));
    // Naming the return type makes rustc point at all of it (`Option<User>`,
    // not just `Option`); a type with `impl Trait` cannot be named.
    let respond = match &handler.output.ty {
        Some(ty) => quote_spanned! {at(handler.output.span)=>
            <#ty as ::goblet::__private::IntoResponse>::into_response(__output)
        },
        None => quote_spanned! {at(handler.output.span)=>
            ::goblet::__private::IntoResponse::into_response(__output)
        },
    };
    let name = handler_name();
    let needs_name = state_needs_name();
    quote_spanned! {Span::mixed_site()=>
        fn #name(__req: ::goblet::__private::Request) -> ::goblet::__private::BoxFuture {
            ::goblet::__private::boxed(async move {
                #discard
                #(#extractions)*
                let __output = #call;
                #respond
            })
        }

        fn #needs_name(__needs: &mut ::goblet::__private::StateNeeds) {
            #[allow(unused_imports)]
            use ::goblet::__private::needs_of::{Nothing as _, ViaParts as _, ViaRequest as _};
            let _ = &__needs;
            #(#needs)*
        }
    }
}

/// The state-needs function's name, shared by its definition and the `RouteDef`s.
fn state_needs_name() -> Ident {
    Ident::new("__goblet_state_needs", Span::call_site())
}

/// The wrapper's name, shared by its definition and the `RouteDef`s.
fn handler_name() -> Ident {
    Ident::new("__goblet_handler", Span::call_site())
}

/// One API Gateway method of the route: its `RouteDef` for the runtime, its
/// record for the manifest, and its duplicate marker.
fn method_items(route: &Route, method: Method) -> TokenStream {
    let path = str_lit(&route.path);
    let method_variant = method_variant(method);
    let auth_variant = auth_variant(route.authorization_type);
    let api_key_required = route.api_key_required;
    let cors = route.cors;
    let content_types = route.content_types.iter().map(|c| str_lit(c));
    let name = str_lit(&route.name);
    let handler_suffix = str_lit(&format!("::{}", route.handler.ident));
    let file = str_lit(&route.location.file);
    let line = Literal::u32_unsuffixed(route.location.line);
    let record = format_ident!("__GOBLET_ROUTE_{}", method.as_str());
    let payload = format_ident!("__GOBLET_PAYLOAD_{}", method.as_str());
    let (before_module, after_module) = route_payload(route, method);
    let (before_module, after_module) = (str_lit(&before_module), str_lit(&after_module));
    let record_static = record_static(
        &record,
        &payload,
        quote!(::goblet::__private::record::KIND_ROUTE),
    );
    let marker = duplicate_marker(route, method);
    let handler_name = handler_name();
    let needs_name = state_needs_name();
    let authorizer = match &route.authorizer {
        Some(name) => {
            let name = str_lit(name);
            quote!(::core::option::Option::Some(#name))
        }
        None => quote!(::core::option::Option::None),
    };
    let scopes = route.scopes.iter().map(|s| str_lit(s));
    quote! {
        ::goblet::__private::inventory::submit! {
            ::goblet::__private::RouteDef {
                path: #path,
                method: ::goblet::__private::Method::#method_variant,
                authorization_type: ::goblet::__private::AuthorizationType::#auth_variant,
                authorizer: #authorizer,
                scopes: &[#(#scopes),*],
                api_key_required: #api_key_required,
                cors: #cors,
                content_types: &[#(#content_types),*],
                name: #name,
                handler_path: ::core::concat!(::core::module_path!(), #handler_suffix),
                file: #file,
                line: #line,
                handler: #handler_name,
                state_needs: #needs_name,
            }
        }

        #record_static
        const #payload: &str = ::core::concat!(#before_module, ::core::module_path!(), #after_module);

        #marker
    }
}

/// A record in the `goblet_routes` section: a byte array built at compile
/// time from the payload constant `payload`.
///
/// The section is only placed on ELF targets (what Lambda runs); elsewhere
/// the record is an ordinary unused static and the runtime relies on
/// `inventory` alone.
fn record_static(name: &Ident, payload: &Ident, kind: TokenStream) -> TokenStream {
    let section = str_lit(SECTION);
    quote! {
        #[cfg_attr(
            any(
                target_os = "linux",
                target_os = "android",
                target_os = "freebsd",
                target_os = "netbsd",
                target_os = "openbsd",
                target_os = "dragonfly",
                target_os = "illumos",
                target_os = "solaris",
                target_os = "fuchsia",
            ),
            unsafe(link_section = #section)
        )]
        #[used]
        static #name: [u8; ::goblet::__private::record::encoded_len(#payload)] =
            ::goblet::__private::record::encode(#kind, #payload);
    }
}

/// The route record's JSON (`RoutePayload` in goblet-core) around the place
/// where `module_path!()` goes: `(before, after)`. Every string is escaped by
/// `serde_json`; `module_path!()` yields `a::b` and needs no escaping.
pub(crate) fn route_payload(route: &Route, method: Method) -> (String, String) {
    let content_types: Vec<String> = route.content_types.iter().map(|c| json_string(c)).collect();
    // Left out when empty, so routes without an authorizer keep the records
    // every earlier goblet wrote.
    let mut authorization = String::new();
    if let Some(name) = &route.authorizer {
        authorization.push_str(&format!(",\"authorizer\":{}", json_string(name)));
    }
    if !route.scopes.is_empty() {
        let scopes: Vec<String> = route.scopes.iter().map(|s| json_string(s)).collect();
        authorization.push_str(&format!(",\"authorization_scopes\":[{}]", scopes.join(",")));
    }
    let before = format!(
        "{{\"path\":{},\"method\":{},\"authorization_type\":{}{authorization},\"api_key_required\":{},\"cors\":{},\"content_types\":[{}],\"name\":{},\"handler\":\"",
        json_string(&route.path),
        json_string(method.as_str()),
        json_string(route.authorization_type.as_str()),
        route.api_key_required,
        route.cors,
        content_types.join(","),
        json_string(&route.name),
    );
    (before, payload_tail(&route.handler.ident, &route.location))
}

/// Compile-time duplicate detection.
///
/// Each (path, method) defines a `#[macro_export]` macro whose name encodes
/// them. Exported macros all live in the crate root's macro namespace, so two
/// handlers claiming the same (path, method) anywhere in one crate make rustc
/// fail with E0428 "the name `...` is defined multiple times", pointing at both
/// path literals. This is name resolution, so `cargo check`, rust-analyzer and
/// trybuild see it, and it needs nothing from the user.
///
/// Rejected alternatives: `#[unsafe(export_name = ...)]` on the record (rustc
/// reports "symbol is already defined" only when generating code, so
/// `cargo check` passes, it shows one location, and it trips
/// `unsafe_code` lints); a trait or inherent impl conflict (E0119/E0592) needs
/// a type local to the crate, which would make the user declare one.
///
/// Duplicates across crates (handlers in a library and in the binary) are
/// left to the runtime and `goblet manifest`, which check the whole binary.
/// `ANY` and `GET` on one path get different names: API Gateway allows both.
fn duplicate_marker(route: &Route, method: Method) -> TokenStream {
    // Every token points at the path literal: that is what rustc underlines,
    // at both definitions.
    let span = Span::call_site().located_at(route.path_span);
    let name = Ident::new(&marker_name(&route.path, method), span);
    quote_spanned! {span=>
        #[doc(hidden)]
        #[allow(non_local_definitions)]
        #[macro_export]
        macro_rules! #name {
            () => {};
        }
    }
}

/// An identifier unique to (path, method): `GET /users/{id}` gives
/// `__goblet_route_GET__users___lid_r`. Letters and digits stand for
/// themselves and `_` always starts a two-character escape, so distinct
/// paths never share a name.
pub(crate) fn marker_name(path: &str, method: Method) -> String {
    let mut name = format!("__goblet_route_{}", method.as_str());
    for c in path.chars() {
        match c {
            '/' => name.push_str("__"),
            '_' => name.push_str("_u"),
            '.' => name.push_str("_d"),
            '-' => name.push_str("_h"),
            '{' => name.push_str("_l"),
            '}' => name.push_str("_r"),
            '+' => name.push_str("_p"),
            c if c.is_ascii_alphanumeric() => name.push(c),
            // Unreachable for a validated path; kept injective regardless.
            c => name.push_str(&format!("_x{:x}_", u32::from(c))),
        }
    }
    name
}

fn method_variant(method: Method) -> Ident {
    let name = match method {
        Method::Delete => "Delete",
        Method::Get => "Get",
        Method::Head => "Head",
        Method::Options => "Options",
        Method::Patch => "Patch",
        Method::Post => "Post",
        Method::Put => "Put",
        Method::Any => "Any",
    };
    Ident::new(name, Span::call_site())
}

fn auth_variant(auth: AuthorizationType) -> Ident {
    let name = match auth {
        AuthorizationType::None => "None",
        AuthorizationType::AwsIam => "AwsIam",
        AuthorizationType::Custom => "Custom",
        AuthorizationType::CognitoUserPools => "CognitoUserPools",
    };
    Ident::new(name, Span::call_site())
}

fn str_lit(s: &str) -> TokenStream {
    let lit = Literal::string(s);
    quote!(#lit)
}

/// `s` as a JSON string, quotes included.
fn json_string(s: &str) -> String {
    serde_json::Value::String(s.to_owned()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Handler, Location, Output};
    use goblet_core::record::{self, KIND_APP, KIND_FRAMEWORK, KIND_ROUTE};

    fn sample(path: &str, name: &str, file: &str) -> Route {
        Route {
            path: path.to_owned(),
            path_span: Span::call_site(),
            methods: vec![Method::Get, Method::Post],
            authorization_type: AuthorizationType::AwsIam,
            authorizer: None,
            scopes: Vec::new(),
            api_key_required: true,
            cors: false,
            content_types: vec!["application/json".into(), "text/plain".into()],
            name: name.to_owned(),
            handler: Handler {
                ident: format_ident!("user_fn"),
                is_async: true,
                args: vec![
                    syn::parse_quote!(goblet::Path<u64>),
                    syn::parse_quote!(goblet::Request),
                ],
                output: Output {
                    ty: None,
                    span: Span::call_site(),
                },
            },
            location: Location {
                file: file.to_owned(),
                line: 12,
            },
        }
    }

    fn section(records: &[(u8, &str)]) -> Vec<u8> {
        let mut out = Vec::new();
        for (kind, payload) in records {
            out.extend_from_slice(&record::MAGIC);
            out.push(record::FORMAT_VERSION);
            out.push(*kind);
            out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
            out.extend_from_slice(payload.as_bytes());
        }
        out
    }

    #[test]
    fn route_payload_is_exactly_the_record_schema() {
        let route = sample("/users/{id}", "user_fn", "src/app.rs");
        let (before, after) = route_payload(&route, Method::Get);
        let json = format!("{before}shop::api{after}");
        assert_eq!(
            json,
            r#"{"path":"/users/{id}","method":"GET","authorization_type":"AWS_IAM","api_key_required":true,"cors":false,"content_types":["application/json","text/plain"],"name":"user_fn","handler":"shop::api::user_fn","file":"src/app.rs","line":12}"#
        );
        // The reader in goblet-core (deny_unknown_fields) accepts it.
        let manifest = record::decode_section(&section(&[
            (KIND_FRAMEWORK, r#"{"goblet_version":"0.1.0"}"#),
            (KIND_APP, r#"{"app_name":"shop"}"#),
            (KIND_ROUTE, &json),
        ]))
        .unwrap();
        let decoded = &manifest.routes[0];
        assert_eq!(decoded.handler, "shop::api::user_fn");
        assert_eq!(decoded.source, "src/app.rs:12");
        assert_eq!(decoded.path_parameters, ["id"]);
    }

    #[test]
    fn payload_strings_are_escaped() {
        let route = sample("/", "say \"hi\"\\\n", "C:\\src\\app.rs");
        let (before, after) = route_payload(&route, Method::Post);
        let json = format!("{before}app{after}");
        let value: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(value["name"], "say \"hi\"\\\n");
        assert_eq!(value["file"], "C:\\src\\app.rs");
        assert_eq!(value["method"], "POST");
        record::decode_section(&section(&[
            (KIND_FRAMEWORK, r#"{"goblet_version":"0.1.0"}"#),
            (KIND_APP, r#"{"app_name":"a"}"#),
            (KIND_ROUTE, &json),
        ]))
        .unwrap();
    }

    #[test]
    fn marker_names_are_distinct_and_valid_identifiers() {
        let paths = [
            "/", "/a", "/a/b", "/a_b", "/a/_b", "/a_/b", "/a.b", "/a-b", "/{a}", "/{a+}", "/a/{b}",
            "/ab", "/a/{b_c}", "/a/{b}/c", "/u", "/_u",
        ];
        let mut names = std::collections::HashSet::new();
        for path in paths {
            for method in [Method::Get, Method::Any] {
                let name = marker_name(path, method);
                syn::parse_str::<syn::Ident>(&name).unwrap();
                assert!(names.insert(name), "{method} {path}");
            }
        }
        assert_eq!(
            marker_name("/users/{id}", Method::Get),
            "__goblet_route_GET__users___lid_r"
        );
    }

    #[test]
    fn one_route_def_and_record_per_method() {
        let route = sample("/users/{id}", "user_fn", "src/app.rs");
        let tokens = super::route(
            &route,
            quote!(
                async fn user_fn() {}
            ),
        )
        .to_string();
        assert_eq!(tokens.matches("inventory :: submit !").count(), 2);
        assert!(tokens.contains("static __GOBLET_ROUTE_GET"));
        assert!(tokens.contains("static __GOBLET_ROUTE_POST"));
        assert!(tokens.contains("macro_rules ! __goblet_route_GET__users___lid_r"));
        assert!(tokens.contains("macro_rules ! __goblet_route_POST__users___lid_r"));
        assert!(tokens.contains("link_section = \"goblet_routes\""));
        assert!(tokens.contains("FromRequestParts > :: from_request_parts (& __req) . await"));
        assert!(tokens.contains("NeedsOf :: < goblet :: Path < u64 > > :: new ()) . state_needs"));
        assert!(tokens.contains("state_needs : __goblet_state_needs"));
        assert!(tokens.contains(":: FromRequest < _ >> :: from_request (__req) . await"));
        assert!(tokens.contains("user_fn (__arg0 , __arg1) . await"));
        assert!(tokens.starts_with("async fn user_fn () { }"));
    }

    #[test]
    fn app_names() {
        let custom = app(&App {
            name: AppName::Custom("orders".into()),
        })
        .to_string();
        assert!(
            custom.contains(r#""{\"app_name\":\"orders\"}""#),
            "{custom}"
        );
        assert!(custom.contains("fn main ()"));
        assert!(custom.contains(":: goblet :: __private :: run ("));
        let package = app(&App {
            name: AppName::Package,
        })
        .to_string();
        assert!(package.contains("CARGO_PKG_NAME"));
    }
}
