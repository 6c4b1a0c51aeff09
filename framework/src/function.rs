//! Event handlers and plain functions: `#[schedule]`, `#[on_sqs_message]`,
//! ... and `#[lambda_function]` register a [`FunctionDef`]; a Lambda
//! function whose `Handler` (`_HANDLER`) is its name serves it, event after
//! event: the payload goes through the handler's extractors, what it returns
//! is serialized as the invocation's result, and an error is the
//! invocation's function error.

use std::future::Future;
use std::pin::Pin;

use bytes::Bytes;
use lambda_runtime::Diagnostic;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::Error;
use crate::extract::Json;
use crate::state::{AppState, State, StateNeeds};

/// Lambda's context of the invocation, an event handler's argument:
/// `request_id`, `deadline`, `invoked_function_arn`, `xray_trace_id`, the
/// function's `env_config` (name, memory, version), through `Deref`.
#[derive(Debug, Clone, Default)]
pub struct LambdaContext(pub lambda_runtime::Context);

impl std::ops::Deref for LambdaContext {
    type Target = lambda_runtime::Context;
    fn deref(&self) -> &lambda_runtime::Context {
        &self.0
    }
}

/// The future a function's generated wrapper returns.
pub type FunctionFuture = Pin<Box<dyn Future<Output = Result<Vec<u8>, Diagnostic>> + 'static>>;

/// One event handler or plain function, as its macro registers it; the same
/// facts go into the binary's manifest record.
#[derive(Debug)]
pub struct FunctionDef {
    /// The `Handler` that selects it.
    pub name: &'static str,
    /// `#[on_sqs_message]`, ...: for messages.
    pub attribute: &'static str,
    /// `module::path::to::handler`.
    pub handler_path: &'static str,
    pub file: &'static str,
    pub line: u32,
    pub handler: fn(Invocation) -> FunctionFuture,
    /// Registers the state types the handler's extractors read.
    pub state_needs: fn(&mut StateNeeds),
}

inventory::collect!(FunctionDef);

/// Every function registered in this binary, in no particular order.
pub(crate) fn registered() -> impl Iterator<Item = &'static FunctionDef> {
    inventory::iter::<FunctionDef>.into_iter()
}

/// Boxes a function's future; keeps generated code short.
pub fn function_boxed<F>(future: F) -> FunctionFuture
where
    F: Future<Output = Result<Vec<u8>, Diagnostic>> + 'static,
{
    Box::pin(future)
}

/// One invocation, as a function's extractors see it.
#[derive(Debug)]
pub struct Invocation {
    payload: Bytes,
    context: lambda_runtime::Context,
    state: AppState,
}

impl Invocation {
    pub(crate) fn new(
        payload: Bytes,
        context: lambda_runtime::Context,
        state: AppState,
    ) -> Invocation {
        Invocation {
            payload,
            context,
            state,
        }
    }

    /// The event, as the invoker sent it.
    pub fn payload(&self) -> &[u8] {
        &self.payload
    }
}

/// What a function's argument is extracted from: the event (any
/// `Deserialize` type, such as `SqsEvent`, or `Json<T>`), Lambda's
/// context ([`LambdaContext`]) or the app's state (`State<T>`).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be an argument of an event handler",
    label = "not an event, `Json<T>`, `LambdaContext` or `State<T>`",
    note = "an event handler's arguments are the event (a `Deserialize` type such as `SqsEvent`, \
            or `Json<T>`), `LambdaContext` and `State<T>`"
)]
pub trait FromInvocation: Sized {
    fn from_invocation(invocation: &Invocation) -> Result<Self, Diagnostic>;

    /// The state types this extractor reads, checked at start-up.
    fn state_needs(_: &mut StateNeeds) {}
}

impl<T: DeserializeOwned> FromInvocation for T {
    fn from_invocation(invocation: &Invocation) -> Result<Self, Diagnostic> {
        let mut de = serde_json::Deserializer::from_slice(&invocation.payload);
        let value = serde_path_to_error::deserialize(&mut de)
            .map_err(|e| unmarshal_error::<T>(&e.path().to_string(), e.inner()))?;
        de.end().map_err(|e| unmarshal_error::<T>(".", &e))?;
        Ok(value)
    }
}

impl<T: DeserializeOwned> FromInvocation for Json<T> {
    fn from_invocation(invocation: &Invocation) -> Result<Self, Diagnostic> {
        T::from_invocation(invocation).map(Json)
    }
}

impl FromInvocation for LambdaContext {
    fn from_invocation(invocation: &Invocation) -> Result<Self, Diagnostic> {
        Ok(LambdaContext(invocation.context.clone()))
    }
}

impl<T: Clone + Send + Sync + 'static> FromInvocation for State<T> {
    fn from_invocation(invocation: &Invocation) -> Result<Self, Diagnostic> {
        // Checked at start-up: a missing state never reaches an event.
        invocation
            .state
            .get::<T>()
            .cloned()
            .map(State)
            .ok_or_else(|| Diagnostic {
                error_type: "goblet.MissingState".to_owned(),
                error_message: format!("no {} was registered", std::any::type_name::<T>()),
            })
    }

    fn state_needs(needs: &mut StateNeeds) {
        needs.state::<T>();
    }
}

fn unmarshal_error<T>(path: &str, error: &serde_json::Error) -> Diagnostic {
    let at = if path == "." {
        String::new()
    } else {
        format!(" at `{path}`")
    };
    Diagnostic {
        error_type: "Runtime.UnmarshalError".to_owned(),
        error_message: format!(
            "the event is not a {}{at}: {}",
            short_type_name(std::any::type_name::<T>()),
            error
        ),
    }
}

/// `aws_lambda_events::event::sqs::SqsEvent` → `SqsEvent`, generics kept short too.
fn short_type_name(name: &str) -> String {
    let mut out = String::new();
    let mut word = String::new();
    for c in name.chars() {
        if c.is_alphanumeric() || c == '_' || c == ':' {
            word.push(c);
        } else {
            out.push_str(word.rsplit("::").next().unwrap_or(&word));
            word.clear();
            out.push(c);
        }
    }
    out.push_str(word.rsplit("::").next().unwrap_or(&word));
    out
}

/// What an event handler may return: `Result<T, E>` for any `T: Serialize`
/// (the invocation's result) and `E` that converts into [`Error`] (its
/// function error), `Json<T>`, or `()` (the result `null`).
#[diagnostic::on_unimplemented(
    message = "an event handler returns `Result<T, Error>` with `T: Serialize`, `Json<T>` or `()`, not `{Self}`",
    label = "this handler's return type"
)]
pub trait IntoFunctionResult {
    fn into_function_result(self) -> Result<Vec<u8>, Diagnostic>;
}

impl IntoFunctionResult for () {
    fn into_function_result(self) -> Result<Vec<u8>, Diagnostic> {
        Ok(b"null".to_vec())
    }
}

impl<T: Serialize> IntoFunctionResult for Json<T> {
    fn into_function_result(self) -> Result<Vec<u8>, Diagnostic> {
        serialize(&self.0)
    }
}

impl<T: Serialize, E: Into<Error>> IntoFunctionResult for Result<T, E> {
    fn into_function_result(self) -> Result<Vec<u8>, Diagnostic> {
        match self {
            Ok(value) => serialize(&value),
            Err(error) => Err(function_error(error.into())),
        }
    }
}

fn serialize<T: Serialize>(value: &T) -> Result<Vec<u8>, Diagnostic> {
    serde_json::to_vec(value).map_err(|e| Diagnostic {
        error_type: "Runtime.MarshalError".to_owned(),
        error_message: format!("goblet: cannot serialize the handler's result: {e}"),
    })
}

/// A handler's error as Lambda reports it to the invoker: unlike an HTTP
/// route's 500, the message is the error's own (the invoker is the
/// function's owner: an event source, or `aws lambda invoke`).
fn function_error(error: Error) -> Diagnostic {
    let message = match &error {
        Error::Internal(source) => source.to_string(),
        other => other.message().to_owned(),
    };
    Diagnostic {
        error_type: error.code().to_owned(),
        error_message: message,
    }
}

/// The app's functions, by name, with the state their handlers share.
#[derive(Debug)]
pub(crate) struct Functions {
    defs: Vec<&'static FunctionDef>,
    state: AppState,
}

impl Functions {
    /// Every function named once, every state it takes registered.
    pub(crate) fn new(
        defs: impl IntoIterator<Item = &'static FunctionDef>,
        state: AppState,
    ) -> Result<Functions, String> {
        let mut defs: Vec<&'static FunctionDef> = defs.into_iter().collect();
        defs.sort_by_key(|d| (d.name, d.file, d.line));
        for pair in defs.windows(2) {
            if pair[0].name == pair[1].name {
                return Err(format!(
                    "the function `{}` is declared twice: at {}:{} and at {}:{}",
                    pair[0].name, pair[0].file, pair[0].line, pair[1].file, pair[1].line
                ));
            }
        }
        let mut missing = Vec::new();
        for def in &defs {
            let mut needs = StateNeeds::default();
            (def.state_needs)(&mut needs);
            for needed in needs.iter().filter(|n| !state.contains(n)) {
                missing.push(format!(
                    "the function `{}` ({}) takes State<{needed}>, but no {needed} was registered: \
                     add `.state(value)` to the App your #[goblet::main] returns",
                    def.name, def.handler_path
                ));
            }
        }
        if !missing.is_empty() {
            return Err(missing.join("; "));
        }
        Ok(Functions { defs, state })
    }

    pub(crate) fn get(&self, name: &str) -> Option<&'static FunctionDef> {
        self.defs.iter().find(|d| d.name == name).copied()
    }

    pub(crate) fn names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.defs.iter().map(|d| d.name)
    }

    pub(crate) fn len(&self) -> usize {
        self.defs.len()
    }

    /// Runs `def` on one event.
    pub(crate) async fn call(
        &self,
        def: &FunctionDef,
        payload: Bytes,
        context: lambda_runtime::Context,
    ) -> Result<Vec<u8>, Diagnostic> {
        (def.handler)(Invocation::new(payload, context, self.state.clone())).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_names_are_shortened() {
        assert_eq!(
            short_type_name("aws_lambda_events::event::sqs::SqsEvent"),
            "SqsEvent"
        );
        assert_eq!(
            short_type_name("goblet::extract::Json<shop::ResizeJob>"),
            "Json<ResizeJob>"
        );
        assert_eq!(short_type_name("alloc::vec::Vec<u32>"), "Vec<u32>");
    }

    #[test]
    fn errors_keep_their_message_for_the_invoker() {
        let d = function_error(Error::internal("the queue is gone"));
        assert_eq!(d.error_type, "InternalServerError");
        assert_eq!(d.error_message, "the queue is gone");
        let d = function_error(Error::BadRequest("no such order".into()));
        assert_eq!(d.error_type, "BadRequestError");
        assert_eq!(d.error_message, "no such order");
    }
}
