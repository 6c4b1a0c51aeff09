#[goblet::main]
async fn main() {
    let _ = goblet::App::new();
}
