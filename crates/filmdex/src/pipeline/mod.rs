//! The task runner that replaces Luigi: dependency order, fingerprints, atomic outputs, one build
//! per workdir.

pub mod fingerprint;
pub mod lock;
pub mod staging;
pub mod state;
pub mod summary;
pub mod task;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use tracing::info;

use fingerprint::{FileStamp, Fingerprint};
use lock::BuildLock;
use state::{BuildState, StateFile, TaskRecord};
use summary::TaskReport;
pub use task::{OwnRecord, Task, TaskContext, TaskName, TaskOutput, Verdict};

/// How the runner treats the tasks it was given.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Names asked for; empty means every task.
    pub selected: Vec<TaskName>,
    /// Run the selected tasks even when complete.
    pub force: bool,
    /// Only report what would run.
    pub dry_run: bool,
}

impl RunOptions {
    fn forces(&self, name: TaskName) -> bool {
        self.force && (self.selected.is_empty() || self.selected.contains(&name))
    }
}

/// Runs `tasks` (given in dependency order) as `options` say, with the state in `state_dir`.
///
/// The workdir's build lock is held only by a process that writes the state file: it is taken
/// before anything runs when some task recorded there has to run, and let go when only tasks
/// with their own record remain. A build with nothing to do there, such as a shard whose films
/// table is already built, leaves the lock free, so that several shard processes can share one
/// workdir; each shard holds its own lock instead.
pub fn run(
    tasks: &[Box<dyn Task>],
    state_dir: &Path,
    options: &RunOptions,
) -> Result<Vec<TaskReport>> {
    let chosen = select(tasks, &options.selected)?;
    let chosen: Vec<&dyn Task> = tasks
        .iter()
        .map(|task| task.as_ref())
        .filter(|task| chosen.contains(&task.name()))
        .collect();
    let mut build = Build::start(state_dir, &chosen, options)?;
    let mut reports = Vec::new();
    for (position, task) in chosen.iter().enumerate() {
        if chosen[position..]
            .iter()
            .all(|task| task.own_record().is_some())
        {
            build.workdir_lock = None;
        }
        reports.push(build.task(*task)?);
    }
    Ok(reports)
}

/// One run of the runner: the state file as this build sees it, and the locks it holds.
struct Build<'a> {
    state_dir: &'a Path,
    options: &'a RunOptions,
    state_file: StateFile,
    state: BuildState,
    judge: Judge,
    workdir_lock: Option<BuildLock>,
}

impl<'a> Build<'a> {
    /// Takes the workdir's lock when `tasks` will write the state file, then reads it.
    fn start(state_dir: &'a Path, tasks: &[&dyn Task], options: &'a RunOptions) -> Result<Self> {
        let state_file = StateFile::new(state_dir);
        let mut workdir_lock = None;
        if !options.dry_run && writes_state(tasks, &state_file.load()?, options)? {
            workdir_lock = Some(BuildLock::acquire(state_dir)?);
        }
        Ok(Build {
            state_dir,
            options,
            state: state_file.load()?,
            state_file,
            judge: Judge::default(),
            workdir_lock,
        })
    }

    /// Judges `task` and runs it when it is not complete (or is forced).
    fn task(&mut self, task: &dyn Task) -> Result<TaskReport> {
        let name = task.name();
        let own = task.own_record();
        let _task_lock = match own {
            Some(own) if !self.options.dry_run => Some(own.lock()?),
            _ => None,
        };
        let (fingerprint, verdict, record) = self.judge.judge(task, &self.state)?;
        let reason = match (self.options.forces(name), verdict.reason()) {
            (true, _) => "forced".to_owned(),
            (false, Some(reason)) => reason.to_owned(),
            (false, None) => return Ok(TaskReport::skipped(&name.to_string(), record.as_ref())),
        };
        self.judge.rerun.insert(name);
        if self.options.dry_run {
            return Ok(TaskReport::would_run(&name.to_string(), &reason));
        }
        if own.is_none() && self.workdir_lock.is_none() {
            // The state changed since `start` read it: another build is at work here. The lock
            // refuses this one while it runs; once it is done, its records are read again.
            self.workdir_lock = Some(BuildLock::acquire(self.state_dir)?);
            self.state = self.state_file.load()?;
        }
        info!(task = %name, reason = %reason, "running");
        let record = run_one(task, fingerprint, &self.state.tasks).with_context(|| match own {
            None => format!("task {name} failed; its previous outputs are kept"),
            Some(_) => format!("task {name} failed"),
        })?;
        let report = TaskReport::ran(&name.to_string(), &reason, &record);
        if own.is_none() {
            self.state.tasks.insert(name.to_string(), record);
            self.state_file.save(&self.state)?;
        }
        Ok(report)
    }
}

/// Every task's verdict without running anything (for `filmdex status`).
pub fn assess_all(
    tasks: &[Box<dyn Task>],
    state_dir: &Path,
) -> Result<Vec<(TaskName, Verdict, Option<TaskRecord>)>> {
    let state = StateFile::new(state_dir).load()?;
    let mut judge = Judge::default();
    let mut verdicts = Vec::new();
    for task in tasks {
        let (_, verdict, record) = judge.judge(task.as_ref(), &state)?;
        if verdict != Verdict::Complete {
            judge.rerun.insert(task.name());
        }
        verdicts.push((task.name(), verdict, record));
    }
    Ok(verdicts)
}

/// Whether some task recorded in the state file would run, so that this build writes the
/// workdir. Tasks with their own record are not judged here: that may mean downloading.
fn writes_state(tasks: &[&dyn Task], state: &BuildState, options: &RunOptions) -> Result<bool> {
    let mut judge = Judge::default();
    for task in tasks {
        let name = task.name();
        if task.own_record().is_some() {
            judge
                .digests
                .insert(name, fingerprint_of(*task, &judge.digests)?.digest());
            continue;
        }
        let (_, verdict, _) = judge.judge(*task, state)?;
        if options.forces(name) || verdict != Verdict::Complete {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Judges tasks in dependency order: each one's fingerprint holds its upstream tasks' digests,
/// and a task whose upstream task reruns is stale.
#[derive(Default)]
struct Judge {
    digests: HashMap<TaskName, String>,
    rerun: HashSet<TaskName>,
}

impl Judge {
    /// The task's fingerprint now, its verdict, and its record.
    fn judge(
        &mut self,
        task: &dyn Task,
        state: &BuildState,
    ) -> Result<(Fingerprint, Verdict, Option<TaskRecord>)> {
        let fingerprint = fingerprint_of(task, &self.digests)?;
        self.digests.insert(task.name(), fingerprint.digest());
        let (verdict, record) = match task.own_record() {
            Some(own) => own.judge()?,
            None => {
                let record = state.tasks.get(&task.name().to_string());
                let verdict = assess(task, &fingerprint, record, &self.rerun)?;
                (verdict, record.cloned())
            }
        };
        Ok((fingerprint, verdict, record))
    }
}

/// The asked-for tasks plus everything upstream of them.
fn select(tasks: &[Box<dyn Task>], selected: &[TaskName]) -> Result<HashSet<TaskName>> {
    let known: Vec<TaskName> = tasks.iter().map(|task| task.name()).collect();
    if selected.is_empty() {
        return Ok(known.into_iter().collect());
    }
    let mut chosen = HashSet::new();
    let mut pending: Vec<TaskName> = selected.to_vec();
    while let Some(name) = pending.pop() {
        let Some(task) = tasks.iter().find(|task| task.name() == name) else {
            let known: Vec<String> = known.iter().map(|name| name.to_string()).collect();
            bail!("unknown task '{name}'; the tasks are: {}", known.join(", "));
        };
        if chosen.insert(name) {
            pending.extend(task.upstream());
        }
    }
    Ok(chosen)
}

/// What the task would be built from now. Its upstream tasks appear by their text names, the
/// state file's keys.
fn fingerprint_of(task: &dyn Task, digests: &HashMap<TaskName, String>) -> Result<Fingerprint> {
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
            (name.to_string(), digest)
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
    rerun: &HashSet<TaskName>,
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
        .filter_map(|name| records.get(&name.to_string()).map(|record| (name, record)))
        .collect();
    let output = task.run(&TaskContext::new(upstream))?;
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
