//! Overrides: `BACKENDCTL_*` environment variables and `--set PATH=VALUE` flags, applied to the
//! lowered manifest before validation.
//!
//! A variable name is a path: `BACKENDCTL_DATABASE__MAIN__URL` is `database.main.url` (`__`
//! separates segments). A flag names the same path with dots (`database.main.url`) or as a JSON
//! pointer (`/database/main/url`). Each segment is matched against what exists: a key the schema
//! declares at that place, a block label the manifest declares, an index of a list it holds, or
//! any name in a free-form map (`env`). A segment matches exactly or, failing that, ignoring
//! case with `_` and `-` alike, so `BACKENDCTL_SCENARIO__API_GATE__BASE_URL` reaches
//! `scenario "api-gate"`; when that finds two labels (`api-gate` and `api_gate`), the override is
//! ambiguous and `--set` must name one. An override that matches nothing is a problem with the
//! closest spelling that would match: overrides change values, they never add a node.
//!
//! The text is coerced by the schema type at that place (integers, booleans, comma-separated
//! lists), and the span table records the variable, so an error in an overridden value names it.
//! Settings variables (`BACKENDCTL_COLOR`, …) have no `__` and are not manifest overrides; a
//! variable without `__` that starts like a manifest path (`BACKENDCTL_DATABASE_MAIN_URL`) is a
//! problem, since it was surely meant as one.

use super::problem::{Problem, code_list};
use super::schema_view::{SchemaView, Shape, json_type};
use super::span_table::{Origin, SpanTable, escape_segment};
use super::validate::closest;
use serde_json::{Map, Value};

/// The prefix of manifest override variables.
pub const ENV_PREFIX: &str = "BACKENDCTL_";

/// One override to apply.
#[derive(Debug, Clone)]
pub struct Override {
    /// The path as given, one segment each (`["DATABASE", "MAIN", "URL"]`).
    pub path: Vec<String>,
    /// The text as given.
    pub text: String,
    /// Where it came from.
    pub origin: Origin,
}

/// Reads manifest overrides from environment variables (name, value), in name order.
///
/// # Errors
/// A problem for each variable that looks like an override but has no `__`.
pub fn from_env(
    view: &SchemaView<'_>,
    value: &Value,
    variables: impl IntoIterator<Item = (String, String)>,
) -> (Vec<Override>, Vec<Problem>) {
    let mut variables: Vec<_> = variables
        .into_iter()
        .filter(|(name, _)| name.starts_with(ENV_PREFIX))
        .collect();
    variables.sort();
    let node_kinds = view.property_names(view.root());
    let mut overrides = Vec::new();
    let mut problems = Vec::new();
    for (name, text) in variables {
        let rest = &name[ENV_PREFIX.len()..];
        if rest.contains("__") {
            overrides.push(Override {
                path: rest.split("__").map(str::to_owned).collect(),
                text,
                origin: Origin::Env { variable: name },
            });
        } else if rest.split('_').next().is_some_and(|first| {
            node_kinds
                .iter()
                .any(|kind| kind.eq_ignore_ascii_case(first))
        }) {
            let help = match split_into_segments(view, value, rest).as_slice() {
                [only] => format!("did you mean `{}`?", variable_name(only)),
                _ => format!(
                    "separate segments with `__`: `{ENV_PREFIX}DATABASE__MAIN__URL` sets `database.main.url`"
                ),
            };
            problems.push(
                Problem::new(
                    "manifest::unknown-override",
                    format!(
                        "{name} looks like a manifest override but has no `__` between its segments"
                    ),
                )
                .help(help),
            );
        }
    }
    (overrides, problems)
}

/// The ways of cutting `DATABASE_MAIN_URL` at some of its `_` that match a manifest value
/// (`DATABASE`, `MAIN`, `URL`). Names of more than 12 words are not tried.
fn split_into_segments(view: &SchemaView<'_>, value: &Value, name: &str) -> Vec<Vec<String>> {
    let words: Vec<&str> = name.split('_').collect();
    if words.len() > 12 {
        return Vec::new();
    }
    let cuts = words.len() - 1;
    (0..1_u32 << cuts)
        .map(|mask| {
            let mut segments = vec![words[0].to_owned()];
            for (index, word) in words.iter().enumerate().skip(1) {
                if mask & (1 << (index - 1)) == 0 {
                    let last = segments.last_mut().expect("one segment");
                    last.push('_');
                    last.push_str(word);
                } else {
                    segments.push((*word).to_owned());
                }
            }
            segments
        })
        .filter(|segments| {
            resolve(view, value, segments).is_ok_and(|(_, schema)| {
                matches!(view.shape(schema), Shape::Scalar(_) | Shape::List(_))
            })
        })
        .collect()
}

/// Reads `--set` flags: `PATH=VALUE`, where the path is `database.main.url` or
/// `/database/main/url`.
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
        let path = match path.strip_prefix('/') {
            Some(pointer) => pointer
                .split('/')
                .map(|segment| segment.replace("~1", "/").replace("~0", "~"))
                .collect(),
            None => path.split('.').map(str::to_owned).collect(),
        };
        overrides.push(Override {
            path,
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

/// Applies `overrides` in order, each resolved against the manifest and coerced by the schema.
pub fn apply(
    view: &SchemaView<'_>,
    value: &mut Value,
    spans: &mut SpanTable,
    overrides: Vec<Override>,
) -> Vec<Problem> {
    let mut problems = Vec::new();
    for Override { path, text, origin } in overrides {
        let source = match &origin {
            Origin::Env { variable } => variable.clone(),
            Origin::Flag { flag } => format!("--set {flag}"),
            Origin::Source { .. } => String::new(),
        };
        let (pointer, schema) = match resolve(view, value, &path) {
            Ok(found) => found,
            Err(mismatch) => {
                problems.push(mismatch.problem(&source, &origin));
                continue;
            }
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
                .help(format!("`{}` takes {expected}", dotted(&pointer))),
            ),
        }
    }
    problems
}

/// Why an override's path matches no value.
#[derive(Debug)]
struct Mismatch {
    /// What is wrong, after "matches no manifest value: ".
    reason: String,
    /// The segments that would match, when one spelling is close enough.
    suggestion: Option<Vec<String>>,
    /// Otherwise, what would help.
    help: String,
    /// The path names two labels.
    ambiguous: bool,
}

impl Mismatch {
    fn problem(&self, source: &str, origin: &Origin) -> Problem {
        let message = if self.ambiguous {
            format!("{source} is ambiguous: {}", self.reason)
        } else {
            format!("{source} matches no manifest value: {}", self.reason)
        };
        let help = match &self.suggestion {
            Some(segments) => format!("did you mean `{}`?", spell(origin, segments)),
            None => self.help.clone(),
        };
        Problem::new("manifest::unknown-override", message).help(help)
    }
}

/// How an override with these segments is written where `origin` wrote it.
fn spell(origin: &Origin, segments: &[String]) -> String {
    match origin {
        Origin::Env { .. } => variable_name(segments),
        _ => format!("--set {}=…", segments.join(".")),
    }
}

/// The variable that overrides the value at these segments.
fn variable_name(segments: &[String]) -> String {
    let segments: Vec<String> = segments
        .iter()
        .map(|segment| segment.to_uppercase().replace('-', "_"))
        .collect();
    format!("{ENV_PREFIX}{}", segments.join("__"))
}

/// `/database/main/url` → `database.main.url`.
fn dotted(pointer: &str) -> String {
    pointer
        .split('/')
        .skip(1)
        .map(|segment| segment.replace("~1", "/").replace("~0", "~"))
        .collect::<Vec<_>>()
        .join(".")
}

/// `api_gate`, `API-Gate` and `api-gate` are one name to an override.
fn loose(name: &str) -> String {
    name.to_lowercase().replace('_', "-")
}

/// The names among `names` that `segment` matches: itself exactly, or else every name equal to
/// it ignoring case with `_` and `-` alike.
fn matching<'n>(segment: &str, names: &[&'n str]) -> Vec<&'n str> {
    if let Some(exact) = names.iter().find(|name| **name == segment) {
        return vec![exact];
    }
    let wanted = loose(segment);
    names
        .iter()
        .filter(|name| loose(name) == wanted)
        .copied()
        .collect()
}

/// Walks `path` through the schema and the current value to a JSON pointer and the schema there.
fn resolve<'s>(
    view: &SchemaView<'s>,
    value: &Value,
    path: &[String],
) -> Result<(String, &'s Value), Mismatch> {
    let mut schema = view.root();
    let mut current = Some(value);
    let mut pointer = String::new();
    let mut matched: Vec<String> = Vec::new();
    for (index, segment) in path.iter().enumerate() {
        let place = if matched.is_empty() {
            "the manifest".to_owned()
        } else {
            format!("`{}`", matched.join("."))
        };
        let suggest = |candidate: &str| {
            let mut segments = matched.clone();
            segments.push(candidate.to_owned());
            segments.extend(path[index + 1..].iter().cloned());
            segments
        };
        let key = match view.shape(schema) {
            Shape::Block(block) => {
                let names = view.property_names(block);
                match matching(segment, &names).first() {
                    Some(field) => {
                        schema = view.property(block, field).expect("a declared property");
                        (*field).to_owned()
                    }
                    None => {
                        let loose_names: Vec<String> = names.iter().map(|n| loose(n)).collect();
                        let loose_refs: Vec<&str> =
                            loose_names.iter().map(String::as_str).collect();
                        let candidate = closest(&loose(segment), &loose_refs)
                            .and_then(|found| names.iter().find(|n| loose(n) == found));
                        return Err(Mismatch {
                            reason: format!("{place} has no key `{}`", loose(segment)),
                            suggestion: candidate.map(|c| suggest(c)),
                            help: format!("keys here: {}", code_list(&names)),
                            ambiguous: false,
                        });
                    }
                }
            }
            Shape::Labelled(item) => {
                schema = item;
                let kind = matched.last().cloned().unwrap_or_default();
                let labels: Vec<&str> = current
                    .and_then(Value::as_object)
                    .map(|labels| labels.keys().map(String::as_str).collect())
                    .unwrap_or_default();
                match matching(segment, &labels).as_slice() {
                    [label] => (*label).to_owned(),
                    [] => {
                        let loose_labels: Vec<String> = labels.iter().map(|l| loose(l)).collect();
                        let loose_refs: Vec<&str> =
                            loose_labels.iter().map(String::as_str).collect();
                        let candidate = closest(&loose(segment), &loose_refs)
                            .and_then(|found| labels.iter().find(|l| loose(l) == found));
                        let help = if labels.is_empty() {
                            format!(
                                "the manifest declares no `{kind}`; an override changes a value, it does not add a node"
                            )
                        } else {
                            format!(
                                "declared: {}; an override changes a value, it does not add a node",
                                code_list(&labels)
                            )
                        };
                        return Err(Mismatch {
                            reason: format!(
                                "the manifest has no `{kind} \"{}\"`",
                                segment.to_lowercase()
                            ),
                            suggestion: candidate.map(|c| suggest(c)),
                            help,
                            ambiguous: false,
                        });
                    }
                    several => {
                        let names: Vec<String> = several
                            .iter()
                            .map(|label| format!("{kind} \"{label}\""))
                            .collect();
                        let mut segments = matched.clone();
                        segments.push(several[0].to_owned());
                        segments.extend(path[index + 1..].iter().map(|s| loose(s)));
                        return Err(Mismatch {
                            reason: format!("`{segment}` names each of {}", code_list(&names)),
                            suggestion: None,
                            help: format!(
                                "name one with `--set`, which takes labels as written: `--set {}=…`",
                                segments.join(".")
                            ),
                            ambiguous: true,
                        });
                    }
                }
            }
            Shape::Properties(values) => {
                schema = values;
                segment.clone()
            }
            Shape::List(item) => {
                schema = item;
                let length = current.and_then(Value::as_array).map_or(0, Vec::len);
                match segment.parse::<usize>() {
                    Ok(position) if position < length => segment.clone(),
                    _ => {
                        return Err(Mismatch {
                            reason: format!(
                                "{place} has {length} item(s), numbered from 0; `{segment}` is none of them"
                            ),
                            suggestion: None,
                            help: format!(
                                "give an index below {length}, or set the whole list at `{}` (comma-separated)",
                                matched.join(".")
                            ),
                            ambiguous: false,
                        });
                    }
                }
            }
            Shape::Scalar(_) => {
                return Err(Mismatch {
                    reason: format!("{place} is a single value, with nothing inside it"),
                    suggestion: Some(matched.clone()),
                    help: String::new(),
                    ambiguous: false,
                });
            }
        };
        current = current.and_then(|value| match value {
            Value::Array(items) => key.parse::<usize>().ok().and_then(|i| items.get(i)),
            other => other.get(&key),
        });
        pointer.push('/');
        pointer.push_str(&escape_segment(&key));
        matched.push(key);
    }
    Ok((pointer, schema))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_segment_matches_exactly_then_loosely() {
        let labels = ["api-gate", "api_gate", "web"];
        assert_eq!(matching("api_gate", &labels), ["api_gate"]);
        assert_eq!(matching("API_GATE", &labels), ["api-gate", "api_gate"]);
        assert_eq!(matching("WEB", &labels), ["web"]);
        assert!(matching("webs", &labels).is_empty());
    }

    #[test]
    fn a_variable_without_separators_is_cut_where_it_matches() {
        let schema = crate::manifest::schema();
        let view = SchemaView::new(schema);
        let value = serde_json::json!({
            "backend": {"version": 1},
            "scenario": {"api-gate": {"base-url": "http://x", "stages": {}, "request": []}},
        });
        assert_eq!(
            split_into_segments(&view, &value, "SCENARIO_API_GATE_BASE_URL"),
            [["SCENARIO", "API_GATE", "BASE_URL"]]
        );
        assert!(split_into_segments(&view, &value, "SCENARIO_WEB_BASE_URL").is_empty());
    }
}
