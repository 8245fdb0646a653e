//! Getting the IMDb dumps into place: downloaded (resumable, retried, verified), unpacked from
//! the sample shipped in the binary, or taken from a local folder. A download is verified (whole
//! gzip stream, expected header) while it streams to disk, and stamped; a file already in place
//! gets only a look at its header here, since prep checks the whole stream in the pass that reads
//! it.

mod check_while_downloading;
mod client;
mod download;
mod verify;

use std::path::PathBuf;

use anyhow::{Context, Result};
use serde_json::json;

pub use download::{download, FetchOutcome, Validators};
pub use verify::{
    check_dump_header, decode_dump, decode_passes, decode_stream, record_verified, verified_rows,
    verify_dump, DecodePasses,
};

use crate::config::FetchConfig;
use crate::dumps::Dump;
use crate::exit::ExitKind;
use crate::pipeline::staging::write_file_atomically;
use crate::pipeline::{Task, TaskContext, TaskName, TaskOutput};

/// Where one dump file comes from.
#[derive(Debug, Clone)]
pub enum Origin {
    /// Downloaded from `config.base_url`; with `offline`, only an existing file is accepted.
    Download { config: FetchConfig, offline: bool },
    /// The bundled sample: these bytes are written to the destination when it differs.
    Embedded(&'static [u8]),
    /// A file the user already has at the destination; it is only verified.
    Local,
}

/// Task `fetch:<stem>`: one dump file in place and verified.
pub struct FetchTask {
    pub dump: Dump,
    pub dest: PathBuf,
    pub origin: Origin,
}

impl FetchTask {
    pub fn url(&self) -> Option<String> {
        match &self.origin {
            Origin::Download { config, .. } => {
                Some(format!("{}{}", config.base_url, self.dump.file_name()))
            }
            _ => None,
        }
    }
}

impl Task for FetchTask {
    fn name(&self) -> TaskName {
        TaskName::Fetch(self.dump)
    }
    fn upstream(&self) -> Vec<TaskName> {
        Vec::new()
    }
    fn format_version(&self) -> u32 {
        1
    }
    fn params(&self) -> serde_json::Value {
        match &self.origin {
            Origin::Download { .. } => json!({ "url": self.url() }),
            // The content itself identifies the sample: a new sample rebuilds what it feeds.
            Origin::Embedded(bytes) => json!({ "sample_sha256": sha256_hex(bytes) }),
            Origin::Local => json!({ "local": self.dest.display().to_string() }),
        }
    }
    fn inputs(&self) -> Vec<PathBuf> {
        match self.origin {
            // A local file is an input: touching it makes everything after it rerun.
            Origin::Local => vec![self.dest.clone()],
            _ => Vec::new(),
        }
    }
    fn outputs(&self) -> Vec<PathBuf> {
        match self.origin {
            Origin::Local => Vec::new(),
            _ => vec![self.dest.clone()],
        }
    }
    fn run(&self, _context: &TaskContext) -> Result<TaskOutput> {
        match &self.origin {
            Origin::Download { config, offline } => self.download(config, *offline),
            Origin::Embedded(bytes) => {
                if std::fs::read(&self.dest).ok().as_deref() != Some(*bytes) {
                    write_file_atomically(&self.dest, bytes)?;
                }
                self.in_place()
            }
            Origin::Local => self
                .in_place()
                .with_context(|| format!("checking the local dump {}", self.dest.display()))
                .map_err(|error| ExitKind::Data.mark(error)),
        }
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

impl FetchTask {
    fn download(&self, config: &FetchConfig, offline: bool) -> Result<TaskOutput> {
        let url = self.url().unwrap_or_default();
        if offline {
            if self.dest.exists() {
                return self.in_place().map_err(|error| ExitKind::Data.mark(error));
            }
            return Err(ExitKind::Data.error(format!(
                "{} is missing and --offline forbids downloading it from {url}; run `filmdex fetch`, \
                 or use --sample for the bundled sample",
                self.dest.display()
            )));
        }
        let rows = match download(&url, &self.dest, self.dump, config)? {
            FetchOutcome::Downloaded { rows, .. } | FetchOutcome::Unchanged { rows } => rows,
        };
        Ok(TaskOutput { rows_out: rows })
    }

    /// A file already in place: its header only (prep decodes the whole stream and refuses a
    /// broken one before it replaces anything). Its rows are known when a download verified it.
    fn in_place(&self) -> Result<TaskOutput> {
        check_dump_header(&self.dest, self.dump)?;
        Ok(TaskOutput {
            rows_out: verified_rows(&self.dest).unwrap_or(0),
        })
    }
}
