//! Writes one dump file: the rows of the module that generates it, then its extra rows.
//!
//! This is the top of the generator: it is the only module that knows every per-dump writer,
//! and none of them imports it.

use std::path::Path;

use anyhow::Result;
use filmdex_dumps::Dump;

use crate::extra::Extra;
use crate::output::{self, Rows};
use crate::plan::Plan;
use crate::{akas, names, principals, titles};

/// Writes `dump` into `dir` as `<stem>.tsv.gz`; returns its row count (header excluded).
pub(crate) fn write_dump(dump: Dump, plan: &Plan, extra: &Extra, dir: &Path) -> Result<u64> {
    output::write_gz(&dir.join(dump.file_name()), &dump.header(), |rows| {
        match dump {
            Dump::TitleBasics => titles::write_basics(plan, rows)?,
            Dump::TitlePrincipals => principals::write(plan, rows)?,
            Dump::NameBasics => names::write(plan, rows)?,
            Dump::TitleRatings => titles::write_ratings(plan, rows)?,
            Dump::TitleAkas => akas::write(plan, rows)?,
        }
        append_extra(extra.rows(dump), rows)
    })
}

fn append_extra(lines: &[String], rows: &mut Rows) -> Result<()> {
    for line in lines {
        rows.chunk.extend_from_slice(line.as_bytes());
        rows.end_row()?;
    }
    Ok(())
}
