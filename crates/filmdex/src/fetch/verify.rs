//! A download counts as complete only when its gzip stream decodes to the end and its header
//! line is the one the dump must have. Plain `.tsv` files are checked the same way.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use anyhow::{bail, Context, Result};
use flate2::read::MultiGzDecoder;

use crate::dumps::Dump;

/// Decodes the whole file; returns its number of data rows (lines after the header).
pub fn verify_dump(path: &Path, dump: Dump) -> Result<u64> {
    let mut file =
        BufReader::new(File::open(path).with_context(|| format!("opening {}", path.display()))?);
    // Recognised by content, not name (downloads in progress end in `.download`): plain `.tsv`
    // files, hand-made or unpacked, are read as they are.
    let is_gzip = file
        .fill_buf()
        .with_context(|| format!("reading {}", path.display()))?
        .starts_with(&[0x1f, 0x8b]);
    let decoded: Box<dyn Read> = if is_gzip {
        Box::new(MultiGzDecoder::new(file))
    } else {
        Box::new(file)
    };
    let mut reader = BufReader::with_capacity(1 << 20, decoded);
    let mut header = Vec::new();
    reader
        .read_until(b'\n', &mut header)
        .with_context(|| format!("{} is not a readable gzip file", path.display()))?;
    let header = String::from_utf8_lossy(&header);
    let header = header
        .trim_start_matches('\u{feff}')
        .trim_end_matches(['\r', '\n']);
    if header != dump.header() {
        bail!(
            "{} does not start with the {} header (found {:?}, expected {:?})",
            path.display(),
            dump,
            truncate(header, 120),
            dump.header()
        );
    }
    count_lines(&mut reader).with_context(|| {
        format!(
            "{} is truncated or corrupt: its gzip stream does not decode to the end",
            path.display()
        )
    })
}

fn count_lines(reader: &mut impl Read) -> std::io::Result<u64> {
    let mut buffer = vec![0u8; 1 << 20];
    let (mut lines, mut last) = (0u64, b'\n');
    loop {
        let read = reader.read(&mut buffer)?;
        if read == 0 {
            // A last line without a final newline still counts.
            return Ok(lines + u64::from(last != b'\n'));
        }
        lines += buffer[..read].iter().filter(|&&byte| byte == b'\n').count() as u64;
        last = buffer[read - 1];
    }
}

fn truncate(text: &str, chars: usize) -> String {
    text.chars().take(chars).collect()
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
    }
}
