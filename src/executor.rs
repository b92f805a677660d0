//! Executors meet the engine only here: one `plan_*` and one `apply_*` per node kind, dispatched
//! by the node's kind. Each capability (scaffold, migrate, service, load, mock) owns its two
//! functions; the engine owns the order, the plan and the apply loop.

use crate::manifest::{Address, LoadedManifest, Manifest, NodeKind};
use crate::plan::{Outcome, Step};
use crate::redact::Redactor;
use crate::service::Supervisor;
use crate::settings::Settings;
use std::path::PathBuf;

/// What an executor may read while planning.
#[derive(Debug, Clone, Copy)]
pub struct PlanContext<'a> {
    /// The checked manifest.
    pub loaded: &'a LoadedManifest,
    /// The effective settings.
    pub settings: &'a Settings,
}

impl PlanContext<'_> {
    /// The typed, interpolated manifest.
    #[must_use]
    pub fn manifest(&self) -> &Manifest {
        &self.loaded.manifest
    }

    /// The directory relative paths are resolved against.
    #[must_use]
    pub fn base_dir(&self) -> PathBuf {
        self.loaded.base_dir()
    }

    /// Masks secrets in anything shown to the user.
    #[must_use]
    pub fn redactor(&self) -> &Redactor {
        &self.loaded.redactor
    }
}

/// What an executor may use while applying.
#[derive(Debug)]
pub struct ApplyContext<'a> {
    /// The planning context.
    pub plan: PlanContext<'a>,
    /// This run's directory for logs and reports.
    pub run_dir: PathBuf,
    /// Stops services and background tasks when `apply` ends.
    pub supervisor: &'a Supervisor,
    /// Whether a person is watching (progress bars, prompts).
    pub interactive: bool,
    /// Fires on Ctrl-C: long steps stop early and clean up what they started.
    pub cancel: tokio_util::sync::CancellationToken,
}

impl ApplyContext<'_> {
    /// The typed, interpolated manifest.
    #[must_use]
    pub fn manifest(&self) -> &Manifest {
        self.plan.manifest()
    }

    /// The directory relative paths are resolved against.
    #[must_use]
    pub fn base_dir(&self) -> PathBuf {
        self.plan.base_dir()
    }

    /// Masks secrets in anything shown to the user.
    #[must_use]
    pub fn redactor(&self) -> &Redactor {
        self.plan.redactor()
    }
}

/// A failure in any executor.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum ExecutorError {
    /// Scaffolding failed.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Scaffold(#[from] crate::scaffold::Error),
    /// A migration step failed.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Migrate(#[from] crate::migrate::Error),
    /// A service failed.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Service(#[from] crate::service::ServiceError),
    /// A scenario failed to run.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Load(#[from] crate::load::Error),
    /// A mock failed.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Mock(#[from] crate::mock::Error),
}

/// Reads current state for one node and proposes its step.
///
/// # Errors
/// The executor's error.
pub async fn plan_step(
    context: &PlanContext<'_>,
    address: &Address,
) -> Result<Step, ExecutorError> {
    let name = address.name.as_str();
    Ok(match address.kind {
        NodeKind::Project => crate::scaffold::plan_project(context, name).await?,
        NodeKind::Database => crate::migrate::plan_database(context, name).await?,
        NodeKind::Migrations => crate::migrate::plan_migrations(context, name).await?,
        NodeKind::Mock => crate::mock::plan_mock(context, name).await?,
        NodeKind::Service => crate::service::plan_service(context, name).await?,
        NodeKind::Scenario => crate::load::plan_scenario(context, name).await?,
    })
}

/// Carries out one step.
///
/// # Errors
/// The executor's error.
pub async fn apply_step(context: &ApplyContext<'_>, step: &Step) -> Result<Outcome, ExecutorError> {
    Ok(match step.address.kind {
        NodeKind::Project => crate::scaffold::apply_project(context, step).await?,
        NodeKind::Database => crate::migrate::apply_database(context, step).await?,
        NodeKind::Migrations => crate::migrate::apply_migrations(context, step).await?,
        NodeKind::Mock => crate::mock::apply_mock(context, step).await?,
        NodeKind::Service => crate::service::apply_service(context, step).await?,
        NodeKind::Scenario => crate::load::apply_scenario(context, step).await?,
    })
}
