//! `--features seed` reproduces the original's PySpark TF-IDF exactly: every similarity filmdex
//! stores for the sample films equals the dot product of PySpark's own vectors
//! (`scripts/seed_golden.py` -> `tests/golden/seed_vectors.tsv.gz`) to 1e-9, and each film's
//! stored neighbours are its best ones by those vectors.

use std::collections::BTreeMap;
use std::io::Read;

use filmdex_similarity::FeatureSet;

use crate::support::{fixture_path, sample_database, stored_neighbours};

type Vector = Vec<(u32, f64)>;

fn golden_vectors() -> BTreeMap<i32, Vector> {
    let file =
        std::fs::File::open(fixture_path("golden/seed_vectors.tsv.gz")).expect("golden file");
    let mut text = String::new();
    flate2::read::GzDecoder::new(file)
        .read_to_string(&mut text)
        .expect("gunzip");
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .map(|line| {
            let (id, entries) = line.split_once('\t').unwrap_or((line, ""));
            let vector = entries
                .split(',')
                .filter(|entry| !entry.is_empty())
                .map(|entry| {
                    let (bucket, weight) = entry.split_once(':').expect("bucket:weight");
                    (
                        bucket.parse().expect("bucket"),
                        weight.parse().expect("weight"),
                    )
                })
                .collect();
            (id.parse().expect("film id"), vector)
        })
        .collect()
}

fn dot(a: &Vector, b: &Vector) -> f64 {
    let (mut i, mut j, mut sum) = (0, 0, 0.0);
    while i < a.len() && j < b.len() {
        match a[i].0.cmp(&b[j].0) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                sum += a[i].1 * b[j].1;
                i += 1;
                j += 1;
            }
        }
    }
    sum
}

#[test]
fn seed_similarities_equal_pyspark_vectors() {
    let golden = golden_vectors();
    let stored = stored_neighbours(&sample_database(FeatureSet::Seed));
    assert!(golden.len() > 2500, "golden vectors for the whole sample");
    let mut compared = 0;
    for (film, list) in &stored {
        let vector = &golden[film];
        // The best 100 by PySpark's vectors, for the same film.
        let mut expected: Vec<(i32, f64)> = golden
            .iter()
            .filter(|(other, _)| *other != film)
            .map(|(other, other_vector)| (*other, dot(vector, other_vector)))
            .filter(|(_, similarity)| *similarity > 0.0)
            .collect();
        expected.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        expected.truncate(100);
        assert_eq!(
            list.len(),
            expected.len(),
            "film {film}: number of neighbours"
        );
        for (rank, ((other, similarity), (expected_other, expected_similarity))) in
            list.iter().zip(&expected).enumerate()
        {
            let golden_value = dot(vector, &golden[other]);
            assert!(
                (similarity - golden_value).abs() < 1e-9,
                "film {film} -> {other}: {similarity} vs PySpark {golden_value}"
            );
            // Same neighbour at each rank, unless two values tie within rounding.
            assert!(
                other == expected_other || (similarity - expected_similarity).abs() < 1e-9,
                "film {film} rank {rank}: {other} ({similarity}) vs {expected_other} ({expected_similarity})"
            );
            compared += 1;
        }
    }
    assert!(compared > 100_000, "compared {compared} stored pairs");
}
