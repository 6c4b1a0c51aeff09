#[goblet::main]
async fn main() -> Result<u32, goblet::BoxError> {
    Ok(7)
}
