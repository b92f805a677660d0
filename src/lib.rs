//! backendctl: one manifest for a backend's whole lifecycle.

pub mod cli;
pub mod manifest;
pub mod migrate;
