//! GitHub Actions workflow commands: `::error file=backend.kdl,line=12,col=5,title=…::message`,
//! one line each, escaped as GitHub's toolkit escapes them (`@actions/core`'s `command.ts`):
//! in the message `%`, CR and LF; in a property also `:` and `,`.

use super::{Annotation, Level};
use std::fmt::Write as _;

/// One workflow command per annotation, then (when some were left out) a warning saying so.
pub(super) fn render(annotations: &[Annotation], left_out: Option<&str>) -> String {
    let mut out = String::new();
    for annotation in annotations {
        let mut properties = vec![format!("file={}", escape_property(&annotation.file))];
        if let Some(line) = annotation.line {
            properties.push(format!("line={line}"));
            if let Some(column) = annotation.column {
                properties.push(format!("col={column}"));
            }
        }
        properties.push(format!(
            "title={}",
            escape_property(&format!("{} ({})", annotation.title, annotation.check))
        ));
        let _ = writeln!(
            out,
            "::{} {}::{}",
            command(annotation.level),
            properties.join(","),
            escape_data(&annotation.message)
        );
    }
    if let Some(note) = left_out {
        let _ = writeln!(out, "::warning title=backendctl::{}", escape_data(note));
    }
    out
}

fn command(level: Level) -> &'static str {
    match level {
        Level::Error => "error",
        Level::Warning => "warning",
        Level::Notice => "notice",
    }
}

/// A command's message: `%`, CR and LF escaped (`%` first, so the escapes survive).
fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A property's value: as the message, and `:` and `,`, which end a property.
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::{escape_data, escape_property, render};
    use crate::annotation::Annotation;

    #[test]
    fn percent_is_escaped_before_the_line_breaks() {
        assert_eq!(escape_data("50% done\r\nnext"), "50%25 done%0D%0Anext");
        assert_eq!(escape_data("%0A"), "%250A");
    }

    #[test]
    fn properties_also_escape_colons_and_commas() {
        assert_eq!(escape_property("a:b,c%"), "a%3Ab%2Cc%25");
    }

    #[test]
    fn a_command_names_file_line_column_and_title() {
        let annotation = Annotation::error(
            "dir,1/backend.kdl",
            (Some(12), Some(5)),
            "load::threshold",
            "p95 < 250ms breached",
            "p95 was 300ms\nin scenario.browse",
        );
        assert_eq!(
            render(&[annotation.clone().warning()], Some("3 more left out")),
            "::warning file=dir%2C1/backend.kdl,line=12,col=5,title=p95 < 250ms breached (load%3A%3Athreshold)::p95 was 300ms%0Ain scenario.browse\n\
             ::warning title=backendctl::3 more left out\n"
        );
    }

    #[test]
    fn without_a_line_there_is_no_column() {
        let annotation = Annotation::error("backend.kdl", (None, Some(3)), "c", "t", "m");
        assert_eq!(
            render(&[annotation], None),
            "::error file=backend.kdl,title=t (c)::m\n"
        );
    }
}
