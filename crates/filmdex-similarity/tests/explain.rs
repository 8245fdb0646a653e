//! Explanations: shares add up to the similarity and name what two films share.

use filmdex_similarity::{FeatureKind, FeatureSet, TfIdfMatrix};

use crate::support::{film, synthetic};

#[test]
fn a_rare_shared_director_outweighs_a_common_genre() {
    let ann = ("nm1", "Ann Lee", "director");
    let bo = ("nm2", "Bo Ray", "actor");
    let films = [
        film(1, "Night Train", &["Drama"], 7.0, &[ann, bo]),
        film(
            2,
            "Day Boat",
            &["Drama", "Comedy"],
            7.5,
            &[("nm1", "Ann Lee", "writer")],
        ),
        film(3, "Noon", &["Drama"], 6.5, &[]),
        film(4, "Dusk", &["Horror"], 8.0, &[bo]),
    ];
    let m = TfIdfMatrix::build(&films, FeatureSet::Default);
    let why = m.explain(1, 2, 10).expect("known films");
    assert_eq!(
        why.similarity.to_bits(),
        m.similarity(1, 2).expect("known").to_bits()
    );
    let first = &why.contributions[0];
    assert_eq!(
        first.kind,
        FeatureKind::Person {
            category: "director".to_owned()
        }
    );
    assert_eq!(first.label, "Ann Lee");
    assert_eq!(why.contributions[1].kind, FeatureKind::Genre);
    assert_eq!(why.contributions.len(), 2);
    let total: f64 = why.contributions.iter().map(|c| c.share).sum();
    assert!((total - why.similarity).abs() < 1e-15);
    assert_eq!(m.explain(1, 99, 10), None);
    assert_eq!(m.explain(1, 2, 1).expect("known").contributions.len(), 1);
}

#[test]
fn shares_sum_to_the_similarity_on_a_realistic_corpus() {
    let films = synthetic::corpus(400, 7);
    for set in [FeatureSet::Default, FeatureSet::Seed] {
        let m = TfIdfMatrix::build(&films, set);
        for a in films.iter().take(20) {
            for b in films.iter().take(60) {
                let why = m
                    .explain(a.film_id, b.film_id, usize::MAX)
                    .expect("known films");
                let total: f64 = why.contributions.iter().map(|c| c.share).sum();
                assert!(
                    (total - why.similarity).abs() < 1e-12,
                    "{set}: {} {}",
                    a.film_id,
                    b.film_id
                );
                assert!(why
                    .contributions
                    .windows(2)
                    .all(|w| w[0].share >= w[1].share));
                let kinds_ok = why.contributions.iter().all(|c| match set {
                    FeatureSet::Seed => c.kind == FeatureKind::Token && c.label == c.label.trim(),
                    FeatureSet::Default => c.kind != FeatureKind::Token,
                });
                assert!(kinds_ok, "{set}: {:?}", why.contributions);
            }
        }
    }
}
