//! Lint for MongoDB migrations: commands that lose data for good, block a live collection, or
//! touch every document by accident.

use mongodb::bson::{Bson, Document};

use super::commands;
use crate::migrate::error::MigrateError;
use crate::migrate::lint::Finding;
use crate::migrate::source::Migration;

/// Lints one migration's up file (and checks that a drop has a down to undo it).
pub(crate) fn lint_migration(m: &Migration) -> Result<Vec<Finding>, MigrateError> {
    let cmds = commands::parse(&m.up.path, &m.up.sql)?;
    let has_down = match m.down()? {
        Some(down) => !commands::parse(&down.path, &down.sql)?.is_empty(),
        None => false,
    };
    let path = m.up.path.display().to_string();
    let mut out = Vec::new();
    let mut seen: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for c in &cmds {
        let name = commands::name(c);
        let nth = seen.entry(name).or_insert(0);
        *nth += 1;
        let line = line_of(&m.up.sql, name, *nth);
        let mut push = |rule: &'static str, message: String, help: &'static str| {
            out.push(Finding::new(&path, line, rule, message, help));
        };
        match name {
            "drop" | "dropDatabase" if !has_down => push(
                "mongodb-drop-without-down",
                format!("`{name}` deletes data for good and this migration has no down"),
                "add a .down.json that recreates what is dropped (or document why it cannot be undone)",
            ),
            "createIndexes" if !c.contains_key("comment") => push(
                "mongodb-index-build-without-comment",
                format!(
                    "index build on `{}` without a comment on its cost",
                    c.get_str(name).unwrap_or("?")
                ),
                "an index build on a large collection takes time and I/O on every member; add \"comment\": \"…\" saying how large the collection is and why the build is safe",
            ),
            "update" | "delete" => {
                let (list, filter) = if name == "update" {
                    ("updates", "q")
                } else {
                    ("deletes", "q")
                };
                let unfiltered = c.get_array(list).is_ok_and(|items| {
                    items.iter().any(|item| match item {
                        Bson::Document(d) => d.get_document(filter).is_ok_and(Document::is_empty),
                        _ => false,
                    })
                });
                if unfiltered {
                    push(
                        "mongodb-write-without-filter",
                        format!(
                            "`{name}` on `{}` with an empty filter touches every document",
                            c.get_str(name).unwrap_or("?")
                        ),
                        "give the filter (`q`) the documents meant; if every document is meant, say so in a `comment`",
                    );
                }
            }
            _ => {}
        }
    }
    Ok(out)
}

/// The 1-based line of the `nth` occurrence of `"name"` as a key in `text` (1 when not found).
fn line_of(text: &str, name: &str, nth: usize) -> usize {
    let needle = format!("\"{name}\"");
    text.match_indices(&needle)
        .nth(nth - 1)
        .map_or(1, |(at, _)| text[..at].matches('\n').count() + 1)
}
