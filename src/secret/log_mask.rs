//! Masking secret values in a line of text backendctl did not build: a service's own output,
//! which may echo its environment or the headers a scenario sends it.
//!
//! This is the one text search on secrets, and it is applied only to service logs, line by line
//! as they are written. A value is masked where it stands as a whole word (not glued to a
//! letter, digit or `_`), so a secret `0` masks `count: 0` but leaves `port 3000` alone.

use super::MASK;

/// Masks known secret values in lines of text.
#[derive(Debug, Clone, Default)]
pub struct LogMasker {
    /// The values, longest first, so a value containing another is masked whole.
    secrets: Vec<Vec<u8>>,
}

impl LogMasker {
    /// A masker for `secrets` (empty values are ignored).
    #[must_use]
    pub fn new(secrets: impl IntoIterator<Item = String>) -> Self {
        let mut secrets: Vec<Vec<u8>> = secrets
            .into_iter()
            .filter(|secret| !secret.is_empty())
            .map(String::into_bytes)
            .collect();
        secrets.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        secrets.dedup();
        Self { secrets }
    }

    /// Whether there is nothing to mask.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.secrets.is_empty()
    }

    /// `line` with every whole-word occurrence of a secret replaced by `***`.
    #[must_use]
    pub fn mask(&self, line: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(line.len());
        let mut at = 0;
        'scan: while at < line.len() {
            for secret in &self.secrets {
                if line[at..].starts_with(secret) && self.stands_alone(line, at, secret) {
                    out.extend_from_slice(MASK.as_bytes());
                    at += secret.len();
                    continue 'scan;
                }
            }
            out.push(line[at]);
            at += 1;
        }
        out
    }

    /// Whether `secret` at `at` is not glued to word characters on a side where it starts or
    /// ends with one.
    fn stands_alone(&self, line: &[u8], at: usize, secret: &[u8]) -> bool {
        let end = at + secret.len();
        let free_before = at == 0 || !is_word(line[at - 1]) || !is_word(secret[0]);
        let free_after =
            end == line.len() || !is_word(line[end]) || !is_word(secret[secret.len() - 1]);
        free_before && free_after
    }
}

/// A letter, digit or `_` (any byte of a non-ASCII character counts as a letter).
fn is_word(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_' || byte >= 0x80
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mask(secrets: &[&str], line: &str) -> String {
        let masker = LogMasker::new(secrets.iter().map(|s| (*s).to_owned()));
        String::from_utf8(masker.mask(line.as_bytes())).unwrap()
    }

    #[test]
    fn whole_words_are_masked_and_numbers_inside_words_are_not() {
        assert_eq!(
            mask(&["0"], "listening on 3000, 0 errors"),
            "listening on 3000, *** errors"
        );
        assert_eq!(
            mask(&["s3cret"], "token=s3cret; Authorization: Bearer s3cret"),
            "token=***; Authorization: Bearer ***"
        );
        assert_eq!(mask(&["tok", "tok-long"], "a tok-long b"), "a *** b");
        assert_eq!(mask(&["-x-"], "a-x-b"), "a***b");
        assert_eq!(mask(&[], "nothing"), "nothing");
    }
}
