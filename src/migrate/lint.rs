//! Lint: statements that take long locks on a live table or break the code still running.
//!
//! The PostgreSQL rules follow squawk's (adding-required-field, require-concurrent-index-creation,
//! changing-column-type, ban-drop-column, renaming-column, adding-foreign-key-constraint,
//! constraint-missing-not-valid, adding-not-nullable-field, disallowed-unique-constraint,
//! ban-concurrent-index-creation-in-transaction…); the MySQL/MariaDB rules cover the same risks
//! with that engine's remedies (`ALGORITHM=INSTANT/INPLACE, LOCK=NONE`) and its non-transactional
//! DDL. The rules work on the statement splitter's output and keywords rather than a full parser:
//! they aim at the statements migration files actually contain, and say which rule fired so a
//! reviewer can judge. Tables created earlier in the same file are new, so the "existing table"
//! rules skip them.

use std::collections::BTreeSet;
use std::fmt;

use super::dialect::Dialect;
use super::source::Script;
use super::split::{self, Statement};

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Finding {
    pub(crate) path: String,
    pub(crate) line: usize,
    pub(crate) rule: &'static str,
    pub(crate) message: String,
    pub(crate) help: &'static str,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}: warning[{}]: {}\n  help: {}",
            self.path, self.line, self.rule, self.message, self.help
        )
    }
}

impl Finding {
    /// A finding of `rule` at `path`:`line`.
    pub(crate) fn new(
        path: &str,
        line: usize,
        rule: &'static str,
        message: String,
        help: &'static str,
    ) -> Self {
        Self {
            path: path.to_owned(),
            line,
            rule,
            message,
            help,
        }
    }

    /// The finding as an annotation on its statement's line (`--format github|gitlab`).
    pub(crate) fn annotation(&self) -> crate::annotation::Annotation {
        crate::annotation::Annotation::error(
            &self.path,
            (Some(self.line), None),
            format!("migrate::lint::{}", self.rule),
            &self.message,
            format!("{}\nhelp: {}", self.message, self.help),
        )
        .warning()
    }

    /// The finding as `migrate lint --json` prints it.
    pub(crate) fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "path": self.path,
            "line": self.line,
            "rule": self.rule,
            "message": self.message,
            "help": self.help,
        })
    }
}

/// Lints one section of a migration.
pub(crate) fn lint_script(script: &Script, dialect: Dialect) -> Vec<Finding> {
    let stmts = split::split(&script.sql, dialect);
    let mut created: BTreeSet<String> = BTreeSet::new();
    let mut out = Vec::new();
    let path = script.path.display().to_string();
    let mut ddl = 0;
    let mut dml = 0;
    for s in &stmts {
        let line = script.first_line + s.line - 1;
        let mut push = |rule: &'static str, message: String, help: &'static str| {
            out.push(Finding::new(&path, line, rule, message, help));
        };
        let text = normalise(s);
        let w: Vec<&str> = text.split(' ').collect();
        match w.first().copied() {
            Some("CREATE" | "ALTER" | "DROP" | "RENAME" | "TRUNCATE") => ddl += 1,
            Some("INSERT" | "UPDATE" | "DELETE" | "REPLACE" | "MERGE") => dml += 1,
            _ => {}
        }
        if let Some(t) = created_table(&w) {
            created.insert(t);
        }
        let target = altered_table(&w);
        let existing = target.as_ref().is_some_and(|t| !created.contains(t));
        match dialect {
            Dialect::Postgres => postgres_rules(
                &text,
                &w,
                existing,
                script.no_transaction,
                &created,
                &mut push,
            ),
            Dialect::MySql => mysql_rules(&text, &w, existing, &mut push),
            Dialect::Sqlite => common_rules(&text, &w, &mut push),
        }
    }
    if dialect == Dialect::MySql && ddl > 0 && ddl + dml > 1 {
        out.push(Finding::new(
            &path,
            script.first_line,
            "mysql-multiple-statements-with-ddl",
            format!("{} statements including DDL in one migration: MySQL/MariaDB commits each DDL statement, so a failure leaves the migration partly applied", ddl + dml),
            "prefer one DDL statement per migration; if one fails, `migrate status` shows which statements ran and `migrate resolve` continues",
        ));
    }
    out
}

type Push<'a> = dyn FnMut(&'static str, String, &'static str) + 'a;

fn postgres_rules(
    text: &str,
    w: &[&str],
    existing: bool,
    no_tx: bool,
    created: &BTreeSet<String>,
    push: &mut Push<'_>,
) {
    let has = |p: &str| text.contains(p);
    if starts(w, &["CREATE", "INDEX"]) || starts(w, &["CREATE", "UNIQUE", "INDEX"]) {
        let concurrently = has(" CONCURRENTLY ");
        let on_new = index_table(w).is_some_and(|t| created.contains(&t));
        if concurrently && !no_tx {
            push(
                "concurrent-index-in-transaction",
                "CREATE INDEX CONCURRENTLY cannot run inside a transaction".to_string(),
                "put `-- backendctl:no-transaction` on a line of its own and keep the statement in its own migration",
            );
        } else if !concurrently && !on_new {
            push(
                "require-concurrent-index-creation",
                "CREATE INDEX without CONCURRENTLY blocks writes to the table until the index is built".to_string(),
                "use CREATE INDEX CONCURRENTLY in a migration marked `-- backendctl:no-transaction`",
            );
        }
    }
    if starts(w, &["DROP", "INDEX"]) && !has(" CONCURRENTLY ") {
        push(
            "require-concurrent-index-deletion",
            "DROP INDEX without CONCURRENTLY takes an ACCESS EXCLUSIVE lock on the table"
                .to_string(),
            "use DROP INDEX CONCURRENTLY in a migration marked `-- backendctl:no-transaction`",
        );
    }
    if starts(w, &["ALTER", "TABLE"]) && existing {
        for clause in clauses(text) {
            let c = clause.as_str();
            if c.starts_with("ADD ")
                && !c.starts_with("ADD CONSTRAINT")
                && !c.contains(" FOREIGN KEY")
                && !c.starts_with("ADD PRIMARY")
                && !c.starts_with("ADD UNIQUE")
                && !c.starts_with("ADD CHECK")
            {
                if c.contains(" NOT NULL") && !c.contains(" DEFAULT ") && !c.contains(" GENERATED ")
                {
                    push(
                        "adding-required-field",
                        "adding a NOT NULL column without a default fails on a table that has rows"
                            .to_string(),
                        "add the column nullable (or with a constant DEFAULT), backfill, then SET NOT NULL via a NOT VALID check constraint",
                    );
                }
                // Volatile defaults (not now(), which is stable) are evaluated per row.
                if c.split(" DEFAULT ").nth(1).is_some_and(|d| {
                    [
                        "RANDOM()",
                        "GEN_RANDOM_UUID()",
                        "UUID_GENERATE_V4()",
                        "CLOCK_TIMESTAMP()",
                    ]
                    .iter()
                    .any(|v| d.starts_with(v))
                }) {
                    push(
                        "adding-field-with-volatile-default",
                        "a volatile DEFAULT makes PostgreSQL rewrite the whole table under an ACCESS EXCLUSIVE lock".to_string(),
                        "add the column without a default, set the default afterwards, and backfill in batches",
                    );
                }
                if c.contains(" SERIAL") || c.contains(" BIGSERIAL") || c.contains(" PRIMARY KEY") {
                    push(
                        "adding-serial-primary-key-field",
                        "adding a serial or primary-key column rewrites the table and builds an index under lock".to_string(),
                        "add the column, backfill it, build a unique index CONCURRENTLY, then ADD PRIMARY KEY USING INDEX",
                    );
                }
            }
            if (c.starts_with("ALTER ") && (c.contains(" TYPE ") || c.contains(" SET DATA TYPE ")))
                || c.starts_with("ALTER COLUMN") && c.contains(" TYPE ")
            {
                push(
                    "changing-column-type",
                    "changing a column's type rewrites the table under an ACCESS EXCLUSIVE lock (and breaks code reading the old type)".to_string(),
                    "add a new column, backfill, switch readers and writers, then drop the old one",
                );
            }
            if c.starts_with("ALTER ") && c.contains(" SET NOT NULL") {
                push(
                    "adding-not-nullable-field",
                    "SET NOT NULL scans the whole table under an ACCESS EXCLUSIVE lock".to_string(),
                    "first ADD CONSTRAINT … CHECK (col IS NOT NULL) NOT VALID, then VALIDATE CONSTRAINT, then SET NOT NULL (PostgreSQL 12+ skips the scan)",
                );
            }
            if (c.contains(" FOREIGN KEY") || c.contains(" REFERENCES "))
                && !c.contains(" NOT VALID")
            {
                push(
                    "adding-foreign-key-constraint",
                    "adding a foreign key validates every row while locking both tables against writes".to_string(),
                    "add it with NOT VALID, then run ALTER TABLE … VALIDATE CONSTRAINT in a later migration",
                );
            }
            if c.starts_with("ADD CONSTRAINT") && c.contains(" CHECK") && !c.contains(" NOT VALID")
            {
                push(
                    "constraint-missing-not-valid",
                    "adding a CHECK constraint scans the table under an ACCESS EXCLUSIVE lock"
                        .to_string(),
                    "add it with NOT VALID, then VALIDATE CONSTRAINT in a later migration",
                );
            }
            if (c.starts_with("ADD CONSTRAINT") || c.starts_with("ADD "))
                && (c.contains(" UNIQUE") || c.contains(" PRIMARY KEY"))
                && !c.contains(" USING INDEX")
                && !c.starts_with("ADD COLUMN")
            {
                push(
                    "disallowed-unique-constraint",
                    "adding a UNIQUE or PRIMARY KEY constraint builds its index while blocking reads and writes".to_string(),
                    "CREATE UNIQUE INDEX CONCURRENTLY first, then ADD CONSTRAINT … USING INDEX",
                );
            }
        }
    }
    common_rules(text, w, push);
}

fn mysql_rules(text: &str, w: &[&str], existing: bool, push: &mut Push<'_>) {
    let online = text.contains("ALGORITHM=INSTANT")
        || text.contains("ALGORITHM = INSTANT")
        || text.contains("LOCK=NONE")
        || text.contains("LOCK = NONE");
    if starts(w, &["ALTER", "TABLE"]) && existing {
        for clause in clauses(text) {
            let c = clause.as_str();
            if (c.starts_with("MODIFY ") || c.starts_with("CHANGE ")) && !online {
                push(
                    "mysql-column-type-change-copies-table",
                    "MODIFY/CHANGE COLUMN usually copies the whole table and blocks writes for the duration".to_string(),
                    "check whether ALGORITHM=INPLACE, LOCK=NONE is possible (the statement fails instead of locking if not), or use an online schema-change tool",
                );
            }
            if (c.starts_with("ADD INDEX")
                || c.starts_with("ADD KEY")
                || c.starts_with("ADD UNIQUE")
                || c.starts_with("ADD FULLTEXT"))
                && !online
            {
                push(
                    "mysql-index-without-lock-none",
                    "adding an index without LOCK=NONE may block writes on a large table"
                        .to_string(),
                    "append `, ALGORITHM=INPLACE, LOCK=NONE` so the server refuses rather than locks",
                );
            }
            if c.contains(" FOREIGN KEY") {
                push(
                    "mysql-adding-foreign-key",
                    "adding a foreign key checks every row and, with foreign_key_checks=1, copies the table".to_string(),
                    "add foreign keys when the table is created, or run it off-peak with ALGORITHM=INPLACE after SET foreign_key_checks=0 and a separate check",
                );
            }
            if c.starts_with("ADD ")
                && c.contains(" NOT NULL")
                && !c.contains(" DEFAULT ")
                && !c.contains(" AUTO_INCREMENT")
                && !online
            {
                push(
                    "mysql-adding-required-field",
                    "adding a NOT NULL column without a default gives existing rows an implicit value and, before INSTANT ADD COLUMN, rebuilds the table".to_string(),
                    "give it an explicit DEFAULT and ALGORITHM=INSTANT (MySQL 8.0.12+, MariaDB 10.3+)",
                );
            }
        }
    }
    if (starts(w, &["CREATE", "INDEX"]) || starts(w, &["CREATE", "UNIQUE", "INDEX"]))
        && existing
        && !online
    {
        push(
            "mysql-index-without-lock-none",
            "CREATE INDEX without LOCK=NONE may block writes on a large table".to_string(),
            "append `ALGORITHM=INPLACE LOCK=NONE` so the server refuses rather than locks",
        );
    }
    common_rules(text, w, push);
}

fn common_rules(text: &str, w: &[&str], push: &mut Push<'_>) {
    if starts(w, &["DROP", "TABLE"]) {
        push(
            "ban-drop-table",
            "DROP TABLE deletes data and breaks code still using the table".to_string(),
            "stop using the table in a release first; drop it in a later migration, after a backup",
        );
    }
    if starts(w, &["TRUNCATE"]) {
        push(
            "ban-truncate",
            "TRUNCATE deletes every row".to_string(),
            "make sure this is meant to run on production data",
        );
    }
    if starts(w, &["ALTER", "TABLE"]) {
        for clause in clauses(text) {
            let c = clause.as_str();
            if c.starts_with("DROP COLUMN")
                || (c.starts_with("DROP ")
                    && !c.starts_with("DROP CONSTRAINT")
                    && !c.starts_with("DROP INDEX")
                    && !c.starts_with("DROP KEY")
                    && !c.starts_with("DROP FOREIGN")
                    && !c.starts_with("DROP PRIMARY")
                    && !c.starts_with("DROP DEFAULT")
                    && !c.starts_with("DROP NOT NULL")
                    && !c.starts_with("DROP CHECK"))
            {
                push(
                    "ban-drop-column",
                    "dropping a column breaks code (and ORMs) still selecting it".to_string(),
                    "deploy code that no longer reads the column first, then drop it in a later migration",
                );
            }
            if c.starts_with("RENAME COLUMN")
                || (c.starts_with("RENAME ")
                    && !c.starts_with("RENAME TO")
                    && !c.starts_with("RENAME AS")
                    && !c.starts_with("RENAME INDEX")
                    && !c.starts_with("RENAME KEY")
                    && !c.starts_with("RENAME CONSTRAINT"))
                || c.starts_with("CHANGE ") && renames_in_change(c)
            {
                push(
                    "renaming-column",
                    "renaming a column breaks code still using the old name".to_string(),
                    "add the new column, write to both, backfill, switch readers, then drop the old one",
                );
            }
            if c.starts_with("RENAME TO") || c.starts_with("RENAME AS") {
                push(
                    "renaming-table",
                    "renaming a table breaks code still using the old name".to_string(),
                    "create a view with the old name during the transition, or migrate readers first",
                );
            }
        }
    }
    if starts(w, &["RENAME", "TABLE"]) {
        push(
            "renaming-table",
            "renaming a table breaks code still using the old name".to_string(),
            "create a view with the old name during the transition, or migrate readers first",
        );
    }
}

/// `CHANGE old new type` renames when the two names differ.
fn renames_in_change(c: &str) -> bool {
    let w: Vec<&str> = c.split(' ').collect();
    let (a, b) = if w.get(1) == Some(&"COLUMN") {
        (w.get(2), w.get(3))
    } else {
        (w.get(1), w.get(2))
    };
    matches!((a, b), (Some(a), Some(b)) if a != b)
}

/// Upper-cased statement without comments, whitespace collapsed, identifier quotes removed.
fn normalise(s: &Statement) -> String {
    let code = split::strip_comments(&s.sql, Dialect::MySql);
    let flat: String = code
        .chars()
        .map(|c| if c == '`' || c == '"' { ' ' } else { c })
        .collect();
    let mut out = flat
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_ascii_uppercase();
    out = out.replace(" (", " ( ").replace("( ", "(");
    format!("{} ", out.trim())
}

fn starts(w: &[&str], prefix: &[&str]) -> bool {
    w.len() >= prefix.len() && w.iter().zip(prefix).all(|(a, b)| a == b)
}

/// The comma-separated actions of an ALTER TABLE, each starting at its keyword (`ADD COLUMN …`).
fn clauses(text: &str) -> Vec<String> {
    let w: Vec<&str> = text.split(' ').collect();
    // ALTER TABLE [ONLY] [IF EXISTS] name <actions>
    let mut i = 2;
    while i < w.len() && matches!(w[i], "ONLY" | "IF" | "EXISTS") {
        i += 1;
    }
    let rest = w.get(i + 1..).map(|r| r.join(" ")).unwrap_or_default();
    let mut out = Vec::new();
    let mut depth = 0;
    let mut cur = String::new();
    for ch in rest.chars() {
        match ch {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                out.push(format!("{} ", cur.trim()));
                cur.clear();
                continue;
            }
            _ => {}
        }
        cur.push(ch);
    }
    if !cur.trim().is_empty() {
        out.push(format!("{} ", cur.trim()));
    }
    out
}

fn created_table(w: &[&str]) -> Option<String> {
    if !starts(w, &["CREATE"]) {
        return None;
    }
    let pos = w.iter().position(|x| *x == "TABLE")?;
    if pos > 3 {
        return None;
    }
    let mut i = pos + 1;
    while i < w.len() && matches!(w[i], "IF" | "NOT" | "EXISTS") {
        i += 1;
    }
    w.get(i).map(|n| bare(n))
}

fn altered_table(w: &[&str]) -> Option<String> {
    if starts(w, &["ALTER", "TABLE"]) {
        let mut i = 2;
        while i < w.len() && matches!(w[i], "ONLY" | "IF" | "EXISTS") {
            i += 1;
        }
        return w.get(i).map(|n| bare(n));
    }
    index_table(w)
}

fn index_table(w: &[&str]) -> Option<String> {
    if !starts(w, &["CREATE"]) || !w.contains(&"INDEX") {
        return None;
    }
    let on = w.iter().position(|x| *x == "ON")?;
    let mut i = on + 1;
    if w.get(i) == Some(&"ONLY") {
        i += 1;
    }
    w.get(i).map(|n| bare(n))
}

fn bare(name: &str) -> String {
    let n = name.split('(').next().unwrap_or(name);
    n.rsplit('.')
        .next()
        .unwrap_or(n)
        .trim_matches(|c| c == ';' || c == ',')
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(sql: &str, d: Dialect) -> Vec<&'static str> {
        let script = Script {
            path: "m.sql".into(),
            sql: sql.to_string(),
            first_line: 1,
            no_transaction: false,
        };
        lint_script(&script, d)
            .into_iter()
            .map(|f| f.rule)
            .collect()
    }

    #[test]
    fn postgres_dangerous_ddl() {
        let sql = "ALTER TABLE users ADD COLUMN age int NOT NULL;\n\
                   CREATE INDEX users_email ON users (email);\n\
                   ALTER TABLE users ALTER COLUMN name TYPE varchar(10);\n\
                   ALTER TABLE users DROP COLUMN legacy;\n\
                   ALTER TABLE users RENAME COLUMN a TO b;\n\
                   ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (user_id) REFERENCES users (id);\n\
                   DROP TABLE old;";
        assert_eq!(
            rules(sql, Dialect::Postgres),
            vec![
                "adding-required-field",
                "require-concurrent-index-creation",
                "changing-column-type",
                "ban-drop-column",
                "renaming-column",
                "adding-foreign-key-constraint",
                "ban-drop-table"
            ]
        );
    }

    #[test]
    fn new_tables_and_safe_forms_are_quiet() {
        let sql = "CREATE TABLE t (id int primary key, v text);\n\
                   CREATE INDEX t_v ON t (v);\n\
                   ALTER TABLE t ADD COLUMN w int NOT NULL DEFAULT 0;\n\
                   ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (t_id) REFERENCES t (id) NOT VALID;";
        assert!(
            rules(sql, Dialect::Postgres).is_empty(),
            "{:?}",
            rules(sql, Dialect::Postgres)
        );
    }

    #[test]
    fn concurrently_needs_no_transaction() {
        assert_eq!(
            rules("CREATE INDEX CONCURRENTLY i ON t (a);", Dialect::Postgres),
            vec!["concurrent-index-in-transaction"]
        );
    }

    #[test]
    fn mysql_rules_fire() {
        let sql = "ALTER TABLE users MODIFY COLUMN name varchar(10);\nALTER TABLE users ADD INDEX i (email);\nALTER TABLE users CHANGE a b int;";
        assert_eq!(
            rules(sql, Dialect::MySql),
            vec![
                "mysql-column-type-change-copies-table",
                "mysql-index-without-lock-none",
                "mysql-column-type-change-copies-table",
                "renaming-column",
                "mysql-multiple-statements-with-ddl"
            ]
        );
    }
}
