#[goblet::main]
async fn main<T>(region: String) -> goblet::App {
    let _ = region;
    goblet::App::new()
}
