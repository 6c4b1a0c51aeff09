use goblet::prelude::*;

#[authorizer(kind = "jwt", ttl = 4000, colour = "red")]
async fn one(req: AuthRequest) -> Result<AuthResponse, Error> {
    Ok(AuthResponse::allow(req.token()))
}

#[authorizer(kind = "request", header = "Authorization")]
async fn two(req: AuthRequest) -> Result<AuthResponse, Error> {
    Ok(AuthResponse::allow(req.token()))
}

#[authorizer(identity_sources = ["method.request.header.Authorization"])]
async fn three(req: AuthRequest) -> Result<AuthResponse, Error> {
    Ok(AuthResponse::allow(req.token()))
}

#[authorizer(kind = "request", identity_sources = ["header.Authorization", "method.request.querystring.t", "method.request.querystring.t"])]
async fn four(req: AuthRequest) -> Result<AuthResponse, Error> {
    Ok(AuthResponse::allow(req.token()))
}

#[authorizer(kind = "request")]
async fn five(req: AuthRequest) -> Result<AuthResponse, Error> {
    Ok(AuthResponse::allow(req.token()))
}

#[authorizer(header = "Bad Header", ttl = "300", name = "no spaces")]
async fn six(req: AuthRequest) -> Result<AuthResponse, Error> {
    Ok(AuthResponse::allow(req.token()))
}

#[authorizer("Authorization", ttl = 1, ttl = 2)]
async fn seven(req: AuthRequest) -> Result<AuthResponse, Error> {
    Ok(AuthResponse::allow(req.token()))
}

fn main() {}
