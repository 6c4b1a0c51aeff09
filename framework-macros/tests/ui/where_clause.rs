use goblet::route;

#[route("/")]
fn index() -> &'static str
where
    u8: Copy,
{
    "hi"
}

fn main() {}
