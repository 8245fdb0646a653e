//! The `filmdex_meta` table: what a database was built from, read back by `status` and `serve`.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{bail, Context, Result};
use duckdb::Connection;
use filmdex_similarity::FeatureSet;

use crate::config::{PrepParams, SimilarityParams};
use crate::pipeline::{TaskContext, TaskName};
use crate::prep::PrepReport;

/// Version of the database layout; the server refuses files of another version.
pub const SCHEMA_VERSION: u32 = 1;

pub struct MetaInput<'a> {
    pub films: u64,
    pub pairs: u64,
    pub prep: &'a PrepParams,
    pub similarity: &'a SimilarityParams,
    pub report: &'a PrepReport,
    /// The records of the tasks the database is made from.
    pub upstream: &'a TaskContext<'a>,
    /// Where the pairs came from: this build's similarity task, or a gathered set.
    pub pairs_source: String,
}

/// Key/value rows; values are plain text or JSON.
pub fn entries(input: &MetaInput) -> Result<Vec<(String, String)>> {
    let sources: BTreeMap<&String, _> = input
        .upstream
        .records()
        .flat_map(|record| record.fingerprint.upstream.iter())
        .collect();
    let inputs: Vec<_> = input
        .upstream
        .record(TaskName::Prep)
        .map(|record| record.fingerprint.inputs.clone())
        .unwrap_or_default();
    Ok(vec![
        ("schema_version".into(), SCHEMA_VERSION.to_string()),
        ("filmdex_version".into(), env!("CARGO_PKG_VERSION").into()),
        ("built_at".into(), crate::pipeline::now_rfc3339()),
        ("films".into(), input.films.to_string()),
        ("pairs".into(), input.pairs.to_string()),
        ("pairs_source".into(), input.pairs_source.clone()),
        (
            "feature_set".into(),
            input.similarity.feature_set.to_string(),
        ),
        (
            "similarity_params".into(),
            serde_json::to_string(input.similarity)?,
        ),
        ("prep_params".into(), serde_json::to_string(input.prep)?),
        ("source_files".into(), serde_json::to_string(&inputs)?),
        (
            "source_fingerprints".into(),
            serde_json::to_string(&sources)?,
        ),
        (
            "bad_rows".into(),
            serde_json::to_string(&input.report.bad_rows)?,
        ),
    ])
}

/// What the server needs to know about a database before serving it.
#[derive(Debug, Clone)]
pub struct DatabaseMeta {
    pub schema_version: u32,
    pub built_at: String,
    pub feature_set: FeatureSet,
    pub films: u64,
    pub pairs: u64,
    pub all: BTreeMap<String, String>,
    /// A digest of every entry (the build's time, parameters and input fingerprints): two files
    /// share it only when they are the same build. The API's ETags are made from it.
    pub build_id: String,
}

/// The first 16 bytes of a SHA-256 over the entries, in hex.
fn build_id(all: &BTreeMap<String, String>) -> String {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    for (key, value) in all {
        // Lengths first, so that no two different tables hash the same bytes.
        hasher.update((key.len() as u64).to_le_bytes());
        hasher.update(key);
        hasher.update((value.len() as u64).to_le_bytes());
        hasher.update(value);
    }
    hasher.finalize()[..16]
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// Reads and checks `filmdex_meta`; the error says which command makes a usable file.
pub fn read_meta(connection: &Connection, path: &Path) -> Result<DatabaseMeta> {
    let rebuild = "run `filmdex build` (or `filmdex build --sample`) to make it";
    let mut statement = connection
        .prepare("SELECT key, value FROM filmdex_meta")
        .with_context(|| {
            format!(
                "{} is not a filmdex database (no filmdex_meta table); {rebuild}",
                path.display()
            )
        })?;
    let all: BTreeMap<String, String> = statement
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
        .collect::<Result<_, _>>()
        .with_context(|| format!("reading filmdex_meta of {}", path.display()))?;
    let field = |key: &str| {
        all.get(key)
            .cloned()
            .with_context(|| format!("{} has no {key} in filmdex_meta; {rebuild}", path.display()))
    };
    let schema_version: u32 = field("schema_version")?
        .parse()
        .context("schema_version is not a number")?;
    if schema_version != SCHEMA_VERSION {
        bail!(
            "{} has database version {schema_version}, this filmdex reads version {SCHEMA_VERSION}; {rebuild}",
            path.display()
        );
    }
    let feature_set = field("feature_set")?
        .parse()
        .map_err(|error| anyhow::anyhow!("{error}"))
        .context("feature_set in filmdex_meta")?;
    Ok(DatabaseMeta {
        schema_version,
        built_at: field("built_at")?,
        feature_set,
        films: field("films")?.parse().context("films count")?,
        pairs: field("pairs")?.parse().context("pairs count")?,
        build_id: build_id(&all),
        all,
    })
}
