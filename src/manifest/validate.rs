//! Schema validation: every violation of the generated JSON Schema, mapped back to its token.
//!
//! jsonschema reports errors by JSON pointer; the [`SpanTable`] turns each pointer into a span,
//! and each kind of violation gets a message written for people: "unknown key `dri`; did you mean
//! `dir`?", "expected one of …", "this block needs `url`".

use super::model::database::DATABASE_URL_PATTERN;
use super::model::duration::DURATION_PATTERN;
use super::model::scenario::{LATENCY_THRESHOLD_PATTERN, RATE_THRESHOLD_PATTERN};
use super::problem::{Problem, code_list};
use super::schema_view::SchemaView;
use super::span_table::{Origin, SpanTable, join};
use jsonschema::error::{TypeKind, ValidationErrorKind};
use serde_json::Value;

/// Validates `value` against `schema`, returning every violation as a problem.
#[must_use]
pub fn validate(schema: &Value, value: &Value, spans: &SpanTable) -> Vec<Problem> {
    let validator = jsonschema::validator_for(schema).expect("the generated schema is valid");
    let view = SchemaView::new(schema);
    validator
        .iter_errors(value)
        .flat_map(|error| {
            let pointer = error.instance_path().as_str().to_owned();
            describe(&view, spans, &pointer, error.kind(), error.instance())
        })
        .collect()
}

/// One violation being described: where it is and what was found there.
struct Violation<'a> {
    view: &'a SchemaView<'a>,
    spans: &'a SpanTable,
    pointer: &'a str,
    /// The key the value belongs to (`url`, `stage`).
    field: String,
    value_span: Option<miette::SourceSpan>,
    /// The value as the manifest writes it.
    shown: String,
    instance: &'a Value,
}

fn describe(
    view: &SchemaView<'_>,
    spans: &SpanTable,
    pointer: &str,
    kind: &ValidationErrorKind,
    instance: &Value,
) -> Vec<Problem> {
    let at = Violation {
        view,
        spans,
        pointer,
        field: field_name(pointer),
        value_span: spans.value_span(pointer),
        shown: show(instance),
        instance,
    };
    let problems = match kind {
        ValidationErrorKind::AdditionalProperties { unexpected } => unknown_keys(&at, unexpected),
        ValidationErrorKind::Required { property } => {
            vec![missing_key(&at, property.as_str().unwrap_or_default())]
        }
        ValidationErrorKind::OneOfNotValid { .. } | ValidationErrorKind::Enum { .. } => {
            vec![not_one_of(&at)]
        }
        ValidationErrorKind::Type { kind } => vec![wrong_type(&at, kind)],
        ValidationErrorKind::Pattern { pattern } => vec![bad_format(&at, pattern)],
        ValidationErrorKind::Minimum { limit }
        | ValidationErrorKind::ExclusiveMinimum { limit } => {
            vec![out_of_range(
                &at,
                "below the minimum of",
                "too small",
                "at least",
                limit,
            )]
        }
        ValidationErrorKind::Maximum { limit }
        | ValidationErrorKind::ExclusiveMaximum { limit } => {
            vec![out_of_range(
                &at,
                "above the maximum of",
                "too large",
                "at most",
                limit,
            )]
        }
        ValidationErrorKind::MinItems { limit } => vec![
            Problem::new(
                "manifest::too-few",
                format!("`{}` needs at least {limit} value(s)", at.field),
            )
            .at(spans.key_span(pointer), "too few")
            .help(format!("add a `{}`", at.field)),
        ],
        other => vec![
            Problem::new(
                "manifest::schema",
                format!("`{}`: {}", at.field, other_message(other, instance)),
            )
            .at(at.value_span, "invalid")
            .help("`backendctl schema` prints what is allowed here"),
        ],
    };
    problems
        .into_iter()
        .map(|problem| with_origin(spans, pointer, problem))
        .collect()
}

/// Keys the block does not allow, each with the closest allowed key.
fn unknown_keys(at: &Violation<'_>, unexpected: &[String]) -> Vec<Problem> {
    let allowed = at
        .view
        .at_pointer(at.pointer)
        .map(|block| at.view.property_names(block))
        .unwrap_or_default();
    unexpected
        .iter()
        .map(|key| {
            let key_pointer = join(at.pointer, key);
            let help = match closest(key, &allowed) {
                Some(candidate) => format!("did you mean `{candidate}`?"),
                None if allowed.is_empty() => "remove it".to_owned(),
                None => format!("allowed here: {}", code_list(&allowed)),
            };
            with_origin(
                at.spans,
                &key_pointer,
                Problem::new("manifest::unknown-key", format!("unknown key `{key}`"))
                    .at(at.spans.key_span(&key_pointer), "not allowed here")
                    .help(help),
            )
        })
        .collect()
}

/// A required key that is missing, with the first sentence of its documentation.
fn missing_key(at: &Violation<'_>, property: &str) -> Problem {
    let description = at
        .view
        .at_pointer(at.pointer)
        .and_then(|block| at.view.property(block, property))
        .map(|schema| at.view.resolve(schema))
        .and_then(|schema| schema.get("description"))
        .and_then(Value::as_str)
        .map(first_sentence);
    let block = if at.pointer.is_empty() {
        "the manifest".to_owned()
    } else {
        format!("`{}`", address_of(at.pointer))
    };
    let problem = Problem::new(
        "manifest::missing-key",
        format!("{block} is missing `{property}`"),
    )
    .at(
        at.spans.key_span(at.pointer),
        format!("this block needs `{property}`"),
    );
    match description {
        Some(description) => problem.help(format!("add `{property}`: {description}")),
        None => problem.help(format!("add `{property}`")),
    }
}

/// A value outside a documented set, with the closest member.
fn not_one_of(at: &Violation<'_>) -> Problem {
    let options = at
        .view
        .at_pointer(at.pointer)
        .map(|schema| enum_values(at.view.resolve(schema)))
        .unwrap_or_default();
    let bare: Vec<&str> = options.iter().map(|o| o.trim_matches('"')).collect();
    let help = match closest(at.instance.as_str().unwrap_or_default(), &bare) {
        Some(candidate) => format!("did you mean \"{candidate}\"?"),
        None => format!("use one of {}", options.join(", ")),
    };
    Problem::new(
        "manifest::not-one-of",
        format!(
            "`{}` is {}, expected one of {}",
            at.field,
            at.shown,
            options.join(", ")
        ),
    )
    .at(at.value_span, "not a known value")
    .help(help)
}

/// A value of the wrong JSON type, with how to write the right one.
fn wrong_type(at: &Violation<'_>, kind: &TypeKind) -> Problem {
    let field = &at.field;
    let expected = match kind {
        TypeKind::Single(ty) => article(&ty.to_string()),
        TypeKind::Multiple(types) => types
            .iter()
            .map(|ty| article(&ty.to_string()))
            .collect::<Vec<_>>()
            .join(" or "),
    };
    let help = match at.instance {
        Value::Array(_) => format!("`{field}` takes one value"),
        Value::Bool(true) if expected.contains("string") => {
            format!("give `{field}` a value: `{field} \"…\"`")
        }
        Value::Number(_) if expected.contains("string") => {
            format!("quote it: `\"{}\"`", at.shown)
        }
        Value::String(text)
            if (expected.contains("integer") || expected.contains("number"))
                && text.trim().parse::<f64>().is_ok() =>
        {
            format!("write the number without quotes: `{}`", text.trim())
        }
        _ => format!("`{field}` must be {expected}"),
    };
    Problem::new(
        "manifest::wrong-type",
        format!(
            "`{field}` is {}, expected {expected}",
            describe_value(at.instance)
        ),
    )
    .at(at.value_span, format!("expected {expected}"))
    .help(help)
}

/// A string that does not match its pattern: durations and thresholds get their own words.
fn bad_format(at: &Violation<'_>, pattern: &str) -> Problem {
    let shown = &at.shown;
    let (message, help) = if pattern == DURATION_PATTERN {
        (
            format!("{shown} is not a duration"),
            "write a number and a unit: \"500ms\", \"30s\", \"1m\", \"1h30m\"".to_owned(),
        )
    } else if pattern == LATENCY_THRESHOLD_PATTERN {
        (
            format!("{shown} is not a latency threshold"),
            "write a comparison and a duration: \"< 250ms\", \"<= 1s\"".to_owned(),
        )
    } else if pattern == DATABASE_URL_PATTERN {
        (
            format!("{shown} is a SQLite URL with no path"),
            "quote the URL: `url \"sqlite://var/app.db\"`; unquoted, `//` starts a comment in KDL and the path is lost (`sqlite::memory:` is the in-memory database)".to_owned(),
        )
    } else if pattern == RATE_THRESHOLD_PATTERN {
        (
            format!("{shown} is not a rate threshold"),
            "write a comparison and a percentage: \"< 1%\"".to_owned(),
        )
    } else {
        (
            format!(
                "`{}` is {shown}, which does not match `{pattern}`",
                at.field
            ),
            format!("`{}` must match `{pattern}`", at.field),
        )
    };
    Problem::new("manifest::bad-format", message)
        .at(at.value_span, "invalid")
        .help(help)
}

/// A number past a bound: `beyond` is "below the minimum of", `label` "too small", `within`
/// "at least".
fn out_of_range(
    at: &Violation<'_>,
    beyond: &str,
    label: &str,
    within: &str,
    limit: &Value,
) -> Problem {
    Problem::new(
        "manifest::out-of-range",
        format!("`{}` is {}, {beyond} {limit}", at.field, at.shown),
    )
    .at(at.value_span, label.to_owned())
    .help(format!("use a value of {within} {limit}"))
}

fn other_message(kind: &ValidationErrorKind, instance: &Value) -> String {
    match kind {
        ValidationErrorKind::MinLength { limit } => format!("shorter than {limit} characters"),
        ValidationErrorKind::MaxLength { limit } => format!("longer than {limit} characters"),
        ValidationErrorKind::MaxItems { limit } => format!("more than {limit} values"),
        ValidationErrorKind::Constant { expected_value } => {
            format!("expected {expected_value}, found {}", show(instance))
        }
        _ => format!("{} is not allowed here", show(instance)),
    }
}

/// Notes which variable or flag set a value, when it was not written in the file.
pub(super) fn with_origin(spans: &SpanTable, pointer: &str, problem: Problem) -> Problem {
    let origin = spans.exact(pointer).or_else(|| spans.locate(pointer));
    match origin {
        Some(Origin::Env { variable }) => Problem {
            message: format!("{} (set by {variable})", problem.message),
            primary: None,
            ..problem
        },
        Some(Origin::Flag { flag }) => Problem {
            message: format!("{} (set by `--set {flag}`)", problem.message),
            primary: None,
            ..problem
        },
        _ => problem,
    }
}

fn enum_values(schema: &Value) -> Vec<String> {
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        return values.iter().map(Value::to_string).collect();
    }
    schema
        .get("oneOf")
        .and_then(Value::as_array)
        .map(|variants| {
            variants
                .iter()
                .filter_map(|variant| variant.get("const"))
                .map(Value::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// The closest allowed name, if one is close enough to be a typo.
#[must_use]
pub fn closest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    candidates
        .iter()
        .map(|candidate| (strsim::jaro_winkler(word, candidate), *candidate))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, candidate)| candidate)
}

fn field_name(pointer: &str) -> String {
    pointer
        .rsplit('/')
        .find(|segment| segment.parse::<usize>().is_err())
        .unwrap_or("manifest")
        .replace("~1", "/")
        .replace("~0", "~")
}

/// `/database/main/url` → `database.main`.
fn address_of(pointer: &str) -> String {
    let segments: Vec<&str> = pointer.split('/').skip(1).collect();
    segments.join(".")
}

fn first_sentence(text: &str) -> String {
    let paragraph = text.split("\n\n").next().unwrap_or(text).replace('\n', " ");
    let end = paragraph
        .find(". ")
        .or_else(|| paragraph.find("; "))
        .unwrap_or(paragraph.len());
    paragraph[..end]
        .trim_end_matches(['.', ':', ';'])
        .to_owned()
}

fn show(value: &Value) -> String {
    match value {
        Value::String(text) => format!("\"{text}\""),
        other => other.to_string(),
    }
}

fn describe_value(value: &Value) -> String {
    match value {
        Value::Null => "#null".to_owned(),
        Value::Bool(true) => "given without a value".to_owned(),
        Value::Bool(false) => "#false".to_owned(),
        Value::Number(number) => format!("the number {number}"),
        Value::String(text) => format!("the string \"{text}\""),
        Value::Array(items) => format!("a list of {} values", items.len()),
        Value::Object(_) => "a block".to_owned(),
    }
}

fn article(ty: &str) -> String {
    match ty {
        "integer" => "an integer".to_owned(),
        "object" => "a block".to_owned(),
        "array" => "a list".to_owned(),
        "null" => "#null".to_owned(),
        other => format!("a {other}"),
    }
}
