//! The one entry point that computes what a [`NeighbourQuery`] asks for each selected film:
//! the top-k search (`topk`) or whole rows (`rows`).

use crate::kernel::Neighbour;
use crate::matrix::TfIdfMatrix;
use crate::query::{least_similarity, NeighbourQuery, Neighbours};
use crate::rows::all_pairs_of;
use crate::shards::FilmSelection;
use crate::topk::{top_k_of, TopK};

/// Calls `sink` once per selected film with its neighbours as `query` asks, in neighbour order
/// (similarity descending, then film id ascending); a film whose vector is all zero gets an
/// empty row. Rows arrive in any order across threads; each row's content is the same for any
/// number of threads and any selection, and its values are bit-identical to
/// [`TfIdfMatrix::similar_to`]'s. Each row is built, handed over and dropped, so memory stays
/// O(films) per thread even for all pairs.
pub fn neighbours_of(
    m: &TfIdfMatrix,
    query: &NeighbourQuery,
    films: &FilmSelection,
    sink: impl Fn(i32, &[Neighbour]) + Sync,
) {
    let least = least_similarity(query.min_similarity);
    match query.neighbours {
        Neighbours::TopK { k } => top_k_of(m, &TopK { k, least }, films, sink),
        Neighbours::AllPairs => all_pairs_of(m, least, films, sink),
    }
}
