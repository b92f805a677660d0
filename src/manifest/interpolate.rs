//! Interpolation: `{{ env.NAME }}`, `{{ env.NAME | default('x') }}` and `{{ database.main.url }}`
//! in any string of the manifest, evaluated with minijinja.
//!
//! Database URLs are rendered first (they may use `env` only), then every other string with both
//! `env` and `database`. Values read from the environment become secrets for the [`Redactor`].
//! A reference to `database.NAME` also becomes a dependency edge, so a service whose environment
//! names a database's URL runs after that database. Strings under `scenario` may use the load
//! engine's run-time variables (`{{ vars.token }}`); those are left for the load engine.
//!
//! [`Redactor`]: crate::redact::Redactor

use super::problem::Problem;
use super::span_table::{SpanTable, join};
use minijinja::{Environment, UndefinedBehavior};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};

/// Roots the load engine evaluates at run time, inside scenarios.
pub const RUNTIME_ROOTS: &[&str] = &["vars", "data", "iteration", "vu"];

/// What interpolation learned besides the new values.
#[derive(Debug, Default)]
pub struct Interpolated {
    /// Values read from the environment.
    pub secrets: BTreeSet<String>,
    /// (node address, database name) pairs: the node refers to the database's URL.
    pub database_references: BTreeSet<(String, String)>,
}

/// Interpolates every string of `value` in place.
///
/// # Errors
/// A problem for each string that fails to parse or refers to something undefined.
pub fn interpolate(
    value: &mut Value,
    spans: &SpanTable,
    lookup_env: &dyn Fn(&str) -> Option<String>,
) -> Result<Interpolated, Vec<Problem>> {
    let mut environment = Environment::new();
    environment.set_undefined_behavior(UndefinedBehavior::Strict);
    bound_work(&mut environment);
    let mut found = Interpolated::default();
    let mut problems = Vec::new();

    let mut strings = Vec::new();
    collect_strings(value, String::new(), &mut strings);

    // Database URLs first, with `env` only.
    let mut databases = Map::new();
    for (pointer, text) in strings.iter().filter(|(p, _)| is_database_url(p)) {
        let rendered = render(
            &environment,
            spans,
            pointer,
            text,
            None,
            lookup_env,
            &mut found,
        )
        .unwrap_or_else(|problem| {
            problems.push(problem);
            text.clone()
        });
        let name = pointer.split('/').nth(2).unwrap_or_default().to_owned();
        databases.insert(name, serde_json::json!({ "url": rendered }));
        set_string(value, pointer, rendered);
    }
    let databases = Value::Object(databases);
    for (pointer, text) in strings.iter().filter(|(p, _)| !is_database_url(p)) {
        match render(
            &environment,
            spans,
            pointer,
            text,
            Some(&databases),
            lookup_env,
            &mut found,
        ) {
            Ok(rendered) => set_string(value, pointer, rendered),
            Err(problem) => problems.push(problem),
        }
    }
    if problems.is_empty() {
        Ok(found)
    } else {
        Err(problems)
    }
}

/// Work one template may do: enough for any real manifest value, far from what a hostile one
/// needs to exhaust memory or time (`{{ 'a' | indent(3000000000) }}`, loops over `'x' * 100000`).
/// One fuel is one instruction or 64 bytes produced, so this bounds a value near 6 MB.
pub const TEMPLATE_FUEL: u64 = 100_000;
/// Nesting of macro calls and includes a template may reach (minijinja's default is 500,
/// more than a 2 MiB thread's stack holds with room to spare).
pub const TEMPLATE_RECURSION: usize = 64;

/// Puts the fuel and recursion bounds on `environment`; every template a user writes is rendered
/// in such an environment (here and in the load engine's per-request templates).
pub fn bound_work(environment: &mut Environment<'_>) {
    environment.set_fuel(Some(TEMPLATE_FUEL));
    environment.set_recursion_limit(TEMPLATE_RECURSION);
}

fn render(
    environment: &Environment<'_>,
    spans: &SpanTable,
    pointer: &str,
    text: &str,
    databases: Option<&Value>,
    lookup_env: &dyn Fn(&str) -> Option<String>,
    found: &mut Interpolated,
) -> Result<String, Problem> {
    if !text.contains("{{") && !text.contains("{%") {
        return Ok(text.to_owned());
    }
    let span = spans.value_span(pointer);
    let bad = |message: String, help: &str| {
        Problem::new("manifest::interpolation", message)
            .at(span, "in this value")
            .help(help.to_owned())
    };
    let template = environment.template_from_str(text).map_err(|error| {
        bad(
            format!("cannot read the template {text:?}: {}", error.detail().unwrap_or("syntax error")),
            "interpolations look like `{{ env.NAME }}`, `{{ env.NAME | default('x') }}` or `{{ database.main.url }}`",
        )
    })?;
    let names = template.undeclared_variables(true);
    let roots: BTreeSet<&str> = names
        .iter()
        .map(|name| name.split('.').next().unwrap_or(name))
        .collect();
    let in_scenario = pointer.starts_with("/scenario/");
    if in_scenario && roots.iter().any(|root| RUNTIME_ROOTS.contains(root)) {
        return Ok(text.to_owned());
    }
    for root in &roots {
        let known = *root == "env" || (*root == "database" && databases.is_some());
        if !known {
            let help = if databases.is_some() {
                "available here: `env.NAME` and `database.NAME.url`"
            } else {
                "a database URL may use `env.NAME` only"
            };
            return Err(bad(format!("unknown variable `{root}` in {text:?}"), help));
        }
    }
    let mut env = BTreeMap::new();
    for name in &names {
        if let Some(variable) = name.strip_prefix("env.") {
            let variable = variable.split('.').next().unwrap_or(variable);
            if let Some(value) = lookup_env(variable) {
                found.secrets.insert(value.clone());
                env.insert(variable.to_owned(), value);
            }
        }
        if let Some(rest) = name.strip_prefix("database.")
            && let Some(address) = node_address(pointer)
        {
            let database = rest.split('.').next().unwrap_or(rest).to_owned();
            found.database_references.insert((address, database));
        }
    }
    let context = serde_json::json!({
        "env": env,
        "database": databases.cloned().unwrap_or(Value::Null),
    });
    template
        .render(minijinja::Value::from(minijinja::value::Serde(&context)))
        .map_err(|error| {
            let detail = error
                .detail()
                .map(str::to_owned)
                .unwrap_or_else(|| error.to_string());
            let help = if error.kind() == minijinja::ErrorKind::OutOfFuel {
                "a manifest value is a short text: this template does more work than one needs (loops, repetition, large widths)"
            } else if names.iter().any(|name| name.starts_with("env.")) {
                "set the variable, or give a fallback: `{{ env.NAME | default('value') }}`"
            } else {
                "check the name: databases are referred to as `database.NAME.url`"
            };
            bad(format!("cannot interpolate {text:?}: {detail}"), help)
        })
}

fn is_database_url(pointer: &str) -> bool {
    let segments: Vec<&str> = pointer.split('/').collect();
    segments.len() == 4 && segments[1] == "database" && segments[3] == "url"
}

/// `/service/api/env/PORT` → `service.api`.
fn node_address(pointer: &str) -> Option<String> {
    let mut segments = pointer.split('/').skip(1);
    let kind = segments.next()?;
    let name = segments.next()?;
    Some(format!(
        "{kind}.{}",
        name.replace("~1", "/").replace("~0", "~")
    ))
}

fn collect_strings(value: &Value, pointer: String, out: &mut Vec<(String, String)>) {
    match value {
        Value::String(text) => out.push((pointer, text.clone())),
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                collect_strings(item, format!("{pointer}/{index}"), out);
            }
        }
        Value::Object(map) => {
            for (key, item) in map {
                collect_strings(item, join(&pointer, key), out);
            }
        }
        _ => {}
    }
}

fn set_string(value: &mut Value, pointer: &str, text: String) {
    if let Some(slot) = value.pointer_mut(pointer) {
        *slot = Value::String(text);
    }
}
