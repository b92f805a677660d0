//! The trait every node kind implements, and the error it returns.
//!
//! A node kind plans one node of the manifest (reads its current state and describes the change
//! as a [`Step`]: what it read goes into `Step::state`, what it will change into the action,
//! summary and details) and applies a step it planned (does the change, returns an [`Outcome`]).
//! Implementations live in each capability's `node.rs`; `crate::nodes` registers them.

use super::{ApplyContext, Outcome, PlanContext, Step};
use crate::manifest::NodeKind;
use futures_util::future::LocalBoxFuture;
use miette::Diagnostic;
use std::fmt;

/// One node kind's plan and apply.
pub trait Node: Sync {
    /// Reads the current state of node `name` and proposes its step.
    fn plan<'a>(
        &'a self,
        context: &'a PlanContext<'_>,
        name: &'a str,
    ) -> LocalBoxFuture<'a, Result<Step, NodeError>>;

    /// Carries out `step`, which this node kind planned.
    fn apply<'a>(
        &'a self,
        context: &'a ApplyContext<'_>,
        step: &'a Step,
    ) -> LocalBoxFuture<'a, Result<Outcome, NodeError>>;
}

/// Implements [`Node`] for a node kind's unit struct from two expressions that evaluate (inside
/// an `async` block) to `Result<Step, E>` and `Result<Outcome, E>` for the capability's own error
/// `E`, so each `node.rs` states only what its kind does:
///
/// ```ignore
/// impl_node!(ScenarioNode,
///     plan(context, name) => plan(context, name),
///     apply(context, step) => apply(context, step).await,
/// );
/// ```
macro_rules! impl_node {
    ($node:ty,
     plan($plan_context:ident, $name:ident) => $plan:expr,
     apply($apply_context:ident, $step:ident) => $apply:expr $(,)?) => {
        impl $crate::engine::Node for $node {
            fn plan<'a>(
                &'a self,
                $plan_context: &'a $crate::engine::PlanContext<'_>,
                $name: &'a str,
            ) -> futures_util::future::LocalBoxFuture<
                'a,
                Result<$crate::engine::Step, $crate::engine::NodeError>,
            > {
                Box::pin(async move { $plan.map_err($crate::engine::NodeError::new) })
            }

            fn apply<'a>(
                &'a self,
                $apply_context: &'a $crate::engine::ApplyContext<'_>,
                $step: &'a $crate::engine::Step,
            ) -> futures_util::future::LocalBoxFuture<
                'a,
                Result<$crate::engine::Outcome, $crate::engine::NodeError>,
            > {
                Box::pin(async move { $apply.map_err($crate::engine::NodeError::new) })
            }
        }
    };
}
pub(crate) use impl_node;

/// Finds the implementation of a node kind (`crate::nodes::node`).
pub type NodeLookup = fn(NodeKind) -> &'static dyn Node;

/// A node kind's failure, kept as the capability's own diagnostic (code, help, labels), with
/// what the step measured before it failed, if anything (a scenario in which no request
/// completed still has its figures: `apply --json` carries them).
pub struct NodeError(
    Box<dyn Diagnostic + Send + Sync + 'static>,
    Option<serde_json::Value>,
);

impl NodeError {
    /// Wraps a capability's error.
    pub fn new(error: impl Diagnostic + Send + Sync + 'static) -> Self {
        Self(Box::new(error), None)
    }

    /// The same failure, with what the step measured (as [`super::Outcome::metrics`]).
    #[must_use]
    pub fn with_metrics(mut self, metrics: serde_json::Value) -> Self {
        self.1 = Some(metrics);
        self
    }

    /// What the step measured before it failed, if anything.
    #[must_use]
    pub fn metrics(&self) -> Option<&serde_json::Value> {
        self.1.as_ref()
    }
}

impl fmt::Debug for NodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl fmt::Display for NodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl std::error::Error for NodeError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0.source()
    }
}

impl Diagnostic for NodeError {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.0.code()
    }
    fn severity(&self) -> Option<miette::Severity> {
        self.0.severity()
    }
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.0.help()
    }
    fn url<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.0.url()
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.0.source_code()
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        self.0.labels()
    }
    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn Diagnostic> + 'a>> {
        self.0.related()
    }
    fn diagnostic_source(&self) -> Option<&dyn Diagnostic> {
        self.0.diagnostic_source()
    }
}
