//! The committed JSON Schema matches the model. Regenerate with
//! `UPDATE_SCHEMA=1 cargo test -- schema::`.

use std::path::Path;

use backendctl::exit_code;

use crate::binary::Backendctl;
use crate::harness::{Test, trial};

pub(crate) fn tests() -> Vec<Test> {
    vec![
        trial!(committed_schema_is_current),
        trial!(schema_command_prints_the_committed_schema),
        trial!(committed_reference_is_current),
    ]
}

fn committed_schema_is_current() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/backend.schema.json");
    let current = backendctl::manifest::schema_text();
    if std::env::var_os("UPDATE_SCHEMA").is_some() {
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(&path, &current).expect("write schema");
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == current,
        "schemas/backend.schema.json is stale: run `UPDATE_SCHEMA=1 cargo test -- schema::`"
    );
}

fn schema_command_prints_the_committed_schema() {
    let printed = Backendctl::new()
        .arg("schema")
        .run()
        .assert_status(exit_code::OK)
        .json();
    assert_eq!(&printed, backendctl::manifest::schema());
    assert_eq!(printed["title"], "backend.kdl");
}

fn committed_reference_is_current() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/manifest-reference.md");
    let current = backendctl::manifest::reference::render(backendctl::manifest::schema());
    if std::env::var_os("UPDATE_SCHEMA").is_some() {
        std::fs::write(&path, &current).expect("write reference");
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == current,
        "docs/manifest-reference.md is stale: run `UPDATE_SCHEMA=1 cargo test -- schema::`"
    );
}
