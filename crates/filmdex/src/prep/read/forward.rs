//! One dump, decoded once: its whole stream checked (header, gzip to the end, rows counted) while
//! the lines DuckDB must see are copied into a plain TSV, with their line numbers in the dump.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use indicatif::ProgressBar;

use super::keep::Keep;
use crate::fetch::decode_dump;

/// The lines of a dump that DuckDB must see, as a plain TSV with the dump's header.
pub struct Forwarded {
    pub file: PathBuf,
    /// The dump's line number of each data line of `file` (the header is line 1 in both).
    pub line_numbers: Vec<u64>,
    /// Data rows of the whole dump.
    pub total_rows: u64,
}

impl Forwarded {
    /// The dump's line number of line `line` of `file`.
    pub fn original_line(&self, line: u64) -> u64 {
        let index = line.checked_sub(2).and_then(|at| usize::try_from(at).ok());
        index
            .and_then(|at| self.line_numbers.get(at).copied())
            .unwrap_or(line)
    }
}

/// Decodes `dump` and writes the lines `keep` needs into `target`.
pub fn forward(dump: &Path, mut keep: Keep, target: &Path, bar: &ProgressBar) -> Result<Forwarded> {
    let file = File::create(target).with_context(|| format!("creating {}", target.display()))?;
    let mut out = BufWriter::with_capacity(1 << 20, file);
    writeln!(out, "{}", keep.dump().header())
        .with_context(|| format!("writing {}", target.display()))?;
    let mut line_numbers = Vec::new();
    // The header is line 1; data lines count from 2.
    let mut next_line = 2u64;
    let total_rows = decode_dump(dump, keep.dump(), bar, |lines| {
        // Whole-chunk checks first: most chunks are valid UTF-8 without `\r`, and then no line
        // needs them.
        let clean = std::str::from_utf8(lines).is_ok() && memchr::memchr(b'\r', lines).is_none();
        let mut start = 0;
        while start < lines.len() {
            let end = memchr::memchr(b'\n', &lines[start..]).map_or(lines.len(), |at| start + at);
            // A Windows line end (`\r\n`) ends the line as `\n` does, and a lone `\r` breaks it
            // too, as Spark's reader (the original's) takes them; DuckDB's parser stops on a
            // `\r` instead. Each piece keeps the dump's line number, and DuckDB rejects a piece
            // that does not parse as a bad row of that line.
            let line = lines[start..end]
                .strip_suffix(b"\r")
                .unwrap_or(&lines[start..end]);
            if clean {
                if keep.needs(line) {
                    copy_line(&mut out, line, next_line, &mut line_numbers)?;
                }
            } else {
                for piece in line.split(|&byte| byte == b'\r') {
                    copy_if_needed(&mut out, &mut keep, piece, next_line, &mut line_numbers)?;
                }
            }
            next_line += 1;
            start = end + 1;
        }
        Ok(())
    })?;
    out.flush()
        .with_context(|| format!("writing {}", target.display()))?;
    Ok(Forwarded {
        file: target.to_owned(),
        line_numbers,
        total_rows,
    })
}

/// Copies `line` when DuckDB must see it: when it is not valid UTF-8 (DuckDB reports it) or
/// `keep` needs it.
fn copy_if_needed(
    out: &mut impl Write,
    keep: &mut Keep,
    line: &[u8],
    number: u64,
    line_numbers: &mut Vec<u64>,
) -> std::io::Result<()> {
    if std::str::from_utf8(line).is_err() || keep.needs(line) {
        copy_line(out, line, number, line_numbers)?;
    }
    Ok(())
}

fn copy_line(
    out: &mut impl Write,
    line: &[u8],
    number: u64,
    line_numbers: &mut Vec<u64>,
) -> std::io::Result<()> {
    out.write_all(line)?;
    out.write_all(b"\n")?;
    line_numbers.push(number);
    Ok(())
}
