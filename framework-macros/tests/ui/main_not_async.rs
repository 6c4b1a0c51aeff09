// The app's init work (SDK clients, configuration) is async.
#[goblet::main]
fn main() -> goblet::App {
    goblet::App::new()
}
