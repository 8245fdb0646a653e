//! What a task's output was made from: format version, parameters, input files and upstream tasks.
//!
//! Luigi called a task complete when its output path existed; filmdex also compares this record,
//! so changed inputs or parameters make the task (and everything after it) run again.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::UNIX_EPOCH;

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Size and modification time of a file or, for a folder, of every file under it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileStamp {
    pub path: String,
    pub bytes: u64,
    pub modified_ns: u128,
}

impl FileStamp {
    /// `None` when the path does not exist.
    pub fn of(path: &Path) -> Result<Option<FileStamp>> {
        if !path.exists() {
            return Ok(None);
        }
        let (bytes, modified_ns) = stamp_tree(path)?;
        Ok(Some(FileStamp {
            path: path.display().to_string(),
            bytes,
            modified_ns,
        }))
    }
}

/// Total size and newest modification time under `path`.
fn stamp_tree(path: &Path) -> Result<(u64, u128)> {
    let meta = std::fs::metadata(path).with_context(|| format!("reading {}", path.display()))?;
    let modified = meta
        .modified()
        .with_context(|| format!("modification time of {}", path.display()))?
        .duration_since(UNIX_EPOCH)
        .map(|age| age.as_nanos())
        .unwrap_or(0);
    if !meta.is_dir() {
        return Ok((meta.len(), modified));
    }
    let mut total = (0, modified);
    for entry in std::fs::read_dir(path).with_context(|| format!("listing {}", path.display()))? {
        let (bytes, newest) = stamp_tree(&entry?.path())?;
        total = (total.0 + bytes, total.1.max(newest));
    }
    Ok(total)
}

/// Everything a task's output depends on. Two equal fingerprints mean the output is up to date.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fingerprint {
    pub format_version: u32,
    pub params: serde_json::Value,
    pub inputs: Vec<FileStamp>,
    /// Upstream task name -> that task's fingerprint digest when this one ran.
    pub upstream: BTreeMap<String, String>,
}

impl Fingerprint {
    pub fn digest(&self) -> String {
        let canonical = serde_json::to_vec(self).expect("a fingerprint always serialises");
        let hash = Sha256::digest(&canonical);
        hash.iter()
            .take(12)
            .map(|byte| format!("{byte:02x}"))
            .collect()
    }

    /// Why `self` (recorded) differs from `now`, in words a user can act on.
    pub fn difference(&self, now: &Fingerprint) -> Option<String> {
        if self.format_version != now.format_version {
            return Some(format!(
                "output format changed (version {} -> {})",
                self.format_version, now.format_version
            ));
        }
        if let Some(reason) = params_difference(&self.params, &now.params) {
            return Some(reason);
        }
        if let Some(reason) = inputs_difference(&self.inputs, &now.inputs) {
            return Some(reason);
        }
        for (name, digest) in &now.upstream {
            if self.upstream.get(name) != Some(digest) {
                return Some(format!("upstream task {name} changed"));
            }
        }
        (self != now).then(|| "its inputs changed".to_owned())
    }
}

fn params_difference(before: &serde_json::Value, now: &serde_json::Value) -> Option<String> {
    if before == now {
        return None;
    }
    let (Some(before), Some(now)) = (before.as_object(), now.as_object()) else {
        return Some("parameters changed".to_owned());
    };
    let changed = now
        .iter()
        .find(|(key, value)| before.get(*key) != Some(*value))
        .map(|(key, value)| {
            let old = before
                .get(key)
                .map_or("unset".to_owned(), |v| v.to_string());
            format!("parameter {key} changed ({old} -> {value})")
        });
    Some(changed.unwrap_or_else(|| "parameters changed".to_owned()))
}

fn inputs_difference(before: &[FileStamp], now: &[FileStamp]) -> Option<String> {
    for stamp in now {
        match before.iter().find(|old| old.path == stamp.path) {
            None => return Some(format!("new input {}", stamp.path)),
            Some(old) if old != stamp => return Some(format!("input {} changed", stamp.path)),
            Some(_) => {}
        }
    }
    before
        .iter()
        .find(|old| !now.iter().any(|stamp| stamp.path == old.path))
        .map(|old| format!("input {} no longer used", old.path))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fingerprint(min_rating: f64, bytes: u64) -> Fingerprint {
        Fingerprint {
            format_version: 1,
            params: json!({"min_rating": min_rating, "min_votes": 500}),
            inputs: vec![FileStamp {
                path: "datasets/title.basics.tsv.gz".into(),
                bytes,
                modified_ns: 7,
            }],
            upstream: BTreeMap::new(),
        }
    }

    #[test]
    fn equal_fingerprints_have_equal_digests_and_no_difference() {
        assert_eq!(fingerprint(6.0, 10).digest(), fingerprint(6.0, 10).digest());
        assert_eq!(fingerprint(6.0, 10).difference(&fingerprint(6.0, 10)), None);
    }

    #[test]
    fn difference_names_the_changed_parameter() {
        let reason = fingerprint(6.0, 10).difference(&fingerprint(7.0, 10));
        assert_eq!(
            reason.as_deref(),
            Some("parameter min_rating changed (6.0 -> 7.0)")
        );
        assert_ne!(fingerprint(6.0, 10).digest(), fingerprint(7.0, 10).digest());
    }

    #[test]
    fn difference_names_the_changed_input() {
        let reason = fingerprint(6.0, 10).difference(&fingerprint(6.0, 11));
        assert_eq!(
            reason.as_deref(),
            Some("input datasets/title.basics.tsv.gz changed")
        );
    }

    #[test]
    fn stamp_of_a_folder_adds_up_its_files() {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("a"), b"abc").expect("write a");
        std::fs::create_dir(dir.path().join("sub")).expect("mkdir");
        std::fs::write(dir.path().join("sub/b"), b"de").expect("write b");
        let stamp = FileStamp::of(dir.path()).expect("stamp").expect("exists");
        assert_eq!(stamp.bytes, 5);
        assert!(FileStamp::of(&dir.path().join("missing"))
            .expect("stamp")
            .is_none());
    }
}
