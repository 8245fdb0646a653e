//! Pages of `similar_page`: every full row is what scoring every pair gives, bit for bit, and
//! every page is the same slice of that row, with the row's length as its total.

use std::sync::OnceLock;

use filmdex_similarity::{FeatureSet, Neighbour, TfIdfMatrix};
use proptest::prelude::*;

use crate::support::{bits, synthetic};

const FILMS: usize = 3_000;
/// Thresholds of 0 or less (every film sharing a feature), just above 0, above most
/// similarities, and NaN (nothing is at least NaN).
const THRESHOLDS: [f64; 9] = [-1.0, 0.0, 1e-300, 1e-9, 0.05, 0.1, 0.3, 0.9, f64::NAN];

/// The realistic corpus in both feature sets, built once for all tests of this file.
fn matrices() -> &'static [TfIdfMatrix; 2] {
    static MATRICES: OnceLock<[TfIdfMatrix; 2]> = OnceLock::new();
    MATRICES.get_or_init(|| {
        let films = synthetic::corpus(FILMS, 7);
        [FeatureSet::Default, FeatureSet::Seed].map(|set| TfIdfMatrix::build(&films, set))
    })
}

/// The row of `film_id` by brute force: `similarity` of every pair (it merges the two films'
/// term lists, no index), keeping the films sharing a feature (scoring above 0) at least
/// `threshold` similar, sorted by similarity descending, then film id.
fn brute_force_row(m: &TfIdfMatrix, film_id: i32, threshold: f64) -> Vec<Neighbour> {
    let zero = |i: usize| m.normalised_row(i).is_empty();
    if zero(m.index_of(film_id).expect("a film of the matrix")) {
        return Vec::new();
    }
    let mut row: Vec<Neighbour> = (0..m.len())
        .filter(|&i| m.film_id(i) != film_id && !zero(i))
        .map(|i| Neighbour {
            film_id: m.film_id(i),
            similarity: m.similarity(film_id, m.film_id(i)).expect("known films"),
        })
        .filter(|n| n.similarity > 0.0 && n.similarity >= threshold)
        .collect();
    row.sort_by(|x, y| {
        y.similarity
            .total_cmp(&x.similarity)
            .then(x.film_id.cmp(&y.film_id))
    });
    row
}

#[test]
fn full_rows_are_every_pair_scored() {
    for m in matrices() {
        for i in (0..m.len()).step_by(53) {
            let id = m.film_id(i);
            for threshold in THRESHOLDS {
                let expected = brute_force_row(m, id, threshold);
                let fast = m.similar_to(id, threshold).expect("a known film");
                assert_eq!(bits(&fast), bits(&expected), "film {id} >= {threshold}");
            }
        }
    }
}

#[test]
fn every_page_is_a_slice_of_the_full_row() {
    for m in matrices() {
        for i in (0..m.len()).step_by(211) {
            let id = m.film_id(i);
            for threshold in THRESHOLDS {
                let row = m.similar_to(id, threshold).expect("a known film");
                let n = row.len();
                let offsets = [0, 1, 2, 5, 10, 99, n / 2, n.saturating_sub(1), n, n + 1];
                for offset in offsets.into_iter().chain([usize::MAX]) {
                    for limit in [0, 1, 3, 10, 100, 1000, n, usize::MAX] {
                        let (page, total) = m
                            .similar_page(id, threshold, offset, limit)
                            .expect("a known film");
                        let start = offset.min(n);
                        let end = offset.saturating_add(limit).min(n);
                        let context = format!("film {id} >= {threshold} [{offset}, +{limit})");
                        assert_eq!(total, n, "{context}");
                        assert_eq!(bits(&page), bits(&row[start..end]), "{context}");
                    }
                }
            }
        }
    }
}

#[test]
fn unknown_films_have_no_page() {
    let m = &matrices()[0];
    let unknown = (i32::MIN..).find(|&id| m.index_of(id).is_none());
    assert_eq!(unknown.and_then(|id| m.similar_page(id, 0.1, 0, 10)), None);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn random_pages_are_slices_of_the_full_row(
        set in 0..2usize,
        film in any::<prop::sample::Index>(),
        threshold in prop::sample::select(THRESHOLDS.to_vec()),
        offset in 0..400usize,
        limit in 0..60usize,
    ) {
        let m = &matrices()[set];
        let id = m.film_id(film.index(m.len()));
        let row = m.similar_to(id, threshold).expect("a known film");
        let (page, total) = m.similar_page(id, threshold, offset, limit).expect("a known film");
        let (start, end) = (offset.min(row.len()), (offset + limit).min(row.len()));
        prop_assert_eq!(total, row.len());
        prop_assert_eq!(bits(&page), bits(&row[start..end]));
    }
}
