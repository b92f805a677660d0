//! The `project` node: a backend project scaffolded from a built-in stack.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A project to scaffold: `project "shop-api" { stack "express-typescript"; path "services/shop-api" }`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Project {
    /// The template stack to render.
    pub stack: Stack,
    /// Target directory, relative to the manifest.
    pub path: String,
    /// The database the project's migrations and integration tests use, by name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database: Option<String>,
    /// Optional features to include: `features "auth" "docker"`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub features: Vec<Feature>,
    /// Nodes that must be applied before this one, by address.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub after: Vec<String>,
}

/// A built-in project stack.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Stack {
    /// Express 5 with TypeScript.
    ExpressTypescript,
    /// Fastify with TypeScript.
    FastifyTypescript,
    /// NestJS.
    Nestjs,
    /// Apollo Server (GraphQL).
    ApolloGraphql,
}

/// An optional project feature.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Feature {
    /// Registration, login, refresh-token rotation and role-based authorization.
    Auth,
    /// A multi-stage Dockerfile and docker-compose with PostgreSQL and Redis.
    Docker,
    /// A GitHub Actions CI workflow.
    GithubActions,
    /// Request rate limiting.
    RateLimit,
    /// OpenAPI documentation.
    Openapi,
}
