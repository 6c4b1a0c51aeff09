use goblet::prelude::*;

#[on_sqs_message(queue = "jobs")]
async fn one(event: &SqsEvent) -> Result<(), Error> {
    let _ = event;
    Ok(())
}

#[lambda_function]
async fn two<T: serde::de::DeserializeOwned>(_: Json<T>) -> Result<(), Error> {
    Ok(())
}

#[lambda_function]
unsafe fn three(_: Json<Value>) {}

#[lambda_function]
struct Four;

#[lambda_function]
async fn bootstrap(_: Json<Value>) -> Result<(), Error> {
    Ok(())
}

fn main() {}
