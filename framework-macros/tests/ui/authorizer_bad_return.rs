use goblet::prelude::*;

#[authorizer]
async fn tokens(req: AuthRequest) -> Result<String, Error> {
    Ok(req.token().to_owned())
}

#[authorizer]
fn wrong_argument(req: String) -> Result<AuthResponse, Error> {
    Ok(AuthResponse::allow(req))
}

fn main() {}
