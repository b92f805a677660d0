//! What to generate: the typed form of a `project` node or a `backendctl scaffold` command line.

use std::collections::BTreeSet;

use super::error::ScaffoldError;
use super::project_name::ProjectName;
use crate::manifest::model::project::{DataLayer, DatabaseEngine, Feature, Project, Stack};

/// The validated choices a render depends on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScaffoldOptions {
    /// The project (and npm package) name.
    pub name: ProjectName,
    /// The template stack.
    pub stack: Stack,
    /// The optional features switched on (`postgres` already folded into `database`).
    pub features: BTreeSet<Feature>,
    /// The database and the data layer the repositories are written for.
    pub data: DataChoice,
}

/// The database engine and the data layer of a project, resolved to their defaults.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DataChoice {
    /// The database the project is written for.
    pub engine: DatabaseEngine,
    /// How its repositories reach it; `None` means the engine's default.
    pub layer: Option<DataLayer>,
}

impl DataChoice {
    /// The data layer, the engine's default when none was chosen.
    #[must_use]
    pub fn layer(self) -> DataLayer {
        self.layer
            .unwrap_or_else(|| DataLayer::default_for(self.engine))
    }
}

impl ScaffoldOptions {
    /// Options with the default data choice (PostgreSQL through Kysely).
    #[must_use]
    pub fn new(name: ProjectName, stack: Stack, features: BTreeSet<Feature>) -> Self {
        ScaffoldOptions {
            name,
            stack,
            features: fold_legacy(features),
            data: DataChoice::default(),
        }
    }

    /// Builds the options of a `project` node named `name`.
    ///
    /// # Errors
    /// An invalid project name, a data layer without support for the engine.
    pub fn from_project(name: &str, project: &Project) -> Result<Self, ScaffoldError> {
        let data = DataChoice {
            engine: project.database_engine.unwrap_or_default(),
            layer: project.data_layer,
        };
        let mut options = ScaffoldOptions::new(
            ProjectName::new(name)?,
            project.stack,
            select_features(project.minimal, project.features.as_deref(), &[]),
        );
        options.data = data.checked(project.stack)?;
        Ok(options)
    }
}

impl DataChoice {
    /// This choice when `stack` can generate it.
    ///
    /// # Errors
    /// [`ScaffoldError::DataChoice`].
    pub fn checked(self, stack: Stack) -> Result<Self, ScaffoldError> {
        crate::manifest::rules::data_choice(stack, self.layer, Some(self.engine), &[])
            .map(|()| self)
            .map_err(|v| ScaffoldError::DataChoice {
                reason: v.reason,
                help: v.help,
            })
    }
}

/// The feature set: none when `minimal`, else `features` (every feature when absent) minus
/// `without`, plus what a selected feature implies: `grafana` charts the metrics the project
/// exports, so it brings `metrics` along — except that leaving `metrics` out of the default set
/// leaves `grafana` out too, rather than bringing back what the user left out.
#[must_use]
pub fn select_features(
    minimal: bool,
    features: Option<&[Feature]>,
    without: &[Feature],
) -> BTreeSet<Feature> {
    if minimal {
        return BTreeSet::new();
    }
    let without = fold_legacy(without.iter().copied().collect());
    let mut selected: BTreeSet<Feature> =
        fold_legacy(features.unwrap_or(&Feature::ALL).iter().copied().collect())
            .into_iter()
            .filter(|f| !without.contains(f))
            .collect();
    if selected.contains(&Feature::Grafana) {
        if features.is_none() && without.contains(&Feature::Metrics) {
            selected.remove(&Feature::Grafana);
        } else {
            selected.insert(Feature::Metrics);
        }
    }
    selected
}

#[cfg(test)]
mod grafana_tests {
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
        assert!(!without.contains(&Feature::Metrics));
        assert!(!without.contains(&Feature::Grafana));
        let neither = select_features(false, None, &[Feature::Metrics, Feature::Grafana]);
        assert!(!neither.contains(&Feature::Metrics));
    }
}

/// `postgres` is the earlier name of `database`.
fn fold_legacy(features: BTreeSet<Feature>) -> BTreeSet<Feature> {
    features
        .into_iter()
        .map(|f| match f {
            Feature::Postgres => Feature::Database,
            f => f,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_choice_is_kysely_on_postgresql_and_mongodb_defaults_to_its_driver() {
        assert_eq!(DataChoice::default().layer(), DataLayer::Kysely);
        let mongo = DataChoice {
            engine: DatabaseEngine::Mongodb,
            layer: None,
        };
        assert_eq!(mongo.layer(), DataLayer::MongodbDriver);
    }

    #[test]
    fn a_layer_without_support_for_the_engine_is_refused_naming_the_alternatives() {
        let choice = DataChoice {
            engine: DatabaseEngine::Mongodb,
            layer: Some(DataLayer::Sequelize),
        };
        let err = choice.checked(Stack::ExpressTypescript).unwrap_err();
        let ScaffoldError::DataChoice { reason, help } = err else {
            panic!("{err:?}")
        };
        assert_eq!(reason, "the sequelize data layer has no mongodb support");
        assert!(help.contains("typeorm or mongodb-driver"), "{help}");
    }

    #[test]
    fn prisma_on_mongodb_is_refused_because_prisma_7_has_no_mongodb_connector() {
        let choice = DataChoice {
            engine: DatabaseEngine::Mongodb,
            layer: Some(DataLayer::Prisma),
        };
        let err = choice.checked(Stack::ExpressTypescript).unwrap_err();
        let ScaffoldError::DataChoice { reason, help } = err else {
            panic!("{err:?}")
        };
        assert_eq!(
            reason,
            "the prisma data layer has no mongodb support: Prisma 7 has no MongoDB connector (Prisma 6 was the last major with one)"
        );
        assert!(help.contains("typeorm or mongodb-driver"), "{help}");
    }

    #[test]
    fn the_postgres_feature_is_the_database_feature() {
        let features = select_features(false, Some(&[Feature::Postgres, Feature::Auth]), &[]);
        assert_eq!(features, [Feature::Auth, Feature::Database].into());
        let without = select_features(false, None, &[Feature::Postgres]);
        assert!(!without.contains(&Feature::Database));
    }
}
