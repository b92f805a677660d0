//! The `project` node: a generated backend that backendctl scaffolds and keeps up to date.
//!
//! ```kdl
//! project "shop-api" {
//!     stack "express-typescript"
//!     path "services/shop-api"
//!     database "main"
//!     features "auth" "database" "docker"
//!     data-layer "prisma"
//!     database-engine "mysql"
//! }
//! ```
//!
//! The node's label is the project's name (an npm package name). Without `features` the full
//! feature set is generated; `minimal #true` turns every optional feature off.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A backend project generated from one of backendctl's embedded templates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Project {
    /// The template stack to generate.
    pub stack: Stack,
    /// Where the project lives, relative to the manifest's directory; it must stay inside it.
    pub path: String,
    /// The `database` node the project uses, by name: it orders the plan; the generated project
    /// reads the URL from `DATABASE_URL` (pass `{{ database.NAME.url }}` to its `service`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database: Option<String>,
    /// The optional features to generate. Without this list every feature is generated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub features: Option<Vec<Feature>>,
    /// How the generated repositories reach the database (with the `database` feature): Kysely
    /// by default on a SQL engine, the official driver on MongoDB. TypeScript stacks only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_layer: Option<DataLayer>,
    /// The database the generated project is written for (with the `database` feature);
    /// PostgreSQL by default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database_engine: Option<DatabaseEngine>,
    /// Generate none of the optional features (overrides `features`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub minimal: bool,
    /// Scaffold into an existing non-empty directory that backendctl did not create.
    /// Files that already exist and differ are merged with conflict markers, never overwritten.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub force: bool,
    /// Install the dependencies after writing, whenever they changed or nothing is installed, so
    /// a `service` can start the project right away: `npm install --strict-allow-scripts` when
    /// `package.json` changed or `node_modules` is missing; `uv sync --locked` (Python stacks)
    /// when `pyproject.toml` or `uv.lock` changed or `.venv` is missing.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub install: bool,
    /// Nodes that must be applied before this one, by address.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub after: Vec<String>,
}

/// A template stack.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    JsonSchema,
    clap::ValueEnum,
)]
#[serde(rename_all = "kebab-case")]
pub enum Stack {
    /// Express 5 REST API in TypeScript.
    ExpressTypescript,
    /// Fastify 5 REST API in TypeScript.
    FastifyTypescript,
    /// NestJS 12 REST API.
    Nestjs,
    /// Apollo Server 5 GraphQL API (on Express) with DataLoader batching.
    ApolloGraphql,
    /// FastAPI REST API in Python: async end to end (SQLAlchemy 2 on asyncpg), pydantic v2,
    /// managed with uv.
    Fastapi,
}

impl Stack {
    /// Every stack, in a stable order.
    pub const ALL: [Stack; 5] = [
        Stack::ExpressTypescript,
        Stack::FastifyTypescript,
        Stack::Nestjs,
        Stack::ApolloGraphql,
        Stack::Fastapi,
    ];

    /// The stack's name as written in a manifest and in `templates/<name>/`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Stack::ExpressTypescript => "express-typescript",
            Stack::FastifyTypescript => "fastify-typescript",
            Stack::Nestjs => "nestjs",
            Stack::ApolloGraphql => "apollo-graphql",
            Stack::Fastapi => "fastapi",
        }
    }

    /// The language the stack's projects are written in, which decides their tooling.
    #[must_use]
    pub fn language(self) -> Language {
        match self {
            Stack::ExpressTypescript
            | Stack::FastifyTypescript
            | Stack::Nestjs
            | Stack::ApolloGraphql => Language::Typescript,
            Stack::Fastapi => Language::Python,
        }
    }
}

/// The language of a stack: TypeScript projects install with npm, Python projects with uv.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    /// npm, `package.json`, `node_modules`.
    Typescript,
    /// uv, `pyproject.toml` and `uv.lock`, `.venv`.
    Python,
}

impl std::fmt::Display for Stack {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An optional feature of a generated project.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    JsonSchema,
    clap::ValueEnum,
)]
#[serde(rename_all = "kebab-case")]
pub enum Feature {
    /// Register, login, refresh-token rotation, logout, `me`, roles, password reset.
    Auth,
    /// Database repositories and migrations in backendctl's format: on the `database-engine`
    /// (PostgreSQL by default) through the `data-layer` (Kysely by default; SQLAlchemy 2 on
    /// asyncpg for fastapi).
    Database,
    /// The earlier name of `database` on PostgreSQL: `database` with `database-engine
    /// "postgresql"`.
    Postgres,
    /// Redis cache-aside for reads (ioredis; redis-py's asyncio client for fastapi).
    Redis,
    /// Per-client rate limiting.
    RateLimit,
    /// Structured request logging with pino (structlog for fastapi).
    Logging,
    /// Security headers (helmet; the `secure` package's equivalent preset for fastapi).
    Helmet,
    /// CORS.
    Cors,
    /// An OpenAPI document generated from the Zod schemas (FastAPI's, from the pydantic models,
    /// for fastapi), at `/openapi.json`, and Swagger UI for it at `/docs`, served by the app
    /// itself (GraphQL serves its SDL instead).
    Openapi,
    /// Prometheus metrics at `/metrics` (for fastapi, only with the `METRICS_TOKEN` bearer token).
    Metrics,
    /// Multi-stage Dockerfile and docker-compose with PostgreSQL and Redis.
    Docker,
    /// A GitHub Actions CI workflow.
    GithubActions,
    /// Kubernetes manifests (`k8s/`): a hardened Deployment with `/health` and `/ready` probes,
    /// a Service, a HorizontalPodAutoscaler, a PodDisruptionBudget, a Secret example and, with
    /// `postgres`, a Job that runs the migrations with backendctl before the rollout.
    Kubernetes,
    /// A Grafana dashboard (`grafana/dashboard.json`) of the metrics the project exports, and a
    /// docker-compose `observability` profile with Prometheus and Grafana (with `docker`).
    /// Implies `metrics`.
    Grafana,
}

impl Feature {
    /// Every feature, in a stable order: the full feature set.
    pub const ALL: [Feature; 13] = [
        Feature::Auth,
        Feature::Database,
        Feature::Redis,
        Feature::RateLimit,
        Feature::Logging,
        Feature::Helmet,
        Feature::Cors,
        Feature::Openapi,
        Feature::Metrics,
        Feature::Docker,
        Feature::GithubActions,
        Feature::Kubernetes,
        Feature::Grafana,
    ];

    /// The feature's name as written in a manifest.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Feature::Auth => "auth",
            Feature::Database => "database",
            Feature::Postgres => "postgres",
            Feature::Redis => "redis",
            Feature::RateLimit => "rate-limit",
            Feature::Logging => "logging",
            Feature::Helmet => "helmet",
            Feature::Cors => "cors",
            Feature::Openapi => "openapi",
            Feature::Metrics => "metrics",
            Feature::Docker => "docker",
            Feature::GithubActions => "github-actions",
            Feature::Kubernetes => "kubernetes",
            Feature::Grafana => "grafana",
        }
    }

    /// The name used inside templates (`f.rate_limit`).
    #[must_use]
    pub fn template_key(self) -> String {
        self.as_str().replace('-', "_")
    }
}

impl std::fmt::Display for Feature {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a generated TypeScript project's repositories reach its database.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    JsonSchema,
    clap::ValueEnum,
)]
#[serde(rename_all = "kebab-case")]
pub enum DataLayer {
    /// Kysely, a typed SQL query builder (PostgreSQL, MySQL).
    Kysely,
    /// Prisma ORM: the Prisma 7 client with its driver adapter.
    Prisma,
    /// TypeORM entities and repositories.
    Typeorm,
    /// Sequelize models (PostgreSQL, MySQL).
    Sequelize,
    /// MongoDB's official Node.js driver (MongoDB only).
    MongodbDriver,
}

impl DataLayer {
    /// Every data layer, in a stable order.
    pub const ALL: [DataLayer; 5] = [
        DataLayer::Kysely,
        DataLayer::Prisma,
        DataLayer::Typeorm,
        DataLayer::Sequelize,
        DataLayer::MongodbDriver,
    ];

    /// The data layer's name as written in a manifest.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            DataLayer::Kysely => "kysely",
            DataLayer::Prisma => "prisma",
            DataLayer::Typeorm => "typeorm",
            DataLayer::Sequelize => "sequelize",
            DataLayer::MongodbDriver => "mongodb-driver",
        }
    }

    /// The data layer a project gets on `engine` when it names none.
    #[must_use]
    pub fn default_for(engine: DatabaseEngine) -> Self {
        match engine {
            DatabaseEngine::Postgresql | DatabaseEngine::Mysql => DataLayer::Kysely,
            DatabaseEngine::Mongodb => DataLayer::MongodbDriver,
        }
    }

    /// The engines this data layer can generate code for. Prisma 7 (the client the scaffold
    /// generates, with its driver adapters) has no MongoDB connector: Prisma 6 was the last
    /// major with one ([`Self::unsupported_reason`]).
    #[must_use]
    pub fn engines(self) -> &'static [DatabaseEngine] {
        use DatabaseEngine::{Mongodb, Mysql, Postgresql};
        match self {
            DataLayer::Kysely | DataLayer::Sequelize | DataLayer::Prisma => &[Postgresql, Mysql],
            DataLayer::Typeorm => &[Postgresql, Mysql, Mongodb],
            DataLayer::MongodbDriver => &[Mongodb],
        }
    }

    /// Why this layer cannot reach `engine`, where the reason is not plain (a layer that has
    /// supported the engine before).
    #[must_use]
    pub fn unsupported_reason(self, engine: DatabaseEngine) -> Option<&'static str> {
        match (self, engine) {
            (DataLayer::Prisma, DatabaseEngine::Mongodb) => {
                Some("Prisma 7 has no MongoDB connector (Prisma 6 was the last major with one)")
            }
            _ => None,
        }
    }
}

/// The data layer and engine pairs the templates generate today; a valid pair not listed here is
/// refused at validate time rather than generated as something else.
pub const GENERATED_DATA_CHOICES: &[(DataLayer, DatabaseEngine)] = &[
    (DataLayer::Kysely, DatabaseEngine::Postgresql),
    (DataLayer::Kysely, DatabaseEngine::Mysql),
    (DataLayer::Typeorm, DatabaseEngine::Postgresql),
    (DataLayer::Typeorm, DatabaseEngine::Mysql),
    (DataLayer::Typeorm, DatabaseEngine::Mongodb),
    (DataLayer::Prisma, DatabaseEngine::Postgresql),
    (DataLayer::Prisma, DatabaseEngine::Mysql),
    (DataLayer::Sequelize, DatabaseEngine::Postgresql),
    (DataLayer::Sequelize, DatabaseEngine::Mysql),
    (DataLayer::MongodbDriver, DatabaseEngine::Mongodb),
];

impl std::fmt::Display for DataLayer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The database a generated project is written for.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    JsonSchema,
    clap::ValueEnum,
)]
#[serde(rename_all = "kebab-case")]
pub enum DatabaseEngine {
    /// PostgreSQL.
    #[default]
    Postgresql,
    /// MySQL or MariaDB (mysql2).
    Mysql,
    /// MongoDB.
    Mongodb,
}

impl DatabaseEngine {
    /// Every engine, in a stable order.
    pub const ALL: [DatabaseEngine; 3] = [
        DatabaseEngine::Postgresql,
        DatabaseEngine::Mysql,
        DatabaseEngine::Mongodb,
    ];

    /// The engine's name as written in a manifest.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            DatabaseEngine::Postgresql => "postgresql",
            DatabaseEngine::Mysql => "mysql",
            DatabaseEngine::Mongodb => "mongodb",
        }
    }

    /// The URL schemes of a `database` node on this engine.
    #[must_use]
    pub fn url_schemes(self) -> &'static [&'static str] {
        match self {
            DatabaseEngine::Postgresql => &["postgres", "postgresql"],
            DatabaseEngine::Mysql => &["mysql", "mariadb"],
            DatabaseEngine::Mongodb => &["mongodb", "mongodb+srv"],
        }
    }
}

impl std::fmt::Display for DatabaseEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
