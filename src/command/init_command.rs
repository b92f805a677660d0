//! `backendctl init [PATH] [--force] [--from-openapi FILE]`: a commented starter manifest that
//! validates; from an OpenAPI document, a scenario that loads its operations and checks every
//! response against it (`crate::openapi::starter_scenario`).

use crate::cli::InitArgs;
use crate::error::Error;
use crate::globals::Globals;
use crate::openapi::ReadError;
use crate::openapi::document::OpenApiDocument;
use crate::openapi::starter_scenario;
use crate::{exit_code, output};
use std::path::{Path, PathBuf};

/// The starter manifest `init` writes. A test checks that it validates.
pub const STARTER_MANIFEST: &str = r#"// backend.kdl: one manifest for the whole backend lifecycle.
// `backendctl plan` shows what would change; `backendctl apply` does it.
// Every node has an address `kind.name`; `after` orders nodes explicitly, and references
// (`database "main"`) order them implicitly. Reference: docs/manifest.md.
backend version=1

// A database. The URL's scheme picks the engine: sqlite:, postgres:, mysql:.
// Values from the environment are secrets: they are masked in plans, logs and reports.
database "main" {
    url "{{ env.DATABASE_URL | default('sqlite://var/app.db') }}"
}

// A migration set: NNNN_name.up.sql / NNNN_name.down.sql files, applied in order.
migrations "schema" {
    database "main"
    path "migrations/schema"
}

// A mock HTTP target, to try a scenario before the real service exists.
mock "api" {
    listen "127.0.0.1:3900"
    route "GET" "/health" status=200 body="ok"
    route "GET" "/api/products" status=200 body="[]" latency="5ms"
}

// A load scenario: ramp virtual users through stages, then judge thresholds.
// A breached threshold makes `apply` exit 99, so CI fails.
scenario "browse" {
    after "mock.api"
    base-url "http://127.0.0.1:3900"
    stages {
        stage "5s" target=10
        stage "10s" target=10
    }
    request "list-products" "GET" "/api/products" {
        header "Accept" "application/json"
        expect status=200
    }
    thresholds {
        p95 "< 250ms"
        error-rate "< 1%"
    }
}
"#;

/// Writes the starter manifest, or with `--from-openapi` one generated from the document.
///
/// # Errors
/// [`Error::Exists`] without `--force` when the file exists; [`Error::Write`] on I/O failure;
/// [`Error::OpenApi`] when the document cannot be read or is not OpenAPI 3.
pub fn init(args: InitArgs, globals: &Globals) -> Result<u8, Error> {
    let path = args.path.unwrap_or_else(|| globals.manifest.clone());
    if path.exists() && !args.force {
        return Err(Error::Exists(path.display().to_string()));
    }
    let (text, what) = match &args.from_openapi {
        None => (STARTER_MANIFEST.to_owned(), String::new()),
        Some(document_path) => {
            let document = OpenApiDocument::read(document_path)?;
            let named = relative_to_manifest(document_path, &path)?;
            let command = format!("backendctl init --from-openapi {}", document_path.display());
            let text = starter_scenario::starter_manifest(&document, &named, &command);
            let requests = text
                .lines()
                .filter(|l| l.trim_start().starts_with("request "))
                .count();
            (
                text,
                format!(
                    ": {requests} request(s) for {} operation(s) of {named}",
                    document.operations.len()
                ),
            )
        }
    };
    std::fs::write(&path, text).map_err(|source| Error::Write {
        path: path.display().to_string(),
        source,
    })?;
    output::println(&format!(
        "Wrote {}{what}. Next: `backendctl validate`, then `backendctl plan`.",
        path.display()
    ))?;
    Ok(exit_code::OK)
}

/// How the manifest at `manifest` names `document`: relative to the manifest's directory
/// when the document is under it, else its absolute path.
fn relative_to_manifest(document: &Path, manifest: &Path) -> Result<String, Error> {
    let absolute = document.canonicalize().map_err(|source| ReadError::Io {
        path: document.display().to_string(),
        source,
    })?;
    let directory = match manifest.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_owned(),
        _ => PathBuf::from("."),
    };
    let named = directory
        .canonicalize()
        .ok()
        .and_then(|d| absolute.strip_prefix(d).ok().map(Path::to_owned))
        .unwrap_or(absolute);
    Ok(named.to_string_lossy().into_owned())
}
