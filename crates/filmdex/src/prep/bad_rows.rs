//! Rows of a dump that DuckDB could not parse: counted per file, with the first line numbers.

use anyhow::{Context, Result};
use duckdb::Connection;
use serde::{Deserialize, Serialize};
use tracing::warn;

use crate::config::BadRowLimit;
use crate::dumps::Dump;
use crate::exit::ExitKind;

/// How many lines of one file were rejected, and which came first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BadRows {
    pub file: String,
    pub total_rows: u64,
    pub bad_rows: u64,
    /// The first few rejected line numbers (1-based, header is line 1).
    pub first_lines: Vec<u64>,
    /// DuckDB's message for the first rejected line.
    pub first_error: Option<String>,
}

const SHOWN_LINES: usize = 5;

/// Reads the rejects table DuckDB filled while scanning `dump`.
pub fn collect(
    connection: &Connection,
    dump: Dump,
    file: &str,
    total_rows: u64,
) -> Result<BadRows> {
    let table = format!("rejects_{}", dump.stem().replace('.', "_"));
    let sql = format!(
        "SELECT count(DISTINCT line), array_to_string(list(DISTINCT line ORDER BY line)[1:{SHOWN_LINES}], ', '), \
         arg_min(error_message, line) FROM {table}"
    );
    let (bad_rows, first_lines, first_error): (i64, Option<String>, Option<String>) = connection
        .query_row(&sql, [], |row| {
            Ok((row.get(0)?, row.get::<_, Option<String>>(1)?, row.get(2)?))
        })
        .or_else(|error| match error {
            // No rejected line at all: DuckDB may not create the table.
            duckdb::Error::DuckDBFailure(..) => Ok((0, None, None)),
            other => Err(other),
        })
        .with_context(|| format!("counting the rejected rows of {file}"))?;
    Ok(BadRows {
        file: file.to_owned(),
        total_rows,
        bad_rows: bad_rows as u64,
        first_lines: parse_line_list(first_lines.as_deref()),
        first_error,
    })
}

/// The line numbers, as `array_to_string` joined them: `3, 17`.
fn parse_line_list(text: Option<&str>) -> Vec<u64> {
    text.unwrap_or("")
        .split(',')
        .filter_map(|item| item.trim().parse().ok())
        .collect()
}

/// Logs every file with rejected rows; fails when one exceeds `limit`.
pub fn check(reports: &[BadRows], limit: BadRowLimit) -> Result<()> {
    for report in reports.iter().filter(|report| report.bad_rows > 0) {
        warn!(
            file = %report.file,
            bad_rows = report.bad_rows,
            total_rows = report.total_rows,
            first_lines = ?report.first_lines,
            first_error = report.first_error.as_deref().unwrap_or(""),
            "rows that do not parse were skipped"
        );
    }
    if let Some(report) = reports
        .iter()
        .find(|report| !limit.allows(report.bad_rows, report.total_rows))
    {
        return Err(ExitKind::Data.error(format!(
            "{} has {} rows that do not parse out of {} (first at lines {:?}: {}), more than --max-bad-rows {}; \
             fix the file or raise --max-bad-rows",
            report.file,
            report.bad_rows,
            report.total_rows,
            report.first_lines,
            report.first_error.as_deref().unwrap_or("unknown error"),
            limit
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_duckdb_list_text() {
        assert_eq!(parse_line_list(Some("3, 17")), vec![3, 17]);
        assert_eq!(parse_line_list(Some("")), Vec::<u64>::new());
        assert_eq!(parse_line_list(None), Vec::<u64>::new());
    }

    #[test]
    fn check_fails_only_past_the_limit() {
        let report = BadRows {
            file: "x.tsv".into(),
            total_rows: 1000,
            bad_rows: 2,
            first_lines: vec![5, 9],
            first_error: None,
        };
        assert!(check(std::slice::from_ref(&report), BadRowLimit::Count(2)).is_ok());
        let error = check(&[report], BadRowLimit::Fraction(0.001)).expect_err("over the limit");
        assert!(format!("{error}").contains("x.tsv has 2 rows that do not parse out of 1000"));
    }
}
