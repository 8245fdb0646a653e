//! What each subcommand does, on resolved configuration.

use std::path::Path;

use anyhow::Result;

use crate::cli::{Cli, Command};
use crate::config::{BuildConfig, DatasetSource};
use crate::dumps::Dump;
use crate::pipeline::fingerprint::FileStamp;
use crate::pipeline::summary::{self, format_duration};
use crate::pipeline::{self, RunOptions, Verdict};
use crate::plan;
use crate::similarity::shard::{FilmsSource, ShardJob};
use crate::storage::Location;

/// Runs the parsed command line.
pub fn run(cli: &Cli) -> Result<()> {
    match &cli.command {
        Command::Build(args) => build(&args.resolve(&cli.workdir)?),
        Command::Status(args) => status(&args.resolve(&cli.workdir)?),
        Command::Fetch(args) => fetch(&cli.workdir, &crate::cli::resolve_fetch(&args.download)?),
        Command::Serve(args) => crate::serve::run(args.resolve(&cli.workdir)?),
        Command::Up(args) => {
            let config = args.build.resolve(&cli.workdir)?;
            build(&config)?;
            crate::serve::run(args.serve.resolve(&cli.workdir)?)
        }
        Command::Synth(args) => synth(args),
    }
}

/// `filmdex build`: runs the tasks, prints the summary table on stdout.
pub fn build(config: &BuildConfig) -> Result<()> {
    if let Some(shard) = config.shard {
        return build_shard(config, shard);
    }
    let tasks = plan::tasks(config)?;
    let options = RunOptions {
        selected: config.tasks.clone(),
        force: config.force,
        dry_run: config.dry_run,
    };
    let reports = pipeline::run(&tasks, &config.layout.state_dir(), &options)?;
    print!("{}", summary::render(&reports));
    Ok(())
}

/// `filmdex build similarity --shard I/N`: the films table (built here by prep when no --films
/// is given), then the shard, skipped when its manifest says it is complete.
fn build_shard(config: &BuildConfig, shard: filmdex_similarity::Shard) -> Result<()> {
    let layout = &config.layout;
    let mut reports = Vec::new();
    let films = match &config.films_from {
        Some(films) => FilmsSource::parse(films)?,
        None => {
            // Several shard processes may share this workdir: take the build lock only when
            // prep has something to do.
            let mut prep_only = config.clone();
            prep_only.tasks = vec!["prep".to_owned()];
            prep_only.shard = None;
            let tasks = plan::tasks(&prep_only)?;
            let verdicts = pipeline::assess_all(&tasks, &layout.state_dir())?;
            let prep_complete = verdicts
                .iter()
                .any(|(name, verdict, _)| name == "prep" && *verdict == Verdict::Complete);
            if !prep_complete {
                let options = RunOptions {
                    selected: prep_only.tasks.clone(),
                    force: false,
                    dry_run: config.dry_run,
                };
                reports.extend(pipeline::run(&tasks, &layout.state_dir(), &options)?);
            }
            FilmsSource::Local(layout.films_dir().join(crate::prep::FILMS_FILE))
        }
    };
    let pairs = match &config.pairs {
        Some(pairs) => Location::parse(pairs)?,
        None => Location::parse(&layout.default_pairs().display().to_string())?,
    };
    let job = ShardJob {
        shard,
        films,
        pairs,
        params: config.similarity.clone(),
        duck: config.duck.clone(),
        scratch: layout.scratch_dir(),
        force: config.force,
        dry_run: config.dry_run,
    };
    reports.push(job.run()?);
    print!("{}", summary::render(&reports));
    Ok(())
}

/// `filmdex fetch`: asks the server about every dump and downloads what changed.
fn fetch(workdir: &Path, fetch: &crate::config::FetchConfig) -> Result<()> {
    let mut config = crate::cli::StatusArgs::defaults_for(workdir)?;
    config.source = DatasetSource::Download;
    config.fetch = fetch.clone();
    config.tasks = Dump::ALL.iter().map(|dump| dump.fetch_task()).collect();
    config.force = true;
    build(&config)
}

/// `filmdex status`: one line per task.
fn status(config: &BuildConfig) -> Result<()> {
    let tasks = plan::tasks(config)?;
    let verdicts = pipeline::assess_all(&tasks, &config.layout.state_dir())?;
    println!(
        "{:<24} {:<9} {:>10} {:>10} {:<22} why",
        "task", "state", "size", "took", "built at"
    );
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
        let (took, built) = record
            .map(|record| (format_duration(record.duration_ms), record.finished_at))
            .unwrap_or_else(|| ("-".to_owned(), "-".to_owned()));
        println!(
            "{:<24} {:<9} {:>10} {:>10} {:<22} {}",
            name,
            state,
            format_bytes(bytes),
            took,
            built,
            verdict.reason().unwrap_or("")
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
