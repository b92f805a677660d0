//! What to generate: the typed form of a `project` node or a `backendctl scaffold` command line.

use std::collections::BTreeSet;

use super::error::ScaffoldError;
use super::project_name::ProjectName;
use crate::manifest::model::project::{Feature, Project, Stack};

/// The validated choices a render depends on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScaffoldOptions {
    /// The project (and npm package) name.
    pub name: ProjectName,
    /// The template stack.
    pub stack: Stack,
    /// The optional features switched on.
    pub features: BTreeSet<Feature>,
}

impl ScaffoldOptions {
    /// Builds the options of a `project` node named `name`.
    ///
    /// # Errors
    /// An invalid project name.
    pub fn from_project(name: &str, project: &Project) -> Result<Self, ScaffoldError> {
        Ok(ScaffoldOptions {
            name: ProjectName::new(name)?,
            stack: project.stack,
            features: select_features(project.minimal, project.features.as_deref(), &[]),
        })
    }
}

/// The feature set: none when `minimal`, else `features` (every feature when absent) minus `without`.
#[must_use]
pub fn select_features(
    minimal: bool,
    features: Option<&[Feature]>,
    without: &[Feature],
) -> BTreeSet<Feature> {
    if minimal {
        return BTreeSet::new();
    }
    features
        .unwrap_or(&Feature::ALL)
        .iter()
        .copied()
        .filter(|f| !without.contains(f))
        .collect()
}
