//! The record of every task's last successful run, kept in `.filmdex/state.json`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use super::fingerprint::{FileStamp, Fingerprint};
use super::staging::write_file_atomically;

/// What one successful run of a task produced, and from what.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TaskRecord {
    pub fingerprint: Fingerprint,
    pub digest: String,
    /// RFC 3339, UTC.
    pub finished_at: String,
    pub duration_ms: u64,
    pub rows_out: u64,
    /// Stamps of the outputs as written, so that a hand-edited or deleted output is noticed.
    pub outputs: Vec<FileStamp>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct BuildState {
    pub tasks: BTreeMap<String, TaskRecord>,
}

/// Loads and saves [`BuildState`]; every save replaces the file atomically.
pub struct StateFile {
    path: PathBuf,
}

impl StateFile {
    pub fn new(state_dir: &Path) -> Self {
        Self {
            path: state_dir.join("state.json"),
        }
    }

    /// A missing file is an empty state; an unreadable one is an error rather than a silent
    /// full rebuild, so that a user learns why.
    pub fn load(&self) -> Result<BuildState> {
        match std::fs::read(&self.path) {
            Ok(bytes) => serde_json::from_slice(&bytes).with_context(|| {
                format!(
                    "{} is not a filmdex state file; delete it to rebuild everything",
                    self.path.display()
                )
            }),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(BuildState::default()),
            Err(error) => Err(error).with_context(|| format!("reading {}", self.path.display())),
        }
    }

    pub fn save(&self, state: &BuildState) -> Result<()> {
        let bytes = serde_json::to_vec_pretty(state).context("serialising the build state")?;
        write_file_atomically(&self.path, &bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_saved_state_loads_back() {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = StateFile::new(dir.path());
        assert!(file.load().expect("empty").tasks.is_empty());
        let mut state = BuildState::default();
        state.tasks.insert(
            "prep".into(),
            TaskRecord {
                fingerprint: Fingerprint {
                    format_version: 1,
                    params: serde_json::json!({}),
                    inputs: vec![],
                    upstream: BTreeMap::new(),
                },
                digest: "abc".into(),
                finished_at: "2026-01-01T00:00:00Z".into(),
                duration_ms: 5,
                rows_out: 7,
                outputs: vec![],
            },
        );
        file.save(&state).expect("save");
        assert_eq!(file.load().expect("load").tasks["prep"].rows_out, 7);
    }

    #[test]
    fn a_corrupt_state_is_a_clear_error() {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("state.json"), b"{not json").expect("write");
        let error = StateFile::new(dir.path()).load().expect_err("corrupt");
        assert!(format!("{error:#}").contains("not a filmdex state file"));
    }
}
