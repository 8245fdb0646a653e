//! The command line: one clap-derive parser, every option also read from a `FILMDEX_*` variable,
//! resolved once into the plain structs of `config`.

use std::path::PathBuf;

use anyhow::{ensure, Result};
use clap::{ArgAction, Args, Parser, Subcommand};
use filmdex_similarity::{FeatureSet, Shard};

use crate::config::{
    BadRowLimit, Bucket, BuildConfig, DatasetSource, FetchConfig, Layout, PrepParams, RateLimits,
    ServeConfig, SimilarityParams,
};
use crate::duck::DuckSettings;

pub const DEFAULT_BASE_URL: &str = "https://datasets.imdbws.com/";

#[derive(Debug, Parser)]
#[command(
    name = "filmdex",
    version,
    about = "IMDb dumps -> films table -> similar films -> DuckDB -> JSON API"
)]
pub struct Cli {
    /// Folder holding datasets/, output/ and duckdb/ (the original's layout).
    #[arg(long, global = true, env = "FILMDEX_WORKDIR", default_value = ".")]
    pub workdir: PathBuf,
    /// More log output (-v debug, -vv trace); RUST_LOG overrides.
    #[arg(short, long, global = true, action = ArgAction::Count)]
    pub verbose: u8,
    /// Only warnings and errors.
    #[arg(short, long, global = true)]
    pub quiet: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Download the IMDb dumps into datasets/ (only what changed on the server).
    Fetch(FetchArgs),
    /// Run the build's tasks in dependency order (default: all of them).
    Build(BuildArgs),
    /// Show each task: complete, stale (and why) or missing, with output sizes and build times.
    Status(StatusArgs),
    /// Serve the database over the JSON API and the web page.
    Serve(ServeArgs),
    /// Build what is missing, then serve.
    Up(UpArgs),
    /// Write deterministic synthetic dumps (for benchmarks and the bundled sample).
    Synth(SynthArgs),
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The database to serve (default: <workdir>/duckdb/films.duckdb).
    #[arg(long, env = "FILMDEX_DB")]
    pub db: Option<PathBuf>,
    #[arg(long, env = "FILMDEX_HOST", default_value = "127.0.0.1")]
    pub host: String,
    #[arg(long, env = "FILMDEX_PORT", default_value_t = 8000)]
    pub port: u16,
    /// Reload when the database file is replaced by a new build (SIGHUP always reloads).
    #[arg(long, env = "FILMDEX_WATCH")]
    pub watch: bool,
    /// Origins allowed by CORS, comma-separated ("*" for any); none by default.
    #[arg(long, env = "FILMDEX_CORS_ORIGINS", value_delimiter = ',')]
    pub cors_origins: Vec<String>,
    /// Proxies (CIDR ranges, comma-separated) whose X-Forwarded-For is believed.
    #[arg(
        long = "trusted-proxy",
        env = "FILMDEX_TRUSTED_PROXIES",
        value_delimiter = ','
    )]
    pub trusted_proxies: Vec<String>,
    /// Turn rate limiting off (it is on by default).
    #[arg(long, env = "FILMDEX_NO_RATE_LIMIT")]
    pub no_rate_limit: bool,
    /// Search requests per second per client, and the burst allowed above it.
    #[arg(long, env = "FILMDEX_SEARCH_RATE", default_value_t = 10.0)]
    pub search_rate: f64,
    #[arg(long, env = "FILMDEX_SEARCH_BURST", default_value_t = 20)]
    pub search_burst: u32,
    /// Requests per second per client on every other route, and the burst allowed above it.
    #[arg(long, env = "FILMDEX_RATE", default_value_t = 50.0)]
    pub rate: f64,
    #[arg(long, env = "FILMDEX_BURST", default_value_t = 100)]
    pub burst: u32,
}

#[derive(Debug, Args)]
pub struct UpArgs {
    #[command(flatten)]
    pub build: BuildArgs,
    #[command(flatten)]
    pub serve: ServeArgs,
}

#[derive(Debug, Args)]
pub struct DownloadArgs {
    /// Where the dump files are downloaded from.
    #[arg(long, env = "FILMDEX_BASE_URL", default_value = DEFAULT_BASE_URL)]
    pub base_url: String,
    /// Retries of a failed download (with exponential backoff).
    #[arg(long, env = "FILMDEX_RETRIES", default_value_t = 4)]
    pub retries: u32,
}

#[derive(Debug, Args)]
pub struct SourceArgs {
    /// Use the sample dataset shipped in the binary instead of downloading (works offline).
    #[arg(long, env = "FILMDEX_SAMPLE", conflicts_with = "datasets")]
    pub sample: bool,
    /// Use dumps already in this folder (<name>.tsv.gz or <name>.tsv) instead of downloading.
    #[arg(long, env = "FILMDEX_DATASETS")]
    pub datasets: Option<PathBuf>,
    #[command(flatten)]
    pub download: DownloadArgs,
}

#[derive(Debug, Args)]
pub struct PrepArgs {
    /// Keep films rated at least this (inclusive).
    #[arg(long, env = "FILMDEX_MIN_RATING", default_value_t = 6.0)]
    pub min_rating: f64,
    /// Keep films with at least this many votes (inclusive).
    #[arg(long, env = "FILMDEX_MIN_VOTES", default_value_t = 500)]
    pub min_votes: u32,
    /// Title types to keep, comma-separated (IMDb's titleType).
    #[arg(
        long,
        env = "FILMDEX_TITLE_TYPES",
        value_delimiter = ',',
        default_value = "movie"
    )]
    pub title_types: Vec<String>,
    /// Unparsable rows allowed per dump file: a count (100) or a share (0.1%).
    #[arg(long, env = "FILMDEX_MAX_BAD_ROWS", default_value = "0.1%")]
    pub max_bad_rows: BadRowLimit,
}

#[derive(Debug, Args)]
pub struct SimilarityArgs {
    /// `default` (typed features, exact vocabulary) or `seed` (the original's hashed tokens).
    #[arg(long = "features", env = "FILMDEX_FEATURES", default_value = "default")]
    pub feature_set: FeatureSet,
    /// Neighbours kept per film.
    #[arg(long, env = "FILMDEX_TOP_K", default_value_t = 100)]
    pub top_k: usize,
    /// Keep pairs with a similarity above this.
    #[arg(long, env = "FILMDEX_MIN_SIMILARITY", default_value_t = 0.0)]
    pub min_similarity: f64,
    /// Store every pair above --min-similarity instead of the top-k (the original's full table).
    #[arg(long, env = "FILMDEX_ALL_PAIRS")]
    pub all_pairs: bool,
}

#[derive(Debug, Args)]
pub struct EngineArgs {
    /// DuckDB memory limit; bigger joins spill to .filmdex/spill.
    #[arg(long, env = "FILMDEX_MEMORY_LIMIT", default_value = "5GB")]
    pub memory_limit: String,
    /// Threads for DuckDB and the similarity kernel (default: all cores).
    #[arg(long, env = "FILMDEX_THREADS")]
    pub threads: Option<usize>,
}

#[derive(Debug, Args)]
pub struct FetchArgs {
    #[command(flatten)]
    pub download: DownloadArgs,
}

#[derive(Debug, Args)]
pub struct BuildArgs {
    /// Tasks to run, with what they need: fetch:<dump>, prep, genres, similarity, load.
    pub tasks: Vec<String>,
    /// Run the named tasks (or all) even when up to date.
    #[arg(long)]
    pub force: bool,
    /// Print what would run and why; change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Never use the network: missing downloads are an error.
    #[arg(long, env = "FILMDEX_OFFLINE")]
    pub offline: bool,
    #[command(flatten)]
    pub source: SourceArgs,
    #[command(flatten)]
    pub prep: PrepArgs,
    #[command(flatten)]
    pub similarity: SimilarityArgs,
    #[command(flatten)]
    pub scale_out: ScaleOutArgs,
    #[command(flatten)]
    pub engine: EngineArgs,
}

/// The similarity task split over machines (README: "When one machine is not enough").
#[derive(Debug, Args)]
pub struct ScaleOutArgs {
    /// Compute only shard INDEX/COUNT of the similarity task (e.g. 3/8) into --pairs:
    /// `filmdex build similarity --shard 3/8 --pairs s3://bucket/run1/pairs`.
    #[arg(long, env = "FILMDEX_SHARD")]
    pub shard: Option<Shard>,
    /// The films table a shard reads: a parquet file, local or s3://, gs://, az://
    /// (default: this workdir's output/films/films.parquet, built by prep if needed).
    #[arg(long, env = "FILMDEX_FILMS")]
    pub films: Option<String>,
    /// Where shards write their parts (default output/shards), and where `load` gathers all of
    /// them, or a Spark job's output, instead of running the similarity task: a folder or an
    /// s3://, gs://, az:// prefix.
    #[arg(long, env = "FILMDEX_PAIRS")]
    pub pairs: Option<String>,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    #[command(flatten)]
    pub prep: PrepArgs,
    #[command(flatten)]
    pub similarity: SimilarityArgs,
}

#[derive(Debug, Args)]
pub struct SynthArgs {
    /// Whole-dump shape; 1.0 is about today's dumps (12.3M titles, ~40k films pass the filter).
    #[arg(
        long,
        conflicts_with = "sample_films",
        required_unless_present = "sample_films"
    )]
    pub scale: Option<f64>,
    /// Films-only shape with this many generated movies (how the bundled sample is made).
    #[arg(long)]
    pub sample_films: Option<usize>,
    /// Folder of hand-curated real rows (plain .tsv) to append, e.g. data/franchises.
    #[arg(long = "with")]
    pub extra: Option<PathBuf>,
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Output folder.
    #[arg(long)]
    pub out: PathBuf,
}

impl BuildArgs {
    pub fn resolve(&self, workdir: &std::path::Path) -> Result<BuildConfig> {
        let mut config = resolve_common(workdir, &self.source, &self.prep, &self.similarity)?;
        config.tasks = self.tasks.clone();
        config.force = self.force;
        config.dry_run = self.dry_run;
        config.offline = self.offline;
        config.duck.memory_limit = self.engine.memory_limit.clone();
        if let Some(threads) = self.engine.threads {
            ensure!(threads > 0, "--threads must be at least 1");
            config.duck.threads = threads;
        }
        let scale_out = &self.scale_out;
        if let Some(shard) = scale_out.shard {
            ensure!(
                self.tasks.iter().all(|task| task == "similarity"),
                "--shard runs only the similarity task: `filmdex build similarity --shard {shard}`"
            );
        } else {
            ensure!(
                scale_out.films.is_none(),
                "--films is the films table of a --shard run"
            );
            ensure!(
                scale_out.pairs.is_none() || !self.tasks.iter().any(|task| task == "similarity"),
                "with --pairs, load takes the pairs from there: run `filmdex build similarity` \
                 with --shard I/N to compute a shard, or `filmdex build load --pairs ...` to merge"
            );
        }
        config.shard = scale_out.shard;
        config.films_from = scale_out.films.clone();
        config.pairs = scale_out.pairs.clone();
        Ok(config)
    }
}

impl StatusArgs {
    pub fn resolve(&self, workdir: &std::path::Path) -> Result<BuildConfig> {
        resolve_common(workdir, &self.source, &self.prep, &self.similarity)
    }
}

impl ServeArgs {
    pub fn resolve(&self, workdir: &std::path::Path) -> Result<ServeConfig> {
        let rate_limits = if self.no_rate_limit {
            None
        } else {
            ensure!(
                self.search_rate > 0.0 && self.rate > 0.0,
                "rates must be above 0 (use --no-rate-limit to turn limiting off)"
            );
            ensure!(
                self.search_burst >= 1 && self.burst >= 1,
                "bursts must be at least 1"
            );
            Some(RateLimits {
                search: Bucket {
                    per_second: self.search_rate,
                    burst: self.search_burst,
                },
                other: Bucket {
                    per_second: self.rate,
                    burst: self.burst,
                },
            })
        };
        Ok(ServeConfig {
            database: self
                .db
                .clone()
                .unwrap_or_else(|| Layout::new(workdir).database()),
            bind: format!("{}:{}", self.host, self.port),
            watch: self.watch,
            cors_origins: self.cors_origins.clone(),
            trusted_proxies: self.trusted_proxies.clone(),
            rate_limits,
        })
    }
}

pub fn resolve_fetch(args: &DownloadArgs) -> Result<FetchConfig> {
    let mut base_url = args.base_url.trim().to_owned();
    ensure!(
        base_url.starts_with("http://") || base_url.starts_with("https://"),
        "--base-url must be an http:// or https:// URL, got '{base_url}'"
    );
    if !base_url.ends_with('/') {
        base_url.push('/');
    }
    Ok(FetchConfig {
        base_url,
        retries: args.retries,
        backoff_ms: 500,
    })
}

fn resolve_common(
    workdir: &std::path::Path,
    source: &SourceArgs,
    prep: &PrepArgs,
    similarity: &SimilarityArgs,
) -> Result<BuildConfig> {
    let layout = Layout::new(workdir);
    let source_kind = match (&source.datasets, source.sample) {
        (Some(folder), _) => DatasetSource::Folder(folder.clone()),
        (None, true) => DatasetSource::Sample,
        (None, false) => DatasetSource::Download,
    };
    ensure!(
        (0.0..=10.0).contains(&prep.min_rating),
        "--min-rating must be between 0 and 10"
    );
    ensure!(
        !prep.title_types.is_empty(),
        "--title-types needs at least one type"
    );
    ensure!(similarity.top_k >= 1, "--top-k must be at least 1");
    ensure!(
        (0.0..1.0).contains(&similarity.min_similarity),
        "--min-similarity is a cosine value from 0 to 1 (0.3 means 30%)"
    );
    let duck = DuckSettings {
        spill_dir: Some(layout.spill_dir()),
        ..DuckSettings::default()
    };
    Ok(BuildConfig {
        source: source_kind,
        fetch: resolve_fetch(&source.download)?,
        prep: PrepParams {
            min_rating: prep.min_rating,
            min_votes: prep.min_votes,
            title_types: prep
                .title_types
                .iter()
                .map(|kind| kind.trim().to_owned())
                .collect(),
            max_bad_rows: prep.max_bad_rows,
        },
        similarity: SimilarityParams {
            feature_set: similarity.feature_set,
            top_k: similarity.top_k,
            min_similarity: similarity.min_similarity,
            all_pairs: similarity.all_pairs,
        },
        layout,
        tasks: Vec::new(),
        force: false,
        dry_run: false,
        offline: false,
        duck,
        shard: None,
        films_from: None,
        pairs: None,
    })
}

impl StatusArgs {
    /// The configuration every flag would give at its default (used by `filmdex fetch`).
    pub fn defaults_for(workdir: &std::path::Path) -> Result<BuildConfig> {
        let parsed = Cli::try_parse_from(["filmdex", "status"])
            .map_err(|error| anyhow::anyhow!("{error}"))?;
        match parsed.command {
            Command::Status(args) => args.resolve(workdir),
            _ => unreachable!("parsed the status command"),
        }
    }
}
