//! A validated project name: it becomes the npm package name, a directory name and a
//! Docker image name, so it must be safe for all three.

use super::error::ScaffoldError;
use crate::manifest::model::project::Stack;

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
        // The one rule, which `validate` applies to every `project` label too.
        crate::manifest::rules::project_name(name).map_err(|reason| {
            ScaffoldError::InvalidName {
                name: name.to_owned(),
                reason,
            }
        })?;
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
        // The rule `validate` applies to every `project` label and its stack.
        crate::manifest::rules::project_name_for(&self.0, stack).map_err(|reason| {
            ScaffoldError::InvalidName {
                name: self.0.clone(),
                reason,
            }
        })
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
        assert!(
            ProjectName::new("my.app_x")
                .unwrap()
                .check_for(Stack::Fastapi)
                .is_ok()
        );
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
