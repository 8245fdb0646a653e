//! Shards: every film in exactly one shard, the union of the shards' rows equal (bit for bit)
//! to the single run, for any shard count; a split balanced by estimated work; `I/N` parsing.

use std::collections::BTreeMap;
use std::sync::Mutex;

use filmdex_similarity::{
    neighbours_of, FeatureSet, FilmSelection, NeighbourQuery, Neighbours, Shard, TfIdfMatrix,
};

use crate::support::{all_pair_rows, bits, synthetic, top_k_rows, Rows};

/// Rows of the selected films, checking none comes twice and none is outside the selection.
fn rows_of(
    m: &TfIdfMatrix,
    films: &FilmSelection,
    run: impl FnOnce(&(dyn Fn(i32, &[filmdex_similarity::Neighbour]) + Sync)),
) -> Rows {
    let rows = Mutex::new(BTreeMap::new());
    run(&|id, row| {
        let previous = rows.lock().expect("no panic").insert(id, row.to_vec());
        assert!(previous.is_none(), "film {id} came twice");
    });
    let rows = rows.into_inner().expect("no panic");
    let expected: Vec<i32> = films.film_ids(m);
    assert_eq!(rows.keys().copied().collect::<Vec<_>>(), expected);
    rows
}

fn union_of_shards(m: &TfIdfMatrix, count: u32, neighbours: Neighbours) -> Rows {
    let query = NeighbourQuery {
        neighbours,
        min_similarity: 0.0,
    };
    let mut union = Rows::new();
    for index in 0..count {
        let shard = Shard::new(index, count).expect("index below count");
        let films = FilmSelection::of_shard(m, shard, neighbours);
        let rows = rows_of(m, &films, |sink| neighbours_of(m, &query, &films, sink));
        for (id, row) in rows {
            assert!(union.insert(id, row).is_none(), "film {id} in two shards");
        }
    }
    union
}

fn assert_same_rows(single: &Rows, union: &Rows, what: &str) {
    assert_eq!(single.len(), union.len(), "{what}: film count");
    for (id, row) in single {
        assert_eq!(bits(row), bits(&union[id]), "{what}: film {id}");
    }
}

#[test]
fn the_union_of_the_shards_is_the_single_run() {
    // Films with an all-zero vector (no title word, genre, rating or person) are included.
    let mut films = synthetic::corpus(1_500, 7);
    films.push(crate::support::film(-5, "", &[], 0.0, &[]));
    for set in [FeatureSet::Default, FeatureSet::Seed] {
        let m = TfIdfMatrix::build(&films, set);
        let single_top_k = top_k_rows(&m, 20, 0.0);
        let single_all = all_pair_rows(&m, 0.0);
        for count in [1, 2, 3, 7, 64] {
            let what = format!("{set} top-20 in {count} shards");
            assert_same_rows(
                &single_top_k,
                &union_of_shards(&m, count, Neighbours::TopK { k: 20 }),
                &what,
            );
        }
        for count in [1, 4] {
            let what = format!("{set} all pairs in {count} shards");
            assert_same_rows(
                &single_all,
                &union_of_shards(&m, count, Neighbours::AllPairs),
                &what,
            );
        }
    }
}

#[test]
fn more_shards_than_films_leaves_some_empty_and_loses_none() {
    let films = synthetic::corpus(5, 3);
    let m = TfIdfMatrix::build(&films, FeatureSet::Default);
    let union = union_of_shards(&m, 9, Neighbours::TopK { k: 3 });
    assert_same_rows(&top_k_rows(&m, 3, 0.0), &union, "9 shards of 5 films");
}

#[test]
fn a_split_depends_only_on_the_films_not_their_order() {
    let films = synthetic::corpus(800, 11);
    let mut reversed = films.clone();
    reversed.reverse();
    let a = TfIdfMatrix::build(&films, FeatureSet::Default);
    let b = TfIdfMatrix::build(&reversed, FeatureSet::Default);
    for index in 0..4 {
        let shard = Shard::new(index, 4).expect("index below count");
        assert_eq!(
            FilmSelection::of_shard(&a, shard, Neighbours::TopK { k: 100 }).film_ids(&a),
            FilmSelection::of_shard(&b, shard, Neighbours::TopK { k: 100 }).film_ids(&b),
            "shard {shard}"
        );
    }
}

/// Shards are cut by estimated work (light postings read plus k per film, plus each profile's
/// cost), not by count: each of 4 shards holds a quarter of the work, give or take one film.
#[test]
fn shards_are_balanced_by_work() {
    let films = synthetic::corpus(3_000, 42);
    let m = TfIdfMatrix::build(&films, FeatureSet::Default);
    let count = 4;
    let work = Neighbours::TopK { k: 10 };
    let selections: Vec<FilmSelection> = (0..count)
        .map(|index| FilmSelection::of_shard(&m, Shard::new(index, count).expect("a shard"), work))
        .collect();
    let works: Vec<u64> = selections
        .iter()
        .map(|s| s.estimated_cost(&m, work))
        .collect();
    let total = FilmSelection::all(&m).estimated_cost(&m, work);
    assert_eq!(works.iter().sum::<u64>(), total, "the shards' work adds up");
    // One film's share, with its profiles' costs: the most a cut can be off by.
    let largest_film = (0..m.len())
        .map(|a| {
            let (one, _) = FilmSelection::of_film_ids(&m, &[m.film_id(a)]);
            one.estimated_cost(&m, work)
        })
        .max()
        .expect("films");
    let counts: Vec<usize> = selections.iter().map(FilmSelection::len).collect();
    for (index, &shard_work) in works.iter().enumerate() {
        let share = total / u64::from(count);
        assert!(
            shard_work.abs_diff(share) <= largest_film,
            "shard {index}: work {shard_work}, a quarter is {share} (largest film {largest_film}); \
             all: {works:?}, films per shard: {counts:?}"
        );
    }
}

#[test]
fn shards_parse_from_index_slash_count() {
    let shard: Shard = "2/8".parse().expect("a valid shard");
    assert_eq!((shard.index(), shard.count()), (2, 8));
    assert_eq!(shard.to_string(), "2/8");
    assert!(Shard::whole().is_whole());
    for (text, says) in [
        ("8/8", "INDEX must be below COUNT"),
        ("0/0", "COUNT must be at least 1"),
        ("3", "no '/'"),
        ("-1/4", "invalid digit"),
        ("a/b", "invalid digit"),
    ] {
        let error = text.parse::<Shard>().expect_err(text).to_string();
        assert!(error.contains(says), "{text}: {error}");
        assert!(error.contains("INDEX/COUNT"), "{text}: {error}");
    }
}

#[test]
fn a_block_of_film_ids_reports_the_unknown_ones() {
    let films = synthetic::corpus(50, 5);
    let m = TfIdfMatrix::build(&films, FeatureSet::Default);
    let known = m.film_id(3);
    let (block, unknown) = FilmSelection::of_film_ids(&m, &[known, 999_999_999]);
    assert_eq!(block.film_ids(&m), vec![known]);
    assert_eq!(unknown, vec![999_999_999]);
}
