//! The manifest (issue 2 owns loading, validation and resolution; see `model`).

pub mod model;
