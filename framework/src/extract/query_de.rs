//! The query string, into whatever `Query<T>` asks for.
//!
//! Keys are grouped (first appearance order). A field that takes a sequence
//! (`Vec<T>`) gets every value of its key; any other field gets the last
//! one, the value API Gateway's single-value `queryStringParameters` and
//! Chalice's `query_params` keep. A top-level sequence (`Vec<(String,
//! String)>`) gets every pair as sent.

use std::borrow::Cow;
use std::collections::HashMap;

use serde::de::value::{MapDeserializer, SeqDeserializer};
use serde::de::{self, DeserializeOwned, Deserializer, IntoDeserializer, Visitor};
use serde::forward_to_deserialize_any;

use super::text_de::Value;

type E = de::value::Error;

/// Parses a form-encoded query string (without the `?`) into `T`.
pub(super) fn from_query<T: DeserializeOwned>(query: &str) -> Result<T, E> {
    let pairs: Vec<(Cow<'_, str>, Cow<'_, str>)> =
        form_urlencoded::parse(query.as_bytes()).collect();
    T::deserialize(QueryDeserializer { pairs: &pairs })
}

struct QueryDeserializer<'a> {
    pairs: &'a [(Cow<'a, str>, Cow<'a, str>)],
}

impl<'a> QueryDeserializer<'a> {
    /// Every key with all its values, keys in first-appearance order.
    fn grouped(&self) -> Vec<(&'a str, Vec<&'a str>)> {
        let mut groups: Vec<(&str, Vec<&str>)> = Vec::new();
        let mut index: HashMap<&str, usize> = HashMap::new();
        for (key, value) in self.pairs {
            match index.get(key.as_ref()) {
                Some(&at) => groups[at].1.push(value),
                None => {
                    index.insert(key, groups.len());
                    groups.push((key, vec![value]));
                }
            }
        }
        groups
    }
}

impl<'de> Deserializer<'de> for QueryDeserializer<'_> {
    type Error = E;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
        self.deserialize_map(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
        let groups = self.grouped();
        let mut map = MapDeserializer::new(
            groups
                .iter()
                .map(|(key, values)| (Value(key), Values(values))),
        );
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

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
        visit_each(self.pairs.iter().map(|(k, v)| Pair(k, v)), visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        visitor: V,
    ) -> Result<V::Value, E> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
        visitor.visit_some(self)
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
        visitor.visit_unit()
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        unit_struct tuple tuple_struct enum identifier ignored_any
    }
}

/// `visitor` over a sequence of `items`, all of which it must take.
fn visit_each<'de, I, V>(items: I, visitor: V) -> Result<V::Value, E>
where
    I: Iterator,
    I::Item: IntoDeserializer<'de, E>,
    V: Visitor<'de>,
{
    let mut seq = SeqDeserializer::new(items);
    let value = visitor.visit_seq(&mut seq)?;
    seq.end()?;
    Ok(value)
}

/// Every value of one key (at least one).
#[derive(Clone, Copy)]
struct Values<'a>(&'a [&'a str]);

impl<'a> Values<'a> {
    fn last(self) -> Value<'a> {
        Value(self.0.last().copied().unwrap_or_default())
    }
}

impl<'de> IntoDeserializer<'de, E> for Values<'_> {
    type Deserializer = Self;
    fn into_deserializer(self) -> Self {
        self
    }
}

macro_rules! last_value {
    ($($method:ident)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
            self.last().$method(visitor)
        }
    )*};
}

impl<'de> Deserializer<'de> for Values<'_> {
    type Error = E;

    /// Untyped targets (`serde_json::Value`) see one value as a string and
    /// several as a list.
    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
        match self.0 {
            [_] => self.last().deserialize_any(visitor),
            _ => self.deserialize_seq(visitor),
        }
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
        visit_each(self.0.iter().map(|v| Value(v)), visitor)
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, _: usize, visitor: V) -> Result<V::Value, E> {
        self.deserialize_seq(visitor)
    }

    /// `?q=` alone is no value.
    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
        if self.0.iter().all(|v| v.is_empty()) {
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
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
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, E> {
        self.last().deserialize_enum(name, variants, visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
        visitor.visit_unit()
    }

    last_value! {
        deserialize_bool deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64
        deserialize_i128 deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64
        deserialize_u128 deserialize_f32 deserialize_f64 deserialize_char deserialize_str
        deserialize_string deserialize_bytes deserialize_byte_buf deserialize_unit
        deserialize_identifier
    }

    forward_to_deserialize_any! {
        unit_struct tuple_struct map struct
    }
}

/// One `key=value` pair, for a top-level sequence of tuples.
struct Pair<'a>(&'a str, &'a str);

impl<'de> IntoDeserializer<'de, E> for Pair<'_> {
    type Deserializer = Self;
    fn into_deserializer(self) -> Self {
        self
    }
}

impl<'de> Deserializer<'de> for Pair<'_> {
    type Error = E;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
        visit_each([Value(self.0), Value(self.1)].into_iter(), visitor)
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map struct enum
        identifier ignored_any
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, HashMap};

    use serde::Deserialize;

    use super::from_query;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Search {
        q: String,
        #[serde(default)]
        tag: Vec<String>,
        page: Option<u32>,
        #[serde(default)]
        sort: Option<Order>,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(rename_all = "lowercase")]
    enum Order {
        Asc,
        Desc,
    }

    #[test]
    fn a_repeated_key_gives_its_last_value_to_a_single_valued_field() {
        let map: HashMap<String, String> = from_query("q=a&q=b&x=1").unwrap();
        assert_eq!(map["q"], "b");
        assert_eq!(map["x"], "1");
        let map: BTreeMap<String, u32> = from_query("n=1&n=2").unwrap();
        assert_eq!(map["n"], 2);
        let s: Search = from_query("q=a&tag=x&q=b+c&page=1&page=3&sort=asc&sort=desc").unwrap();
        assert_eq!(
            s,
            Search {
                q: "b c".into(),
                tag: vec!["x".into()],
                page: Some(3),
                sort: Some(Order::Desc),
            }
        );
    }

    #[test]
    fn vec_fields_get_every_value_in_order() {
        let s: Search = from_query("tag=b&q=%C3%A9&tag=a&tag=b").unwrap();
        assert_eq!(s.tag, ["b", "a", "b"]);
        assert_eq!(s.q, "é");
        let map: HashMap<String, Vec<String>> = from_query("a=1&b=2&a=3").unwrap();
        assert_eq!(map["a"], ["1", "3"]);
        assert_eq!(map["b"], ["2"]);
        let pairs: Vec<(String, String)> = from_query("b=2&a=1&b=3").unwrap();
        assert_eq!(
            pairs,
            [("b", "2"), ("a", "1"), ("b", "3")].map(|(k, v)| (k.to_owned(), v.to_owned()))
        );
        let any: HashMap<String, serde_json::Value> = from_query("a=1&a=2&b=x").unwrap();
        assert_eq!(any["a"], serde_json::json!(["1", "2"]));
        assert_eq!(any["b"], serde_json::json!("x"));
    }

    #[test]
    fn empty_values_and_bad_values() {
        let s: Search = from_query("q=&page=").unwrap();
        assert_eq!((s.q.as_str(), s.page), ("", None));
        let e = from_query::<Search>("page=2").unwrap_err();
        assert_eq!(e.to_string(), "missing field `q`");
        let e = from_query::<Search>("q=a&page=x").unwrap_err();
        assert!(e.to_string().contains("cannot parse \"x\""), "{e}");
        let empty: HashMap<String, String> = from_query("").unwrap();
        assert!(empty.is_empty());
    }
}
