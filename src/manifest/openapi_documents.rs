//! The OpenAPI documents scenarios name (`openapi "openapi.yaml"`), checked where they can be
//! before any run: a file must exist, be JSON or YAML, be an OpenAPI 3.0 or 3.1 document, and
//! have response schemas that compile. A URL (`http://…/openapi.json`) is usually served by a
//! service `apply` starts, so it is fetched when the scenario runs, not here.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use super::interpolate::UnsetVariable;
use super::model::Manifest;
use super::problem::Problem;
use super::span_table::{SpanTable, escape_segment};
use crate::openapi::document::{OpenApiDocument, read_bytes};

/// Checks the OpenAPI document of every scenario that names a file. `env_reads` and `unset`
/// say which values came from the environment (named, never quoted) or could not be read.
pub(crate) fn check(
    manifest: &Manifest,
    spans: &SpanTable,
    base_dir: &Path,
    env_reads: &BTreeMap<String, BTreeSet<String>>,
    unset: &[UnsetVariable],
) -> Vec<Problem> {
    let mut problems = Vec::new();
    for (name, scenario) in &manifest.scenario {
        let Some(openapi) = &scenario.openapi else {
            continue;
        };
        let pointer = format!("/scenario/{}/openapi/document", escape_segment(name));
        let document = openapi.document.expose();
        if document.contains("://") || unset.iter().any(|u| u.pointer == pointer) {
            continue;
        }
        let shown = super::describe_value(env_reads, &pointer, document);
        let span = spans.value_span(&pointer);
        let path = base_dir.join(document);
        let text = match read_bytes(&path) {
            Ok(text) => text,
            Err(error) => {
                problems.push(
                    Problem::new(
                        "manifest::openapi-unreadable",
                        format!("cannot read the OpenAPI document {shown}: {error}"),
                    )
                    .at(span, "not readable")
                    .help(
                        "name a JSON or YAML file relative to the manifest, or an http:// URL \
                         fetched when the scenario runs",
                    ),
                );
                continue;
            }
        };
        match OpenApiDocument::parse(&text, &shown) {
            Err(error) => problems.push(
                Problem::new("manifest::openapi-invalid", error.to_string())
                    .at(span, "not an OpenAPI document")
                    .help("an OpenAPI document has `openapi: 3.0.x` or `3.1.x` and `paths`"),
            ),
            Ok(parsed) => {
                for (schema, message) in parsed.schema_problems() {
                    problems.push(
                        Problem::new(
                            "manifest::openapi-bad-schema",
                            format!(
                                "the OpenAPI document {shown} has a schema that cannot be \
                                 compiled at `{schema}`: {message}"
                            ),
                        )
                        .at(span, "invalid schema inside")
                        .help("fix the schema in the document; responses are validated against it"),
                    );
                }
            }
        }
    }
    problems
}
