//! Similarity on the bundled sample: franchise films find their siblings, in both feature sets;
//! the stored table is symmetric and sorted.

use std::collections::BTreeMap;

use filmdex_similarity::FeatureSet;

use crate::support::{franchise_films, sample_database, stored_neighbours};

/// Films that miss the criteria, with the reason; any other failure, or one of these passing,
/// fails the test.
fn check_franchises(feature_set: FeatureSet, known_misses: &[&str]) {
    let neighbours = stored_neighbours(&sample_database(feature_set));
    let films = franchise_films();
    let mut by_franchise: BTreeMap<&str, Vec<i32>> = BTreeMap::new();
    for (franchise, id) in &films {
        by_franchise.entry(franchise).or_default().push(*id);
    }
    let mut failures = Vec::new();
    for (franchise, ids) in &by_franchise {
        for id in ids {
            let top10: Vec<i32> = neighbours
                .get(id)
                .map(|list| list.iter().take(10).map(|(other, _)| *other).collect())
                .unwrap_or_default();
            let siblings: Vec<i32> = ids.iter().copied().filter(|other| other != id).collect();
            let found = siblings
                .iter()
                .filter(|sibling| top10.contains(sibling))
                .count();
            if found * 2 < siblings.len() {
                failures.push(format!(
                    "{franchise} tt{id:07}: {found} of {} siblings in its top 10 {top10:?}",
                    siblings.len()
                ));
            }
            if *franchise == "Star Wars"
                && !top10.first().is_some_and(|first| siblings.contains(first))
            {
                failures.push(format!(
                    "Star Wars tt{id:07}: first neighbour {:?} is not a Star Wars film",
                    top10.first()
                ));
            }
        }
    }
    let unexpected: Vec<&String> = failures
        .iter()
        .filter(|failure| !known_misses.iter().any(|miss| failure.starts_with(miss)))
        .collect();
    assert!(
        unexpected.is_empty(),
        "{feature_set} features:\n{}",
        failures.join("\n")
    );
    for miss in known_misses {
        assert!(
            failures.iter().any(|failure| failure.starts_with(miss)),
            "{miss} now passes: remove it from the known misses"
        );
    }
}

#[test]
fn franchise_films_find_their_siblings_with_default_features() {
    check_franchises(FeatureSet::Default, &[]);
}

#[test]
fn franchise_films_find_their_siblings_with_seed_features() {
    // The original's features miss one: Rogue One's title is a single token and its only shared
    // people with the saga are George Lucas and Kathleen Kennedy, so films sharing its genres
    // and rating token crowd out the Lucas-era episodes (4 of 10 siblings in its top 10; the
    // first is still The Force Awakens). The default features fix this with title words.
    check_franchises(FeatureSet::Seed, &["Star Wars tt3748528: 4 of 10 siblings"]);
}

#[test]
fn stored_pairs_are_symmetric_sorted_and_at_most_top_k() {
    let neighbours = stored_neighbours(&sample_database(FeatureSet::Default));
    let mut pairs = BTreeMap::new();
    for (film, list) in &neighbours {
        assert!(
            list.len() <= 100,
            "film {film} has {} neighbours",
            list.len()
        );
        assert!(
            list.windows(2)
                .all(|w| w[0].1 > w[1].1 || (w[0].1 == w[1].1 && w[0].0 < w[1].0)),
            "film {film} not sorted"
        );
        for (other, similarity) in list {
            assert_ne!(film, other);
            assert!(*similarity > 0.0 && *similarity <= 1.0 + 1e-12);
            pairs.insert((*film, *other), *similarity);
        }
    }
    // A pair stored under one film is stored under the other with the same value, unless the
    // other film's own top 100 is full of better neighbours.
    for ((film, other), similarity) in &pairs {
        match pairs.get(&(*other, *film)) {
            Some(back) => assert_eq!(back, similarity, "({film}, {other})"),
            None => {
                let list = &neighbours[other];
                assert_eq!(
                    list.len(),
                    100,
                    "({film}, {other}) missing from a short list"
                );
                assert!(
                    list.last().is_some_and(|(_, worst)| worst >= similarity),
                    "({film}, {other}) should be in {other}'s top 100"
                );
            }
        }
    }
}

#[test]
fn home_alone_is_most_similar_to_home_alone_2() {
    let neighbours = stored_neighbours(&sample_database(FeatureSet::Default));
    let first = neighbours[&99785]
        .first()
        .expect("Home Alone has neighbours");
    assert_eq!(first.0, 104431, "Home Alone 2");
    let back = neighbours[&104431]
        .iter()
        .find(|(other, _)| *other == 99785)
        .expect("symmetric");
    assert_eq!(back.1, first.1);
}
