//! The IMDb dump files filmdex reads: the format from the `filmdex-dumps` crate, and which
//! files the films table is made from.
//!
//! `Dump` (names, header lines, fetch task names) is defined once in `filmdex-dumps`, a crate
//! without dependencies that `filmdex-synth` shares; it is re-exported here so the rest of
//! filmdex says `crate::dumps::Dump`.

pub use filmdex_dumps::Dump;

/// The four files the films table is made from (akas is read by the `akas` task, and optional).
pub const PREP_INPUTS: [Dump; 4] = [
    Dump::TitleBasics,
    Dump::TitlePrincipals,
    Dump::NameBasics,
    Dump::TitleRatings,
];
