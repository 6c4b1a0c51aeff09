//! Every goblet feature in one app; the end-to-end tests run its release binary.
mod app;
goblet::app!();
