use std::fmt;

/// An HTTP method as API Gateway names it in a method definition.
///
/// `Any` is API Gateway's catch-all: it serves every method that has no
/// definition of its own on the same resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Method {
    Delete,
    Get,
    Head,
    Options,
    Patch,
    Post,
    Put,
    Any,
}

impl Method {
    /// Every method a route may name, in the order error messages list them.
    pub const ALL: [Method; 8] = [
        Method::Get,
        Method::Head,
        Method::Post,
        Method::Put,
        Method::Patch,
        Method::Delete,
        Method::Options,
        Method::Any,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            Method::Delete => "DELETE",
            Method::Get => "GET",
            Method::Head => "HEAD",
            Method::Options => "OPTIONS",
            Method::Patch => "PATCH",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Any => "ANY",
        }
    }

    /// Parses a method name exactly as API Gateway spells it (upper case).
    pub fn parse(name: &str) -> Result<Method, ParseMethodError> {
        Method::ALL
            .into_iter()
            .find(|m| m.as_str() == name)
            .ok_or_else(|| ParseMethodError {
                found: name.to_owned(),
            })
    }

    /// Whether a request with method `request` is served by a definition for `self`.
    pub fn serves(self, request: &str) -> bool {
        self == Method::Any || self.as_str() == request
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Method {
    type Err = ParseMethodError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Method::parse(s)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseMethodError {
    pub found: String,
}

impl fmt::Display for ParseMethodError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown method `{}`; expected one of ", self.found)?;
        let names: Vec<_> = Method::ALL.iter().map(|m| m.as_str()).collect();
        f.write_str(&names.join(", "))
    }
}

impl std::error::Error for ParseMethodError {}

impl serde::Serialize for Method {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for Method {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Method::parse(&name).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_method_and_rejects_others() {
        for m in Method::ALL {
            assert_eq!(Method::parse(m.as_str()), Ok(m));
        }
        let err = Method::parse("get").unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown method `get`; expected one of GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS, ANY"
        );
    }

    #[test]
    fn any_serves_every_method() {
        assert!(Method::Any.serves("PATCH"));
        assert!(Method::Get.serves("GET"));
        assert!(!Method::Get.serves("POST"));
    }
}
