//! A dump counts only when its gzip stream decodes to the end and its header line is the one the
//! dump must have. Plain `.tsv` files are checked the same way. The check is a by-product of
//! reading: `decode_dump` hands the rows to its caller while it checks them, so prep checks the
//! files in the pass that reads them, and a file once checked is stamped so that a refresh that
//! changed nothing decodes nothing.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::{Mutex, PoisonError};
use std::time::UNIX_EPOCH;

use anyhow::{anyhow, Context, Result};
use flate2::bufread::MultiGzDecoder;
use indicatif::ProgressBar;
use serde::{Deserialize, Serialize};

use crate::dumps::Dump;
use crate::exit::ExitKind;

/// Decoded bytes handed over at a time: big enough to amortise the hand-over, small enough that
/// the chunks in flight stay a few megabytes.
const CHUNK_BYTES: usize = 4 << 20;
/// Chunks decoded ahead of the reader; with the one being read and the one being decoded, at
/// most this plus two are alive.
const CHUNKS_AHEAD: usize = 2;

/// What the decoding thread hands over.
enum Decoded {
    /// Whole lines, but for the file's last line, which may lack its `\n`.
    Lines(Vec<u8>),
    /// The stream broke; `after_a_line` tells a broken stream from an unreadable file.
    Failed {
        error: std::io::Error,
        after_a_line: bool,
    },
}

/// Decodes the whole file; returns its number of data rows (lines after the header).
pub fn verify_dump(path: &Path, dump: Dump) -> Result<u64> {
    decode_dump(path, dump, &ProgressBar::hidden(), |_| Ok(()))
}

/// Decodes `path` on a thread of its own, checks the header, and hands the data lines to
/// `on_lines` in chunks of whole lines (the last line of the file may lack its `\n`). Returns the
/// number of data rows. `progress` counts compressed bytes read, out of the file's size.
///
/// A wrong header or a stream that does not decode to the end is an error naming the file; the
/// caller must treat what it was handed as void then.
pub fn decode_dump(
    path: &Path,
    dump: Dump,
    progress: &ProgressBar,
    on_lines: impl FnMut(&[u8]) -> Result<()>,
) -> Result<u64> {
    let file = File::open(path).with_context(|| format!("opening {}", path.display()))?;
    progress.set_length(file.metadata().map_or(0, |meta| meta.len()));
    count_pass(path, |passes| passes.from_disk += 1);
    decode_stream(path, progress.wrap_read(file), dump, on_lines)
}

/// `decode_dump` for bytes from any source (a download as it arrives); `name` is the file the
/// errors name.
pub fn decode_stream(
    name: &Path,
    source: impl Read + Send,
    dump: Dump,
    mut on_lines: impl FnMut(&[u8]) -> Result<()>,
) -> Result<u64> {
    let (full, full_receiver) = sync_channel::<Decoded>(CHUNKS_AHEAD);
    let (empty, empty_receiver) = sync_channel::<Vec<u8>>(CHUNKS_AHEAD + 2);
    std::thread::scope(|scope| {
        scope.spawn(move || decode_chunks(source, full, empty_receiver));
        read_chunks(name, dump, full_receiver, empty, &mut on_lines)
    })
}

/// How often a file was decoded whole: the evidence that a download is decoded once.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DecodePasses {
    /// Passes that read the file back from disk.
    pub from_disk: u32,
    /// Passes over a download as its bytes arrived.
    pub while_downloading: u32,
}

/// Whole decodes per file in this process: a lock and a map entry per whole file, nothing per
/// row.
static PASSES: Mutex<BTreeMap<PathBuf, DecodePasses>> = Mutex::new(BTreeMap::new());

pub(crate) fn count_pass(path: &Path, add: impl FnOnce(&mut DecodePasses)) {
    let mut passes = PASSES.lock().unwrap_or_else(PoisonError::into_inner);
    add(passes.entry(path.to_owned()).or_default());
}

/// The whole decodes of `path` so far in this process.
pub fn decode_passes(path: &Path) -> DecodePasses {
    let passes = PASSES.lock().unwrap_or_else(PoisonError::into_inner);
    passes.get(path).copied().unwrap_or_default()
}

/// The consumer side: header first, then every chunk to `on_lines`, counting lines.
fn read_chunks(
    path: &Path,
    dump: Dump,
    full: Receiver<Decoded>,
    empty: SyncSender<Vec<u8>>,
    on_lines: &mut impl FnMut(&[u8]) -> Result<()>,
) -> Result<u64> {
    let (mut rows, mut last, mut header_seen) = (0u64, b'\n', false);
    for chunk in full {
        let chunk = match chunk {
            Decoded::Lines(chunk) => chunk,
            Decoded::Failed {
                error,
                after_a_line,
            } if !header_seen && !after_a_line => {
                return Err(ExitKind::Data.mark(
                    anyhow!(error)
                        .context(format!("{} is not a readable gzip file", path.display())),
                ))
            }
            Decoded::Failed { error, .. } => {
                return Err(ExitKind::Data.mark(anyhow!(error).context(format!(
                    "{} is truncated or corrupt: its gzip stream does not decode to the end",
                    path.display()
                ))))
            }
        };
        let mut lines = &chunk[..];
        if !header_seen {
            let end = memchr::memchr(b'\n', lines).map_or(lines.len(), |at| at + 1);
            check_header(path, dump, &lines[..end])?;
            lines = &lines[end..];
            header_seen = true;
        }
        if let Some(&byte) = lines.last() {
            rows += memchr::memchr_iter(b'\n', lines).count() as u64;
            last = byte;
            on_lines(lines)?;
        }
        // The decoder may have stopped already; then the buffer is simply dropped.
        let _ = empty.try_send(chunk);
    }
    if !header_seen {
        check_header(path, dump, b"")?;
    }
    // A last line without a final newline still counts.
    Ok(rows + u64::from(last != b'\n'))
}

fn check_header(path: &Path, dump: Dump, line: &[u8]) -> Result<()> {
    let header = String::from_utf8_lossy(line);
    let header = header
        .trim_start_matches('\u{feff}')
        .trim_end_matches(['\r', '\n']);
    if header != dump.header() {
        return Err(ExitKind::Data.error(format!(
            "{} does not start with the {} header (found {:?}, expected {:?})",
            path.display(),
            dump,
            truncate(header, 120),
            dump.header()
        )));
    }
    Ok(())
}

/// The producer side: decodes into chunks that end at a line end (or the end of the file).
fn decode_chunks(source: impl Read, full: SyncSender<Decoded>, empty: Receiver<Vec<u8>>) {
    let mut raw = BufReader::with_capacity(1 << 20, source);
    // Recognised by content, not name (downloads in progress end in `.download`): plain `.tsv`
    // files, hand-made or unpacked, are read as they are.
    let is_gzip = match raw.fill_buf() {
        Ok(start) => start.starts_with(&[0x1f, 0x8b]),
        Err(error) => {
            let _ = full.send(Decoded::Failed {
                error,
                after_a_line: false,
            });
            return;
        }
    };
    let mut decoded: Box<dyn Read> = if is_gzip {
        Box::new(MultiGzDecoder::new(raw))
    } else {
        Box::new(raw)
    };
    let (mut carry, mut sent_a_line) = (Vec::new(), false);
    loop {
        let mut chunk = empty.try_recv().unwrap_or_default();
        chunk.clear();
        chunk.append(&mut carry);
        let ended = match fill(&mut decoded, &mut chunk) {
            Ok(ended) => ended,
            Err(error) => {
                let after_a_line = sent_a_line || chunk.contains(&b'\n');
                let _ = full.send(Decoded::Failed {
                    error,
                    after_a_line,
                });
                return;
            }
        };
        if !ended {
            // Whole lines only: the tail after the last `\n` starts the next chunk; a chunk
            // without any line end grows until it has one.
            match memchr::memrchr(b'\n', &chunk) {
                Some(at) => {
                    carry.extend_from_slice(&chunk[at + 1..]);
                    chunk.truncate(at + 1);
                }
                None => {
                    carry = chunk;
                    continue;
                }
            }
        }
        sent_a_line = true;
        if !chunk.is_empty() && full.send(Decoded::Lines(chunk)).is_err() {
            return; // the reader gave up (an error of its own)
        }
        if ended {
            return;
        }
    }
}

/// Reads until `chunk` holds `CHUNK_BYTES` or the stream ends; true when it ended.
fn fill(decoded: &mut impl Read, chunk: &mut Vec<u8>) -> std::io::Result<bool> {
    let mut filled = chunk.len();
    let wanted = CHUNK_BYTES.max(filled * 2);
    chunk.resize(wanted, 0);
    let ended = loop {
        if filled == wanted {
            break false;
        }
        match decoded.read(&mut chunk[filled..]) {
            Ok(0) => break true,
            Ok(read) => filled += read,
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => {}
            Err(error) => {
                chunk.truncate(filled);
                return Err(error);
            }
        }
    };
    chunk.truncate(filled);
    Ok(ended)
}

fn truncate(text: &str, chars: usize) -> String {
    text.chars().take(chars).collect()
}

/// What a whole check found, kept beside the file: valid while the file keeps its size and
/// modification time.
#[derive(Debug, Serialize, Deserialize, PartialEq)]
struct Stamp {
    bytes: u64,
    modified_ns: u128,
    rows: u64,
}

fn stamp_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map_or_else(String::new, |name| name.to_string_lossy().into_owned());
    path.with_file_name(format!(".{name}.verified.json"))
}

fn current_stamp(path: &Path, rows: u64) -> Option<Stamp> {
    let meta = std::fs::metadata(path).ok()?;
    let modified = meta.modified().ok()?.duration_since(UNIX_EPOCH).ok()?;
    Some(Stamp {
        bytes: meta.len(),
        modified_ns: modified.as_nanos(),
        rows,
    })
}

/// Records that `path`, as it is now, passed the whole check with `rows` data rows.
pub fn record_verified(path: &Path, rows: u64) -> Result<()> {
    let stamp = current_stamp(path, rows).with_context(|| format!("reading {}", path.display()))?;
    let bytes = serde_json::to_vec(&stamp).context("serialising a verification stamp")?;
    let target = stamp_path(path);
    std::fs::write(&target, bytes).with_context(|| format!("writing {}", target.display()))
}

/// The row count of `path` when it passed the whole check and has not changed since.
pub fn verified_rows(path: &Path) -> Option<u64> {
    let recorded: Stamp = serde_json::from_slice(&std::fs::read(stamp_path(path)).ok()?).ok()?;
    let current = current_stamp(path, recorded.rows)?;
    (current == recorded).then_some(recorded.rows)
}

/// Only the header: a cheap look at a file whose whole check happens where it is read.
pub fn check_dump_header(path: &Path, dump: Dump) -> Result<()> {
    let mut file =
        BufReader::new(File::open(path).with_context(|| format!("opening {}", path.display()))?);
    let is_gzip = file
        .fill_buf()
        .with_context(|| format!("reading {}", path.display()))?
        .starts_with(&[0x1f, 0x8b]);
    let decoded: Box<dyn Read> = if is_gzip {
        Box::new(MultiGzDecoder::new(file))
    } else {
        Box::new(file)
    };
    let mut header = Vec::new();
    BufReader::new(decoded.take(1 << 16))
        .read_until(b'\n', &mut header)
        .with_context(|| format!("{} is not a readable gzip file", path.display()))?;
    check_header(path, dump, &header)
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::write::GzEncoder;
    use std::io::Write;

    fn gzip(text: &str) -> Vec<u8> {
        let mut encoder = GzEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(text.as_bytes()).expect("compress");
        encoder.finish().expect("finish")
    }

    #[test]
    fn counts_rows_of_a_whole_file_without_final_newline() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("title.ratings.tsv.gz");
        std::fs::write(
            &path,
            gzip("tconst\taverageRating\tnumVotes\ntt1\t6.0\t10\ntt2\t7.0\t20"),
        )
        .expect("write");
        assert_eq!(verify_dump(&path, Dump::TitleRatings).expect("valid"), 2);
    }

    #[test]
    fn hands_over_every_line_once_in_whole_lines() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("title.ratings.tsv.gz");
        // Longer than a few chunks, so that lines cross chunk boundaries in the decoder.
        let rows: Vec<String> = (0..400_000)
            .map(|row| format!("tt{row}\t{}.{}\t{}", row % 9 + 1, row % 10, row * 7))
            .collect();
        let body = format!(
            "\u{feff}tconst\taverageRating\tnumVotes\n{}",
            rows.join("\n")
        );
        std::fs::write(&path, gzip(&body)).expect("write");
        let mut seen = Vec::new();
        let count = decode_dump(&path, Dump::TitleRatings, &ProgressBar::hidden(), |lines| {
            seen.extend_from_slice(lines);
            Ok(())
        })
        .expect("valid");
        assert_eq!(count, 400_000);
        assert_eq!(String::from_utf8(seen).expect("utf-8"), rows.join("\n"));
    }

    #[test]
    fn rejects_a_truncated_gzip_stream() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("title.ratings.tsv.gz");
        let body = format!(
            "tconst\taverageRating\tnumVotes\n{}",
            "tt1\t6.0\t10\n".repeat(10_000)
        );
        let bytes = gzip(&body);
        std::fs::write(&path, &bytes[..bytes.len() / 2]).expect("write");
        let error = verify_dump(&path, Dump::TitleRatings).expect_err("truncated");
        assert!(
            format!("{error:#}").contains("truncated or corrupt"),
            "{error:#}"
        );
    }

    #[test]
    fn rejects_a_wrong_header() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("title.ratings.tsv.gz");
        std::fs::write(&path, gzip("<html>not found</html>\n")).expect("write");
        let error = verify_dump(&path, Dump::TitleRatings).expect_err("wrong header");
        assert!(format!("{error:#}").contains("does not start with the title.ratings header"));
        let error = check_dump_header(&path, Dump::TitleRatings).expect_err("wrong header");
        assert!(format!("{error:#}").contains("does not start with the title.ratings header"));
    }

    #[test]
    fn a_stamp_holds_only_while_the_file_is_unchanged() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("title.ratings.tsv.gz");
        std::fs::write(
            &path,
            gzip("tconst\taverageRating\tnumVotes\ntt1\t6.0\t10\n"),
        )
        .expect("write");
        assert_eq!(verified_rows(&path), None);
        record_verified(&path, 1).expect("stamp");
        assert_eq!(verified_rows(&path), Some(1));
        std::fs::write(&path, gzip("tconst\taverageRating\tnumVotes\n")).expect("rewrite");
        assert_eq!(verified_rows(&path), None, "a new file needs a new check");
    }
}
