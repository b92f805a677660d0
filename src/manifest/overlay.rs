//! Overrides: `BACKENDCTL_*` environment variables and `--set POINTER=VALUE` flags, applied to the
//! lowered manifest before validation.
//!
//! A variable name is a path: `BACKENDCTL_DATABASE__MAIN__URL` is `/database/main/url` (`__`
//! separates segments; in field names `_` stands for `-`; block labels match case-insensitively).
//! The text is coerced by the schema type at that pointer (integers, booleans, comma-separated
//! lists), and the span table records the variable, so an error in an overridden value names it.
//! Settings variables (`BACKENDCTL_COLOR`, …) have no `__` and are not manifest overrides.

use super::problem::Problem;
use super::schema_view::{SchemaView, Shape, json_type};
use super::span_table::{Origin, SpanTable, escape_segment};
use serde_json::{Map, Value};

/// The prefix of manifest override variables.
pub const ENV_PREFIX: &str = "BACKENDCTL_";

/// One override to apply.
#[derive(Debug, Clone)]
pub struct Override {
    /// JSON pointer of the value to set.
    pub pointer: String,
    /// The text as given.
    pub text: String,
    /// Where it came from.
    pub origin: Origin,
}

/// Reads manifest overrides from environment variables (name, value), in name order.
#[must_use]
pub fn from_env(
    view: &SchemaView<'_>,
    value: &Value,
    variables: impl IntoIterator<Item = (String, String)>,
) -> Vec<Override> {
    let mut variables: Vec<_> = variables
        .into_iter()
        .filter(|(name, _)| name.starts_with(ENV_PREFIX) && name.contains("__"))
        .collect();
    variables.sort();
    variables
        .into_iter()
        .filter_map(|(name, text)| {
            let segments: Vec<&str> = name[ENV_PREFIX.len()..].split("__").collect();
            let pointer = pointer_for(view, value, &segments)?;
            Some(Override {
                pointer,
                text,
                origin: Origin::Env { variable: name },
            })
        })
        .collect()
}

/// Reads `--set` flags: `POINTER=VALUE`, where the pointer is `/database/main/url` or
/// `database.main.url`.
///
/// # Errors
/// A problem for each flag without `=`.
pub fn from_flags(flags: &[String]) -> Result<Vec<Override>, Vec<Problem>> {
    let mut overrides = Vec::new();
    let mut problems = Vec::new();
    for flag in flags {
        let Some((path, text)) = flag.split_once('=') else {
            problems.push(
                Problem::new("manifest::bad-override", format!("`--set {flag}` has no `=`"))
                    .help("write `--set database.main.url=sqlite://app.db` or `--set /database/main/url=…`"),
            );
            continue;
        };
        let pointer = if path.starts_with('/') {
            path.to_owned()
        } else {
            path.split('.')
                .map(|segment| format!("/{}", escape_segment(segment)))
                .collect()
        };
        overrides.push(Override {
            pointer,
            text: text.to_owned(),
            origin: Origin::Flag { flag: flag.clone() },
        });
    }
    if problems.is_empty() {
        Ok(overrides)
    } else {
        Err(problems)
    }
}

/// Applies `overrides` in order, coercing each by the schema.
pub fn apply(
    view: &SchemaView<'_>,
    value: &mut Value,
    spans: &mut SpanTable,
    overrides: Vec<Override>,
) -> Vec<Problem> {
    let mut problems = Vec::new();
    for Override {
        pointer,
        text,
        origin,
    } in overrides
    {
        let source = match &origin {
            Origin::Env { variable } => variable.clone(),
            Origin::Flag { flag } => format!("--set {flag}"),
            Origin::Source { .. } => String::new(),
        };
        let Some(schema) = view.at_pointer(&pointer) else {
            problems.push(
                Problem::new(
                    "manifest::bad-override",
                    format!("{source} names `{pointer}`, which is not a manifest key"),
                )
                .help("`backendctl schema` lists the keys; labels are written as they are in the file"),
            );
            continue;
        };
        match coerce(view, schema, &text) {
            Ok(coerced) => {
                set(value, &pointer, coerced);
                spans.record(pointer, origin);
            }
            Err(expected) => problems.push(
                Problem::new(
                    "manifest::bad-override",
                    format!("{source}: \"{text}\" is not {expected}"),
                )
                .help(format!("`{pointer}` takes {expected}")),
            ),
        }
    }
    problems
}

/// Maps variable segments to a pointer by walking the schema and the current value.
fn pointer_for(view: &SchemaView<'_>, value: &Value, segments: &[&str]) -> Option<String> {
    let mut schema = view.root();
    let mut current = Some(value);
    let mut pointer = String::new();
    for segment in segments {
        let key = match view.shape(schema) {
            Shape::Block(block) => {
                let field = segment.to_lowercase().replace('_', "-");
                schema = view.property(block, &field)?;
                field
            }
            Shape::Labelled(item) => {
                schema = item;
                let existing = current.and_then(Value::as_object).and_then(|labels| {
                    labels
                        .keys()
                        .find(|label| label.eq_ignore_ascii_case(segment))
                });
                existing.cloned().unwrap_or_else(|| segment.to_lowercase())
            }
            Shape::Properties(values) => {
                schema = values;
                (*segment).to_owned()
            }
            Shape::List(item) => {
                segment.parse::<usize>().ok()?;
                schema = item;
                (*segment).to_owned()
            }
            Shape::Scalar(_) => return None,
        };
        current = current.and_then(|value| value.get(&key));
        pointer.push('/');
        pointer.push_str(&escape_segment(&key));
    }
    Some(pointer)
}

/// Converts text to the JSON type the schema expects.
fn coerce(view: &SchemaView<'_>, schema: &Value, text: &str) -> Result<Value, String> {
    let schema = view.resolve(schema);
    match view.shape(schema) {
        Shape::List(item) => text
            .split(',')
            .map(|part| coerce(view, item, part.trim()))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array)
            .map_err(|expected| format!("a comma-separated list of {expected}")),
        Shape::Block(_) | Shape::Labelled(_) | Shape::Properties(_) => serde_json::from_str(text)
            .ok()
            .filter(Value::is_object)
            .ok_or_else(|| "a JSON object".to_owned()),
        Shape::Scalar(_) => match json_type(schema) {
            Some("integer") => text
                .trim()
                .parse::<i64>()
                .map(Value::from)
                .map_err(|_| "an integer".to_owned()),
            Some("number") => text
                .trim()
                .parse::<f64>()
                .ok()
                .and_then(serde_json::Number::from_f64)
                .map(Value::Number)
                .ok_or_else(|| "a number".to_owned()),
            Some("boolean") => match text.trim() {
                "true" | "#true" | "1" | "yes" => Ok(Value::Bool(true)),
                "false" | "#false" | "0" | "no" => Ok(Value::Bool(false)),
                _ => Err("a boolean (true or false)".to_owned()),
            },
            _ => Ok(Value::String(text.to_owned())),
        },
    }
}

/// Sets `pointer` in `value`, creating blocks on the way.
fn set(value: &mut Value, pointer: &str, new: Value) {
    let mut current = value;
    let segments: Vec<String> = pointer
        .split('/')
        .skip(1)
        .map(|segment| segment.replace("~1", "/").replace("~0", "~"))
        .collect();
    let Some((last, parents)) = segments.split_last() else {
        *current = new;
        return;
    };
    for segment in parents {
        if !current.is_object() && !current.is_array() {
            *current = Value::Object(Map::new());
        }
        current = match current {
            Value::Array(items) => {
                match segment.parse::<usize>().ok().and_then(|i| items.get_mut(i)) {
                    Some(item) => item,
                    None => return,
                }
            }
            Value::Object(map) => map
                .entry(segment.clone())
                .or_insert_with(|| Value::Object(Map::new())),
            _ => return,
        };
    }
    match current {
        Value::Object(map) => {
            map.insert(last.clone(), new);
        }
        Value::Array(items) => {
            if let Some(item) = last.parse::<usize>().ok().and_then(|i| items.get_mut(i)) {
                *item = new;
            }
        }
        other => {
            let mut map = Map::new();
            map.insert(last.clone(), new);
            *other = Value::Object(map);
        }
    }
}
