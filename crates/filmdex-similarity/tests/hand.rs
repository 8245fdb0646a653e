//! A three-film example worked out by hand.

use filmdex_similarity::{FeatureSet, Neighbour, TfIdfMatrix};

use crate::support::{all_pair_rows, film, top_k_rows};

/// Films (m = 3):
///
/// ```text
/// 10  "The Alpha"      Drama   7.0  Ann (nm1)
/// 20  "Beta"           Drama   7.0  Ann (nm1)
/// 30  "The The Gamma"  Comedy  8.0  -
/// ```
///
/// idf = ln((m + 1) / (df + 1)): terms in one film have a = ln(4/2) = 0.693147..., terms in
/// two films (the, Drama, 7.00, nm1) have b = ln(4/3) = 0.287682...; a² = 0.480453...,
/// b² = 0.082761... "the" occurs twice in film 30, so its weight there is 2b.
///
/// ```text
/// |v10|² = a² (alpha) + b² (the, Drama, 7.00, nm1: 4b²)  = a² + 4b²  = 0.811497...
/// |v20|² = a² (beta)  + 3b² (Drama, 7.00, nm1)           = a² + 3b²  = 0.728736...
/// |v30|² = 3a² (gamma, Comedy, 8.00) + (2b)² (the)       = 3a² + 4b² = 1.772403...
/// sim(10, 20) = 3b² / sqrt(0.811497 * 0.728736) = 0.248283 / 0.768994 = 0.322863...
/// sim(10, 30) = b * 2b / sqrt(0.811497 * 1.772403) = 0.165522 / 1.199295 = 0.138016...
/// sim(20, 30) = 0: they share nothing.
/// ```
const SIM_10_20: f64 = 0.322_863_032_960_827_5;
const SIM_10_30: f64 = 0.138_016_473_365_246_83;

fn matrix() -> TfIdfMatrix {
    let ann = ("nm1", "Ann", "director");
    let films = [
        film(30, "The The Gamma", &["Comedy"], 8.0, &[]),
        film(10, "The Alpha", &["Drama"], 7.0, &[ann]),
        film(20, "Beta", &["Drama"], 7.0, &[ann]),
    ];
    TfIdfMatrix::build(&films, FeatureSet::Default)
}

fn close(row: &[Neighbour], expected: &[(i32, f64)]) -> bool {
    row.len() == expected.len()
        && row
            .iter()
            .zip(expected)
            .all(|(n, &(id, s))| n.film_id == id && (n.similarity - s).abs() < 1e-15)
}

#[test]
fn three_films_by_hand() {
    let m = matrix();
    let rows = top_k_rows(&m, 10, 0.0);
    assert!(
        close(&rows[&10], &[(20, SIM_10_20), (30, SIM_10_30)]),
        "{:?}",
        rows[&10]
    );
    assert!(close(&rows[&20], &[(10, SIM_10_20)]), "{:?}", rows[&20]);
    assert!(close(&rows[&30], &[(10, SIM_10_30)]), "{:?}", rows[&30]);
    assert_eq!(all_pair_rows(&m, 0.0), rows);
    // A neighbour shares a feature: 20 and 30 share none, so even a 0 threshold leaves 30 out.
    let from_20 = m.similar_to(20, 0.0).expect("film 20 is known");
    assert!(close(&from_20, &[(10, SIM_10_20)]), "{from_20:?}");
    assert!(close(
        &m.similar_to(10, 0.2).expect("known"),
        &[(20, SIM_10_20)]
    ));
    assert_eq!(m.similar_to(11, 0.0), None);
    assert_eq!(
        m.similarity(10, 20).map(f64::to_bits),
        Some(rows[&10][0].similarity.to_bits())
    );
}

#[test]
fn top_k_and_min_similarity_cut_rows() {
    let m = matrix();
    let rows = top_k_rows(&m, 1, 0.0);
    assert!(close(&rows[&10], &[(20, SIM_10_20)]));
    // The minimum is inclusive: film 30's one neighbour scores exactly it.
    let s_10_30 = m.similarity(10, 30).expect("known films");
    let rows = top_k_rows(&m, 10, s_10_30);
    assert!(close(&rows[&30], &[(10, SIM_10_30)]), "{:?}", rows[&30]);
    let rows = top_k_rows(&m, 10, s_10_30.next_up());
    assert!(close(&rows[&30], &[]), "{:?}", rows[&30]);
    assert!(close(&rows[&10], &[(20, SIM_10_20)]));
    let rows = top_k_rows(&m, 0, 0.0);
    assert!(rows.values().all(Vec::is_empty));
}

#[test]
fn empty_and_all_zero_corpora_have_no_neighbours() {
    let m = TfIdfMatrix::build(&[], FeatureSet::Default);
    assert!(m.is_empty());
    assert!(top_k_rows(&m, 10, 0.0).is_empty());
    // Two films made of the same terms: every term is in every film and weighs 0.
    let twins = [
        film(1, "Same", &["Drama"], 7.0, &[]),
        film(2, "same", &["Drama"], 7.0, &[]),
    ];
    let m = TfIdfMatrix::build(&twins, FeatureSet::Default);
    assert!(top_k_rows(&m, 10, -1.0).values().all(Vec::is_empty));
    assert_eq!(m.similar_to(1, -1.0), Some(Vec::new()));
    assert_eq!(m.similarity(1, 2), Some(0.0));
}

#[test]
fn seed_mode_tokens_are_the_originals() {
    // Both films have the tokens " Drama" and " 7.00"; "Drama" as a title is another token.
    let films = [
        film(1, "Drama", &["Drama"], 7.0, &[]),
        film(2, "Other", &["Drama"], 7.0, &[]),
        film(3, "Third", &["Comedy"], 6.0, &[]),
    ];
    let m = TfIdfMatrix::build(&films, FeatureSet::Seed);
    let why = m.explain(1, 2, 10).expect("known films");
    let labels: Vec<&str> = why.contributions.iter().map(|c| c.label.as_str()).collect();
    assert_eq!(
        labels,
        ["7.00", "Drama"],
        "the title token \"Drama\" is not the genre token"
    );
}
