//! Syntax of the macros' arguments: `#[route("/path", name = value, ...)]` and
//! `goblet::app!(name = value, ...)` / `#[goblet::main(name = value, ...)]`.
//!
//! Parsing is deliberately loose: any expression is accepted as a value and any
//! identifier as an option name, so that [`crate::check`] can report every
//! mistake at once, each on its own token, instead of stopping at the first.

use syn::ext::IdentExt;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{Expr, Ident, Token};

/// The comma-separated arguments of `#[route(...)]`, `goblet::app!(...)` or
/// `#[goblet::main(...)]`.
pub struct Args {
    pub items: Vec<Arg>,
}

/// One argument: a bare value (the route path) or `name = value`.
pub enum Arg {
    Positional(Expr),
    Named(NamedArg),
}

/// `name = value`.
pub struct NamedArg {
    pub name: Ident,
    pub value: Expr,
}

impl Parse for Args {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let items = Punctuated::<Arg, Token![,]>::parse_terminated(input)?;
        Ok(Args {
            items: items.into_iter().collect(),
        })
    }
}

impl Parse for Arg {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        // `parse_any`/`peek_any` so that a keyword (`type = "x"`) is reported
        // as an unknown option rather than as a syntax error.
        if input.peek(Ident::peek_any) && input.peek2(Token![=]) && !input.peek2(Token![==]) {
            let name = Ident::parse_any(input)?;
            input.parse::<Token![=]>()?;
            let value = input.parse()?;
            Ok(Arg::Named(NamedArg { name, value }))
        } else {
            input.parse().map(Arg::Positional)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(tokens: proc_macro2::TokenStream) -> syn::Result<Args> {
        syn::parse2(tokens)
    }

    #[test]
    fn path_then_options() {
        let args = parse(quote::quote!(
            "/users/{id}",
            methods = ["GET", "POST"],
            cors = true,
        ))
        .unwrap();
        assert_eq!(args.items.len(), 3);
        assert!(matches!(&args.items[0], Arg::Positional(Expr::Lit(_))));
        let Arg::Named(named) = &args.items[1] else {
            panic!("expected a named argument")
        };
        assert_eq!(named.name, "methods");
        assert!(matches!(named.value, Expr::Array(_)));
    }

    #[test]
    fn empty_and_keyword_names() {
        assert!(parse(quote::quote!()).unwrap().items.is_empty());
        let args = parse(quote::quote!(type = "x")).unwrap();
        let Arg::Named(named) = &args.items[0] else {
            panic!("expected a named argument")
        };
        assert_eq!(named.name, "type");
    }

    #[test]
    fn comparison_is_a_value_not_an_option() {
        let args = parse(quote::quote!(cors == true)).unwrap();
        assert!(matches!(&args.items[0], Arg::Positional(Expr::Binary(_))));
    }

    #[test]
    fn syntax_errors_are_reported() {
        assert!(parse(quote::quote!("/a" methods = ["GET"])).is_err());
        assert!(parse(quote::quote!(cors = )).is_err());
    }
}
