//! The three SQL dialects and the few things that differ between them for the engine itself.

use std::fmt;

/// A database engine family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Dialect {
    Postgres,
    MySql,
    Sqlite,
}

impl Dialect {
    /// Whether DDL runs inside a transaction, so a migration and its history row can commit
    /// together.
    pub(crate) fn transactional_ddl(self) -> bool {
        !matches!(self, Dialect::MySql)
    }

    /// A string literal for `s`, safe whatever the text holds. Used for the values the engine
    /// writes itself (names, checksums, `user@host`), never for migration SQL.
    pub(crate) fn literal(self, s: &str) -> String {
        let mut out = String::with_capacity(s.len() + 2);
        out.push('\'');
        for ch in s.chars() {
            match ch {
                '\'' => out.push_str("''"),
                // MySQL treats backslash as an escape unless NO_BACKSLASH_ESCAPES is set;
                // PostgreSQL's connection forces standard_conforming_strings=on.
                '\\' if self == Dialect::MySql => out.push_str("\\\\"),
                '\0' => {}
                _ => out.push(ch),
            }
        }
        out.push('\'');
        out
    }

    /// A nullable string literal.
    pub(crate) fn opt_literal(self, s: Option<&str>) -> String {
        s.map_or_else(|| "NULL".to_string(), |s| self.literal(s))
    }

    /// A SELECT returning every row of `from` (a table, with any `WHERE`) as one JSON text
    /// value: an array of arrays of `columns`. One value rather than a row per record: with
    /// thousands of rows, per-row decoding costs more than the query.
    pub(crate) fn json_rows(self, columns: &[&str], from: &str) -> String {
        let cols = columns.join(", ");
        match self {
            Dialect::Postgres => format!(
                "SELECT coalesce(json_agg(json_build_array({cols})), '[]')::text FROM {from}"
            ),
            // JSON_ARRAYAGG is bounded by group_concat_max_len, raised on connect.
            Dialect::MySql => format!(
                "SELECT CAST(COALESCE(JSON_ARRAYAGG(JSON_ARRAY({cols})), '[]') AS CHAR) FROM {from}"
            ),
            Dialect::Sqlite => {
                format!("SELECT coalesce(json_group_array(json_array({cols})), '[]') FROM {from}")
            }
        }
    }

    /// The expression for "now" as stored in the history table.
    pub(crate) fn now(self) -> &'static str {
        match self {
            Dialect::Postgres => "now()",
            Dialect::MySql => "CURRENT_TIMESTAMP(6)",
            Dialect::Sqlite => "strftime('%Y-%m-%d %H:%M:%f', 'now')",
        }
    }
}

impl fmt::Display for Dialect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Dialect::Postgres => "PostgreSQL",
            Dialect::MySql => "MySQL/MariaDB",
            Dialect::Sqlite => "SQLite",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_escape_quotes_and_backslashes() {
        assert_eq!(Dialect::Postgres.literal("it's \\"), "'it''s \\'");
        assert_eq!(Dialect::MySql.literal("it's \\"), "'it''s \\\\'");
    }
}
