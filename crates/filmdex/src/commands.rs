//! What each subcommand does, on resolved configuration.

use std::path::Path;

use anyhow::Result;

use crate::cli::{Cli, Command};
use crate::config::{BuildConfig, DatasetSource};
use crate::dumps::Dump;
use crate::exit::ExitKind;
use crate::pipeline::fingerprint::FileStamp;
use crate::pipeline::summary::{self, format_duration, Action};
use crate::pipeline::{self, RunOptions, TaskName, Verdict};
use crate::plan;

/// Runs the parsed command line. Options that do not resolve are usage errors.
pub fn run(cli: &Cli) -> Result<()> {
    let workdir = &cli.workdir;
    match &cli.command {
        Command::Build(args) => build(&usage(args.resolve(workdir))?),
        Command::Status(args) => status(&usage(args.resolve(workdir))?, args.json),
        Command::Fetch(args) => fetch(workdir, &usage(crate::cli::resolve_fetch(&args.download))?),
        Command::Serve(args) => crate::serve::run(usage(args.resolve(workdir))?),
        Command::Up(args) => {
            let config = usage(args.build.resolve(workdir))?;
            let serve = usage(args.serve.resolve(workdir))?;
            build(&config)?;
            crate::serve::run(serve)
        }
        Command::Synth(args) => synth(args),
        Command::Similar(args) => crate::lookup::similar(&usage(args.resolve(workdir))?),
        Command::Recommend(args) => crate::lookup::recommend(&usage(args.resolve(workdir))?),
        Command::Search(args) => crate::lookup::search(&usage(args.resolve(workdir))?),
    }
}

/// Marks a failed resolution of the options as a usage error.
fn usage<T>(resolved: Result<T>) -> Result<T> {
    resolved.map_err(|error| ExitKind::Usage.mark(error))
}

/// `filmdex build`: runs the tasks, prints the summary table on stdout.
pub fn build(config: &BuildConfig) -> Result<()> {
    let tasks = plan::tasks(config)?;
    let options = RunOptions {
        selected: plan::selected(config),
        force: config.force,
        dry_run: config.dry_run,
    };
    let mut reports = pipeline::run(&tasks, &config.layout.state_dir(), &options)?;
    if let Some(shard) = config.shard {
        // Many shard processes share one films table: once it is built, a shard's summary is
        // the shard's own line.
        let shard = TaskName::Shard(shard).to_string();
        if reports
            .iter()
            .all(|report| report.task == shard || report.action == Action::Skipped)
        {
            reports.retain(|report| report.task == shard);
        }
    }
    print!("{}", summary::render(&reports));
    Ok(())
}

/// `filmdex fetch`: asks the server about every dump and downloads what changed.
fn fetch(workdir: &Path, fetch: &crate::config::FetchConfig) -> Result<()> {
    let mut config = BuildConfig::defaults(workdir);
    config.source = DatasetSource::Download;
    config.fetch = fetch.clone();
    config.tasks = Dump::ALL.into_iter().map(TaskName::Fetch).collect();
    config.force = true;
    build(&config)
}

/// `filmdex status`: one line per task.
/// One task's line of `filmdex status`.
#[derive(serde::Serialize)]
struct TaskStatus {
    task: String,
    state: &'static str,
    bytes: u64,
    duration_ms: Option<u64>,
    built_at: Option<String>,
    reason: Option<String>,
}

/// `filmdex status`: each task's state as a table, or as JSON for scripts.
fn status(config: &BuildConfig, json: bool) -> Result<()> {
    let tasks = plan::tasks(config)?;
    let verdicts = pipeline::assess_all(&tasks, &config.layout.state_dir())?;
    let mut lines = Vec::new();
    for (task, (name, verdict, record)) in tasks.iter().zip(verdicts) {
        let state = match verdict {
            Verdict::Complete => "complete",
            Verdict::Missing(_) => "missing",
            Verdict::Stale(_) => "stale",
        };
        let mut bytes = 0;
        for output in task.outputs() {
            bytes += FileStamp::of(&output)?.map_or(0, |stamp| stamp.bytes);
        }
        lines.push(TaskStatus {
            task: name.to_string(),
            state,
            bytes,
            duration_ms: record.as_ref().map(|record| record.duration_ms),
            built_at: record.map(|record| record.finished_at),
            reason: verdict.reason().map(str::to_owned).or_else(|| task.note()),
        });
    }
    if json {
        println!("{}", serde_json::to_string_pretty(&lines)?);
        return Ok(());
    }
    println!(
        "{:<24} {:<9} {:>10} {:>10} {:<22} why",
        "task", "state", "size", "took", "built at"
    );
    for line in lines {
        println!(
            "{:<24} {:<9} {:>10} {:>10} {:<22} {}",
            line.task,
            line.state,
            format_bytes(line.bytes),
            line.duration_ms.map_or("-".to_owned(), format_duration),
            line.built_at.as_deref().unwrap_or("-"),
            line.reason.as_deref().unwrap_or("")
        );
    }
    Ok(())
}

fn synth(args: &crate::cli::SynthArgs) -> Result<()> {
    use filmdex_synth::{Shape, SynthParams};
    let shape = match (args.scale, args.sample_films) {
        (_, Some(films)) => Shape::Sample { films },
        (Some(scale), None) => Shape::Dumps { scale },
        (None, None) => anyhow::bail!("give --scale or --sample-films"),
    };
    let report = filmdex_synth::write_dumps(
        &SynthParams {
            shape,
            seed: args.seed,
        },
        &args.out,
        args.extra.as_deref(),
    )?;
    for (file, rows) in report.files {
        println!("{file}\t{rows} rows");
    }
    Ok(())
}

fn format_bytes(bytes: u64) -> String {
    match bytes {
        0 => "-".to_owned(),
        b if b < 1 << 10 => format!("{b} B"),
        b if b < 1 << 20 => format!("{:.1} KiB", b as f64 / 1024.0),
        b if b < 1 << 30 => format!("{:.1} MiB", b as f64 / (1 << 20) as f64),
        b => format!("{:.2} GiB", b as f64 / (1 << 30) as f64),
    }
}
