//! The rules on manifest values that the JSON Schema does not state: what a URL, a socket
//! address, an HTTP method, a JSON body or a project path must look like, which keys exclude
//! each other, and which paths must exist.
//!
//! Each rule is one function here. `validate` (and every command that loads a manifest) applies
//! them to the lowered manifest with [`check`], so a value that breaks one is reported with its
//! span and a hint (exit 3) before anything is planned; the capability that uses the value at
//! plan or apply time calls the same function (or relies on this check having passed), so a
//! rule cannot be checked two ways.
//!
//! A value with `{{ … }}` is checked twice: before interpolation only what its literal parts
//! can tell (`"ftp://{{ env.HOST }}"` is no HTTP URL whatever the host), after interpolation in
//! full. Templates the load engine renders per request (`{{ vu }}`) stay in the value, so the
//! rule checks the literal parts then too, and the load engine checks what it renders.

use super::model::project::{
    DataLayer, DatabaseEngine as ProjectEngine, Feature, GENERATED_DATA_CHOICES, Language, Stack,
};
use super::problem::{Problem, code_list};
use super::span_table::{SpanTable, join};
use serde::Deserialize as _;
use serde_json::Value;
use std::net::SocketAddr;
use std::path::{Component, Path};

/// Why a value breaks a rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// The diagnostic code, such as `manifest::not-a-url`.
    pub code: &'static str,
    /// What is wrong, said of the value: "is not an IP:port address".
    pub reason: String,
    /// How to fix it.
    pub help: String,
}

impl Violation {
    fn new(code: &'static str, reason: impl Into<String>, help: impl Into<String>) -> Self {
        Self {
            code,
            reason: reason.into(),
            help: help.into(),
        }
    }
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.reason)
    }
}

/// Whether `text` holds a template (`{{ … }}` or `{% … %}`).
#[must_use]
pub fn is_templated(text: &str) -> bool {
    text.contains("{{") || text.contains("{%")
}

/// The text before the first template.
fn literal_head(text: &str) -> &str {
    let end = [text.find("{{"), text.find("{%")]
        .into_iter()
        .flatten()
        .min()
        .unwrap_or(text.len());
    &text[..end]
}

/// Whether a templated value's literal start can still become one of `prefixes`: it is empty,
/// starts with one, or is the beginning of one (case aside).
fn head_allows(text: &str, prefixes: &[&str]) -> bool {
    let head = literal_head(text).trim_start().to_ascii_lowercase();
    head.is_empty()
        || prefixes
            .iter()
            .any(|prefix| head.starts_with(prefix) || prefix.starts_with(head.as_str()))
}

/// An `http://` or `https://` URL with a host: a scenario's `base-url`, a request's absolute
/// path, every URL the load engine sends to.
///
/// # Errors
/// When it is not; a templated value only when its literal start cannot become one.
pub fn http_url(text: &str) -> Result<(), Violation> {
    let fits = if is_templated(text) {
        head_allows(text, &["http://", "https://"])
    } else {
        url::Url::parse(text.trim()).is_ok_and(|url| {
            matches!(url.scheme(), "http" | "https")
                && url.host_str().is_some_and(|h| !h.is_empty())
        })
    };
    if fits {
        Ok(())
    } else {
        Err(Violation::new(
            "manifest::not-a-url",
            "is not an http:// or https:// URL with a host",
            "write the whole URL, such as \"http://127.0.0.1:3000\"",
        ))
    }
}

/// The database engines a URL can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatabaseEngine {
    /// `postgres://` or `postgresql://`.
    Postgres,
    /// `mysql://` or `mariadb://`.
    MySql,
    /// `sqlite:`.
    Sqlite,
    /// `mongodb://` (migration sets in golang-migrate's MongoDB format).
    MongoDb,
}

const DATABASE_SCHEMES: [(&str, DatabaseEngine); 6] = [
    ("postgres://", DatabaseEngine::Postgres),
    ("postgresql://", DatabaseEngine::Postgres),
    ("mysql://", DatabaseEngine::MySql),
    ("mariadb://", DatabaseEngine::MySql),
    ("sqlite:", DatabaseEngine::Sqlite),
    ("mongodb://", DatabaseEngine::MongoDb),
];

/// The engine a database URL names, by its scheme.
///
/// # Errors
/// When the scheme is none of them (the error does not repeat the URL: it may hold a password).
pub fn database_engine(url: &str) -> Result<DatabaseEngine, Violation> {
    let lower = url.trim().to_ascii_lowercase();
    DATABASE_SCHEMES
        .iter()
        .find(|(scheme, _)| lower.starts_with(scheme))
        .map(|(_, engine)| *engine)
        .ok_or_else(unsupported_database)
}

fn unsupported_database() -> Violation {
    Violation::new(
        "manifest::not-a-database-url",
        "is not a database URL backendctl supports",
        "start it with postgres://, mysql:// (or mariadb://), sqlite: (\"sqlite://var/app.db\") or mongodb://",
    )
}

/// Whether a database of `engine` can take `session-sql`: not MongoDB, which has no SQL session.
///
/// # Errors
/// On MongoDB.
pub fn session_sql_for(engine: DatabaseEngine) -> Result<(), Violation> {
    if engine == DatabaseEngine::MongoDb {
        return Err(Violation::new(
            "manifest::session-sql-on-mongodb",
            "is SQL run on every connection, and this database is MongoDB, which has no SQL session",
            "remove `session-sql` from this database (it applies to PostgreSQL, MySQL/MariaDB and SQLite); MongoDB commands take their settings in each migration file",
        ));
    }
    Ok(())
}

/// A database URL: [`database_engine`], or for a templated value a literal start that can
/// still become one.
fn database_url(text: &str) -> Result<(), Violation> {
    if is_templated(text) {
        let schemes: Vec<&str> = DATABASE_SCHEMES.iter().map(|(s, _)| *s).collect();
        return if head_allows(text, &schemes) {
            Ok(())
        } else {
            Err(unsupported_database())
        };
    }
    database_engine(text).map(|_| ())
}

/// A loopback socket address to listen on: a mock's `listen`.
///
/// # Errors
/// When it is not `IP:port`, or the IP is not a loopback address.
pub fn loopback_listen(text: &str) -> Result<SocketAddr, Violation> {
    let address: SocketAddr = text.trim().parse().map_err(|_| {
        Violation::new(
            "manifest::not-an-address",
            "is not an IP:port address",
            "write an IP address and a port, such as \"127.0.0.1:3900\"",
        )
    })?;
    if address.ip().is_loopback() {
        Ok(address)
    } else {
        Err(Violation::new(
            "manifest::not-loopback",
            "is not a loopback address",
            "mocks listen on 127.0.0.1 or [::1] only",
        ))
    }
}

/// An HTTP method: a token (`GET`, `POST`, `PURGE`), compared in upper case.
///
/// # Errors
/// When it is empty or holds a character a token cannot.
pub fn http_method(text: &str) -> Result<http::Method, Violation> {
    http::Method::from_bytes(text.to_ascii_uppercase().as_bytes()).map_err(|_| {
        Violation::new(
            "manifest::not-a-method",
            "is not an HTTP method",
            "use GET, POST, PUT, PATCH, DELETE, HEAD or OPTIONS (any HTTP token works)",
        )
    })
}

/// An HTTP header name.
///
/// # Errors
/// When it is empty or holds a character a header name cannot.
pub fn header_name(text: &str) -> Result<http::HeaderName, Violation> {
    http::HeaderName::from_bytes(text.as_bytes()).map_err(|_| {
        Violation::new(
            "manifest::not-a-header-name",
            "is not a header name",
            "header names are letters, digits and `-`, such as \"Accept\" or \"X-Request-Id\"",
        )
    })
}

/// An HTTP header value.
///
/// # Errors
/// When it holds a control character (a line break, say).
pub fn header_value(text: &str) -> Result<http::HeaderValue, Violation> {
    http::HeaderValue::from_str(text).map_err(|_| {
        Violation::new(
            "manifest::not-a-header-value",
            "is not a header value",
            "a header value is one line of visible characters, spaces and tabs",
        )
    })
}

/// A JSON document: a `json` body. A templated one (rendered per request) is not judged.
///
/// # Errors
/// serde_json's reason, with its line and column inside the value.
pub fn json_text(text: &str) -> Result<(), Violation> {
    if is_templated(text) {
        return Ok(());
    }
    serde_json::from_str::<serde::de::IgnoredAny>(text)
        .map(|_| ())
        .map_err(|error| {
            Violation::new(
                "manifest::not-json",
                format!("is not valid JSON ({error})"),
                "write the JSON in a raw string, so its quotes need no escaping: json #\"{\"sku\": \"A1\"}\"#",
            )
        })
}

/// A JSON path (RFC 9535): `expect-json` and `extract json=`.
///
/// # Errors
/// The parser's reason.
pub fn json_path(text: &str) -> Result<serde_json_path::JsonPath, Violation> {
    serde_json_path::JsonPath::parse(text).map_err(|error| {
        Violation::new(
            "manifest::not-a-json-path",
            format!("is not a JSON path ({error})"),
            "JSON paths start at `$`: \"$.data.id\", \"$.items[0].sku\"",
        )
    })
}

/// A readiness target: `http(s)://…` or `tcp://host:port`.
///
/// # Errors
/// When it is neither.
pub fn readiness_target(text: &str) -> Result<(), Violation> {
    let bad = |reason: &str| {
        Violation::new(
            "manifest::not-a-probe",
            reason.to_owned(),
            "write \"http://127.0.0.1:3000/health\" (ready on a 2xx answer) or \"tcp://127.0.0.1:6379\" (ready on connect)",
        )
    };
    if let Some(address) = text.strip_prefix("tcp://") {
        let port = address.trim_end_matches('/').rsplit_once(':');
        return match port {
            Some((host, port)) if !host.is_empty() && port.parse::<u16>().is_ok() => Ok(()),
            _ => Err(bad("is not a TCP probe: it needs `host:port`")),
        };
    }
    http_url(text).map_err(|_| bad("is not an http(s):// or tcp:// target"))
}

/// The methods a mock answers (axum's method filters).
const MOCK_METHODS: [&str; 9] = [
    "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE", "CONNECT",
];

/// A mock's routes, as (method, path): each method one a mock can answer, each path one the
/// router takes (from `/`, `{name}` for one segment, `{*rest}` for the rest), no route given
/// twice and no two paths that match the same requests ambiguously. The error carries the
/// index of the first route that breaks it.
///
/// # Errors
/// The first route that breaks a rule.
pub fn mock_routes(routes: &[(&str, &str)]) -> Result<(), (usize, Violation)> {
    let mut router = matchit::Router::new();
    let mut seen: Vec<(String, &str)> = Vec::new();
    for (index, (method, path)) in routes.iter().enumerate() {
        let method = http_method(method)
            .map_err(|violation| (index, violation))?
            .to_string();
        let fail =
            |code, reason: String, help: &str| Err((index, Violation::new(code, reason, help)));
        if !MOCK_METHODS.contains(&method.as_str()) {
            return fail(
                "manifest::not-a-method",
                format!("uses {method}, which a mock cannot answer"),
                "a mock answers GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS, TRACE or CONNECT",
            );
        }
        if !path.starts_with('/') {
            return fail(
                "manifest::bad-route",
                format!("has the path \"{path}\", which does not start with `/`"),
                "write the path from the root: \"/api/users/{id}\"",
            );
        }
        if path
            .split('/')
            .any(|segment| segment.starts_with(':') || segment.starts_with('*'))
        {
            return fail(
                "manifest::bad-route",
                format!("has the path \"{path}\" with a `:` or `*` segment"),
                "write a parameter as `{id}` and the rest of the path as `{*rest}`",
            );
        }
        if seen.iter().any(|(m, p)| *m == method && p == path) {
            return fail(
                "manifest::bad-route",
                format!("answers {method} {path} a second time"),
                "give each method and path one route",
            );
        }
        if !seen.iter().any(|(_, p)| p == path)
            && let Err(error) = router.insert(*path, ())
        {
            return match error {
                matchit::InsertError::Conflict { with } => fail(
                    "manifest::bad-route",
                    format!("has the path \"{path}\", which overlaps the route \"{with}\""),
                    "two paths may differ in a fixed segment, but a parameter they share must have one name (`{id}` in both)",
                ),
                other => fail(
                    "manifest::bad-route",
                    format!("has the path \"{path}\", which the router refuses: {other}"),
                    "write a parameter as `{id}` (one segment), the rest of the path as `{*rest}`, a literal brace as `{{` or `}}`",
                ),
            };
        }
        seen.push((method, path));
    }
    Ok(())
}

/// A relative path that stays inside the directory it is joined to: a project's `path`, every
/// file a scaffold writes. The error is the reason.
///
/// # Errors
/// When the path is empty, absolute, has a `.` or `..` segment, an empty segment, a backslash,
/// a `:` or a NUL, or a segment longer than 255 bytes.
pub fn relative_path(path: &str) -> Result<(), &'static str> {
    if path.is_empty() {
        return Err("it is empty");
    }
    if path.starts_with('/') {
        return Err("it is absolute");
    }
    if path.contains('\\') || path.contains(':') || path.contains('\0') {
        return Err("it contains '\\', ':' or NUL");
    }
    for segment in path.split('/') {
        match segment {
            "" => return Err("it has an empty segment"),
            "." | ".." => return Err("it has a '.' or '..' segment"),
            _ if segment.len() > 255 => return Err("a segment is longer than 255 bytes"),
            _ => {}
        }
    }
    Ok(())
}

/// A project's data choice: the data layer (`None`: the engine's default) can generate code for
/// the engine, a Python stack keeps its own (SQLAlchemy on PostgreSQL), and the `postgres`
/// feature (the earlier name of `database`) means PostgreSQL.
///
/// # Errors
/// A [`Violation`] coded `manifest::data-choice` naming what cannot be generated and the choices
/// that can.
pub fn data_choice(
    stack: Stack,
    layer: Option<DataLayer>,
    engine: Option<ProjectEngine>,
    features: &[Feature],
) -> Result<(), Violation> {
    const CODE: &str = "manifest::data-choice";
    if stack.language() == Language::Python
        && (layer.is_some() || engine.is_some_and(|e| e != ProjectEngine::Postgresql))
    {
        return Err(Violation::new(
            CODE,
            format!("the {stack} stack generates SQLAlchemy 2 on PostgreSQL only"),
            "remove `data-layer` and `database-engine`, or choose a TypeScript stack",
        ));
    }
    let engine_or_default = engine.unwrap_or_default();
    if features.contains(&Feature::Postgres) && engine_or_default != ProjectEngine::Postgresql {
        return Err(Violation::new(
            CODE,
            format!(
                "the `postgres` feature means PostgreSQL, but `database-engine` is \"{engine_or_default}\""
            ),
            "write the feature as \"database\": it generates the repositories for `database-engine`",
        ));
    }
    let layer = layer.unwrap_or_else(|| DataLayer::default_for(engine_or_default));
    let generated = |l: DataLayer, e: ProjectEngine| GENERATED_DATA_CHOICES.contains(&(l, e));
    if layer.engines().contains(&engine_or_default) && !generated(layer, engine_or_default) {
        let available: Vec<String> = GENERATED_DATA_CHOICES
            .iter()
            .map(|(l, e)| format!("{l} on {e}"))
            .collect();
        return Err(Violation::new(
            CODE,
            format!("this backendctl cannot generate {layer} on {engine_or_default} yet"),
            format!("it generates {}", available.join(", ")),
        ));
    }
    if !layer.engines().contains(&engine_or_default) {
        let list = |engines: &[ProjectEngine]| -> String {
            engines
                .iter()
                .map(|e| e.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let alternatives: Vec<&str> = DataLayer::ALL
            .iter()
            .filter(|l| l.engines().contains(&engine_or_default))
            .map(|l| l.as_str())
            .collect();
        let reason = layer
            .unsupported_reason(engine_or_default)
            .map_or_else(String::new, |why| format!(": {why}"));
        return Err(Violation::new(
            CODE,
            format!("the {layer} data layer has no {engine_or_default} support{reason}"),
            format!(
                "{layer} supports {}; for {engine_or_default} choose `data-layer` {}",
                list(layer.engines()),
                alternatives.join(" or ")
            ),
        ));
    }
    Ok(())
}

/// A project name: it becomes an npm package name, a directory and a Docker image name. The
/// error is the reason.
///
/// # Errors
/// When it is empty, longer than 214 characters, does not start with a lowercase letter or a
/// digit, holds anything but `a-z0-9-._`, or is reserved.
pub fn project_name(name: &str) -> Result<(), &'static str> {
    if name.is_empty() {
        return Err("it is empty");
    }
    if name.len() > 214 {
        return Err("it is longer than 214 characters");
    }
    if !name.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit()) {
        return Err("it must start with a lowercase letter or a digit");
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '.' | '_'))
    {
        return Err("only lowercase letters, digits, '-', '.' and '_' are allowed");
    }
    if name == "node_modules" || name == "favicon.ico" {
        return Err("it is a reserved name");
    }
    Ok(())
}

/// A project name for `stack`: a [`project_name`], and for a Python stack one that PEP 508
/// accepts as a distribution name too (it ends with a letter or a digit). The error is the
/// reason.
///
/// # Errors
/// As [`project_name`], or a Python project's name ending with `-`, `.` or `_`.
pub fn project_name_for(name: &str, stack: Stack) -> Result<(), &'static str> {
    project_name(name)?;
    if stack.language() == Language::Python && !name.ends_with(|c: char| c.is_ascii_alphanumeric())
    {
        return Err("a Python project's name must end with a letter or a digit");
    }
    Ok(())
}

/// How a scenario's stages drive load.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoadModel {
    /// Every stage ramps virtual users (`target`).
    Closed,
    /// Every stage ramps arrivals per second (`rate`).
    Open,
}

/// The load model of stages given as (has `target`, has `rate`), or the first stage (by index)
/// that breaks it.
///
/// # Errors
/// A stage with neither or both, or a stage of the other model than the first.
pub fn load_model(
    stages: impl IntoIterator<Item = (bool, bool)>,
) -> Result<LoadModel, (usize, Violation)> {
    let mut model = None;
    for (index, stage) in stages.into_iter().enumerate() {
        let this = match stage {
            (true, false) => LoadModel::Closed,
            (false, true) => LoadModel::Open,
            (false, false) => {
                return Err((
                    index,
                    Violation::new(
                        "manifest::bad-stage",
                        "has neither `target` nor `rate`",
                        "add `target=N` (virtual users) or `rate=N` (arrivals per second)",
                    ),
                ));
            }
            (true, true) => {
                return Err((
                    index,
                    Violation::new(
                        "manifest::bad-stage",
                        "has both `target` and `rate`",
                        "a stage ramps virtual users (`target`) or arrivals per second (`rate`): keep one",
                    ),
                ));
            }
        };
        match model {
            None => model = Some(this),
            Some(first) if first != this => {
                let (used, first_used) = match this {
                    LoadModel::Closed => ("target", "rate"),
                    LoadModel::Open => ("rate", "target"),
                };
                return Err((
                    index,
                    Violation::new(
                        "manifest::bad-stage",
                        format!("sets `{used}` but the first stage sets `{first_used}`"),
                        "all stages of a scenario use one model: virtual users (`target`) or arrivals per second (`rate`)",
                    ),
                ));
            }
            Some(_) => {}
        }
    }
    Ok(model.unwrap_or(LoadModel::Closed))
}

/// At most one of `keys` (name, given) is given.
///
/// # Errors
/// Naming the ones given.
pub fn at_most_one(keys: &[(&str, bool)]) -> Result<(), Violation> {
    let given: Vec<String> = keys
        .iter()
        .filter(|(_, given)| *given)
        .map(|(key, _)| format!("`{key}`"))
        .collect();
    if given.len() <= 1 {
        return Ok(());
    }
    Err(Violation::new(
        "manifest::conflicting-keys",
        format!("gives {}, which exclude each other", given.join(" and ")),
        format!("keep one of {}", names(keys)),
    ))
}

/// Exactly one of `keys` (name, given) is given.
///
/// # Errors
/// Naming them.
pub fn exactly_one(keys: &[(&str, bool)]) -> Result<(), Violation> {
    at_most_one(keys)?;
    if keys.iter().any(|(_, given)| *given) {
        return Ok(());
    }
    Err(Violation::new(
        "manifest::missing-key",
        format!("needs one of {}", names(keys)),
        format!("add one of {}", names(keys)),
    ))
}

/// `` `a`, `b` `` for the keys of `keys`.
fn names(keys: &[(&str, bool)]) -> String {
    let names: Vec<&str> = keys.iter().map(|(key, _)| *key).collect();
    code_list(&names)
}

/// A duration such as "30s" (the `database` timeouts, which are text in the model).
fn duration(text: &str) -> Result<(), Violation> {
    super::model::Duration::parse(text)
        .map(|_| ())
        .map_err(|error| {
            Violation::new(
                "manifest::bad-format",
                format!("is not a duration ({error})"),
                "write a number and a unit: \"500ms\", \"30s\", \"1m\", \"1h30m\"",
            )
        })
}

// ---------------------------------------------------------------------------------------------
// Applying the rules to a lowered manifest.

/// How a rule treats a value with templates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Templates {
    /// The rule judges the literal parts itself (URLs by their scheme, JSON bodies not at all).
    Literal,
    /// The value is used whole and never rendered per request: a templated value is judged
    /// once interpolated.
    Whole,
}

/// A rule on one string value.
type TextRule = fn(&str) -> Result<(), Violation>;

use Templates::{Literal, Whole};

/// Where each string rule applies: a path of keys (`*` is any label or index), how it treats
/// templates, and the rule.
#[rustfmt::skip]
const TEXT_RULES: &[(&[&str], Templates, TextRule)] = &[
    (&["database", "*", "url"], Literal, database_url),
    (&["database", "*", "lock-timeout"], Whole, duration),
    (&["database", "*", "connect-timeout"], Whole, duration),
    (&["database", "*", "statement-timeout"], Whole, duration),
    (&["project", "*", "path"], Whole, project_path),
    (&["service", "*", "ready", "target"], Whole, readiness_target),
    (&["mock", "*", "listen"], Whole, listen),
    (&["mock", "*", "route", "*", "method"], Whole, method),
    (&["mock", "*", "route", "*", "json"], Literal, json_text),
    (&["mock", "*", "route", "*", "header", "*", "name"], Whole, name),
    (&["mock", "*", "route", "*", "header", "*", "value"], Whole, value),
    (&["scenario", "*", "base-url"], Literal, http_url),
    (&["scenario", "*", "request", "*", "method"], Whole, method),
    (&["scenario", "*", "request", "*", "path"], Literal, request_path),
    (&["scenario", "*", "request", "*", "json"], Literal, json_text),
    (&["scenario", "*", "request", "*", "header", "*", "name"], Whole, name),
    (&["scenario", "*", "request", "*", "header", "*", "value"], Literal, request_header_value),
    (&["scenario", "*", "request", "*", "expect", "header"], Whole, name),
    (&["scenario", "*", "request", "*", "expect-json", "*", "path"], Whole, path),
    (&["scenario", "*", "request", "*", "extract", "*", "json"], Whole, path),
    (&["scenario", "*", "request", "*", "extract", "*", "header"], Whole, name),
];

// The typed rules, as table entries.
fn listen(text: &str) -> Result<(), Violation> {
    loopback_listen(text).map(drop)
}
fn method(text: &str) -> Result<(), Violation> {
    http_method(text).map(drop)
}
fn name(text: &str) -> Result<(), Violation> {
    header_name(text).map(drop)
}
fn value(text: &str) -> Result<(), Violation> {
    header_value(text).map(drop)
}
fn path(text: &str) -> Result<(), Violation> {
    json_path(text).map(drop)
}

/// A project's `path`, as the scaffold will use it (a trailing `/` is allowed).
fn project_path(text: &str) -> Result<(), Violation> {
    relative_path(text.trim_end_matches('/')).map_err(|reason| {
        Violation::new(
            "manifest::unsafe-path",
            format!("is not a path inside the manifest's directory: {reason}"),
            "give a relative path below the manifest's directory, such as \"services/api\"",
        )
    })
}

/// A request's path: joined to `base-url`, or a whole URL of its own.
fn request_path(text: &str) -> Result<(), Violation> {
    let lower = literal_head(text).trim_start().to_ascii_lowercase();
    if lower.starts_with("http:") || lower.starts_with("https:") || lower.contains("://") {
        http_url(text)
    } else {
        Ok(())
    }
}

/// A request header's value, which the load engine may render per request: its literal parts
/// must be header text.
fn request_header_value(text: &str) -> Result<(), Violation> {
    header_value(
        &text
            .replace("{{", "")
            .replace("}}", "")
            .replace("{%", "")
            .replace("%}", ""),
    )
    .map(|_| ())
}

/// The text of a string value, or of a secret one (tagged by interpolation).
fn text_of(value: &Value) -> Option<&str> {
    value.as_str().or_else(|| {
        value
            .get(crate::secret::SECRET_TAG)
            .and_then(|tagged| tagged.get("value"))
            .and_then(Value::as_str)
    })
}

/// Every value at `path` under `value`, with its pointer.
fn collect<'v>(
    value: &'v Value,
    path: &[&str],
    pointer: String,
    out: &mut Vec<(String, &'v Value)>,
) {
    let Some((first, rest)) = path.split_first() else {
        out.push((pointer, value));
        return;
    };
    match (value, *first) {
        (Value::Object(map), "*") => {
            for (key, child) in map {
                collect(child, rest, join(&pointer, key), out);
            }
        }
        (Value::Array(items), "*") => {
            for (index, child) in items.iter().enumerate() {
                collect(child, rest, join(&pointer, &index.to_string()), out);
            }
        }
        (Value::Object(map), key) => {
            if let Some(child) = map.get(key) {
                collect(child, rest, join(&pointer, key), out);
            }
        }
        _ => {}
    }
}

fn values_at<'v>(value: &'v Value, path: &[&str]) -> Vec<(String, &'v Value)> {
    let mut out = Vec::new();
    collect(value, path, String::new(), &mut out);
    out
}

/// A problem found by a rule. `subject` is set for a problem about one value (at `pointer`):
/// the message is then the reason alone, and the value is named in front of it once it is known
/// whether it may be shown.
struct Found {
    pointer: String,
    subject: Option<Subject>,
    problem: Problem,
}

/// How a problem about one value names it.
#[derive(Debug, Clone, Copy)]
struct Subject {
    /// The key (`listen`, `path`).
    field: &'static str,
    /// Whether the text may be quoted (never a database URL: it may hold a password).
    quoted: bool,
}

impl Found {
    /// A problem about a block, not one value.
    fn block(problem: Problem) -> Self {
        Self {
            pointer: String::new(),
            subject: None,
            problem,
        }
    }

    /// The problem, its value named as `name` (when it is about one value).
    fn named(self, spans: &SpanTable, name: impl FnOnce(Subject) -> String) -> Problem {
        let Some(subject) = self.subject else {
            return self.problem;
        };
        let mut problem = self.problem;
        problem.message = format!("{} {}", name(subject), problem.message);
        super::validate::with_origin(spans, &self.pointer, problem)
    }
}

/// Which values a pass judges.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pass {
    /// The manifest as written: templated values only by their literal parts.
    Written,
    /// After interpolation: every value, templated ones whole.
    Interpolated,
}

/// Every rule `value` breaks, as written (before interpolation: a templated value is judged by
/// what its literal parts show). `base_dir` is the manifest's directory, for the paths that
/// must exist.
#[must_use]
pub fn check(value: &Value, spans: &SpanTable, base_dir: &Path) -> Vec<Problem> {
    findings(value, spans, base_dir, Pass::Written)
        .into_iter()
        .map(|found| {
            let text = value.pointer(&found.pointer).and_then(Value::as_str);
            found.named(spans, |subject| match text {
                Some(text) if subject.quoted => format!("`{}` \"{text}\"", subject.field),
                _ => format!("`{}`", subject.field),
            })
        })
        .collect()
}

/// The rules that the values written with templates in `before` break once interpolated
/// (`after`, secret values tagged); every other value was judged by [`check`] already, and the
/// values at `left_as_written` (variables `validate` does not need set) cannot be judged yet.
/// `from_env` names a value that read the environment by its field and variables (it may be a
/// secret); another templated value is named as written.
#[must_use]
pub fn check_interpolated(
    before: &Value,
    after: &Value,
    left_as_written: &[&str],
    from_env: &dyn Fn(&str) -> Option<String>,
    spans: &SpanTable,
    base_dir: &Path,
) -> Vec<Problem> {
    findings(after, spans, base_dir, Pass::Interpolated)
        .into_iter()
        .filter(|found| !left_as_written.contains(&found.pointer.as_str()))
        .filter_map(|found| {
            let written = before.pointer(&found.pointer).and_then(Value::as_str)?;
            if !is_templated(written) {
                return None;
            }
            let env_name = from_env(&found.pointer);
            Some(found.named(spans, |subject| {
                env_name.unwrap_or_else(|| {
                    format!("`{}` \"{written}\", once interpolated,", subject.field)
                })
            }))
        })
        .collect()
}

fn findings(value: &Value, spans: &SpanTable, base_dir: &Path, pass: Pass) -> Vec<Found> {
    let mut found = Vec::new();
    for (path, templates, rule) in TEXT_RULES {
        for (pointer, text) in values_at(value, path) {
            let Some(text) = text_of(text) else { continue };
            if pass == Pass::Written && *templates == Whole && is_templated(text) {
                continue;
            }
            if let Err(violation) = rule(text) {
                let subject = Subject {
                    field: path.last().copied().unwrap_or_default(),
                    quoted: path[0] != "database",
                };
                found.push(at_value(spans, pointer, subject, violation));
            }
        }
    }
    if pass == Pass::Written {
        project_names(value, spans, &mut found);
        data_choices(value, spans, &mut found);
        stages(value, spans, &mut found);
        routes(value, spans, &mut found);
        exclusive_keys(value, spans, &mut found);
        session_sql_on_engine(value, spans, &mut found);
    }
    paths_that_must_exist(value, spans, base_dir, pass, &mut found);
    found
}

/// A problem with the value at `pointer`.
fn at_value(spans: &SpanTable, pointer: String, subject: Subject, violation: Violation) -> Found {
    Found {
        problem: Problem::new(violation.code, violation.reason)
            .at(spans.value_span(&pointer), "invalid")
            .help(violation.help),
        subject: Some(subject),
        pointer,
    }
}

/// `session-sql` on a database whose URL (its literal start, when templated) names an engine
/// without SQL sessions; a URL known only once interpolated is checked when the node is planned.
fn session_sql_on_engine(value: &Value, spans: &SpanTable, found: &mut Vec<Found>) {
    let Some(databases) = value.get("database").and_then(Value::as_object) else {
        return;
    };
    for (name, database) in databases {
        let Some(url) = database.get("url").and_then(Value::as_str) else {
            continue;
        };
        if database.get("session-sql").is_none() {
            continue;
        }
        let Ok(engine) = database_engine(literal_head(url)) else {
            continue;
        };
        if let Err(violation) = session_sql_for(engine) {
            let pointer = join(&join("/database", name), "session-sql");
            found.push(Found::block(
                Problem::new(
                    violation.code,
                    format!("`session-sql` {}", violation.reason),
                )
                .at(spans.key_span(&pointer), "not for MongoDB")
                .help(violation.help),
            ));
        }
    }
}

fn data_choices(value: &Value, spans: &SpanTable, found: &mut Vec<Found>) {
    let Some(projects) = value.get("project").and_then(Value::as_object) else {
        return;
    };
    for (name, project) in projects {
        let field = |key: &str| project.get(key).filter(|v| !v.is_null());
        let Some(Ok(stack)) = field("stack").map(Stack::deserialize) else {
            continue;
        };
        let layer = field("data-layer").and_then(|v| DataLayer::deserialize(v).ok());
        let engine = field("database-engine").and_then(|v| ProjectEngine::deserialize(v).ok());
        let features: Vec<Feature> = field("features")
            .and_then(|v| Vec::<Feature>::deserialize(v).ok())
            .unwrap_or_default();
        if let Err(violation) = data_choice(stack, layer, engine, &features) {
            let pointer = join("/project", name);
            let key = ["data-layer", "database-engine"]
                .into_iter()
                .find(|key| field(key).is_some())
                .map_or_else(|| pointer.clone(), |key| join(&pointer, key));
            found.push(Found::block(
                Problem::new(
                    violation.code,
                    format!("`project \"{name}\"`: {}", violation.reason),
                )
                .at(spans.key_span(&key), "this choice")
                .help(violation.help),
            ));
        }
    }
}

fn project_names(value: &Value, spans: &SpanTable, found: &mut Vec<Found>) {
    let Some(projects) = value.get("project").and_then(Value::as_object) else {
        return;
    };
    for (name, project) in projects {
        let stack = project
            .get("stack")
            .and_then(|s| Stack::deserialize(s).ok());
        let checked = stack.map_or_else(|| project_name(name), |s| project_name_for(name, s));
        if let Err(reason) = checked {
            let pointer = join("/project", name);
            found.push(Found::block(
                Problem::new(
                    "manifest::bad-name",
                    format!("`project \"{name}\"` cannot be a project name: {reason}"),
                )
                .at(spans.key_span(&pointer), "not a project name")
                .help("the name becomes the npm package and directory name: lowercase letters, digits, `-`, `.` and `_`, such as \"shop-api\""),
            ));
        }
    }
}

fn stages(value: &Value, spans: &SpanTable, found: &mut Vec<Found>) {
    for (pointer, stages) in values_at(value, &["scenario", "*", "stages", "stage"]) {
        let Some(stages) = stages.as_array() else {
            continue;
        };
        let has = |stage: &Value, key: &str| stage.get(key).is_some_and(|v| !v.is_null());
        let shape = stages.iter().map(|s| (has(s, "target"), has(s, "rate")));
        if let Err((index, violation)) = load_model(shape) {
            let stage = join(&pointer, &index.to_string());
            found.push(Found::block(
                Problem::new(violation.code, format!("this stage {}", violation.reason))
                    .at(spans.key_span(&stage), "this stage")
                    .help(violation.help),
            ));
        }
    }
}

fn routes(value: &Value, spans: &SpanTable, found: &mut Vec<Found>) {
    for (pointer, routes) in values_at(value, &["mock", "*", "route"]) {
        let Some(routes) = routes.as_array() else {
            continue;
        };
        let written: Vec<(&str, &str)> = routes
            .iter()
            .map(|route| {
                let text = |key| route.get(key).and_then(Value::as_str).unwrap_or_default();
                (text("method"), text("path"))
            })
            .collect();
        // A method the text rule refuses is reported there already.
        if written
            .iter()
            .any(|(method, _)| http_method(method).is_err())
        {
            continue;
        }
        if let Err((index, violation)) = mock_routes(&written) {
            let route = join(&pointer, &index.to_string());
            found.push(Found::block(
                Problem::new(violation.code, format!("this route {}", violation.reason))
                    .at(spans.value_span(&join(&route, "path")), "this route")
                    .help(violation.help),
            ));
        }
    }
}

/// Keys of which a block takes at most one (or exactly one).
const EXCLUSIVE_KEYS: [(&[&str], &str, &[&str], bool); 3] = [
    (
        &["scenario", "*", "request", "*"],
        "this request",
        &["body", "json", "body-file", "form"],
        false,
    ),
    (
        &["mock", "*", "route", "*"],
        "this route",
        &["body", "json"],
        false,
    ),
    (
        &["scenario", "*", "request", "*", "extract", "*"],
        "this `extract`",
        &["json", "header"],
        true,
    ),
];

fn exclusive_keys(value: &Value, spans: &SpanTable, found: &mut Vec<Found>) {
    for (path, what, keys, required) in EXCLUSIVE_KEYS {
        for (pointer, block) in values_at(value, path) {
            let Some(block) = block.as_object() else {
                continue;
            };
            let given: Vec<(&str, bool)> = keys
                .iter()
                .map(|key| (*key, block.contains_key(*key)))
                .collect();
            let checked = if required {
                exactly_one(&given)
            } else {
                at_most_one(&given)
            };
            let Err(violation) = checked else { continue };
            // At the last key given in the file, or at the block when none is.
            let span = given
                .iter()
                .filter(|(_, given)| *given)
                .filter_map(|(key, _)| spans.key_span(&join(&pointer, key)))
                .max_by_key(miette::SourceSpan::offset)
                .or_else(|| spans.key_span(&pointer));
            found.push(Found::block(
                Problem::new(violation.code, format!("{what} {}", violation.reason))
                    .at(span, "here")
                    .help(violation.help),
            ));
        }
    }
}

/// The paths a manifest names that must exist (directory or file): unless a `project` of the
/// same manifest scaffolds them (a path inside a project's `path`, which the graph orders
/// after the scaffold), a missing one is surely a mistake.
const PATHS: [(&[&str], bool); 4] = [
    (&["migrations", "*", "path"], true),
    (&["service", "*", "cwd"], true),
    (&["scenario", "*", "data-file"], false),
    (&["scenario", "*", "request", "*", "body-file"], false),
];

fn paths_that_must_exist(
    value: &Value,
    spans: &SpanTable,
    base_dir: &Path,
    pass: Pass,
    found: &mut Vec<Found>,
) {
    let projects: Vec<&str> = values_at(value, &["project", "*", "path"])
        .into_iter()
        .filter_map(|(_, path)| text_of(path))
        .collect();
    for (path, directory) in PATHS {
        for (pointer, text) in values_at(value, path) {
            let Some(text) = text_of(text) else { continue };
            if (pass == Pass::Written && is_templated(text))
                || projects.iter().any(|project| inside(text, project))
            {
                continue;
            }
            let full = base_dir.join(text);
            let (exists, what) = if directory {
                (full.is_dir(), "directory")
            } else {
                (full.is_file(), "file")
            };
            if exists {
                continue;
            }
            let help = if full.exists() {
                format!("it is there, but it is not a {what}")
            } else if path[0] == "migrations" {
                format!(
                    "create it with a first migration (`backendctl migrate new NAME --dir {text}`) or fix the path; paths are relative to the manifest's directory"
                )
            } else {
                "create it or fix the path; paths are relative to the manifest's directory"
                    .to_owned()
            };
            found.push(Found {
                problem: Problem::new("manifest::missing-path", format!("names no {what}"))
                    .at(spans.value_span(&pointer), format!("no such {what}"))
                    .help(help),
                subject: Some(Subject {
                    field: path.last().copied().unwrap_or_default(),
                    quoted: true,
                }),
                pointer,
            });
        }
    }
}

/// Whether `path` is `outer` or inside it, component by component (`./a` is `a`).
fn inside(path: &str, outer: &str) -> bool {
    let normal = |text: &str| -> Vec<String> {
        Path::new(text)
            .components()
            .filter(|c| !matches!(c, Component::CurDir))
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect()
    };
    let (path, outer) = (normal(path), normal(outer));
    !outer.is_empty() && path.starts_with(&outer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_templated_url_is_judged_by_its_literal_start() {
        assert!(http_url("http://127.0.0.1:3000").is_ok());
        assert!(http_url("xx").is_err());
        assert!(http_url("http://").is_err());
        assert!(http_url("ftp://host/file").is_err());
        assert!(http_url("{{ env.URL }}").is_ok());
        assert!(http_url("https://{{ env.HOST }}/x").is_ok());
        assert!(http_url("ht{{ env.REST }}").is_ok());
        assert!(http_url("ftp://{{ env.HOST }}").is_err());
        assert!(database_url("{{ env.DATABASE_URL | default('sqlite://x.db') }}").is_ok());
        assert!(database_url("postgres://{{ env.HOST }}/db").is_ok());
        assert!(database_url("redis://{{ env.HOST }}").is_err());
        assert_eq!(database_engine("MariaDB://h/db"), Ok(DatabaseEngine::MySql));
    }

    #[test]
    fn stages_use_one_model() {
        assert_eq!(
            load_model([(true, false), (true, false)]),
            Ok(LoadModel::Closed)
        );
        assert_eq!(load_model([(false, true)]), Ok(LoadModel::Open));
        assert_eq!(
            load_model([(true, false), (false, false)]).unwrap_err().0,
            1
        );
        assert_eq!(load_model([(true, true)]).unwrap_err().0, 0);
        let (index, mixed) = load_model([(false, true), (true, false)]).unwrap_err();
        assert_eq!(index, 1);
        assert!(mixed.reason.contains("first stage sets `rate`"), "{mixed}");
    }

    #[test]
    fn tokens_addresses_and_bodies() {
        assert!(http_method("get").is_ok());
        assert!(http_method("G;ET").is_err());
        assert!(http_method("").is_err());
        assert!(header_name("X-Request-Id").is_ok());
        assert!(header_name("X Request").is_err());
        assert!(header_value("a\nb").is_err());
        assert!(request_header_value("Bearer {{ vars.token }}").is_ok());
        assert!(loopback_listen("127.0.0.1:3900").is_ok());
        assert_eq!(
            loopback_listen("999.0.0.1:3900").unwrap_err().code,
            "manifest::not-an-address"
        );
        assert_eq!(
            loopback_listen("0.0.0.0:3900").unwrap_err().code,
            "manifest::not-loopback"
        );
        assert!(json_text("[{\"a\": 1}]").is_ok());
        assert!(json_text("[1,]").is_err());
        assert!(json_text("{\"id\": {{ vu }}}").is_ok());
        assert!(json_path("$.data[0].id").is_ok());
        assert!(json_path("data").is_err());
        assert!(readiness_target("tcp://127.0.0.1:6379").is_ok());
        assert!(readiness_target("tcp://127.0.0.1").is_err());
        assert!(readiness_target("localhost:3000").is_err());
    }

    #[test]
    fn paths_and_names() {
        assert!(relative_path("services/api").is_ok());
        assert_eq!(relative_path("../x"), Err("it has a '.' or '..' segment"));
        assert_eq!(relative_path("/srv"), Err("it is absolute"));
        assert!(project_path("services/api/").is_ok());
        assert!(project_name("shop-api").is_ok());
        assert!(project_name("Shop").is_err());
        assert!(inside("shop-api/migrations", "shop-api"));
        assert!(inside("./shop-api", "shop-api/"));
        assert!(!inside("shop-apix/migrations", "shop-api"));
    }

    #[test]
    fn keys_that_exclude_each_other() {
        assert!(at_most_one(&[("body", true), ("json", false)]).is_ok());
        let both = at_most_one(&[("body", true), ("json", true)]).unwrap_err();
        assert_eq!(
            both.reason,
            "gives `body` and `json`, which exclude each other"
        );
        assert!(exactly_one(&[("json", false), ("header", false)]).is_err());
        assert!(exactly_one(&[("json", false), ("header", true)]).is_ok());
    }

    #[test]
    fn a_mock_route_table_is_one_axum_takes() {
        assert!(mock_routes(&[("GET", "/a/{id}"), ("post", "/a/{id}"), ("GET", "/b")]).is_ok());
        assert_eq!(
            mock_routes(&[("GET", "/a/{id}"), ("GET", "/a/{name}")])
                .unwrap_err()
                .0,
            1
        );
        assert_eq!(
            mock_routes(&[("GET", "/a"), ("get", "/a")]).unwrap_err().0,
            1
        );
        assert!(mock_routes(&[("GET", "/a/{")]).is_err());
        assert!(mock_routes(&[("GET", "/a/:id")]).is_err());
        assert!(mock_routes(&[("GET", "a")]).is_err());
        assert!(mock_routes(&[("PURGE", "/a")]).is_err());
    }
}
