use goblet::prelude::*;

#[schedule("rate(5 minute)")]
async fn one(_: ScheduledEvent) -> Result<(), Error> {
    Ok(())
}

#[schedule("cron(0 12 * * * *)")]
async fn two(_: ScheduledEvent) -> Result<(), Error> {
    Ok(())
}

#[schedule]
async fn three(_: ScheduledEvent) -> Result<(), Error> {
    Ok(())
}

#[schedule(every = "5 minutes")]
async fn four(_: ScheduledEvent) -> Result<(), Error> {
    Ok(())
}

#[schedule("cron(61 * * * ? *)", name = "bootstrap")]
async fn five(_: ScheduledEvent) -> Result<(), Error> {
    Ok(())
}

fn main() {}
