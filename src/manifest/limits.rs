//! The limits that keep any input, however large or hostile, within bounded time, memory and
//! stack: checked on the text before the KDL parser sees it, with a positioned problem each.
//!
//! The kdl parser recurses once per nested block (a file of `{` overflowed its stack at about
//! 317 levels), miette's renderer panics on a label past column 65,535, and per-problem work
//! grows with the problem count. A real manifest is a few hundred lines, nested four deep.

use super::problem::Problem;

/// Manifests larger than this are refused before parsing.
pub const MAX_MANIFEST_BYTES: u64 = 1024 * 1024;
/// The longest line read, in characters.
pub const MAX_LINE_CHARS: usize = 16 * 1024;
/// The deepest nesting of `{ }` blocks.
pub const MAX_NESTING: usize = 64;
/// The longest node name, in characters.
pub const MAX_NAME_CHARS: usize = 64;
/// Most blocks (`{`) one manifest may open. kdl's parser recurses once per block it cannot
/// attach to a node while recovering from errors (a file of 512,000 bare `{}` overflowed its
/// stack); a real manifest opens a few hundred.
pub const MAX_BLOCKS: usize = 50_000;
/// Problems shown for one file; the rest are counted (kept with the problems themselves).
pub use super::problem::MAX_PROBLEMS;

/// The first line longer than [`MAX_LINE_CHARS`], as a problem at its start.
#[must_use]
pub fn check_line_length(text: &str) -> Option<Problem> {
    let mut offset = 0;
    for (index, line) in text.split('\n').enumerate() {
        // Bytes bound characters from above: only long lines need counting.
        if line.len() > MAX_LINE_CHARS && line.chars().count() > MAX_LINE_CHARS {
            return Some(
                Problem::new(
                    "manifest::line-too-long",
                    format!(
                        "line {} is {} characters long; the limit is {MAX_LINE_CHARS}",
                        index + 1,
                        line.chars().count()
                    ),
                )
                .at(Some((offset, 0).into()), "this line")
                .help("break long values with KDL's multi-line strings (`\"\"\"`), or keep generated data in a file the manifest names"),
            );
        }
        offset += line.len() + 1;
    }
    None
}

/// `text` up to `offset`, then at most 80 more characters of that line and `…`.
#[must_use]
pub fn shorten_from(text: &str, offset: usize) -> String {
    let (before, after) = text.split_at(offset.min(text.len()));
    let line: String = after.chars().take_while(|c| *c != '\n').take(80).collect();
    format!("{before}{line}…")
}

/// The first `{` nested deeper than [`MAX_NESTING`], or past the [`MAX_BLOCKS`]th, as a problem
/// at it. Braces inside strings and comments do not count.
#[must_use]
pub fn check_nesting(text: &str) -> Option<Problem> {
    let mut depth = 0usize;
    let mut blocks = 0usize;
    let mut scanner = Scanner { text, at: 0 };
    while let Some((offset, brace)) = scanner.next_brace() {
        if brace == b'{' {
            depth += 1;
            blocks += 1;
            if blocks > MAX_BLOCKS {
                return Some(
                    Problem::new(
                        "manifest::too-many-blocks",
                        format!("this file opens more than {MAX_BLOCKS} blocks"),
                    )
                    .at(Some((offset, 1).into()), format!("block {blocks}"))
                    .help(
                        "a manifest opens a few hundred blocks (`{ … }`); is this file a manifest?",
                    ),
                );
            }
            if depth > MAX_NESTING {
                return Some(
                    Problem::new(
                        "manifest::too-deep",
                        format!("blocks are nested more than {MAX_NESTING} levels deep"),
                    )
                    .at(Some((offset, 1).into()), format!("level {depth}"))
                    .help("a manifest nests a few levels (`scenario { stages { stage … } }`); check for a `{` that should be `}`"),
                );
            }
        } else {
            depth = depth.saturating_sub(1);
        }
    }
    None
}

/// A `{` that no `}` closes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnclosedBlock {
    /// The byte offset of the `{`.
    pub offset: usize,
    /// When the `{` was found by indentation: the offset of the `}` that closes an outer block
    /// instead (it lines up with that block's line, not with this one's), and of that outer `{`.
    pub skipped_by: Option<(usize, usize)>,
}

/// The `{` that is most likely never closed, or `None` when every block is closed.
///
/// Braces alone cannot say which `{` is the stray one (`a { b { c }` closes either), so the
/// manifest's indentation decides, as people read it: a `}` closes the innermost open block
/// whose line is indented as much as the `}`'s line, and any block opened inside that one and
/// still open is the stray `{`. Without such a hint (indentation that agrees with the braces),
/// the innermost block still open at the end of the file is reported. Braces inside strings and
/// comments do not count.
#[must_use]
pub fn find_unclosed_block(text: &str) -> Option<UnclosedBlock> {
    // Each line's indentation, measured once (a line may hold thousands of braces).
    let mut indents = Vec::new();
    let mut line_starts = Vec::new();
    let mut start = 0;
    for line in text.split('\n') {
        line_starts.push(start);
        indents.push(
            line.bytes()
                .take_while(|byte| *byte == b' ' || *byte == b'\t')
                .count(),
        );
        start += line.len() + 1;
    }
    let indent_of = |offset: usize| indents[line_starts.partition_point(|s| *s <= offset) - 1];
    let mut open: Vec<(usize, usize)> = Vec::new();
    let mut scanner = Scanner { text, at: 0 };
    while let Some((offset, brace)) = scanner.next_brace() {
        if brace == b'{' {
            open.push((offset, indent_of(offset)));
            continue;
        }
        let indent = indent_of(offset);
        let lined_up = open.iter().rposition(|(_, opened)| *opened == indent);
        match lined_up {
            Some(index) if index + 1 < open.len() => {
                return Some(UnclosedBlock {
                    offset: open[index + 1].0,
                    skipped_by: Some((offset, open[index].0)),
                });
            }
            _ => {
                open.pop();
            }
        }
    }
    open.last().map(|(offset, _)| UnclosedBlock {
        offset: *offset,
        skipped_by: None,
    })
}

/// Walks KDL text, skipping strings (quoted, raw `#"…"#`, multi-line `"""`) and comments
/// (`//`, nested `/* */`).
struct Scanner<'a> {
    text: &'a str,
    at: usize,
}

impl Scanner<'_> {
    /// The next `{` or `}` outside strings and comments, with its offset.
    fn next_brace(&mut self) -> Option<(usize, u8)> {
        let bytes = self.text.as_bytes();
        while self.at < bytes.len() {
            let here = self.at;
            match bytes[here] {
                b'{' | b'}' => {
                    self.at += 1;
                    return Some((here, bytes[here]));
                }
                b'/' if bytes.get(here + 1) == Some(&b'/') => self.skip_past(b"\n"),
                b'/' if bytes.get(here + 1) == Some(&b'*') => self.skip_block_comment(),
                b'#' | b'"' => self.skip_string(),
                _ => self.at += 1,
            }
        }
        None
    }

    /// Moves past the next `end` (or to the end of the text).
    fn skip_past(&mut self, end: &[u8]) {
        let rest = &self.text.as_bytes()[self.at..];
        self.at += rest
            .windows(end.len())
            .position(|window| window == end)
            .map_or(rest.len(), |index| index + end.len());
    }

    /// At `/*`: past the matching `*/` (comments nest). An unclosed comment is not skipped.
    fn skip_block_comment(&mut self) {
        let bytes = self.text.as_bytes();
        let start = self.at;
        let mut depth = 0usize;
        while self.at < bytes.len() {
            if bytes[self.at..].starts_with(b"/*") {
                depth += 1;
                self.at += 2;
            } else if bytes[self.at..].starts_with(b"*/") {
                depth -= 1;
                self.at += 2;
                if depth == 0 {
                    return;
                }
            } else {
                self.at += 1;
            }
        }
        self.at = start + 2;
    }

    /// At `"` or `#`: a quoted, raw or multi-line string (a `#` not opening a raw string, as in
    /// `#true`, is skipped alone). Only a string that is closed is skipped, and a single-line
    /// one must close on its line (KDL v2); anything malformed is scanned as if it were not a
    /// string. The scan must never take text for a string where the parser does not, or
    /// braces the parser nests on would go uncounted; the other way round is only caution.
    fn skip_string(&mut self) {
        let bytes = self.text.as_bytes();
        let hashes = bytes[self.at..].iter().take_while(|b| **b == b'#').count();
        let quote = self.at + hashes;
        if bytes.get(quote) != Some(&b'"') {
            self.at += hashes.max(1);
            return;
        }
        // `"""` opens a multi-line string only when its line ends there.
        let from_quote = &bytes[quote..];
        let triple =
            from_quote.starts_with(b"\"\"\"") && matches!(from_quote.get(3), Some(b'\n' | b'\r'));
        let mut end = if triple {
            b"\"\"\"".to_vec()
        } else {
            b"\"".to_vec()
        };
        end.extend(std::iter::repeat_n(b'#', hashes));
        let mut at = quote + if triple { 3 } else { 1 };
        while at < bytes.len() {
            if bytes[at..].starts_with(&end) {
                self.at = at + end.len();
                return;
            }
            match bytes[at] {
                b'\n' if !triple => break,
                b'\\' if hashes == 0 => at += 2,
                _ => at += 1,
            }
        }
        // Not closed: scan on from just after the opening quote.
        self.at = quote + 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nested(depth: usize) -> String {
        format!("a {}{}", "b {".repeat(depth), "}".repeat(depth))
    }

    #[test]
    fn too_many_blocks_are_refused_before_the_parser_sees_them() {
        let line = "{}".repeat(8_000);
        let text = format!("backend version=1\n{}\n", vec![line; 7].join("\n"));
        let problem = check_nesting(&text).expect("over the block limit");
        assert!(
            problem.to_string().contains("more than 50000 blocks"),
            "{problem}"
        );
        let fewer = format!("backend version=1\n{}\n", "{}".repeat(MAX_BLOCKS));
        assert!(check_nesting(&fewer).is_none());
    }

    #[test]
    fn nesting_counts_blocks_not_braces_in_strings_or_comments() {
        // A quote left open ends with its line: the braces after it are counted.
        assert!(check_nesting(&format!("a \"x\n{}", "{".repeat(200))).is_some());
        assert!(check_nesting(&format!("a \"\"\"x {}", "{".repeat(200))).is_some());
        assert!(check_nesting(&nested(MAX_NESTING)).is_none());
        assert!(check_nesting(&nested(MAX_NESTING + 1)).is_some());
        let braces = "{".repeat(200);
        for text in [
            format!("a \"{braces}\""),
            format!("a #\"{braces}\"#"),
            format!("a ##\"x\"# {braces}\"##"),
            format!("a \"\"\"\n{braces}\n\"\"\""),
            format!("a \"\\\"{braces}\""),
            format!("// {braces}\na"),
            format!("/* /* {braces} */ {braces} */ a"),
            format!("a \"\" \"{braces}\""),
        ] {
            assert!(check_nesting(&text).is_none(), "{text}");
        }
        assert!(check_nesting(&format!("a #true {braces}")).is_some());
        assert!(check_nesting(&braces).is_some());
        assert!(check_nesting(&format!("/* {braces}")).is_some());
        assert!(check_nesting(&format!("a #\"{braces}")).is_some());
    }

    #[test]
    fn the_unclosed_block_is_found_by_indentation() {
        let stray = "a {\n    b {\n        c 1 {\n    }\n}\n";
        let found = find_unclosed_block(stray).expect("unclosed");
        assert_eq!(found.offset, stray.find("1 {").unwrap() + 2);
        assert_eq!(
            found.skipped_by,
            Some((
                stray.find("    }").unwrap() + 4,
                stray.find("b {").unwrap() + 2
            ))
        );
        let at_the_end = "a {\n    b 1\n";
        assert_eq!(
            find_unclosed_block(at_the_end),
            Some(UnclosedBlock {
                offset: 2,
                skipped_by: None
            })
        );
        assert_eq!(find_unclosed_block("a {\n    b { c \"{\" }\n}\n"), None);
        assert_eq!(find_unclosed_block("a { b { c }\n}"), None);
    }

    #[test]
    fn a_long_line_is_found_by_characters() {
        let ok = format!("a \"{}\"", "ü".repeat(MAX_LINE_CHARS - 4));
        assert!(check_line_length(&ok).is_none());
        let long = format!("x\ny \"{}\"", "a".repeat(MAX_LINE_CHARS));
        let problem = check_line_length(&long).expect("too long");
        assert_eq!(problem.offset(), 2);
    }
}
