//! A validated project name: it becomes the npm package name, a directory name and a
//! Docker image name, so it must be safe for all three.

use super::error::ScaffoldError;
use crate::manifest::model::project::{Language, Stack};

/// A project name that is a valid unscoped npm package name and a safe directory name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ProjectName(String);

impl ProjectName {
    /// Validates `name`.
    ///
    /// # Errors
    /// [`ScaffoldError::InvalidName`] when it is empty, too long, not lowercase, starts with
    /// `.`/`_`/`-`, or contains anything but `a-z0-9-._`.
    pub fn new(name: &str) -> Result<Self, ScaffoldError> {
        let reject = |reason| {
            Err(ScaffoldError::InvalidName {
                name: name.to_owned(),
                reason,
            })
        };
        if name.is_empty() {
            return reject("it is empty");
        }
        if name.len() > 214 {
            return reject("it is longer than 214 characters");
        }
        if !name.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit()) {
            return reject("it must start with a lowercase letter or a digit");
        }
        if !name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '.' | '_'))
        {
            return reject("only lowercase letters, digits, '-', '.' and '_' are allowed");
        }
        if name == "node_modules" || name == "favicon.ico" {
            return reject("it is a reserved name");
        }
        Ok(ProjectName(name.to_owned()))
    }

    /// The name.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Checks what `stack` asks of a name beyond npm's rules: a Python project's name (PEP 508)
    /// ends with a letter or a digit.
    ///
    /// # Errors
    /// [`ScaffoldError::InvalidName`] when it does not.
    pub fn check_for(&self, stack: Stack) -> Result<(), ScaffoldError> {
        if stack.language() == Language::Python
            && !self.0.ends_with(|c: char| c.is_ascii_alphanumeric())
        {
            return Err(ScaffoldError::InvalidName {
                name: self.0.clone(),
                reason: "a Python project's name must end with a letter or a digit",
            });
        }
        Ok(())
    }
}

impl std::fmt::Display for ProjectName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::ProjectName;

    #[test]
    fn accepts_npm_names() {
        for ok in ["shop-api", "a", "api2", "my.app_x"] {
            assert!(ProjectName::new(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn python_names_end_with_a_letter_or_a_digit() {
        use crate::manifest::model::project::Stack;
        let trailing = ProjectName::new("shop-").unwrap();
        assert!(trailing.check_for(Stack::ExpressTypescript).is_ok());
        assert!(trailing.check_for(Stack::Fastapi).is_err());
        assert!(ProjectName::new("my.app_x").unwrap().check_for(Stack::Fastapi).is_ok());
    }

    #[test]
    fn rejects_unsafe_names() {
        for bad in [
            "",
            "Shop",
            "../x",
            "a/b",
            ".hidden",
            "_x",
            "-x",
            "a b",
            "node_modules",
        ] {
            assert!(ProjectName::new(bad).is_err(), "{bad}");
        }
    }
}
