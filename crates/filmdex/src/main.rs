//! The `filmdex` binary: parse the command line, set up logging, run, map errors to exit codes.

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;
use filmdex::cli::{Cli, LogFormat};
use filmdex::exit::ExitKind;
use tracing_subscriber::EnvFilter;

fn main() -> ExitCode {
    // A command line clap cannot parse exits with 2, ExitKind::Usage's code.
    let cli = Cli::parse();
    init_logging(cli.verbose, cli.quiet, cli.log_format);
    match filmdex::commands::run(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            let kind = ExitKind::of(&error);
            match cli.log_format {
                LogFormat::Text => eprintln!("error: {error:#}"),
                // A log collector reads stderr line by line: the last line is JSON too.
                LogFormat::Json => tracing::error!(
                    error = %format!("{error:#}"),
                    exit_code = kind.code(),
                    exit_kind = kind.entry().name,
                    "failed"
                ),
            }
            ExitCode::from(kind.code())
        }
    }
}

/// Logs go to stderr (data goes to stdout); RUST_LOG wins over -v / -q. Text has colours only
/// when stderr is a terminal, so log files get plain text; JSON is one object per line, the
/// event's fields at the top level beside `timestamp`, `level` and the current span.
fn init_logging(verbose: u8, quiet: bool, format: LogFormat) {
    let level = match (quiet, verbose) {
        (true, _) => "warn",
        (false, 0) => "info",
        (false, 1) => "debug",
        (false, _) => "trace",
    };
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new(format!("filmdex={level},warn")));
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false);
    match format {
        LogFormat::Text => logs.with_ansi(std::io::stderr().is_terminal()).init(),
        LogFormat::Json => logs.json().flatten_event(true).init(),
    }
}
