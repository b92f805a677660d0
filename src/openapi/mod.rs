//! OpenAPI 3.0 and 3.1 documents: what a scenario's responses are checked against under load
//! (`openapi "openapi.yaml"` in a scenario, docs/load.md "Contract checks"), and what
//! `backendctl init --from-openapi` writes a starter scenario from.
//!
//! A document is read once ([`document`]): its operations with their path templates
//! ([`path_template`]) and declared responses, its schemas rewritten into the JSON Schema the
//! validator understands ([`schema_dialect`]: 3.0's `nullable`), and a registry holding the
//! whole document so `$ref`s into `components` resolve. [`response_check`] judges one response,
//! reading its body into a [`json_tape`] (borrowed, one allocation) rather than a
//! `serde_json::Value`; each schema's validator is compiled the first time a response needs it
//! and shared after.
//! [`starter_scenario`] writes the manifest of `init --from-openapi`.
//! This module sits below the manifest, the load engine and the commands, and imports none of
//! them.

pub(crate) mod document;
pub(crate) mod json_tape;
pub(crate) mod path_template;
pub(crate) mod response_check;
pub(crate) mod schema_dialect;
pub(crate) mod starter_scenario;

pub use document::{DocumentError, ReadError};
