//! The task runner that replaces Luigi: dependency order, fingerprints, atomic outputs, one build
//! per workdir.

pub mod fingerprint;
pub mod lock;
pub mod staging;
pub mod state;
pub mod summary;
pub mod task;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use tracing::info;

use fingerprint::{FileStamp, Fingerprint};
use lock::BuildLock;
use state::{StateFile, TaskRecord};
use summary::TaskReport;
pub use task::{Task, TaskContext, TaskOutput};

/// How the runner treats the tasks it was given.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Names asked for; empty means every task.
    pub selected: Vec<String>,
    /// Run the selected tasks even when complete.
    pub force: bool,
    /// Only report what would run.
    pub dry_run: bool,
}

/// Whether a task's recorded output still matches what it would be built from now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Complete,
    Missing(String),
    Stale(String),
}

impl Verdict {
    pub fn reason(&self) -> Option<&str> {
        match self {
            Verdict::Complete => None,
            Verdict::Missing(reason) | Verdict::Stale(reason) => Some(reason),
        }
    }
}

/// Runs `tasks` (given in dependency order) as `options` say, with the state in `state_dir`.
pub fn run(
    tasks: &[Box<dyn Task>],
    state_dir: &Path,
    options: &RunOptions,
) -> Result<Vec<TaskReport>> {
    let chosen = select(tasks, &options.selected)?;
    let _lock = if options.dry_run {
        None
    } else {
        Some(BuildLock::acquire(state_dir)?)
    };
    let state_file = StateFile::new(state_dir);
    let mut state = state_file.load()?;
    let mut digests: BTreeMap<String, String> = BTreeMap::new();
    let mut rerun: BTreeSet<String> = BTreeSet::new();
    let mut reports = Vec::new();
    for task in tasks.iter().filter(|task| chosen.contains(&task.name())) {
        let name = task.name();
        let fingerprint = fingerprint_of(task.as_ref(), &digests)?;
        let verdict = assess(task.as_ref(), &fingerprint, state.tasks.get(&name), &rerun)?;
        let forced =
            options.force && (options.selected.is_empty() || options.selected.contains(&name));
        digests.insert(name.clone(), fingerprint.digest());
        let reason = match (forced, verdict.reason()) {
            (true, _) => "forced".to_owned(),
            (false, Some(reason)) => reason.to_owned(),
            (false, None) => {
                reports.push(TaskReport::skipped(&name, state.tasks.get(&name)));
                continue;
            }
        };
        rerun.insert(name.clone());
        if options.dry_run {
            reports.push(TaskReport::would_run(&name, &reason));
            continue;
        }
        info!(task = %name, reason = %reason, "running");
        let record = run_one(task.as_ref(), fingerprint, &state.tasks)
            .with_context(|| format!("task {name} failed; its previous outputs are kept"))?;
        reports.push(TaskReport::ran(&name, &reason, &record));
        state.tasks.insert(name, record);
        state_file.save(&state)?;
    }
    Ok(reports)
}

/// Every task's verdict without running anything (for `filmdex status`).
pub fn assess_all(
    tasks: &[Box<dyn Task>],
    state_dir: &Path,
) -> Result<Vec<(String, Verdict, Option<TaskRecord>)>> {
    let state = StateFile::new(state_dir).load()?;
    let mut digests = BTreeMap::new();
    let mut rerun = BTreeSet::new();
    let mut verdicts = Vec::new();
    for task in tasks {
        let name = task.name();
        let fingerprint = fingerprint_of(task.as_ref(), &digests)?;
        let record = state.tasks.get(&name);
        let verdict = assess(task.as_ref(), &fingerprint, record, &rerun)?;
        if verdict != Verdict::Complete {
            rerun.insert(name.clone());
        }
        digests.insert(name.clone(), fingerprint.digest());
        verdicts.push((name, verdict, record.cloned()));
    }
    Ok(verdicts)
}

/// The asked-for tasks plus everything upstream of them.
fn select(tasks: &[Box<dyn Task>], selected: &[String]) -> Result<BTreeSet<String>> {
    let known: Vec<String> = tasks.iter().map(|task| task.name()).collect();
    if selected.is_empty() {
        return Ok(known.into_iter().collect());
    }
    let mut chosen = BTreeSet::new();
    let mut pending: Vec<String> = selected.to_vec();
    while let Some(name) = pending.pop() {
        let Some(task) = tasks.iter().find(|task| task.name() == name) else {
            bail!("unknown task '{name}'; the tasks are: {}", known.join(", "));
        };
        if chosen.insert(name) {
            pending.extend(task.upstream());
        }
    }
    Ok(chosen)
}

fn fingerprint_of(task: &dyn Task, digests: &BTreeMap<String, String>) -> Result<Fingerprint> {
    let mut inputs = Vec::new();
    for path in task.inputs() {
        inputs.push(FileStamp::of(&path)?.unwrap_or(FileStamp {
            path: path.display().to_string(),
            bytes: 0,
            modified_ns: 0,
        }));
    }
    let upstream = task
        .upstream()
        .into_iter()
        .map(|name| {
            let digest = digests.get(&name).cloned().unwrap_or_default();
            (name, digest)
        })
        .collect();
    Ok(Fingerprint {
        format_version: task.format_version(),
        params: task.params(),
        inputs,
        upstream,
    })
}

fn assess(
    task: &dyn Task,
    now: &Fingerprint,
    record: Option<&TaskRecord>,
    rerun: &BTreeSet<String>,
) -> Result<Verdict> {
    let Some(record) = record else {
        return Ok(Verdict::Missing("never built".to_owned()));
    };
    for output in task.outputs() {
        let Some(stamp) = FileStamp::of(&output)? else {
            return Ok(Verdict::Missing(format!(
                "output {} is missing",
                output.display()
            )));
        };
        if !record.outputs.contains(&stamp) {
            return Ok(Verdict::Stale(format!(
                "output {} was changed outside filmdex",
                output.display()
            )));
        }
    }
    if let Some(upstream) = task
        .upstream()
        .into_iter()
        .find(|name| rerun.contains(name))
    {
        return Ok(Verdict::Stale(format!("upstream task {upstream} reruns")));
    }
    Ok(match record.fingerprint.difference(now) {
        Some(reason) => Verdict::Stale(reason),
        None => Verdict::Complete,
    })
}

fn run_one(
    task: &dyn Task,
    fingerprint: Fingerprint,
    records: &BTreeMap<String, TaskRecord>,
) -> Result<TaskRecord> {
    for output in task.outputs() {
        staging::remove_leftovers(&output)?;
    }
    let started = Instant::now();
    let upstream = task
        .upstream()
        .into_iter()
        .filter_map(|name| records.get(&name).map(|record| (name, record.clone())))
        .collect();
    let output = task.run(&TaskContext {
        upstream: &upstream,
    })?;
    let mut outputs = Vec::new();
    for path in task.outputs() {
        let stamp = FileStamp::of(&path)?.with_context(|| {
            format!(
                "task {} finished without writing {}",
                task.name(),
                path.display()
            )
        })?;
        outputs.push(stamp);
    }
    let duration_ms = started.elapsed().as_millis() as u64;
    info!(task = %task.name(), rows = output.rows_out, elapsed_ms = duration_ms, "finished");
    Ok(TaskRecord {
        digest: fingerprint.digest(),
        fingerprint,
        finished_at: now_rfc3339(),
        duration_ms,
        rows_out: output.rows_out,
        outputs,
    })
}

pub fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .expect("the current time always formats as RFC 3339")
}
