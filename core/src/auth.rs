use std::fmt;

/// How API Gateway authorizes calls to a method, in API Gateway's own words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuthorizationType {
    /// `NONE`: anyone may call.
    None,
    /// `AWS_IAM`: the caller signs with Signature Version 4 as an IAM principal.
    AwsIam,
    /// `CUSTOM`: a Lambda authorizer decides (`#[route(authorizer = "...")]`).
    Custom,
    /// `COGNITO_USER_POOLS`: a token of a Cognito user pool named in the
    /// app's configuration (`#[route(authorizer = "...")]` naming it).
    CognitoUserPools,
}

impl AuthorizationType {
    /// The words a `#[route(auth = "...")]` option accepts.
    pub const ROUTE_WORDS: [&'static str; 2] = ["none", "iam"];

    /// API Gateway's name for it (`authorizationType` of a method).
    pub const fn as_str(self) -> &'static str {
        match self {
            AuthorizationType::None => "NONE",
            AuthorizationType::AwsIam => "AWS_IAM",
            AuthorizationType::Custom => "CUSTOM",
            AuthorizationType::CognitoUserPools => "COGNITO_USER_POOLS",
        }
    }

    /// Parses the word used in `#[route(auth = "...")]`.
    pub fn from_route_word(word: &str) -> Result<Self, ParseAuthError> {
        match word {
            "none" => Ok(AuthorizationType::None),
            "iam" => Ok(AuthorizationType::AwsIam),
            other => Err(ParseAuthError {
                found: other.to_owned(),
            }),
        }
    }

    /// Parses API Gateway's name (`NONE`, `AWS_IAM`, `CUSTOM`, `COGNITO_USER_POOLS`).
    pub fn from_api_gateway(name: &str) -> Option<Self> {
        match name {
            "NONE" => Some(AuthorizationType::None),
            "AWS_IAM" => Some(AuthorizationType::AwsIam),
            "CUSTOM" => Some(AuthorizationType::Custom),
            "COGNITO_USER_POOLS" => Some(AuthorizationType::CognitoUserPools),
            _ => None,
        }
    }
}

impl fmt::Display for AuthorizationType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for AuthorizationType {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for AuthorizationType {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        AuthorizationType::from_api_gateway(&name).ok_or_else(|| {
            serde::de::Error::custom(format_args!(
                "unknown authorization type `{name}`; this goblet knows NONE, AWS_IAM, CUSTOM and COGNITO_USER_POOLS"
            ))
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseAuthError {
    pub found: String,
}

impl fmt::Display for ParseAuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown auth `{}`; expected \"none\" or \"iam\"",
            self.found
        )
    }
}

impl std::error::Error for ParseAuthError {}
