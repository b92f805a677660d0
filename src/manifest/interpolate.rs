//! Interpolation: `{{ env.NAME }}`, `{{ env.NAME | default('x') }}` and `{{ database.main.url }}`
//! in any string of the manifest, evaluated with minijinja.
//!
//! Database URLs are rendered first (they may use `env` only), then every other string with both
//! `env` and `database`. A reference to `database.NAME` also becomes a dependency edge, so a
//! service whose environment names a database's URL runs after that database. Strings under
//! `scenario` may use the load engine's run-time variables (`{{ vars.token }}`, `{{ vu }}`);
//! those are left for the load engine, which renders them per request. In such a string every
//! other `{{ … }}` (`env`, `database`) is still rendered here, so `"/t/{{ env.TENANT }}/u/{{ vu }}"`
//! reaches the engine as `"/t/acme/u/{{ vu }}"` (issue 11: the string used to be left whole, and
//! `env` was then undefined at run time, failing every request).
//!
//! Secrets (see [`crate::secret`]): each expression's output is tracked as a byte range of the
//! rendered string, with the variables it read (`env.NAME`, or a database URL that read them);
//! a template with statements (`{% … %}`) taints all its output. At a position the schema marks
//! `x-secret`, a value with such ranges is handed to deserialization tagged, so the typed
//! manifest holds a [`crate::secret::Sensitive`]; the public form (the secret parts masked) is
//! what the manifest's fingerprint is taken of, and the variables that reached a secret part are
//! the [`SecretVariables`] a saved plan keeps keyed fingerprints of. Anything else is not secret
//! and stays as it is.
//!
//! An unset variable with no `default(…)` is a problem naming it (`plan`, `apply`) or, for
//! `validate`, which checks structure without needing secrets, a note: the value is left as
//! written.

use super::problem::Problem;
use super::schema_view::SchemaView;
use super::span_table::{SpanTable, join};
use crate::secret::{self, SecretVariables};
use miette::SourceSpan;
use minijinja::{Environment, ErrorKind, UndefinedBehavior};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

/// Roots the load engine evaluates at run time, inside scenarios.
pub const RUNTIME_ROOTS: &[&str] = &["vars", "data", "iteration", "vu"];

/// What an environment variable that is not set (and has no `default(…)`) is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum UnsetVariables {
    /// A problem: `plan` and `apply` need every value.
    #[default]
    Problem,
    /// A note, the value left as written: `validate` checks structure only.
    Note,
}

/// A variable a value needs that is not set (`validate` notes it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnsetVariable {
    /// The variable's name.
    pub variable: String,
    /// The value that reads it.
    pub pointer: String,
    /// Where that value is written.
    pub span: Option<SourceSpan>,
}

/// What interpolation learned besides the new values.
#[derive(Debug, Default)]
pub struct Interpolated {
    /// The manifest to deserialize: the interpolated value with every secret value tagged.
    pub typed: Value,
    /// The variables whose values reached a secret part, with their values.
    pub secret_variables: SecretVariables,
    /// (node address, database name) pairs: the node refers to the database's URL.
    pub database_references: BTreeSet<(String, String)>,
    /// For each value that read the environment, the variables it read.
    pub env_reads: BTreeMap<String, BTreeSet<String>>,
    /// Variables left unset (with [`UnsetVariables::Note`]).
    pub unset: Vec<UnsetVariable>,
}

/// A rendered string and the ranges of it that came from the environment.
#[derive(Debug, Clone, Default)]
struct Rendered {
    text: String,
    from_env: Vec<EnvRange>,
}

/// A byte range of a rendered string and the variables its expression read.
#[derive(Debug, Clone)]
struct EnvRange {
    range: Range<usize>,
    variables: BTreeSet<String>,
}

/// Interpolates every string of `value` in place. `value` becomes the public form (secret parts
/// masked); [`Interpolated::typed`] is the form to deserialize.
///
/// # Errors
/// A problem for each string that fails to parse or refers to something undefined.
pub fn interpolate(
    value: &mut Value,
    spans: &SpanTable,
    view: &SchemaView<'_>,
    lookup_env: &dyn Fn(&str) -> Option<String>,
    unset: UnsetVariables,
) -> Result<Interpolated, Vec<Problem>> {
    let mut environment = Environment::new();
    environment.set_undefined_behavior(UndefinedBehavior::Strict);
    bound_work(&mut environment);
    let mut run = Run {
        environment: &environment,
        spans,
        lookup_env,
        unset_mode: unset,
        databases: None,
        database_variables: BTreeMap::new(),
        found: Interpolated::default(),
    };
    let mut problems = Vec::new();
    let mut strings = Vec::new();
    collect_strings(value, String::new(), &mut strings);
    let mut typed = value.clone();

    // Database URLs first, with `env` only.
    let mut databases = Map::new();
    for (pointer, text) in strings.iter().filter(|(p, _)| is_database_url(p)) {
        let name = unescape(pointer.split('/').nth(2).unwrap_or_default());
        let rendered = match run.render(pointer, text) {
            Ok(Some(rendered)) => rendered,
            Ok(None) => Rendered::literal(text),
            Err(problem) => {
                problems.push(problem);
                Rendered::literal(text)
            }
        };
        databases.insert(name.clone(), serde_json::json!({ "url": rendered.text }));
        let variables = rendered
            .from_env
            .iter()
            .flat_map(|range| range.variables.iter().cloned())
            .collect();
        run.database_variables.insert(name, variables);
        run.store(view, pointer, rendered, value, &mut typed);
    }
    run.databases = Some(Value::Object(databases));
    for (pointer, text) in strings.iter().filter(|(p, _)| !is_database_url(p)) {
        match run.render(pointer, text) {
            Ok(Some(rendered)) => run.store(view, pointer, rendered, value, &mut typed),
            Ok(None) => {}
            Err(problem) => problems.push(problem),
        }
    }
    if problems.is_empty() {
        run.found.typed = typed;
        Ok(run.found)
    } else {
        Err(problems)
    }
}

/// The most unset variables of one template tried one by one to find those it cannot do
/// without.
const MAX_VARIABLES_TRIED: usize = 8;

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

impl Rendered {
    fn literal(text: &str) -> Self {
        Self {
            text: text.to_owned(),
            from_env: Vec::new(),
        }
    }
}

/// One interpolation run over a manifest.
struct Run<'a> {
    environment: &'a Environment<'a>,
    spans: &'a SpanTable,
    lookup_env: &'a dyn Fn(&str) -> Option<String>,
    unset_mode: UnsetVariables,
    /// `database.NAME.url` values, once database URLs are rendered.
    databases: Option<Value>,
    /// The variables each database's URL read.
    database_variables: BTreeMap<String, BTreeSet<String>>,
    found: Interpolated,
}

impl Run<'_> {
    fn problem(&self, pointer: &str, message: String, help: &str) -> Problem {
        Problem::new("manifest::interpolation", message)
            .at(self.spans.value_span(pointer), "in this value")
            .help(help.to_owned())
    }

    /// Renders the string at `pointer`; `None` when it is left as written because a variable
    /// it needs is not set ([`UnsetVariables::Note`]).
    fn render(&mut self, pointer: &str, text: &str) -> Result<Option<Rendered>, Problem> {
        if !text.contains("{{") && !text.contains("{%") {
            return Ok(Some(Rendered::literal(text)));
        }
        let template = self.environment.template_from_str(text).map_err(|error| {
            self.problem(
                pointer,
                format!("cannot read the template {text:?}: {}", error.detail().unwrap_or("syntax error")),
                "interpolations look like `{{ env.NAME }}`, `{{ env.NAME | default('x') }}` or `{{ database.main.url }}`",
            )
        })?;
        let names = template.undeclared_variables(true);
        let roots: BTreeSet<&str> = names.iter().map(|name| root_of(name)).collect();
        if pointer.starts_with("/scenario/")
            && roots.iter().any(|root| RUNTIME_ROOTS.contains(root))
        {
            return self.render_around_runtime(pointer, text);
        }
        for root in &roots {
            let known = *root == "env" || (*root == "database" && self.databases.is_some());
            if !known {
                let help = if self.databases.is_some() {
                    "available here: `env.NAME` and `database.NAME.url`"
                } else {
                    "a database URL may use `env.NAME` only"
                };
                return Err(self.problem(
                    pointer,
                    format!("unknown variable `{root}` in {text:?}"),
                    help,
                ));
            }
        }
        let (env, unset) = self.read_env(pointer, &names);
        let whole = match self.render_with(text, &env) {
            Ok(whole) => whole,
            Err(error) if error.kind() == ErrorKind::UndefinedError && !unset.is_empty() => {
                let missing = self.missing_variables(text, &env, &unset);
                return self.unset_variables(pointer, text, missing);
            }
            Err(error) => return Err(self.render_problem(pointer, text, &names, &error)),
        };
        let from_env = self.env_ranges(text, &whole, &names, &env);
        Ok(Some(Rendered {
            text: whole,
            from_env,
        }))
    }

    /// The environment a template reads (the variables that are set) and the names it reads
    /// that are not set. Records the database references of the value at `pointer`.
    fn read_env(
        &mut self,
        pointer: &str,
        names: &std::collections::HashSet<String>,
    ) -> (BTreeMap<String, String>, BTreeSet<String>) {
        let mut env = BTreeMap::new();
        let mut unset = BTreeSet::new();
        for name in names {
            if let Some(variable) = name.strip_prefix("env.") {
                let variable = variable.split('.').next().unwrap_or(variable);
                match (self.lookup_env)(variable) {
                    Some(value) => {
                        env.insert(variable.to_owned(), value);
                    }
                    None => {
                        unset.insert(variable.to_owned());
                    }
                }
            }
            if let Some(rest) = name.strip_prefix("database.")
                && let Some(address) = node_address(pointer)
            {
                let database = rest.split('.').next().unwrap_or(rest).to_owned();
                self.found.database_references.insert((address, database));
            }
        }
        (env, unset)
    }

    fn render_with(
        &self,
        text: &str,
        env: &BTreeMap<String, String>,
    ) -> Result<String, minijinja::Error> {
        let context = serde_json::json!({
            "env": env,
            "database": self.databases.clone().unwrap_or(Value::Null),
        });
        self.environment.render_str(
            text,
            minijinja::Value::from(minijinja::value::Serde(&context)),
        )
    }

    /// The unset variables a template cannot do without: those whose absence alone makes it
    /// fail once every other one is given a value (all of them if that tells nothing).
    fn missing_variables(
        &self,
        text: &str,
        env: &BTreeMap<String, String>,
        unset: &BTreeSet<String>,
    ) -> BTreeSet<String> {
        let with = |given: &dyn Fn(&str) -> bool| {
            let mut env = env.clone();
            for variable in unset.iter().filter(|variable| given(variable)) {
                env.insert(variable.clone(), String::new());
            }
            self.render_with(text, &env).is_ok()
        };
        // Each candidate costs a render: a hostile template naming thousands of variables gets
        // them all named instead.
        if unset.len() > MAX_VARIABLES_TRIED || !with(&|_| true) {
            return unset.clone();
        }
        let missing: BTreeSet<String> = unset
            .iter()
            .filter(|variable| !with(&|other| other != variable.as_str()))
            .cloned()
            .collect();
        if missing.is_empty() {
            unset.clone()
        } else {
            missing
        }
    }

    /// A problem naming the variables (`plan`, `apply`), or notes and the value left as written
    /// (`validate`).
    fn unset_variables(
        &mut self,
        pointer: &str,
        text: &str,
        missing: BTreeSet<String>,
    ) -> Result<Option<Rendered>, Problem> {
        match self.unset_mode {
            UnsetVariables::Note => {
                let span = self.spans.value_span(pointer);
                self.found
                    .unset
                    .extend(missing.into_iter().map(|variable| UnsetVariable {
                        variable,
                        pointer: pointer.to_owned(),
                        span,
                    }));
                Ok(None)
            }
            UnsetVariables::Problem => {
                let names: Vec<&str> = missing.iter().map(String::as_str).collect();
                let first = names.first().copied().unwrap_or("NAME");
                let (what, them) = if names.len() == 1 {
                    ("environment variable", "it")
                } else {
                    ("environment variables", "them")
                };
                Err(Problem::new(
                    "manifest::unset-variable",
                    format!(
                        "{what} {} {} not set",
                        super::problem::code_list(&names),
                        if names.len() == 1 { "is" } else { "are" }
                    ),
                )
                .at(
                    self.spans.value_span(pointer),
                    format!("{text:?} reads {them}"),
                )
                .help(format!(
                    "set {them}, or give a fallback: `{{{{ env.{first} | default('…') }}}}`"
                )))
            }
        }
    }

    fn render_problem(
        &self,
        pointer: &str,
        text: &str,
        names: &std::collections::HashSet<String>,
        error: &minijinja::Error,
    ) -> Problem {
        let detail = error
            .detail()
            .map(str::to_owned)
            .unwrap_or_else(|| error.to_string());
        let help = if error.kind() == ErrorKind::OutOfFuel {
            "a manifest value is a short text: this template does more work than one needs (loops, repetition, large widths)"
        } else if names.iter().any(|name| name.starts_with("env.")) {
            "set the variable, or give a fallback: `{{ env.NAME | default('value') }}`"
        } else {
            "check the name: databases are referred to as `database.NAME.url`"
        };
        self.problem(
            pointer,
            format!("cannot interpolate {text:?}: {detail}"),
            help,
        )
    }

    /// The variables an expression reading `names` depends on: `env.NAME`, and what a
    /// `database.NAME.url` it reads was rendered from.
    fn variables_of<'n>(&self, names: impl IntoIterator<Item = &'n String>) -> BTreeSet<String> {
        let mut variables = BTreeSet::new();
        for name in names {
            if let Some(variable) = name.strip_prefix("env.") {
                variables.insert(variable.split('.').next().unwrap_or(variable).to_owned());
            } else if let Some(rest) = name.strip_prefix("database.") {
                let database = rest.split('.').next().unwrap_or(rest);
                if let Some(read) = self.database_variables.get(database) {
                    variables.extend(read.iter().cloned());
                }
            }
        }
        variables
    }

    /// The ranges of `whole` (the render of `text`) rendered from the environment: each
    /// `{{ … }}` rendered on its own when the template has no statements and the pieces add up
    /// to `whole`; otherwise all of it, if it read the environment at all.
    fn env_ranges(
        &self,
        text: &str,
        whole: &str,
        names: &std::collections::HashSet<String>,
        env: &BTreeMap<String, String>,
    ) -> Vec<EnvRange> {
        let variables = self.variables_of(names);
        if variables.is_empty() {
            return Vec::new();
        }
        let everything = || {
            vec![EnvRange {
                range: 0..whole.len(),
                variables: variables.clone(),
            }]
        };
        if text.contains("{%") || text.contains("{#") {
            return everything();
        }
        let mut out = String::with_capacity(whole.len());
        let mut ranges = Vec::new();
        for segment in segments(self.environment, text) {
            match segment {
                Segment::Literal(literal) => out.push_str(literal),
                Segment::Expression(expression) => {
                    let Ok(value) = self.render_with(expression, env) else {
                        return everything();
                    };
                    let read = roots_and_names(self.environment, expression).1;
                    let variables = self.variables_of(&read);
                    let start = out.len();
                    out.push_str(&value);
                    if !variables.is_empty() {
                        ranges.push(EnvRange {
                            range: start..out.len(),
                            variables,
                        });
                    }
                }
            }
        }
        if out == whole { ranges } else { everything() }
    }

    /// Renders, in a scenario string that uses run-time variables, each `{{ … }}` that uses only
    /// `env` and `database`, and leaves the rest (text, statements, run-time expressions) for the
    /// load engine. An expression or statement mixing both is a problem: its `env` part would be
    /// undefined when the engine renders it.
    fn render_around_runtime(
        &mut self,
        pointer: &str,
        text: &str,
    ) -> Result<Option<Rendered>, Problem> {
        let mut rendered = Rendered::default();
        let mut left_as_written = false;
        for segment in segments(self.environment, text) {
            let Segment::Expression(expression) = segment else {
                if let Segment::Literal(literal) = segment {
                    rendered.text.push_str(literal);
                }
                continue;
            };
            let roots = roots_and_names(self.environment, expression).0;
            let now =
                !roots.is_empty() && roots.iter().all(|r| !RUNTIME_ROOTS.contains(&r.as_str()));
            if !now {
                rendered.text.push_str(expression);
                continue;
            }
            match self.render(pointer, expression)? {
                Some(value) => {
                    let start = rendered.text.len();
                    push_as_text(&mut rendered.text, &value.text);
                    let variables: BTreeSet<String> = value
                        .from_env
                        .into_iter()
                        .flat_map(|range| range.variables)
                        .collect();
                    if !variables.is_empty() {
                        rendered.from_env.push(EnvRange {
                            range: start..rendered.text.len(),
                            variables,
                        });
                    }
                }
                None => {
                    left_as_written = true;
                    rendered.text.push_str(expression);
                }
            }
        }
        if left_as_written {
            return Ok(None);
        }
        let mixed: Vec<String> = roots_and_names(self.environment, &rendered.text)
            .0
            .into_iter()
            .filter(|root| root == "env" || root == "database")
            .collect();
        if mixed.is_empty() {
            return Ok(Some(rendered));
        }
        Err(Problem::new(
            "manifest::interpolation",
            format!(
                "{text:?} uses `{}` and run-time variables in one expression or statement",
                mixed.join("`, `")
            ),
        )
        .at(self.spans.value_span(pointer), "in this value")
        .help(
            "give each its own braces, as in `/t/{{ env.TENANT }}/u/{{ vu }}`: `env` and `database` \
             are read with the manifest, run-time variables at each request"
                .to_owned(),
        ))
    }

    /// Puts the rendered string at `pointer` into `public` (secret parts masked) and `typed`
    /// (tagged at a secret position), and records the variables it read.
    fn store(
        &mut self,
        view: &SchemaView<'_>,
        pointer: &str,
        rendered: Rendered,
        public: &mut Value,
        typed: &mut Value,
    ) {
        if rendered.from_env.is_empty() {
            set(public, pointer, Value::String(rendered.text.clone()));
            set(typed, pointer, Value::String(rendered.text));
            return;
        }
        let read = self.found.env_reads.entry(pointer.to_owned()).or_default();
        read.extend(
            rendered
                .from_env
                .iter()
                .flat_map(|range| range.variables.iter().cloned()),
        );
        let ranges: Vec<Range<usize>> = rendered
            .from_env
            .iter()
            .map(|range| range.range.clone())
            .collect();
        let forms = view
            .at_pointer(pointer)
            .and_then(|schema| view.resolve(schema).get(secret::SCHEMA_KEY))
            .and_then(Value::as_str)
            .and_then(|position| secret::forms_at(position, &rendered.text, &ranges));
        let Some(forms) = forms else {
            set(public, pointer, Value::String(rendered.text.clone()));
            set(typed, pointer, Value::String(rendered.text));
            return;
        };
        for (range, hides) in rendered.from_env.iter().zip(&forms.hides) {
            if *hides {
                for variable in &range.variables {
                    let value = (self.lookup_env)(variable);
                    self.found
                        .secret_variables
                        .insert(variable, value.as_deref());
                }
            }
        }
        set(public, pointer, Value::String(forms.public));
        set(typed, pointer, forms.tagged);
    }
}

/// A piece of a template: text, or one `{{ … }}` expression with its braces.
enum Segment<'t> {
    Literal(&'t str),
    Expression(&'t str),
}

/// The template cut into text and `{{ … }}` expressions, with whitespace control (`{{-`, `-}}`)
/// applied to the text beside them. Statements stay in the text.
fn segments<'t>(environment: &Environment<'_>, text: &'t str) -> Vec<Segment<'t>> {
    let mut out = Vec::new();
    let mut rest = text;
    // Whether the last expression trims the whitespace after it (`-}}`).
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
        let literal = if expression.starts_with("{{-") {
            literal.trim_end()
        } else {
            literal
        };
        out.push(Segment::Literal(literal));
        out.push(Segment::Expression(expression));
        trim_start = expression.ends_with("-}}");
        rest = &from_open[end..];
    }
    out.push(Segment::Literal(if trim_start {
        rest.trim_start()
    } else {
        rest
    }));
    out
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

/// The first segments (`env` of `env.NAME`) and the full names of every variable `text` uses
/// without defining it.
fn roots_and_names(
    environment: &Environment<'_>,
    text: &str,
) -> (BTreeSet<String>, BTreeSet<String>) {
    let names: BTreeSet<String> = environment
        .template_from_str(text)
        .map(|template| template.undeclared_variables(true).into_iter().collect())
        .unwrap_or_default();
    let roots = names.iter().map(|name| root_of(name).to_owned()).collect();
    (roots, names)
}

fn root_of(name: &str) -> &str {
    name.split('.').next().unwrap_or(name)
}

/// Appends a rendered value to a string the load engine will render again: as it is, unless
/// it could read as template syntax, then as a string literal (`{{ "a{{b" }}`), which the
/// engine renders back to the value.
fn push_as_text(out: &mut String, value: &str) {
    let syntax =
        value.contains(['{', '}']) || (out.ends_with('{') && value.starts_with(['{', '%', '#']));
    if !syntax {
        out.push_str(value);
        return;
    }
    let literal = serde_json::Value::String(value.to_owned()).to_string();
    out.push_str("{{ ");
    out.push_str(&literal);
    out.push_str(" }}");
}

fn is_database_url(pointer: &str) -> bool {
    let segments: Vec<&str> = pointer.split('/').collect();
    segments.len() == 4 && segments[1] == "database" && segments[3] == "url"
}

fn unescape(segment: &str) -> String {
    segment.replace("~1", "/").replace("~0", "~")
}

/// `/service/api/env/PORT` → `service.api`.
fn node_address(pointer: &str) -> Option<String> {
    let mut segments = pointer.split('/').skip(1);
    let kind = segments.next()?;
    let name = segments.next()?;
    Some(format!("{kind}.{}", unescape(name)))
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

fn set(value: &mut Value, pointer: &str, new: Value) {
    if let Some(slot) = value.pointer_mut(pointer) {
        *slot = new;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn interpolate_with(
        mut value: Value,
        env: &[(&str, &str)],
        unset: UnsetVariables,
    ) -> (Value, Result<Interpolated, Vec<Problem>>) {
        let lookup = |name: &str| {
            env.iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| (*value).to_owned())
        };
        let schema = super::super::schema();
        let found = interpolate(
            &mut value,
            &SpanTable::default(),
            &SchemaView::new(schema),
            &lookup,
            unset,
        );
        (value, found)
    }

    /// Interpolates one scenario request path with `TENANT` set as given.
    fn scenario_path(path: &str, tenant: &str) -> Result<Value, Vec<Problem>> {
        let value = serde_json::json!({ "scenario": { "s": { "request": [{ "path": path }] } } });
        let (_, found) = interpolate_with(value, &[("TENANT", tenant)], UnsetVariables::Problem);
        Ok(found?.typed["scenario"]["s"]["request"][0]["path"].clone())
    }

    fn secret_names(found: &Interpolated) -> Vec<&str> {
        found
            .secret_variables
            .iter()
            .map(|(name, _)| name)
            .collect()
    }

    fn tagged_value(value: &Value) -> &str {
        value
            .get(secret::SECRET_TAG)
            .and_then(|tagged| tagged["value"].as_str())
            .or_else(|| value.as_str())
            .unwrap()
    }

    /// Regression (issue 11): a scenario string with `{{ env.X }}` and `{{ vu }}` was left
    /// whole, and every request then failed on an undefined `env`.
    #[test]
    fn env_is_rendered_and_runtime_variables_kept_in_one_scenario_string() {
        let path = scenario_path("/t/{{ env.TENANT }}/u/{{ vu }}", "acme").unwrap();
        assert_eq!(tagged_value(&path), "/t/acme/u/{{ vu }}");
        let path = scenario_path("/t/ {{- env.TENANT -}} /{{ vu }}", "acme").unwrap();
        assert_eq!(
            tagged_value(&path),
            "/t/acme/{{ vu }}",
            "whitespace control is kept"
        );
        let path = scenario_path(
            "{% if vu %}{{ env.TENANT | default('}}') }}{% endif %}",
            "acme",
        )
        .unwrap();
        assert_eq!(tagged_value(&path), "{% if vu %}acme{% endif %}");
    }

    #[test]
    fn a_value_that_reads_as_template_syntax_is_sent_as_a_string_literal() {
        let path = scenario_path("/{{ env.TENANT }}/{{ vu }}", "a{{b\"c").unwrap();
        assert_eq!(tagged_value(&path), r#"/{{ "a{{b\"c" }}/{{ vu }}"#);
    }

    #[test]
    fn env_and_runtime_variables_in_one_expression_is_a_problem() {
        let problems = scenario_path("/{{ env.TENANT ~ vu }}", "acme").unwrap_err();
        assert!(
            problems[0]
                .message
                .contains("uses `env` and run-time variables in one expression"),
            "{}",
            problems[0].message
        );
    }

    fn service(env: Value) -> Value {
        serde_json::json!({ "service": { "api": { "run": ["x"], "env": env } } })
    }

    #[test]
    fn a_value_from_the_environment_at_a_secret_position_is_tagged_and_masked_in_public() {
        let (public, found) = interpolate_with(
            service(serde_json::json!({
                "TOKEN": "{{ env.TOKEN | upper }}",
                "PORT": "{{ env.PORT }}",
                "MODE": "prod",
            })),
            &[("TOKEN", "abc"), ("PORT", "3000")],
            UnsetVariables::Problem,
        );
        let found = found.unwrap();
        let env = &public["service"]["api"]["env"];
        assert_eq!(env["TOKEN"], "***", "a transformed secret stays secret");
        assert_eq!(env["PORT"], "***", "every `env` value is a secret position");
        assert_eq!(env["MODE"], "prod");
        assert_eq!(
            tagged_value(&found.typed["service"]["api"]["env"]["TOKEN"]),
            "ABC"
        );
        assert_eq!(secret_names(&found), ["PORT", "TOKEN"]);
    }

    #[test]
    fn a_url_from_the_environment_is_shown_but_its_secret_parts_are_not() {
        let value = serde_json::json!({ "scenario": { "s": {
            "base-url": "{{ env.API_URL }}",
            "request": [{ "name": "{{ env.NAME }}", "path": "/x?page=2&key={{ env.KEY }}" }],
        } } });
        let (public, found) = interpolate_with(
            value,
            &[
                ("API_URL", "http://api:8080"),
                ("KEY", "k1"),
                ("NAME", "list"),
            ],
            UnsetVariables::Problem,
        );
        let found = found.unwrap();
        let scenario = &public["scenario"]["s"];
        assert_eq!(scenario["base-url"], "http://api:8080");
        assert_eq!(scenario["request"][0]["path"], "/x?page=2&key=***");
        assert_eq!(
            scenario["request"][0]["name"], "list",
            "not a secret position"
        );
        assert_eq!(secret_names(&found), ["KEY"]);
        assert_eq!(
            found.env_reads.keys().cloned().collect::<Vec<_>>(),
            [
                "/scenario/s/base-url",
                "/scenario/s/request/0/name",
                "/scenario/s/request/0/path"
            ]
        );
    }

    #[test]
    fn a_database_url_read_from_the_environment_taints_what_refers_to_it() {
        let value = serde_json::json!({
            "database": { "main": { "url": "postgres://app:{{ env.PW }}@db/app" } },
            "service": { "api": { "run": ["x"], "env": { "DATABASE_URL": "{{ database.main.url }}" } } },
        });
        let (public, found) = interpolate_with(value, &[("PW", "0")], UnsetVariables::Problem);
        let found = found.unwrap();
        assert_eq!(
            public["database"]["main"]["url"],
            "postgres://app:***@db/app"
        );
        assert_eq!(public["service"]["api"]["env"]["DATABASE_URL"], "***");
        assert_eq!(secret_names(&found), ["PW"]);
    }

    #[test]
    fn an_unset_variable_is_named_or_noted() {
        let value = service(serde_json::json!({
            "AUTH": "Bearer {{ env.API_TOKEN }}",
            "MODE": "{{ env.MODE | default('dev') }}",
        }));
        let (_, problems) = interpolate_with(value.clone(), &[], UnsetVariables::Problem);
        let problems = problems.unwrap_err();
        assert_eq!(problems.len(), 1);
        assert_eq!(
            problems[0].message,
            "environment variable `API_TOKEN` is not set"
        );
        let (_, found) = interpolate_with(value, &[], UnsetVariables::Note);
        let found = found.unwrap();
        assert_eq!(found.unset.len(), 1);
        assert_eq!(found.unset[0].variable, "API_TOKEN");
        assert_eq!(
            found.typed["service"]["api"]["env"]["AUTH"], "Bearer {{ env.API_TOKEN }}",
            "left as written"
        );
    }
}
