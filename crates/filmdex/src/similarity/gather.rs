//! `filmdex build load --pairs LOCATION`: finds a complete set of pair files made elsewhere —
//! every shard of one sharded run, or a Spark job's output — and refuses an incomplete one.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use sha2::{Digest, Sha256};

use super::shard::{manifest_name, read_manifest, ShardManifest};
use crate::config::SimilarityParams;
use crate::exit::ExitKind;
use crate::storage::{Entry, Location};

/// Spark's committer writes this marker when a job's output is whole.
const SPARK_SUCCESS: &str = "_SUCCESS";

/// A complete set of `films_cos_sim`-shaped parquet files.
#[derive(Debug, Clone)]
pub struct PairSet {
    pub files: Vec<Entry>,
    pub origin: PairOrigin,
}

#[derive(Debug, Clone)]
pub enum PairOrigin {
    /// All `count` shards of one run; their manifests agree on films and parameters.
    Shards {
        count: u32,
        films_sha256: String,
        params: SimilarityParams,
    },
    /// A Spark job's output folder (`_SUCCESS` present).
    Spark,
}

impl PairSet {
    /// What the set is, for fingerprints: names and sizes of its files, and its parameters.
    pub fn digest(&self) -> String {
        let mut hasher = Sha256::new();
        for file in &self.files {
            hasher.update(format!("{}\t{}\n", file.name, file.bytes));
        }
        if let PairOrigin::Shards {
            films_sha256,
            params,
            ..
        } = &self.origin
        {
            hasher.update(films_sha256);
            hasher.update(serde_json::to_vec(params).expect("parameters serialise"));
        }
        hasher
            .finalize()
            .iter()
            .take(12)
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// Local paths of the files: where they are, or downloaded into `scratch`.
    pub fn local_files(&self, location: &Location, scratch: &Path) -> Result<Vec<PathBuf>> {
        if let Some(folder) = location.local_folder() {
            return Ok(self.files.iter().map(|f| folder.join(&f.name)).collect());
        }
        std::fs::create_dir_all(scratch)
            .with_context(|| format!("creating {}", scratch.display()))?;
        let mut paths = Vec::new();
        for (i, file) in self.files.iter().enumerate() {
            let dest = scratch.join(format!("pairs-{i:05}.parquet"));
            location.download(&file.name, &dest)?;
            paths.push(dest);
        }
        Ok(paths)
    }
}

/// The complete pair set at `location`, or an error that says what is missing (a
/// [`ExitKind::Data`] error, unless the location could not be listed).
pub fn gather(location: &Location) -> Result<PairSet> {
    let entries = location.list()?;
    pair_set(location, entries).map_err(|error| ExitKind::Data.mark(error))
}

fn pair_set(location: &Location, entries: Vec<Entry>) -> Result<PairSet> {
    for entry in &entries {
        if let Some((index, count)) = parse_manifest_name(&entry.name) {
            if index >= count {
                bail!(
                    "{} is not a filmdex shard manifest: its name says shard {index} of a run of \
                     {count} shards; remove it",
                    location.show(&entry.name)
                );
            }
        }
    }
    let counts: BTreeSet<u32> = entries
        .iter()
        .filter_map(|entry| parse_manifest_name(&entry.name))
        .map(|(_, count)| count)
        .collect();
    match counts.len() {
        0 if entries.iter().any(|e| e.name == SPARK_SUCCESS) => Ok(PairSet {
            files: entries
                .into_iter()
                .filter(|e| e.name.ends_with(".parquet") && !is_hidden(&e.name))
                .collect(),
            origin: PairOrigin::Spark,
        }),
        0 => bail!(
            "{location} holds no filmdex shard (part-IIII-of-NNNN.json) and no Spark output \
             (_SUCCESS): run `filmdex build similarity --shard I/N --pairs {location}` for every \
             shard, or point --pairs at a finished Spark job's output"
        ),
        1 => gather_shards(location, &entries, *counts.first().expect("one count")),
        _ => bail!(
            "{location} mixes shards of runs split {}-ways: remove the old run's \
             part-*-of-* files, or use a fresh --pairs location per run",
            counts
                .iter()
                .map(|c| c.to_string())
                .collect::<Vec<_>>()
                .join("-, ")
        ),
    }
}

fn gather_shards(location: &Location, entries: &[Entry], count: u32) -> Result<PairSet> {
    let mut missing = Vec::new();
    let mut manifests: Vec<ShardManifest> = Vec::new();
    for index in 0..count {
        match read_manifest(location, index, count)? {
            Some(manifest) => manifests.push(manifest),
            None => missing.push(index),
        }
    }
    if !missing.is_empty() {
        let shown: Vec<String> = missing
            .iter()
            .take(12)
            .map(|i| format!("{i}/{count}"))
            .collect();
        let more = match missing.len() {
            n if n > 12 => format!(" and {} more", n - 12),
            _ => String::new(),
        };
        bail!(
            "{location} is incomplete: {} of {count} shards are missing: {}{more} (no {} ...); \
             run `filmdex build similarity --shard {}/{count} --pairs {location}` (and the others) \
             before loading",
            missing.len(),
            shown.join(", "),
            manifest_name(missing[0], count),
            missing[0],
        );
    }
    let Some(first) = manifests.first() else {
        bail!("{location} holds a run of 0 shards: remove its part-*-of-0000.json files");
    };
    let mut files = Vec::new();
    for manifest in &manifests {
        if manifest.films_sha256 != first.films_sha256 {
            bail!(
                "shards {} and {} of {location} were computed from different films tables; \
                 rerun the shards from one films table",
                first.shard,
                manifest.shard
            );
        }
        if manifest.params != first.params {
            bail!(
                "shards {} and {} of {location} were computed with different parameters \
                 ({:?} vs {:?}); rerun them with the same ones",
                first.shard,
                manifest.shard,
                first.params,
                manifest.params
            );
        }
        for file in &manifest.files {
            let Some(entry) = entries.iter().find(|e| e.name == file.name) else {
                bail!(
                    "shard {} of {location} is incomplete: its part {} is missing; rerun \
                     `filmdex build similarity --shard {} --pairs {location}`",
                    manifest.shard,
                    file.name,
                    manifest.shard
                );
            };
            if entry.bytes != file.bytes {
                bail!(
                    "shard {} of {location}: part {} has {} bytes, its manifest says {}; rerun \
                     `filmdex build similarity --shard {} --pairs {location} --force`",
                    manifest.shard,
                    file.name,
                    entry.bytes,
                    file.bytes,
                    manifest.shard
                );
            }
            files.push(entry.clone());
        }
    }
    Ok(PairSet {
        files,
        origin: PairOrigin::Shards {
            count,
            films_sha256: first.films_sha256.clone(),
            params: first.params.clone(),
        },
    })
}

/// `part-0003-of-0008.json` -> (3, 8).
fn parse_manifest_name(name: &str) -> Option<(u32, u32)> {
    let stem = name.strip_prefix("part-")?.strip_suffix(".json")?;
    let (index, count) = stem.split_once("-of-")?;
    Some((index.parse().ok()?, count.parse().ok()?))
}

/// Spark and Hadoop keep their bookkeeping in `_*` and `.*` files.
fn is_hidden(name: &str) -> bool {
    name.rsplit('/')
        .next()
        .is_some_and(|base| base.starts_with('_') || base.starts_with('.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifest_names_parse() {
        assert_eq!(parse_manifest_name("part-0003-of-0008.json"), Some((3, 8)));
        assert_eq!(parse_manifest_name("part-0003-of-0008-00000.parquet"), None);
        assert_eq!(parse_manifest_name("part-00000.parquet"), None);
    }

    /// A folder holding only `files` (name, content), as a `--pairs` location.
    fn pairs_folder(files: &[(&str, &str)]) -> (tempfile::TempDir, Location) {
        let dir = tempfile::tempdir().expect("temp dir");
        for (name, content) in files {
            std::fs::write(dir.path().join(name), content).expect("write a file");
        }
        let location = Location::parse(&dir.path().display().to_string()).expect("a folder");
        (dir, location)
    }

    #[test]
    fn a_manifest_of_a_run_of_zero_shards_is_refused_naming_the_file() {
        let (_dir, location) = pairs_folder(&[("part-0000-of-0000.json", "{}")]);
        let error = format!("{:#}", gather(&location).expect_err("refused"));
        assert!(
            error.contains("part-0000-of-0000.json") && error.contains("0 shards"),
            "{error}"
        );
        let (_dir, location) = pairs_folder(&[("part-0003-of-0002.json", "{}")]);
        let error = format!("{:#}", gather(&location).expect_err("refused"));
        assert!(
            error.contains("part-0003-of-0002.json") && error.contains("shard 3 of a run of 2"),
            "{error}"
        );
    }

    #[test]
    fn a_manifest_with_a_short_films_hash_is_refused_naming_the_file() {
        let mut manifest = crate::similarity::shard::tests::valid_manifest(0, 1);
        manifest["films_sha256"] = serde_json::json!("abc");
        let part = "x".repeat(1234);
        let (_dir, location) = pairs_folder(&[
            ("part-0000-of-0001.json", &manifest.to_string()),
            ("part-0000-of-0001-00000.parquet", &part),
        ]);
        let error = format!("{:#}", gather(&location).expect_err("refused"));
        assert!(
            error.contains("part-0000-of-0001.json") && error.contains("films_sha256"),
            "{error}"
        );
    }

    #[test]
    fn spark_bookkeeping_is_hidden() {
        assert!(is_hidden("_SUCCESS"));
        assert!(is_hidden("sub/.part-0.crc"));
        assert!(!is_hidden("part-00000-abc.snappy.parquet"));
    }
}
