//! Exact top-k neighbours of every film: light candidates from the inverted index (the widest
//! term's only where they can reach the k best), the rest from streams of films by level of
//! heavy-only score, shared per profile (the crate documentation tells why this is exact).
//!
//! - `worker`: one thread's search, film by film: a lower bound of the k-th best similarity,
//!   the candidates that reach it, and the k best of them.
//! - `buckets`: similarity buckets, which count and place candidates without sorting them all.
//! - `stream`: the films of a set of profiles by level of heavy-only key, generated lazily.
//! - `merged`: a full profile's two streams read as one.

mod buckets;
mod merged;
mod stream;
mod worker;

use std::cmp::Reverse;

use crate::kernel::Neighbour;
use crate::matrix::TfIdfMatrix;
use crate::rows::sink_zero_films;
use crate::schedule::for_each_in_order;
use crate::shards::FilmSelection;
use worker::Worker;

/// What the search keeps of a film's row: at most `k` films, each scoring at least `least`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TopK {
    pub k: usize,
    /// The query's least similarity (`query::least_similarity`), always above 0: a film
    /// sharing no feature is never a neighbour.
    pub least: f64,
}

/// Calls `sink` once per selected film with its at most k most similar films scoring at least
/// `least`, in neighbour order. Exact: the same neighbours and bit-identical values as sorting
/// `similar_to`'s full row, and each row is the same in a run over every film as in a run over
/// a shard. Parallel over base profiles; rows arrive in any order across threads, each row's
/// content is the same for any number of threads.
pub(crate) fn top_k_of(
    m: &TfIdfMatrix,
    top: &TopK,
    films: &FilmSelection,
    sink: impl Fn(i32, &[Neighbour]) + Sync,
) {
    if top.k == 0 {
        (0..m.len())
            .filter(|&a| films.contains(a))
            .for_each(|a| sink(m.film_ids[a], &[]));
        return;
    }
    let bases = &m.profiles.base;
    let mut order: Vec<usize> = (0..bases.count())
        .filter(|&g| films.contains_any(bases.members(g)))
        .collect();
    // Largest first, so no big one is left for last while the other thread idles.
    order.sort_by_key(|&g| Reverse(bases.members(g).len()));
    for_each_in_order(
        &order,
        || Worker::new(m),
        |worker, base| worker.rows_of_base(m, base, top, films, &sink),
    );
    sink_zero_films(m, films, &sink);
}
