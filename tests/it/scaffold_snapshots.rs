//! Snapshots of the rendered file list for every stack in its minimal and full feature set, so a
//! template change that adds, drops or renames a file shows up in review.

use std::collections::BTreeSet;

use backendctl::scaffold::project_name::ProjectName;
use backendctl::scaffold::template_set::render;
use backendctl::scaffold::{Feature, ScaffoldOptions, Stack};

use crate::harness::{Test, trial};

pub(crate) fn tests() -> Vec<Test> {
    vec![trial!(rendered_file_lists), trial!(render_to_dir, manual)]
}

fn options(stack: Stack, features: &[Feature]) -> ScaffoldOptions {
    ScaffoldOptions::new(
        ProjectName::new("shop-api").unwrap(),
        stack,
        features.iter().copied().collect::<BTreeSet<_>>(),
    )
}

fn rendered_file_lists() {
    for stack in Stack::ALL {
        for (label, features) in [("minimal", &[][..]), ("full", &Feature::ALL[..])] {
            let tree = render(&options(stack, features)).unwrap();
            let list: Vec<String> = tree
                .iter()
                .map(|(path, text)| format!("{path}  ({} lines)", text.lines().count()))
                .collect();
            insta::assert_snapshot!(format!("{stack}-{label}"), list.join("\n"));
        }
    }
}

/// Renders one project to `$SCAFFOLD_OUT` for manual inspection:
/// `SCAFFOLD_OUT=/tmp/x SCAFFOLD_STACK=express-typescript SCAFFOLD_MINIMAL=1 cargo test -- --ignored render_to_dir`.
fn render_to_dir() {
    let out = std::path::PathBuf::from(std::env::var("SCAFFOLD_OUT").unwrap());
    let stack: Stack = serde_json::from_value(serde_json::Value::String(
        std::env::var("SCAFFOLD_STACK").unwrap(),
    ))
    .unwrap();
    let features: &[Feature] = if std::env::var_os("SCAFFOLD_MINIMAL").is_some() {
        &[]
    } else {
        &Feature::ALL
    };
    let plan = backendctl::scaffold::plan_scaffold(&out, &options(stack, features), true).unwrap();
    backendctl::scaffold::apply_scaffold(&plan).unwrap();
}
