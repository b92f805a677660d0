//! An OpenAPI 3.0 or 3.1 document, read once: its operations (method and path template), the
//! responses each declares (status, media types, schemas), the base paths of its servers, and a
//! JSON Schema registry holding the whole document so that `$ref`s into `components` resolve.

use std::sync::{Arc, OnceLock};

use http::Method;
use serde_json::Value;

use crate::openapi::json_tape::JsonTape;
use crate::openapi::path_template::PathTemplate;
use crate::openapi::schema_dialect;

/// The URI the document is registered under, for `$ref` resolution.
const DOCUMENT_URI: &str = "urn:backendctl:openapi";
/// The largest document read.
pub(crate) const MAX_DOCUMENT_BYTES: usize = 16 * 1024 * 1024;
/// The most `$ref` hops followed to reach a response, parameter or example.
const MAX_REF_HOPS: usize = 16;
/// The operations' HTTP methods, in the order reports list them under one path.
const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// A document that cannot be used.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum DocumentError {
    /// Neither JSON nor YAML.
    #[error("{name} is neither JSON nor YAML: {reason}")]
    #[diagnostic(
        code("openapi::unreadable"),
        help("an OpenAPI document is a JSON or YAML file starting with `openapi: 3.1.0`")
    )]
    Syntax {
        /// The file or URL.
        name: String,
        /// The parser's message.
        reason: String,
    },
    /// JSON or YAML, but no OpenAPI 3 document.
    #[error("{name} is not an OpenAPI 3.0 or 3.1 document: {reason}")]
    #[diagnostic(
        code("openapi::not-openapi"),
        help("an OpenAPI document has `openapi: 3.0.x` or `3.1.x` and a `paths` object")
    )]
    NotOpenApi {
        /// The file or URL.
        name: String,
        /// What is missing or wrong.
        reason: String,
    },
    /// Larger than [`MAX_DOCUMENT_BYTES`].
    #[error("{name} is larger than {} MiB", MAX_DOCUMENT_BYTES / 1024 / 1024)]
    #[diagnostic(code("openapi::too-large"))]
    TooLarge {
        /// The file or URL.
        name: String,
    },
}

/// Which OpenAPI version a document is, and so which JSON Schema its schemas are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dialect {
    /// OpenAPI 3.0: schemas are draft 4 with `nullable`.
    OpenApi30,
    /// OpenAPI 3.1 (and later 3.x): schemas are JSON Schema 2020-12.
    OpenApi31,
}

impl Dialect {
    fn draft(self) -> jsonschema::Draft {
        match self {
            Self::OpenApi30 => jsonschema::Draft::Draft4,
            Self::OpenApi31 => jsonschema::Draft::Draft202012,
        }
    }
}

/// A parsed OpenAPI document.
pub(crate) struct OpenApiDocument {
    pub dialect: Dialect,
    /// The document as JSON, its schemas rewritten for the validator
    /// ([`schema_dialect`]); `$ref`s resolve in it.
    pub value: Arc<Value>,
    /// Every operation, sorted by path, then method.
    pub operations: Vec<Operation>,
    /// The path prefixes of the document's servers (`/api/v1`), longest first; `""` when a
    /// server has none (or there is no `servers` list).
    pub base_paths: Vec<String>,
    registry: jsonschema::Registry<'static>,
}

impl std::fmt::Debug for OpenApiDocument {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenApiDocument")
            .field("dialect", &self.dialect)
            .field("operations", &self.operations.len())
            .field("base_paths", &self.base_paths)
            .finish_non_exhaustive()
    }
}

/// One operation: a method on a path template.
#[derive(Debug)]
pub(crate) struct Operation {
    pub method: Method,
    /// The path template as the document writes it: `/users/{id}`.
    pub path: String,
    pub operation_id: Option<String>,
    pub template: PathTemplate,
    /// The JSON pointer of the operation object in the document.
    pub pointer: String,
    pub responses: Vec<DeclaredResponse>,
}

/// The statuses a response object of `responses` covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StatusPattern {
    /// `"200"`.
    Exact(u16),
    /// `"2XX"`: the hundreds digit.
    Class(u16),
    /// `"default"`.
    Default,
}

/// A response the document declares for an operation.
#[derive(Debug)]
pub(crate) struct DeclaredResponse {
    pub status: StatusPattern,
    /// Its media types; empty when the response declares no `content`.
    pub media: Vec<DeclaredMedia>,
}

/// One media type of a response's `content`, and its schema.
#[derive(Debug)]
pub(crate) struct DeclaredMedia {
    /// Lower-case, without parameters: `application/json`, `application/*`, `*/*`.
    pub media_type: String,
    /// The JSON pointer of its `schema`, if it has one.
    pub schema_pointer: Option<String>,
    /// The schema's validator, compiled the first time a response needs it and then shared by
    /// every virtual user; `Err` with the compiler's message when the schema is invalid.
    pub validator: OnceLock<Result<jsonschema::Validator<JsonTape>, String>>,
}

impl Operation {
    /// `GET /users/{id}`.
    pub(crate) fn label(&self) -> String {
        format!("{} {}", self.method, self.path)
    }

    /// The object of this operation in the document.
    pub(crate) fn object<'d>(&self, document: &'d OpenApiDocument) -> &'d Value {
        document
            .value
            .pointer(&self.pointer)
            .unwrap_or(&Value::Null)
    }
}

impl OpenApiDocument {
    /// Parses a document's text (JSON or YAML); `name` (a path or URL) is for messages.
    pub(crate) fn parse(text: &[u8], name: &str) -> Result<Self, DocumentError> {
        if text.len() > MAX_DOCUMENT_BYTES {
            return Err(DocumentError::TooLarge {
                name: name.to_owned(),
            });
        }
        let value = parse_value(text).map_err(|reason| DocumentError::Syntax {
            name: name.to_owned(),
            reason,
        })?;
        Self::from_value(value, name)
    }

    /// Reads a document from a file.
    pub(crate) fn read(path: &std::path::Path) -> Result<Self, ReadError> {
        let name = path.display().to_string();
        let text = read_bytes(path).map_err(|source| ReadError::Io {
            path: name.clone(),
            source,
        })?;
        Self::parse(&text, &name).map_err(ReadError::Document)
    }

    fn from_value(mut value: Value, name: &str) -> Result<Self, DocumentError> {
        let not_openapi = |reason: &str| DocumentError::NotOpenApi {
            name: name.to_owned(),
            reason: reason.to_owned(),
        };
        if !value.is_object() {
            return Err(not_openapi("it is not an object"));
        }
        if value.get("swagger").is_some() {
            return Err(not_openapi(
                "Swagger 2.0 is not supported: convert it to OpenAPI 3",
            ));
        }
        let version = value
            .get("openapi")
            .and_then(Value::as_str)
            .ok_or_else(|| not_openapi("it has no `openapi` version"))?;
        let dialect = if version.starts_with("3.0") {
            Dialect::OpenApi30
        } else if version.starts_with("3.") {
            Dialect::OpenApi31
        } else {
            return Err(not_openapi(&format!("version `{version}` is not 3.x")));
        };
        match value.get("paths") {
            Some(Value::Object(_)) => {}
            None if dialect == Dialect::OpenApi31 => {}
            _ => return Err(not_openapi("it has no `paths` object")),
        }
        schema_dialect::rewrite_document(&mut value, dialect == Dialect::OpenApi30);
        let operations = operations_of(&value);
        let base_paths = base_paths_of(&value);
        let value = Arc::new(value);
        let registry = jsonschema::Registry::new()
            .draft(dialect.draft())
            .retrieve_known_draft_meta_schemas(false)
            .add(DOCUMENT_URI, Arc::clone(&value))
            .and_then(jsonschema::RegistryBuilder::prepare)
            .map_err(|e| not_openapi(&format!("its schemas cannot be resolved: {e}")))?;
        Ok(Self {
            dialect,
            value,
            operations,
            base_paths,
            registry,
        })
    }

    /// The document's `info.title`, if any.
    pub(crate) fn title(&self) -> Option<&str> {
        self.value.pointer("/info/title").and_then(Value::as_str)
    }

    /// The operation a request with `method` and URL path `path` is for, if any.
    pub(crate) fn operation_at(&self, method: &Method, path: &str) -> Option<usize> {
        let mut best: Option<(usize, usize)> = None;
        for base in &self.base_paths {
            let Some(rest) = strip_base(path, base) else {
                continue;
            };
            for (index, operation) in self.operations.iter().enumerate() {
                if operation.method != method {
                    continue;
                }
                if let Some(score) = operation.template.score(rest)
                    && best.is_none_or(|(b, _)| score + base.len() > b)
                {
                    best = Some((score + base.len(), index));
                }
            }
        }
        best.map(|(_, index)| index)
    }

    /// Compiles the validator of a media type's schema, once.
    pub(crate) fn validator<'m>(
        &self,
        media: &'m DeclaredMedia,
    ) -> Option<&'m Result<jsonschema::Validator<JsonTape>, String>> {
        let pointer = media.schema_pointer.as_ref()?;
        Some(media.validator.get_or_init(|| self.compile(pointer)))
    }

    fn compile(&self, pointer: &str) -> Result<jsonschema::Validator<JsonTape>, String> {
        let reference =
            serde_json::json!({ "$ref": format!("{DOCUMENT_URI}#{}", encode_fragment(pointer)) });
        jsonschema::options_for::<JsonTape>()
            .with_draft(self.dialect.draft())
            .with_registry(&self.registry)
            .build(&reference)
            .map_err(|e| e.to_string())
    }

    /// Compiles every response schema; returns each one that fails, as (JSON pointer of the
    /// schema, message). `validate` reports these before any run.
    pub(crate) fn schema_problems(&self) -> Vec<(String, String)> {
        let mut problems = Vec::new();
        for operation in &self.operations {
            for response in &operation.responses {
                for media in &response.media {
                    if let (Some(pointer), Some(Err(message))) =
                        (&media.schema_pointer, self.validator(media))
                    {
                        problems.push((pointer.clone(), message.clone()));
                    }
                }
            }
        }
        problems
    }

    /// Follows `$ref`s from `value` (found at `pointer`) to the object they name, with that
    /// object's pointer.
    pub(crate) fn resolve<'d>(&'d self, value: &'d Value, pointer: &str) -> (&'d Value, String) {
        resolve(&self.value, value, pointer)
    }
}

/// A document file that cannot be used.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum ReadError {
    /// The file cannot be read.
    #[error("cannot read {path}: {source}")]
    #[diagnostic(code("openapi::unreadable"))]
    Io {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The file is no usable document.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Document(DocumentError),
}

/// The bytes of a document file: a regular file, read up to one byte past
/// [`MAX_DOCUMENT_BYTES`] (so [`OpenApiDocument::parse`] can refuse a larger one without reading
/// all of it).
pub(crate) fn read_bytes(path: &std::path::Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read as _;
    let file = std::fs::File::open(path)?;
    if !file.metadata()?.is_file() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "it is not a regular file",
        ));
    }
    let mut text = Vec::new();
    file.take(MAX_DOCUMENT_BYTES as u64 + 1)
        .read_to_end(&mut text)?;
    Ok(text)
}

/// JSON when the text starts like JSON, YAML otherwise.
fn parse_value(text: &[u8]) -> Result<Value, String> {
    let start = text.iter().find(|b| !b.is_ascii_whitespace());
    if start == Some(&b'{') {
        return serde_json::from_slice(text).map_err(|e| e.to_string());
    }
    let yaml: serde_norway::Value = serde_norway::from_slice(text).map_err(|e| e.to_string())?;
    Ok(yaml_to_json(yaml))
}

/// YAML as JSON: keys that are numbers or booleans (`200:` in `responses`) become strings.
fn yaml_to_json(yaml: serde_norway::Value) -> Value {
    use serde_norway::Value as Y;
    match yaml {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(b),
        Y::Number(n) => {
            if let Some(i) = n.as_i64() {
                Value::from(i)
            } else if let Some(u) = n.as_u64() {
                Value::from(u)
            } else {
                n.as_f64()
                    .and_then(serde_json::Number::from_f64)
                    .map_or(Value::Null, Value::Number)
            }
        }
        Y::String(s) => Value::String(s),
        Y::Sequence(items) => Value::Array(items.into_iter().map(yaml_to_json).collect()),
        Y::Mapping(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (yaml_key(k), yaml_to_json(v)))
                .collect(),
        ),
        Y::Tagged(tagged) => yaml_to_json(tagged.value),
    }
}

fn yaml_key(key: serde_norway::Value) -> String {
    use serde_norway::Value as Y;
    match key {
        Y::String(s) => s,
        Y::Bool(b) => b.to_string(),
        Y::Number(n) => n.to_string(),
        Y::Null => "null".to_owned(),
        other => serde_norway::to_string(&other)
            .unwrap_or_default()
            .trim()
            .to_owned(),
    }
}

/// Follows `$ref`s (`#/components/…`, within the document) from `value`.
fn resolve<'d>(document: &'d Value, mut value: &'d Value, pointer: &str) -> (&'d Value, String) {
    let mut pointer = pointer.to_owned();
    for _ in 0..MAX_REF_HOPS {
        let Some(target) = value
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix('#'))
        else {
            break;
        };
        let target = decode_fragment(target);
        let Some(next) = document.pointer(&target) else {
            break;
        };
        value = next;
        pointer = target;
    }
    (value, pointer)
}

/// Escapes a JSON pointer segment (`/users/{id}` → `~1users~1{id}`).
pub(crate) fn escape_segment(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// A JSON pointer as a URI fragment: characters a fragment may not hold are percent-encoded.
fn encode_fragment(pointer: &str) -> String {
    let mut out = String::with_capacity(pointer.len());
    for byte in pointer.bytes() {
        if byte.is_ascii_alphanumeric() || b"/~-._!$&'()*+,;=:@".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// A `$ref` fragment as a JSON pointer (percent-decoded).
fn decode_fragment(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(hex) = text.get(i + 1..i + 3)
            && let Ok(byte) = u8::from_str_radix(hex, 16)
        {
            out.push(byte);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Every operation of the document's `paths`, sorted by path, then method.
fn operations_of(document: &Value) -> Vec<Operation> {
    let Some(Value::Object(paths)) = document.get("paths") else {
        return Vec::new();
    };
    let mut operations = Vec::new();
    let mut sorted: Vec<_> = paths.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(b.0));
    for (path, item) in sorted {
        let item_pointer = format!("/paths/{}", escape_segment(path));
        let (item, item_pointer) = resolve(document, item, &item_pointer);
        for method in METHODS {
            let Some(operation) = item.get(method).filter(|o| o.is_object()) else {
                continue;
            };
            let pointer = format!("{item_pointer}/{method}");
            operations.push(Operation {
                method: Method::from_bytes(method.to_ascii_uppercase().as_bytes())
                    .expect("a known method"),
                path: path.clone(),
                operation_id: operation
                    .get("operationId")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
                template: PathTemplate::parse(path),
                responses: responses_of(document, operation, &pointer),
                pointer,
            });
        }
    }
    operations
}

fn responses_of(document: &Value, operation: &Value, pointer: &str) -> Vec<DeclaredResponse> {
    let Some(Value::Object(responses)) = operation.get("responses") else {
        return Vec::new();
    };
    let mut declared = Vec::new();
    for (key, response) in responses {
        let Some(status) = status_pattern(key) else {
            continue;
        };
        let response_pointer = format!("{pointer}/responses/{}", escape_segment(key));
        let (response, response_pointer) = resolve(document, response, &response_pointer);
        let media = match response.get("content") {
            Some(Value::Object(content)) => content
                .iter()
                .map(|(media_type, media)| {
                    let media_pointer =
                        format!("{response_pointer}/content/{}", escape_segment(media_type));
                    let (media, media_pointer) = resolve(document, media, &media_pointer);
                    DeclaredMedia {
                        media_type: essence(media_type),
                        schema_pointer: media
                            .get("schema")
                            .filter(|s| s.is_object() || s.is_boolean())
                            .map(|_| format!("{media_pointer}/schema")),
                        validator: OnceLock::new(),
                    }
                })
                .collect(),
            _ => Vec::new(),
        };
        declared.push(DeclaredResponse { status, media });
    }
    declared
}

/// `"200"`, `"2XX"`, `"default"`.
fn status_pattern(key: &str) -> Option<StatusPattern> {
    if key.eq_ignore_ascii_case("default") {
        return Some(StatusPattern::Default);
    }
    if key.len() == 3 && key[1..].eq_ignore_ascii_case("xx") {
        return key[..1]
            .parse::<u16>()
            .ok()
            .filter(|d| (1..=5).contains(d))
            .map(StatusPattern::Class);
    }
    key.parse::<u16>()
        .ok()
        .filter(|s| (100..=599).contains(s))
        .map(StatusPattern::Exact)
}

/// A media type without its parameters, in lower case: `application/json; charset=utf-8` →
/// `application/json`.
pub(crate) fn essence(media_type: &str) -> String {
    media_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

/// The path prefix of each server (variables at their defaults), longest first.
fn base_paths_of(document: &Value) -> Vec<String> {
    let mut bases: Vec<String> = match document.get("servers") {
        Some(Value::Array(servers)) if !servers.is_empty() => servers
            .iter()
            .filter_map(|server| {
                let url = server.get("url")?.as_str()?;
                let url = substitute_variables(url, server.get("variables"));
                Some(server_path(&url))
            })
            .collect(),
        _ => Vec::new(),
    };
    if bases.is_empty() {
        bases.push(String::new());
    }
    bases.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
    bases.dedup();
    bases
}

/// A server URL with `{name}` replaced by its variable's default.
pub(crate) fn substitute_variables(url: &str, variables: Option<&Value>) -> String {
    let mut out = url.to_owned();
    if let Some(Value::Object(variables)) = variables {
        for (name, variable) in variables {
            if let Some(default) = variable.get("default").and_then(Value::as_str) {
                out = out.replace(&format!("{{{name}}}"), default);
            }
        }
    }
    out
}

/// The path of a server URL (`https://api.example.com/v1/` → `/v1`; `/v1` → `/v1`).
fn server_path(url: &str) -> String {
    let path = match url.find("://") {
        Some(at) => {
            let rest = &url[at + 3..];
            rest.find('/').map_or("", |slash| &rest[slash..])
        }
        None => url,
    };
    let path = path.split(['?', '#']).next().unwrap_or_default();
    path.trim_end_matches('/').to_owned()
}

/// The rest of `path` after the server's base path, or `None` when it is not under it.
fn strip_base<'p>(path: &'p str, base: &str) -> Option<&'p str> {
    if base.is_empty() {
        return Some(path);
    }
    let rest = path.strip_prefix(base)?;
    if rest.is_empty() {
        Some("/")
    } else if rest.starts_with('/') {
        Some(rest)
    } else {
        None
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::openapi::json_tape::Tape;

    /// A 3.0 document with a server base path (a variable), `$ref`'d schemas and responses, a
    /// nullable field, templated and concrete paths and a `2XX` response.
    pub(crate) const USERS_30: &str = include_str!("../../tests/fixtures/openapi/users.yaml");

    pub(crate) fn users_30() -> OpenApiDocument {
        OpenApiDocument::parse(USERS_30.as_bytes(), "users.yaml").unwrap()
    }

    #[test]
    fn operations_are_sorted_with_their_responses_resolved() {
        let document = users_30();
        assert_eq!(document.dialect, Dialect::OpenApi30);
        let labels: Vec<String> = document.operations.iter().map(Operation::label).collect();
        assert_eq!(
            labels,
            [
                "GET /users",
                "GET /users/me",
                "GET /users/{id}",
                "DELETE /users/{id}"
            ]
        );
        let get_user = &document.operations[2];
        assert_eq!(get_user.operation_id.as_deref(), Some("getUser"));
        let not_found = get_user
            .responses
            .iter()
            .find(|r| r.status == StatusPattern::Exact(404))
            .unwrap();
        assert_eq!(not_found.media[0].media_type, "application/problem+json");
        assert_eq!(
            not_found.media[0].schema_pointer.as_deref(),
            Some("/components/responses/NotFound/content/application~1problem+json/schema")
        );
        assert_eq!(document.base_paths, ["/api/v1"]);
    }

    #[test]
    fn requests_match_operations_under_the_server_base_path() {
        let document = users_30();
        let at = |method: Method, path: &str| {
            document
                .operation_at(&method, path)
                .map(|i| document.operations[i].label())
        };
        assert_eq!(
            at(Method::GET, "/api/v1/users/42").as_deref(),
            Some("GET /users/{id}")
        );
        assert_eq!(
            at(Method::GET, "/api/v1/users/me").as_deref(),
            Some("GET /users/me")
        );
        assert_eq!(
            at(Method::DELETE, "/api/v1/users/42").as_deref(),
            Some("DELETE /users/{id}")
        );
        assert_eq!(at(Method::GET, "/users/42"), None);
        assert_eq!(at(Method::POST, "/api/v1/users"), None);
        assert_eq!(at(Method::GET, "/api/v1x/users"), None);
    }

    #[test]
    fn schemas_compile_with_refs_into_components_and_paths_with_braces() {
        let document = users_30();
        let get_user = &document.operations[2];
        let media = &get_user.responses[0].media[0];
        let validator = document.validator(media).unwrap().as_ref().unwrap();
        let valid = |text: &str| validator.is_valid(Tape::parse(text.as_bytes()).unwrap().root());
        assert!(valid(r#"{"id": 1, "name": "ann", "email": null}"#));
        assert!(!valid(r#"{"id": 1}"#));
        assert!(document.schema_problems().is_empty());
    }

    #[test]
    fn json_documents_and_3_1_are_read_and_swagger_is_refused() {
        let json = br#"{"openapi": "3.1.0", "info": {"title": "t", "version": "1"},
            "paths": {"/a": {"get": {"responses": {"200": {"description": "ok",
            "content": {"application/json": {"schema": {"type": ["string", "null"]}}}}}}}}}"#;
        let document = OpenApiDocument::parse(json, "a.json").unwrap();
        assert_eq!(document.dialect, Dialect::OpenApi31);
        let media = &document.operations[0].responses[0].media[0];
        let validator = document.validator(media).unwrap().as_ref().unwrap();
        let valid = |text: &str| validator.is_valid(Tape::parse(text.as_bytes()).unwrap().root());
        assert!(valid("null"));
        assert!(!valid("1"));

        let swagger = OpenApiDocument::parse(b"swagger: '2.0'\npaths: {}\n", "s.yaml");
        assert!(
            matches!(&swagger, Err(DocumentError::NotOpenApi { reason, .. }) if reason.contains("Swagger")),
            "{swagger:?}"
        );
        assert!(matches!(
            OpenApiDocument::parse(b"{not json", "x.json"),
            Err(DocumentError::Syntax { .. })
        ));
        assert!(matches!(
            OpenApiDocument::parse(b"openapi: 3.0.0\n", "x.yaml"),
            Err(DocumentError::NotOpenApi { .. })
        ));
    }

    #[test]
    fn an_invalid_schema_is_a_problem_named_by_its_pointer() {
        let text = br#"{"openapi": "3.1.0", "info": {"title": "t", "version": "1"},
            "paths": {"/a": {"get": {"responses": {"200": {"description": "ok",
            "content": {"application/json": {"schema": {"type": "strin"}}}}}}}}}"#;
        let document = OpenApiDocument::parse(text, "a.json").unwrap();
        let problems = document.schema_problems();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(
            problems[0].0,
            "/paths/~1a/get/responses/200/content/application~1json/schema"
        );
    }
}
