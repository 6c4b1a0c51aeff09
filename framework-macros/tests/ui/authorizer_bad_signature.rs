use goblet::prelude::*;

#[authorizer]
async fn no_request() -> Result<AuthResponse, Error> {
    Ok(AuthResponse::allow("alice"))
}

#[authorizer]
async fn no_return(req: AuthRequest) {
    let _ = req;
}

#[authorizer]
async fn two_arguments(req: AuthRequest, other: u32) -> Result<AuthResponse, Error> {
    let _ = other;
    Ok(AuthResponse::allow(req.token()))
}

#[authorizer]
unsafe fn generic<T>(req: AuthRequest) -> Result<AuthResponse, Error> {
    Ok(AuthResponse::allow(req.token()))
}

#[authorizer]
struct NotAFunction;

fn main() {}
