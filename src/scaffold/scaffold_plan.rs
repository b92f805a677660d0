//! Planning and applying a scaffold: render in memory, compare every file with the disk and
//! the record of the last render, then write only what the plan says.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::confined_dir::ConfinedDir;
use super::error::ScaffoldError;
use super::file_plan::{FileAction, FilePlan};
use super::merge::{MergeOutcome, has_conflict_markers, merge_three_way};
use super::options::ScaffoldOptions;
use super::record::{RECORD_PATH, RecordedFile, ScaffoldRecord, sha256_hex};
use super::rel_path::RelPath;
use super::template_set::{render, template_version};

/// The plan for one project directory.
#[derive(Debug, Clone, Serialize)]
pub struct ScaffoldPlan {
    /// The project directory.
    pub target: PathBuf,
    /// The directory below which no symlink is followed: the manifest's directory for a
    /// `project` node, the project directory itself for `backendctl scaffold`.
    #[serde(skip)]
    pub root: PathBuf,
    /// Whether the project has been scaffolded before.
    pub exists: bool,
    /// The template version the record was made with, when there is a record.
    pub previous_template_version: Option<String>,
    /// The template version this plan renders.
    pub template_version: String,
    /// One entry per file, sorted by path.
    pub files: Vec<FilePlan>,
    /// The record written after a successful apply.
    #[serde(skip)]
    pub next_record: ScaffoldRecord,
}

impl ScaffoldPlan {
    /// Confines the writes of this plan below `root`, which must contain the target: no
    /// directory between them may be a symlink.
    #[must_use]
    pub fn confined_to(mut self, root: &Path) -> Self {
        root.clone_into(&mut self.root);
        self
    }

    /// Whether applying would change anything.
    #[must_use]
    pub fn has_changes(&self) -> bool {
        !self.exists || self.files.iter().any(|f| f.action.writes())
    }

    /// Files that will be (or still are) left with conflict markers.
    #[must_use]
    pub fn conflicts(&self) -> Vec<String> {
        self.files
            .iter()
            .filter(|f| f.action == FileAction::Conflict)
            .map(|f| f.path.to_string())
            .collect()
    }

    /// The number of files per action, for a summary line.
    #[must_use]
    pub fn counts(&self) -> BTreeMap<FileAction, usize> {
        let mut counts = BTreeMap::new();
        for f in &self.files {
            *counts.entry(f.action).or_insert(0) += 1;
        }
        counts
    }

    /// A one-line summary: `12 create, 3 unchanged`.
    #[must_use]
    pub fn summary(&self) -> String {
        let parts: Vec<String> = self
            .counts()
            .into_iter()
            .map(|(action, n)| format!("{n} {}", action.label()))
            .collect();
        parts.join(", ")
    }

    /// One line per file that is not unchanged: `create  src/app.ts`.
    #[must_use]
    pub fn details(&self) -> Vec<String> {
        self.files
            .iter()
            .filter(|f| f.action != FileAction::Unchanged)
            .map(|f| match &f.note {
                Some(note) => format!("{:<9} {}  ({note})", f.action.label(), f.path),
                None => format!("{:<9} {}", f.action.label(), f.path),
            })
            .collect()
    }

    /// A fingerprint of everything this plan read, so a saved plan can be refused when stale.
    #[must_use]
    pub fn fingerprint(&self) -> String {
        let mut text = String::new();
        for f in &self.files {
            text.push_str(f.path.as_str());
            text.push('\t');
            text.push_str(f.action.label());
            text.push('\t');
            text.push_str(&f.write.as_deref().map(sha256_hex).unwrap_or_default());
            text.push('\n');
        }
        sha256_hex(&text)
    }
}

/// Plans the scaffold of `options` into `target`.
///
/// # Errors
/// A non-empty directory without a record (unless `force`), an unreadable record or file, or a
/// template error.
pub fn plan_scaffold(
    target: &Path,
    options: &ScaffoldOptions,
    force: bool,
) -> Result<ScaffoldPlan, ScaffoldError> {
    options.name.check_for(options.stack)?;
    let record = ScaffoldRecord::load(target)?;
    if record.is_none() && !force && is_non_empty_dir(target)? {
        return Err(ScaffoldError::NotEmpty(target.to_path_buf()));
    }
    let rendered = render(options)?;
    let empty = BTreeMap::new();
    let recorded = record.as_ref().map_or(&empty, |r| &r.files);

    let mut files = Vec::new();
    let mut next_files = BTreeMap::new();
    for (path, theirs) in &rendered {
        let on_disk = read_if_exists(&path.under(target))?;
        let base = recorded.get(path.as_str());
        let (plan, entry) = plan_file(path, theirs, on_disk.as_deref(), base);
        files.push(plan);
        next_files.insert(path.to_string(), entry);
    }
    for (path, base) in recorded {
        if rendered.keys().any(|p| p.as_str() == path) {
            continue;
        }
        let path = RelPath::new(path)?;
        let on_disk = read_if_exists(&path.under(target))?;
        let action = match on_disk {
            None => continue,
            Some(text) if text == base.base => FileAction::Remove,
            Some(_) => FileAction::KeepOrphan,
        };
        files.push(FilePlan {
            path,
            action,
            write: None,
            note: None,
        });
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));

    let database = options.features.contains(&super::Feature::Database);
    Ok(ScaffoldPlan {
        target: target.to_path_buf(),
        root: target.to_path_buf(),
        exists: record.is_some(),
        previous_template_version: record.as_ref().map(|r| r.template_version.clone()),
        template_version: template_version().to_owned(),
        files,
        next_record: ScaffoldRecord {
            format: 1,
            template_version: template_version().to_owned(),
            name: options.name.to_string(),
            stack: options.stack,
            features: options.features.iter().copied().collect(),
            database_engine: database.then_some(options.data.engine),
            data_layer: database.then(|| options.data.layer()),
            files: next_files,
        },
    })
}

/// Decides one rendered file: the plan entry and its next record entry.
fn plan_file(
    path: &RelPath,
    theirs: &str,
    ours: Option<&str>,
    base: Option<&RecordedFile>,
) -> (FilePlan, RecordedFile) {
    let mut entry = RecordedFile::new(theirs);
    let plan = |action, write: Option<&str>, note: Option<&str>| FilePlan {
        path: path.clone(),
        action,
        write: write.map(str::to_owned),
        note: note.map(str::to_owned),
    };
    let file = match (ours, base) {
        // Never rendered before.
        (None, None) => plan(FileAction::Create, Some(theirs), None),
        (Some(ours), None) if ours == theirs => plan(FileAction::Unchanged, None, None),
        // A file backendctl did not write (scaffolding with --force): merge against an empty base.
        (Some(ours), None) => match merge_three_way("", ours, theirs) {
            MergeOutcome::Clean(merged) => plan(FileAction::Merge, Some(&merged), None),
            MergeOutcome::Conflict(marked) => {
                entry.conflicted = true;
                plan(
                    FileAction::Conflict,
                    Some(&marked),
                    Some("existing file differs"),
                )
            }
        },
        // The user deleted it: it stays deleted.
        (None, Some(_)) => {
            entry.deleted = true;
            plan(FileAction::KeepDeleted, None, None)
        }
        (Some(ours), Some(base)) => {
            if base.conflicted && has_conflict_markers(ours) {
                entry.conflicted = true;
                // Keep the old base so the next apply merges the same change again.
                entry.base.clone_from(&base.base);
                entry.sha256.clone_from(&base.sha256);
                plan(
                    FileAction::Conflict,
                    None,
                    Some("conflict markers from the last apply are not resolved"),
                )
            } else if ours == theirs {
                plan(FileAction::Unchanged, None, None)
            } else if ours == base.base {
                plan(FileAction::Update, Some(theirs), None)
            } else if theirs == base.base {
                plan(FileAction::KeepEdited, None, None)
            } else {
                match merge_three_way(&base.base, ours, theirs) {
                    MergeOutcome::Clean(merged) => plan(FileAction::Merge, Some(&merged), None),
                    MergeOutcome::Conflict(marked) => {
                        entry.conflicted = true;
                        plan(FileAction::Conflict, Some(&marked), None)
                    }
                }
            }
        }
    };
    (file, entry)
}

/// Writes `plan` to disk and records the render.
///
/// # Errors
/// A write failure, a path escaping the project through a symlink, or — after everything else
/// was written and recorded — [`ScaffoldError::Conflicts`] when files have conflict markers.
pub fn apply_scaffold(plan: &ScaffoldPlan) -> Result<(), ScaffoldError> {
    let root = ConfinedDir::open(&plan.root)?;
    let target = plan
        .target
        .strip_prefix(&plan.root)
        .map_err(|_| ScaffoldError::Escapes {
            path: plan.target.clone(),
            root: plan.root.clone(),
        })?;
    for file in &plan.files {
        let path = file.path.under(target);
        match (file.action, &file.write) {
            (FileAction::Remove, _) => root.remove(&path)?,
            (_, Some(text)) => root.write(&path, text)?,
            (_, None) => {}
        }
    }
    plan.next_record.save(&root, target)?;
    let conflicts = plan.conflicts();
    if conflicts.is_empty() {
        Ok(())
    } else {
        Err(ScaffoldError::Conflicts(conflicts))
    }
}

fn is_non_empty_dir(dir: &Path) -> Result<bool, ScaffoldError> {
    match std::fs::read_dir(dir) {
        Ok(mut entries) => Ok(entries.next().is_some()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(ScaffoldError::Io {
            path: dir.to_path_buf(),
            source: e,
        }),
    }
}

fn read_if_exists(path: &Path) -> Result<Option<String>, ScaffoldError> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(ScaffoldError::Io {
            path: path.to_path_buf(),
            source: e,
        }),
    }
}

/// The record's path, for messages.
#[must_use]
pub fn record_path(target: &Path) -> PathBuf {
    target.join(RECORD_PATH)
}
