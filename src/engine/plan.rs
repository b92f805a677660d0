//! Planning: each executor reads its current state and proposes a [`Step`]; the plan is those
//! steps in dependency order, with a fingerprint of the state they were made against.

use super::{Action, NodeError, PlanContext, Step};
use crate::manifest::{Address, LoadedManifest};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;

/// An ordered set of steps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// The steps, in the order `apply` runs them.
    pub steps: Vec<Step>,
}

impl Plan {
    /// Plans every node of the manifest (or, with `only`, one node and what it needs).
    ///
    /// # Errors
    /// The first executor that cannot read its state.
    pub async fn make(
        context: &PlanContext<'_>,
        only: Option<&Address>,
    ) -> Result<Self, (Address, NodeError)> {
        let loaded = context.loaded;
        let selected: Option<BTreeSet<Address>> = only.map(|address| loaded.graph.closure(address));
        let mut steps = Vec::new();
        for address in loaded.graph.order() {
            if selected
                .as_ref()
                .is_some_and(|selected| !selected.contains(&address))
            {
                continue;
            }
            let mut step = context
                .node(address.kind)
                .plan(context, &address.name)
                .await
                .map_err(|error| (address.clone(), error))?;
            step.needs = loaded.graph.needs(&address);
            // A node's own configuration is part of its state: a saved plan goes stale when
            // the node changes, and `apply` names it.
            let config = loaded
                .value
                .pointer(&format!(
                    "/{}/{}",
                    address.kind,
                    crate::manifest::span_table::escape_segment(&address.name)
                ))
                .map(ToString::to_string)
                .unwrap_or_default();
            let config = hex::encode(Sha256::digest(config.as_bytes()));
            step.state = if step.state.is_empty() {
                format!("config:{config}")
            } else {
                format!("config:{config};{}", step.state)
            };
            steps.push(step);
        }
        Ok(Self { steps })
    }

    /// Whether any step changes something (`--detailed-exitcode`).
    #[must_use]
    pub fn has_changes(&self) -> bool {
        self.steps.iter().any(|step| step.action.is_change())
    }

    /// How many steps `apply` will refuse (steps with errors).
    #[must_use]
    pub fn blocked(&self) -> usize {
        self.steps.iter().filter(|step| step.is_blocked()).count()
    }

    /// SHA-256 over the manifest fingerprint and every step's address, action and state.
    #[must_use]
    pub fn fingerprint(&self, loaded: &LoadedManifest) -> String {
        let mut hasher = Sha256::new();
        hasher.update(loaded.fingerprint.as_bytes());
        for step in &self.steps {
            hasher.update(step.address.to_string().as_bytes());
            hasher.update([0]);
            hasher.update(step.action.to_string().as_bytes());
            hasher.update([0]);
            hasher.update(step.state.as_bytes());
            hasher.update([0]);
        }
        hex::encode(hasher.finalize())
    }

    /// Counts per action, in symbol order, of the steps that are not blocked ([`Plan::blocked`]
    /// counts those).
    #[must_use]
    pub fn counts(&self) -> [(Action, usize); 4] {
        let count = |action| {
            self.steps
                .iter()
                .filter(|step| step.action == action && !step.is_blocked())
                .count()
        };
        [
            (Action::Create, count(Action::Create)),
            (Action::Change, count(Action::Change)),
            (Action::Run, count(Action::Run)),
            (Action::UpToDate, count(Action::UpToDate)),
        ]
    }
}
