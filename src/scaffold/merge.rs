//! The 3-way merge of a re-applied file: base = the last render, ours = the file on disk,
//! theirs = the new render. Delegates to `diffy` (a Myers diff3); conflicting hunks get
//! git-style markers so editors and `git diff` recognise them.

/// The result of merging one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MergeOutcome {
    /// Every hunk merged; the merged text.
    Clean(String),
    /// At least one hunk conflicted; the text with `<<<<<<<`/`=======`/`>>>>>>>` markers.
    Conflict(String),
}

/// Merges the changes from `base` to `theirs` into `ours`.
#[must_use]
pub fn merge_three_way(base: &str, ours: &str, theirs: &str) -> MergeOutcome {
    let mut options = diffy::MergeOptions::new();
    options.set_conflict_style(diffy::ConflictStyle::Merge);
    match options.merge(base, ours, theirs) {
        Ok(text) => MergeOutcome::Clean(text),
        Err(text) => MergeOutcome::Conflict(text),
    }
}

/// Whether `text` still holds an unresolved conflict block.
#[must_use]
pub fn has_conflict_markers(text: &str) -> bool {
    let mut open = false;
    for line in text.lines() {
        if line.starts_with("<<<<<<< ") || line == "<<<<<<<" {
            open = true;
        } else if open && (line.starts_with(">>>>>>> ") || line == ">>>>>>>") {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::{MergeOutcome, has_conflict_markers, merge_three_way};

    #[test]
    fn disjoint_edits_merge_cleanly() {
        let base = "a\nb\nc\nd\ne\n";
        let ours = "a\nB\nc\nd\ne\n";
        let theirs = "a\nb\nc\nd\nE\n";
        assert_eq!(
            merge_three_way(base, ours, theirs),
            MergeOutcome::Clean("a\nB\nc\nd\nE\n".into())
        );
    }

    #[test]
    fn overlapping_edits_conflict_with_markers() {
        let MergeOutcome::Conflict(text) = merge_three_way("a\nb\nc\n", "a\nX\nc\n", "a\nY\nc\n")
        else {
            panic!("expected a conflict");
        };
        assert!(has_conflict_markers(&text), "{text}");
        assert!(text.contains("X\n") && text.contains("Y\n"));
    }
}
