//! Property tests: on random small corpora (tiny vocabularies, so ties, shared profiles,
//! duplicate and all-zero films are common) the fast kernel agrees with the naive reference,
//! with itself across paths bit for bit, and across thread counts.

use filmdex_similarity::{FeatureSet, FilmRecord, HeavySplit, Person, TfIdfMatrix};
use proptest::prelude::*;
use proptest::sample::Index;

use crate::support::reference::Reference;
use crate::support::{
    all_pair_rows, assert_close, assert_ordered, bits, expected_top_k, top_k_rows,
};

const WORDS: [&str; 7] = ["the", "Star", "war", "a", "x, y", "Noël", "STAR"];
const GENRES: [&str; 4] = ["Drama", "Comedy", "star", "War"];
const RATINGS: [f64; 3] = [6.0, 7.0, 7.5];
/// Two people share a name, one name has a comma, one is also a title word.
const PEOPLE: [(&str, &str); 6] = [
    ("nm1", "Ann Lee"),
    ("nm2", "Bo Ray"),
    ("nm3", "Ann Lee"),
    ("nm4", "Star"),
    ("nm5", "Di, Jr."),
    ("nm6", "Eve"),
];
const CATEGORIES: [&str; 2] = ["director", "actor"];

/// Every split rule the kernel must agree under: automatic, all heavy, some, none, and the
/// same without exclusive terms.
const SPLITS: [HeavySplit; 7] = [
    HeavySplit::Auto,
    HeavySplit::MinDf(1),
    HeavySplit::MinDf(2),
    HeavySplit::MinDf(4),
    HeavySplit::MinDf(usize::MAX),
    HeavySplit::NoExclusive(2),
    HeavySplit::NoExclusive(usize::MAX),
];
const SETS: [FeatureSet; 2] = [FeatureSet::Default, FeatureSet::Seed];
/// Document frequencies from which a light term counts as broad, low enough for these small
/// corpora to have broad terms (so the top-k search prunes their postings): every light
/// term (1) and those in three films or more.
const BROAD_DFS: [usize; 2] = [1, 3];

type FilmSpec = (Vec<usize>, u8, usize, Vec<(usize, usize)>);

fn film_spec() -> impl Strategy<Value = FilmSpec> {
    (
        prop::collection::vec(0..WORDS.len(), 0..4),
        0u8..16,
        0..RATINGS.len(),
        prop::collection::vec((0..PEOPLE.len(), 0..CATEGORIES.len()), 0..4),
    )
}

fn to_film(film_id: i32, (words, genres, rating, people): &FilmSpec) -> FilmRecord {
    FilmRecord {
        film_id,
        title: words
            .iter()
            .map(|&w| WORDS[w])
            .collect::<Vec<_>>()
            .join(" "),
        genres: (0..GENRES.len())
            .filter(|g| genres & (1 << g) != 0)
            .map(|g| GENRES[g].to_owned())
            .collect(),
        rating: RATINGS[*rating],
        persons: people
            .iter()
            .map(|&(p, c)| Person {
                id: PEOPLE[p].0.to_owned(),
                name: PEOPLE[p].1.to_owned(),
                category: CATEGORIES[c].to_owned(),
            })
            .collect(),
    }
}

/// Up to 40 films, a few of them duplicates of others under another id; ids are a
/// permutation of 0..1009 shifted to include negatives, so input order is not id order.
pub fn corpus() -> impl Strategy<Value = Vec<FilmRecord>> {
    (
        prop::collection::vec(film_spec(), 0..36),
        prop::collection::vec(any::<Index>(), 0..5),
        0..1009usize,
    )
        .prop_map(|(specs, duplicates, shift)| {
            let mut chosen: Vec<&FilmSpec> = specs.iter().collect();
            if !specs.is_empty() {
                chosen.extend(duplicates.iter().map(|d| &specs[d.index(specs.len())]));
            }
            let id = |i: usize| i32::try_from((i * 37 + shift) % 1009).expect("small") - 500;
            chosen
                .iter()
                .enumerate()
                .map(|(i, spec)| to_film(id(i), spec))
                .collect()
        })
}

/// Every matrix a corpus gives, with its description for failure messages: each split rule,
/// and for two of them each low broad threshold.
pub fn matrices(films: &[FilmRecord]) -> Vec<(String, TfIdfMatrix)> {
    let mut out = Vec::new();
    for set in SETS {
        for split in SPLITS {
            let m = TfIdfMatrix::build_with_split(films, set, split);
            if matches!(split, HeavySplit::Auto | HeavySplit::MinDf(2)) {
                for df in BROAD_DFS {
                    let mut broad = m.clone();
                    broad.set_broad_df(df);
                    out.push((format!("{set} {split:?} broad from df {df}"), broad));
                }
            }
            out.push((format!("{set} {split:?}"), m));
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 192, ..ProptestConfig::default() })]

    #[test]
    fn similar_to_matches_the_reference(films in corpus()) {
        for (what, m) in matrices(&films) {
            let reference = Reference::new(&films, m.feature_set());
            for (a, &id) in reference.ids.iter().enumerate() {
                for threshold in [-1.0, 0.0, 0.1, 0.35, 0.9] {
                    let fast = m.similar_to(id, threshold).expect("a known film");
                    let expected = reference.neighbours(a, threshold);
                    assert_ordered(&fast, &what);
                    assert_close(&fast, &expected, threshold, &format!("{what} film {id} >= {threshold}"));
                }
            }
        }
    }

    #[test]
    fn top_k_is_exact(films in corpus()) {
        for (what, m) in matrices(&films) {
            let reference = Reference::new(&films, m.feature_set());
            for (top_k, min_similarity) in [(1, 0.0), (3, 0.0), (5, 0.15), (100, 0.0), (2, -1.0), (4, 0.4)] {
                let rows = top_k_rows(&m, top_k, min_similarity);
                for (a, &id) in reference.ids.iter().enumerate() {
                    let context = format!("{what} film {id} top {top_k} >= {min_similarity}");
                    // Bit for bit what sorting the film's full row gives.
                    prop_assert_eq!(bits(&rows[&id]), bits(&expected_top_k(&m, id, top_k, min_similarity)), "{}", context);
                    let expected: Vec<(i32, f64)> =
                        reference.neighbours(a, min_similarity).into_iter().take(top_k).collect();
                    assert_close(&rows[&id], &expected, min_similarity, &context);
                }
            }
        }
    }

    #[test]
    fn all_pairs_are_full_rows_above_the_minimum(films in corpus()) {
        for (what, m) in matrices(&films) {
            for min_similarity in [0.0, 0.2, -1.0] {
                let rows = all_pair_rows(&m, min_similarity);
                prop_assert_eq!(rows.len(), m.len());
                for (&id, row) in &rows {
                    let expected = expected_top_k(&m, id, usize::MAX, min_similarity);
                    prop_assert_eq!(bits(row), bits(&expected), "{} film {}", what, id);
                }
            }
        }
    }

    #[test]
    fn similarity_is_symmetric_and_the_same_on_every_path(films in corpus()) {
        for (what, m) in matrices(&films) {
            let ids: Vec<i32> = (0..m.len()).map(|i| m.film_id(i)).collect();
            for &a in &ids {
                for n in m.similar_to(a, -1.0).expect("a known film") {
                    let forward = m.similarity(a, n.film_id).expect("known films");
                    let backward = m.similarity(n.film_id, a).expect("known films");
                    let explained = m.explain(n.film_id, a, 0).expect("known films").similarity;
                    prop_assert_eq!(n.similarity.to_bits(), forward.to_bits(), "{} {} {}", what, a, n.film_id);
                    prop_assert_eq!(forward.to_bits(), backward.to_bits(), "{} {} {}", what, a, n.film_id);
                    prop_assert_eq!(forward.to_bits(), explained.to_bits());
                }
            }
        }
    }

    #[test]
    fn one_thread_and_many_give_the_same_rows(films in corpus()) {
        let one = rayon::ThreadPoolBuilder::new().num_threads(1).build().expect("a thread pool");
        let many = rayon::ThreadPoolBuilder::new().num_threads(4).build().expect("a thread pool");
        for (what, m) in matrices(&films) {
            let single = one.install(|| top_k_rows(&m, 3, 0.0));
            let multi = many.install(|| top_k_rows(&m, 3, 0.0));
            for (id, row) in &single {
                prop_assert_eq!(bits(row), bits(&multi[id]), "{} film {}", what, id);
            }
        }
    }
}
