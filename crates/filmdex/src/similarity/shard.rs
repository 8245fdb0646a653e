//! Task `similarity[I/N]` (`filmdex build similarity --shard I/N`): the neighbours of one shard
//! of the films, for runs spread over machines (a Kubernetes Indexed Job, a Slurm array, several
//! processes here).
//!
//! Every shard reads the same films parquet and needs nothing from the other shards. It writes
//! its parquet parts, then last a manifest (`part-IIII-of-NNNN.json`) saying what they were made
//! from (a fingerprint: parameters, shard, and the films file's SHA-256) and what they hold. The
//! manifest is the shard's completion record, kept beside the parts where every machine sees it
//! (a local `.filmdex/state.json` would only be seen by one): a rerun whose fingerprint matches
//! a manifest whose parts are all there is skipped. `load --pairs` (`gather.rs`) merges the
//! shards and refuses an incomplete set.

use std::cell::OnceCell;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, ensure, Context, Result};
use filmdex_similarity::{FilmSelection, Shard};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::write_pairs::PairWriter;
use super::{read_matrix, write_neighbours};
use crate::config::SimilarityParams;
use crate::duck::{self, DuckSettings};
use crate::pipeline::fingerprint::Fingerprint;
use crate::pipeline::lock::BuildLock;
use crate::pipeline::state::TaskRecord;
use crate::pipeline::{now_rfc3339, OwnRecord, Task, TaskContext, TaskName, TaskOutput, Verdict};
use crate::storage::Location;

/// Bumped when the shard outputs change meaning.
const SHARD_FORMAT: u32 = 1;

/// Where the films table comes from.
#[derive(Debug, Clone)]
pub enum FilmsSource {
    /// This workdir's films table, made by task `prep` of the same build.
    Built(PathBuf),
    /// A parquet file on this machine, given with `--films`.
    Local(PathBuf),
    /// A parquet object in a bucket, downloaded before use.
    Remote { folder: Location, name: String },
}

impl FilmsSource {
    /// `s3://bucket/run/films.parquet` (or gs://, az://) or a local file path.
    pub fn parse(text: &str) -> Result<FilmsSource> {
        if !text.contains("://") || text.starts_with("file://") {
            let path = text.strip_prefix("file://").unwrap_or(text);
            return Ok(FilmsSource::Local(PathBuf::from(path)));
        }
        let Some((folder, name)) = text.rsplit_once('/') else {
            bail!("{text}: give the films parquet file, e.g. s3://bucket/run/films.parquet");
        };
        if name.is_empty() || folder.ends_with(':') || folder.ends_with(":/") {
            bail!("{text}: give the films parquet file, e.g. s3://bucket/run/films.parquet");
        }
        Ok(FilmsSource::Remote {
            folder: Location::parse(folder)?,
            name: name.to_owned(),
        })
    }
}

/// Task `similarity[I/N]`: one shard's parts and manifest in `pairs`.
#[derive(Debug)]
pub struct ShardTask {
    shard: Shard,
    films: FilmsSource,
    /// Where the parts and manifests of every shard go (a folder or bucket prefix).
    pairs: Location,
    params: SimilarityParams,
    duck: DuckSettings,
    /// Local working space: downloaded films, parts before upload, the shard's lock.
    scratch: PathBuf,
    /// The films parquet on this disk and its SHA-256, found once, when the task is judged, and
    /// used again when it runs.
    local_films: OnceCell<(PathBuf, String)>,
}

/// What a shard's manifest records.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShardManifest {
    /// `I/N`.
    pub shard: String,
    pub index: u32,
    pub count: u32,
    pub fingerprint: Fingerprint,
    pub digest: String,
    pub films_sha256: String,
    pub params: SimilarityParams,
    /// Films whose rows this shard computed.
    pub films: u64,
    pub rows: u64,
    pub files: Vec<ShardFile>,
    pub finished_at: String,
    pub duration_ms: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShardFile {
    pub name: String,
    pub bytes: u64,
}

/// `part-0003-of-0008`: zero-padded so that names sort by shard.
pub fn shard_stem(index: u32, count: u32) -> String {
    format!("part-{index:04}-of-{count:04}")
}

pub fn manifest_name(index: u32, count: u32) -> String {
    format!("{}.json", shard_stem(index, count))
}

impl ShardTask {
    pub fn new(
        shard: Shard,
        films: FilmsSource,
        pairs: Location,
        params: SimilarityParams,
        duck: DuckSettings,
        scratch: PathBuf,
    ) -> Self {
        Self {
            shard,
            films,
            pairs,
            params,
            duck,
            scratch,
            local_films: OnceCell::new(),
        }
    }
}

impl Task for ShardTask {
    fn name(&self) -> TaskName {
        TaskName::Shard(self.shard)
    }
    fn upstream(&self) -> Vec<TaskName> {
        match self.films {
            FilmsSource::Built(_) => vec![TaskName::Prep],
            FilmsSource::Local(_) | FilmsSource::Remote { .. } => Vec::new(),
        }
    }
    fn format_version(&self) -> u32 {
        SHARD_FORMAT
    }
    fn params(&self) -> serde_json::Value {
        let mut params = serde_json::to_value(&self.params).expect("parameters serialise");
        params["shard"] = serde_json::json!(self.shard.to_string());
        params
    }
    fn inputs(&self) -> Vec<PathBuf> {
        Vec::new()
    }
    /// None on this disk: the parts and the manifest go to `pairs`, maybe a bucket.
    fn outputs(&self) -> Vec<PathBuf> {
        Vec::new()
    }
    fn run(&self, _context: &TaskContext) -> Result<TaskOutput> {
        let (films, films_sha256) = self.local_films()?;
        let fingerprint = self.fingerprint(films_sha256);
        let manifest = self
            .compute(films, films_sha256.clone(), fingerprint)
            .with_context(|| {
                format!(
                    "shard {} failed; it is incomplete in {}",
                    self.shard, self.pairs
                )
            })?;
        Ok(TaskOutput {
            rows_out: manifest.rows,
        })
    }
    fn own_record(&self) -> Option<&dyn OwnRecord> {
        Some(self)
    }
}

/// The manifest is the record, in `pairs` where every machine sees it.
impl OwnRecord for ShardTask {
    /// One process per shard and scratch folder; other shards run beside it.
    fn lock(&self) -> Result<BuildLock> {
        std::fs::create_dir_all(&self.scratch)
            .with_context(|| format!("creating {}", self.scratch.display()))?;
        let stem = shard_stem(self.shard.index(), self.shard.count());
        BuildLock::acquire_named(
            &self.scratch,
            &format!("{stem}.lock"),
            &format!("run of shard {}", self.shard),
        )
    }

    fn judge(&self) -> Result<(Verdict, Option<TaskRecord>)> {
        if let FilmsSource::Built(path) | FilmsSource::Local(path) = &self.films {
            if !path.is_file() {
                // In a dry run, prep has not made it yet; a real run says the file is missing.
                let verdict = Verdict::Missing("the films table is not built yet".to_owned());
                return Ok((verdict, None));
            }
        }
        let (_, films_sha256) = self.local_films()?;
        let fingerprint = self.fingerprint(films_sha256);
        Ok(match self.completed(&fingerprint, films_sha256)? {
            Ok(manifest) => (Verdict::Complete, Some(record_of(&manifest))),
            Err(verdict) => (verdict, None),
        })
    }
}

impl ShardTask {
    /// The films parquet on this disk (the local file, or the object downloaded) and its
    /// SHA-256.
    fn local_films(&self) -> Result<&(PathBuf, String)> {
        if let Some(found) = self.local_films.get() {
            return Ok(found);
        }
        let path = match &self.films {
            FilmsSource::Built(path) | FilmsSource::Local(path) => {
                if !path.is_file() {
                    bail!(
                        "no films table at {}: run `filmdex build prep` first, or give --films",
                        path.display()
                    );
                }
                path.clone()
            }
            FilmsSource::Remote { folder, name } => {
                std::fs::create_dir_all(&self.scratch)
                    .with_context(|| format!("creating {}", self.scratch.display()))?;
                let stem = shard_stem(self.shard.index(), self.shard.count());
                let dest = self.scratch.join(format!("{stem}.films.parquet"));
                folder
                    .download(name, &dest)
                    .with_context(|| format!("getting the films table {}", folder.show(name)))?;
                dest
            }
        };
        let sha256 = sha256_of(&path)?;
        Ok(self.local_films.get_or_init(|| (path, sha256)))
    }

    /// What a manifest records the shard was made from. Its layout is that of the manifests
    /// already written, so that they stay complete.
    fn fingerprint(&self, films_sha256: &str) -> Fingerprint {
        Fingerprint {
            format_version: SHARD_FORMAT,
            params: self.params(),
            inputs: Vec::new(),
            upstream: [("films".to_owned(), films_sha256.to_owned())].into(),
        }
    }

    /// The manifest when the shard is complete for this fingerprint, else why it must run.
    fn completed(
        &self,
        fingerprint: &Fingerprint,
        films_sha256: &str,
    ) -> Result<std::result::Result<ShardManifest, Verdict>> {
        let (index, count) = (self.shard.index(), self.shard.count());
        let Some(manifest) = read_manifest(&self.pairs, index, count)? else {
            return Ok(Err(Verdict::Missing("never built".to_owned())));
        };
        let stale = |reason: String| Ok(Err(Verdict::Stale(reason)));
        if manifest.films_sha256 != films_sha256 {
            return stale("the films table changed".to_owned());
        }
        if let Some(reason) = manifest.fingerprint.difference(fingerprint) {
            return stale(reason);
        }
        let present = self.pairs.list()?;
        for file in &manifest.files {
            if !present
                .iter()
                .any(|e| e.name == file.name && e.bytes == file.bytes)
            {
                return stale(format!("part {} is missing or changed", file.name));
            }
        }
        Ok(Ok(manifest))
    }

    /// Computes the shard's rows, uploads its parts, and writes its manifest last.
    fn compute(
        &self,
        films: &Path,
        films_sha256: String,
        fingerprint: Fingerprint,
    ) -> Result<ShardManifest> {
        let started = Instant::now();
        let (index, count) = (self.shard.index(), self.shard.count());
        let stem = shard_stem(index, count);
        // From here on the shard is incomplete: first the manifest goes, then its old parts.
        self.pairs.delete(&manifest_name(index, count))?;
        for old in self.pairs.list()? {
            if old.name.starts_with(&format!("{stem}-")) {
                self.pairs.delete(&old.name)?;
            }
        }
        let connection = duck::open_in_memory(&self.duck)?;
        let matrix = read_matrix(&connection, films, &self.params)?;
        let neighbours = self.params.query().neighbours;
        let selection = FilmSelection::of_shard(&matrix, self.shard, neighbours);
        let parts_dir = self
            .scratch
            .join(format!("{stem}.partial-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&parts_dir);
        let writer = PairWriter::new(connection, &parts_dir)?;
        let rows = write_neighbours(&matrix, &self.params, &selection, writer)?;
        let mut files = Vec::new();
        let mut parts: Vec<PathBuf> = std::fs::read_dir(&parts_dir)
            .with_context(|| format!("listing {}", parts_dir.display()))?
            .map(|entry| entry.map(|e| e.path()))
            .collect::<std::io::Result<_>>()?;
        parts.sort();
        for part in parts {
            let chunk = part
                .file_name()
                .and_then(|name| name.to_str())
                .and_then(|name| name.strip_prefix("part-"))
                .context("the pair writer names its files part-NNNNN.parquet")?;
            let name = format!("{stem}-{chunk}");
            let bytes = std::fs::metadata(&part)?.len();
            self.pairs.upload(&part, &name)?;
            files.push(ShardFile { name, bytes });
        }
        std::fs::remove_dir_all(&parts_dir)
            .with_context(|| format!("removing {}", parts_dir.display()))?;
        let manifest = ShardManifest {
            shard: self.shard.to_string(),
            index,
            count,
            digest: fingerprint.digest(),
            fingerprint,
            films_sha256,
            params: self.params.clone(),
            films: selection.len() as u64,
            rows,
            files,
            finished_at: now_rfc3339(),
            duration_ms: started.elapsed().as_millis() as u64,
        };
        let json = serde_json::to_vec_pretty(&manifest).expect("a manifest serialises");
        self.pairs.write(&manifest_name(index, count), json)?;
        Ok(manifest)
    }
}

/// A shard's manifest, if it has one; a malformed one is an error naming the file.
pub fn read_manifest(pairs: &Location, index: u32, count: u32) -> Result<Option<ShardManifest>> {
    let name = manifest_name(index, count);
    let Some(bytes) = pairs.read(&name)? else {
        return Ok(None);
    };
    parse_manifest(&bytes, index, count)
        .map(Some)
        .with_context(|| {
            format!(
                "{} is not a well-formed filmdex shard manifest; delete it and rerun \
                 `filmdex build similarity --shard {index}/{count} --pairs {pairs}`",
                pairs.show(&name)
            )
        })
}

/// The manifest of shard `index` of `count` read from `bytes`, checked so that what reads it
/// later can rely on it: it is the shard its file name says, its films hash is a SHA-256, and
/// its parts are this shard's parquet files.
pub fn parse_manifest(bytes: &[u8], index: u32, count: u32) -> Result<ShardManifest> {
    ensure!(
        index < count,
        "shard {index} of a run of {count} shards cannot exist"
    );
    let manifest: ShardManifest = serde_json::from_slice(bytes).context("reading its JSON")?;
    ensure!(
        manifest.index == index && manifest.count == count,
        "it says it is shard {}/{}, its name says {index}/{count}",
        manifest.index,
        manifest.count
    );
    ensure!(
        manifest.shard == format!("{index}/{count}"),
        "its shard is {:?}, not \"{index}/{count}\"",
        manifest.shard
    );
    let hash = &manifest.films_sha256;
    ensure!(
        hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit()),
        "its films_sha256 {hash:?} is not a SHA-256 (64 hex digits)"
    );
    let stem = format!("{}-", shard_stem(index, count));
    for file in &manifest.files {
        ensure!(
            file.name.starts_with(&stem) && file.name.ends_with(".parquet"),
            "its part {:?} is not one of this shard's parquet files ({stem}*.parquet)",
            file.name
        );
    }
    Ok(manifest)
}

/// The runner's record of a shard, for the summary table.
fn record_of(manifest: &ShardManifest) -> TaskRecord {
    TaskRecord {
        fingerprint: manifest.fingerprint.clone(),
        digest: manifest.digest.clone(),
        finished_at: manifest.finished_at.clone(),
        duration_ms: manifest.duration_ms,
        rows_out: manifest.rows,
        outputs: Vec::new(),
    }
}

/// SHA-256 of a file's bytes, hex.
pub fn sha256_of(path: &Path) -> Result<String> {
    let mut file =
        std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let mut hasher = Sha256::new();
    std::io::copy(&mut file, &mut hasher).with_context(|| format!("reading {}", path.display()))?;
    Ok(hasher
        .finalize()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect())
}

#[cfg(test)]
pub(crate) mod tests {
    use proptest::prelude::*;

    use super::*;

    /// The JSON of a well-formed manifest of shard `index` of `count`.
    pub fn valid_manifest(index: u32, count: u32) -> serde_json::Value {
        let params = SimilarityParams::default();
        let fingerprint = Fingerprint {
            format_version: SHARD_FORMAT,
            params: serde_json::to_value(&params).expect("parameters serialise"),
            inputs: Vec::new(),
            upstream: [("films".to_owned(), "0".repeat(64))].into(),
        };
        let manifest = ShardManifest {
            shard: format!("{index}/{count}"),
            index,
            count,
            digest: fingerprint.digest(),
            fingerprint,
            films_sha256: "0123456789abcdef".repeat(4),
            params,
            films: 10,
            rows: 100,
            files: vec![ShardFile {
                name: format!("{}-00000.parquet", shard_stem(index, count)),
                bytes: 1234,
            }],
            finished_at: "2024-01-01T00:00:00Z".to_owned(),
            duration_ms: 5,
        };
        serde_json::to_value(&manifest).expect("a manifest serialises")
    }

    #[test]
    fn a_well_formed_manifest_parses_and_malformed_ones_say_what_is_wrong() {
        let valid = valid_manifest(2, 3);
        let parsed = parse_manifest(valid.to_string().as_bytes(), 2, 3).expect("valid");
        assert_eq!(serde_json::to_value(&parsed).expect("JSON"), valid);
        let error = |json: &serde_json::Value, index, count| {
            let bytes = json.to_string().into_bytes();
            format!(
                "{:#}",
                parse_manifest(&bytes, index, count).expect_err("refused")
            )
        };
        assert!(error(&valid, 0, 0).contains("run of 0 shards"));
        assert!(error(&serde_json::json!({}), 0, 1).contains("missing field"));
        assert!(error(&valid, 1, 3).contains("its name says 1/3"));
        let mut short = valid.clone();
        short["films_sha256"] = serde_json::json!("abc");
        assert!(error(&short, 2, 3).contains("films_sha256 \"abc\""));
        let mut foreign = valid.clone();
        foreign["files"][0]["name"] = serde_json::json!("part-0000-of-0003-00000.parquet");
        assert!(error(&foreign, 2, 3).contains("not one of this shard's parquet files"));
    }

    /// Any JSON value, nested a few levels.
    fn json_value() -> impl Strategy<Value = serde_json::Value> {
        use serde_json::Value;
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            any::<f64>().prop_map(Value::from),
            ".{0,70}".prop_map(Value::from),
            "[0-9a-fA-F]{0,66}".prop_map(Value::from),
        ];
        leaf.prop_recursive(3, 24, 6, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::from),
                proptest::collection::btree_map("[a-z_]{1,14}", inner, 0..6)
                    .prop_map(|map| serde_json::Value::Object(map.into_iter().collect())),
            ]
        })
    }

    /// A valid manifest with one field, at the top or one level down, replaced or removed.
    fn mutated_manifest() -> impl Strategy<Value = Vec<u8>> {
        let valid = valid_manifest(1, 2);
        let mut paths: Vec<Vec<serde_json::Value>> = Vec::new();
        for (key, value) in valid.as_object().expect("an object") {
            paths.push(vec![key.as_str().into()]);
            if let Some(object) = value.as_object() {
                paths.extend(
                    object
                        .keys()
                        .map(|k| vec![key.as_str().into(), k.as_str().into()]),
                );
            }
        }
        paths.push(vec!["files".into(), 0.into(), "name".into()]);
        paths.push(vec!["files".into(), 0.into(), "bytes".into()]);
        let paths_len = paths.len();
        (0..paths_len, proptest::option::of(json_value())).prop_map(move |(which, new)| {
            let mut manifest = valid.clone();
            let (last, parents) = paths[which].split_last().expect("a path");
            let mut target = &mut manifest;
            for step in parents {
                target = match step {
                    serde_json::Value::Number(n) => {
                        &mut target[n.as_u64().expect("index") as usize]
                    }
                    key => &mut target[key.as_str().expect("a key")],
                };
            }
            match (new, last) {
                (Some(value), serde_json::Value::Number(n)) => {
                    target[n.as_u64().expect("index") as usize] = value
                }
                (Some(value), key) => target[key.as_str().expect("a key")] = value,
                (None, key) => {
                    if let (Some(object), Some(key)) = (target.as_object_mut(), key.as_str()) {
                        object.remove(key);
                    }
                }
            }
            manifest.to_string().into_bytes()
        })
    }

    /// What every reading of a manifest must give: the manifest its name promises, or an error.
    fn check_reading(
        bytes: &[u8],
        index: u32,
        count: u32,
    ) -> std::result::Result<(), TestCaseError> {
        match parse_manifest(bytes, index, count) {
            Ok(manifest) => {
                prop_assert_eq!((manifest.index, manifest.count), (index, count));
                prop_assert_eq!(manifest.films_sha256.len(), 64);
            }
            Err(error) => {
                let message = format!("{error:#}");
                prop_assert!(!message.is_empty());
            }
        }
        Ok(())
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(
            bytes in proptest::collection::vec(any::<u8>(), 0..600),
            index in 0u32..3,
            count in 0u32..3,
        ) {
            check_reading(&bytes, index, count)?;
        }

        #[test]
        fn arbitrary_json_never_panics(value in json_value(), index in 0u32..3, count in 0u32..3) {
            check_reading(value.to_string().as_bytes(), index, count)?;
        }

        #[test]
        fn mutated_manifests_never_panic(bytes in mutated_manifest()) {
            check_reading(&bytes, 1, 2)?;
        }

        /// A valid manifest cut short or with one byte changed.
        #[test]
        fn damaged_manifests_never_panic(cut in any::<proptest::sample::Index>(),
                                         at in any::<proptest::sample::Index>(),
                                         byte in any::<u8>()) {
            let mut bytes = valid_manifest(1, 2).to_string().into_bytes();
            let at = at.index(bytes.len());
            bytes[at] = byte;
            bytes.truncate(cut.index(bytes.len() + 1));
            check_reading(&bytes, 1, 2)?;
        }
    }
}
