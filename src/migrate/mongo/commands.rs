//! A MongoDB migration file as golang-migrate writes it: a JSON array of database commands in
//! MongoDB Extended JSON, each sent as one `runCommand`.

use std::path::Path;
use std::time::Duration;

use mongodb::bson::{Bson, Document};

use crate::migrate::error::MigrateError;

/// The commands of one file, in order.
pub(crate) fn parse(path: &Path, text: &str) -> Result<Vec<Document>, MigrateError> {
    let bad = |message: String| MigrateError::MongoFile {
        path: path.to_path_buf(),
        message,
    };
    if text.trim().is_empty() {
        return Ok(Vec::new());
    }
    // Straight into BSON, not through `serde_json::Value`: a command's name must stay its first
    // key, and serde_json's maps sort keys (bson's visitor keeps the file's order and reads the
    // Extended JSON forms `$oid`, `$date`, `$numberLong`, …).
    let items: Vec<Bson> = serde_json::from_str(text).map_err(|e| {
        bad(if text.trim_start().starts_with('[') {
            format!("not JSON, or not valid Extended JSON: {e}")
        } else {
            "expected a JSON array of database commands, e.g. [{\"create\": \"users\"}]".into()
        })
    })?;
    items
        .into_iter()
        .enumerate()
        .map(|(i, item)| match item {
            Bson::Document(doc) if !doc.is_empty() => Ok(doc),
            _ => Err(bad(format!(
                "command {} is not a non-empty JSON object",
                i + 1
            ))),
        })
        .collect()
}

/// The command's name: its first key (`create`, `createIndexes`, `update`, …).
pub(crate) fn name(command: &Document) -> &str {
    command.keys().next().map_or("", String::as_str)
}

/// Whether a command may run inside a multi-document transaction. CRUD commands may; DDL
/// (collection and index creation, drops, renames, `collMod`) is run step by step, as MongoDB
/// restricts it inside transactions (index builds and implicit collection creation only on new,
/// empty collections, and not at all before 4.4).
/// An aggregation writing with `$out` or `$merge` cannot run in a transaction either.
pub(crate) fn transactional(command: &Document) -> bool {
    match name(command) {
        "insert" | "update" | "delete" | "findAndModify" | "find" | "count" | "distinct" => true,
        "aggregate" => !command.get_array("pipeline").is_ok_and(|stages| {
            stages.iter().any(|stage| {
                stage
                    .as_document()
                    .is_some_and(|d| d.contains_key("$out") || d.contains_key("$merge"))
            })
        }),
        _ => false,
    }
}

/// The commands whose documented syntax takes `maxTimeMS`, the server-side limit on how long one
/// command runs: the CRUD commands and the index builds and drops. `create`, `drop`, `collMod`
/// and `renameCollection` do not (the server would reject the field, or not check it).
const TIME_LIMITED: [&str; 10] = [
    "find",
    "aggregate",
    "count",
    "distinct",
    "findAndModify",
    "insert",
    "update",
    "delete",
    "createIndexes",
    "dropIndexes",
];

/// `command` with `maxTimeMS` set to `limit` (`--statement-timeout`), when it takes one and does
/// not set its own: the server stops it with `MaxTimeMSExpired` (code 50) once the limit passes.
pub(crate) fn with_time_limit(mut command: Document, limit: Option<Duration>) -> Document {
    if let Some(limit) = limit
        && TIME_LIMITED.contains(&name(&command))
        && !command.contains_key("maxTimeMS")
    {
        let ms = i64::try_from(limit.as_millis()).unwrap_or(i64::MAX).max(1);
        command.insert("maxTimeMS", ms);
    }
    command
}

/// The command on one line, shortened, for messages.
pub(crate) fn describe(command: &Document) -> String {
    let text = Bson::Document(command.clone())
        .into_relaxed_extjson()
        .to_string();
    if text.chars().count() > 80 {
        format!("{}…", text.chars().take(80).collect::<String>())
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_golang_migrate_extended_json() {
        let cmds = parse(
            Path::new("1_x.up.json"),
            r#"[{"createIndexes": "users", "indexes": [{"key": {"email": 1}, "name": "e", "unique": true}]},
                {"insert": "users", "documents": [{"_id": {"$oid": "5f1b2c3d4e5f6a7b8c9d0e1f"}, "n": {"$numberLong": "3"}}]}]"#,
        )
        .unwrap();
        assert_eq!(cmds.len(), 2);
        assert_eq!(name(&cmds[0]), "createIndexes");
        assert!(!transactional(&cmds[0]));
        assert!(transactional(&cmds[1]));
        let out = parse(
            Path::new("x"),
            r#"[{"aggregate": "a", "pipeline": [{"$match": {}}], "cursor": {}},
                {"aggregate": "a", "pipeline": [{"$out": "b"}], "cursor": {}}]"#,
        )
        .unwrap();
        assert!(transactional(&out[0]));
        assert!(!transactional(&out[1]));
        let docs = cmds[1].get_array("documents").unwrap();
        let doc = docs[0].as_document().unwrap();
        assert!(matches!(doc.get("_id"), Some(Bson::ObjectId(_))));
        assert!(matches!(doc.get("n"), Some(Bson::Int64(3))));
    }

    #[test]
    fn a_statement_timeout_becomes_max_time_ms_where_documented() {
        let cmds = parse(
            Path::new("x"),
            r#"[{"create": "a"}, {"insert": "a", "documents": [{}]},
                {"find": "a", "maxTimeMS": 5}]"#,
        )
        .unwrap();
        let limit = Some(Duration::from_secs(30));
        let limited: Vec<Document> = cmds
            .into_iter()
            .map(|c| with_time_limit(c, limit))
            .collect();
        assert!(!limited[0].contains_key("maxTimeMS"), "create takes none");
        assert_eq!(limited[1].get_i64("maxTimeMS").unwrap(), 30_000);
        assert_eq!(
            limited[2].get_i32("maxTimeMS").unwrap(),
            5,
            "the file's own wins"
        );
        let unlimited = with_time_limit(limited[0].clone(), None);
        assert!(!unlimited.contains_key("maxTimeMS"));
    }

    #[test]
    fn refuses_what_is_not_an_array_of_commands() {
        assert!(parse(Path::new("x"), "{\"create\": \"a\"}").is_err());
        assert!(parse(Path::new("x"), "[1]").is_err());
        assert!(parse(Path::new("x"), "[{}]").is_err());
        assert!(parse(Path::new("x"), "[{\"create\": ").is_err());
        assert!(parse(Path::new("x"), "  ").unwrap().is_empty());
    }
}
