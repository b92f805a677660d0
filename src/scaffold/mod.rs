//! Scaffolding: generates a backend project from templates embedded in the binary and keeps it
//! up to date without losing the user's edits.
//!
//! The flow is render → plan → apply. [`template_set::render`] renders the whole project into
//! memory; [`scaffold_plan::plan_scaffold`] compares each file with the disk and with the
//! record of the last render (`.backendctl/scaffold.json`) and decides create / update /
//! merge / conflict / unchanged / keep; [`scaffold_plan::apply_scaffold`] writes exactly that.
//! A re-apply with newer templates or other options is a 3-way merge per file (base = last
//! render, ours = disk, theirs = new render), so edits survive and conflicts are marked, never
//! overwritten. See `docs/scaffold.md`.

pub mod cli;
pub(crate) mod confined_dir;
pub mod error;
pub mod file_plan;
pub mod merge;
pub mod node;
pub mod options;
pub mod project_name;
pub mod record;
pub mod rel_path;
pub mod scaffold_plan;
pub mod template_set;
pub mod uv_lock;

pub use crate::manifest::model::project::{DataLayer, DatabaseEngine, Feature, Project, Stack};
pub use cli::run;
pub use error::Error;
pub use error::ScaffoldError;
pub use node::ProjectNode;
pub use options::{DataChoice, ScaffoldOptions};
pub use scaffold_plan::{ScaffoldPlan, apply_scaffold, plan_scaffold};
