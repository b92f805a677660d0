//! The Step boundary: what one executor proposes to do for one node.
//!
//! Executors read current state during `plan` and describe the change as a [`Step`]; during
//! `apply` they receive the same step back and return an [`Outcome`]. Nothing else crosses the
//! boundary, so a saved plan (JSON) holds everything `apply` needs.

use crate::manifest::Address;
use serde::{Deserialize, Serialize};
use std::fmt;

/// What a step will do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    /// `+` something will be created (files, a database, a history table).
    Create,
    /// `~` something that exists will change (pending migrations, changed files).
    Change,
    /// `=` up to date: nothing to do.
    UpToDate,
    /// `>` will run: services start, scenarios run, every time.
    Run,
}

impl Action {
    /// The plan symbol.
    #[must_use]
    pub fn symbol(self) -> char {
        match self {
            Action::Create => '+',
            Action::Change => '~',
            Action::UpToDate => '=',
            Action::Run => '>',
        }
    }

    /// Whether this action changes anything (for `--detailed-exitcode`).
    #[must_use]
    pub fn is_change(self) -> bool {
        matches!(self, Action::Create | Action::Change)
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Action::Create => "create",
            Action::Change => "change",
            Action::UpToDate => "up to date",
            Action::Run => "run",
        })
    }
}

/// One planned step for one node.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Step {
    /// The node, `kind.name`.
    pub address: Address,
    /// What will happen.
    pub action: Action,
    /// One line for the plan.
    pub summary: String,
    /// More lines, shown with `-v`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<String>,
    /// Warnings shown under the step (lint findings).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// Why `apply` will refuse this step until a person acts (drift, a failed migration): a
    /// step with errors is blocked, and `plan` exits [`crate::exit_code::PLAN_BLOCKED`].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<String>,
    /// Nodes this one needs, filled in by the planner.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub needs: Vec<Address>,
    /// What the executor read to make this step (fingerprinted into the plan so a saved plan can
    /// be refused when the world moved).
    #[serde(default)]
    pub state: String,
    /// Whether this step may run at the same time as neighbouring concurrent steps that do not
    /// need it (scenarios with `parallel #true`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub concurrent: bool,
    /// Executor-private data carried from plan to apply.
    #[serde(default, skip_serializing_if = "serde_json::Value::is_null")]
    pub payload: serde_json::Value,
}

impl Step {
    /// Whether `apply` will refuse the step (it has errors).
    #[must_use]
    pub fn is_blocked(&self) -> bool {
        !self.errors.is_empty()
    }

    /// A step with no details, warnings, errors, state or payload.
    #[must_use]
    pub fn new(address: Address, action: Action, summary: impl Into<String>) -> Self {
        Self {
            address,
            action,
            summary: summary.into(),
            details: Vec::new(),
            warnings: Vec::new(),
            errors: Vec::new(),
            needs: Vec::new(),
            state: String::new(),
            concurrent: false,
            payload: serde_json::Value::Null,
        }
    }
}

/// How a step ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OutcomeStatus {
    /// It did what it planned.
    Done,
    /// It ran, and a threshold was breached (exit 99).
    ThresholdBreached,
}

/// What applying one step did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    /// How it ended.
    pub status: OutcomeStatus,
    /// One line for the apply log.
    pub summary: String,
    /// More lines (reports written, per-migration timings).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<String>,
    /// What the step measured, for programs (`apply --json`): a scenario's figures and
    /// threshold verdicts, in the shape its node kind documents (`docs/load.md`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metrics: Option<serde_json::Value>,
}

impl Outcome {
    /// A successful outcome.
    #[must_use]
    pub fn done(summary: impl Into<String>) -> Self {
        Self {
            status: OutcomeStatus::Done,
            summary: summary.into(),
            details: Vec::new(),
            metrics: None,
        }
    }
}
