//! Recommendations from a taste: on random small corpora, the fast scores agree with a naive
//! reference (dense vectors by term name, a dot product per film) to 1e-9, recommend exactly
//! the films sharing a feature with a liked film, never the input films, and with one liked
//! film give its neighbour values bit for bit. The ranking (`rank_taste`: the allowed films
//! scored in one pass, the best kept) is the scores filtered and sorted, bit for bit, on the
//! same corpora and on a synthetic one of several bitset words.

use std::collections::HashMap;

use filmdex_similarity::{FilmRecord, Taste, TfIdfMatrix, UnknownFilms, DISLIKE_WEIGHT};
use proptest::prelude::*;
use proptest::sample::Index;

use crate::properties::{corpus, matrices};
use crate::support::film;
use crate::support::reference::Reference;
use crate::support::synthetic;

/// The reference's taste: `L / |L| - DISLIKE_WEIGHT * D / |D|` by term name, then the cosine
/// of every film sharing a term with a liked film, the input films left out.
fn expected_scores(reference: &Reference, liked: &[usize], disliked: &[usize]) -> Vec<(i32, f64)> {
    let sum = |rows: &[usize]| {
        let mut sum: HashMap<String, f64> = HashMap::new();
        for &row in rows {
            for (term, weight) in reference.vector(row) {
                *sum.entry(term.clone()).or_insert(0.0) += weight;
            }
        }
        let norm = sum.values().map(|w| w * w).sum::<f64>().sqrt();
        (sum, norm)
    };
    let (liked_sum, liked_norm) = sum(liked);
    let (disliked_sum, disliked_norm) = sum(disliked);
    let mut taste: HashMap<String, f64> = HashMap::new();
    if liked_norm > 0.0 {
        for (term, weight) in &liked_sum {
            *taste.entry(term.clone()).or_insert(0.0) += weight / liked_norm;
        }
    }
    if disliked_norm > 0.0 {
        for (term, weight) in &disliked_sum {
            *taste.entry(term.clone()).or_insert(0.0) -= DISLIKE_WEIGHT * weight / disliked_norm;
        }
    }
    let norm = taste.values().map(|w| w * w).sum::<f64>().sqrt();
    (0..reference.ids.len())
        .filter(|b| !liked.contains(b) && !disliked.contains(b))
        .filter(|&b| liked.iter().any(|&a| reference.shares_a_term(a, b)))
        .map(|b| {
            let dot: f64 = reference
                .vector(b)
                .iter()
                .filter_map(|(term, w)| taste.get(term).map(|t| t * w))
                .sum();
            let cosine = if norm > 0.0 { dot / norm } else { 0.0 };
            (reference.ids[b], cosine)
        })
        .collect()
}

/// The fast scores as (film id, similarity) for the films that have one.
fn fast_scores(m: &TfIdfMatrix, liked: &[i32], disliked: &[i32]) -> Vec<(i32, f64)> {
    let taste = m.taste(liked, disliked).expect("known films");
    m.taste_scores(&taste)
        .into_iter()
        .enumerate()
        .filter_map(|(row, score)| score.map(|score| (m.film_id(row), score)))
        .collect()
}

/// What `rank_taste` must give: every film `taste_scores` scores among the allowed rows
/// (`allowed[row]`), sorted by similarity descending then row, the first `count` of them as
/// (row, similarity bits), and how many there are.
fn expected_ranking(
    m: &TfIdfMatrix,
    taste: &Taste,
    allowed: Option<&[bool]>,
    count: usize,
) -> (Vec<(usize, u64)>, usize) {
    let mut ranked: Vec<(f64, usize)> = m
        .taste_scores(taste)
        .into_iter()
        .enumerate()
        .filter(|&(row, _)| allowed.is_none_or(|allowed| allowed[row]))
        .filter_map(|(row, score)| score.map(|score| (score, row)))
        .collect();
    ranked.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let total = ranked.len();
    let top = ranked
        .into_iter()
        .take(count)
        .map(|(score, row)| (row, score.to_bits()))
        .collect();
    (top, total)
}

/// `rank_taste` with `allowed` as the bitset it takes, as (row, similarity bits) and the total.
fn fast_ranking(
    m: &TfIdfMatrix,
    taste: &Taste,
    allowed: Option<&[bool]>,
    count: usize,
) -> (Vec<(usize, u64)>, usize) {
    let words = allowed.map(|allowed| {
        let mut words = vec![0u64; allowed.len().div_ceil(64)];
        for (row, _) in allowed.iter().enumerate().filter(|&(_, &a)| a) {
            words[row / 64] |= 1 << (row % 64);
        }
        words
    });
    let ranking = m.rank_taste(taste, words.as_deref(), count);
    let top = ranking
        .films
        .iter()
        .map(|film| (film.row, film.similarity.to_bits()))
        .collect();
    (top, ranking.total)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn the_ranking_is_the_scores_filtered_and_sorted(
        films in corpus(),
        liked in prop::collection::vec(any::<Index>(), 1..5),
        disliked in prop::collection::vec(any::<Index>(), 0..3),
        allowed in prop::option::of(prop::collection::vec(any::<bool>(), 64)),
        count in 0..12usize,
    ) {
        prop_assume!(!films.is_empty());
        for (what, m) in matrices(&films) {
            let ids = |picks: &[Index]| -> Vec<i32> {
                picks.iter().map(|i| m.film_id(i.index(m.len()))).collect()
            };
            let liked = ids(&liked);
            let disliked: Vec<i32> =
                ids(&disliked).into_iter().filter(|id| !liked.contains(id)).collect();
            let taste = m.taste(&liked, &disliked).expect("known films");
            let allowed = allowed.as_ref().map(|allowed| &allowed[..m.len()]);
            prop_assert_eq!(
                fast_ranking(&m, &taste, allowed, count),
                expected_ranking(&m, &taste, allowed, count),
                "{} liked {:?} disliked {:?} count {}", what, liked, disliked, count
            );
        }
    }

    #[test]
    fn taste_scores_match_the_reference(
        films in corpus(),
        liked in prop::collection::vec(any::<Index>(), 1..5),
        disliked in prop::collection::vec(any::<Index>(), 0..3),
    ) {
        prop_assume!(!films.is_empty());
        for (what, m) in matrices(&films) {
            let reference = Reference::new(&films, m.feature_set());
            let n = reference.ids.len();
            let mut liked: Vec<usize> = liked.iter().map(|i| i.index(n)).collect();
            liked.sort_unstable();
            liked.dedup();
            let disliked: Vec<usize> = disliked
                .iter()
                .map(|i| i.index(n))
                .filter(|row| !liked.contains(row))
                .collect();
            let ids = |rows: &[usize]| rows.iter().map(|&r| reference.ids[r]).collect::<Vec<_>>();
            let fast = fast_scores(&m, &ids(&liked), &ids(&disliked));
            let expected = expected_scores(&reference, &liked, &disliked);
            let fast_ids: Vec<i32> = fast.iter().map(|&(id, _)| id).collect();
            let mut expected_ids: Vec<i32> = expected.iter().map(|&(id, _)| id).collect();
            expected_ids.sort_unstable();
            prop_assert_eq!(&fast_ids, &expected_ids, "{} liked {:?} disliked {:?}", what, liked, disliked);
            let expected: HashMap<i32, f64> = expected.into_iter().collect();
            for (id, score) in fast {
                prop_assert!((score - expected[&id]).abs() <= 1e-9, "{} film {}: {} vs {}", what, id, score, expected[&id]);
            }
        }
    }

    #[test]
    fn one_liked_film_gives_its_neighbours_bit_for_bit(films in corpus(), pick in any::<Index>()) {
        prop_assume!(!films.is_empty());
        for (what, m) in matrices(&films) {
            let id = m.film_id(pick.index(m.len()));
            let mut neighbours: Vec<(i32, u64)> = m
                .similar_to(id, 0.0)
                .expect("a known film")
                .iter()
                .filter(|n| n.film_id != id)
                .map(|n| (n.film_id, n.similarity.to_bits()))
                .collect();
            neighbours.sort_unstable();
            let scores: Vec<(i32, u64)> = fast_scores(&m, &[id], &[])
                .into_iter()
                .map(|(film, score)| (film, score.to_bits()))
                .collect();
            prop_assert_eq!(scores, neighbours, "{}", what);
        }
    }
}

fn franchise_corpus() -> Vec<FilmRecord> {
    let person = |id: &'static str| (id, id, "director");
    vec![
        film(1, "Space Saga I", &["Sci-Fi"], 8.0, &[person("nm1")]),
        film(2, "Space Saga II", &["Sci-Fi"], 8.0, &[person("nm1")]),
        film(3, "Space Saga III", &["Sci-Fi"], 7.5, &[person("nm2")]),
        film(4, "Space Saga IV", &["Sci-Fi"], 7.0, &[person("nm2")]),
        film(5, "Laser Planet", &["Sci-Fi"], 7.0, &[person("nm3")]),
        film(6, "Quiet Farm", &["Drama"], 7.0, &[person("nm4")]),
        film(7, "Laser Planet 2", &["Sci-Fi"], 7.0, &[person("nm3")]),
    ]
}

#[test]
fn liked_films_rank_their_franchise_first_and_a_dislike_pushes_one_down() {
    let m = TfIdfMatrix::build(&franchise_corpus(), Default::default());
    let ranked = |liked: &[i32], disliked: &[i32]| {
        let mut scores = fast_scores(&m, liked, disliked);
        scores.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        scores.into_iter().map(|(id, _)| id).collect::<Vec<_>>()
    };
    let liked = ranked(&[1, 2], &[]);
    let mut saga = liked[..2].to_vec();
    saga.sort_unstable();
    assert_eq!(saga, [3, 4], "the rest of the saga first: {liked:?}");
    assert!(
        !liked.contains(&1) && !liked.contains(&2),
        "inputs left out"
    );
    assert!(
        !liked.contains(&6),
        "no shared feature, not recommended: {liked:?}"
    );
    let score_of = |disliked: &[i32], id: i32| {
        let scores = fast_scores(&m, &[1, 2], disliked);
        scores
            .iter()
            .find(|&&(film, _)| film == id)
            .expect("recommended")
            .1
    };
    assert!(
        score_of(&[5], 7) < score_of(&[], 7),
        "disliking Laser Planet lowers its sequel"
    );
    assert!(
        score_of(&[5], 7) < score_of(&[5], 4),
        "the sequel now below the saga"
    );
}

#[test]
fn unknown_films_are_named_and_explanations_name_the_liked_films() {
    let m = TfIdfMatrix::build(&franchise_corpus(), Default::default());
    assert_eq!(
        m.taste(&[1, 99], &[98]).map(|_| ()),
        Err(UnknownFilms(vec![98, 99]))
    );
    let taste = m.taste(&[1, 3], &[]).expect("known films");
    let because = m.explain_taste(&taste, 2, 10).expect("a known film");
    let saga = because
        .iter()
        .find(|feature| feature.label == "saga")
        .expect("the shared title word");
    assert_eq!(saga.liked_films, vec![1, 3]);
    let director = because
        .iter()
        .find(|feature| feature.label == "nm1")
        .expect("the shared director");
    assert_eq!(director.liked_films, vec![1]);
    let total: f64 = because.iter().map(|feature| feature.share).sum();
    let row = m.index_of(2).expect("a known film");
    let score = m.taste_scores(&taste)[row].expect("shares features");
    assert!((total - score).abs() < 1e-9, "{total} vs {score}");
}

/// Over several bitset words (rows past 64, a last word cut short), with counts below, at and
/// past the number recommended, and the same thread ranking tastes one after another (its
/// reused accumulator must be back to zero each time).
#[test]
fn rankings_on_a_synthetic_corpus_are_the_scores_filtered_and_sorted() {
    let films = synthetic::corpus(700, 7);
    let m = TfIdfMatrix::build(&films, Default::default());
    let mut state = 12_345u64;
    let mut next = |bound: usize| {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1);
        (state >> 33) as usize % bound
    };
    for round in 0..60 {
        let liked: Vec<i32> = (0..1 + next(10))
            .map(|_| m.film_id(next(m.len())))
            .collect();
        let disliked: Vec<i32> = (0..next(3))
            .map(|_| m.film_id(next(m.len())))
            .filter(|id| !liked.contains(id))
            .collect();
        let taste = m.taste(&liked, &disliked).expect("known films");
        let allowed: Vec<bool> = (0..m.len()).map(|_| next(3) > 0).collect();
        let allowed = (round % 4 != 0).then_some(allowed.as_slice());
        for count in [0, 1, 10, 100, 1_000] {
            assert_eq!(
                fast_ranking(&m, &taste, allowed, count),
                expected_ranking(&m, &taste, allowed, count),
                "round {round} liked {liked:?} disliked {disliked:?} count {count}"
            );
        }
    }
}
