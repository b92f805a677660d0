//! The embedded template tree and its rendering into memory.
//!
//! `templates/_ops/` holds the deployment and observability files of every stack (Kubernetes,
//! Grafana), `templates/_shared/` files common to every TypeScript stack and `templates/<stack>/`
//! the stack's own files (a later layer's file replaces an earlier one's of the same path); the
//! Python stack is `_ops` and one layer of its own. Files ending in `.j2` are
//! minijinja templates (rendered, suffix stripped); other files are copied verbatim. Anything
//! with a path segment starting with one `_` is a partial or metadata and never emitted
//! (Python's `__init__.py` is emitted).
//! `_rules.kdl` in a layer makes files conditional:
//!
//! ```kdl
//! when "f.auth" {
//!     path "src/auth/"          // a trailing '/' matches everything below
//!     path "test/auth.test.ts"
//! }
//! ```
//!
//! Rendering happens entirely in memory so that a plan can compare every file before any write.
//! `templates/versions.json` is the one place where the generated projects' dependency
//! versions are pinned; templates read them through `deps([...])` (npm) and `pins([...])`
//! (PyPI). `uv_lock(name, runtime, dev)` renders a Python project's `uv.lock` from the stack's
//! master lock (see [`super::uv_lock`]).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

use include_dir::{Dir, include_dir};
use minijinja::syntax::SyntaxConfig;
use minijinja::{Environment, UndefinedBehavior, Value, context};
use sha2::{Digest, Sha256};

use super::error::ScaffoldError;
use super::options::ScaffoldOptions;
use super::rel_path::RelPath;
use super::uv_lock::MasterLock;
use crate::manifest::model::project::{DataLayer, DatabaseEngine, Language, Stack};

static TEMPLATES: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/templates");

/// Where a Python stack keeps the lock resolved for every feature, relative to its layer.
pub const MASTER_LOCK: &str = "_lock/uv.lock";

/// The pinned versions of everything a generated project installs.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Versions {
    /// The minimum Node.js version the generated projects declare in `engines`.
    pub node: String,
    /// The npm version the generated projects declare (`packageManager`), for `allowScripts`.
    pub npm: String,
    /// npm package name → exact version.
    pub packages: BTreeMap<String, String>,
    /// The Python stack's versions.
    pub python: PythonVersions,
}

/// The pinned versions of the Python stack.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PythonVersions {
    /// The oldest Python the generated projects support (`requires-python = ">=…"`).
    pub requires: String,
    /// The Python of the Docker image and the CI workflow.
    pub docker: String,
    /// The uv version of the Docker image and the CI workflow (and the oldest the project accepts).
    pub uv: String,
    /// PyPI project name → exact version, for the direct dependencies.
    pub packages: BTreeMap<String, String>,
}

static VERSIONS: LazyLock<Versions> = LazyLock::new(|| {
    let text = TEMPLATES
        .get_file("versions.json")
        .and_then(include_dir::File::contents_utf8)
        .expect("templates/versions.json is embedded");
    serde_json::from_str(text).expect("templates/versions.json is valid (checked by a test)")
});

/// The pinned versions file, parsed.
#[must_use]
pub fn versions() -> &'static Versions {
    &VERSIONS
}

static TEMPLATE_VERSION: LazyLock<String> = LazyLock::new(|| {
    let mut hasher = Sha256::new();
    let mut files = Vec::new();
    collect_files(&TEMPLATES, &mut files);
    files.sort_by_key(|f| f.path());
    for file in files {
        hasher.update(file.path().to_string_lossy().as_bytes());
        hasher.update([0]);
        hasher.update(file.contents());
        hasher.update([0]);
    }
    let digest = hex::encode(hasher.finalize());
    format!("{}+{}", env!("CARGO_PKG_VERSION"), &digest[..12])
});

/// The version of the embedded templates: the crate version plus a digest of the whole tree,
/// so any template change is a new version.
#[must_use]
pub fn template_version() -> &'static str {
    &TEMPLATE_VERSION
}

fn collect_files<'a>(dir: &'a Dir<'a>, out: &mut Vec<&'a include_dir::File<'a>>) {
    out.extend(dir.files());
    for sub in dir.dirs() {
        collect_files(sub, out);
    }
}

/// A file of one template layer: its path relative to the layer and its source.
struct LayerFile {
    rel: String,
    contents: &'static [u8],
}

fn layer_files(layer: &str) -> Vec<LayerFile> {
    let Some(dir) = TEMPLATES.get_dir(layer) else {
        return Vec::new();
    };
    let mut files = Vec::new();
    collect_files(dir, &mut files);
    files
        .into_iter()
        .map(|f| LayerFile {
            rel: f
                .path()
                .strip_prefix(layer)
                .expect("a layer's files live below it")
                .to_string_lossy()
                .replace('\\', "/"),
            contents: f.contents(),
        })
        .collect()
}

/// A condition from `_rules.kdl`: files matching `paths` are emitted only when `when` is true.
struct Rule {
    when: String,
    paths: Vec<String>,
}

impl Rule {
    fn matches(&self, path: &str) -> bool {
        self.paths.iter().any(|p| {
            if p.ends_with('/') {
                path.starts_with(p.as_str())
            } else {
                path == p
            }
        })
    }
}

fn parse_rules(file: &str, text: &str) -> Result<Vec<Rule>, ScaffoldError> {
    let err = |message: String| ScaffoldError::Rules {
        file: file.to_owned(),
        message,
    };
    let doc = kdl::KdlDocument::parse_v2(text).map_err(|e| err(e.to_string()))?;
    let mut rules = Vec::new();
    for node in doc.nodes() {
        if node.name().value() != "when" {
            return Err(err(format!("unknown node `{}`", node.name().value())));
        }
        let when = node
            .entries()
            .first()
            .and_then(|e| e.value().as_string())
            .ok_or_else(|| err("`when` needs an expression argument".into()))?
            .to_owned();
        let mut paths = Vec::new();
        for child in node
            .children()
            .map(kdl::KdlDocument::nodes)
            .unwrap_or_default()
        {
            for entry in child.entries() {
                let p = entry
                    .value()
                    .as_string()
                    .ok_or_else(|| err("`path` arguments are strings".into()))?;
                paths.push(p.to_owned());
            }
        }
        rules.push(Rule { when, paths });
    }
    Ok(rules)
}

/// The rendered project: relative path → contents. Sorted, so output is deterministic.
pub type RenderedTree = BTreeMap<RelPath, String>;

/// Renders the project for `options` into memory.
///
/// # Errors
/// A template or rule error (a backendctl bug, caught by the snapshot tests), or an unsafe
/// rendered path.
pub fn render(options: &ScaffoldOptions) -> Result<RenderedTree, ScaffoldError> {
    let Layers { sources, rules } = Layers::load(options)?;
    let env = environment(&sources, options)?;
    let ctx = template_context(options);

    let mut tree = RenderedTree::new();
    for (rel, contents) in &sources {
        if rel.split('/').any(is_private_segment) {
            continue;
        }
        let out = rel.strip_suffix(".j2").unwrap_or(rel);
        let mut keep = true;
        for rule in rules.iter().filter(|r| r.matches(out)) {
            let expr = env
                .compile_expression(&rule.when)
                .map_err(|e| template_error(rel, &e))?;
            keep &= expr
                .eval(&ctx)
                .map_err(|e| template_error(rel, &e))?
                .is_true();
        }
        if !keep {
            continue;
        }
        let text = if rel.ends_with(".j2") {
            env.get_template(rel)
                .and_then(|t| t.render(&ctx))
                .map_err(|e| template_error(rel, &e))?
        } else {
            String::from_utf8(contents.to_vec()).map_err(|e| ScaffoldError::Template {
                template: rel.clone(),
                message: e.to_string(),
            })?
        };
        tree.insert(RelPath::new(out)?, text);
    }
    Ok(tree)
}

/// Renders one template of the stack (`pyproject.toml.j2`) and nothing else: what regenerating a
/// master lock needs while the lock does not match the templates yet.
///
/// # Errors
/// A template or rule error.
pub fn render_file(options: &ScaffoldOptions, template: &str) -> Result<String, ScaffoldError> {
    let layers = Layers::load(options)?;
    environment(&layers.sources, options)?
        .get_template(template)
        .and_then(|t| t.render(template_context(options)))
        .map_err(|e| template_error(template, &e))
}

/// The layer every stack starts from: Kubernetes manifests and the Grafana dashboard.
const OPS_LAYER: &str = "_ops";

/// The template layers of a stack, merged.
struct Layers {
    /// Path → source; a later layer's file replaces an earlier one's.
    sources: BTreeMap<String, &'static [u8]>,
    /// Every layer's `_rules.kdl`.
    rules: Vec<Rule>,
}

impl Layers {
    /// The layers of `options.stack`: `_ops`, then `_shared` and the stack for TypeScript, the
    /// stack alone for Python.
    fn load(options: &ScaffoldOptions) -> Result<Self, ScaffoldError> {
        let mut sources: BTreeMap<String, &'static [u8]> = BTreeMap::new();
        let mut rules = Vec::new();
        // `_ops` (deployment and observability files) is shared by every stack.
        let layers: &[&str] = match options.stack.language() {
            Language::Typescript => &[OPS_LAYER, "_shared", options.stack.as_str()],
            Language::Python => &[OPS_LAYER, options.stack.as_str()],
        };
        for &layer in layers {
            for file in layer_files(layer) {
                if file.rel == "_rules.kdl" {
                    let text =
                        std::str::from_utf8(file.contents).map_err(|e| ScaffoldError::Rules {
                            file: format!("{layer}/_rules.kdl"),
                            message: e.to_string(),
                        })?;
                    rules.extend(parse_rules(&format!("{layer}/_rules.kdl"), text)?);
                } else {
                    sources.insert(file.rel, file.contents);
                }
            }
        }
        Ok(Layers { sources, rules })
    }
}

/// A path segment that is a partial or metadata (`_rules.kdl`, `_lock/`), never emitted. Python's
/// dunder files (`__init__.py`, `__main__.py`) are emitted.
fn is_private_segment(segment: &str) -> bool {
    segment.starts_with('_') && !segment.starts_with("__")
}

fn template_error(template: &str, error: &minijinja::Error) -> ScaffoldError {
    ScaffoldError::Template {
        template: template.to_owned(),
        message: format!("{error:#}"),
    }
}

fn environment(
    sources: &BTreeMap<String, &'static [u8]>,
    options: &ScaffoldOptions,
) -> Result<Environment<'static>, ScaffoldError> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    // Source files are not HTML: never escape (minijinja would JSON-escape `*.json.j2`).
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
    let syntax = SyntaxConfig::builder()
        .keep_trailing_newline(true)
        .trim_blocks(true)
        .lstrip_blocks(true)
        .build()
        .map_err(|e| template_error("<syntax>", &e))?;
    env.set_syntax(syntax);
    for (rel, contents) in sources {
        if rel.ends_with(".j2") {
            let text = std::str::from_utf8(contents).map_err(|e| ScaffoldError::Template {
                template: rel.clone(),
                message: e.to_string(),
            })?;
            env.add_template_owned(rel.clone(), text.to_owned())
                .map_err(|e| template_error(rel, &e))?;
        }
    }
    env.add_function("deps", deps);
    env.add_function("pins", pins);
    let stack = options.stack;
    env.add_function(
        "uv_lock",
        move |name: String, runtime: Vec<String>, dev: Vec<String>| {
            master_lock(stack)?
                .render(&name, &runtime, &dev)
                .map_err(invalid_operation)
        },
    );
    Ok(env)
}

/// The master lock of a Python stack, parsed once per process.
fn master_lock(stack: Stack) -> Result<&'static MasterLock, minijinja::Error> {
    static PARSED: LazyLock<BTreeMap<Stack, Result<MasterLock, String>>> = LazyLock::new(|| {
        Stack::ALL
            .into_iter()
            .filter(|s| s.language() == Language::Python)
            .map(|stack| {
                let path = format!("{}/{MASTER_LOCK}", stack.as_str());
                let parsed = TEMPLATES
                    .get_file(&path)
                    .and_then(include_dir::File::contents_utf8)
                    .ok_or_else(|| format!("templates/{path} is missing"))
                    .and_then(|text| MasterLock::parse(text).map_err(|e| e.to_string()));
                (stack, parsed)
            })
            .collect()
    });
    match PARSED.get(&stack) {
        Some(Ok(master)) => Ok(master),
        Some(Err(message)) => Err(invalid_operation(message)),
        None => Err(invalid_operation(format!("{stack} has no master lock"))),
    }
}

fn invalid_operation(message: impl std::fmt::Display) -> minijinja::Error {
    minijinja::Error::new(minijinja::ErrorKind::InvalidOperation, message.to_string())
}

/// `pins(["fastapi", "sqlalchemy[asyncio]"])`: PEP 508 requirements at their pinned versions,
/// one per line, quoted and indented for a TOML array (`    "fastapi==0.165.0",`), sorted.
fn pins(names: Vec<String>) -> Result<String, minijinja::Error> {
    let mut lines = Vec::new();
    for requirement in names.into_iter().collect::<BTreeSet<_>>() {
        let name = requirement
            .split_once('[')
            .map_or(requirement.as_str(), |(name, _)| name);
        let version = versions().python.packages.get(name).ok_or_else(|| {
            invalid_operation(format!(
                "package {name:?} is not pinned in templates/versions.json (\"python\")"
            ))
        })?;
        lines.push(format!("    \"{requirement}=={version}\","));
    }
    Ok(lines.join("\n"))
}

/// `deps(["express", "zod"])`: a JSON object of the named packages at their pinned versions,
/// sorted, indented to sit at the second level of `package.json`.
fn deps(names: Vec<String>) -> Result<String, minijinja::Error> {
    let mut map = serde_json::Map::new();
    for name in names.into_iter().collect::<BTreeSet<_>>() {
        let version = versions().packages.get(&name).ok_or_else(|| {
            minijinja::Error::new(
                minijinja::ErrorKind::InvalidOperation,
                format!("package {name:?} is not pinned in templates/versions.json"),
            )
        })?;
        map.insert(name, serde_json::Value::String(version.clone()));
    }
    let pretty = serde_json::to_string_pretty(&map).map_err(|e| {
        minijinja::Error::new(minijinja::ErrorKind::InvalidOperation, e.to_string())
    })?;
    Ok(pretty.replace('\n', "\n  "))
}

fn template_context(options: &ScaffoldOptions) -> Value {
    let mut f: BTreeMap<String, bool> = super::Feature::ALL
        .iter()
        .map(|feature| (feature.template_key(), options.features.contains(feature)))
        .collect();
    // `f.postgres`: the database feature on PostgreSQL, as templates written before the engine
    // choice expect.
    let database = options.features.contains(&super::Feature::Database);
    let engine = options.data.engine;
    f.insert(
        "postgres".to_owned(),
        database && engine == DatabaseEngine::Postgresql,
    );
    // `f.mysql`: the database feature on MySQL/MariaDB; `f.sql`: on either SQL engine (the
    // migrations/ set, src/db/ and the integration tests).
    let mysql = database && engine == DatabaseEngine::Mysql;
    f.insert("mysql".to_owned(), mysql);
    f.insert(
        "sql".to_owned(),
        mysql || (database && engine == DatabaseEngine::Postgresql),
    );
    // The layer flags (`f.kysely`, `f.prisma`, `f.typeorm`, `f.sequelize`, `f.mongodb_driver`):
    // the database feature through that data layer. Engine flags choose migrations, drivers and
    // services; layer flags choose the models and repositories.
    for layer in DataLayer::ALL {
        f.insert(
            layer.as_str().replace('-', "_"),
            database && options.data.layer() == layer,
        );
    }
    let features: Vec<&str> = options.features.iter().map(|f| f.as_str()).collect();
    context! {
        name => options.name.as_str(),
        stack => options.stack.as_str(),
        // NestJS 12 is ESM-only, so its projects test with vitest; the others with jest.
        mock => if options.stack == super::Stack::Nestjs { "vi" } else { "jest" },
        features => features,
        f => f,
        // With the database feature: `database_engine` ("postgresql", "mysql", "mongodb") and
        // `data_layer` ("kysely", "prisma", "typeorm", "sequelize", "mongodb-driver").
        database_engine => engine.as_str(),
        data_layer => options.data.layer().as_str(),
        node_version => versions().node.as_str(),
        npm_version => versions().npm.as_str(),
        python_version => versions().python.requires.as_str(),
        docker_python => versions().python.docker.as_str(),
        uv_version => versions().python.uv.as_str(),
        template_version => template_version(),
        // Where backendctl itself comes from (Cargo.toml's `repository`): the migrations image
        // of the `kubernetes` feature installs it from there.
        backendctl_repository => env!("CARGO_PKG_REPOSITORY"),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::{MASTER_LOCK, TEMPLATES, versions};
    use crate::manifest::model::project::{DatabaseEngine, Language, Stack};

    #[test]
    fn versions_are_exact() {
        for (name, version) in versions()
            .packages
            .iter()
            .chain(&versions().python.packages)
        {
            assert!(
                version.split('.').count() == 3
                    && version
                        .split('.')
                        .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit())),
                "{name} must be pinned to an exact x.y.z version, found {version:?}"
            );
        }
    }

    /// The master lock was resolved from the pins of versions.json: after changing a pin,
    /// regenerate it (docs/scaffold.md, "Versions").
    #[test]
    fn master_locks_hold_the_pinned_versions() {
        for stack in Stack::ALL
            .into_iter()
            .filter(|s| s.language() == Language::Python)
        {
            let path = format!("{}/{MASTER_LOCK}", stack.as_str());
            let text = TEMPLATES
                .get_file(&path)
                .and_then(include_dir::File::contents_utf8)
                .unwrap_or_else(|| panic!("templates/{path} is missing"));
            for (name, version) in &versions().python.packages {
                let line = format!("{{ name = \"{name}\"");
                let pinned = format!("specifier = \"=={version}\" }}");
                assert!(
                    text.lines().any(|l| l.trim_start().starts_with(&line)
                        && l.trim_end_matches(',').ends_with(&pinned)),
                    "templates/{path} does not pin {name}=={version}: regenerate it"
                );
            }
        }
    }

    /// The files of a full TypeScript render on `engine`, by path.
    fn full_render(engine: DatabaseEngine) -> BTreeMap<String, String> {
        use crate::scaffold::Feature;
        use crate::scaffold::options::{DataChoice, ScaffoldOptions};
        use crate::scaffold::project_name::ProjectName;
        let mut options = ScaffoldOptions::new(
            ProjectName::new("shop-api").unwrap(),
            Stack::ExpressTypescript,
            Feature::ALL.iter().copied().collect(),
        );
        options.data = DataChoice {
            engine,
            layer: None,
        };
        super::render(&options)
            .unwrap()
            .into_iter()
            .map(|(path, text)| (path.as_str().to_owned(), text))
            .collect()
    }

    #[test]
    fn each_sql_engine_gets_its_own_migration_set_and_repositories_only() {
        let mysql = full_render(DatabaseEngine::Mysql);
        let postgres = full_render(DatabaseEngine::Postgresql);
        // MySQL's set creates users first (one table per migration, foreign keys declared with
        // the table); PostgreSQL's adds users to the products of 0001.
        let (mysql_users, postgres_users) = (
            "migrations/0001_users.up.sql",
            "migrations/0002_users.up.sql",
        );
        assert!(
            mysql[mysql_users].contains("char(36)"),
            "{}",
            mysql[mysql_users]
        );
        assert!(
            postgres[postgres_users].contains("gen_random_uuid()"),
            "{}",
            postgres[postgres_users]
        );
        assert!(!mysql.contains_key(postgres_users) && !postgres.contains_key(mysql_users));
        let under =
            |tree: &BTreeMap<String, String>, dir: &str| tree.keys().any(|p| p.starts_with(dir));
        assert!(
            under(&mysql, "src/repositories/mysql/")
                && !under(&mysql, "src/repositories/postgres/")
        );
        assert!(
            under(&postgres, "src/repositories/postgres/")
                && !under(&postgres, "src/repositories/mysql/")
        );
        for tree in [&mysql, &postgres] {
            assert!(under(tree, "src/repositories/kysely/") && under(tree, "test/integration/"));
            // The engine partials are included, never emitted.
            assert!(!tree.keys().any(|p| p.contains("/_")), "{:?}", tree.keys());
        }
        assert!(
            mysql["package.json"].contains("\"mysql2\"")
                && !mysql["package.json"].contains("\"pg\"")
        );
    }
}
