//! The field reference in `docs/manifest-reference.md`, generated from the schema so that every
//! node kind and every field is documented and the page cannot drift (`tests/it/schema.rs`).

use super::problem::code_list;
use super::schema_view::{SchemaView, Shape, json_type};
use serde_json::Value;
use std::fmt::Write as _;

/// Renders the reference page.
#[must_use]
pub fn render(schema: &Value) -> String {
    let view = SchemaView::new(schema);
    let mut out = String::from(
        "# Manifest reference\n\n\
         Generated from the schema (`backendctl schema`) by `UPDATE_SCHEMA=1 cargo test -- schema::`;\n\
         do not edit by hand. The rules that turn KDL into these fields are in `manifest.md`.\n",
    );
    let mut seen = Vec::new();
    for name in view.property_names(schema) {
        let property = view.property(schema, name).expect("listed property");
        let (block, heading) = match view.shape(property) {
            Shape::Labelled(item) => (item, format!("`{name} \"NAME\" {{ … }}`")),
            Shape::Block(block) => (block, format!("`{name} …`")),
            _ => continue,
        };
        let _ = write!(out, "\n## {heading}\n\n{}\n", description(&view, property));
        block_table(&view, block, name, &mut out, &mut seen);
    }
    out
}

fn block_table(
    view: &SchemaView<'_>,
    block: &Value,
    path: &str,
    out: &mut String,
    seen: &mut Vec<String>,
) {
    let block = view.resolve(block);
    let positional = view.positional_names(block);
    if !positional.is_empty() {
        let _ = writeln!(out, "\nPositional values: {}.", code_list(&positional));
    }
    let required: Vec<&str> = block
        .get("required")
        .and_then(Value::as_array)
        .map(|names| names.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    out.push_str("\n| field | type | required | description |\n|---|---|---|---|\n");
    let mut nested = Vec::new();
    for name in view.property_names(block) {
        let schema = view.property(block, name).expect("listed property");
        let (ty, inner) = type_of(view, schema);
        let _ = writeln!(
            out,
            "| `{name}` | {ty} | {} | {} |",
            if required.contains(&name) {
                "yes"
            } else {
                "no"
            },
            description(view, schema)
                .replace('\n', " ")
                .replace('|', "\\|")
        );
        if let Some(inner) = inner {
            nested.push((format!("{path} › {name}"), inner));
        }
    }
    for (nested_path, inner) in nested {
        let key = nested_path.clone();
        if seen.contains(&key) {
            continue;
        }
        seen.push(key);
        let _ = write!(out, "\n### `{nested_path}`\n");
        block_table(view, inner, &nested_path, out, seen);
    }
}

/// A readable type, and the block schema to document below when the field is a block.
fn type_of<'a>(view: &SchemaView<'a>, schema: &'a Value) -> (String, Option<&'a Value>) {
    let resolved = view.resolve(schema);
    match view.shape(schema) {
        Shape::Block(block) => ("block".to_owned(), Some(block)),
        Shape::Labelled(item) => ("labelled blocks".to_owned(), Some(item)),
        Shape::Properties(_) => ("properties (`KEY=\"value\"`)".to_owned(), None),
        Shape::List(item) => match view.shape(item) {
            Shape::Block(block) => ("repeated block".to_owned(), Some(block)),
            _ => (format!("list of {}", scalar_type(view.resolve(item))), None),
        },
        Shape::Scalar(_) => (scalar_type(resolved), None),
    }
}

fn scalar_type(schema: &Value) -> String {
    if let Some(variants) = schema.get("oneOf").and_then(Value::as_array) {
        let values: Vec<String> = variants
            .iter()
            .filter_map(|variant| variant.get("const"))
            .map(|value| format!("`{value}`"))
            .collect();
        if !values.is_empty() {
            return format!("one of {}", values.join(", "));
        }
    }
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        let values: Vec<String> = values.iter().map(|value| format!("`{value}`")).collect();
        return format!("one of {}", values.join(", "));
    }
    if schema.get("pattern").is_some()
        && schema
            .get("description")
            .is_some_and(|d| d.as_str().is_some_and(|d| d.contains("duration")))
    {
        return "duration".to_owned();
    }
    json_type(schema).unwrap_or("value").to_owned()
}

fn description(view: &SchemaView<'_>, schema: &Value) -> String {
    schema
        .get("description")
        .or_else(|| view.resolve(schema).get("description"))
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned()
}
