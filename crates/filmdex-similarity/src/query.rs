//! What a run computes of each film's row — its top k or all its neighbours, each at least a
//! minimum similarity — and the one rule for which films are neighbours.
//!
//! # Which films are neighbours
//!
//! Film b is a neighbour of film a when they share at least one feature and their similarity
//! is at least the minimum. Every path keeps exactly these: [`neighbours_of`] (the build, its
//! shards, the Python wheel) and [`TfIdfMatrix::similar_to`] / [`TfIdfMatrix::similar_page`]
//! (the server, whose threshold is the minimum).
//!
//! "Shares a feature" is the same as "similarity above 0": a stored weight is tf * idf with
//! idf > 0 (a term in every film has idf 0 and is dropped from the matrix, as it tells no two
//! films apart), so a shared term adds a positive product, and a pair sharing none scores 0.
//! So a minimum of 0 (the build's default) keeps the pairs scoring above 0, and a positive
//! minimum keeps the pairs scoring at least it.

/// Neighbours kept per film unless told otherwise (`--top-k`, the Python wheel's `top_k`).
pub const DEFAULT_TOP_K: usize = 100;

/// Which of a film's neighbours a run keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Neighbours {
    /// The `k` most similar, in neighbour order; a tie at the k-th place goes to the smaller
    /// film id.
    TopK { k: usize },
    /// Every neighbour (`--all-pairs`, the original's full table).
    AllPairs,
}

/// What to compute of each film's row: which neighbours, at what minimum similarity (see the
/// module documentation for the rule).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NeighbourQuery {
    pub neighbours: Neighbours,
    /// A neighbour is at least this similar; 0 or less keeps every film sharing a feature, and
    /// NaN keeps none.
    pub min_similarity: f64,
}

impl NeighbourQuery {
    /// The `k` most similar films sharing a feature.
    pub fn top_k(k: usize) -> Self {
        NeighbourQuery {
            neighbours: Neighbours::TopK { k },
            min_similarity: 0.0,
        }
    }

    /// Every film sharing a feature.
    pub fn all_pairs() -> Self {
        NeighbourQuery {
            neighbours: Neighbours::AllPairs,
            min_similarity: 0.0,
        }
    }

    /// The same neighbours, each at least `min_similarity` similar.
    pub fn at_least(self, min_similarity: f64) -> Self {
        NeighbourQuery {
            min_similarity,
            ..self
        }
    }
}

impl Default for NeighbourQuery {
    /// The top [`DEFAULT_TOP_K`] films sharing a feature.
    fn default() -> Self {
        NeighbourQuery::top_k(DEFAULT_TOP_K)
    }
}

/// The least similarity a neighbour has under `min_similarity`, so that one comparison
/// (`similarity >= least`) applies the rule: `min_similarity` when it is above 0, else the
/// least positive double (sharing a feature is scoring above 0); +inf for NaN, as no
/// similarity is at least NaN.
pub(crate) fn least_similarity(min_similarity: f64) -> f64 {
    if min_similarity > 0.0 {
        min_similarity
    } else if min_similarity.is_nan() {
        f64::INFINITY
    } else {
        0.0f64.next_up()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_least_similarity_is_the_minimum_or_the_least_positive_double() {
        assert_eq!(least_similarity(0.3), 0.3);
        for min in [0.0, -0.0, -1.0, f64::NEG_INFINITY] {
            assert_eq!(least_similarity(min), f64::from_bits(1), "{min}");
        }
        assert_eq!(least_similarity(f64::NAN), f64::INFINITY);
    }

    #[test]
    fn a_query_says_which_neighbours_and_how_similar() {
        assert_eq!(
            NeighbourQuery::default(),
            NeighbourQuery {
                neighbours: Neighbours::TopK { k: DEFAULT_TOP_K },
                min_similarity: 0.0
            }
        );
        let all = NeighbourQuery::all_pairs().at_least(0.25);
        assert_eq!(all.neighbours, Neighbours::AllPairs);
        assert_eq!(all.min_similarity, 0.25);
    }
}
