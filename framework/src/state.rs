//! The app's shared state: values registered once with [`App::state`](crate::App::state),
//! at cold start, and handed to every request that asks for them with [`State<T>`].

use std::any::{Any, TypeId, type_name};
use std::fmt;
use std::ops::{Deref, DerefMut};
use std::sync::Arc;

/// Extracts a value registered with [`App::state`](crate::App::state), by its
/// type. The value is cloned for each request, so register something cheap to
/// clone: an SDK client (they are `Arc`s inside), an `Arc<T>`, a small config.
///
/// ```
/// use goblet::prelude::*;
///
/// #[derive(Clone)]
/// struct Greeting(&'static str);
///
/// #[route("/hello/{name}")]
/// fn hello(State(greeting): State<Greeting>, Path(name): Path<String>) -> String {
///     format!("{}, {name}!", greeting.0)
/// }
///
/// let app = goblet::App::new().state(Greeting("Hello"));
/// # let _ = app;
/// ```
///
/// A route that takes a `State<T>` nobody registered stops the function at
/// start-up (an init error, before the first event), and
/// [`Client::from_app`](crate::testing::Client::from_app) panics with the same
/// message. `Option<State<T>>` is `None` instead.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct State<T>(pub T);

impl<T> Deref for State<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> DerefMut for State<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.0
    }
}

/// The state types a handler's extractors read, collected from each route at
/// start-up and checked against what the app registered.
#[derive(Debug, Default)]
pub struct StateNeeds {
    needs: Vec<StateType>,
}

impl StateNeeds {
    /// Records that the extractor reads a state of type `T`: see
    /// [`FromRequestParts::state_needs`](crate::extract::FromRequestParts::state_needs)
    /// for an extractor that does.
    ///
    /// ```
    /// let mut needs = goblet::extract::StateNeeds::default();
    /// needs.state::<String>();
    /// needs.state::<String>(); // once is enough
    /// assert_eq!(format!("{needs:?}").matches("String").count(), 1);
    /// ```
    pub fn state<T: 'static>(&mut self) {
        let needed = StateType::of::<T>();
        if !self.needs.contains(&needed) {
            self.needs.push(needed);
        }
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &StateType> {
        self.needs.iter()
    }
}

/// The state needs of a handler argument's type, for generated code: the
/// argument's extractor trait when it has one, nothing otherwise (a type that
/// is no extractor is reported once, where it is extracted). Resolved by
/// method probing from `&&NeedsOf<T>`: parts extractors first, then
/// consuming ones, then the no-op.
#[doc(hidden)]
pub mod needs_of {
    use std::marker::PhantomData;

    use super::StateNeeds;
    use crate::extract::{FromRequest, FromRequestParts};

    pub struct NeedsOf<T>(PhantomData<T>);

    impl<T> NeedsOf<T> {
        #[allow(clippy::new_without_default)]
        pub fn new() -> Self {
            NeedsOf(PhantomData)
        }
    }

    pub trait ViaParts {
        fn state_needs(&self, needs: &mut StateNeeds);
    }
    impl<T: FromRequestParts> ViaParts for &&NeedsOf<T> {
        fn state_needs(&self, needs: &mut StateNeeds) {
            T::state_needs(needs)
        }
    }

    pub trait ViaRequest {
        fn state_needs(&self, needs: &mut StateNeeds);
    }
    impl<T: FromRequest> ViaRequest for &NeedsOf<T> {
        fn state_needs(&self, needs: &mut StateNeeds) {
            T::state_needs(needs)
        }
    }

    pub trait Nothing {
        fn state_needs(&self, needs: &mut StateNeeds);
    }
    impl<T> Nothing for NeedsOf<T> {
        fn state_needs(&self, _: &mut StateNeeds) {}
    }
}

/// A state's type, with its name for messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct StateType {
    pub(crate) id: TypeId,
    pub(crate) name: &'static str,
}

impl StateType {
    pub(crate) fn of<T: 'static>() -> StateType {
        StateType {
            id: TypeId::of::<T>(),
            name: type_name::<T>(),
        }
    }
}

impl fmt::Display for StateType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name)
    }
}

/// Every registered state, shared by all requests. Apps register a handful of
/// types, so a list searched by `TypeId` beats a hash map.
#[derive(Clone, Default)]
pub(crate) struct AppState {
    values: Arc<[(TypeId, Box<dyn Any + Send + Sync>)]>,
}

impl fmt::Debug for AppState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AppState")
            .field("types", &self.values.len())
            .finish()
    }
}

impl AppState {
    pub(crate) fn new(values: Vec<(TypeId, Box<dyn Any + Send + Sync>)>) -> AppState {
        AppState {
            values: values.into(),
        }
    }

    pub(crate) fn get<T: 'static>(&self) -> Option<&T> {
        let id = TypeId::of::<T>();
        self.values
            .iter()
            .find(|(t, _)| *t == id)
            .and_then(|(_, value)| value.downcast_ref())
    }

    pub(crate) fn contains(&self, ty: &StateType) -> bool {
        self.values.iter().any(|(t, _)| *t == ty.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_found_by_type() {
        let state = AppState::new(vec![
            (TypeId::of::<u32>(), Box::new(7_u32)),
            (TypeId::of::<String>(), Box::new("table".to_owned())),
        ]);
        assert_eq!(state.get::<u32>(), Some(&7));
        assert_eq!(state.get::<String>().map(String::as_str), Some("table"));
        assert_eq!(state.get::<u64>(), None);
        assert!(state.contains(&StateType::of::<u32>()));
        assert!(!state.contains(&StateType::of::<u64>()));
    }

    #[test]
    fn needs_are_listed_once() {
        let mut needs = StateNeeds::default();
        needs.state::<u32>();
        needs.state::<u32>();
        needs.state::<String>();
        let names: Vec<_> = needs.iter().map(|t| t.name).collect();
        assert_eq!(names, ["u32", "alloc::string::String"]);
    }
}
