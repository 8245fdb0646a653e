//! A resumable, verified download of one dump file over HTTP.
//!
//! The body streams into `.<file>.download` beside the destination. A cut connection is resumed
//! with `Range` + `If-Range`, so a changed file is never glued onto an old half; a server that
//! ignores `Range` answers 200 and the download restarts cleanly. A complete file is refreshed
//! only when the server says it changed (`If-None-Match` / `If-Modified-Since`). A server that
//! stops sending is cut after the idle timeout and resumed by the next attempt; a file over the
//! size cap is refused and removed (`client` holds the timeout and the redirect policy).

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{anyhow, Context, Result};
use reqwest::blocking::{Client, Response};
use reqwest::header::{
    HeaderMap, CONTENT_RANGE, ETAG, IF_MODIFIED_SINCE, IF_NONE_MATCH, IF_RANGE, LAST_MODIFIED,
    RANGE,
};
use reqwest::StatusCode;
use serde::{Deserialize, Serialize};
use tracing::{info, warn};

use super::check_while_downloading::CheckWhileDownloading;
use super::client::client;
use super::verify::{self, verify_dump};
use crate::config::FetchConfig;
use crate::dumps::Dump;
use crate::exit::ExitKind;
use crate::pipeline::staging::commit_file;
use crate::progress;

/// What the server said about a file, kept beside it to ask "has it changed?" next time.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

impl Validators {
    fn from_headers(headers: &HeaderMap) -> Self {
        let text = |name| {
            headers
                .get(name)
                .and_then(|value: &reqwest::header::HeaderValue| value.to_str().ok())
                .map(str::to_owned)
        };
        Self {
            etag: text(ETAG),
            last_modified: text(LAST_MODIFIED),
        }
    }
    /// A strong ETag, else Last-Modified: what `If-Range` may carry.
    fn if_range(&self) -> Option<&str> {
        match (&self.etag, &self.last_modified) {
            (Some(etag), _) if !etag.starts_with("W/") => Some(etag),
            (_, Some(date)) => Some(date),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FetchOutcome {
    Downloaded { bytes: u64, rows: u64 },
    Unchanged { rows: u64 },
}

/// Why one attempt failed: worth retrying or not.
enum Failure {
    Transient(anyhow::Error),
    Permanent(anyhow::Error),
}

struct Paths {
    dest: PathBuf,
    partial: PathBuf,
    partial_validators: PathBuf,
    validators: PathBuf,
}

impl Paths {
    fn new(dest: &Path) -> Self {
        let name = dest
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let beside = |suffix: &str| dest.with_file_name(format!(".{name}{suffix}"));
        Self {
            dest: dest.to_owned(),
            partial: beside(".download"),
            partial_validators: beside(".download.json"),
            validators: beside(".json"),
        }
    }
}

/// Downloads `url` into `dest` (or confirms it unchanged), retrying transient failures.
pub fn download(url: &str, dest: &Path, dump: Dump, config: &FetchConfig) -> Result<FetchOutcome> {
    let paths = Paths::new(dest);
    if let Some(parent) = dest.parent() {
        fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
    }
    let client = client(config)?;
    let mut attempt = 0;
    loop {
        match attempt_once(&client, url, &paths, dump, config) {
            Ok(outcome) => return Ok(outcome),
            Err(Failure::Permanent(error)) => return Err(error),
            Err(Failure::Transient(error)) if attempt >= config.retries => {
                return Err(ExitKind::Network.mark(error.context(format!(
                    "could not download {url} after {} attempts; without network, run `filmdex build --sample` \
                     for the bundled sample, or point --base-url at a reachable mirror",
                    attempt + 1
                ))))
            }
            Err(Failure::Transient(error)) => {
                let delay = config.backoff_ms.saturating_mul(1 << attempt.min(16));
                warn!(url, attempt = attempt + 1, delay_ms = delay, error = %format!("{error:#}"), "download failed, retrying");
                std::thread::sleep(Duration::from_millis(delay));
                attempt += 1;
            }
        }
    }
}

fn attempt_once(
    client: &Client,
    url: &str,
    paths: &Paths,
    dump: Dump,
    config: &FetchConfig,
) -> Result<FetchOutcome, Failure> {
    let resume_from = fs::metadata(&paths.partial)
        .map(|meta| meta.len())
        .unwrap_or(0);
    let partial_validators: Option<Validators> = read_json(&paths.partial_validators);
    let resume = resume_from > 0
        && partial_validators
            .as_ref()
            .and_then(Validators::if_range)
            .is_some();
    let mut request = client.get(url);
    if resume {
        let validator = partial_validators
            .as_ref()
            .and_then(Validators::if_range)
            .unwrap_or_default();
        request = request
            .header(RANGE, format!("bytes={resume_from}-"))
            .header(IF_RANGE, validator);
    } else if paths.dest.exists() {
        if let Some(current) = read_json::<Validators>(&paths.validators) {
            if let Some(etag) = &current.etag {
                request = request.header(IF_NONE_MATCH, etag);
            }
            if let Some(date) = &current.last_modified {
                request = request.header(IF_MODIFIED_SINCE, date);
            }
        }
    }
    let response = request.send().map_err(|error| {
        // A refused redirect is a configuration to fix, not a hiccup to retry.
        let permanent = error.is_redirect();
        let error = anyhow!(error).context(format!("requesting {url}"));
        if permanent {
            Failure::Permanent(ExitKind::Source.mark(error))
        } else {
            Failure::Transient(error)
        }
    })?;
    let status = response.status();
    match status {
        StatusCode::NOT_MODIFIED if paths.dest.exists() => {
            // Verified when it was downloaded: a file that has not changed since needs no
            // second decode.
            let rows = match verify::verified_rows(&paths.dest) {
                Some(rows) => rows,
                None => verify_and_stamp(&paths.dest, dump).map_err(Failure::Permanent)?,
            };
            info!(url, "unchanged on the server");
            Ok(FetchOutcome::Unchanged { rows })
        }
        StatusCode::PARTIAL_CONTENT
            if resume && range_start(response.headers()) == Some(resume_from) =>
        {
            receive(response, paths, dump, resume_from, config)
        }
        StatusCode::OK => receive(response, paths, dump, 0, config),
        StatusCode::PARTIAL_CONTENT | StatusCode::RANGE_NOT_SATISFIABLE => {
            discard_partial(paths);
            Err(Failure::Transient(anyhow!(
                "{url}: the server could not resume the download ({status}); starting over"
            )))
        }
        status
            if status.is_server_error()
                || status == StatusCode::TOO_MANY_REQUESTS
                || status == StatusCode::REQUEST_TIMEOUT =>
        {
            Err(Failure::Transient(anyhow!(
                "{url}: the server answered {status}"
            )))
        }
        status => Err(Failure::Permanent(ExitKind::Source.error(format!(
            "{url}: the server answered {status}; check --base-url"
        )))),
    }
}

/// Streams the body into the partial file from `offset`, checking it on the way, and commits it
/// when the check passes.
fn receive(
    response: Response,
    paths: &Paths,
    dump: Dump,
    offset: u64,
    config: &FetchConfig,
) -> Result<FetchOutcome, Failure> {
    let io_error = |error: io::Error, what: &str| {
        Failure::Permanent(anyhow!(error).context(format!("{what} {}", paths.partial.display())))
    };
    if offset == 0 {
        write_json(
            &paths.partial_validators,
            &Validators::from_headers(response.headers()),
        )
        .map_err(Failure::Permanent)?;
    }
    let expected = response.content_length().map(|length| offset + length);
    if let Some(expected) = expected.filter(|&expected| expected > config.max_bytes) {
        discard_partial(paths);
        return Err(Failure::Permanent(too_large(
            response.url(),
            expected,
            config,
        )));
    }
    let url = response.url().clone();
    let mut file = OpenOptions::new()
        .create(true)
        .write(true)
        .append(offset > 0)
        .truncate(offset == 0)
        .open(&paths.partial)
        .map_err(|error| io_error(error, "opening"))?;
    let check =
        CheckWhileDownloading::start(&paths.partial, dump, offset).map_err(Failure::Permanent)?;
    let bar = progress::bytes_bar(expected, &format!("{dump}"));
    bar.set_position(offset);
    let allowed = config.max_bytes.saturating_sub(offset);
    let received = match copy_body(response, &mut file, &check, &bar, allowed, config) {
        Err(Failure::Permanent(error)) => {
            discard_partial(paths);
            return Err(Failure::Permanent(error));
        }
        other => other?,
    };
    if received > allowed {
        discard_partial(paths);
        return Err(Failure::Permanent(too_large(
            &url,
            offset + received,
            config,
        )));
    }
    bar.finish_and_clear();
    file.sync_all()
        .map_err(|error| io_error(error, "syncing"))?;
    let total = offset + received;
    if let Some(expected) = expected {
        if total < expected {
            return Err(Failure::Transient(anyhow!(
                "connection closed after {total} of {expected} bytes"
            )));
        }
    }
    let rows = match check.finish() {
        Ok(rows) => rows,
        Err(error) => {
            discard_partial(paths);
            return Err(Failure::Transient(
                error.context("the downloaded file failed verification"),
            ));
        }
    };
    commit_file(&paths.partial, &paths.dest).map_err(Failure::Permanent)?;
    let _ = fs::rename(&paths.partial_validators, &paths.validators);
    // Without its stamp the file is only decoded once more, at the next refresh.
    let _ = verify::record_verified(&paths.dest, rows);
    info!(file = %paths.dest.display(), bytes = total, rows, "downloaded");
    Ok(FetchOutcome::Downloaded { bytes: total, rows })
}

/// Copies until the body ends or passes `allowed` bytes (the caller refuses the file then); a
/// broken or silent connection keeps what arrived, for the next attempt to resume.
fn copy_body(
    mut response: Response,
    file: &mut File,
    check: &CheckWhileDownloading,
    bar: &indicatif::ProgressBar,
    allowed: u64,
    config: &FetchConfig,
) -> Result<u64, Failure> {
    let mut buffer = vec![0u8; 256 * 1024];
    let mut received = 0u64;
    loop {
        let read = match response.read(&mut buffer) {
            Ok(0) => return Ok(received),
            Ok(read) => read,
            Err(error) if is_timeout(&error) => {
                return Err(Failure::Transient(anyhow!(
                    "the server sent nothing for {} s after {received} bytes",
                    config.idle_timeout.as_secs_f64()
                )))
            }
            Err(error) => {
                return Err(Failure::Transient(
                    anyhow!(error).context(format!("connection broke after {received} bytes")),
                ))
            }
        };
        file.write_all(&buffer[..read])
            .map_err(|error| Failure::Permanent(anyhow!(error).context("writing the download")))?;
        check.feed(&buffer[..read]);
        received += read as u64;
        bar.inc(read as u64);
        if received > allowed {
            return Ok(received);
        }
    }
}

/// Whether a read failed because the idle timeout ran out.
fn is_timeout(error: &io::Error) -> bool {
    error.kind() == io::ErrorKind::TimedOut
        || error
            .get_ref()
            .and_then(|inner| inner.downcast_ref::<reqwest::Error>())
            .is_some_and(reqwest::Error::is_timeout)
}

fn too_large(url: &reqwest::Url, bytes: u64, config: &FetchConfig) -> anyhow::Error {
    ExitKind::Source.error(format!(
        "{url} is over the download size limit ({bytes} bytes, limit {} MB); raise \
         --max-download-mb if this mirror really serves files this large",
        config.max_bytes / 1_000_000
    ))
}

fn range_start(headers: &HeaderMap) -> Option<u64> {
    let value = headers.get(CONTENT_RANGE)?.to_str().ok()?;
    let range = value.strip_prefix("bytes ")?;
    range.split('-').next()?.trim().parse().ok()
}

fn discard_partial(paths: &Paths) {
    let _ = fs::remove_file(&paths.partial);
    let _ = fs::remove_file(&paths.partial_validators);
}

fn read_json<T: for<'de> Deserialize<'de>>(path: &Path) -> Option<T> {
    let bytes = fs::read(path).ok()?;
    serde_json::from_slice(&bytes).ok()
}

fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<()> {
    let bytes = serde_json::to_vec(value).context("serialising download validators")?;
    fs::write(path, bytes).with_context(|| format!("writing {}", path.display()))
}

fn verify_and_stamp(path: &Path, dump: Dump) -> Result<u64> {
    let rows = verify_dump(path, dump)?;
    verify::record_verified(path, rows)?;
    Ok(rows)
}
