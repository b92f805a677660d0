//! The typed manifest: what `backend.kdl` means once it has been lowered, overlaid, validated and
//! interpolated.
//!
//! These types are the single source of truth for the manifest language: the JSON Schema that
//! validates a manifest (`backendctl schema`, `schemas/backend.schema.json`) is generated from them
//! with schemars, and doc comments become the schema's descriptions. Each node kind lives in its own
//! file and is deepened by the capability that owns it.
//!
//! Conventions the lowering relies on (see `docs/manifest.md`):
//! - a field whose schema is a map (`BTreeMap<String, T>`) is a labelled block: `database "main" { }`;
//! - a field whose schema is an array collects every node of that name, even a single one;
//! - `x-kdl-args` names the positional arguments of a node (`stage "30s" target=50`).

pub mod database;
pub mod duration;
pub mod migrations;
pub mod mock;
pub mod project;
pub mod scenario;
pub mod service;

pub use database::Database;
pub use duration::Duration;
pub use migrations::Migrations;
pub use mock::{Mock, MockRoute};
pub use project::{Feature, Project, Stack};
pub use scenario::{Expect, Header, Request, Scenario, Stage, Stages, Thresholds};
pub use service::{Readiness, Service};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A `backend.kdl` manifest: the project to scaffold, its databases and migration sets, the
/// services to start and the load scenarios to run, in one dependency graph.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
#[schemars(title = "backend.kdl")]
pub struct Manifest {
    /// The manifest header: `backend version=1`.
    pub backend: Backend,
    /// Projects to scaffold from a built-in stack: `project "shop-api" { stack "express-typescript" }`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub project: BTreeMap<String, Project>,
    /// Databases, by name: `database "main" { url "sqlite://var/shop.db" }`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub database: BTreeMap<String, Database>,
    /// Migration sets, each a directory of SQL migrations applied to one database.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub migrations: BTreeMap<String, Migrations>,
    /// Long-running processes started during `apply` and stopped when it ends.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub service: BTreeMap<String, Service>,
    /// HTTP load scenarios with ramp stages and pass/fail thresholds.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub scenario: BTreeMap<String, Scenario>,
    /// Mock HTTP targets, served during `apply` or by `backendctl mock`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub mock: BTreeMap<String, Mock>,
}

/// The manifest header.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Backend {
    /// Manifest format version. Only `1` exists.
    #[schemars(range(min = 1, max = 1))]
    pub version: u32,
}
