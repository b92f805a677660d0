//! Parsing KDL v2, with diagnostics that recognise KDL v1 manifests.

use super::problem::Problem;
use kdl::KdlDocument;

/// Parses `text` as KDL v2, returning every syntax problem on failure.
///
/// When the text is not KDL v2 but is valid KDL v1, each problem's help says how to write it in
/// v2 (`#true` instead of `true`, quoted strings), since that is the commonest cause.
///
/// # Errors
/// The syntax problems, in source order.
pub fn parse(text: &str) -> Result<KdlDocument, Vec<Problem>> {
    let error = match KdlDocument::parse_v2(text) {
        Ok(document) => return Ok(document),
        Err(error) => error,
    };
    let is_v1 = KdlDocument::parse_v1(text).is_ok();
    let problems = error
        .diagnostics
        .iter()
        .map(|diagnostic| {
            let message = diagnostic
                .message
                .clone()
                .unwrap_or_else(|| "invalid KDL".to_owned());
            let label = diagnostic
                .label
                .clone()
                .unwrap_or_else(|| "here".to_owned());
            let snippet = text
                .get(diagnostic.span.offset()..diagnostic.span.offset() + diagnostic.span.len())
                .unwrap_or_default();
            let help = if is_v1 {
                Some(v1_help(snippet))
            } else {
                diagnostic.help.clone()
            };
            let problem = Problem::new("manifest::syntax", message.to_lowercase_first())
                .at(Some(diagnostic.span), label);
            match help {
                Some(help) => problem.help(help),
                None => problem,
            }
        })
        .collect();
    Err(problems)
}

fn v1_help(snippet: &str) -> String {
    let keyword = match snippet.trim() {
        "true" => Some("#true"),
        "false" => Some("#false"),
        "null" => Some("#null"),
        _ => None,
    };
    match keyword {
        Some(v2) => format!(
            "this manifest is written in KDL v1; backendctl reads KDL v2, which spells `{}` as `{v2}`",
            snippet.trim()
        ),
        None => "this manifest is written in KDL v1; backendctl reads KDL v2 (`#true`/`#false`/`#null`, raw strings `#\"…\"#`)".to_owned(),
    }
}

trait LowercaseFirst {
    fn to_lowercase_first(&self) -> String;
}

impl LowercaseFirst for String {
    fn to_lowercase_first(&self) -> String {
        let mut chars = self.chars();
        match chars.next() {
            Some(first) if chars.clone().next().is_some_and(char::is_lowercase) => {
                first.to_lowercase().chain(chars).collect()
            }
            _ => self.clone(),
        }
    }
}
