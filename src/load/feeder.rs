//! The CSV data feeder: each iteration takes the next row (round robin over all virtual users),
//! exposed to templates as `{{ data.COLUMN }}`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Rows read once at the start of the run.
#[derive(Debug, Default)]
pub(crate) struct Feeder {
    rows: Vec<BTreeMap<String, String>>,
    next: AtomicUsize,
}

/// A feeder file that cannot be used.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum FeederError {
    #[error("cannot read the data file {}: {source}", path.display())]
    #[diagnostic(
        code("load::unreadable-data-file"),
        help("the data file is CSV with a header line, relative to the manifest")
    )]
    Read { path: PathBuf, source: csv::Error },
    #[error("the data file {} has a header but no rows", path.display())]
    #[diagnostic(
        code("load::empty-data-file"),
        help("add at least one row under the header line")
    )]
    Empty { path: PathBuf },
}

impl Feeder {
    /// Reads a CSV file with a header line.
    pub(crate) fn read(path: &Path) -> Result<Self, FeederError> {
        let read_err = |source| FeederError::Read {
            path: path.to_owned(),
            source,
        };
        let mut reader = csv::Reader::from_path(path).map_err(read_err)?;
        let headers = reader.headers().map_err(read_err)?.clone();
        let mut rows = Vec::new();
        for record in reader.records() {
            let record = record.map_err(read_err)?;
            rows.push(
                headers
                    .iter()
                    .zip(record.iter())
                    .map(|(h, v)| (h.to_owned(), v.to_owned()))
                    .collect(),
            );
        }
        if rows.is_empty() {
            return Err(FeederError::Empty {
                path: path.to_owned(),
            });
        }
        Ok(Self {
            rows,
            next: AtomicUsize::new(0),
        })
    }

    /// The next row, or none without a feeder.
    pub(crate) fn next_row(&self) -> Option<&BTreeMap<String, String>> {
        if self.rows.is_empty() {
            return None;
        }
        let i = self.next.fetch_add(1, Ordering::Relaxed) % self.rows.len();
        self.rows.get(i)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_served_round_robin() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("users.csv");
        std::fs::write(&path, "user,password\nann,a1\nbob,b2\n").unwrap();
        let feeder = Feeder::read(&path).unwrap();
        let names: Vec<_> = (0..3)
            .map(|_| feeder.next_row().unwrap()["user"].clone())
            .collect();
        assert_eq!(names, ["ann", "bob", "ann"]);
    }

    #[test]
    fn a_file_without_rows_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("empty.csv");
        std::fs::write(&path, "user\n").unwrap();
        assert!(matches!(
            Feeder::read(&path),
            Err(FeederError::Empty { .. })
        ));
    }
}
