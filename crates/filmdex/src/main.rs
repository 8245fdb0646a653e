//! The `filmdex` binary: parse the command line, set up logging, run, map errors to exit codes.

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;
use filmdex::cli::Cli;
use filmdex::exit::ExitKind;
use tracing_subscriber::EnvFilter;

fn main() -> ExitCode {
    // A command line clap cannot parse exits with 2, ExitKind::Usage's code.
    let cli = Cli::parse();
    init_logging(cli.verbose, cli.quiet);
    match filmdex::commands::run(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(ExitKind::of(&error).code())
        }
    }
}

/// Logs go to stderr (data goes to stdout); RUST_LOG wins over -v / -q. Colours only when
/// stderr is a terminal, so log files and collectors get plain text.
fn init_logging(verbose: u8, quiet: bool) {
    let level = match (quiet, verbose) {
        (true, _) => "warn",
        (false, 0) => "info",
        (false, 1) => "debug",
        (false, _) => "trace",
    };
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new(format!("filmdex={level},warn")));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .init();
}
