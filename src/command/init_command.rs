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

// A migration set: NNNN_name.up.sql / NNNN_name.down.sql files, applied in order. `init`
// wrote the first one; add the next with `backendctl migrate new NAME --dir migrations/schema`.
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

/// The first migration of the starter's `migrations "schema"`, relative to the manifest's
/// directory, so that the set the starter names exists and `plan` has something true to say.
pub const STARTER_MIGRATIONS: [(&str, &str); 2] = [
    (
        "migrations/schema/0001_items.up.sql",
        "-- The first migration: `backendctl apply` runs it; `backendctl migrate down` reverts it.\n\
         CREATE TABLE items (\n    id INTEGER PRIMARY KEY,\n    name TEXT NOT NULL\n);\n",
    ),
    (
        "migrations/schema/0001_items.down.sql",
        "DROP TABLE items;\n",
    ),
];

/// Writes the starter manifest and, beside it, its first migration (files that exist are kept).
///
/// # Errors
/// [`Error::Exists`] without `--force` when the manifest exists; [`Error::Write`] on I/O failure.
pub fn init(path: Option<PathBuf>, force: bool, globals: &Globals) -> Result<u8, Error> {
    let path = path.unwrap_or_else(|| globals.manifest.clone());
    if path.exists() && !force {
        return Err(Error::Exists(path.display().to_string()));
    }
    let write_error = |path: &std::path::Path| {
        let path = path.display().to_string();
        move |source| Error::Write { path, source }
    };
    std::fs::write(&path, STARTER_MANIFEST).map_err(write_error(&path))?;
    let base = path.parent().unwrap_or(std::path::Path::new(""));
    let mut written = vec![path.display().to_string()];
    for (file, sql) in STARTER_MIGRATIONS {
        let file = base.join(file);
        if file.exists() {
            continue;
        }
        if let Some(dir) = file.parent() {
            std::fs::create_dir_all(dir).map_err(write_error(dir))?;
        }
        std::fs::write(&file, sql).map_err(write_error(&file))?;
        written.push(file.display().to_string());
    }
    output::println(&format!(
        "Wrote {}. Next: `backendctl validate`, then `backendctl plan`.",
        written.join(", ")
    ))?;
    Ok(exit_code::OK)
}
