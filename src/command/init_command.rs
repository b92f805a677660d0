//! `backendctl init [PATH] [--force]`: a commented starter manifest that validates.

use crate::error::Error;
use crate::globals::Globals;
use crate::{exit_code, output};
use std::path::PathBuf;

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

/// Writes the starter manifest.
///
/// # Errors
/// [`Error::Exists`] without `--force` when the file exists; [`Error::Write`] on I/O failure.
pub fn init(path: Option<PathBuf>, force: bool, globals: &Globals) -> Result<u8, Error> {
    let path = path.unwrap_or_else(|| globals.manifest.clone());
    if path.exists() && !force {
        return Err(Error::Exists(path.display().to_string()));
    }
    std::fs::write(&path, STARTER_MANIFEST).map_err(|source| Error::Write {
        path: path.display().to_string(),
        source,
    })?;
    output::println(&format!(
        "Wrote {}. Next: `backendctl validate`, then `backendctl plan`.",
        path.display()
    ))?;
    Ok(exit_code::OK)
}
