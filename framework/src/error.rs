use http::{HeaderValue, StatusCode, header};

use crate::response::{Body, IntoResponse, Response};

/// An error a handler returns, answered as JSON in the shape Chalice uses, so
/// existing clients keep working: `{"Code":"NotFoundError","Message":"..."}`.
///
/// Any `std::error::Error` converts into [`Error::Internal`] with `?`: the client
/// gets a 500 with a fixed message and the error itself goes to the log, never to
/// the client.
#[derive(Debug)]
pub enum Error {
    BadRequest(String),
    Unauthorized(String),
    Forbidden(String),
    NotFound(String),
    MethodNotAllowed(String),
    RequestTimeout(String),
    Conflict(String),
    UnsupportedMediaType(String),
    UnprocessableEntity(String),
    TooManyRequests(String),
    Internal(Box<dyn std::error::Error + Send + Sync + 'static>),
}

/// The message a client sees for any 500.
pub(crate) const INTERNAL_MESSAGE: &str = "An internal server error occurred.";

impl Error {
    pub fn status(&self) -> StatusCode {
        match self {
            Error::BadRequest(_) => StatusCode::BAD_REQUEST,
            Error::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Error::Forbidden(_) => StatusCode::FORBIDDEN,
            Error::NotFound(_) => StatusCode::NOT_FOUND,
            Error::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            Error::RequestTimeout(_) => StatusCode::REQUEST_TIMEOUT,
            Error::Conflict(_) => StatusCode::CONFLICT,
            Error::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Error::UnprocessableEntity(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Error::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            Error::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The `Code` field of the body.
    pub fn code(&self) -> &'static str {
        match self {
            Error::BadRequest(_) => "BadRequestError",
            Error::Unauthorized(_) => "UnauthorizedError",
            Error::Forbidden(_) => "ForbiddenError",
            Error::NotFound(_) => "NotFoundError",
            Error::MethodNotAllowed(_) => "MethodNotAllowedError",
            Error::RequestTimeout(_) => "RequestTimeoutError",
            Error::Conflict(_) => "ConflictError",
            Error::UnsupportedMediaType(_) => "UnsupportedMediaType",
            Error::UnprocessableEntity(_) => "UnprocessableEntityError",
            Error::TooManyRequests(_) => "TooManyRequestsError",
            Error::Internal(_) => "InternalServerError",
        }
    }

    /// The `Message` field of the body.
    pub fn message(&self) -> &str {
        match self {
            Error::BadRequest(m)
            | Error::Unauthorized(m)
            | Error::Forbidden(m)
            | Error::NotFound(m)
            | Error::MethodNotAllowed(m)
            | Error::RequestTimeout(m)
            | Error::Conflict(m)
            | Error::UnsupportedMediaType(m)
            | Error::UnprocessableEntity(m)
            | Error::TooManyRequests(m) => m,
            Error::Internal(_) => INTERNAL_MESSAGE,
        }
    }

    /// A 500 with a message for the log only.
    pub fn internal(message: impl Into<String>) -> Error {
        Error::Internal(message.into().into())
    }
}

impl<E: std::error::Error + Send + Sync + 'static> From<E> for Error {
    fn from(error: E) -> Self {
        Error::Internal(Box::new(error))
    }
}

/// The JSON body of an error response.
pub(crate) fn error_body(code: &str, message: &str) -> Vec<u8> {
    #[derive(serde::Serialize)]
    struct ErrorBody<'a> {
        #[serde(rename = "Code")]
        code: &'a str,
        #[serde(rename = "Message")]
        message: &'a str,
    }
    serde_json::to_vec(&ErrorBody { code, message }).expect("strings always serialize")
}

pub(crate) fn error_response(status: StatusCode, code: &str, message: &str) -> Response {
    let mut response = Response::new(Body::from(error_body(code, message)));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        if let Error::Internal(source) = &self {
            tracing::error!(error = %source, "handler failed");
        }
        error_response(self.status(), self.code(), self.message())
    }
}
