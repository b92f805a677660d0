//! The engine: the boundary every node kind implements, and the loops that plan and apply them.
//!
//! This module is a leaf with respect to the capabilities: it imports the manifest model, the
//! settings and the secret types, and never `scaffold`, `migrate`, `service`, `load` or `mock`. Each
//! of those implements [`Node`] in a file called `node.rs` in its own folder; the one place that
//! maps a node kind to its implementation is `crate::nodes`, above the capabilities, and it
//! reaches the engine through [`PlanContext::nodes`].
//!
//! - [`step`]: [`Step`], [`Action`], [`Outcome`]: what crosses the boundary.
//! - [`node`]: the [`Node`] trait and [`NodeError`].
//! - [`context`]: what a node may read while planning and use while applying.
//! - [`plan`]: every node's step in dependency order, with a state fingerprint.
//! - [`saved_plan`], [`plan_text`]: `plan --out` files; the plan as text and JSON.
//! - [`apply_report`]: the apply loop and what it reports.
//! - [`supervisor`]: everything `apply` started that must be stopped when it ends.

pub mod apply_report;
pub mod context;
pub mod node;
pub mod plan;
pub mod plan_text;
pub mod saved_plan;
pub mod step;
pub mod stop_signal;
pub mod supervisor;

pub use apply_report::{ApplyReport, StepResult, apply};
pub use context::{ApplyContext, PlanContext};
pub(crate) use node::impl_node;
pub use node::{Node, NodeError, NodeLookup};
pub use plan::Plan;
pub use plan_text::{render_json, render_text};
pub use saved_plan::{SavedPlan, StalePlan};
pub use step::{Action, Outcome, OutcomeStatus, Step};
pub use stop_signal::{StopSignal, StopSignals};
pub use supervisor::{Supervised, Supervisor};
