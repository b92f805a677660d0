//! Splitting a migration into statements.
//!
//! PostgreSQL and SQLite run a whole transactional migration in one round trip, so they never need
//! this. It is needed where statements must go one at a time: MySQL/MariaDB (DDL commits on its
//! own, so progress is recorded after every statement), PostgreSQL files marked
//! `-- backendctl:no-transaction` (`CREATE INDEX CONCURRENTLY` cannot run in a multi-statement
//! string), lint, and the check for `BEGIN`/`COMMIT` inside a transactional migration.
//!
//! The scanner knows each dialect's quoting (`'…'`, `"…"`, `` `…` ``, `E'…'`, `$tag$…$tag$`),
//! comments (`--`, `#` on MySQL, nested `/* */` on PostgreSQL), the `DELIMITER` command of MySQL
//! scripts, and `BEGIN … END` bodies of triggers, procedures and functions.

use super::dialect::Dialect;

/// One statement of a migration file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Statement {
    /// The statement's text, without its terminating delimiter, trimmed.
    pub(crate) sql: String,
    /// 1-based line of the statement's first character in the section it came from.
    pub(crate) line: usize,
}

impl Statement {
    /// The first `n` keywords of the statement, upper-cased, comments skipped.
    pub(crate) fn keywords(&self, n: usize) -> Vec<String> {
        leading_words(&self.sql, n)
    }
}

/// Splits `sql` into statements. Comment-only pieces are dropped.
pub(crate) fn split(sql: &str, dialect: Dialect) -> Vec<Statement> {
    let b = sql.as_bytes();
    let mut out = Vec::new();
    let mut delimiter: Vec<u8> = b";".to_vec();
    let mut i = 0;
    let mut start = 0;
    let mut line = 1;
    let mut start_line = 1;
    // Block depth of BEGIN/CASE … END inside CREATE TRIGGER/PROCEDURE/FUNCTION/EVENT.
    let mut depth: i32 = 0;
    // Words seen so far in this statement (outside quotes and comments), upper-cased, first few.
    let mut words: Vec<String> = Vec::new();
    let mut routine = false;
    let mut pending_end = false;
    let mut at_stmt_start = true;

    let push = |out: &mut Vec<Statement>, text: &str, line: usize| {
        if has_code(text, dialect) {
            // The statement's line is that of its first code, after comments.
            let lead = leading_trivia(text, dialect);
            let line = line + text[..lead].matches('\n').count();
            out.push(Statement {
                sql: text.trim().to_string(),
                line,
            });
        }
    };

    while i < b.len() {
        let c = b[i];
        // MySQL client `DELIMITER x` command, only at the start of a statement.
        if dialect == Dialect::MySql && at_stmt_start && starts_with_ci(&b[i..], b"delimiter") {
            let after = i + 9;
            if after < b.len() && (b[after] == b' ' || b[after] == b'\t') {
                let eol = b[after..]
                    .iter()
                    .position(|&x| x == b'\n')
                    .map_or(b.len(), |p| after + p);
                let d = sql[after..eol].trim();
                if !d.is_empty() {
                    delimiter = d.as_bytes().to_vec();
                }
                i = eol;
                start = eol;
                start_line = line;
                continue;
            }
        }
        match c {
            b'\n' => {
                line += 1;
                i += 1;
            }
            b' ' | b'\t' | b'\r' => i += 1,
            b'-' if b.get(i + 1) == Some(&b'-') => i = skip_line(b, i),
            b'#' if dialect == Dialect::MySql => i = skip_line(b, i),
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i = skip_block_comment(b, i, dialect == Dialect::Postgres, &mut line);
            }
            b'\'' => {
                let backslash = dialect == Dialect::MySql
                    || (dialect == Dialect::Postgres
                        && i > 0
                        && matches!(b[i - 1], b'E' | b'e')
                        && (i < 2 || !is_word(b[i - 2])));
                i = skip_quoted(b, i, b'\'', backslash, &mut line);
                at_stmt_start = false;
            }
            b'"' => {
                i = skip_quoted(b, i, b'"', dialect == Dialect::MySql, &mut line);
                at_stmt_start = false;
            }
            b'`' if dialect != Dialect::Postgres => {
                i = skip_quoted(b, i, b'`', false, &mut line);
                at_stmt_start = false;
            }
            b'$' if dialect == Dialect::Postgres && (i == 0 || !is_word(b[i - 1])) => {
                match dollar_tag(b, i) {
                    Some(tag_end) => {
                        let tag = &b[i..tag_end];
                        let body = tag_end;
                        let close = find(&b[body..], tag).map_or(b.len(), |p| body + p + tag.len());
                        line += b[i..close].iter().filter(|&&x| x == b'\n').count();
                        i = close;
                    }
                    None => i += 1,
                }
                at_stmt_start = false;
            }
            _ if b[i..].starts_with(&delimiter) && depth <= 0 => {
                push(&mut out, &sql[start..i], start_line);
                i += delimiter.len();
                start = i;
                start_line = line;
                depth = 0;
                words.clear();
                routine = false;
                pending_end = false;
                at_stmt_start = true;
            }
            _ if is_word_start(c) => {
                let s = i;
                while i < b.len() && is_word(b[i]) {
                    i += 1;
                }
                let w = sql[s..i].to_ascii_uppercase();
                at_stmt_start = false;
                if words.len() < 8 {
                    if matches!(w.as_str(), "PROCEDURE" | "FUNCTION" | "TRIGGER" | "EVENT")
                        && words.first().is_some_and(|f| f == "CREATE")
                    {
                        routine = true;
                    }
                    words.push(w.clone());
                }
                if routine {
                    if pending_end {
                        pending_end = false;
                        if matches!(w.as_str(), "IF" | "LOOP" | "WHILE" | "REPEAT" | "FOR") {
                            // `END IF` etc. closed a construct that was never counted.
                            depth += 1;
                        }
                    }
                    match w.as_str() {
                        "BEGIN" | "CASE" => depth += 1,
                        "END" => {
                            depth -= 1;
                            pending_end = true;
                        }
                        _ => {}
                    }
                }
            }
            _ => {
                i += 1;
                at_stmt_start = false;
                pending_end = false;
            }
        }
    }
    push(&mut out, &sql[start..], start_line);
    out
}

/// Length of the whitespace and comments at the start of `text`.
fn leading_trivia(text: &str, dialect: Dialect) -> usize {
    let b = text.as_bytes();
    let mut i = 0;
    let mut line = 0;
    loop {
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        if b[i..].starts_with(b"--") || (dialect == Dialect::MySql && b.get(i) == Some(&b'#')) {
            i = skip_line(b, i);
        } else if b[i..].starts_with(b"/*") && !is_executable_comment(b, i, dialect) {
            i = skip_block_comment(b, i, dialect == Dialect::Postgres, &mut line);
        } else {
            return i;
        }
    }
}

/// MySQL's `/*! … */` (versioned code) and `/*+ … */` (optimizer hints) are code, not comments.
fn is_executable_comment(b: &[u8], i: usize, dialect: Dialect) -> bool {
    dialect == Dialect::MySql && matches!(b.get(i + 2), Some(b'!' | b'+'))
}

/// Whether `text` has anything but whitespace and comments.
pub(crate) fn has_code(text: &str, dialect: Dialect) -> bool {
    !strip_comments(text, dialect).trim().is_empty()
}

/// `text` with comments removed (quoted text is kept).
pub(crate) fn strip_comments(text: &str, dialect: Dialect) -> String {
    let b = text.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    let mut line = 0;
    while i < b.len() {
        let s = i;
        match b[i] {
            b'-' if b.get(i + 1) == Some(&b'-') => {
                i = skip_line(b, i);
                continue;
            }
            b'#' if dialect == Dialect::MySql => {
                i = skip_line(b, i);
                continue;
            }
            b'/' if b.get(i + 1) == Some(&b'*') && !is_executable_comment(b, i, dialect) => {
                i = skip_block_comment(b, i, dialect == Dialect::Postgres, &mut line);
                out.push(b' ');
                continue;
            }
            b'\'' => i = skip_quoted(b, i, b'\'', dialect == Dialect::MySql, &mut line),
            b'"' => i = skip_quoted(b, i, b'"', dialect == Dialect::MySql, &mut line),
            _ => i += 1,
        }
        out.extend_from_slice(&b[s..i]);
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The first `n` words of `sql` outside comments, upper-cased (quoted identifiers are kept as
/// written, without their quotes).
pub(crate) fn leading_words(sql: &str, n: usize) -> Vec<String> {
    let code = strip_comments(sql, Dialect::Postgres);
    let mut words = Vec::new();
    let mut cur = String::new();
    for ch in code.chars() {
        if ch.is_alphanumeric() || ch == '_' || ch == '.' || ch == '$' {
            cur.push(ch.to_ascii_uppercase());
        } else {
            if !cur.is_empty() {
                words.push(std::mem::take(&mut cur));
                if words.len() == n {
                    return words;
                }
            }
            if ch == '(' || ch == ';' {
                words.push(ch.to_string());
                if words.len() == n {
                    return words;
                }
            }
        }
    }
    if !cur.is_empty() {
        words.push(cur);
    }
    words.truncate(n);
    words
}

/// Index of the newline ending the comment at `i` (the caller counts that newline).
fn skip_line(b: &[u8], i: usize) -> usize {
    b[i..]
        .iter()
        .position(|&x| x == b'\n')
        .map_or(b.len(), |p| i + p)
}

fn skip_block_comment(b: &[u8], mut i: usize, nested: bool, line: &mut usize) -> usize {
    let mut depth = 0;
    while i < b.len() {
        if b[i] == b'/' && b.get(i + 1) == Some(&b'*') {
            depth += 1;
            i += 2;
            if !nested {
                depth = 1;
            }
        } else if b[i] == b'*' && b.get(i + 1) == Some(&b'/') {
            depth -= 1;
            i += 2;
            if depth == 0 {
                return i;
            }
        } else {
            if b[i] == b'\n' {
                *line += 1;
            }
            i += 1;
        }
    }
    i
}

fn skip_quoted(b: &[u8], mut i: usize, q: u8, backslash: bool, line: &mut usize) -> usize {
    i += 1;
    while i < b.len() {
        let c = b[i];
        if c == b'\n' {
            *line += 1;
        }
        if backslash && c == b'\\' {
            if b.get(i + 1) == Some(&b'\n') {
                *line += 1;
            }
            i += 2;
            continue;
        }
        if c == q {
            if b.get(i + 1) == Some(&q) {
                i += 2;
                continue;
            }
            return i + 1;
        }
        i += 1;
    }
    i
}

/// If a PostgreSQL dollar-quote tag starts at `i`, the index just after it.
fn dollar_tag(b: &[u8], i: usize) -> Option<usize> {
    let mut j = i + 1;
    if j < b.len() && b[j].is_ascii_digit() {
        return None; // $1 parameter
    }
    while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_' || b[j] >= 0x80) {
        j += 1;
    }
    (j < b.len() && b[j] == b'$').then_some(j + 1)
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn starts_with_ci(b: &[u8], word: &[u8]) -> bool {
    b.len() >= word.len() && b[..word.len()].eq_ignore_ascii_case(word)
}

fn is_word_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_'
}

fn is_word(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'$' || c >= 0x80
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sqls(text: &str, d: Dialect) -> Vec<String> {
        split(text, d).into_iter().map(|s| s.sql).collect()
    }

    #[test]
    fn splits_on_semicolons_outside_quotes_and_comments() {
        let text = "CREATE TABLE a (v text default ';');\n-- a; comment\nINSERT INTO a VALUES ('x;''y');\n/* ; */ SELECT 1";
        assert_eq!(
            sqls(text, Dialect::Postgres),
            vec![
                "CREATE TABLE a (v text default ';')",
                "-- a; comment\nINSERT INTO a VALUES ('x;''y')",
                "/* ; */ SELECT 1"
            ]
        );
    }

    #[test]
    fn records_the_line_of_each_statement() {
        let s = split(
            "SELECT 1;\n\n  -- c\n  SELECT 2;\nSELECT\n3;",
            Dialect::Sqlite,
        );
        assert_eq!(s.iter().map(|s| s.line).collect::<Vec<_>>(), vec![1, 4, 5]);
    }

    #[test]
    fn postgres_dollar_quotes_and_e_strings() {
        let text = "CREATE FUNCTION f() RETURNS int AS $body$ BEGIN RETURN 1; END $body$ LANGUAGE plpgsql;\nSELECT E'a\\';b';\nSELECT $$x;y$$;";
        assert_eq!(split(text, Dialect::Postgres).len(), 3);
    }

    #[test]
    fn mysql_backslash_escapes_and_hash_comments() {
        let text =
            "INSERT INTO t VALUES ('it\\'s; fine'); # trailing; comment\nSELECT `a;b` FROM t;";
        assert_eq!(split(text, Dialect::MySql).len(), 2);
    }

    #[test]
    fn mysql_delimiter_command() {
        let text = "DELIMITER //\nCREATE PROCEDURE p() BEGIN SELECT 1; SELECT 2; END//\nDELIMITER ;\nCALL p();";
        let s = sqls(text, Dialect::MySql);
        assert_eq!(
            s,
            vec![
                "CREATE PROCEDURE p() BEGIN SELECT 1; SELECT 2; END",
                "CALL p()"
            ]
        );
    }

    #[test]
    fn trigger_bodies_stay_whole() {
        let text = "CREATE TRIGGER tr AFTER INSERT ON t FOR EACH ROW BEGIN\n  UPDATE c SET n = CASE WHEN n > 0 THEN n + 1 ELSE 1 END;\n  IF 1 THEN SELECT 1; END IF;\nEND;\nSELECT 1;";
        for d in [Dialect::MySql, Dialect::Sqlite] {
            let s = split(text, d);
            assert_eq!(s.len(), 2, "{d:?}: {s:?}");
            assert!(s[0].sql.ends_with("END"));
        }
    }

    #[test]
    fn mysql_versioned_comments_are_code() {
        let s = split(
            "/*!40101 SET NAMES utf8mb4 */;\n-- note\nSELECT 1;",
            Dialect::MySql,
        );
        assert_eq!(s.len(), 2);
        assert_eq!(s[1].line, 3);
        assert!(split("/* only a comment */;", Dialect::MySql).is_empty());
    }

    #[test]
    fn comment_only_pieces_are_dropped() {
        assert!(split("-- nothing here\n/* or here */\n;\n", Dialect::Postgres).is_empty());
    }

    #[test]
    fn leading_words_skip_comments() {
        assert_eq!(
            leading_words("-- x\n/* y */ create index concurrently i on t(a)", 3),
            vec!["CREATE", "INDEX", "CONCURRENTLY"]
        );
    }
}
