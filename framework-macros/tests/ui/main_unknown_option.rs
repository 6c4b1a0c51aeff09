#[goblet::main(name = "orders", "payments")]
async fn main() -> goblet::App {
    goblet::App::new()
}
