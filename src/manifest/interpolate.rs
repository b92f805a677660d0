//! Interpolation: `{{ env.NAME }}`, `{{ env.NAME | default('x') }}` and `{{ database.main.url }}`
//! in any string of the manifest, evaluated with minijinja.
//!
//! Database URLs are rendered first (they may use `env` only), then every other string with both
//! `env` and `database`. Values read from the environment become secrets for the [`Redactor`].
//! A reference to `database.NAME` also becomes a dependency edge, so a service whose environment
//! names a database's URL runs after that database. Strings under `scenario` may use the load
//! engine's run-time variables (`{{ vars.token }}`, `{{ vu }}`); those are left for the load
//! engine, which renders them per request. In such a string every other `{{ … }}` (`env`,
//! `database`) is still rendered here, so `"/t/{{ env.TENANT }}/u/{{ vu }}"` reaches the engine
//! as `"/t/acme/u/{{ vu }}"` and the tenant is a secret like any other (issue 11: the string used
//! to be left whole, and `env` was then undefined at run time, failing every request).
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
        return render_around_runtime(
            environment,
            spans,
            pointer,
            text,
            databases,
            lookup_env,
            found,
        );
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

/// Renders, in a scenario string that uses run-time variables, each `{{ … }}` that uses only
/// `env` and `database`, and leaves the rest (text, statements, run-time expressions) for the
/// load engine. An expression or statement mixing both is a problem: its `env` part would be
/// undefined when the engine renders it.
fn render_around_runtime(
    environment: &Environment<'_>,
    spans: &SpanTable,
    pointer: &str,
    text: &str,
    databases: Option<&Value>,
    lookup_env: &dyn Fn(&str) -> Option<String>,
    found: &mut Interpolated,
) -> Result<String, Problem> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    // Whether the last expression rendered here trims the whitespace after it (`-}}`).
    let mut trim_start = false;
    while let Some(open) = rest.find("{{") {
        let (literal, from_open) = rest.split_at(open);
        let Some(end) = expression_end(environment, from_open) else {
            break;
        };
        let expression = &from_open[..end];
        let literal = if trim_start {
            literal.trim_start()
        } else {
            literal
        };
        let roots = roots_of(environment, expression);
        let now = !roots.is_empty() && roots.iter().all(|r| !RUNTIME_ROOTS.contains(&r.as_str()));
        if now {
            let value = render(
                environment,
                spans,
                pointer,
                expression,
                databases,
                lookup_env,
                found,
            )?;
            out.push_str(if expression.starts_with("{{-") {
                literal.trim_end()
            } else {
                literal
            });
            push_as_text(&mut out, &value, found);
        } else {
            out.push_str(literal);
            out.push_str(expression);
        }
        trim_start = now && expression.ends_with("-}}");
        rest = &from_open[end..];
    }
    out.push_str(if trim_start { rest.trim_start() } else { rest });
    let mixed: Vec<String> = roots_of(environment, &out)
        .into_iter()
        .filter(|root| root == "env" || root == "database")
        .collect();
    if mixed.is_empty() {
        return Ok(out);
    }
    Err(Problem::new(
        "manifest::interpolation",
        format!(
            "{text:?} uses `{}` and run-time variables in one expression or statement",
            mixed.join("`, `")
        ),
    )
    .at(spans.value_span(pointer), "in this value")
    .help(
        "give each its own braces, as in `/t/{{ env.TENANT }}/u/{{ vu }}`: `env` and `database` \
         are read with the manifest, run-time variables at each request"
            .to_owned(),
    ))
}

/// The length of the `{{ … }}` expression `text` starts with: up to the first `}}` that closes
/// it (minijinja's parser decides, so a `}}` inside a string literal does not end it).
fn expression_end(environment: &Environment<'_>, text: &str) -> Option<usize> {
    let mut from = 2;
    while let Some(offset) = text[from..].find("}}") {
        let end = from + offset + 2;
        if environment.template_from_str(&text[..end]).is_ok() {
            return Some(end);
        }
        from += offset + 1;
    }
    None
}

/// The first segment (`env` of `env.NAME`) of every variable `text` uses without defining it.
fn roots_of(environment: &Environment<'_>, text: &str) -> BTreeSet<String> {
    environment
        .template_from_str(text)
        .map(|template| {
            template
                .undeclared_variables(true)
                .iter()
                .map(|name| name.split('.').next().unwrap_or(name).to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// Appends a rendered value to a string the load engine will render again: as it is, unless
/// it could read as template syntax, then as a string literal (`{{ "a{{b" }}`), which the
/// engine renders back to the value. That spelling is a secret too, so it is masked as well.
fn push_as_text(out: &mut String, value: &str, found: &mut Interpolated) {
    let syntax =
        value.contains(['{', '}']) || (out.ends_with('{') && value.starts_with(['{', '%', '#']));
    if !syntax {
        out.push_str(value);
        return;
    }
    let literal = serde_json::Value::String(value.to_owned()).to_string();
    if found.secrets.contains(value) {
        found
            .secrets
            .insert(literal[1..literal.len() - 1].to_owned());
    }
    out.push_str("{{ ");
    out.push_str(&literal);
    out.push_str(" }}");
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Interpolates one scenario request path with `TENANT` set as given.
    fn scenario_path(path: &str, tenant: &str) -> (Result<Value, Vec<Problem>>, Interpolated) {
        let mut value = serde_json::json!({ "scenario": { "s": { "path": path } } });
        let lookup = |name: &str| (name == "TENANT").then(|| tenant.to_owned());
        match interpolate(&mut value, &SpanTable::default(), &lookup) {
            Ok(found) => (Ok(value["scenario"]["s"]["path"].clone()), found),
            Err(problems) => (Err(problems), Interpolated::default()),
        }
    }

    /// Regression (issue 11): a scenario string with `{{ env.X }}` and `{{ vu }}` was left
    /// whole, and every request then failed on an undefined `env`.
    #[test]
    fn env_is_rendered_and_runtime_variables_kept_in_one_scenario_string() {
        let (path, found) = scenario_path("/t/{{ env.TENANT }}/u/{{ vu }}", "acme");
        assert_eq!(path.unwrap(), "/t/acme/u/{{ vu }}");
        assert!(found.secrets.contains("acme"), "the tenant is a secret");
        let (path, _) = scenario_path("/t/ {{- env.TENANT -}} /{{ vu }}", "acme");
        assert_eq!(
            path.unwrap(),
            "/t/acme/{{ vu }}",
            "whitespace control is kept"
        );
        let (path, _) = scenario_path(
            "{% if vu %}{{ env.TENANT | default('}}') }}{% endif %}",
            "acme",
        );
        assert_eq!(path.unwrap(), "{% if vu %}acme{% endif %}");
    }

    #[test]
    fn a_value_that_reads_as_template_syntax_is_sent_as_a_string_literal() {
        let (path, found) = scenario_path("/{{ env.TENANT }}/{{ vu }}", "a{{b\"c");
        assert_eq!(path.unwrap(), r#"/{{ "a{{b\"c" }}/{{ vu }}"#);
        assert!(
            found.secrets.contains(r#"a{{b\"c"#),
            "its spelling is masked too"
        );
    }

    #[test]
    fn env_and_runtime_variables_in_one_expression_is_a_problem() {
        let (problems, _) = scenario_path("/{{ env.TENANT ~ vu }}", "acme");
        let problems = problems.unwrap_err();
        assert!(
            problems[0]
                .message
                .contains("uses `env` and run-time variables in one expression"),
            "{}",
            problems[0].message
        );
    }
}
