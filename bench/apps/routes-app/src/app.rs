//! The generated routes.
use goblet::prelude::*;

include!(concat!(env!("OUT_DIR"), "/routes.rs"));
