//! A Python project's `uv.lock`, cut from its stack's master lock.
//!
//! A generated project's dependencies depend on its features (no `asyncpg` without `postgres`),
//! and its `uv.lock` must match its `pyproject.toml` exactly for `uv sync --locked` to install.
//! Resolving at scaffold time would need the network and could pick other versions than the
//! ones tested, so backendctl carries one lock resolved by uv for *every* feature
//! (`templates/<stack>/_lock/uv.lock`) and keeps, for each project, the part of it that its
//! direct dependencies reach: the root package's requirement lines that are selected, and every
//! package reachable from them (through extras too), each block kept byte for byte in uv's
//! order. uv accepts the result as up to date (the scaffold matrix runs `uv sync --locked` and
//! `uv lock --locked` on every rendered combination); see docs/scaffold.md for how the master
//! lock is regenerated.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;

/// Why a lock could not be rendered: a broken master lock or a template asking for a package
/// it does not hold (a backendctl bug, caught by the tests).
#[derive(Debug, thiserror::Error)]
pub enum UvLockError {
    /// A `[[package]]` block of the master lock is not valid TOML.
    #[error("the master uv.lock does not parse: {0}")]
    Parse(String),
    /// The master lock has no root package (`source = { virtual = "." }`).
    #[error("the master uv.lock has no root package (source = {{ virtual = \".\" }})")]
    NoRoot,
    /// A template asked for a package the master lock does not require.
    #[error("package {0:?} is not a direct dependency in the master uv.lock: regenerate it")]
    NotLocked(String),
    /// The project is named like one of its own dependencies, which uv refuses.
    #[error("the project name {0:?} is also the name of one of its dependencies")]
    NameTaken(String),
}

/// The master lock, split into its header and its `[[package]]` blocks.
#[derive(Debug)]
pub struct MasterLock {
    header: String,
    packages: Vec<LockedPackage>,
    root: usize,
}

#[derive(Debug)]
struct LockedPackage {
    name: String,
    version: Option<String>,
    text: String,
    dependencies: Vec<Edge>,
    optional: BTreeMap<String, Vec<Edge>>,
    dev: BTreeMap<String, Vec<Edge>>,
    is_root: bool,
}

/// A dependency edge as uv writes it: `{ name = "x", version = "1.0", extra = ["y"] }`.
#[derive(Debug, Clone, Deserialize)]
struct Edge {
    name: String,
    #[serde(default)]
    version: Option<String>,
    #[serde(default)]
    extra: Vec<String>,
}

#[derive(Deserialize)]
struct Block {
    package: Vec<PackageToml>,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct PackageToml {
    name: String,
    #[serde(default)]
    version: Option<String>,
    #[serde(default)]
    source: Option<toml::Value>,
    #[serde(default)]
    dependencies: Vec<Edge>,
    #[serde(default)]
    optional_dependencies: BTreeMap<String, Vec<Edge>>,
    #[serde(default)]
    dev_dependencies: BTreeMap<String, Vec<Edge>>,
}

const BLOCK_START: &str = "\n[[package]]\n";

/// PEP 503 normalisation: lowercase, runs of `-`, `_` and `.` become one `-`.
#[must_use]
pub fn normalize(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut separator = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            separator = true;
        } else {
            if separator && !out.is_empty() {
                out.push('-');
            }
            separator = false;
            out.push(c.to_ascii_lowercase());
        }
    }
    out
}

/// The package name of a requirement (`sqlalchemy[asyncio]` → `sqlalchemy`), normalised.
fn requirement_name(requirement: &str) -> String {
    normalize(
        requirement
            .split_once('[')
            .map_or(requirement, |(name, _)| name),
    )
}

impl MasterLock {
    /// Splits and parses a lock uv wrote.
    ///
    /// # Errors
    /// A block that is not valid TOML, or no root package.
    pub fn parse(text: &str) -> Result<Self, UvLockError> {
        let mut parts = text.split(BLOCK_START);
        let header = parts.next().unwrap_or_default().trim_end().to_owned();
        let mut packages = Vec::new();
        for part in parts {
            let block_text = format!("[[package]]\n{}\n", part.trim_end_matches('\n'));
            let block: Block =
                toml::from_str(&block_text).map_err(|e| UvLockError::Parse(e.to_string()))?;
            let package = block
                .package
                .into_iter()
                .next()
                .ok_or_else(|| UvLockError::Parse("an empty [[package]] block".into()))?;
            let is_root = package
                .source
                .as_ref()
                .and_then(|s| s.get("virtual"))
                .and_then(toml::Value::as_str)
                == Some(".");
            packages.push(LockedPackage {
                name: package.name,
                version: package.version,
                text: block_text,
                dependencies: package.dependencies,
                optional: package.optional_dependencies,
                dev: package.dev_dependencies,
                is_root,
            });
        }
        let root = packages
            .iter()
            .position(|p| p.is_root)
            .ok_or(UvLockError::NoRoot)?;
        Ok(Self {
            header,
            packages,
            root,
        })
    }

    /// The lock of a project named `name` whose direct dependencies are `runtime` and whose
    /// `dev` group is `dev` (requirement names, extras allowed: `sqlalchemy[asyncio]`).
    ///
    /// # Errors
    /// A requirement the master lock does not hold, or a project named like a dependency.
    pub fn render(
        &self,
        name: &str,
        runtime: &[String],
        dev: &[String],
    ) -> Result<String, UvLockError> {
        let root = &self.packages[self.root];
        let selected: BTreeSet<String> = runtime
            .iter()
            .chain(dev)
            .map(|r| requirement_name(r))
            .collect();
        let mut edges: Vec<&Edge> = root
            .dependencies
            .iter()
            .chain(root.dev.values().flatten())
            .filter(|e| selected.contains(&normalize(&e.name)))
            .collect();
        let locked: BTreeSet<String> = edges.iter().map(|e| normalize(&e.name)).collect();
        if let Some(missing) = selected.difference(&locked).next() {
            return Err(UvLockError::NotLocked(missing.clone()));
        }

        let mut kept = BTreeSet::new();
        while let Some(edge) = edges.pop() {
            for (index, package) in self.packages.iter().enumerate() {
                if package.is_root
                    || package.name != edge.name
                    || edge.version.is_some() && package.version != edge.version
                {
                    continue;
                }
                if kept.insert(index) {
                    edges.extend(&package.dependencies);
                }
                for extra in &edge.extra {
                    edges.extend(package.optional.get(extra).into_iter().flatten());
                }
            }
        }

        let root_name = normalize(name);
        if kept.iter().any(|&i| self.packages[i].name == root_name) {
            return Err(UvLockError::NameTaken(name.to_owned()));
        }
        let root_text = root_block(&root.text, &root_name, &selected);
        let mut blocks: Vec<(&str, &str)> = kept
            .iter()
            .map(|&i| {
                (
                    self.packages[i].name.as_str(),
                    self.packages[i].text.as_str(),
                )
            })
            .collect();
        // uv orders packages by name; the sort is stable, so versions keep their order.
        let at = blocks.partition_point(|(n, _)| *n < root_name.as_str());
        blocks.insert(at, (&root_name, &root_text));
        let body: Vec<&str> = blocks.iter().map(|(_, text)| *text).collect();
        Ok(format!("{}\n\n{}", self.header, body.join("\n")))
    }
}

/// The root block with only the `selected` requirement lines, renamed to `name`.
fn root_block(text: &str, name: &str, selected: &BTreeSet<String>) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        if let Some(rest) = line.trim_start().strip_prefix("{ name = \"")
            && let Some((dependency, _)) = rest.split_once('"')
            && !selected.contains(&normalize(dependency))
        {
            continue;
        }
        if line.starts_with("name = ") {
            out.push_str(&format!("name = \"{name}\""));
        } else {
            out.push_str(line);
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{MasterLock, UvLockError, normalize};

    const MASTER: &str = r#"version = 1
revision = 3
requires-python = ">=3.11"

[[package]]
name = "alpha"
version = "1.0.0"
source = { registry = "https://pypi.org/simple" }
dependencies = [
    { name = "shared" },
]

[[package]]
name = "beta"
version = "2.0.0"
source = { registry = "https://pypi.org/simple" }
dependencies = [
    { name = "shared" },
]

[package.optional-dependencies]
fast = [
    { name = "gamma" },
]

[[package]]
name = "gamma"
version = "3.0.0"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "master"
version = "0.1.0"
source = { virtual = "." }
dependencies = [
    { name = "alpha" },
    { name = "beta", extra = ["fast"] },
]

[package.dev-dependencies]
dev = [
    { name = "tester" },
]

[package.metadata]
requires-dist = [
    { name = "alpha", specifier = "==1.0.0" },
    { name = "beta", extras = ["fast"], specifier = "==2.0.0" },
]

[package.metadata.requires-dev]
dev = [
    { name = "tester", specifier = "==4.0.0" },
]

[[package]]
name = "shared"
version = "5.0.0"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "tester"
version = "4.0.0"
source = { registry = "https://pypi.org/simple" }
"#;

    fn strings(names: &[&str]) -> Vec<String> {
        names.iter().map(|&n| n.to_owned()).collect()
    }

    #[test]
    fn selecting_everything_gives_the_master_back() {
        let lock = MasterLock::parse(MASTER).unwrap();
        let all = lock
            .render(
                "master",
                &strings(&["alpha", "beta[fast]"]),
                &strings(&["tester"]),
            )
            .unwrap();
        assert_eq!(all, MASTER);
    }

    #[test]
    fn unselected_packages_and_their_dependencies_go() {
        let lock = MasterLock::parse(MASTER).unwrap();
        let text = lock
            .render("my.app_x", &strings(&["alpha"]), &strings(&["tester"]))
            .unwrap();
        assert!(text.contains("name = \"shared\""), "{text}");
        assert!(!text.contains("name = \"beta\""), "{text}");
        assert!(!text.contains("name = \"gamma\""), "{text}");
        assert!(!text.contains("{ name = \"beta\""), "{text}");
        // The root is renamed, normalised and placed in name order.
        let names: Vec<&str> = text
            .lines()
            .filter_map(|l| l.strip_prefix("name = \""))
            .collect();
        assert_eq!(names, ["alpha\"", "my-app-x\"", "shared\"", "tester\""]);
    }

    #[test]
    fn extras_bring_their_packages() {
        let lock = MasterLock::parse(MASTER).unwrap();
        let text = lock
            .render("app", &strings(&["beta[fast]"]), &strings(&["tester"]))
            .unwrap();
        assert!(text.contains("name = \"gamma\""), "{text}");
    }

    #[test]
    fn unknown_requirements_and_taken_names_are_errors() {
        let lock = MasterLock::parse(MASTER).unwrap();
        assert!(matches!(
            lock.render("app", &strings(&["delta"]), &[]),
            Err(UvLockError::NotLocked(name)) if name == "delta"
        ));
        assert!(matches!(
            lock.render("shared", &strings(&["alpha"]), &[]),
            Err(UvLockError::NameTaken(_))
        ));
    }

    #[test]
    fn names_are_normalised_as_pep_503_says() {
        assert_eq!(normalize("My.App__x"), "my-app-x");
        assert_eq!(normalize("shop-api"), "shop-api");
    }
}
