//! Shared by the tests: the naive reference, a synthetic corpus, and row collectors.

pub mod films_tsv;
pub mod reference;
pub mod synthetic;

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use filmdex_similarity::{
    neighbours_of, FilmRecord, FilmSelection, Neighbour, NeighbourQuery, Person, TfIdfMatrix,
};

pub type Rows = BTreeMap<i32, Vec<Neighbour>>;

/// A film for hand-written examples; persons are (nconst, name, category).
pub fn film(
    film_id: i32,
    title: &str,
    genres: &[&str],
    rating: f64,
    persons: &[(&str, &str, &str)],
) -> FilmRecord {
    FilmRecord {
        film_id,
        title: title.to_owned(),
        genres: genres.iter().map(|g| g.to_string()).collect(),
        rating,
        persons: persons
            .iter()
            .map(|&(id, name, category)| Person {
                id: id.to_owned(),
                name: name.to_owned(),
                category: category.to_owned(),
            })
            .collect(),
    }
}

/// Every row `neighbours_of` hands out for every film, checking each film comes exactly once.
fn rows_of_every_film(m: &TfIdfMatrix, query: &NeighbourQuery) -> Rows {
    let rows = Mutex::new(Rows::new());
    neighbours_of(m, query, &FilmSelection::all(m), |id, row| {
        let previous = rows
            .lock()
            .expect("no test panics holding it")
            .insert(id, row.to_vec());
        assert!(previous.is_none(), "film {id} came twice");
    });
    let rows = rows.into_inner().expect("no test panics holding it");
    assert_eq!(rows.len(), m.len(), "one row per film");
    rows
}

/// Every film's top k at least `min_similarity` similar.
pub fn top_k_rows(m: &TfIdfMatrix, top_k: usize, min_similarity: f64) -> Rows {
    rows_of_every_film(m, &NeighbourQuery::top_k(top_k).at_least(min_similarity))
}

/// Every film's neighbours at least `min_similarity` similar.
pub fn all_pair_rows(m: &TfIdfMatrix, min_similarity: f64) -> Rows {
    rows_of_every_film(m, &NeighbourQuery::all_pairs().at_least(min_similarity))
}

/// What a top-k row must be: the film's full row at `min_similarity` (the same rule), cut at
/// `top_k`.
pub fn expected_top_k(
    m: &TfIdfMatrix,
    film_id: i32,
    top_k: usize,
    min_similarity: f64,
) -> Vec<Neighbour> {
    let row = m.similar_to(film_id, min_similarity).expect("a known film");
    row.into_iter().take(top_k).collect()
}

/// Rows as bits, for comparisons that must be exact.
pub fn bits(rows: &[Neighbour]) -> Vec<(i32, u64)> {
    rows.iter()
        .map(|n| (n.film_id, n.similarity.to_bits()))
        .collect()
}

/// A fast row against a reference row: values agree to 1e-9 position by position; films
/// found in only one of them are ties (within 1e-12) with the last entry of the other, or sit
/// at the `cut` threshold, where rounding may legitimately decide either way.
pub fn assert_close(fast: &[Neighbour], reference: &[(i32, f64)], cut: f64, what: &str) {
    let n = fast.len().min(reference.len());
    for i in 0..n {
        let (f, r) = (fast[i].similarity, reference[i].1);
        assert!((f - r).abs() <= 1e-9, "{what}: position {i}: {f} vs {r}");
    }
    let at_cut = |v: f64| (v - cut).abs() <= 1e-9;
    assert!(
        fast[n..].iter().all(|x| at_cut(x.similarity)),
        "{what}: extra fast rows"
    );
    assert!(
        reference[n..].iter().all(|x| at_cut(x.1)),
        "{what}: missing rows"
    );
    let reference_of: HashMap<i32, f64> = reference.iter().copied().collect();
    let fast_of: HashMap<i32, f64> = fast.iter().map(|x| (x.film_id, x.similarity)).collect();
    let last_reference = reference.last().map_or(f64::NAN, |x| x.1);
    let last_fast = fast.last().map_or(f64::NAN, |x| x.similarity);
    for x in fast {
        match reference_of.get(&x.film_id) {
            Some(r) => assert!(
                (x.similarity - r).abs() <= 1e-9,
                "{what}: film {}",
                x.film_id
            ),
            None => assert!(
                (x.similarity - last_reference).abs() <= 1e-12 || at_cut(x.similarity),
                "{what}: film {} only in the fast row",
                x.film_id
            ),
        }
    }
    for &(id, r) in reference {
        if !fast_of.contains_key(&id) {
            assert!(
                (r - last_fast).abs() <= 1e-12 || at_cut(r),
                "{what}: film {id} missing"
            );
        }
    }
}

/// Checks a row is in neighbour order: similarity descending, ties by smaller film id.
pub fn assert_ordered(row: &[Neighbour], what: &str) {
    for pair in row.windows(2) {
        let (x, y) = (pair[0], pair[1]);
        let ordered =
            x.similarity > y.similarity || (x.similarity == y.similarity && x.film_id < y.film_id);
        assert!(ordered, "{what}: {x:?} before {y:?}");
    }
}
