//! Whether one response keeps its operation's contract: its status is declared (exactly, by
//! class such as `2XX`, or by `default`), its content type is one the response declares, and
//! its body is valid against that media type's schema (JSON media types only). The first
//! mismatch is reported with the JSON path where it is.

use crate::openapi::document::{
    DeclaredMedia, DeclaredResponse, OpenApiDocument, StatusPattern, essence,
};
use crate::openapi::json_tape::Tape;

/// The longest error message kept (a type error quotes the instance, which may be large).
const MAX_MESSAGE_CHARS: usize = 300;

/// What kind of promise a response broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum ViolationKind {
    /// The status is not among the operation's responses (and there is no `default`).
    Status,
    /// The content type is not among the response's media types.
    ContentType,
    /// The body is not valid against the schema (or not JSON where JSON is declared).
    Body,
}

impl ViolationKind {
    /// Every kind, in report order.
    pub(crate) const ALL: [Self; 3] = [Self::Status, Self::ContentType, Self::Body];

    /// The name used in reports and `run.json`.
    pub(crate) fn label(self) -> &'static str {
        match self {
            Self::Status => "status",
            Self::ContentType => "content-type",
            Self::Body => "body",
        }
    }

    /// Index into a fixed-size array.
    pub(crate) fn index(self) -> usize {
        self as usize
    }
}

/// A broken promise: its kind, the JSON path of the first mismatch in the body (`$.items[3]
/// .name`), and what was wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Violation {
    pub kind: ViolationKind,
    pub json_path: Option<String>,
    pub message: String,
}

/// The parts of a response the check reads.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Response<'a> {
    pub status: u16,
    pub content_type: Option<&'a str>,
    /// The body, when it was kept whole; `None` when it was not kept or was cut at the
    /// engine's limit (then only the status and the content type are checked).
    pub body: Option<&'a [u8]>,
    /// A response to HEAD, which has no body whatever its headers say.
    pub to_head: bool,
}

impl OpenApiDocument {
    /// Checks `response` against operation `operation`.
    pub(crate) fn check(&self, operation: usize, response: &Response<'_>) -> Result<(), Violation> {
        let operation = &self.operations[operation];
        let Some(declared) = declared_response(&operation.responses, response.status) else {
            let mut statuses: Vec<String> = operation
                .responses
                .iter()
                .map(|r| match r.status {
                    StatusPattern::Exact(s) => s.to_string(),
                    StatusPattern::Class(c) => format!("{c}XX"),
                    StatusPattern::Default => "default".to_owned(),
                })
                .collect();
            statuses.sort();
            return Err(Violation {
                kind: ViolationKind::Status,
                json_path: None,
                message: format!(
                    "status {} is not declared (declared: {})",
                    response.status,
                    if statuses.is_empty() {
                        "none".to_owned()
                    } else {
                        statuses.join(", ")
                    }
                ),
            });
        };
        if declared.media.is_empty() || response.to_head {
            return Ok(());
        }
        let body = response.body;
        let empty = body.is_some_and(<[u8]>::is_empty);
        let media = match response.content_type {
            Some(content_type) => match declared_media(&declared.media, content_type) {
                Some(media) => media,
                None => {
                    return Err(Violation {
                        kind: ViolationKind::ContentType,
                        json_path: None,
                        message: format!(
                            "content type `{}` is not declared (declared: {})",
                            essence(content_type),
                            declared_types(&declared.media)
                        ),
                    });
                }
            },
            // No Content-Type: acceptable only for an empty body.
            None if empty => return Ok(()),
            None => {
                return Err(Violation {
                    kind: ViolationKind::ContentType,
                    json_path: None,
                    message: format!(
                        "the response has no Content-Type (declared: {})",
                        declared_types(&declared.media)
                    ),
                });
            }
        };
        let (Some(body), Some(content_type)) = (body, response.content_type) else {
            return Ok(());
        };
        if !is_json(&essence(content_type)) {
            return Ok(());
        }
        let Some(Ok(validator)) = self.validator(media) else {
            return Ok(());
        };
        // Read in place (strings borrowed from the body), not into a `serde_json::Value`:
        // building and dropping that tree cost most of a check (json_tape.rs).
        let tape = match Tape::parse(body) {
            Ok(tape) => tape,
            Err(e) => {
                return Err(Violation {
                    kind: ViolationKind::Body,
                    json_path: Some("$".to_owned()),
                    message: if body.is_empty() {
                        "the body is empty, not JSON".to_owned()
                    } else {
                        format!("the body is not valid JSON: {e}")
                    },
                });
            }
        };
        if validator.is_valid(tape.root()) {
            return Ok(());
        }
        let Err(error) = validator.validate(tape.root()) else {
            return Ok(());
        };
        Err(Violation {
            kind: ViolationKind::Body,
            json_path: Some(json_path(error.instance_path().as_str(), error.kind())),
            message: truncate(&error.to_string()),
        })
    }
}

/// The response object covering `status`: exact, then its class, then `default`.
fn declared_response(responses: &[DeclaredResponse], status: u16) -> Option<&DeclaredResponse> {
    responses
        .iter()
        .find(|r| r.status == StatusPattern::Exact(status))
        .or_else(|| {
            responses
                .iter()
                .find(|r| r.status == StatusPattern::Class(status / 100))
        })
        .or_else(|| {
            responses
                .iter()
                .find(|r| r.status == StatusPattern::Default)
        })
}

/// The declared media type covering `content_type`: exact, then `type/*`, then `*/*`.
fn declared_media<'m>(media: &'m [DeclaredMedia], content_type: &str) -> Option<&'m DeclaredMedia> {
    let actual = essence(content_type);
    let family = actual.split('/').next().unwrap_or_default();
    media
        .iter()
        .find(|m| m.media_type == actual)
        .or_else(|| {
            media.iter().find(|m| {
                m.media_type
                    .strip_suffix("/*")
                    .is_some_and(|prefix| prefix == family)
            })
        })
        .or_else(|| media.iter().find(|m| m.media_type == "*/*"))
}

fn declared_types(media: &[DeclaredMedia]) -> String {
    media
        .iter()
        .map(|m| m.media_type.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// `application/json`, `application/problem+json`, `text/json`.
fn is_json(media_type: &str) -> bool {
    media_type.ends_with("/json") || media_type.ends_with("+json")
}

/// The JSON path of a mismatch: the instance location as `$.items[3].name`, with the missing
/// property of a `required` error (or the first unexpected one of `additionalProperties`)
/// appended, so the path names the field itself.
fn json_path(pointer: &str, kind: &jsonschema::error::ValidationErrorKind) -> String {
    use jsonschema::error::ValidationErrorKind as K;
    let mut path = String::from("$");
    let segments = pointer
        .split('/')
        .skip(1)
        .map(|s| s.replace("~1", "/").replace("~0", "~"));
    for segment in segments {
        push_segment(&mut path, &segment);
    }
    match kind {
        K::Required { property } => {
            if let Some(name) = property.as_str() {
                push_segment(&mut path, name);
            }
        }
        K::AdditionalProperties { unexpected } | K::UnevaluatedProperties { unexpected } => {
            if let Some(name) = unexpected.first() {
                push_segment(&mut path, name);
            }
        }
        _ => {}
    }
    path
}

fn push_segment(path: &mut String, segment: &str) {
    if !segment.is_empty() && segment.bytes().all(|b| b.is_ascii_digit()) {
        path.push('[');
        path.push_str(segment);
        path.push(']');
    } else if !segment.is_empty()
        && segment
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        && !segment.starts_with(|c: char| c.is_ascii_digit() || c == '-')
    {
        path.push('.');
        path.push_str(segment);
    } else {
        path.push_str("['");
        path.push_str(&segment.replace('\\', "\\\\").replace('\'', "\\'"));
        path.push_str("']");
    }
}

fn truncate(text: &str) -> String {
    if text.chars().count() <= MAX_MESSAGE_CHARS {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(MAX_MESSAGE_CHARS).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::openapi::document::tests::users_30;
    use serde_json::Value;

    fn response<'a>(status: u16, content_type: Option<&'a str>, body: &'a str) -> Response<'a> {
        Response {
            status,
            content_type,
            body: Some(body.as_bytes()),
            to_head: false,
        }
    }

    const GET_USER: usize = 2;
    const DELETE_USER: usize = 3;
    const GET_ME: usize = 1;

    #[test]
    fn a_conforming_response_passes() {
        let document = users_30();
        let ok = response(
            200,
            Some("application/json; charset=utf-8"),
            r#"{"id": 1, "name": "ann", "email": null}"#,
        );
        assert_eq!(document.check(GET_USER, &ok), Ok(()));
        let not_found = response(404, Some("application/problem+json"), r#"{"title": "no"}"#);
        assert_eq!(document.check(GET_USER, &not_found), Ok(()));
        assert_eq!(
            document.check(DELETE_USER, &response(204, None, "")),
            Ok(())
        );
        // 2XX covers 201.
        let me = response(201, Some("application/json"), r#"{"id": 1, "name": "me"}"#);
        assert_eq!(document.check(GET_ME, &me), Ok(()));
    }

    #[test]
    fn a_missing_required_field_is_named_by_its_json_path() {
        let document = users_30();
        let list = response(
            200,
            Some("application/json"),
            r#"[{"id": 1, "name": "a"}, {"id": 2}]"#,
        );
        let violation = document.check(0, &list).unwrap_err();
        assert_eq!(violation.kind, ViolationKind::Body);
        assert_eq!(violation.json_path.as_deref(), Some("$[1].name"));
        assert!(violation.message.contains("name"), "{violation:?}");
    }

    #[test]
    fn nullable_fields_accept_null_only_where_declared() {
        let document = users_30();
        let null_name = response(200, Some("application/json"), r#"{"id": 1, "name": null}"#);
        let violation = document.check(GET_USER, &null_name).unwrap_err();
        assert_eq!(violation.json_path.as_deref(), Some("$.name"));
    }

    #[test]
    fn undeclared_statuses_and_content_types_and_broken_json_are_violations() {
        let document = users_30();
        let status = document
            .check(GET_USER, &response(500, Some("text/plain"), "oops"))
            .unwrap_err();
        assert_eq!(status.kind, ViolationKind::Status);
        assert_eq!(
            status.message,
            "status 500 is not declared (declared: 200, 404)"
        );
        let html = document
            .check(GET_USER, &response(200, Some("text/html"), "<p>"))
            .unwrap_err();
        assert_eq!(html.kind, ViolationKind::ContentType);
        let missing = document
            .check(GET_USER, &response(200, None, "{}"))
            .unwrap_err();
        assert_eq!(missing.kind, ViolationKind::ContentType);
        let truncated = document
            .check(
                GET_USER,
                &response(200, Some("application/json"), r#"{"id": 1, "na"#),
            )
            .unwrap_err();
        assert_eq!(
            (truncated.kind, truncated.json_path.as_deref()),
            (ViolationKind::Body, Some("$"))
        );
    }

    #[test]
    fn json_paths_quote_what_is_not_an_identifier() {
        use jsonschema::error::ValidationErrorKind as K;
        let kind = K::Required {
            property: Value::String("first name".to_owned()),
        };
        assert_eq!(
            json_path("/items/0/a~1b", &kind),
            "$.items[0]['a/b']['first name']"
        );
    }
}
