/// The app as `goblet::main!()` describes it.
#[derive(Debug, Clone, Copy)]
pub struct AppDef {
    /// The app's name: the package name unless `main!(app_name = "...")` says otherwise.
    pub name: &'static str,
}
