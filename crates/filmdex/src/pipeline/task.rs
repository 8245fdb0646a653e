//! The task interface: what a step of the build reads, writes and depends on.

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::Result;

use super::state::TaskRecord;

/// One step of the build. Implementations live beside the code they run (`fetch`, `prep`, ...).
pub trait Task {
    /// Stable name used on the command line and in the state file, e.g. `prep`.
    fn name(&self) -> String;
    /// Names of the tasks whose outputs this one reads.
    fn upstream(&self) -> Vec<String>;
    /// Bumped whenever the task's output format or meaning changes, to rebuild old outputs.
    fn format_version(&self) -> u32;
    /// Parameters that change the output; part of the fingerprint.
    fn params(&self) -> serde_json::Value;
    /// Files read that no task of this build writes (the dumps).
    fn inputs(&self) -> Vec<PathBuf>;
    /// Files or folders the task writes; each is replaced whole when the task succeeds.
    fn outputs(&self) -> Vec<PathBuf>;
    /// Does the work; must write through `pipeline::staging` so that failure leaves old outputs.
    fn run(&self, context: &TaskContext) -> Result<TaskOutput>;
}

/// What a running task may know about the build.
pub struct TaskContext<'a> {
    /// Records of the upstream tasks as they stand now (this run's, or an earlier run's).
    pub upstream: &'a BTreeMap<String, TaskRecord>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TaskOutput {
    pub rows_out: u64,
}
