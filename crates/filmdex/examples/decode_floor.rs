//! The floor of reading the dumps: each file only decompressed (flate2 with zlib-rs, the decoder
//! filmdex uses), then decoded the way prep does (its decoding thread and its checks, handing
//! lines to a reader that drops them). Prints seconds per file, for BENCHMARKS.md.
//!
//! `cargo run --release -p filmdex --example decode_floor -- DUMP.tsv.gz...`

use std::io::Read;
use std::time::Instant;

use anyhow::{Context, Result};
use filmdex::dumps::Dump;
use flate2::read::MultiGzDecoder;

fn main() -> Result<()> {
    for path in std::env::args().skip(1) {
        let started = Instant::now();
        let file = std::fs::File::open(&path).with_context(|| format!("opening {path}"))?;
        let mut decoder = MultiGzDecoder::new(std::io::BufReader::with_capacity(1 << 20, file));
        let mut buffer = vec![0u8; 1 << 20];
        let mut bytes = 0u64;
        loop {
            let read = decoder
                .read(&mut buffer)
                .with_context(|| format!("decoding {path}"))?;
            if read == 0 {
                break;
            }
            bytes += read as u64;
        }
        let decode_only = started.elapsed().as_secs_f64();
        let name = std::path::Path::new(&path)
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default();
        let checked = match Dump::ALL.into_iter().find(|dump| dump.file_name() == name) {
            Some(dump) => {
                let started = Instant::now();
                filmdex::fetch::verify_dump(std::path::Path::new(&path), dump)?;
                format!("{:.2}", started.elapsed().as_secs_f64())
            }
            None => "-".to_owned(),
        };
        println!("{name}\t{bytes} bytes\tflate2 {decode_only:.2} s\tdecode_dump {checked} s");
    }
    Ok(())
}
