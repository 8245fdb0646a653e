//! Runs the generator, as `filmdex synth` does but without compiling filmdex and DuckDB, and
//! checks a written folder.
//!
//! ```text
//! cargo run --release -p filmdex-synth --example synth -- dumps 0.1 /tmp/synth-0.1 [--seed N] [--extra DIR]
//! cargo run --release -p filmdex-synth --example synth -- sample 2000 /tmp/sample [--seed N] [--extra DIR]
//! cargo run --release -p filmdex-synth --example synth -- check /tmp/synth-0.1
//! ```

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use filmdex_synth::{check, write_dumps, Shape, SynthParams};

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (command, rest) = args
        .split_first()
        .context("usage: synth dumps|sample|check ...")?;
    if command == "check" {
        let dir = rest.first().context("usage: synth check DIR")?;
        return print_summary(&PathBuf::from(dir));
    }
    let [size, out, options @ ..] = rest else {
        bail!("usage: synth {command} SIZE OUT_DIR [--seed N] [--extra DIR]");
    };
    let shape = match command.as_str() {
        "dumps" => Shape::Dumps {
            scale: size.parse().context("scale")?,
        },
        "sample" => Shape::Sample {
            films: size.parse().context("films")?,
        },
        other => bail!("unknown command {other}"),
    };
    let (seed, extra) = parse_options(options)?;
    let started = Instant::now();
    let report = write_dumps(
        &SynthParams { shape, seed },
        &PathBuf::from(out),
        extra.as_deref(),
    )?;
    for (file, rows) in &report.files {
        println!("{file}\t{rows}");
    }
    eprintln!("written in {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}

fn parse_options(options: &[String]) -> Result<(u64, Option<PathBuf>)> {
    let (mut seed, mut extra) = (42, None);
    let mut options = options.iter();
    while let Some(option) = options.next() {
        let value = options
            .next()
            .with_context(|| format!("{option} needs a value"))?;
        match option.as_str() {
            "--seed" => seed = value.parse().context("seed")?,
            "--extra" => extra = Some(PathBuf::from(value)),
            other => bail!("unknown option {other}"),
        }
    }
    Ok((seed, extra))
}

fn print_summary(dir: &std::path::Path) -> Result<()> {
    let started = Instant::now();
    let summary = check::summarize(dir)?;
    println!("{summary:#?}");
    let share = summary.movies_passing_default_filter as f64 / summary.movies.max(1) as f64;
    println!(
        "share of movies passing the default filter: {:.2}%",
        share * 100.0
    );
    eprintln!("checked in {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}
