//! The manifest pipeline: `backend.kdl` → KDL document → JSON value with spans → overrides →
//! schema validation → interpolation → typed [`Manifest`] → the files it names that can be
//! checked before a run (scenarios' OpenAPI documents) → resolved [`Graph`].
//!
//! Every stage collects [`Problem`]s instead of stopping at the first; the first stage that finds
//! any ends the pipeline with one [`InvalidManifest`] report listing them all.

pub mod address;
pub mod graph;
pub mod interpolate;
pub mod limits;
pub mod lower;
pub mod model;
pub(crate) mod openapi_documents;
pub mod overlay;
pub mod parse;
pub mod problem;
pub mod reference;
pub mod rules;
pub mod schema_view;
pub mod source;
pub mod span_table;
pub mod validate;

pub use address::{Address, NodeKind};
pub use graph::Graph;
pub use model::Manifest;
pub use problem::{InvalidManifest, Problem};
pub use source::{ManifestSource, SourceError as LoadError};

pub use interpolate::{UnsetVariable, UnsetVariables};

use crate::secret::SecretVariables;
use schema_view::SchemaView;
use serde_json::Value;
use sha2::{Digest, Sha256};
use span_table::SpanTable;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::{Arc, LazyLock};

static SCHEMA: LazyLock<Value> = LazyLock::new(|| {
    let mut schema = schemars::schema_for!(Manifest).to_value();
    drop_null_alternatives(&mut schema);
    schema
});

/// An omitted optional key is absent, never `#null`: schemars' `Option<T>` → `anyOf [T, null]`
/// (or `type: [T, "null"]`) becomes plain `T`, so errors inside an optional block are reported
/// where they are instead of as one "not valid under anyOf".
fn drop_null_alternatives(schema: &mut Value) {
    match schema {
        Value::Object(map) => {
            if let Some(Value::Array(types)) = map.get_mut("type") {
                types.retain(|ty| ty != "null");
                if types.len() == 1 {
                    let only = types.remove(0);
                    map.insert("type".to_owned(), only);
                }
            }
            let single = match map.get("anyOf") {
                Some(Value::Array(variants)) => {
                    let concrete: Vec<&Value> = variants
                        .iter()
                        .filter(|variant| {
                            variant.get("type").and_then(Value::as_str) != Some("null")
                        })
                        .collect();
                    (concrete.len() == 1 && variants.len() == 2).then(|| concrete[0].clone())
                }
                _ => None,
            };
            if let Some(Value::Object(variant)) = single {
                map.remove("anyOf");
                for (key, value) in variant {
                    map.entry(key).or_insert(value);
                }
            }
            for value in map.values_mut() {
                drop_null_alternatives(value);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(drop_null_alternatives),
        _ => {}
    }
}

/// The manifest's JSON Schema, generated from the typed model.
#[must_use]
pub fn schema() -> &'static Value {
    &SCHEMA
}

/// The manifest schema as pretty JSON with a trailing newline, as committed in
/// `schemas/backend.schema.json`.
#[must_use]
pub fn schema_text() -> String {
    let mut text = serde_json::to_string_pretty(schema()).expect("schema serialises");
    text.push('\n');
    text
}

/// How to load a manifest: overrides and the environment to read.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// `--set POINTER=VALUE` flags.
    pub set: Vec<String>,
    /// The process environment (for `BACKENDCTL_*` overrides and `{{ env.NAME }}`).
    pub env: Vec<(String, String)>,
    /// What a variable that is not set is: a problem (`plan`, `apply`) or a note (`validate`).
    pub unset_variables: UnsetVariables,
}

impl LoadOptions {
    /// Options reading the real process environment.
    #[must_use]
    pub fn from_process(set: Vec<String>) -> Self {
        Self {
            set,
            env: std::env::vars().collect(),
            unset_variables: UnsetVariables::Problem,
        }
    }
}

/// A manifest that passed every check.
#[derive(Debug, Clone)]
pub struct LoadedManifest {
    /// The file it came from.
    pub source: ManifestSource,
    /// The typed, interpolated manifest.
    pub manifest: Manifest,
    /// Its dependency graph.
    pub graph: Graph,
    /// Where each value came from.
    pub spans: SpanTable,
    /// The environment variables whose values reached a secret position, with their values.
    pub secret_variables: SecretVariables,
    /// For each value that read the environment (JSON pointer), the variables it read.
    pub env_reads: BTreeMap<String, BTreeSet<String>>,
    /// Variables left unset (only when loaded with [`UnsetVariables::Note`]).
    pub unset: Vec<UnsetVariable>,
    /// SHA-256 of the resolved manifest's public form, recorded in saved plans.
    pub fingerprint: String,
    /// The resolved manifest as JSON, in its public form: what came from the environment into
    /// a secret part is masked (what each node's configuration fingerprint is taken of).
    pub value: Value,
}

impl LoadedManifest {
    /// The directory relative paths in the manifest are resolved against.
    #[must_use]
    pub fn base_dir(&self) -> std::path::PathBuf {
        self.source.base_dir()
    }

    /// How an error message names the value at `pointer`: quoted as written, or, when it was
    /// read from the environment, by the field and the variables (never the value).
    #[must_use]
    pub fn describe_value(&self, pointer: &str, value: &str) -> String {
        describe_value(&self.env_reads, pointer, value)
    }

    /// The 1-based line and column of the key at `pointer` (or of its nearest ancestor written
    /// in the manifest): where an annotation about that value points.
    #[must_use]
    pub fn line_column(&self, pointer: &str) -> Option<(usize, usize)> {
        self.spans
            .key_span(pointer)
            .map(|span| problem::line_column(&self.source.text, span.offset()))
    }
}

/// How an error message names the value at `pointer` (see [`LoadedManifest::describe_value`]).
fn describe_value(
    env_reads: &BTreeMap<String, BTreeSet<String>>,
    pointer: &str,
    value: &str,
) -> String {
    match env_reads.get(pointer) {
        None => format!("`{value}`"),
        Some(variables) => {
            let field = pointer
                .trim_start_matches('/')
                .split('/')
                .map(|segment| segment.replace("~1", "/").replace("~0", "~"))
                .collect::<Vec<_>>()
                .join(".");
            let variables: Vec<&String> = variables.iter().collect();
            format!(
                "the value of `{field}` (from {} {})",
                if variables.len() == 1 {
                    "environment variable"
                } else {
                    "environment variables"
                },
                problem::code_list(&variables)
            )
        }
    }
}

/// Loads and checks the manifest at `path`.
///
/// # Errors
/// [`LoadError`] when the file cannot be read or has any problem.
pub fn load(path: &Path, options: &LoadOptions) -> Result<LoadedManifest, LoadError> {
    let source = ManifestSource::read(path)?;
    check(source, options)
}

/// Checks manifest text already read.
///
/// # Errors
/// [`LoadError::Invalid`] listing every problem of the first failing stage.
pub fn check(source: ManifestSource, options: &LoadOptions) -> Result<LoadedManifest, LoadError> {
    let invalid = |problems: Vec<Problem>| -> LoadError {
        Box::new(InvalidManifest::new(
            &source.display_path,
            Arc::clone(&source.text),
            problems,
        ))
        .into()
    };
    let document = parse::parse(&source.text).map_err(invalid)?;
    let schema = schema();
    let view = SchemaView::new(schema);
    let lower::Lowered {
        mut value,
        mut spans,
        mut problems,
    } = lower::lower(&document, schema);

    let (mut overrides, env_problems) =
        overlay::from_env(&view, &value, options.env.iter().cloned());
    problems.extend(env_problems);
    match overlay::from_flags(&options.set) {
        Ok(flags) => overrides.extend(flags),
        Err(flag_problems) => problems.extend(flag_problems),
    }
    problems.extend(overlay::apply(&view, &mut value, &mut spans, overrides));
    let schema_problems = validate::validate(schema, &value, &spans);
    let base_dir = source.base_dir();
    // A value the schema refuses is reported once, by the schema.
    let rule_problems = rules::check(&value, &spans, &base_dir)
        .into_iter()
        .filter(|rule| {
            let span = |problem: &Problem| problem.primary.as_ref().map(|(span, _)| *span);
            span(rule).is_none_or(|at| !schema_problems.iter().any(|s| span(s) == Some(at)))
        })
        .collect::<Vec<_>>();
    problems.extend(schema_problems);
    problems.extend(rule_problems);
    if let Err(graph_problems) = Graph::resolve(&value, &spans, &Default::default()) {
        problems.extend(graph_problems);
    }
    if !problems.is_empty() {
        return Err(invalid(problems));
    }

    let env = &options.env;
    let lookup = |name: &str| {
        env.iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.clone())
    };
    let written = value.clone();
    let interpolated =
        interpolate::interpolate(&mut value, &spans, &view, &lookup, options.unset_variables)
            .map_err(invalid)?;
    let left_as_written: Vec<&str> = interpolated
        .unset
        .iter()
        .map(|unset| unset.pointer.as_str())
        .collect();
    let from_env = |pointer: &str| {
        interpolated
            .env_reads
            .contains_key(pointer)
            .then(|| describe_value(&interpolated.env_reads, pointer, ""))
    };
    let broken = rules::check_interpolated(
        &written,
        &interpolated.typed,
        &left_as_written,
        &from_env,
        &spans,
        &base_dir,
    );
    if !broken.is_empty() {
        return Err(invalid(broken));
    }

    let manifest: Manifest =
        serde_path_to_error::deserialize(&interpolated.typed).map_err(|error| {
            let pointer = pointer_of(error.path());
            // A value read from the environment is named, never quoted: it may be a secret.
            let message = if interpolated.env_reads.contains_key(&pointer) {
                format!(
                    "{} is not a valid value here",
                    describe_value(&interpolated.env_reads, &pointer, "")
                )
            } else {
                error.inner().to_string()
            };
            invalid(vec![
                Problem::new("manifest::invalid-value", message)
                    .at(spans.value_span(&pointer), "invalid")
                    .help("`backendctl schema` describes every value"),
            ])
        })?;
    let documents = openapi_documents::check(
        &manifest,
        &spans,
        &source.base_dir(),
        &interpolated.env_reads,
        &interpolated.unset,
    );
    if !documents.is_empty() {
        return Err(invalid(documents));
    }
    let graph =
        Graph::resolve(&value, &spans, &interpolated.database_references).map_err(invalid)?;
    let fingerprint = hex::encode(Sha256::digest(value.to_string().as_bytes()));
    Ok(LoadedManifest {
        source,
        manifest,
        graph,
        spans,
        secret_variables: interpolated.secret_variables,
        env_reads: interpolated.env_reads,
        unset: interpolated.unset,
        fingerprint,
        value,
    })
}

fn pointer_of(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    path.iter()
        .filter_map(|segment| match segment {
            Segment::Seq { index } => Some(format!("/{index}")),
            Segment::Map { key } => Some(format!("/{}", span_table::escape_segment(key))),
            Segment::Enum { variant } => Some(format!("/{variant}")),
            Segment::Unknown => None,
        })
        .collect()
}
