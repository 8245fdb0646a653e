//! The exit codes of `filmdex`, in one table, so that scripts and orchestrators can tell a
//! failure worth retrying from one a person must fix. An error carries its kind as a marker in
//! its chain (made by [`ExitKind::error`] or wrapped by [`ExitKind::mark`] where it is known);
//! `main` reads it with [`ExitKind::of`]. An error with no marker exits with 1.

use std::fmt;

/// Why a run failed, as far as a caller deciding what to do next cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitKind {
    Failure,
    Usage,
    Busy,
    Data,
    Network,
    Source,
}

/// One row of the table.
pub struct ExitEntry {
    pub code: u8,
    pub name: &'static str,
    pub meaning: &'static str,
    /// Whether running the same command again later can succeed without changing anything.
    pub retryable: bool,
}

impl ExitKind {
    pub const ALL: [ExitKind; 6] = [
        ExitKind::Failure,
        ExitKind::Usage,
        ExitKind::Busy,
        ExitKind::Data,
        ExitKind::Network,
        ExitKind::Source,
    ];

    /// The one table of exit codes (0 is success). Usage is 2, as clap and shells have it.
    pub fn entry(self) -> ExitEntry {
        let (code, name, meaning, retryable) = match self {
            ExitKind::Failure => (1, "failure", "anything not below (a disk error, a bug): read the message", false),
            ExitKind::Usage => (2, "usage", "the command line or an option's value is wrong: a film the database does not have, an address serve cannot listen on", false),
            ExitKind::Busy => (3, "busy", "another build holds the workdir's lock, or another process the address serve listens on", true),
            ExitKind::Data => (4, "data", "an input is unusable: a dump fails its check or has too many bad rows, a database is missing, not filmdex's or of another version, shards are incomplete or malformed", false),
            ExitKind::Network => (5, "network", "a download failed after its retries (unreachable, cut, silent, 5xx)", true),
            ExitKind::Source => (6, "source", "the download server refused: 4xx, a redirect off https, a file over the size cap", false),
        };
        ExitEntry {
            code,
            name,
            meaning,
            retryable,
        }
    }

    pub fn code(self) -> u8 {
        self.entry().code
    }

    /// A new error of this kind.
    pub fn error(self, message: impl fmt::Display) -> anyhow::Error {
        self.mark(anyhow::anyhow!("{message}"))
    }

    /// `error` marked as this kind; its text stays the same.
    pub fn mark(self, error: anyhow::Error) -> anyhow::Error {
        anyhow::Error::new(Marked { kind: self, error })
    }

    /// The kind of the outermost marker in `error`'s chain, or [`ExitKind::Failure`].
    pub fn of(error: &anyhow::Error) -> ExitKind {
        error
            .downcast_ref::<Marked>()
            .map_or(ExitKind::Failure, |marked| marked.kind)
    }
}

/// The marker around an error: it shows the error's message and continues with the error's
/// causes, so the text of the chain is unchanged.
#[derive(Debug)]
struct Marked {
    kind: ExitKind,
    error: anyhow::Error,
}

impl fmt::Display for Marked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The plain form of an `anyhow::Error` is its outermost message only.
        write!(f, "{}", self.error)
    }
}

impl std::error::Error for Marked {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.error.source()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_distinct_and_none_is_success() {
        let mut codes: Vec<u8> = ExitKind::ALL.iter().map(|kind| kind.code()).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), ExitKind::ALL.len());
        assert!(!codes.contains(&0));
    }

    #[test]
    fn the_outermost_marker_decides_and_text_is_unchanged() {
        let plain = anyhow::anyhow!("disk full");
        assert_eq!(ExitKind::of(&plain), ExitKind::Failure);
        let network = ExitKind::Network.error("connection refused");
        assert_eq!(ExitKind::of(&network), ExitKind::Network);
        let wrapped = network.context("fetching title.basics");
        assert_eq!(ExitKind::of(&wrapped), ExitKind::Network);
        assert_eq!(
            format!("{wrapped:#}"),
            "fetching title.basics: connection refused"
        );
        let data = ExitKind::Data.mark(anyhow::anyhow!("bad gzip").context("checking x.tsv.gz"));
        assert_eq!(ExitKind::of(&data), ExitKind::Data);
        assert_eq!(format!("{data:#}"), "checking x.tsv.gz: bad gzip");
    }
}
