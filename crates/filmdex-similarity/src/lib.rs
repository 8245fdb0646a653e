//! filmdex-similarity: exact TF-IDF cosine similarity of every film against every other.
//!
//! A pure kernel: no I/O. Films become terms ([`FeatureSet`]), terms get tf-idf weights
//! (tf = raw count, idf = ln((m + 1) / (df + 1))), each film is L2-normalised, and the
//! similarity of two films is the dot product of their vectors.
//!
//! # What to compute, and which films are neighbours
//!
//! A [`NeighbourQuery`] says what a run computes of each film's row: its top k
//! ([`Neighbours::TopK`], k = [`DEFAULT_TOP_K`] unless told otherwise) or all its neighbours
//! ([`Neighbours::AllPairs`]), each at least `min_similarity` similar. [`neighbours_of`]
//! computes it for a [`FilmSelection`]: every film, a [`Shard`], or a block of film ids.
//!
//! One rule says which films are neighbours, for every path (the build, its shards, the Python
//! wheel, and the server's [`TfIdfMatrix::similar_to`] and [`TfIdfMatrix::similar_page`]):
//! **a neighbour shares at least one feature with the film and is at least the minimum
//! similar.** A term in every film has idf 0 and is left out of the matrix, so every stored
//! weight is positive and sharing a feature is the same as scoring above 0: a minimum of 0
//! keeps the films scoring above 0, a positive minimum the films scoring at least it.
//!
//! # Why it is fast and still exact
//!
//! A plain inverted index costs the sum over terms of df² multiply-adds, and a few dozen
//! common terms (genres, ratings, "the") carry almost all of it. So terms get one of three
//! roles (`split`):
//!
//! - **Exclusive** terms: the ratings. A film has at most one, so a pair either shares it or
//!   not: it adds w_a * w_b to the dot product only for films with the same rating.
//! - **Heavy** terms: the commonest others, chosen greedily by document frequency while the
//!   df² they save outweighs the growth of the number of *base profiles* (films with the same
//!   heavy terms and tf). The heavy part G of a dot product depends only on the two base
//!   profiles; a base profile's row of G is computed once, for all its films.
//! - **Light** terms, all the rest, go through an inverted index: for film a, the films
//!   sharing a light term get their exact light part from an accumulator.
//!
//! So H(a, b) = G(base a, base b) (+ w_a(x) * w_b(x) for the same rating x), and every film b
//! scores at least H(a, b) * inv_a * inv_b. Per base profile, a lazily built stream yields
//! the films of all base profiles by descending level of G * inv_b (a level spans a factor
//! 1 + 2^-3); per *full profile* (base profile plus rating) another yields the films with the
//! same rating by level of H * inv_b; read merged, they give every film by descending level
//! of its heavy-only key, shared by all films of the profile.
//!
//! For film a, the top k needs a lower bound `floor` of its k-th best similarity; then only
//! films scoring at least `floor` are kept, and nothing left out can beat or tie the k-th, so
//! the top k, sorted by (similarity desc, film id asc), is exact. Most of a film's light
//! postings come from one common title word (light terms are numbered by document frequency,
//! so it is the last of its row: its *widest* term). So the accumulator first folds every
//! light term but the widest; `floor` is the k-th best of lower bounds of k distinct films:
//! the films touched so far (their fold can only grow), the films most similar to anyone
//! through the widest term alone (`Partners`, exact), and the streams' films (heavy-only
//! keys). Then the widest term's postings complete the touched films' folds, and a film met
//! only there shares nothing else with a, so its similarity is computed on the spot and kept
//! only if it reaches `floor`: most of them never become candidates. Last, the streams'
//! films down to `floor` (light part 0).
//!
//! Every path computes a pair's similarity with the same operations in the same order (written
//! out in `kernel`), so values are bit-identical across [`neighbours_of`] (top k or all pairs,
//! for any selection of films), [`TfIdfMatrix::similar_to`], [`TfIdfMatrix::similar_page`]
//! and [`TfIdfMatrix::explain`], symmetric, and the same for any number of threads and any
//! split into shards.
//!
//! # Test hooks
//!
//! The cargo feature `test-hooks` exposes what only the crate's own tests and benchmarks use:
//! forced heavy/light splits (`TfIdfMatrix::build_with_split`), a lower threshold for broad
//! terms, and the seed feature set's bucket of a token. The crate's dev-dependencies enable it;
//! nothing else should.

/// Input records, the two feature sets, and how a film becomes terms.
mod features;

/// Spark's MurmurHash3 term hashing, for the seed feature set.
mod murmur3;

/// Flat sparse rows, the layout of every index.
mod sparse;

/// Which terms are heavy, exclusive (ratings) or light.
mod split;

/// Films grouped by base profile and full profile.
mod profiles;

/// Building the tf-idf matrix.
mod matrix;

/// The scoring function, its summation order, and per-thread accumulators.
mod kernel;

/// Exact top-k neighbours of every film.
mod topk;

/// Spreading base profiles over the threads, largest first.
mod schedule;

/// Whole rows: one film against all (`similar_to`, all pairs).
mod rows;

/// Per-feature breakdown of a similarity.
mod explain;

/// Which films' rows a run computes: all, a shard balanced by work, or a block of ids.
mod shards;

/// What a run computes of each row (top k or all pairs, a minimum similarity) and the rule for
/// which films are neighbours.
mod query;

/// The entry point: a query's neighbours for every selected film.
mod neighbours;

/// Recommendations: liked and disliked films made into one query vector, scored against all.
mod taste;

/// Recommendations ranked: the best films for a taste among allowed rows, in one pass.
mod ranking;

pub use explain::{Contribution, Explanation};
pub use features::{FeatureKind, FeatureSet, FilmRecord, ParseFeatureSetError, Person};
pub use kernel::Neighbour;
pub use matrix::{IndexSummary, TfIdfMatrix};
pub use neighbours::neighbours_of;
pub use query::{NeighbourQuery, Neighbours, DEFAULT_TOP_K};
pub use ranking::{RankedFilm, TasteRanking};
pub use shards::{FilmSelection, ParseShardError, Shard};
#[cfg(feature = "test-hooks")]
pub use split::HeavySplit;
pub use taste::{Taste, TasteContribution, UnknownFilms, DISLIKE_WEIGHT};

/// The Spark `HashingTF` bucket (of 2^18) of a seed-mode token, for tests of the seed features.
#[cfg(feature = "test-hooks")]
pub fn seed_bucket(token: &str) -> u32 {
    murmur3::spark_bucket(token.as_bytes(), features::SEED_BUCKETS)
}
