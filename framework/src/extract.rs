//! Extractors: the types a handler takes as arguments.
//!
//! Every argument but the last is extracted from a borrowed request
//! ([`FromRequestParts`]); the last may consume it ([`FromRequest`]), which is
//! how a handler takes the whole [`Request`].

use std::collections::HashMap;
use std::ops::{Deref, DerefMut};

use bytes::Bytes;
use http::{HeaderMap, Method};
use serde::de::DeserializeOwned;

use crate::error::Error;
use crate::request::{Identity, Request, RequestContext};

/// Extracts a value from a borrowed request.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be extracted from a request",
    label = "not a goblet extractor",
    note = "handler arguments are extractors: Path<T>, Query<T>, Json<T>, String, Bytes, Vec<u8>, \
            HeaderMap, Method, Context, Identity, StageVariables, Option<extractor>, \
            or Request (as the last argument only)"
)]
pub trait FromRequestParts: Sized {
    fn from_request_parts(req: &Request) -> Result<Self, Error>;
}

/// Extracts a value from the request, possibly consuming it. `M` only keeps
/// the two families of implementations apart.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be extracted from a request",
    label = "not a goblet extractor",
    note = "handler arguments are extractors: Path<T>, Query<T>, Json<T>, String, Bytes, Vec<u8>, \
            HeaderMap, Method, Context, Identity, StageVariables, Option<extractor>, or Request"
)]
pub trait FromRequest<M>: Sized {
    fn from_request(req: Request) -> Result<Self, Error>;
}

#[doc(hidden)]
#[derive(Debug)]
pub enum ViaParts {}
#[doc(hidden)]
#[derive(Debug)]
pub enum ViaRequest {}

impl<T: FromRequestParts> FromRequest<ViaParts> for T {
    fn from_request(req: Request) -> Result<Self, Error> {
        T::from_request_parts(&req)
    }
}

impl FromRequest<ViaRequest> for Request {
    fn from_request(req: Request) -> Result<Self, Error> {
        Ok(req)
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

impl<T: DeserializeOwned> FromRequestParts for Path<T> {
    fn from_request_parts(req: &Request) -> Result<Self, Error> {
        T::deserialize(path_de::PathDeserializer::new(req.path_params()))
            .map(Path)
            .map_err(|e| Error::BadRequest(format!("Invalid path parameters: {e}")))
    }
}

impl<T: DeserializeOwned> FromRequestParts for Query<T> {
    fn from_request_parts(req: &Request) -> Result<Self, Error> {
        query_de::from_query(req.query_string())
            .map(Query)
            .map_err(|e| Error::BadRequest(format!("Invalid query string: {e}")))
    }
}

impl<T: DeserializeOwned> FromRequestParts for Json<T> {
    fn from_request_parts(req: &Request) -> Result<Self, Error> {
        if req.body().is_empty() {
            return Err(Error::BadRequest("Missing JSON body".into()));
        }
        serde_json::from_slice(req.body())
            .map(Json)
            .map_err(|e| Error::BadRequest(format!("Invalid JSON body: {e}")))
    }
}

impl FromRequestParts for Bytes {
    fn from_request_parts(req: &Request) -> Result<Self, Error> {
        Ok(req.body().clone())
    }
}

impl FromRequestParts for Vec<u8> {
    fn from_request_parts(req: &Request) -> Result<Self, Error> {
        Ok(req.body().to_vec())
    }
}

impl FromRequestParts for String {
    fn from_request_parts(req: &Request) -> Result<Self, Error> {
        String::from_utf8(req.body().to_vec())
            .map_err(|_| Error::BadRequest("The request body is not valid UTF-8".into()))
    }
}

impl FromRequestParts for HeaderMap {
    fn from_request_parts(req: &Request) -> Result<Self, Error> {
        Ok(req.headers().clone())
    }
}

impl FromRequestParts for Method {
    fn from_request_parts(req: &Request) -> Result<Self, Error> {
        Ok(req.method().clone())
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

impl FromRequestParts for Context {
    fn from_request_parts(req: &Request) -> Result<Self, Error> {
        Ok(Context(req.context().clone()))
    }
}

impl FromRequestParts for Identity {
    fn from_request_parts(req: &Request) -> Result<Self, Error> {
        Ok(req.identity().clone())
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

impl FromRequestParts for StageVariables {
    fn from_request_parts(req: &Request) -> Result<Self, Error> {
        Ok(StageVariables(req.context().stage_variables.clone()))
    }
}

/// `None` where the inner extractor fails (no body, no parameters, ...).
impl<T: FromRequestParts> FromRequestParts for Option<T> {
    fn from_request_parts(req: &Request) -> Result<Self, Error> {
        Ok(T::from_request_parts(req).ok())
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
