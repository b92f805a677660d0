//! The one place that knows every capability: each node kind's implementation of
//! [`engine::Node`](crate::engine::Node). The engine reaches it through `PlanContext::nodes`.
//!
//! A new node kind is a folder with its `node.rs`, a `NodeKind` variant with its model, and one
//! line here.

use crate::engine::Node;
use crate::manifest::NodeKind;

/// The implementation of `kind`.
#[must_use]
pub fn node(kind: NodeKind) -> &'static dyn Node {
    match kind {
        NodeKind::Project => &crate::scaffold::ProjectNode,
        NodeKind::Database => &crate::migrate::DatabaseNode,
        NodeKind::Migrations => &crate::migrate::MigrationsNode,
        NodeKind::Mock => &crate::mock::MockNode,
        NodeKind::Service => &crate::service::ServiceNode,
        NodeKind::Scenario => &crate::load::ScenarioNode,
    }
}
