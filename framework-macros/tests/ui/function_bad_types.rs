use goblet::prelude::*;

struct NotAnEvent;

#[lambda_function]
async fn one(_: NotAnEvent) -> Result<(), Error> {
    Ok(())
}

#[lambda_function]
async fn two(_: Json<Value>) -> u32 {
    7
}

struct NotSerializable;

#[lambda_function]
async fn three(_: Json<Value>) -> Result<NotSerializable, Error> {
    Ok(NotSerializable)
}

fn main() {}
