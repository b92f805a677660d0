//! What happens to one file of a project when it is (re-)applied.

use serde::Serialize;

use super::rel_path::RelPath;

/// The fate of one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FileAction {
    /// A new file.
    Create,
    /// The template changed and the user did not edit the file: it is replaced.
    Update,
    /// The template and the user both changed the file; their hunks merge cleanly.
    Merge,
    /// The template and the user changed the same lines: the file gets conflict markers
    /// and the apply fails.
    Conflict,
    /// The file is as rendered.
    Unchanged,
    /// The user edited the file and the template did not change it: the edit stays.
    KeepEdited,
    /// The user deleted the file: it stays deleted.
    KeepDeleted,
    /// The new options no longer generate this file and the user did not edit it: it is removed.
    Remove,
    /// The new options no longer generate this file but the user edited it: it stays.
    KeepOrphan,
}

impl FileAction {
    /// The word shown in a plan.
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            FileAction::Create => "create",
            FileAction::Update => "update",
            FileAction::Merge => "merge",
            FileAction::Conflict => "conflict",
            FileAction::Unchanged => "unchanged",
            FileAction::KeepEdited => "keep (edited)",
            FileAction::KeepDeleted => "keep deleted",
            FileAction::Remove => "remove",
            FileAction::KeepOrphan => "keep (no longer generated, edited)",
        }
    }

    /// Whether applying this action touches the disk.
    #[must_use]
    pub fn writes(self) -> bool {
        matches!(
            self,
            FileAction::Create
                | FileAction::Update
                | FileAction::Merge
                | FileAction::Conflict
                | FileAction::Remove
        )
    }
}

/// One file's plan: what to do and, for writes, the exact text to write.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FilePlan {
    /// The file, relative to the project directory.
    pub path: RelPath,
    /// What happens to it.
    pub action: FileAction,
    /// The text written for `create`/`update`/`merge`/`conflict`.
    #[serde(skip)]
    pub write: Option<String>,
    /// Why, when the action needs an explanation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}
