//! Keeping secrets out of everything backendctl prints or writes.
//!
//! Values that came from the environment through interpolation are secrets: every plan line, log
//! line and report passes through [`Redactor::redact`], which replaces them with `***`. Passwords
//! inside URLs (`postgres://user:pw@host`) are masked whether or not they came from the
//! environment.

use regex::Regex;
use std::borrow::Cow;
use std::sync::LazyLock;

static URL_PASSWORD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?P<prefix>[A-Za-z][A-Za-z0-9+.\-]*://[^:/@\s]*:)(?P<password>[^@\s/]+)@")
        .expect("valid regex")
});

/// The mask shown in place of a secret.
pub const MASK: &str = "***";

/// Replaces secrets and URL passwords in text.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    secrets: Vec<String>,
}

impl Redactor {
    /// A redactor for the given secret values (empty ones are ignored).
    #[must_use]
    pub fn new(secrets: impl IntoIterator<Item = String>) -> Self {
        let mut secrets: Vec<String> = secrets
            .into_iter()
            .filter(|secret| !secret.trim().is_empty())
            .collect();
        // Longest first, so a secret containing another is masked whole.
        secrets.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        secrets.dedup();
        Self { secrets }
    }

    /// Adds a secret value.
    pub fn add(&mut self, secret: impl Into<String>) {
        let secret = secret.into();
        if !secret.trim().is_empty() && !self.secrets.contains(&secret) {
            self.secrets.push(secret);
            self.secrets
                .sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        }
    }

    /// `text` with every secret replaced by `***` and every URL password masked.
    #[must_use]
    pub fn redact<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let mut text = Cow::Borrowed(text);
        for secret in &self.secrets {
            if text.contains(secret.as_str()) {
                text = Cow::Owned(text.replace(secret.as_str(), MASK));
            }
        }
        match URL_PASSWORD.replace_all(&text, format!("${{prefix}}{MASK}@")) {
            Cow::Borrowed(_) => text,
            Cow::Owned(masked) => Cow::Owned(masked),
        }
    }
}

/// Masks the password of a URL, the one redaction that needs no secrets list.
#[must_use]
pub fn mask_url_password(text: &str) -> Cow<'_, str> {
    URL_PASSWORD.replace_all(text, format!("${{prefix}}{MASK}@"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_passwords_are_masked() {
        let redactor = Redactor::default();
        assert_eq!(
            redactor.redact("postgres://app:s3cret@db:5432/app and mysql://root@h/x"),
            "postgres://app:***@db:5432/app and mysql://root@h/x"
        );
    }

    #[test]
    fn secrets_are_masked_longest_first() {
        let redactor = Redactor::new(["token-123".to_owned(), "token".to_owned()]);
        assert_eq!(redactor.redact("a token-123 b token"), "a *** b ***");
    }
}
