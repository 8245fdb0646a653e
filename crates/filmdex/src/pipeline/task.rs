//! The task interface: what a step of the build is called, reads, writes and depends on.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use anyhow::Result;
use filmdex_similarity::Shard;

use super::lock::BuildLock;
use super::state::TaskRecord;
use crate::dumps::Dump;

/// One step of the build. Implementations live beside the code they run (`fetch`, `prep`, ...).
pub trait Task {
    /// The task's name on the command line, in the state file and in the summary.
    fn name(&self) -> TaskName;
    /// The tasks whose outputs this one reads.
    fn upstream(&self) -> Vec<TaskName>;
    /// Bumped whenever the task's output format or meaning changes, to rebuild old outputs.
    fn format_version(&self) -> u32;
    /// Parameters that change the output; part of the fingerprint.
    fn params(&self) -> serde_json::Value;
    /// Files read that no task of this build writes (the dumps).
    fn inputs(&self) -> Vec<PathBuf>;
    /// Files or folders the task writes; each is replaced whole when the task succeeds.
    fn outputs(&self) -> Vec<PathBuf>;
    /// Something `status` shows beside a complete task (what its output lacks, and why).
    fn note(&self) -> Option<String> {
        None
    }
    /// Does the work; must write through `pipeline::staging` so that failure leaves old outputs.
    fn run(&self, context: &TaskContext) -> Result<TaskOutput>;
    /// `None` for a task recorded in this workdir's state file (every task but a shard).
    fn own_record(&self) -> Option<&dyn OwnRecord> {
        None
    }
}

/// A task that keeps its completion record beside its outputs, where every machine that writes
/// them sees it (a shard's manifest in a bucket), instead of in this workdir's state file. The
/// runner asks the task whether it is complete, holds the task's own lock instead of the
/// workdir's while judging and running it, and saves nothing in the state file, so that several
/// such tasks can run at once from one workdir.
pub trait OwnRecord {
    /// Held while the task is judged and run: one process at a time works on these outputs.
    fn lock(&self) -> Result<BuildLock>;
    /// Whether the outputs are complete for what the task would make now, with their record
    /// when they are.
    fn judge(&self) -> Result<(Verdict, Option<TaskRecord>)>;
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

/// The name of a task. Its text form (`fetch:title.basics`, `prep`, `similarity[3/8]`) is what
/// the command line takes and the state file's keys hold, so it never changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TaskName {
    /// One dump file in place and verified.
    Fetch(Dump),
    /// The films table.
    Prep,
    /// The films' alternate titles.
    Akas,
    /// The films filed under each of their genres.
    Genres,
    /// The neighbours of every film.
    Similarity,
    /// The neighbours of one shard of the films (`build similarity --shard I/N`).
    Shard(Shard),
    /// The database.
    Load,
}

impl TaskName {
    /// How the command line's help and errors list the tasks.
    pub const CHOICES: &'static str = "fetch:<dump>, prep, akas, genres, similarity, load";
}

impl fmt::Display for TaskName {
    /// Padded as a column of the summary and status tables asks.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = match self {
            TaskName::Fetch(dump) => format!("fetch:{}", dump.stem()),
            TaskName::Prep => "prep".to_owned(),
            TaskName::Akas => "akas".to_owned(),
            TaskName::Genres => "genres".to_owned(),
            TaskName::Similarity => "similarity".to_owned(),
            TaskName::Shard(shard) => format!("similarity[{shard}]"),
            TaskName::Load => "load".to_owned(),
        };
        f.pad(&text)
    }
}

impl FromStr for TaskName {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let unknown = || {
            format!(
                "unknown task '{text}'; the tasks are: {}",
                TaskName::CHOICES
            )
        };
        if let Some(stem) = text.strip_prefix("fetch:") {
            let dump = Dump::ALL.into_iter().find(|dump| dump.stem() == stem);
            return dump.map(TaskName::Fetch).ok_or_else(unknown);
        }
        if let Some(shard) = text
            .strip_prefix("similarity[")
            .and_then(|rest| rest.strip_suffix(']'))
        {
            return shard.parse().map(TaskName::Shard).map_err(|_| unknown());
        }
        match text {
            "prep" => Ok(TaskName::Prep),
            "akas" => Ok(TaskName::Akas),
            "genres" => Ok(TaskName::Genres),
            "similarity" => Ok(TaskName::Similarity),
            "load" => Ok(TaskName::Load),
            _ => Err(unknown()),
        }
    }
}

/// A name equals the text that reads as it.
impl PartialEq<String> for TaskName {
    fn eq(&self, text: &String) -> bool {
        text.parse::<TaskName>().as_ref() == Ok(self)
    }
}

/// What a running task may know about the build.
pub struct TaskContext<'a> {
    upstream: Vec<(TaskName, &'a TaskRecord)>,
}

impl<'a> TaskContext<'a> {
    /// The records of the upstream tasks as they stand now (this run's, or an earlier run's).
    pub fn new(upstream: Vec<(TaskName, &'a TaskRecord)>) -> Self {
        Self { upstream }
    }

    /// The record of the upstream task `name`.
    pub fn record(&self, name: TaskName) -> Option<&'a TaskRecord> {
        self.upstream
            .iter()
            .find(|(upstream, _)| *upstream == name)
            .map(|(_, record)| *record)
    }

    /// Every upstream task's record.
    pub fn records(&self) -> impl Iterator<Item = &'a TaskRecord> + '_ {
        self.upstream.iter().map(|(_, record)| *record)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TaskOutput {
    pub rows_out: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_reads_back_from_its_text() {
        let mut names: Vec<TaskName> = Dump::ALL.into_iter().map(TaskName::Fetch).collect();
        names.extend([
            TaskName::Prep,
            TaskName::Akas,
            TaskName::Genres,
            TaskName::Similarity,
            TaskName::Shard(Shard::new(3, 8).expect("a shard")),
            TaskName::Load,
        ]);
        for name in names {
            assert_eq!(name.to_string().parse(), Ok(name));
        }
    }

    #[test]
    fn the_text_forms_are_those_of_existing_state_files() {
        assert_eq!(
            TaskName::Fetch(Dump::TitleBasics).to_string(),
            "fetch:title.basics"
        );
        assert_eq!(TaskName::Prep, "prep".to_owned());
        assert_eq!(
            TaskName::Shard(Shard::new(0, 2).expect("a shard")).to_string(),
            "similarity[0/2]"
        );
    }

    #[test]
    fn an_unknown_name_lists_the_tasks() {
        for text in ["fetch:title.crew", "similarity[2/2]", "Prep", ""] {
            let error = text.parse::<TaskName>().expect_err(text);
            assert!(error.contains("the tasks are: fetch:<dump>"), "{error}");
        }
    }
}
