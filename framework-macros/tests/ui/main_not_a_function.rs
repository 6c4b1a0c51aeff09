#[goblet::main]
struct App;
