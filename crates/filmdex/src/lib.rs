//! filmdex: IMDb's dumps -> a films table -> the TF-IDF cosine similarity of every film
//! against every other -> an embeddable DuckDB file -> a JSON API and a web page. Modules in
//! data-flow order, then the parts they share:

// A blank line between two steps keeps rustfmt from sorting them by name.

/// The IMDb dump files: names and headers.
pub mod dumps;

/// Getting the dumps: download (resumable, verified), bundled sample, or a local folder.
pub mod fetch;

/// Dumps -> the films table (`output/films/`) and its genre partitions (`output/genres/`).
pub mod prep;

/// Dumps + films -> the films' alternate titles (`output/akas/`), for text search.
pub mod akas;

/// Films -> neighbours by TF-IDF cosine (`output/csfilms/`), via the `filmdex-similarity` kernel.
pub mod similarity;

/// Parquet outputs -> `duckdb/films.duckdb`, the contract between pipeline and server.
pub mod store;

/// The server's answers from the database file, on the command line (`similar`, `recommend`).
pub mod lookup;
/// The JSON API and the web page over the database (axum).
pub mod serve;

/// Typed access to a DuckDB query's Arrow columns (much faster than row by row).
pub mod arrow_columns;
/// The command line and its resolution into `config`.
pub mod cli;
/// What each subcommand does.
pub mod commands;
/// Plain configuration structs.
pub mod config;
/// Opening DuckDB safely (no network, bounded memory).
pub mod duck;
/// The exit codes, one table: usage, busy, bad data, network, ...
pub mod exit;
/// The task runner that replaces Luigi.
pub mod pipeline;
/// The build's task list in dependency order.
pub mod plan;
/// Progress bars on a terminal.
pub mod progress;
/// The sample dumps embedded in the binary.
pub mod sample;
/// Local folders and object storage (s3://, gs://, az://) for shard inputs and outputs.
pub mod storage;
