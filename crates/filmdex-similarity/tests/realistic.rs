//! A realistic synthetic corpus, big enough that the automatic split picks heavy terms and
//! profiles hold many films: the fast top-k must still be every film's exact full-row prefix.

use filmdex_similarity::{FeatureSet, TfIdfMatrix};

use crate::support::reference::Reference;
use crate::support::{assert_close, bits, expected_top_k, synthetic, top_k_rows};

const FILMS: usize = 3_000;

fn one_thread() -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("a thread pool")
}

#[test]
fn top_k_is_exact_on_a_realistic_corpus() {
    let films = synthetic::corpus(FILMS, 42);
    let one = one_thread();
    for set in [FeatureSet::Default, FeatureSet::Seed] {
        let m = TfIdfMatrix::build(&films, set);
        let index = m.index_summary();
        assert!(
            index.heavy_terms > 5
                && index.exclusive_terms > 20
                && index.base_profiles > 1
                && index.full_profiles > index.base_profiles,
            "{set}: {index:?}"
        );
        let rows = top_k_rows(&m, 100, 0.0);
        for (&id, row) in &rows {
            assert_eq!(
                bits(row),
                bits(&expected_top_k(&m, id, 100, 0.0)),
                "{set} film {id}"
            );
        }
        let single = one.install(|| top_k_rows(&m, 100, 0.0));
        assert!(
            single.iter().all(|(id, row)| bits(row) == bits(&rows[id])),
            "{set}: 1 thread differs"
        );
        let reference = Reference::new(&films, set);
        for a in (0..FILMS).step_by(97) {
            let id = reference.ids[a];
            let expected: Vec<(i32, f64)> = reference
                .row(a)
                .into_iter()
                .filter(|x| x.1 > 0.0)
                .take(100)
                .collect();
            assert_close(&rows[&id], &expected, 0.0, &format!("{set} film {id}"));
        }
    }
}

/// A corpus of the same shape with every light term in 16 films or more broad: most films'
/// last light term is then read last and only scored where it can reach the k best, with
/// partner lists shorter than the terms' postings. Rows must still be every film's exact
/// full-row prefix.
#[test]
fn top_k_is_exact_when_most_films_have_a_broad_term() {
    let films = synthetic::corpus(FILMS, 7);
    let one = one_thread();
    for set in [FeatureSet::Default, FeatureSet::Seed] {
        let mut m = TfIdfMatrix::build(&films, set);
        m.set_broad_df(16);
        for (top_k, min_similarity) in [(100, 0.0), (10, 0.0), (30, 0.05)] {
            let rows = top_k_rows(&m, top_k, min_similarity);
            for (&id, row) in &rows {
                assert_eq!(
                    bits(row),
                    bits(&expected_top_k(&m, id, top_k, min_similarity)),
                    "{set} film {id} top {top_k} >= {min_similarity}"
                );
            }
            let single = one.install(|| top_k_rows(&m, top_k, min_similarity));
            assert!(
                single.iter().all(|(id, row)| bits(row) == bits(&rows[id])),
                "{set}: 1 thread differs"
            );
        }
    }
}
