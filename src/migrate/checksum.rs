//! Content checksums that do not cry wolf.
//!
//! sqlx hashes the raw bytes of a file, so a checkout with `core.autocrlf` or an editor that adds a
//! BOM turns every applied migration into "previously applied but has been modified"
//! (transact-rs/sqlx #2659). Flyway and Liquibase changed their algorithms between releases and
//! broke every deployed database (flyway #2027). So the text is normalised before hashing, and the
//! algorithm's version is stored next to the hash: a future version adds `Algorithm::V2` and keeps
//! computing `V1` for rows that carry it.

use sha2::{Digest, Sha256};

/// A versioned checksum algorithm. The number is stored in the history table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Algorithm {
    /// SHA-256 of the text with the BOM removed, CRLF/CR turned into LF, trailing whitespace
    /// removed from every line and trailing blank lines removed.
    V1,
}

impl Algorithm {
    /// The algorithm new rows are written with.
    pub(crate) const CURRENT: Algorithm = Algorithm::V1;

    /// The number stored in `checksum_algo`.
    pub(crate) fn number(self) -> i32 {
        match self {
            Algorithm::V1 => 1,
        }
    }

    /// The algorithm a stored number names, if this build knows it.
    pub(crate) fn from_number(n: i32) -> Option<Algorithm> {
        match n {
            1 => Some(Algorithm::V1),
            _ => None,
        }
    }

    /// Hex digest of `text` under this algorithm.
    pub(crate) fn digest(self, text: &str) -> String {
        match self {
            Algorithm::V1 => hex::encode(Sha256::digest(normalise(text).as_bytes())),
        }
    }
}

/// The text that `Algorithm::V1` hashes.
pub(crate) fn normalise(text: &str) -> String {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut out = String::with_capacity(text.len());
    for line in text.split('\n') {
        let line = line.strip_suffix('\r').unwrap_or(line);
        // A lone CR (classic Mac line ending) also separates lines.
        for part in line.split('\r') {
            out.push_str(part.trim_end());
            out.push('\n');
        }
    }
    let trimmed = out.trim_end_matches('\n').len();
    out.truncate(trimmed);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crlf_bom_and_trailing_space_do_not_change_the_checksum() {
        let lf = "CREATE TABLE t (id int);\nINSERT INTO t VALUES (1);\n";
        let crlf = "\u{feff}CREATE TABLE t (id int);  \r\nINSERT INTO t VALUES (1);\r\n\r\n";
        assert_eq!(Algorithm::V1.digest(lf), Algorithm::V1.digest(crlf));
    }

    #[test]
    fn a_content_change_changes_the_checksum() {
        let a = "CREATE TABLE t (v text);\n";
        let b = "CREATE TABLE t (v varchar(10));\n";
        assert_ne!(Algorithm::V1.digest(a), Algorithm::V1.digest(b));
    }

    #[test]
    fn leading_indentation_is_content() {
        assert_ne!(Algorithm::V1.digest("a\n b"), Algorithm::V1.digest("a\nb"));
    }
}
