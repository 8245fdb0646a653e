//! The obviously correct version: string-keyed term maps, Spark-style normalisation by
//! division, and pair-by-pair cosines. Slow on purpose; nothing shared with the fast kernel
//! but the seed-mode hash.

use std::collections::HashMap;

use filmdex_similarity::{seed_bucket, FeatureSet, FilmRecord};

pub struct Reference {
    /// Film ids ascending, and each film's normalised vector.
    pub ids: Vec<i32>,
    vectors: Vec<HashMap<String, f64>>,
}

fn terms(film: &FilmRecord, set: FeatureSet) -> Vec<String> {
    match set {
        FeatureSet::Seed => {
            let mut parts = vec![film.title.clone()];
            parts.extend(film.genres.iter().cloned());
            parts.push(format!("{:.2}", film.rating));
            // The original collected a set of names: a repeated name counts once.
            let mut names: Vec<&str> = Vec::new();
            for person in &film.persons {
                if !names.contains(&person.name.as_str()) {
                    names.push(&person.name);
                }
            }
            parts.extend(names.iter().map(|n| n.to_string()));
            let text = parts.join(", ");
            text.split(',')
                .map(|token| format!("bucket:{}", seed_bucket(token)))
                .collect()
        }
        FeatureSet::Default => {
            let mut out: Vec<String> = film
                .title
                .split(|c: char| !c.is_alphanumeric())
                .filter(|w| !w.is_empty())
                .map(|w| format!("word:{}", w.to_lowercase()))
                .collect();
            out.extend(film.genres.iter().map(|g| format!("genre:{g}")));
            out.push(format!("rating:{:.2}", film.rating));
            let mut ids: Vec<&str> = Vec::new();
            for person in &film.persons {
                if !ids.contains(&person.id.as_str()) {
                    ids.push(&person.id);
                }
            }
            out.extend(ids.iter().map(|id| format!("person:{id}")));
            out
        }
    }
}

impl Reference {
    pub fn new(films: &[FilmRecord], set: FeatureSet) -> Self {
        let mut sorted: Vec<&FilmRecord> = films.iter().collect();
        sorted.sort_by_key(|f| f.film_id);
        let counts: Vec<HashMap<String, f64>> = sorted
            .iter()
            .map(|film| {
                let mut tf = HashMap::new();
                for term in terms(film, set) {
                    *tf.entry(term).or_insert(0.0) += 1.0;
                }
                tf
            })
            .collect();
        let mut df: HashMap<&str, f64> = HashMap::new();
        for tf in &counts {
            for term in tf.keys() {
                *df.entry(term).or_insert(0.0) += 1.0;
            }
        }
        let m = sorted.len() as f64;
        let vectors = counts
            .iter()
            .map(|tf| {
                let weighted: HashMap<String, f64> = tf
                    .iter()
                    .map(|(term, &count)| {
                        (
                            term.clone(),
                            count * ((m + 1.0) / (df[term.as_str()] + 1.0)).ln(),
                        )
                    })
                    .collect();
                let norm = weighted.values().map(|w| w * w).sum::<f64>().sqrt();
                weighted
                    .into_iter()
                    .filter(|&(_, w)| w > 0.0)
                    .map(|(term, w)| (term, w / norm))
                    .collect()
            })
            .collect();
        Reference {
            ids: sorted.iter().map(|f| f.film_id).collect(),
            vectors,
        }
    }

    pub fn is_zero(&self, a: usize) -> bool {
        self.vectors[a].is_empty()
    }

    pub fn similarity(&self, a: usize, b: usize) -> f64 {
        let (small, large) = if self.vectors[a].len() <= self.vectors[b].len() {
            (a, b)
        } else {
            (b, a)
        };
        self.vectors[small]
            .iter()
            .filter_map(|(term, w)| self.vectors[large].get(term).map(|v| w * v))
            .sum()
    }

    /// Whether two films have a term in common (of non-zero weight: a term in every film
    /// weighs 0 and is left out of the vectors).
    pub fn shares_a_term(&self, a: usize, b: usize) -> bool {
        self.vectors[a]
            .keys()
            .any(|term| self.vectors[b].contains_key(term))
    }

    /// The neighbours of film `a`, by the kernel's rule: every other film sharing a term with
    /// it and at least `min_similarity` similar, by similarity descending then id.
    pub fn neighbours(&self, a: usize, min_similarity: f64) -> Vec<(i32, f64)> {
        let mut row: Vec<(i32, f64)> = (0..self.ids.len())
            .filter(|&b| b != a && self.shares_a_term(a, b))
            .map(|b| (self.ids[b], self.similarity(a, b)))
            .filter(|x| x.1 >= min_similarity)
            .collect();
        row.sort_by(|x, y| y.1.total_cmp(&x.1).then(x.0.cmp(&y.0)));
        row
    }

    /// Every other non-zero film with its similarity, by similarity descending then id.
    pub fn row(&self, a: usize) -> Vec<(i32, f64)> {
        if self.is_zero(a) {
            return Vec::new();
        }
        let mut row: Vec<(i32, f64)> = (0..self.ids.len())
            .filter(|&b| b != a && !self.is_zero(b))
            .map(|b| (self.ids[b], self.similarity(a, b)))
            .collect();
        row.sort_by(|x, y| y.1.total_cmp(&x.1).then(x.0.cmp(&y.0)));
        row
    }
}

impl Reference {
    /// Film `a`'s normalised vector by term name (terms of weight 0 left out).
    pub fn vector(&self, a: usize) -> &HashMap<String, f64> {
        &self.vectors[a]
    }
}
