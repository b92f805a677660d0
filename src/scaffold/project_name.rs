//! A validated project name: it becomes the npm package name, a directory name and a
//! Docker image name, so it must be safe for all three.

use super::error::ScaffoldError;

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
