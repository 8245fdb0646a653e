//! Writing one `.tsv.gz`: rows are built in 1 MiB chunks on one thread and compressed on
//! another, into `<name>.tmp`, renamed over `<name>` only once complete.

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::Path;
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::thread;

use anyhow::{anyhow, Context, Result};
use flate2::write::GzEncoder;
use flate2::Compression;

const CHUNK: usize = 1 << 20;

/// `\N`, IMDb's null.
pub(crate) const NULL: &[u8] = b"\\N";

/// The rows of a file being written: a row's fields are appended to `chunk`, then `end_row`
/// finishes it.
pub(crate) struct Rows {
    /// Finished rows not yet sent to the compressor, then the row being written.
    pub(crate) chunk: Vec<u8>,
    count: u64,
    full: SyncSender<Vec<u8>>,
    empty: Receiver<Vec<u8>>,
}

impl Rows {
    /// Ends the current row with LF and hands a full chunk to the compressor.
    pub(crate) fn end_row(&mut self) -> Result<()> {
        self.chunk.push(b'\n');
        self.count += 1;
        if self.chunk.len() >= CHUNK {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<()> {
        // Reuse a chunk the compressor is done with, if any, to keep allocation flat.
        let next = self
            .empty
            .try_recv()
            .unwrap_or_else(|_| Vec::with_capacity(CHUNK + 4096));
        let chunk = std::mem::replace(&mut self.chunk, next);
        self.full
            .send(chunk)
            .map_err(|_| anyhow!("the compressor stopped early"))
    }
}

/// Writes `path` atomically: `header` then the rows of `fill`, gzip-compressed at the fast
/// level. Returns the number of rows (header excluded). On any error the `.tmp` file is
/// removed and an existing `path` is left as it was.
pub(crate) fn write_gz(
    path: &Path,
    header: &str,
    fill: impl FnOnce(&mut Rows) -> Result<()>,
) -> Result<u64> {
    let tmp = tmp_path(path);
    let result = write_gz_to(&tmp, header, fill).and_then(|rows| {
        fs::rename(&tmp, path)
            .with_context(|| format!("renaming {} to {}", tmp.display(), path.display()))?;
        Ok(rows)
    });
    if result.is_err() {
        // Best effort: the error being returned matters more than a failed clean-up.
        let _ = fs::remove_file(&tmp);
    }
    result
}

pub(crate) fn tmp_path(path: &Path) -> std::path::PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".tmp");
    path.with_file_name(name)
}

fn write_gz_to(
    tmp: &Path,
    header: &str,
    fill: impl FnOnce(&mut Rows) -> Result<()>,
) -> Result<u64> {
    let file = File::create(tmp).with_context(|| format!("creating {}", tmp.display()))?;
    let (full, full_rx) = mpsc::sync_channel::<Vec<u8>>(2);
    let (empty_tx, empty) = mpsc::channel::<Vec<u8>>();
    thread::scope(|scope| {
        let compressor = scope.spawn(move || compress(file, full_rx, empty_tx));
        let mut rows = Rows {
            chunk: Vec::with_capacity(CHUNK + 4096),
            count: 0,
            full,
            empty,
        };
        rows.chunk.extend_from_slice(header.as_bytes());
        rows.chunk.push(b'\n');
        let filled = fill(&mut rows).and_then(|()| rows.flush());
        let count = rows.count;
        // Closing the channel lets the compressor finish, or stop if filling failed.
        drop(rows);
        let compressed = compressor
            .join()
            .map_err(|_| anyhow!("the compressor of {} panicked", tmp.display()))?;
        // A compressor error explains a send failure, so it is reported first.
        compressed.with_context(|| format!("writing {}", tmp.display()))?;
        filled.map(|()| count)
    })
}

fn compress(file: File, chunks: Receiver<Vec<u8>>, empty: mpsc::Sender<Vec<u8>>) -> io::Result<()> {
    let mut gz = GzEncoder::new(BufWriter::with_capacity(CHUNK, file), Compression::fast());
    for mut chunk in chunks {
        gz.write_all(&chunk)?;
        chunk.clear();
        // The writer may be gone already; then the chunk is simply dropped.
        let _ = empty.send(chunk);
    }
    let file = gz.finish()?.into_inner().map_err(|e| e.into_error())?;
    // On disk before the rename, so that a crash never leaves a complete-looking half file.
    file.sync_all()
}

/// Appends a decimal number.
pub(crate) fn push_number(out: &mut Vec<u8>, mut value: u64) {
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    loop {
        start -= 1;
        digits[start] = b'0' + (value % 10) as u8;
        value /= 10;
        if value == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[start..]);
}

/// Appends a synthetic id: `prefix`, a 9, and the index on at least seven digits
/// (`tt90000042`), a range real ids will not reach for decades.
pub(crate) fn push_id(out: &mut Vec<u8>, prefix: &[u8], index: u64) {
    out.extend_from_slice(prefix);
    out.push(b'9');
    let mut width = 1;
    let mut rest = index / 10;
    while rest > 0 {
        width += 1;
        rest /= 10;
    }
    out.extend(std::iter::repeat_n(b'0', 7usize.saturating_sub(width)));
    push_number(out, index);
}

/// Appends a number or `\N`.
pub(crate) fn push_optional(out: &mut Vec<u8>, value: Option<u64>) {
    match value {
        Some(value) => push_number(out, value),
        None => out.extend_from_slice(NULL),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn read_gz(path: &Path) -> String {
        let mut text = String::new();
        flate2::read::GzDecoder::new(File::open(path).expect("open"))
            .read_to_string(&mut text)
            .expect("gzip");
        text
    }

    #[test]
    fn ids_and_numbers_are_formatted_like_imdb() {
        let mut out = Vec::new();
        push_id(&mut out, b"tt", 42);
        out.push(b' ');
        push_id(&mut out, b"nm", 12_345_678);
        out.push(b' ');
        push_number(&mut out, 0);
        out.push(b' ');
        push_optional(&mut out, None);
        assert_eq!(
            String::from_utf8(out).expect("ascii"),
            "tt90000042 nm912345678 0 \\N"
        );
    }

    #[test]
    fn a_complete_file_replaces_the_target_and_leaves_no_tmp() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("x.tsv.gz");
        let rows = write_gz(&path, "a\tb", |rows| {
            for i in 0..300_000 {
                push_number(&mut rows.chunk, i);
                rows.chunk
                    .extend_from_slice(b"\tsome text to fill more than one chunk");
                rows.end_row()?;
            }
            Ok(())
        })
        .expect("written");
        assert_eq!(rows, 300_000);
        let text = read_gz(&path);
        assert!(text.starts_with("a\tb\n0\tsome"));
        assert_eq!(text.lines().count(), 300_001);
        assert!(!tmp_path(&path).exists());
    }

    #[test]
    fn a_failed_file_leaves_the_old_target_and_no_tmp() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("x.tsv.gz");
        fs::write(&path, b"old").expect("write");
        let result = write_gz(&path, "a", |rows| {
            for _ in 0..200_000 {
                rows.chunk.extend_from_slice(b"partial row");
                rows.end_row()?;
            }
            Err(anyhow!("interrupted"))
        });
        assert!(result.is_err());
        assert_eq!(fs::read(&path).expect("read"), b"old");
        assert!(!tmp_path(&path).exists());
    }
}
