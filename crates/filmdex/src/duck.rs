//! Opening DuckDB the filmdex way: no extension downloads (there may be no network), bounded
//! memory, a spill folder, and string literals quoted safely for the pipeline's own SQL.

use std::path::Path;

use anyhow::{Context, Result};
use duckdb::{AccessMode, Config, Connection};

/// Resources a pipeline connection may use.
#[derive(Debug, Clone)]
pub struct DuckSettings {
    /// e.g. "1GB"; by default a share of the machine's available memory.
    pub memory_limit: String,
    pub threads: usize,
    /// Where joins that do not fit in memory spill.
    pub spill_dir: Option<std::path::PathBuf>,
}

impl Default for DuckSettings {
    fn default() -> Self {
        Self {
            memory_limit: default_memory_limit(),
            threads: std::thread::available_parallelism().map_or(2, usize::from),
            spill_dir: None,
        }
    }
}

/// The share of the available memory DuckDB may use by default, and the bounds of that share.
/// Prep hands DuckDB only the rows that can matter (a few hundred MB at today's dump sizes), so
/// more than 1 GiB buys nothing, and a small machine keeps room for the rest of the build.
const MEMORY_SHARE: f64 = 0.25;
const MEMORY_CAP_MIB: u64 = 1024;
const MEMORY_FLOOR_MIB: u64 = 256;

/// A quarter of the memory available when first asked (once per process, so that every
/// default agrees), between 256 MiB and 1 GiB, e.g. "1024MiB".
fn default_memory_limit() -> String {
    static LIMIT: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    LIMIT
        .get_or_init(|| {
            let available_mib = available_memory_kib().map_or(MEMORY_CAP_MIB, |kib| kib / 1024);
            let share = (available_mib as f64 * MEMORY_SHARE) as u64;
            format!("{}MiB", share.clamp(MEMORY_FLOOR_MIB, MEMORY_CAP_MIB))
        })
        .clone()
}

/// `MemAvailable` of /proc/meminfo, or a container's cgroup limit when lower (Linux); None
/// elsewhere.
fn available_memory_kib() -> Option<u64> {
    let meminfo = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = meminfo
        .lines()
        .find(|line| line.starts_with("MemAvailable:"))?;
    let available: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    // "max" (no limit) does not parse, and then the machine's figure stands.
    let cgroup_limit = std::fs::read_to_string("/sys/fs/cgroup/memory.max")
        .ok()
        .and_then(|text| text.trim().parse::<u64>().ok())
        .map(|bytes| bytes / 1024);
    Some(cgroup_limit.map_or(available, |limit| limit.min(available)))
}

fn base_config() -> Result<Config> {
    // parquet is compiled in; anything else would be fetched from the internet, so never.
    Config::default()
        .enable_autoload_extension(false)
        .context("disabling DuckDB extension autoload")
}

/// An in-memory database for the pipeline's work.
pub fn open_in_memory(settings: &DuckSettings) -> Result<Connection> {
    let connection = Connection::open_in_memory_with_flags(base_config()?)
        .context("opening DuckDB in memory")?;
    apply(&connection, settings)?;
    Ok(connection)
}

/// A database file, read-only, so several readers can share it with a build replacing it.
pub fn open_read_only(path: &Path) -> Result<Connection> {
    let config = base_config()?
        .access_mode(AccessMode::ReadOnly)
        .context("read-only mode")?;
    Connection::open_with_flags(path, config)
        .with_context(|| format!("opening {} read-only", path.display()))
}

fn apply(connection: &Connection, settings: &DuckSettings) -> Result<()> {
    let mut sql = format!(
        "SET memory_limit = {}; SET threads = {}; SET preserve_insertion_order = false;",
        string_literal(&settings.memory_limit),
        settings.threads.max(1)
    );
    if let Some(dir) = &settings.spill_dir {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        sql.push_str(&format!(
            " SET temp_directory = {};",
            string_literal(&dir.display().to_string())
        ));
    }
    connection.execute_batch(&sql).context("configuring DuckDB")
}

/// A SQL string literal: single quotes around, inner quotes doubled. Only for the pipeline's
/// own paths and parameters, where DuckDB needs constants (file names of `read_csv`, `COPY`);
/// the server never builds SQL from text.
pub fn string_literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// A DuckDB list of string literals, `['a', 'b']`, for functions such as `read_parquet`.
pub fn string_list(paths: &[std::path::PathBuf]) -> String {
    let items: Vec<String> = paths
        .iter()
        .map(|path| string_literal(&path.display().to_string()))
        .collect();
    format!("[{}]", items.join(", "))
}

/// `SET VARIABLE name = value` for a string.
pub fn set_text(connection: &Connection, name: &str, value: &str) -> Result<()> {
    connection
        .execute_batch(&format!("SET VARIABLE {name} = {};", string_literal(value)))
        .with_context(|| format!("setting {name}"))
}

/// `SET VARIABLE name = [values]` for a list of strings.
pub fn set_text_list(connection: &Connection, name: &str, values: &[String]) -> Result<()> {
    let items: Vec<String> = values.iter().map(|value| string_literal(value)).collect();
    connection
        .execute_batch(&format!(
            "SET VARIABLE {name} = [{}]::VARCHAR[];",
            items.join(", ")
        ))
        .with_context(|| format!("setting {name}"))
}

/// `SET VARIABLE name = value` for a number, with an explicit SQL type.
pub fn set_number(connection: &Connection, name: &str, value: f64, sql_type: &str) -> Result<()> {
    anyhow::ensure!(value.is_finite(), "{name} must be a finite number");
    connection
        .execute_batch(&format!(
            "SET VARIABLE {name} = CAST({value} AS {sql_type});"
        ))
        .with_context(|| format!("setting {name}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_literals_double_inner_quotes() {
        assert_eq!(string_literal("it's"), "'it''s'");
        assert_eq!(string_literal("/tmp/a"), "'/tmp/a'");
    }
}
