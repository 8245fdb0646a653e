//! Text search over films: every title, alternate title and person name cut into normalised
//! words (`normalise`), indexed once per load (`index`), and queries matched and ranked by
//! Meilisearch's rules (`query`, `rank`). Pure: no I/O, no DuckDB.

/// Text to words: case, accents and punctuation removed; CJK characters one word each.
pub mod normalise;

/// The searchable texts of the films and the word index over them.
pub mod index;

/// A query's words matched against the vocabulary: exact, prefix, typos.
mod derive;

/// Films that match every query word, ranked, with the text that matched.
pub mod rank;

/// Queries made from films the way people type them, for tests and benchmarks.
pub mod query_set;

pub use index::{Field, FilmTexts, TextIndex, MAX_PREFIX_WORDS};
pub use rank::{Match, Ranked, Ranking, Relevance, MAX_QUERY_WORDS};
