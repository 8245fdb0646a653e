//! Progress bars on a terminal, nothing otherwise (log lines carry the news there).

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

fn on_terminal() -> bool {
    std::io::stderr().is_terminal()
}

/// Bytes transferred out of `total` (when known).
pub fn bytes_bar(total: Option<u64>, label: &str) -> ProgressBar {
    if !on_terminal() {
        return ProgressBar::hidden();
    }
    let bar = match total {
        Some(total) => ProgressBar::new(total).with_style(
            ProgressStyle::with_template(
                "{msg:>18} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
            )
            .expect("the template is valid")
            .progress_chars("=> "),
        ),
        None => ProgressBar::new_spinner().with_style(
            ProgressStyle::with_template("{msg:>18} {spinner} {bytes} {bytes_per_sec}")
                .expect("the template is valid"),
        ),
    };
    bar.set_message(label.to_owned());
    bar
}

/// A ticking spinner for a step whose size is unknown (a DuckDB query).
pub fn spinner(label: &str) -> ProgressBar {
    if !on_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new_spinner().with_style(
        ProgressStyle::with_template("{spinner} {msg} {elapsed}").expect("the template is valid"),
    );
    bar.set_message(label.to_owned());
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}
