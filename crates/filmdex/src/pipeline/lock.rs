//! One build writing a workdir at a time: an exclusive lock on `.filmdex/build.lock`, holding
//! the owner's pid. A shard holds a lock of its own in the scratch folder the same way.
//!
//! The operating system drops the lock when the process dies, so a killed build never leaves a
//! stale lock behind.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, Write};
use std::path::Path;

use anyhow::{Context, Result};

use crate::exit::ExitKind;

/// Held while the build writes; dropping it releases the lock.
#[derive(Debug)]
pub struct BuildLock {
    _file: File,
}

impl BuildLock {
    /// The workdir's build lock.
    pub fn acquire(state_dir: &Path) -> Result<BuildLock> {
        Self::acquire_named(state_dir, "build.lock", "build")
    }

    /// The lock file `name` in `state_dir`, held by one process doing `what` at a time.
    pub fn acquire_named(state_dir: &Path, name: &str, what: &str) -> Result<BuildLock> {
        std::fs::create_dir_all(state_dir)
            .with_context(|| format!("creating {}", state_dir.display()))?;
        let path = state_dir.join(name);
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .with_context(|| format!("opening {}", path.display()))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                let mut holder = String::new();
                let _ = file.read_to_string(&mut holder);
                let holder = holder.trim();
                let holder = if holder.is_empty() { "unknown" } else { holder };
                return Err(ExitKind::Busy.error(format!(
                    "another filmdex {what} is running in {} (pid {holder}); wait for it to finish",
                    state_dir.parent().unwrap_or(state_dir).display()
                )));
            }
            Err(std::fs::TryLockError::Error(error)) => {
                return Err(error).with_context(|| format!("locking {}", path.display()))
            }
        }
        file.set_len(0)
            .and_then(|()| file.rewind())
            .and_then(|()| write!(file, "{}", std::process::id()))
            .and_then(|()| file.flush())
            .with_context(|| format!("writing {}", path.display()))?;
        Ok(BuildLock { _file: file })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_is_refused_with_the_holders_pid() {
        let dir = tempfile::tempdir().expect("temp dir");
        let first = BuildLock::acquire(dir.path()).expect("first lock");
        let error = BuildLock::acquire(dir.path()).expect_err("second lock");
        let message = format!("{error:#}");
        assert!(
            message.contains("another filmdex build is running"),
            "{message}"
        );
        assert!(
            message.contains(&std::process::id().to_string()),
            "{message}"
        );
        drop(first);
        BuildLock::acquire(dir.path()).expect("lock after release");
    }
}
