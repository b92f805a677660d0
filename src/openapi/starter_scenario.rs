//! `backendctl init --from-openapi FILE`: a starter manifest whose one scenario exercises the
//! document's operations and checks every response against the document, so a team with a
//! spec has a CI gate in one command.
//!
//! Every `GET` operation becomes a request, and every other operation whose JSON request body
//! has an example in the document (a destructive `DELETE` without one is left out). Path
//! parameters (and required query parameters and headers) take the document's example values:
//! the parameter's `example` or first `examples`, else its schema's `example`, `default` or
//! first `enum` value, else a placeholder by type (`1`, a zero UUID, a date), marked in a
//! comment so it can be replaced.

use std::fmt::Write as _;

use serde_json::Value;

use crate::openapi::document::{OpenApiDocument, Operation, substitute_variables};

/// Where the service listens when the document's servers do not say.
const DEFAULT_ORIGIN: &str = "http://127.0.0.1:3000";
/// The longest name a manifest accepts.
const MAX_NAME: usize = 64;

/// A starter manifest for `document`, which the manifest names as `document_path`.
pub(crate) fn starter_manifest(
    document: &OpenApiDocument,
    document_path: &str,
    command: &str,
) -> String {
    let scenario = document.title().map_or_else(|| "api".to_owned(), slug);
    let scenario = if scenario.is_empty() {
        "api".to_owned()
    } else {
        scenario
    };
    let mut requests = String::new();
    let mut names: Vec<String> = Vec::new();
    let mut skipped = Vec::new();
    for operation in &document.operations {
        match request_of(document, operation, &mut names) {
            Some(request) => requests.push_str(&request),
            None => skipped.push(operation.label()),
        }
    }
    let mut out = String::new();
    let _ = writeln!(
        out,
        "// backend.kdl, written by `{command}`.
// `backendctl validate` checks it, `backendctl apply` runs it: the scenario loads the API and
// checks responses against the document (status, content type, body schema); a breached
// threshold exits 99, so CI fails. Reference: docs/load.md, \"Contract checks\".
backend version=1

// Start the service first, e.g.:
// service \"api\" {{
//     run \"npm\" \"run\" \"start\"
//     ready \"http://127.0.0.1:3000/health\" timeout=\"60s\"   // any URL answering 2xx once up
// }}
// and add `after \"service.api\"` to the scenario.
"
    );
    let _ = writeln!(out, "scenario {} {{", quote(&scenario));
    let _ = writeln!(out, "    base-url {}", quote(&base_url(document)));
    let _ = writeln!(
        out,
        "    // sample=\"100%\" checks every response (default: 5% of them)"
    );
    let _ = writeln!(out, "    openapi {}", quote(document_path));
    out.push_str("    stages {\n        stage \"30s\" target=10\n    }\n");
    out.push_str(&requests);
    if !skipped.is_empty() {
        out.push_str(
            "    // Not exercised (not GET, and no example request body in the document):\n",
        );
        for label in skipped {
            let _ = writeln!(out, "    //   {label}");
        }
    }
    out.push_str(
        "    thresholds {
        conformance \"> 99.9%\"
        error-rate \"< 1%\"
        p95 \"< 500ms\"
    }
}
",
    );
    out
}

/// The first server's URL (variables at their defaults); a relative one is put under
/// [`DEFAULT_ORIGIN`].
fn base_url(document: &OpenApiDocument) -> String {
    let server = document.value.pointer("/servers/0");
    let url = server
        .and_then(|s| s.get("url"))
        .and_then(Value::as_str)
        .map(|url| substitute_variables(url, server.and_then(|s| s.get("variables"))))
        .unwrap_or_default();
    let url = url.trim_end_matches('/');
    if url.starts_with("http://") || url.starts_with("https://") {
        url.to_owned()
    } else {
        format!("{DEFAULT_ORIGIN}/{}", url.trim_start_matches('/'))
            .trim_end_matches('/')
            .to_owned()
    }
}

/// The `request` node of one operation, or `None` when it is not exercised.
fn request_of(
    document: &OpenApiDocument,
    operation: &Operation,
    names: &mut Vec<String>,
) -> Option<String> {
    let object = operation.object(document);
    let body = json_example_body(document, object);
    if operation.method != http::Method::GET && body.is_none() {
        return None;
    }
    let parameters = parameters_of(document, object, operation);
    let mut placeholders = Vec::new();
    let mut value_of = |location: &str, name: &str| {
        let found = parameters.iter().find(|p| {
            p.get("in").and_then(Value::as_str) == Some(location)
                && p.get("name").and_then(Value::as_str) == Some(name)
        });
        let (value, from_document) =
            found.map_or_else(|| ("1".to_owned(), false), |p| example_value(document, p));
        if !from_document {
            placeholders.push(name.to_owned());
        }
        value
    };
    let mut path = operation
        .template
        .fill(|name| url_encode(&value_of("path", name)));
    let mut query = Vec::new();
    let mut headers = Vec::new();
    for parameter in &parameters {
        let required = parameter.get("required") == Some(&Value::Bool(true));
        let (Some(name), Some(location)) = (
            parameter.get("name").and_then(Value::as_str),
            parameter.get("in").and_then(Value::as_str),
        ) else {
            continue;
        };
        match location {
            "query" if required => {
                query.push(format!(
                    "{}={}",
                    url_encode(name),
                    url_encode(&value_of("query", name))
                ));
            }
            "header" if required => headers.push((name.to_owned(), value_of("header", name))),
            _ => {}
        }
    }
    if !query.is_empty() {
        path.push('?');
        path.push_str(&query.join("&"));
    }
    let name = unique_name(operation, names);
    let mut out = String::new();
    let _ = write!(
        out,
        "    request {} {} {}",
        quote(&name),
        quote(operation.method.as_str()),
        quote(&path)
    );
    if headers.is_empty() && body.is_none() {
        if !placeholders.is_empty() {
            let _ = write!(
                out,
                " // no example for {}: replace",
                placeholders.join(", ")
            );
        }
        out.push('\n');
        return Some(out);
    }
    out.push_str(" {\n");
    if !placeholders.is_empty() {
        let _ = writeln!(
            out,
            "        // no example for {}: replace",
            placeholders.join(", ")
        );
    }
    for (name, value) in headers {
        let _ = writeln!(out, "        header {} {}", quote(&name), quote(&value));
    }
    if let Some(body) = body {
        let _ = writeln!(out, "        json {}", quote(&body));
    }
    out.push_str("    }\n");
    Some(out)
}

/// The operation's parameters and its path item's (the operation's win), `$ref`s followed.
fn parameters_of<'d>(
    document: &'d OpenApiDocument,
    object: &'d Value,
    operation: &Operation,
) -> Vec<&'d Value> {
    let item_pointer = operation
        .pointer
        .rsplit_once('/')
        .map_or("", |(item, _)| item);
    let item = document.value.pointer(item_pointer).unwrap_or(&Value::Null);
    let mut parameters: Vec<&Value> = Vec::new();
    for list in [object.get("parameters"), item.get("parameters")] {
        let Some(Value::Array(list)) = list else {
            continue;
        };
        for parameter in list {
            let (parameter, _) = document.resolve(parameter, "");
            let key = |p: &Value| (p.get("name").cloned(), p.get("in").cloned());
            if !parameters.iter().any(|p| key(p) == key(parameter)) {
                parameters.push(parameter);
            }
        }
    }
    parameters
}

/// A parameter's example value as text, and whether the document gave it.
fn example_value(document: &OpenApiDocument, parameter: &Value) -> (String, bool) {
    let schema = parameter
        .get("schema")
        .map(|s| document.resolve(s, "").0)
        .unwrap_or(&Value::Null);
    let given = parameter
        .get("example")
        .or_else(|| first_example(document, parameter))
        .or_else(|| schema.get("example"))
        .or_else(|| schema.get("default"))
        .or_else(|| schema.get("enum").and_then(|e| e.get(0)));
    if let Some(value) = given {
        return (text_of(value), true);
    }
    let placeholder = match (
        schema.get("type").and_then(Value::as_str),
        schema.get("format").and_then(Value::as_str),
    ) {
        (_, Some("uuid")) => "00000000-0000-0000-0000-000000000001",
        (_, Some("date")) => "2024-01-01",
        (_, Some("date-time")) => "2024-01-01T00:00:00Z",
        (Some("boolean"), _) => "true",
        _ => "1",
    };
    (placeholder.to_owned(), false)
}

/// The value of the first entry of an object's `examples` map.
fn first_example<'d>(document: &'d OpenApiDocument, object: &'d Value) -> Option<&'d Value> {
    let Some(Value::Object(examples)) = object.get("examples") else {
        return None;
    };
    let (_, example) = examples.iter().next()?;
    document.resolve(example, "").0.get("value")
}

/// The request body's JSON example, minified, when the document has one.
fn json_example_body(document: &OpenApiDocument, object: &Value) -> Option<String> {
    let body = document.resolve(object.get("requestBody")?, "").0;
    let Some(Value::Object(content)) = body.get("content") else {
        return None;
    };
    let (_, media) = content.iter().find(|(media_type, _)| {
        let essence = crate::openapi::document::essence(media_type);
        essence.ends_with("/json") || essence.ends_with("+json")
    })?;
    let schema = media
        .get("schema")
        .map(|s| document.resolve(s, "").0)
        .unwrap_or(&Value::Null);
    let example = media
        .get("example")
        .or_else(|| first_example(document, media))
        .or_else(|| schema.get("example"))?;
    Some(example.to_string())
}

/// A name for the operation's request: its `operationId`, else its method and path
/// (`get-users-id`); unique in the scenario.
fn unique_name(operation: &Operation, names: &mut Vec<String>) -> String {
    let base = operation.operation_id.clone().unwrap_or_else(|| {
        slug(&format!(
            "{} {}",
            operation.method.as_str().to_lowercase(),
            operation.path
        ))
    });
    let base: String = base.chars().take(MAX_NAME - 4).collect();
    let mut name = base.clone();
    let mut n = 2;
    while names.contains(&name) {
        name = format!("{base}-{n}");
        n += 1;
    }
    names.push(name.clone());
    name
}

/// Lower-case letters and digits joined by `-`: `Users API (v2)` → `users-api-v2`.
fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').chars().take(MAX_NAME).collect()
}

/// A JSON value as parameter text: strings bare, anything else as JSON.
fn text_of(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Percent-encodes what may not stand in a path segment or query value as it is.
fn url_encode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

/// A KDL string: quoted, with `\` and `"` escaped and control characters written as escapes.
/// `{{` starts a template in a manifest, so it is broken up (`{ {`) where a value holds one.
fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.replace("{{", "{ {").chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHOP: &str = r##"
openapi: 3.1.0
info: {title: "Shop API (v2)", version: "2"}
servers: [{url: "https://shop.example.com/{base}", variables: {base: {default: v2}}}]
paths:
  /products/{sku}:
    parameters:
      - {name: sku, in: path, required: true, schema: {type: string}, example: A-1}
    get:
      operationId: getProduct
      parameters:
        - {name: currency, in: query, required: true, schema: {type: string, enum: [EUR, USD]}}
        - {name: X-Tenant, in: header, required: true, schema: {type: string, format: uuid}}
      responses: {"200": {description: ok}}
  /orders:
    post:
      requestBody:
        content:
          application/json:
            examples:
              small: {value: {sku: "A-1", quantity: 2}}
      responses: {"201": {description: created}}
  /orders/{id}:
    get:
      responses: {"200": {description: ok}}
    delete:
      responses: {"204": {description: gone}}
"##;

    #[test]
    fn gets_and_operations_with_example_bodies_become_requests_with_example_values() {
        let document = OpenApiDocument::parse(SHOP.as_bytes(), "shop.yaml").unwrap();
        let manifest = starter_manifest(
            &document,
            "shop.yaml",
            "backendctl init --from-openapi shop.yaml",
        );
        assert!(
            manifest.contains("scenario \"shop-api-v2\" {"),
            "{manifest}"
        );
        assert!(
            manifest.contains("base-url \"https://shop.example.com/v2\""),
            "{manifest}"
        );
        assert!(manifest.contains("openapi \"shop.yaml\""), "{manifest}");
        assert!(
            manifest.contains(
                "request \"getProduct\" \"GET\" \"/products/A-1?currency=EUR\" {\n        // no example for X-Tenant: replace\n        header \"X-Tenant\" \"00000000-0000-0000-0000-000000000001\"\n    }"
            ),
            "{manifest}"
        );
        assert!(
            manifest.contains(
                "request \"post-orders\" \"POST\" \"/orders\" {\n        json \"{\\\"quantity\\\":2,\\\"sku\\\":\\\"A-1\\\"}\"\n    }"
            ),
            "{manifest}"
        );
        assert!(
            manifest.contains(
                "request \"get-orders-id\" \"GET\" \"/orders/1\" // no example for id: replace"
            ),
            "{manifest}"
        );
        assert!(manifest.contains("//   DELETE /orders/{id}"), "{manifest}");
    }

    #[test]
    fn kdl_strings_are_escaped_and_templates_broken_up() {
        assert_eq!(quote("a \"b\" \\ {{ c }}\n"), r#""a \"b\" \\ { { c }}\n""#);
        assert_eq!(slug("  Users API (v2)! "), "users-api-v2");
    }
}
