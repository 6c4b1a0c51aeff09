//! An app of generated routes (see build.rs); its binary is `routes-app`.
mod app;
goblet::app!();
