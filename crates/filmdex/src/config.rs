//! Plain configuration structs, resolved once from the CLI and passed explicitly (no clap types).

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use filmdex_similarity::FeatureSet;
use serde::{Deserialize, Serialize};

use crate::pipeline::TaskName;

/// The default of every option with one, each written once: the command line's
/// `default_value_t` and the `Default` impls below read them.
pub mod defaults {
    use super::BadRowLimit;

    /// Where the dump files are downloaded from.
    pub const BASE_URL: &str = "https://datasets.imdbws.com/";
    pub const RETRIES: u32 = 4;
    /// The first retry waits this long; every next one twice as long.
    pub const BACKOFF_MS: u64 = 500;
    /// A download that receives nothing for this long is cut and resumed by the next attempt.
    pub const IDLE_TIMEOUT_SECS: u64 = 60;
    /// The largest dump file accepted, in megabytes (10^6 bytes): today's largest dump is under
    /// a tenth of it; the cap keeps a broken or hostile mirror from filling the disk.
    pub const MAX_DOWNLOAD_MB: u64 = 16_000;
    /// The original's thresholds, both inclusive.
    pub const MIN_RATING: f64 = 6.0;
    pub const MIN_VOTES: u32 = 500;
    pub const TITLE_TYPE: &str = "movie";
    /// 0.1% of a file's rows.
    pub const MAX_BAD_ROWS: BadRowLimit = BadRowLimit::Fraction(0.001);
    pub const HOST: &str = "127.0.0.1";
    pub const PORT: u16 = 8000;
    /// Search requests per second per client, and the burst allowed above it.
    pub const SEARCH_RATE: f64 = 10.0;
    pub const SEARCH_BURST: u32 = 20;
    /// Requests per second per client on every other route, and the burst allowed above it.
    pub const RATE: f64 = 50.0;
    pub const BURST: u32 = 100;
    /// Search and recommendation requests per second over all clients, and the burst above it.
    pub const GLOBAL_SEARCH_RATE: f64 = 200.0;
    pub const GLOBAL_SEARCH_BURST: u32 = 400;
    /// A request's headers must arrive whole within this, counted from when the connection is
    /// opened or has answered its previous request (so it is also the keep-alive idle timeout).
    pub const HEADER_TIMEOUT: &str = "10s";
    /// A request must be answered within this (body read included), else 503 `timed_out`.
    pub const REQUEST_TIMEOUT: &str = "30s";
    /// Writing an answer must make progress within this (the client reads some of it), else
    /// the connection is closed.
    pub const WRITE_TIMEOUT: &str = "10s";
    /// Open connections at most, over all clients (lowered to fit the open-file limit).
    pub const MAX_CONNECTIONS: usize = 10_000;
    /// Open connections at most from one client address (an IPv6 client by its /64).
    pub const MAX_CONNECTIONS_PER_CLIENT: usize = 128;
    /// How long an expensive request waits for a free worker before 503 `overloaded`.
    pub const EXPENSIVE_WAIT: &str = "1s";
}

/// The original's working-directory layout, plus filmdex's own state folder.
#[derive(Debug, Clone)]
pub struct Layout {
    root: PathBuf,
}

impl Layout {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }
    pub fn root(&self) -> &Path {
        &self.root
    }
    /// Downloaded dumps, `datasets/<file>.tsv.gz`.
    pub fn datasets(&self) -> PathBuf {
        self.root.join("datasets")
    }
    /// The sample dumps shipped inside the binary are unpacked here, apart from real downloads.
    pub fn sample_datasets(&self) -> PathBuf {
        self.datasets().join("sample")
    }
    pub fn films_dir(&self) -> PathBuf {
        self.root.join("output").join("films")
    }
    pub fn genres_dir(&self) -> PathBuf {
        self.root.join("output").join("genres")
    }
    pub fn akas_dir(&self) -> PathBuf {
        self.root.join("output").join("akas")
    }
    pub fn csfilms_dir(&self) -> PathBuf {
        self.root.join("output").join("csfilms")
    }
    pub fn database(&self) -> PathBuf {
        self.root.join("duckdb").join("films.duckdb")
    }
    /// Shard parts and manifests when `--pairs` is not given.
    pub fn default_pairs(&self) -> PathBuf {
        self.root.join("output").join("shards")
    }
    /// Local working space of shard runs and of loading pairs from a bucket.
    pub fn scratch_dir(&self) -> PathBuf {
        self.state_dir().join("scratch")
    }
    /// Task records and the build lock live here.
    pub fn state_dir(&self) -> PathBuf {
        self.root.join(".filmdex")
    }
    /// DuckDB spills joins that do not fit in memory here.
    pub fn spill_dir(&self) -> PathBuf {
        self.state_dir().join("spill")
    }
}

/// Where the dumps come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatasetSource {
    /// Downloaded from `base_url` into `datasets/`.
    Download,
    /// The small sample shipped inside the binary, unpacked into `datasets/sample/`.
    Sample,
    /// Dumps already on disk in this folder (`<stem>.tsv.gz` or `<stem>.tsv`), only verified.
    Folder(PathBuf),
}

#[derive(Debug, Clone)]
pub struct FetchConfig {
    /// Always ends with `/`.
    pub base_url: String,
    pub retries: u32,
    /// First retry delay; doubles with every attempt.
    pub backoff_ms: u64,
    /// Longest wait for the server's answer or for the next bytes of its body.
    pub idle_timeout: std::time::Duration,
    /// A file larger than this is refused, before or while it downloads.
    pub max_bytes: u64,
}

impl Default for FetchConfig {
    fn default() -> Self {
        Self {
            base_url: defaults::BASE_URL.to_owned(),
            retries: defaults::RETRIES,
            backoff_ms: defaults::BACKOFF_MS,
            idle_timeout: std::time::Duration::from_secs(defaults::IDLE_TIMEOUT_SECS),
            max_bytes: defaults::MAX_DOWNLOAD_MB * 1_000_000,
        }
    }
}

/// Filters of the films table, all inclusive, as in the original's code (its README says "above
/// 6" and "over 500", but its code and its film counts keep the bounds).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PrepParams {
    pub min_rating: f64,
    pub min_votes: u32,
    pub title_types: Vec<String>,
    pub max_bad_rows: BadRowLimit,
    /// Not a parameter of the table: both readers make the same one (a test holds them to it).
    #[serde(skip)]
    pub reader: DumpReader,
}

/// How prep reads the dumps.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum DumpReader {
    /// Each dump decoded once, on its own thread, filtered as it streams; DuckDB parses only
    /// the rows that can matter.
    #[default]
    Streaming,
    /// The former way: a check pass, then DuckDB reads each whole gzip file.
    Duckdb,
}

impl FromStr for DumpReader {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        match text {
            "streaming" => Ok(Self::Streaming),
            "duckdb" => Ok(Self::Duckdb),
            other => Err(format!(
                "{other:?} is not a dump reader: streaming or duckdb"
            )),
        }
    }
}

impl Default for PrepParams {
    fn default() -> Self {
        Self {
            min_rating: defaults::MIN_RATING,
            min_votes: defaults::MIN_VOTES,
            title_types: vec![defaults::TITLE_TYPE.to_owned()],
            max_bad_rows: defaults::MAX_BAD_ROWS,
            reader: DumpReader::default(),
        }
    }
}

/// How many unparsable rows a dump file may have before the build stops.
#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
pub enum BadRowLimit {
    Count(u64),
    /// A share of the file's rows, 0.001 = 0.1%.
    Fraction(f64),
}

impl BadRowLimit {
    pub fn allows(&self, bad_rows: u64, total_rows: u64) -> bool {
        match *self {
            BadRowLimit::Count(limit) => bad_rows <= limit,
            BadRowLimit::Fraction(share) => bad_rows as f64 <= share * total_rows as f64,
        }
    }
}

impl FromStr for BadRowLimit {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        if let Some(percent) = text.strip_suffix('%') {
            let value: f64 = percent
                .trim()
                .parse()
                .map_err(|_| format!("'{text}' is not a percentage like 0.1%"))?;
            if !(0.0..=100.0).contains(&value) {
                return Err(format!("'{text}' must be between 0% and 100%"));
            }
            return Ok(BadRowLimit::Fraction(value / 100.0));
        }
        text.parse().map(BadRowLimit::Count).map_err(|_| {
            format!("'{text}' is neither a row count like 100 nor a percentage like 0.1%")
        })
    }
}

impl fmt::Display for BadRowLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BadRowLimit::Count(rows) => write!(f, "{rows} rows"),
            BadRowLimit::Fraction(share) => write!(f, "{}%", share * 100.0),
        }
    }
}

/// Parameters of the similarity task; all of them are part of its fingerprint (and of a shard's
/// manifest, read back when shards are merged).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SimilarityParams {
    #[serde(
        serialize_with = "serialize_display",
        deserialize_with = "deserialize_from_str"
    )]
    pub feature_set: FeatureSet,
    pub top_k: usize,
    pub min_similarity: f64,
    pub all_pairs: bool,
}

impl Default for SimilarityParams {
    fn default() -> Self {
        Self {
            feature_set: FeatureSet::Default,
            top_k: filmdex_similarity::DEFAULT_TOP_K,
            min_similarity: 0.0,
            all_pairs: false,
        }
    }
}

impl SimilarityParams {
    /// What the kernel computes of each film's row. The fields stay flat (`top_k`,
    /// `all_pairs`) because their JSON is part of every fingerprint, shard manifest and
    /// database (`filmdex_meta`): renaming them would make every earlier build look stale.
    pub fn query(&self) -> filmdex_similarity::NeighbourQuery {
        let neighbours = if self.all_pairs {
            filmdex_similarity::Neighbours::AllPairs
        } else {
            filmdex_similarity::Neighbours::TopK { k: self.top_k }
        };
        filmdex_similarity::NeighbourQuery {
            neighbours,
            min_similarity: self.min_similarity,
        }
    }
}

fn deserialize_from_str<'de, T, D>(deserializer: D) -> Result<T, D::Error>
where
    T: FromStr,
    T::Err: fmt::Display,
    D: serde::Deserializer<'de>,
{
    let text = String::deserialize(deserializer)?;
    text.parse().map_err(serde::de::Error::custom)
}

fn serialize_display<T: fmt::Display, S: serde::Serializer>(
    value: &T,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.collect_str(value)
}

/// Everything `filmdex build` needs.
#[derive(Debug, Clone)]
pub struct BuildConfig {
    pub layout: Layout,
    pub source: DatasetSource,
    pub fetch: FetchConfig,
    pub prep: PrepParams,
    pub similarity: SimilarityParams,
    /// Tasks asked for on the command line; empty means all.
    pub tasks: Vec<TaskName>,
    pub force: bool,
    pub dry_run: bool,
    /// Never touch the network: a missing download is an error.
    pub offline: bool,
    pub duck: crate::duck::DuckSettings,
    /// Only this shard of the similarity task (`--shard I/N`).
    pub shard: Option<filmdex_similarity::Shard>,
    /// The films table a shard reads, local or in a bucket (`--films`).
    pub films_from: Option<String>,
    /// Where shards write and where load gathers pairs made elsewhere (`--pairs`).
    pub pairs: Option<String>,
}

impl BuildConfig {
    /// Every option at its default, in the workdir `root`: a build of every task from the dumps
    /// downloaded from IMDb.
    pub fn defaults(root: &Path) -> BuildConfig {
        let layout = Layout::new(root);
        let duck = crate::duck::DuckSettings {
            spill_dir: Some(layout.spill_dir()),
            ..crate::duck::DuckSettings::default()
        };
        BuildConfig {
            layout,
            source: DatasetSource::Download,
            fetch: FetchConfig::default(),
            prep: PrepParams::default(),
            similarity: SimilarityParams::default(),
            tasks: Vec::new(),
            force: false,
            dry_run: false,
            offline: false,
            duck,
            shard: None,
            films_from: None,
            pairs: None,
        }
    }
}

/// Everything `filmdex serve` needs.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    pub database: PathBuf,
    /// `host:port`; port 0 picks a free port.
    pub bind: String,
    /// Reload when the database file is replaced.
    pub watch: bool,
    /// Allowed CORS origins; empty means CORS is off.
    pub cors_origins: Vec<String>,
    /// CIDR ranges whose `X-Forwarded-For` header is believed.
    pub trusted_proxies: Vec<String>,
    /// `None` turns rate limiting off.
    pub rate_limits: Option<RateLimits>,
    pub limits: ServeLimits,
    /// `host:port` serving `/metrics` alone; `None` serves it with the API.
    pub metrics_bind: Option<String>,
}

/// Token buckets per client IP, one per route group.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimits {
    pub search: Bucket,
    pub other: Bucket,
    /// The search group's budget over all clients; `None` for no such budget.
    pub global_search: Option<Bucket>,
}

/// The server's bounds on connections, time and concurrent work.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ServeLimits {
    pub header_timeout: Duration,
    pub request_timeout: Duration,
    pub write_timeout: Duration,
    pub max_connections: usize,
    pub max_connections_per_client: usize,
    /// Searches and recommendations computed at once (the rest wait, then get 503).
    pub max_expensive: usize,
    pub expensive_wait: Duration,
}

impl Default for ServeLimits {
    fn default() -> Self {
        let duration = |text| humantime::parse_duration(text).expect("defaults parse");
        ServeLimits {
            header_timeout: duration(defaults::HEADER_TIMEOUT),
            request_timeout: duration(defaults::REQUEST_TIMEOUT),
            write_timeout: duration(defaults::WRITE_TIMEOUT),
            max_connections: defaults::MAX_CONNECTIONS,
            max_connections_per_client: defaults::MAX_CONNECTIONS_PER_CLIENT,
            max_expensive: default_max_expensive(),
            expensive_wait: duration(defaults::EXPENSIVE_WAIT),
        }
    }
}

/// One expensive request per core: they are CPU-bound.
pub fn default_max_expensive() -> usize {
    std::thread::available_parallelism().map_or(2, |cores| cores.get())
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bucket {
    pub per_second: f64,
    pub burst: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_row_limit_parses_counts_and_percentages() {
        assert_eq!("100".parse(), Ok(BadRowLimit::Count(100)));
        assert_eq!("0.1%".parse(), Ok(BadRowLimit::Fraction(0.001)));
        assert!("ten".parse::<BadRowLimit>().is_err());
        assert!("120%".parse::<BadRowLimit>().is_err());
    }

    #[test]
    fn fraction_limit_is_inclusive() {
        let limit = BadRowLimit::Fraction(0.001);
        assert!(limit.allows(1, 1000));
        assert!(!limit.allows(2, 1000));
        assert!(limit.allows(0, 0));
    }
}
