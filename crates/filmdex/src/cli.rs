//! The command line: one clap-derive parser, every option also read from a `FILMDEX_*` variable,
//! resolved once into the plain structs of `config`.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{ensure, Result};
use clap::{ArgAction, Args, Parser, Subcommand};
use filmdex_similarity::{FeatureSet, Shard};

use crate::config::{
    default_max_expensive, defaults, BadRowLimit, Bucket, BuildConfig, DatasetSource, DumpReader,
    FetchConfig, Layout, PrepParams, RateLimits, ServeConfig, ServeLimits, SimilarityParams,
};
use crate::duck::DuckSettings;
use crate::lookup::{RecommendRequest, SearchRequest, SimilarRequest};
use crate::pipeline::TaskName;
use crate::serve::{Page, SearchQuery};

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
    /// Log lines as plain text, or as one JSON object per line for log collectors.
    #[arg(long, global = true, env = "FILMDEX_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    #[command(subcommand)]
    pub command: Command,
}

/// How log lines are written to stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
// Parsed once per process: the size of its biggest variant (`up`, with every build and serve
// option) does not matter.
#[allow(clippy::large_enum_variant)]
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
    /// Films similar to a film, from the database file (no server needed).
    Similar(SimilarArgs),
    /// Films recommended for liked (and disliked) films, from the database file.
    Recommend(RecommendArgs),
    /// Films found by free text (titles, alternate titles, names), from the database file.
    Search(SearchArgs),
}

/// How `similar` and `recommend` read and print: the database, the page, the filters.
#[derive(Debug, Args)]
pub struct LookupArgs {
    /// The database to read (default: <workdir>/duckdb/films.duckdb).
    #[arg(long, env = "FILMDEX_DB")]
    pub db: Option<PathBuf>,
    /// Films to list.
    #[arg(long, default_value_t = 10)]
    pub limit: u64,
    /// Films to skip first.
    #[arg(long, default_value_t = 0)]
    pub offset: u64,
    /// Show the shared features that explain each film.
    #[arg(long)]
    pub explain: bool,
    /// Print JSON (what the API sends) instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Only films with all of these genres (repeat the option for several).
    #[arg(long = "genre", value_name = "GENRE")]
    pub genres: Vec<String>,
    /// Only films with at least one of these genres.
    #[arg(long = "any-genre", value_name = "GENRE")]
    pub genres_any: Vec<String>,
    /// Only films featuring all of these persons (exact names).
    #[arg(long = "person", value_name = "NAME")]
    pub persons: Vec<String>,
    /// Only films from this year on.
    #[arg(long)]
    pub year_from: Option<i32>,
    /// Only films up to this year.
    #[arg(long)]
    pub year_to: Option<i32>,
    /// Only films rated at least this.
    #[arg(long)]
    pub min_rating: Option<f64>,
    /// Only films with at least this many votes.
    #[arg(long)]
    pub min_votes: Option<i64>,
    /// Only films whose title matches this regular expression (case-insensitive).
    #[arg(long)]
    pub title: Option<String>,
}

#[derive(Debug, Args)]
pub struct SimilarArgs {
    /// The film: a film_id, a tconst (tt0099785) or a title.
    pub film: String,
    /// Least similarity listed, from 0 to 1 (0 lists every film sharing a feature).
    #[arg(long, default_value_t = 0.0)]
    pub threshold: f64,
    #[command(flatten)]
    pub lookup: LookupArgs,
}

#[derive(Debug, Args)]
pub struct SearchArgs {
    /// What to look for, as typed in a search box: "amelie", "godfather 2", "nolan inception".
    pub query: String,
    /// Order by title, rating, votes, year or duration (a leading - for descending) instead of
    /// relevance.
    #[arg(long, allow_hyphen_values = true)]
    pub sort: Option<String>,
    #[command(flatten)]
    pub lookup: LookupArgs,
}

#[derive(Debug, Args)]
pub struct RecommendArgs {
    /// Liked films: film_ids, tconsts or titles (repeat the option, or separate with commas).
    #[arg(long, required = true, num_args = 1.., value_delimiter = ',')]
    pub like: Vec<String>,
    /// Disliked films, as --like.
    #[arg(long, num_args = 1.., value_delimiter = ',')]
    pub dislike: Vec<String>,
    #[command(flatten)]
    pub lookup: LookupArgs,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The database to serve (default: <workdir>/duckdb/films.duckdb).
    #[arg(long, env = "FILMDEX_DB")]
    pub db: Option<PathBuf>,
    #[arg(long, env = "FILMDEX_HOST", default_value = defaults::HOST)]
    pub host: String,
    #[arg(long, env = "FILMDEX_PORT", default_value_t = defaults::PORT)]
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
    #[arg(long, env = "FILMDEX_SEARCH_RATE", default_value_t = defaults::SEARCH_RATE)]
    pub search_rate: f64,
    #[arg(long, env = "FILMDEX_SEARCH_BURST", default_value_t = defaults::SEARCH_BURST)]
    pub search_burst: u32,
    /// Requests per second per client on every other route, and the burst allowed above it.
    #[arg(long, env = "FILMDEX_RATE", default_value_t = defaults::RATE)]
    pub rate: f64,
    #[arg(long, env = "FILMDEX_BURST", default_value_t = defaults::BURST)]
    pub burst: u32,
    /// Search and recommendation requests per second over all clients (0: no such budget);
    /// when it is spent, only clients with at least half their own burst left get through.
    #[arg(long, env = "FILMDEX_GLOBAL_SEARCH_RATE", default_value_t = defaults::GLOBAL_SEARCH_RATE)]
    pub global_search_rate: f64,
    #[arg(long, env = "FILMDEX_GLOBAL_SEARCH_BURST", default_value_t = defaults::GLOBAL_SEARCH_BURST)]
    pub global_search_burst: u32,
    /// A request's headers must arrive within this ("10s", "500ms"); also the keep-alive idle
    /// timeout.
    #[arg(long, env = "FILMDEX_HEADER_TIMEOUT", default_value = defaults::HEADER_TIMEOUT, value_parser = humantime::parse_duration)]
    pub header_timeout: Duration,
    /// A request must be answered within this, else 503 `timed_out`.
    #[arg(long, env = "FILMDEX_REQUEST_TIMEOUT", default_value = defaults::REQUEST_TIMEOUT, value_parser = humantime::parse_duration)]
    pub request_timeout: Duration,
    /// Writing an answer must make progress within this, else the connection is closed (a
    /// client that does not read what it asked for).
    #[arg(long, env = "FILMDEX_WRITE_TIMEOUT", default_value = defaults::WRITE_TIMEOUT, value_parser = humantime::parse_duration)]
    pub write_timeout: Duration,
    /// Open connections at most (lowered to fit the open-file limit).
    #[arg(long, env = "FILMDEX_MAX_CONNECTIONS", default_value_t = defaults::MAX_CONNECTIONS)]
    pub max_connections: usize,
    /// Open connections at most per client address (IPv6 by /64; trusted proxies are exempt).
    #[arg(long, env = "FILMDEX_MAX_CONNECTIONS_PER_CLIENT", default_value_t = defaults::MAX_CONNECTIONS_PER_CLIENT)]
    pub max_connections_per_client: usize,
    /// Searches and recommendations computed at once (default: one per core).
    #[arg(long, env = "FILMDEX_MAX_EXPENSIVE")]
    pub max_expensive: Option<usize>,
    /// How long an expensive request waits for its turn before 503 `overloaded`.
    #[arg(long, env = "FILMDEX_EXPENSIVE_WAIT", default_value = defaults::EXPENSIVE_WAIT, value_parser = humantime::parse_duration)]
    pub expensive_wait: Duration,
    /// Serve /metrics on this address alone (host:port) instead of with the API.
    #[arg(long, env = "FILMDEX_METRICS_ADDR")]
    pub metrics_addr: Option<String>,
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
    #[arg(long, env = "FILMDEX_BASE_URL", default_value = defaults::BASE_URL)]
    pub base_url: String,
    /// Retries of a failed download (with exponential backoff).
    #[arg(long, env = "FILMDEX_RETRIES", default_value_t = defaults::RETRIES)]
    pub retries: u32,
    /// Seconds without a byte from the server before a download is cut (and resumed by the
    /// next retry).
    #[arg(long, env = "FILMDEX_IDLE_TIMEOUT", default_value_t = defaults::IDLE_TIMEOUT_SECS)]
    pub idle_timeout: u64,
    /// The largest dump file accepted, in megabytes; a larger one is refused.
    #[arg(long, env = "FILMDEX_MAX_DOWNLOAD_MB", default_value_t = defaults::MAX_DOWNLOAD_MB)]
    pub max_download_mb: u64,
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
    #[arg(long, env = "FILMDEX_MIN_RATING", default_value_t = defaults::MIN_RATING)]
    pub min_rating: f64,
    /// Keep films with at least this many votes (inclusive).
    #[arg(long, env = "FILMDEX_MIN_VOTES", default_value_t = defaults::MIN_VOTES)]
    pub min_votes: u32,
    /// Title types to keep, comma-separated (IMDb's titleType).
    #[arg(
        long,
        env = "FILMDEX_TITLE_TYPES",
        value_delimiter = ',',
        default_value = defaults::TITLE_TYPE
    )]
    pub title_types: Vec<String>,
    /// Unparsable rows allowed per dump file: a count (100) or a share (0.1%).
    #[arg(long, env = "FILMDEX_MAX_BAD_ROWS", default_value_t = defaults::MAX_BAD_ROWS)]
    pub max_bad_rows: BadRowLimit,
    /// How prep reads the dumps: `streaming` (the default) or `duckdb` (the former reader, kept
    /// to check that both make the same films table).
    #[arg(
        long,
        env = "FILMDEX_DUMP_READER",
        default_value = "streaming",
        hide = true
    )]
    pub dump_reader: DumpReader,
}

#[derive(Debug, Args)]
pub struct SimilarityArgs {
    /// `default` (typed features, exact vocabulary) or `seed` (the original's hashed tokens).
    #[arg(long = "features", env = "FILMDEX_FEATURES", default_value = "default")]
    pub feature_set: FeatureSet,
    /// Neighbours kept per film: the most similar, ties going to the smaller film id.
    #[arg(long, env = "FILMDEX_TOP_K", default_value_t = filmdex_similarity::DEFAULT_TOP_K)]
    pub top_k: usize,
    /// A neighbour shares at least one feature and is at least this similar (the API's
    /// threshold follows the same rule); 0 keeps every film sharing a feature.
    #[arg(long, env = "FILMDEX_MIN_SIMILARITY", default_value_t = 0.0)]
    pub min_similarity: f64,
    /// Store every neighbour (see --min-similarity) instead of the top-k (the original's full
    /// table).
    #[arg(long, env = "FILMDEX_ALL_PAIRS")]
    pub all_pairs: bool,
}

#[derive(Debug, Args)]
pub struct EngineArgs {
    /// DuckDB memory limit; bigger joins spill to .filmdex/spill.
    #[arg(long, env = "FILMDEX_MEMORY_LIMIT", default_value_t = DuckSettings::default().memory_limit)]
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
    pub tasks: Vec<TaskName>,
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

/// The similarity task split over machines (docs/scale-out.md).
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
    /// Print a JSON list (task, state, bytes, duration_ms, built_at, reason) for scripts.
    #[arg(long)]
    pub json: bool,
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
                self.tasks.iter().all(|task| *task == TaskName::Similarity),
                "--shard runs only the similarity task: `filmdex build similarity --shard {shard}`"
            );
        } else {
            ensure!(
                scale_out.films.is_none(),
                "--films is the films table of a --shard run"
            );
            ensure!(
                scale_out.pairs.is_none() || !self.tasks.contains(&TaskName::Similarity),
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
                global_search: (self.global_search_rate > 0.0).then_some(Bucket {
                    per_second: self.global_search_rate,
                    burst: self.global_search_burst.max(1),
                }),
            })
        };
        ensure!(
            self.max_connections >= 1 && self.max_connections_per_client >= 1,
            "connection caps must be at least 1"
        );
        ensure!(
            !self.header_timeout.is_zero()
                && !self.request_timeout.is_zero()
                && !self.write_timeout.is_zero(),
            "timeouts must be above 0"
        );
        let max_expensive = self.max_expensive.unwrap_or_else(default_max_expensive);
        ensure!(max_expensive >= 1, "--max-expensive must be at least 1");
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
            limits: ServeLimits {
                header_timeout: self.header_timeout,
                request_timeout: self.request_timeout,
                write_timeout: self.write_timeout,
                max_connections: self.max_connections,
                max_connections_per_client: self.max_connections_per_client,
                max_expensive,
                expensive_wait: self.expensive_wait,
            },
            metrics_bind: self.metrics_addr.clone(),
        })
    }
}

impl LookupArgs {
    fn database(&self, workdir: &std::path::Path) -> PathBuf {
        self.db
            .clone()
            .unwrap_or_else(|| Layout::new(workdir).database())
    }

    fn page(&self) -> Result<Page> {
        ensure!(self.limit <= 1_000, "--limit is at most 1000");
        Ok(Page {
            offset: usize::try_from(self.offset).unwrap_or(usize::MAX),
            limit: self.limit as usize,
        })
    }

    /// The filters as the API's search criteria.
    fn filters(&self) -> SearchQuery {
        let list = |values: &Vec<String>| (!values.is_empty()).then(|| values.clone());
        SearchQuery {
            genres: list(&self.genres),
            genres_any: list(&self.genres_any),
            persons: list(&self.persons),
            year_from: self.year_from,
            year_to: self.year_to,
            min_rating: self.min_rating,
            vote_count: self.min_votes,
            title: self.title.clone(),
            ..SearchQuery::default()
        }
    }
}

impl SimilarArgs {
    pub fn resolve(&self, workdir: &std::path::Path) -> Result<SimilarRequest> {
        ensure!(
            (0.0..=1.0).contains(&self.threshold),
            "--threshold is a similarity from 0 to 1"
        );
        Ok(SimilarRequest {
            database: self.lookup.database(workdir),
            film: self.film.clone(),
            threshold: self.threshold,
            filters: self.lookup.filters(),
            page: self.lookup.page()?,
            explain: self.lookup.explain,
            json: self.lookup.json,
        })
    }
}

impl SearchArgs {
    pub fn resolve(&self, workdir: &std::path::Path) -> Result<SearchRequest> {
        ensure!(
            !self.lookup.explain,
            "--explain is for similar and recommend; search shows what matched in each film"
        );
        ensure!(
            !self.query.trim().is_empty(),
            "give something to search for, e.g. `filmdex search amelie`"
        );
        let mut query = self.lookup.filters();
        query.q = Some(self.query.clone());
        query.sort = self.sort.clone();
        Ok(SearchRequest {
            database: self.lookup.database(workdir),
            query,
            page: self.lookup.page()?,
            json: self.lookup.json,
        })
    }
}

impl RecommendArgs {
    pub fn resolve(&self, workdir: &std::path::Path) -> Result<RecommendRequest> {
        Ok(RecommendRequest {
            database: self.lookup.database(workdir),
            like: self.like.clone(),
            dislike: self.dislike.clone(),
            filters: self.lookup.filters(),
            page: self.lookup.page()?,
            explain: self.lookup.explain,
            json: self.lookup.json,
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
    ensure!(
        args.idle_timeout > 0,
        "--idle-timeout must be at least 1 second"
    );
    ensure!(
        args.max_download_mb > 0,
        "--max-download-mb must be at least 1"
    );
    Ok(FetchConfig {
        base_url,
        retries: args.retries,
        backoff_ms: defaults::BACKOFF_MS,
        idle_timeout: std::time::Duration::from_secs(args.idle_timeout),
        max_bytes: args.max_download_mb.saturating_mul(1_000_000),
    })
}

fn resolve_common(
    workdir: &std::path::Path,
    source: &SourceArgs,
    prep: &PrepArgs,
    similarity: &SimilarityArgs,
) -> Result<BuildConfig> {
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
            reader: prep.dump_reader,
        },
        similarity: SimilarityParams {
            feature_set: similarity.feature_set,
            top_k: similarity.top_k,
            min_similarity: similarity.min_similarity,
            all_pairs: similarity.all_pairs,
        },
        ..BuildConfig::defaults(workdir)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_command_line_without_options_gives_the_default_configuration() {
        let workdir = std::path::Path::new("work");
        let cli = Cli::try_parse_from(["filmdex", "build"]).expect("a valid command line");
        let Command::Build(args) = cli.command else {
            panic!("parsed as {:?}", cli.command);
        };
        let parsed = args.resolve(workdir).expect("valid options");
        let defaults = BuildConfig::defaults(workdir);
        assert_eq!(parsed.prep, defaults.prep);
        assert_eq!(parsed.similarity, defaults.similarity);
        assert_eq!(parsed.fetch.base_url, defaults.fetch.base_url);
        assert_eq!(parsed.fetch.retries, defaults.fetch.retries);
        assert_eq!(parsed.fetch.backoff_ms, defaults.fetch.backoff_ms);
        assert_eq!(parsed.duck.memory_limit, defaults.duck.memory_limit);
        assert_eq!(parsed.source, defaults.source);
    }

    #[test]
    fn task_names_are_read_on_the_command_line() {
        let cli = Cli::try_parse_from(["filmdex", "build", "fetch:title.ratings", "load"])
            .expect("known tasks");
        let Command::Build(args) = cli.command else {
            panic!("parsed as {:?}", cli.command);
        };
        assert_eq!(
            args.tasks,
            [
                TaskName::Fetch(crate::dumps::Dump::TitleRatings),
                TaskName::Load
            ]
        );
        let error = Cli::try_parse_from(["filmdex", "build", "simliarity"]).expect_err("a typo");
        assert!(
            error.to_string().contains("unknown task 'simliarity'"),
            "{error}"
        );
    }
}
