//! The query set: queries made from the bundled sample and the real IMDb slices the way people
//! type them (exact title, lower case without accents, one typo, a 4-letter prefix, original
//! title, alternate title, director + title word), run over the index the server builds. The
//! intended film must come first for at least 90% of them and in the top 3 for at least 98%;
//! the mean reciprocal rank is printed (`cargo test ... text_queries -- --nocapture`).

use std::collections::BTreeMap;
use std::path::Path;

use filmdex::config::DatasetSource;
use filmdex::serve::Snapshot;
use filmdex_similarity::FeatureSet;
use filmdex_text::query_set::{evaluate, queries_of, Query, QueryKind, QuerySource};

use crate::support::{build, config, fixture, rows, sample_database};

/// The real slices that build (the others lack a dump or have a broken header on purpose).
const REAL_SLICES: [&str; 4] = [
    "roskakori__pimdb",
    "kiomarskhodadi__assessment",
    "othonasgkavardinas__query-evaluation-imdb",
    "mdecourci__imdb-dataset",
];

/// Every query of every film of the database at `path`, and the index the server builds.
fn queries_of_database(path: &Path) -> (Snapshot, Vec<Query>) {
    let snapshot = filmdex::serve::load(path).expect("the database loads");
    let mut akas: BTreeMap<i32, Vec<String>> = BTreeMap::new();
    for row in rows(
        path,
        "SELECT film_id::VARCHAR, title FROM film_titles ORDER BY film_id, title",
    ) {
        let (film, title) = row.split_once('\t').expect("two columns");
        akas.entry(film.parse().expect("an id"))
            .or_default()
            .push(title.to_owned());
    }
    let mut directors: BTreeMap<i32, Vec<String>> = BTreeMap::new();
    let sql = "SELECT film_id::VARCHAR, name FROM (SELECT film_id, unnest(persons) AS name, \
               unnest(person_categories) AS category FROM films) WHERE category = 'director'";
    for row in rows(path, sql) {
        let (film, name) = row.split_once('\t').expect("two columns");
        directors
            .entry(film.parse().expect("an id"))
            .or_default()
            .push(name.to_owned());
    }
    let mut queries = Vec::new();
    for (row, film) in snapshot.films().iter().enumerate() {
        queries.extend(queries_of(&QuerySource {
            row: row as u32,
            title: film.title.clone(),
            original_title: film.original_title.clone(),
            akas: akas.remove(&film.film_id).unwrap_or_default(),
            directors: directors.remove(&film.film_id).unwrap_or_default(),
        }));
    }
    (snapshot, queries)
}

/// A real slice built with every rated title kept (the default filters keep almost none of
/// these few rows), or `None` when it still has no film.
fn real_slice_database(name: &str, workdir: &Path) -> Option<std::path::PathBuf> {
    let mut config = config(
        workdir,
        DatasetSource::Folder(fixture("imdb-real").join(name)),
    );
    config.prep.min_votes = 0;
    config.prep.min_rating = 0.0;
    build(&config).unwrap_or_else(|error| panic!("{name}: {error:#}"));
    let films = rows(
        &config.layout.database(),
        "SELECT count(*)::VARCHAR FROM films",
    );
    (films != ["0"]).then(|| config.layout.database())
}

#[test]
fn the_intended_film_comes_first_for_nine_queries_in_ten() {
    let workdir = tempfile::tempdir().expect("temp dir");
    let mut databases = vec![(
        "bundled sample".to_owned(),
        sample_database(FeatureSet::Default),
    )];
    for name in REAL_SLICES {
        if let Some(path) = real_slice_database(name, &workdir.path().join(name)) {
            databases.push((name.to_owned(), path));
        }
    }
    let mut by_kind: BTreeMap<QueryKind, (usize, usize)> = BTreeMap::new();
    let (mut total, mut first, mut top_three, mut reciprocal, mut ambiguous) = (0, 0, 0, 0.0, 0);
    let (mut ambiguous_first, mut ambiguous_top_three) = (0, 0);
    for (name, path) in &databases {
        let (snapshot, queries) = queries_of_database(path);
        let index = snapshot.table().text_index();
        let evaluation = evaluate(index, &queries);
        println!(
            "{name}: {} queries, {} ambiguous left out, first {:.1}%, top 3 {:.1}%, MRR {:.3}",
            evaluation.queries,
            evaluation.ambiguous,
            100.0 * evaluation.first_share(),
            100.0 * evaluation.top_three_share(),
            evaluation.mean_reciprocal_rank()
        );
        for query in &queries {
            by_kind.entry(query.kind).or_default().0 += 1;
        }
        for (query, rank) in &evaluation.misses {
            by_kind.entry(query.kind).or_default().1 += 1;
            let film = &snapshot.films()[query.row as usize].title;
            println!(
                "  miss ({}): `{}` for `{film}` at {rank:?}",
                query.kind.name(),
                query.text
            );
        }
        total += evaluation.queries;
        first += evaluation.first;
        top_three += evaluation.top_three;
        reciprocal += evaluation.reciprocal_rank_sum;
        ambiguous += evaluation.ambiguous;
        ambiguous_first += evaluation.ambiguous_first;
        ambiguous_top_three += evaluation.ambiguous_top_three;
    }
    for (kind, (queries, missed)) in &by_kind {
        println!(
            "{:>24}: {queries} queries made, {missed} not first",
            kind.name()
        );
    }
    let share = |count: usize| count as f64 / total as f64;
    println!(
        "all: {total} queries ({ambiguous} ambiguous left out), first {:.1}%, top 3 {:.1}%, mean reciprocal rank {:.3}",
        100.0 * share(first),
        100.0 * share(top_three),
        reciprocal / total as f64
    );
    // The ambiguous queries counted too: the intended film shares every text rule with another
    // film, and votes decide, so this is how often the better-known film was the one meant.
    let every = total + ambiguous;
    let every_first = (first + ambiguous_first) as f64 / every as f64;
    let every_top_three = (top_three + ambiguous_top_three) as f64 / every as f64;
    println!(
        "every query, the ambiguous counted: {every}, first {:.1}%, top 3 {:.1}%",
        100.0 * every_first,
        100.0 * every_top_three
    );
    assert!(total >= 300, "{total} queries");
    assert!(share(first) >= 0.90, "first {:.3}", share(first));
    assert!(share(top_three) >= 0.98, "top 3 {:.3}", share(top_three));
}
