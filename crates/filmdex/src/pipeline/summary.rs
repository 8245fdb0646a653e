//! The table printed at the end of a build: each task, skipped or ran, how long, rows out.

use std::fmt::Write;

use super::state::TaskRecord;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Skipped,
    Ran,
    WouldRun,
}

#[derive(Debug, Clone)]
pub struct TaskReport {
    pub task: String,
    pub action: Action,
    /// Why it ran (or would run); empty when skipped.
    pub reason: String,
    pub duration_ms: Option<u64>,
    pub rows_out: Option<u64>,
}

impl TaskReport {
    pub fn skipped(task: &str, record: Option<&TaskRecord>) -> Self {
        Self {
            task: task.to_owned(),
            action: Action::Skipped,
            reason: "up to date".to_owned(),
            duration_ms: None,
            rows_out: record.map(|record| record.rows_out),
        }
    }
    pub fn would_run(task: &str, reason: &str) -> Self {
        Self {
            task: task.to_owned(),
            action: Action::WouldRun,
            reason: reason.to_owned(),
            duration_ms: None,
            rows_out: None,
        }
    }
    pub fn ran(task: &str, reason: &str, record: &TaskRecord) -> Self {
        Self {
            task: task.to_owned(),
            action: Action::Ran,
            reason: reason.to_owned(),
            duration_ms: Some(record.duration_ms),
            rows_out: Some(record.rows_out),
        }
    }
}

/// A fixed-width table, one task per line.
pub fn render(reports: &[TaskReport]) -> String {
    let mut out = format!(
        "{:<24} {:<10} {:>10} {:>12}  {}\n",
        "task", "action", "time", "rows out", "why"
    );
    for report in reports {
        let action = match report.action {
            Action::Skipped => "skipped",
            Action::Ran => "ran",
            Action::WouldRun => "would run",
        };
        let time = report.duration_ms.map_or("-".to_owned(), format_duration);
        let rows = report
            .rows_out
            .map_or("-".to_owned(), |rows| rows.to_string());
        let _ = writeln!(
            out,
            "{:<24} {:<10} {:>10} {:>12}  {}",
            report.task, action, time, rows, report.reason
        );
    }
    out
}

pub fn format_duration(ms: u64) -> String {
    if ms < 1_000 {
        format!("{ms} ms")
    } else if ms < 120_000 {
        format!("{:.1} s", ms as f64 / 1_000.0)
    } else {
        format!("{}m{:02}s", ms / 60_000, (ms / 1_000) % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_lists_every_task_with_its_action() {
        let table = render(&[
            TaskReport {
                task: "prep".into(),
                action: Action::Ran,
                reason: "never built".into(),
                duration_ms: Some(1_500),
                rows_out: Some(3),
            },
            TaskReport::would_run("load", "upstream task prep reruns"),
        ]);
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(
            lines[1].starts_with("prep") && lines[1].contains("ran") && lines[1].contains("1.5 s")
        );
        assert!(lines[2].contains("would run") && lines[2].ends_with("upstream task prep reruns"));
    }
}
