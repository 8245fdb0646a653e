//! Outputs are written beside their final place and swapped in only when whole, so a build
//! killed at any moment leaves the previous outputs intact.

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

/// A sibling path for work in progress: `films` -> `.films.partial-<pid>`.
pub fn partial_path(final_path: &Path) -> PathBuf {
    sibling(final_path, "partial")
}

fn sibling(final_path: &Path, what: &str) -> PathBuf {
    let name = final_path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    final_path.with_file_name(format!(".{name}.{what}-{}", std::process::id()))
}

/// Writes `bytes` to `path` through a synced temporary file and a rename.
pub fn write_file_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let parent = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
    let partial = partial_path(path);
    let mut file =
        File::create(&partial).with_context(|| format!("creating {}", partial.display()))?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .with_context(|| format!("writing {}", partial.display()))?;
    commit_file(&partial, path)
}

/// Renames a finished file over its final path (atomic on one file system).
pub fn commit_file(partial: &Path, final_path: &Path) -> Result<()> {
    fs::rename(partial, final_path)
        .with_context(|| format!("moving {} to {}", partial.display(), final_path.display()))?;
    sync_parent(final_path);
    Ok(())
}

/// Puts a finished folder in place of the old one. On Linux the two are exchanged in one atomic
/// step (`renameat2(RENAME_EXCHANGE)`), so readers see the old or the new folder, never neither.
///
/// Every file and folder inside `partial`, and `partial` itself, is synced to disk before the
/// swap, and the parent folder after it: a rename is only ordered after the data it points to
/// when that data was synced first, so without this a power cut could leave the new folder
/// swapped in with its files empty or missing (and the old output gone).
pub fn commit_dir(partial: &Path, final_path: &Path) -> Result<()> {
    sync_tree(partial)?;
    if !final_path.exists() {
        fs::rename(partial, final_path)
            .with_context(|| format!("moving {} to {}", partial.display(), final_path.display()))?;
    } else {
        exchange(partial, final_path)?;
        // `partial` now holds the old output.
        fs::remove_dir_all(partial)
            .with_context(|| format!("removing the previous {}", final_path.display()))?;
    }
    sync_parent(final_path);
    Ok(())
}

#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> Result<()> {
    use nix::fcntl::{renameat2, RenameFlags, AT_FDCWD};
    renameat2(AT_FDCWD, a, AT_FDCWD, b, RenameFlags::RENAME_EXCHANGE)
        .with_context(|| format!("exchanging {} and {}", a.display(), b.display()))
}

/// Elsewhere: move the old folder aside, then the new one in (a tiny window without output).
#[cfg(not(target_os = "linux"))]
fn exchange(a: &Path, b: &Path) -> Result<()> {
    let aside = sibling(b, "old");
    fs::rename(b, &aside).with_context(|| format!("moving {} aside", b.display()))?;
    fs::rename(a, b).with_context(|| format!("moving {} to {}", a.display(), b.display()))?;
    fs::rename(&aside, a).with_context(|| format!("moving {} back", aside.display()))
}

/// Syncs every file under `dir` (its subfolders too, as genres' `genre=<G>/`), then `dir`
/// itself, so that its entries are on disk before anything renames it.
fn sync_tree(dir: &Path) -> Result<()> {
    let entries = fs::read_dir(dir).with_context(|| format!("listing {}", dir.display()))?;
    for entry in entries {
        let path = entry
            .with_context(|| format!("listing {}", dir.display()))?
            .path();
        if path.is_dir() {
            sync_tree(&path)?;
        } else {
            File::open(&path)
                .and_then(|file| file.sync_all())
                .with_context(|| format!("syncing {}", path.display()))?;
        }
    }
    sync_folder(dir);
    Ok(())
}

/// Syncs a folder's entries; best effort, since not every file system (nor every OS) can sync
/// a folder.
fn sync_folder(dir: &Path) {
    if let Ok(dir) = File::open(dir) {
        let _ = dir.sync_all();
    }
}

/// Makes a rename durable; best effort, since not every file system supports it.
fn sync_parent(path: &Path) {
    if let Some(parent) = path.parent() {
        sync_folder(parent);
    }
}

/// Removes work in progress left by builds that were killed (any pid) beside `final_path`.
pub fn remove_leftovers(final_path: &Path) -> Result<()> {
    let (Some(parent), Some(name)) = (final_path.parent(), final_path.file_name()) else {
        return Ok(());
    };
    let prefix = format!(".{}.partial-", name.to_string_lossy());
    let Ok(entries) = fs::read_dir(parent) else {
        return Ok(());
    };
    for entry in entries {
        let entry = entry?;
        if entry.file_name().to_string_lossy().starts_with(&prefix) {
            let path = entry.path();
            let removed = if path.is_dir() {
                fs::remove_dir_all(&path)
            } else {
                fs::remove_file(&path)
            };
            removed.with_context(|| format!("removing the leftover {}", path.display()))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commit_dir_replaces_the_old_folder_whole() {
        let dir = tempfile::tempdir().expect("temp dir");
        let final_path = dir.path().join("films");
        fs::create_dir(&final_path).expect("mkdir");
        fs::write(final_path.join("old.parquet"), b"old").expect("write");
        let partial = partial_path(&final_path);
        fs::create_dir(&partial).expect("mkdir partial");
        fs::write(partial.join("new.parquet"), b"new").expect("write");
        commit_dir(&partial, &final_path).expect("commit");
        assert!(final_path.join("new.parquet").exists());
        assert!(!final_path.join("old.parquet").exists());
        assert!(!partial.exists());
    }

    /// Every file of a nested output (genres' `genre=<G>/` folders) arrives whole, whether
    /// the output is new or replaces an old one, and nothing is left beside it.
    #[test]
    fn commit_dir_moves_a_nested_folder_whole_and_leaves_nothing_beside_it() {
        let dir = tempfile::tempdir().expect("temp dir");
        let final_path = dir.path().join("genres");
        let write_output = |version: &str| {
            let partial = partial_path(&final_path);
            for genre in ["Drama", "Sci-Fi"] {
                let folder = partial.join(format!("genre={genre}"));
                fs::create_dir_all(&folder).expect("mkdir");
                fs::write(folder.join("part-0.parquet"), format!("{version} {genre}"))
                    .expect("write");
            }
            fs::write(partial.join("_report.json"), version).expect("write");
            commit_dir(&partial, &final_path).expect("commit");
        };
        for version in ["first", "second"] {
            write_output(version);
            let content = |relative: &str| {
                fs::read_to_string(final_path.join(relative)).expect("a committed file")
            };
            assert_eq!(
                content("genre=Drama/part-0.parquet"),
                format!("{version} Drama")
            );
            assert_eq!(
                content("genre=Sci-Fi/part-0.parquet"),
                format!("{version} Sci-Fi")
            );
            assert_eq!(content("_report.json"), version);
            let beside: Vec<String> = fs::read_dir(dir.path())
                .expect("list")
                .map(|entry| {
                    entry
                        .expect("entry")
                        .file_name()
                        .to_string_lossy()
                        .into_owned()
                })
                .collect();
            assert_eq!(beside, ["genres"], "no partial or old folder is left");
        }
    }

    #[test]
    fn leftovers_of_killed_builds_are_removed() {
        let dir = tempfile::tempdir().expect("temp dir");
        let final_path = dir.path().join("films.duckdb");
        fs::write(dir.path().join(".films.duckdb.partial-123"), b"half").expect("write");
        fs::write(&final_path, b"whole").expect("write");
        remove_leftovers(&final_path).expect("cleanup");
        assert!(!dir.path().join(".films.duckdb.partial-123").exists());
        assert_eq!(fs::read(&final_path).expect("read"), b"whole");
    }

    #[test]
    fn atomic_write_leaves_no_partial_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("state.json");
        write_file_atomically(&path, b"{}").expect("write");
        write_file_atomically(&path, b"{\"a\":1}").expect("overwrite");
        assert_eq!(fs::read(&path).expect("read"), b"{\"a\":1}");
        assert_eq!(fs::read_dir(dir.path()).expect("list").count(), 1);
    }
}
