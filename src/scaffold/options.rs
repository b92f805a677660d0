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

/// The feature set: none when `minimal`, else `features` (every feature when absent) minus
/// `without`, plus what a selected feature implies: `grafana` charts the metrics the project
/// exports, so it brings `metrics` along.
#[must_use]
pub fn select_features(
    minimal: bool,
    features: Option<&[Feature]>,
    without: &[Feature],
) -> BTreeSet<Feature> {
    if minimal {
        return BTreeSet::new();
    }
    let mut selected: BTreeSet<Feature> = features
        .unwrap_or(&Feature::ALL)
        .iter()
        .copied()
        .filter(|f| !without.contains(f))
        .collect();
    if selected.contains(&Feature::Grafana) {
        selected.insert(Feature::Metrics);
    }
    selected
}

#[cfg(test)]
mod tests {
    use super::select_features;
    use crate::manifest::model::project::Feature;

    #[test]
    fn grafana_brings_the_metrics_it_charts() {
        let selected = select_features(false, Some(&[Feature::Grafana]), &[]);
        assert_eq!(
            selected.into_iter().collect::<Vec<_>>(),
            [Feature::Metrics, Feature::Grafana]
        );
        let without = select_features(false, None, &[Feature::Metrics]);
        assert!(without.contains(&Feature::Metrics));
        let neither = select_features(false, None, &[Feature::Metrics, Feature::Grafana]);
        assert!(!neither.contains(&Feature::Metrics));
    }
}
