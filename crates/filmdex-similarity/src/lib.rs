//! filmdex-similarity: exact TF-IDF cosine similarity of every film against every other.
//!
//! A pure kernel: no I/O. Films become terms ([`FeatureSet`]), terms get tf-idf weights
//! (tf = raw count, idf = ln((m + 1) / (df + 1))), each film is L2-normalised, and the
//! similarity of two films is the dot product of their vectors.
//!
//! # Why it is fast and still exact
//!
//! A plain inverted index costs the sum over terms of df² multiply-adds, and a few dozen
//! common terms (genres, ratings, "the") carry almost all of it. So terms are split:
//!
//! - **Heavy** terms (chosen by document frequency with a cost rule, see `profiles`) are
//!   handled per *profile*: films with the identical multiset of heavy terms share one. The
//!   heavy part of a dot product, H(p, q), depends only on the two profiles, and a profile's
//!   row of H is computed once for all its films.
//! - **Light** terms go through an inverted index: for film a, the films sharing a light term
//!   get their exact score from an accumulator (the candidate set S_a).
//! - Every other film b scores H(p(a), p(b)) * inv_a * inv_b. For each profile p, a heap
//!   over profiles merges their films (already sorted by inverse norm) into one stream in
//!   descending H(p, q) * inv_b, built lazily and shared by all films of p. Film a takes
//!   from it until it has k films outside S_a, plus any within a tiny relative margin of the
//!   k-th, scores them with the same function, and keeps the top k by (similarity desc,
//!   film id asc). Nothing outside can beat or tie the k-th, so the result is exact.
//!
//! Every path computes a pair's similarity with the same operations in the same order (written
//! out in `kernel`), so values are bit-identical across [`top_k_neighbours`],
//! [`all_pair_neighbours`], [`TfIdfMatrix::similar_to`] and [`TfIdfMatrix::explain`],
//! symmetric, and the same for any number of threads.

/// Input records, the two feature sets, and how a film becomes terms.
mod features;
/// Spark's MurmurHash3 term hashing, for the seed feature set.
mod murmur3;
/// Flat sparse rows, the layout of every index.
mod sparse;
/// Which terms are heavy, exclusive (ratings) or light.
mod split;
/// Films grouped by heavy profile.
mod profiles;
/// Building the tf-idf matrix.
mod matrix;
/// The scoring function, its summation order, and per-thread accumulators.
mod kernel;
/// Exact top-k neighbours of every film.
mod topk;
/// Whole rows: one film against all (`similar_to`, all pairs).
mod rows;
/// Per-feature breakdown of a similarity.
mod explain;

pub use explain::{Contribution, Explanation};
pub use features::{FeatureKind, FeatureSet, FilmRecord, ParseFeatureSetError, Person};
pub use kernel::Neighbour;
pub use matrix::TfIdfMatrix;
#[doc(hidden)]
pub use split::HeavySplit;
pub use rows::all_pair_neighbours;
pub use topk::{top_k_neighbours, TopKParams, dump_counters};

/// The Spark `HashingTF` bucket (of 2^18) of a seed-mode token, for tests of the seed features.
#[doc(hidden)]
pub fn seed_bucket(token: &str) -> u32 {
    murmur3::spark_bucket(token.as_bytes(), features::SEED_BUCKETS)
}
