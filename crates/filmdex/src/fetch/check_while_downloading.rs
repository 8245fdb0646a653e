//! The whole check of a download (header, gzip stream to the end, row count), run on a thread of
//! its own over the bytes as they are written to disk, so that a download is not read back and
//! decoded a second time. A resumed download is checked whole: the part already on disk is
//! decoded first, then the stream continues it.

use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::thread::JoinHandle;

use anyhow::{anyhow, Context, Result};

use super::verify::{count_pass, decode_stream};
use crate::dumps::Dump;

/// Received pieces waiting for the decoder (a few megabytes); a slower decoder slows the
/// download rather than filling memory.
const PIECES_AHEAD: usize = 16;

pub struct CheckWhileDownloading {
    pieces: Option<SyncSender<Vec<u8>>>,
    verdict: JoinHandle<Result<u64>>,
}

impl CheckWhileDownloading {
    /// Starts checking `partial`, whose first `already_on_disk` bytes are read from the file and
    /// the rest come through `feed`.
    pub fn start(partial: &Path, dump: Dump, already_on_disk: u64) -> Result<Self> {
        let on_disk = File::open(partial)
            .with_context(|| format!("opening {}", partial.display()))?
            .take(already_on_disk);
        let (pieces, received) = sync_channel(PIECES_AHEAD);
        let name: PathBuf = partial.to_owned();
        let verdict = std::thread::Builder::new()
            .name(format!("check {dump}"))
            .spawn(move || {
                count_pass(&name, |passes| passes.while_downloading += 1);
                let source = on_disk.chain(Pieces {
                    received,
                    current: Vec::new(),
                    at: 0,
                });
                decode_stream(&name, source, dump, |_| Ok(()))
            })
            .context("starting the download check")?;
        Ok(Self {
            pieces: Some(pieces),
            verdict,
        })
    }

    /// Hands over bytes just written. A decoder that already failed keeps its verdict for
    /// `finish`; the bytes are then simply dropped.
    pub fn feed(&self, bytes: &[u8]) {
        if let Some(pieces) = &self.pieces {
            let _ = pieces.send(bytes.to_vec());
        }
    }

    /// Ends the stream and returns the check's verdict: the number of data rows.
    pub fn finish(mut self) -> Result<u64> {
        drop(self.pieces.take());
        self.verdict
            .join()
            .map_err(|_| anyhow!("the download check crashed"))?
    }
}

/// The received bytes as a `Read`: the end of the channel is the end of the download.
struct Pieces {
    received: Receiver<Vec<u8>>,
    current: Vec<u8>,
    at: usize,
}

impl Read for Pieces {
    fn read(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
        while self.at == self.current.len() {
            match self.received.recv() {
                Ok(piece) => (self.current, self.at) = (piece, 0),
                Err(_) => return Ok(0),
            }
        }
        let count = buffer.len().min(self.current.len() - self.at);
        buffer[..count].copy_from_slice(&self.current[self.at..self.at + count]);
        self.at += count;
        Ok(count)
    }
}
