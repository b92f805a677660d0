//! Exit codes, in one place. They are part of the interface: CI scripts branch on them.
//! `docs/architecture.md` carries the same table; every code the program returns is one of these.
//!
//! | code | constant | meaning |
//! |---|---|---|
//! | 0 | [`OK`] | success; for `plan --detailed-exitcode`, no changes |
//! | 1 | [`ERROR`] | error (I/O, a database unreachable, a step failed) |
//! | 1 | [`LINT_FINDINGS`] | `migrate lint` found something |
//! | 1 | [`PLAN_BLOCKED`] | `plan`: a step is blocked (apply will refuse it: drift, a failed migration) |
//! | 1 | [`DECLINED`] | `apply`: the confirmation was answered no; nothing was applied (as terraform) |
//! | 2 | [`PLAN_HAS_CHANGES`] | `plan --detailed-exitcode`: the plan has changes (as terraform) |
//! | 2 | [`MIGRATIONS_PENDING`] | `migrate status`: some migrations are pending |
//! | 3 | [`INVALID_MANIFEST`] | the manifest is invalid (syntax, schema or references) |
//! | 64 | [`USAGE`] | command-line usage error (also `apply` with no terminal to confirm on and no `--yes`) |
//! | 99 | [`THRESHOLD_BREACHED`] | a threshold was breached (as k6) |
//! | 129 | [`HANGUP`] | stopped by SIGHUP |
//! | 130 | [`INTERRUPTED`] | interrupted (Ctrl-C, SIGINT) |
//! | 143 | [`TERMINATED`] | stopped by SIGTERM |

/// Success.
pub const OK: u8 = 0;
/// Something went wrong.
pub const ERROR: u8 = 1;
/// `migrate lint` found dangerous statements.
pub const LINT_FINDINGS: u8 = 1;
/// `plan` found a step that apply will refuse (drift, a failed migration): an error, as terraform's
/// plan exits 1 on one, with or without `--detailed-exitcode`.
pub const PLAN_BLOCKED: u8 = 1;
/// `apply`'s confirmation was answered no: nothing was applied, and a script that pressed on
/// regardless must not read that as success (terraform exits 1 too).
pub const DECLINED: u8 = 1;
/// `plan --detailed-exitcode` found changes.
pub const PLAN_HAS_CHANGES: u8 = 2;
/// `migrate status`: at least one migration is pending (and nothing needs attention).
pub const MIGRATIONS_PENDING: u8 = 2;
/// The manifest is invalid.
pub const INVALID_MANIFEST: u8 = 3;
/// The command line is wrong.
pub const USAGE: u8 = 64;
/// A load threshold was breached.
pub const THRESHOLD_BREACHED: u8 = 99;
/// Stopped by SIGHUP (128 + 1).
pub const HANGUP: u8 = 129;
/// Interrupted by Ctrl-C (128 + SIGINT).
pub const INTERRUPTED: u8 = 130;
/// Stopped by SIGTERM (128 + 15), as CI runners cancel jobs.
pub const TERMINATED: u8 = 143;
