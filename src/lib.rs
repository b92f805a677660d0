//! backendctl: one manifest for a backend's whole lifecycle.

pub(crate) mod load;
pub(crate) mod report;
pub(crate) mod mock;
