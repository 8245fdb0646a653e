//! When to reload and when to stop: SIGHUP reloads, `--watch` polls the file once a second and
//! reloads when a build has replaced it (another inode, size or modification time), SIGTERM and
//! Ctrl-C shut down gracefully.

use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::time::Duration;

use tokio::signal::unix::{signal, SignalKind};
use tracing::{info, warn};

use super::state::AppState;

const WATCH_INTERVAL: Duration = Duration::from_secs(1);

/// Starts the reload tasks; they end with the runtime.
pub fn spawn_reloaders(state: AppState, watch: bool) {
    match signal(SignalKind::hangup()) {
        Ok(mut hangups) => {
            let state = state.clone();
            tokio::spawn(async move {
                while hangups.recv().await.is_some() {
                    info!("SIGHUP: reloading the database");
                    // A refused file is logged by `reload`; the old one keeps serving.
                    let _ = state.reload().await;
                }
            });
        }
        Err(error) => warn!(%error, "cannot listen for SIGHUP; reload by restarting"),
    }
    if watch {
        tokio::spawn(watch_file(state));
    }
}

/// What identifies one version of the database file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct FileStamp {
    device: u64,
    inode: u64,
    size: u64,
    modified_ns: i128,
}

fn stamp(path: &Path) -> Option<FileStamp> {
    let metadata = std::fs::metadata(path).ok()?;
    Some(FileStamp {
        device: metadata.dev(),
        inode: metadata.ino(),
        size: metadata.size(),
        modified_ns: i128::from(metadata.mtime()) * 1_000_000_000
            + i128::from(metadata.mtime_nsec()),
    })
}

/// Reloads once per new version of the file. A version that fails to load is not retried: the
/// next build (a new version) is.
async fn watch_file(state: AppState) {
    let path = state.database().to_path_buf();
    let mut seen = stamp(&path);
    info!(database = %path.display(), "watching the database for new builds");
    let mut ticks = tokio::time::interval(WATCH_INTERVAL);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        // Missing for a moment while a build renames the new file in: wait for it.
        let Some(current) = stamp(&path) else {
            continue;
        };
        if Some(current) != seen {
            seen = Some(current);
            info!(database = %path.display(), "the database file changed: reloading");
            let _ = state.reload().await;
        }
    }
}

/// Resolves on SIGTERM or Ctrl-C.
pub async fn shutdown_signal() {
    let terminate = async {
        match signal(SignalKind::terminate()) {
            Ok(mut terms) => {
                terms.recv().await;
            }
            Err(error) => {
                warn!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => info!("Ctrl-C: shutting down"),
        () = terminate => info!("SIGTERM: shutting down"),
    }
}
