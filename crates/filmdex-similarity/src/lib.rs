//! filmdex-similarity: exact TF-IDF cosine similarity of every film against every other.
//!
//! A pure kernel: no I/O. Films become terms ([`FeatureSet`]), terms get tf-idf weights
//! (tf = raw count, idf = ln((m + 1) / (df + 1))), each film is L2-normalised, and the
//! similarity of two films is the dot product of their vectors.
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
//! out in `kernel`), so values are bit-identical across [`top_k_neighbours`],
//! [`all_pair_neighbours`] (and their `_of` forms for a shard or block of films),
//! [`TfIdfMatrix::similar_to`], [`TfIdfMatrix::similar_page`] and [`TfIdfMatrix::explain`],
//! symmetric, and the same for any number of threads and any split into shards.

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

pub use explain::{Contribution, Explanation};
pub use features::{FeatureKind, FeatureSet, FilmRecord, ParseFeatureSetError, Person};
pub use kernel::Neighbour;
pub use matrix::TfIdfMatrix;
pub use rows::{all_pair_neighbours, all_pair_neighbours_of};
pub use shards::{FilmSelection, ParseShardError, RowWork, Shard};
#[doc(hidden)]
pub use split::HeavySplit;
pub use topk::{top_k_neighbours, top_k_neighbours_of, TopKParams};

/// The Spark `HashingTF` bucket (of 2^18) of a seed-mode token, for tests of the seed features.
#[doc(hidden)]
pub fn seed_bucket(token: &str) -> u32 {
    murmur3::spark_bucket(token.as_bytes(), features::SEED_BUCKETS)
}
