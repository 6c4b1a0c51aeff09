//! Extractors: the types a handler takes as arguments.
//!
//! Every argument but the last is extracted from a borrowed request
//! ([`FromRequestParts`]); the last may consume it ([`FromRequest`]), which is
//! how a handler takes the whole [`Request`]. Extraction is async and may
//! fail: the extractor's [`Rejection`](FromRequestParts::Rejection) is then
//! the response, and the handler is not called.
//!
//! `Option<T>` is `None` when what `T` reads is absent (no body, an empty
//! query string, a state nobody registered) and the rejection when it is
//! present but invalid: a malformed JSON body is a 400, not a silent `None`.
//! `Result<T, T::Rejection>` hands the rejection to the handler instead.
//!
//! # Your own extractors
//!
//! ```
//! use goblet::extract::FromRequestParts;
//! use goblet::prelude::*;
//!
//! /// The caller's tenant, from the `x-tenant` header.
//! struct Tenant(String);
//!
//! impl FromRequestParts for Tenant {
//!     type Rejection = Error;
//!
//!     async fn from_request_parts(req: &Request) -> Result<Self, Error> {
//!         match req.header("x-tenant") {
//!             Some(tenant) if !tenant.is_empty() => Ok(Tenant(tenant.to_owned())),
//!             _ => Err(Error::BadRequest("Missing x-tenant header".into())),
//!         }
//!     }
//! }
//!
//! #[route("/whoami")]
//! fn whoami(Tenant(tenant): Tenant) -> String {
//!     tenant
//! }
//! # fn main() {}
//! ```
//!
//! An extractor that reads the app's state through [`State`] says so in
//! [`state_needs`](FromRequestParts::state_needs), so that a missing state
//! stops the function at start-up rather than failing its first request.

use std::any::type_name;
use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::ops::{Deref, DerefMut};

use bytes::Bytes;
use http::{HeaderMap, Method};
use serde::de::DeserializeOwned;

use crate::error::Error;
use crate::request::{Identity, Request, RequestContext};
use crate::response::IntoResponse;
pub use crate::state::{State, StateNeeds};

/// Extracts a value from a borrowed request. Any argument of a handler may
/// be one, in any order.
///
/// An extractor that reads the app's state registers it in
/// [`state_needs`](FromRequestParts::state_needs): a route taking it then
/// needs that state at start-up, as a route taking `State<T>` does.
///
/// ```
/// use goblet::extract::{FromRequestParts, StateNeeds};
/// use goblet::prelude::*;
///
/// /// The app's API keys, registered with `App::state`.
/// #[derive(Clone)]
/// struct ApiKeys(std::sync::Arc<Vec<(String, String)>>);
///
/// /// The customer whose key the request carries.
/// struct Customer(String);
///
/// impl FromRequestParts for Customer {
///     type Rejection = Error;
///
///     async fn from_request_parts(req: &Request) -> Result<Self, Error> {
///         let keys = req
///             .state::<ApiKeys>()
///             .ok_or_else(|| Error::internal("ApiKeys is not registered"))?;
///         let key = req.header("x-api-key").unwrap_or_default();
///         keys.0
///             .iter()
///             .find(|(k, _)| k == key)
///             .map(|(_, customer)| Customer(customer.clone()))
///             .ok_or_else(|| Error::Forbidden("Unknown API key".into()))
///     }
///
///     fn state_needs(needs: &mut StateNeeds) {
///         needs.state::<ApiKeys>();
///     }
/// }
///
/// #[route("/orders")]
/// fn orders(Customer(customer): Customer) -> String {
///     format!("the orders of {customer}")
/// }
/// # fn main() {}
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be extracted from a request",
    label = "not a goblet extractor",
    note = "handler arguments are extractors: Path<T>, Query<T>, Json<T>, State<T>, String, Bytes, \
            Vec<u8>, HeaderMap, Method, Context, Identity, StageVariables, Option<extractor>, \
            Result<extractor, rejection>, or Request (as the last argument only)"
)]
pub trait FromRequestParts: Sized {
    /// What the client gets when extraction fails.
    type Rejection: IntoResponse;

    fn from_request_parts(req: &Request) -> impl Future<Output = Result<Self, Self::Rejection>>;

    /// Registers the state types this extractor reads ([`StateNeeds::state`]),
    /// checked when the function starts. Nothing by default.
    fn state_needs(needs: &mut StateNeeds) {
        let _ = needs;
    }
}

/// Extracts a value from the request, possibly consuming it: only a
/// handler's last argument may be one. `M` only keeps the two families of
/// implementations apart; every [`FromRequestParts`] is one too.
///
/// ```
/// use goblet::extract::FromRequest;
/// use goblet::prelude::*;
///
/// /// A CSV upload: one row a line.
/// struct Csv(Vec<Vec<String>>);
///
/// impl FromRequest for Csv {
///     type Rejection = Error;
///
///     async fn from_request(req: Request) -> Result<Self, Error> {
///         if req.header("content-type") != Some("text/csv") {
///             return Err(Error::UnsupportedMediaType("Send text/csv".into()));
///         }
///         let text = std::str::from_utf8(req.body())
///             .map_err(|_| Error::BadRequest("The CSV is not UTF-8".into()))?;
///         let rows = text
///             .lines()
///             .map(|line| line.split(',').map(str::to_owned).collect())
///             .collect();
///         Ok(Csv(rows))
///     }
/// }
///
/// #[route("/imports", methods = ["POST"], content_types = ["text/csv"])]
/// fn import(Csv(rows): Csv) -> String {
///     format!("{} rows", rows.len())
/// }
/// # fn main() {}
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be extracted from a request",
    label = "not a goblet extractor",
    note = "handler arguments are extractors: Path<T>, Query<T>, Json<T>, State<T>, String, Bytes, \
            Vec<u8>, HeaderMap, Method, Context, Identity, StageVariables, Option<extractor>, \
            Result<extractor, rejection>, or Request"
)]
pub trait FromRequest<M = private::ViaRequest>: Sized {
    /// What the client gets when extraction fails.
    type Rejection: IntoResponse;

    fn from_request(req: Request) -> impl Future<Output = Result<Self, Self::Rejection>>;

    /// As [`FromRequestParts::state_needs`].
    fn state_needs(needs: &mut StateNeeds) {
        let _ = needs;
    }
}

/// An extractor that can tell "absent" from "invalid": implementing it makes
/// `Option<Self>` an extractor that is `None` only when the value is absent.
///
/// ```
/// use goblet::extract::OptionalFromRequestParts;
/// use goblet::prelude::*;
///
/// /// The page a list starts at, from `?page=`.
/// struct Page(u32);
///
/// impl OptionalFromRequestParts for Page {
///     type Rejection = Error;
///
///     async fn from_request_parts(req: &Request) -> Result<Option<Self>, Error> {
///         match req.query_pairs().find(|(name, _)| name == "page") {
///             None => Ok(None),
///             Some((_, page)) => page
///                 .parse()
///                 .map(|page| Some(Page(page)))
///                 .map_err(|_| Error::BadRequest(format!("Invalid page: {page}"))),
///         }
///     }
/// }
///
/// // `/items` is page 1, `/items?page=3` page 3, `/items?page=x` a 400.
/// #[route("/items")]
/// fn items(page: Option<Page>) -> String {
///     format!("page {}", page.map_or(1, |p| p.0))
/// }
/// # fn main() {}
/// ```
pub trait OptionalFromRequestParts: Sized {
    /// What the client gets when the value is present but invalid.
    type Rejection: IntoResponse;

    fn from_request_parts(
        req: &Request,
    ) -> impl Future<Output = Result<Option<Self>, Self::Rejection>>;
}

#[doc(hidden)]
pub mod private {
    #[derive(Debug)]
    pub enum ViaParts {}
    #[derive(Debug)]
    pub enum ViaRequest {}
}

impl<T: FromRequestParts> FromRequest<private::ViaParts> for T {
    type Rejection = T::Rejection;

    async fn from_request(req: Request) -> Result<Self, Self::Rejection> {
        T::from_request_parts(&req).await
    }

    fn state_needs(needs: &mut StateNeeds) {
        T::state_needs(needs)
    }
}

impl FromRequest<private::ViaRequest> for Request {
    type Rejection = Infallible;

    async fn from_request(req: Request) -> Result<Self, Infallible> {
        Ok(req)
    }
}

impl<T: OptionalFromRequestParts> FromRequestParts for Option<T> {
    type Rejection = T::Rejection;

    async fn from_request_parts(req: &Request) -> Result<Self, Self::Rejection> {
        T::from_request_parts(req).await
    }
}

/// The extraction's outcome, rejection included, for the handler to decide.
impl<T: FromRequestParts> FromRequestParts for Result<T, T::Rejection> {
    type Rejection = Infallible;

    async fn from_request_parts(req: &Request) -> Result<Self, Infallible> {
        Ok(T::from_request_parts(req).await)
    }

    fn state_needs(needs: &mut StateNeeds) {
        T::state_needs(needs)
    }
}

impl<T: Clone + Send + Sync + 'static> FromRequestParts for State<T> {
    type Rejection = Error;

    async fn from_request_parts(req: &Request) -> Result<Self, Error> {
        match req.state::<T>() {
            Some(value) => Ok(State(value.clone())),
            // Only an extractor that reads State<T> without declaring it in
            // `state_needs` gets here: the start-up check catches the rest.
            None => Err(Error::internal(format!(
                "no state of type `{}` was registered with App::state",
                type_name::<T>()
            ))),
        }
    }

    fn state_needs(needs: &mut StateNeeds) {
        needs.state::<T>();
    }
}

/// `None` when no state of that type was registered.
impl<T: Clone + Send + Sync + 'static> OptionalFromRequestParts for State<T> {
    type Rejection = Infallible;

    async fn from_request_parts(req: &Request) -> Result<Option<Self>, Infallible> {
        Ok(req.state::<T>().cloned().map(State))
    }
}

macro_rules! wrapper {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
        pub struct $name<T>(pub T);

        impl<T> Deref for $name<T> {
            type Target = T;
            fn deref(&self) -> &T {
                &self.0
            }
        }
        impl<T> DerefMut for $name<T> {
            fn deref_mut(&mut self) -> &mut T {
                &mut self.0
            }
        }
    };
}

wrapper!(
    /// Path parameters, into a single value, a tuple (in template order) or a
    /// `Deserialize` struct (by name). A value that does not parse is a 400.
    Path
);
wrapper!(
    /// The query string, into a `Deserialize` type. A repeated key fills a
    /// `Vec` field with every value, in order; any single-valued field (and a
    /// `HashMap<String, String>`) gets the last one, as API Gateway's
    /// `queryStringParameters` and Chalice's `query_params` do. An empty
    /// value is `None` for an `Option` field.
    Query
);
wrapper!(
    /// A JSON body in, or a JSON response out.
    Json
);

/// Transparent: an event handler's `Result<Json<T>, Error>` is `T`'s JSON.
impl<T: serde::Serialize> serde::Serialize for Json<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<T: DeserializeOwned> FromRequestParts for Path<T> {
    type Rejection = Error;

    async fn from_request_parts(req: &Request) -> Result<Self, Error> {
        T::deserialize(path_de::PathDeserializer::new(req.path_params()))
            .map(Path)
            .map_err(|e| Error::BadRequest(format!("Invalid path parameters: {e}")))
    }
}

/// `None` for a route without path parameters.
impl<T: DeserializeOwned> OptionalFromRequestParts for Path<T> {
    type Rejection = Error;

    async fn from_request_parts(req: &Request) -> Result<Option<Self>, Error> {
        if req.path_params().is_empty() {
            return Ok(None);
        }
        <Path<T> as FromRequestParts>::from_request_parts(req)
            .await
            .map(Some)
    }
}

impl<T: DeserializeOwned> FromRequestParts for Query<T> {
    type Rejection = Error;

    async fn from_request_parts(req: &Request) -> Result<Self, Error> {
        query_de::from_query(req.query_string())
            .map(Query)
            .map_err(|e| Error::BadRequest(format!("Invalid query string: {e}")))
    }
}

/// `None` for a request without a query string.
impl<T: DeserializeOwned> OptionalFromRequestParts for Query<T> {
    type Rejection = Error;

    async fn from_request_parts(req: &Request) -> Result<Option<Self>, Error> {
        if req.query_string().is_empty() {
            return Ok(None);
        }
        <Query<T> as FromRequestParts>::from_request_parts(req)
            .await
            .map(Some)
    }
}

impl<T: DeserializeOwned> FromRequestParts for Json<T> {
    type Rejection = Error;

    async fn from_request_parts(req: &Request) -> Result<Self, Error> {
        if req.body().is_empty() {
            return Err(Error::BadRequest("Missing JSON body".into()));
        }
        serde_json::from_slice(req.body())
            .map(Json)
            .map_err(|e| Error::BadRequest(format!("Invalid JSON body: {e}")))
    }
}

/// `None` for a request without a body; a body that is not valid JSON of
/// that shape is still a 400.
impl<T: DeserializeOwned> OptionalFromRequestParts for Json<T> {
    type Rejection = Error;

    async fn from_request_parts(req: &Request) -> Result<Option<Self>, Error> {
        if req.body().is_empty() {
            return Ok(None);
        }
        <Json<T> as FromRequestParts>::from_request_parts(req)
            .await
            .map(Some)
    }
}

/// Extractors that cannot fail and read something every request has.
macro_rules! infallible {
    ($($(#[$doc:meta])* $ty:ty => |$req:ident| $value:expr;)*) => {$(
        $(#[$doc])*
        impl FromRequestParts for $ty {
            type Rejection = Infallible;

            async fn from_request_parts($req: &Request) -> Result<Self, Infallible> {
                Ok($value)
            }
        }
    )*};
}

infallible! {
    /// The body, as received (empty when there is none).
    Bytes => |req| req.body().clone();
    /// The body, as received (empty when there is none).
    Vec<u8> => |req| req.body().to_vec();
    HeaderMap => |req| req.headers().clone();
    Method => |req| req.method().clone();
    Context => |req| Context(req.context().clone());
    Identity => |req| req.identity().clone();
    StageVariables => |req| StageVariables(req.context().stage_variables.clone());
}

/// `None` for a request without a body.
impl OptionalFromRequestParts for Bytes {
    type Rejection = Infallible;

    async fn from_request_parts(req: &Request) -> Result<Option<Self>, Infallible> {
        Ok(Some(req.body().clone()).filter(|b| !b.is_empty()))
    }
}

/// `None` for a request without a body.
impl OptionalFromRequestParts for Vec<u8> {
    type Rejection = Infallible;

    async fn from_request_parts(req: &Request) -> Result<Option<Self>, Infallible> {
        Ok(Some(req.body().to_vec()).filter(|b| !b.is_empty()))
    }
}

/// The body as text; a body that is not UTF-8 is a 400.
impl FromRequestParts for String {
    type Rejection = Error;

    async fn from_request_parts(req: &Request) -> Result<Self, Error> {
        String::from_utf8(req.body().to_vec())
            .map_err(|_| Error::BadRequest("The request body is not valid UTF-8".into()))
    }
}

/// `None` for a request without a body; a body that is not UTF-8 is a 400.
impl OptionalFromRequestParts for String {
    type Rejection = Error;

    async fn from_request_parts(req: &Request) -> Result<Option<Self>, Error> {
        if req.body().is_empty() {
            return Ok(None);
        }
        <String as FromRequestParts>::from_request_parts(req)
            .await
            .map(Some)
    }
}

/// The request context: stage, request id, API id, caller identity, stage variables.
#[derive(Debug, Clone)]
pub struct Context(pub RequestContext);

impl Deref for Context {
    type Target = RequestContext;
    fn deref(&self) -> &RequestContext {
        &self.0
    }
}

/// The stage's variables (API Gateway REST and HTTP APIs).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StageVariables(pub HashMap<String, String>);

impl Deref for StageVariables {
    type Target = HashMap<String, String>;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

mod query_de;

mod path_de {
    //! Path parameters are strings; this deserializer parses them into whatever
    //! the handler asked for.
    use serde::de::value::{MapDeserializer, SeqDeserializer};
    use serde::de::{self, Deserializer, Visitor};

    use super::text_de::Value;

    type E = de::value::Error;

    pub(super) struct PathDeserializer<'a> {
        params: &'a [(String, String)],
    }

    impl<'a> PathDeserializer<'a> {
        pub(super) fn new(params: &'a [(String, String)]) -> Self {
            PathDeserializer { params }
        }

        fn single(&self) -> Result<Value<'a>, E> {
            match self.params {
                [(_, v)] => Ok(Value(v)),
                other => Err(de::Error::custom(format_args!(
                    "expected 1 path parameter, the route has {}",
                    other.len()
                ))),
            }
        }

        fn seq(&self) -> SeqDeserializer<impl Iterator<Item = Value<'a>>, E> {
            SeqDeserializer::new(self.params.iter().map(|(_, v)| Value(v)))
        }
    }

    macro_rules! single {
        ($($method:ident)*) => {$(
            fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
                self.single()?.$method(visitor)
            }
        )*};
    }

    impl<'de, 'a> Deserializer<'de> for PathDeserializer<'a> {
        type Error = E;

        fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
            self.deserialize_map(visitor)
        }

        single!(deserialize_bool deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64
            deserialize_i128 deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64
            deserialize_u128 deserialize_f32 deserialize_f64 deserialize_char deserialize_str
            deserialize_string deserialize_bytes deserialize_byte_buf deserialize_option
            deserialize_identifier);

        fn deserialize_enum<V: Visitor<'de>>(
            self,
            name: &'static str,
            variants: &'static [&'static str],
            visitor: V,
        ) -> Result<V::Value, E> {
            self.single()?.deserialize_enum(name, variants, visitor)
        }

        fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
            visitor.visit_unit()
        }

        fn deserialize_unit_struct<V: Visitor<'de>>(
            self,
            _: &'static str,
            visitor: V,
        ) -> Result<V::Value, E> {
            visitor.visit_unit()
        }

        fn deserialize_newtype_struct<V: Visitor<'de>>(
            self,
            _: &'static str,
            visitor: V,
        ) -> Result<V::Value, E> {
            visitor.visit_newtype_struct(self)
        }

        fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
            let mut seq = self.seq();
            let value = visitor.visit_seq(&mut seq)?;
            seq.end()?;
            Ok(value)
        }

        fn deserialize_tuple<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value, E> {
            if len != self.params.len() {
                return Err(de::Error::custom(format_args!(
                    "expected {len} path parameters, the route has {}",
                    self.params.len()
                )));
            }
            self.deserialize_seq(visitor)
        }

        fn deserialize_tuple_struct<V: Visitor<'de>>(
            self,
            _: &'static str,
            len: usize,
            visitor: V,
        ) -> Result<V::Value, E> {
            self.deserialize_tuple(len, visitor)
        }

        fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
            let mut map =
                MapDeserializer::new(self.params.iter().map(|(k, v)| (k.as_str(), Value(v))));
            let value = visitor.visit_map(&mut map)?;
            map.end()?;
            Ok(value)
        }

        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _: &'static str,
            _: &'static [&'static str],
            visitor: V,
        ) -> Result<V::Value, E> {
            self.deserialize_map(visitor)
        }

        fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
            visitor.visit_unit()
        }
    }
}

mod text_de {
    //! One parameter's text (a path parameter, a query value), parsed into
    //! whatever the handler asked for.
    use serde::de::{self, Deserializer, IntoDeserializer, Visitor};
    use serde::forward_to_deserialize_any;

    type E = de::value::Error;

    /// One parameter's text.
    #[derive(Clone, Copy)]
    pub(super) struct Value<'a>(pub(super) &'a str);

    impl<'de, 'a> IntoDeserializer<'de, E> for Value<'a> {
        type Deserializer = Self;
        fn into_deserializer(self) -> Self {
            self
        }
    }

    macro_rules! parse {
        ($($method:ident => $visit:ident,)*) => {$(
            fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
                match self.0.parse() {
                    Ok(v) => visitor.$visit(v),
                    Err(e) => Err(de::Error::custom(format_args!("cannot parse {:?}: {e}", self.0))),
                }
            }
        )*};
    }

    impl<'de, 'a> Deserializer<'de> for Value<'a> {
        type Error = E;

        fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
            visitor.visit_str(self.0)
        }

        parse! {
            deserialize_bool => visit_bool,
            deserialize_i8 => visit_i8,
            deserialize_i16 => visit_i16,
            deserialize_i32 => visit_i32,
            deserialize_i64 => visit_i64,
            deserialize_i128 => visit_i128,
            deserialize_u8 => visit_u8,
            deserialize_u16 => visit_u16,
            deserialize_u32 => visit_u32,
            deserialize_u64 => visit_u64,
            deserialize_u128 => visit_u128,
            deserialize_f32 => visit_f32,
            deserialize_f64 => visit_f64,
            deserialize_char => visit_char,
        }

        fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
            visitor.visit_some(self)
        }

        fn deserialize_newtype_struct<V: Visitor<'de>>(
            self,
            _: &'static str,
            visitor: V,
        ) -> Result<V::Value, E> {
            visitor.visit_newtype_struct(self)
        }

        fn deserialize_enum<V: Visitor<'de>>(
            self,
            _: &'static str,
            _: &'static [&'static str],
            visitor: V,
        ) -> Result<V::Value, E> {
            visitor.visit_enum(self.0.into_deserializer())
        }

        forward_to_deserialize_any! {
            str string bytes byte_buf unit unit_struct seq tuple tuple_struct map struct
            identifier ignored_any
        }
    }
}

#[cfg(test)]
mod tests {
    use super::path_de::PathDeserializer;
    use serde::Deserialize;

    fn params(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn path_parameters_into_values_tuples_and_structs() {
        let one = params(&[("id", "42")]);
        assert_eq!(u32::deserialize(PathDeserializer::new(&one)).unwrap(), 42);
        assert_eq!(
            String::deserialize(PathDeserializer::new(&one)).unwrap(),
            "42"
        );

        let two = params(&[("user", "alice"), ("n", "7")]);
        let (user, n) = <(String, u8)>::deserialize(PathDeserializer::new(&two)).unwrap();
        assert_eq!((user.as_str(), n), ("alice", 7));

        #[derive(Deserialize)]
        struct P {
            n: i64,
            user: String,
        }
        let p = P::deserialize(PathDeserializer::new(&two)).unwrap();
        assert_eq!((p.n, p.user.as_str()), (7, "alice"));
    }

    #[test]
    fn bad_parameters_say_what_was_wrong() {
        let one = params(&[("id", "x1")]);
        let e = u32::deserialize(PathDeserializer::new(&one)).unwrap_err();
        assert_eq!(
            e.to_string(),
            "cannot parse \"x1\": invalid digit found in string"
        );
        let e = <(u32, u32)>::deserialize(PathDeserializer::new(&one)).unwrap_err();
        assert_eq!(e.to_string(), "expected 2 path parameters, the route has 1");
    }
}
