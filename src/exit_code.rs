//! Exit codes, in one place. They are part of the interface: CI scripts branch on them.
//!
//! | code | meaning |
//! |---|---|
//! | 0 | success; for `plan --detailed-exitcode`, no changes |
//! | 1 | error (I/O, a database unreachable, a step failed) |
//! | 2 | `plan --detailed-exitcode`: the plan has changes (as terraform) |
//! | 3 | the manifest is invalid (syntax, schema or references) |
//! | 64 | command-line usage error |
//! | 99 | a threshold was breached (as k6) |
//! | 130 | interrupted (Ctrl-C) |

/// Success.
pub const OK: u8 = 0;
/// Something went wrong.
pub const ERROR: u8 = 1;
/// `plan --detailed-exitcode` found changes.
pub const PLAN_HAS_CHANGES: u8 = 2;
/// The manifest is invalid.
pub const INVALID_MANIFEST: u8 = 3;
/// The command line is wrong.
pub const USAGE: u8 = 64;
/// A load threshold was breached.
pub const THRESHOLD_BREACHED: u8 = 99;
/// Interrupted by Ctrl-C.
pub const INTERRUPTED: u8 = 130;
