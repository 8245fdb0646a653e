//! The TF-IDF matrix: term weights, norms, and the heavy/light layout the kernels read.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::features::{FeatureSet, FilmRecord, Label, Labels, Vocabulary};
use crate::profiles::{HeavyRows, Profiles, NONE};
use crate::sparse::SparseRows;
use crate::split::{choose, HeavySplit, Role};

/// The L2-normalised TF-IDF vectors of a set of films, laid out for exact all-pairs search.
///
/// Rows are the films sorted by `film_id`, so comparing rows compares film ids. Weights are
/// stored unnormalised (tf * idf) with one inverse norm per film; a similarity is
/// `(heavy + light) * (inv_norm_a * inv_norm_b)`, see `kernel`.
#[derive(Debug, Clone)]
pub struct TfIdfMatrix {
    /// Distinct for every build, so per-thread caches can tell matrices apart.
    pub(crate) id: u64,
    pub(crate) feature_set: FeatureSet,
    pub(crate) film_ids: Vec<i32>,
    /// 1 / L2 norm of the tf-idf vector; 0 for a film whose vector is all zero.
    pub(crate) inv_norm: Vec<f64>,
    pub(crate) profiles: Profiles,
    /// Film -> (light slot, weight), slots ascending.
    pub(crate) light_terms: SparseRows,
    /// Light slot -> (film, weight), films ascending.
    pub(crate) light_postings: SparseRows,
    /// The first *broad* light slot: light slots are numbered by document frequency, so the
    /// slots from here on are those in at least `BROAD_DF` films, last in every film's row.
    pub(crate) broad_from: u32,
    /// Per broad slot, its `PARTNERS` films of largest normalised weight (see `Partners`).
    pub(crate) partners: Partners,
    /// Global term id of each heavy, exclusive and light slot. Heavy and exclusive slots are
    /// numbered in ascending term id; light slots by document frequency, then term id (see
    /// `Slots::number`). "Ascending slot" is the summation order of every fold.
    pub(crate) heavy_term: Vec<u32>,
    pub(crate) exclusive_term: Vec<u32>,
    pub(crate) light_term: Vec<u32>,
    /// Film -> its distinct labels sorted by (term, label): the names shown by `explain`.
    pub(crate) film_label_offsets: Vec<usize>,
    pub(crate) film_labels: Vec<u32>,
    pub(crate) labels: Labels,
    term_count: usize,
    /// How long the build took past the tf-idf weights and norms: the index the kernels read.
    index_build: Duration,
}

/// The shape of a matrix's index ([`TfIdfMatrix::index_summary`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexSummary {
    /// General heavy terms: the commonest terms, handled per base profile.
    pub heavy_terms: usize,
    /// Exclusive terms: the ratings, of which a film has at most one.
    pub exclusive_terms: usize,
    /// Distinct sets of general heavy terms (with their tf) among the films.
    pub base_profiles: usize,
    /// Distinct pairs of a base profile and an exclusive term (or none) with its weight.
    pub full_profiles: usize,
    /// Bytes the index holds on the heap: profiles, light rows and postings, partners, norms
    /// and labels.
    pub heap_bytes: usize,
    /// How long [`TfIdfMatrix::build`] spent on the index the kernels read (postings, heavy
    /// split, profiles, light postings, partners) after the tf-idf weights and norms: what a
    /// plain sparse product given the weights would not spend.
    pub build_time: Duration,
}

impl TfIdfMatrix {
    /// Builds the matrix of `films` with the terms of `set`. Film ids should be unique; with a
    /// duplicate, [`TfIdfMatrix::index_of`] finds the first of them.
    pub fn build(films: &[FilmRecord], set: FeatureSet) -> Self {
        Self::build_split(films, set, HeavySplit::Auto)
    }

    /// [`TfIdfMatrix::build`] with a forced heavy/light split, for tests and benchmarks: the
    /// split changes the summation order, never which films are neighbours.
    #[cfg(any(test, feature = "test-hooks"))]
    pub fn build_with_split(films: &[FilmRecord], set: FeatureSet, split: HeavySplit) -> Self {
        Self::build_split(films, set, split)
    }

    fn build_split(films: &[FilmRecord], set: FeatureSet, split: HeavySplit) -> Self {
        let mut order: Vec<usize> = (0..films.len()).collect();
        order.sort_by_key(|&i| films[i].film_id);
        let film_ids: Vec<i32> = order.iter().map(|&i| films[i].film_id).collect();
        let read = read_films(films, &order, set);
        let weights = tf_idf(&read.counts, read.term_count);
        let inv_norm = inverse_norms(&weights);
        let index_started = Instant::now();
        let postings = weights.transpose(read.term_count);
        let roles = choose(&postings, &read.rating_terms, films.len(), split);
        let slots = Slots::number(&roles, |t| postings.row_len(t));
        let (heavy_rows, light_terms) = split_rows(&weights, &roles, &slots);
        // The heavy side and the light side are independent: one thread each.
        let (profiles, (light_postings, broad_from, partners)) = rayon::join(
            || {
                Profiles::build(
                    &heavy_rows,
                    slots.heavy.len(),
                    slots.exclusive.len(),
                    &inv_norm,
                )
            },
            || {
                let light_postings = light_terms.transpose(slots.light.len());
                let broad_from = first_broad_slot(&light_postings, BROAD_DF);
                let partners = Partners::build(&light_postings, broad_from, &inv_norm);
                (light_postings, broad_from, partners)
            },
        );
        TfIdfMatrix {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            feature_set: set,
            film_ids,
            inv_norm,
            profiles,
            light_terms,
            light_postings,
            broad_from,
            partners,
            heavy_term: slots.heavy,
            exclusive_term: slots.exclusive,
            light_term: slots.light,
            film_label_offsets: read.label_offsets,
            film_labels: read.film_labels,
            labels: read.labels,
            term_count: read.term_count,
            index_build: index_started.elapsed(),
        }
    }

    /// Makes the light terms in at least `df` films broad (default `BROAD_DF`), for tests
    /// of the pruning on corpora too small to have broad terms. Changes no similarity.
    #[cfg(any(test, feature = "test-hooks"))]
    pub fn set_broad_df(&mut self, df: usize) {
        self.broad_from = first_broad_slot(&self.light_postings, df);
        self.partners = Partners::build(&self.light_postings, self.broad_from, &self.inv_norm);
    }

    /// Number of films (rows).
    pub fn len(&self) -> usize {
        self.film_ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.film_ids.is_empty()
    }

    /// The film of row `i`; rows are in ascending film id.
    pub fn film_id(&self, i: usize) -> i32 {
        self.film_ids[i]
    }

    /// The row of a film.
    pub fn index_of(&self, film_id: i32) -> Option<usize> {
        let row = self.film_ids.partition_point(|&id| id < film_id);
        (self.film_ids.get(row) == Some(&film_id)).then_some(row)
    }

    pub fn feature_set(&self) -> FeatureSet {
        self.feature_set
    }

    /// Number of distinct terms (buckets in seed mode), including those of weight zero.
    pub fn term_count(&self) -> usize {
        self.term_count
    }

    /// Row `i` of the L2-normalised matrix as (term id, value), term ids ascending.
    pub fn normalised_row(&self, i: usize) -> Vec<(u32, f64)> {
        let inv = self.inv_norm[i];
        let mut row: Vec<(u32, f64)> = self
            .weighted_terms(i)
            .into_iter()
            .map(|(t, w)| (t, w * inv))
            .collect();
        row.sort_unstable_by_key(|&(t, _)| t);
        row
    }

    /// What the index holds and what it cost to build, for benchmark reports.
    pub fn index_summary(&self) -> IndexSummary {
        let heap_bytes = self.profiles.heap_bytes()
            + self.light_terms.heap_bytes()
            + self.light_postings.heap_bytes()
            + self.partners.heap_bytes()
            + self.inv_norm.capacity() * 8
            + self.film_labels.capacity() * 4
            + self.labels.heap_bytes();
        IndexSummary {
            heavy_terms: self.heavy_term.len(),
            exclusive_terms: self.exclusive_term.len(),
            base_profiles: self.profiles.base.count(),
            full_profiles: self.profiles.full.count(),
            heap_bytes,
            build_time: self.index_build,
        }
    }

    /// The unnormalised (global term id, weight) pairs of a row: heavy, exclusive, light.
    pub(crate) fn weighted_terms(&self, i: usize) -> Vec<(u32, f64)> {
        let mut terms = Vec::new();
        let full = self.profiles.full.of_film[i];
        if full != NONE {
            let base = self.profiles.full_base[full as usize] as usize;
            let (slots, weights) = self.profiles.base_terms.row(base);
            terms.extend(
                slots
                    .iter()
                    .zip(weights)
                    .map(|(&s, &w)| (self.heavy_term[s as usize], w)),
            );
            let x = self.profiles.full_exclusive[full as usize];
            if x != NONE {
                terms.push((
                    self.exclusive_term[x as usize],
                    self.profiles.full_weight[full as usize],
                ));
            }
        }
        let (slots, weights) = self.light_terms.row(i);
        terms.extend(
            slots
                .iter()
                .zip(weights)
                .map(|(&s, &w)| (self.light_term[s as usize], w)),
        );
        terms
    }

    pub(crate) fn labels_of(&self, i: usize) -> impl Iterator<Item = &Label> + '_ {
        let ids = &self.film_labels[self.film_label_offsets[i]..self.film_label_offsets[i + 1]];
        ids.iter().map(|&l| self.labels.get(l))
    }
}

/// The id of the next matrix built.
static NEXT_ID: AtomicU64 = AtomicU64::new(0);

struct ReadFilms {
    /// Film row -> (term, tf), terms ascending.
    counts: SparseRows,
    term_count: usize,
    rating_terms: Vec<u32>,
    label_offsets: Vec<usize>,
    film_labels: Vec<u32>,
    labels: Labels,
}

fn read_films(films: &[FilmRecord], order: &[usize], set: FeatureSet) -> ReadFilms {
    let mut vocabulary = Vocabulary::default();
    let mut counts = SparseRows::new();
    let mut label_offsets = vec![0];
    let mut film_labels = Vec::new();
    let mut occurrences = Vec::new();
    for &i in order {
        occurrences.clear();
        vocabulary.read_film(&films[i], set, &mut occurrences);
        let labels = &vocabulary.labels;
        occurrences.sort_unstable_by_key(|&l| (labels.term(l), l));
        for run in occurrences.chunk_by(|&a, &b| labels.term(a) == labels.term(b)) {
            counts.push(labels.term(run[0]), run.len() as f64);
        }
        counts.end_row();
        occurrences.dedup();
        film_labels.extend_from_slice(&occurrences);
        label_offsets.push(film_labels.len());
    }
    ReadFilms {
        counts,
        term_count: vocabulary.term_count as usize,
        rating_terms: vocabulary.rating_terms,
        label_offsets,
        film_labels,
        labels: vocabulary.labels,
    }
}

/// tf * idf with idf = ln((m + 1) / (df + 1)), Spark's IDF with minDocFreq 0. A term in every
/// film has idf 0 and is dropped, so stored weights are all strictly positive.
fn tf_idf(counts: &SparseRows, term_count: usize) -> SparseRows {
    let films = counts.rows();
    let mut df = vec![0usize; term_count];
    for film in 0..films {
        counts.row(film).0.iter().for_each(|&t| df[t as usize] += 1);
    }
    let idf: Vec<f64> = df
        .iter()
        .map(|&d| ((films as f64 + 1.0) / (d as f64 + 1.0)).ln())
        .collect();
    let mut weights = SparseRows::new();
    for film in 0..films {
        let (terms, tfs) = counts.row(film);
        for (&t, &tf) in terms.iter().zip(tfs) {
            let weight = tf * idf[t as usize];
            if weight > 0.0 {
                weights.push(t, weight);
            }
        }
        weights.end_row();
    }
    weights
}

/// 1 / sqrt(sum of squared weights, in ascending term order); 0 for an all-zero vector.
fn inverse_norms(weights: &SparseRows) -> Vec<f64> {
    (0..weights.rows())
        .map(|film| {
            let squares: f64 = weights.row(film).1.iter().fold(0.0, |sum, w| sum + w * w);
            if squares > 0.0 {
                1.0 / squares.sqrt()
            } else {
                0.0
            }
        })
        .collect()
}

/// Light terms in at least this many films are *broad*: when a film's last light term is
/// broad, the top-k search reads its postings last and scores only the films that can reach
/// the film's k best through it. Below it, a term's postings are few enough to accumulate
/// without a test.
pub(crate) const BROAD_DF: usize = 256;

/// The first light slot in at least `df` films (light slots are numbered by document
/// frequency), or the number of slots if none is.
fn first_broad_slot(light_postings: &SparseRows, df: usize) -> u32 {
    let slots = light_postings.rows();
    let first = (0..slots).find(|&slot| light_postings.row_len(slot) >= df);
    u32::try_from(first.unwrap_or(slots)).expect("fewer than 2^32 terms")
}

/// How many films of each broad term `Partners` keeps.
const PARTNERS: usize = 128;

/// Per broad light slot, the `PARTNERS` films with the largest normalised weight
/// (w_b * inv_b) in it, largest first: the films most similar, through that term alone, to
/// any film that has it. The top-k search scores them first to bound a film's k-th best
/// before reading the term's whole postings.
#[derive(Debug, Clone)]
pub(crate) struct Partners {
    from: u32,
    offsets: Vec<usize>,
    films: Vec<u32>,
    /// Each partner's weight in the term.
    weights: Vec<f64>,
}

impl Partners {
    fn build(light_postings: &SparseRows, from: u32, inv_norm: &[f64]) -> Self {
        let mut partners = Partners {
            from,
            offsets: vec![0],
            films: Vec::new(),
            weights: Vec::new(),
        };
        let mut list: Vec<(f64, u32, f64)> = Vec::new();
        for slot in from as usize..light_postings.rows() {
            let (films, weights) = light_postings.row(slot);
            list.clear();
            let normalised = |(&b, &w): (&u32, &f64)| (w * inv_norm[b as usize], b, w);
            list.extend(films.iter().zip(weights).map(normalised));
            // Largest first, ties by film, so the choice does not depend on the sort.
            let by_weight =
                |x: &(f64, u32, f64), y: &(f64, u32, f64)| y.0.total_cmp(&x.0).then(x.1.cmp(&y.1));
            if list.len() > PARTNERS {
                list.select_nth_unstable_by(PARTNERS - 1, by_weight);
                list.truncate(PARTNERS);
            }
            list.sort_unstable_by(by_weight);
            partners.films.extend(list.iter().map(|&(_, b, _)| b));
            partners.weights.extend(list.iter().map(|&(_, _, w)| w));
            partners.offsets.push(partners.films.len());
        }
        partners
    }

    /// The partners of broad slot `slot` and their weights in it.
    pub fn of(&self, slot: u32) -> (&[u32], &[f64]) {
        let i = (slot - self.from) as usize;
        let range = self.offsets[i]..self.offsets[i + 1];
        (&self.films[range.clone()], &self.weights[range])
    }

    fn heap_bytes(&self) -> usize {
        self.offsets.capacity() * 8 + self.films.capacity() * 4 + self.weights.capacity() * 8
    }
}

/// Slot numbers: heavy and exclusive terms numbered in ascending term id, light terms by
/// document frequency, then term id. So a film's light row lists its rare terms first and its
/// broad ones last, and the light fold adds the broad terms' products last: a fold stopped
/// before them is a lower bound of the whole, which the top-k search prunes with.
struct Slots {
    heavy: Vec<u32>,
    exclusive: Vec<u32>,
    light: Vec<u32>,
    /// Each term's slot within its role.
    of_term: Vec<u32>,
}

impl Slots {
    fn number(roles: &[Role], document_frequency: impl Fn(usize) -> usize) -> Self {
        let mut slots = Slots {
            heavy: Vec::new(),
            exclusive: Vec::new(),
            light: Vec::new(),
            of_term: vec![0; roles.len()],
        };
        for (t, role) in roles.iter().enumerate() {
            let list = match role {
                Role::Heavy => &mut slots.heavy,
                Role::Exclusive => &mut slots.exclusive,
                Role::Light => &mut slots.light,
            };
            list.push(u32::try_from(t).expect("fewer than 2^32 terms"));
        }
        // Stable: equal frequencies stay in term order.
        slots.light.sort_by_key(|&t| document_frequency(t as usize));
        for list in [&slots.heavy, &slots.exclusive, &slots.light] {
            for (slot, &t) in list.iter().enumerate() {
                slots.of_term[t as usize] = u32::try_from(slot).expect("fewer than 2^32 terms");
            }
        }
        slots
    }
}

/// Each film's weights split by role into slots.
fn split_rows(weights: &SparseRows, roles: &[Role], slots: &Slots) -> (HeavyRows, SparseRows) {
    let mut heavy = HeavyRows {
        general: SparseRows::new(),
        exclusive: Vec::with_capacity(weights.rows()),
    };
    let mut light = SparseRows::new();
    let mut light_row = Vec::new();
    for film in 0..weights.rows() {
        let (terms, ws) = weights.row(film);
        let mut exclusive = None;
        for (&t, &w) in terms.iter().zip(ws) {
            let slot = slots.of_term[t as usize];
            match roles[t as usize] {
                Role::Heavy => heavy.general.push(slot, w),
                Role::Exclusive => exclusive = Some((slot, w)),
                Role::Light => light_row.push((slot, w)),
            }
        }
        heavy.general.end_row();
        heavy.exclusive.push(exclusive);
        // Light slots are not in term order: rows list them ascending.
        light_row.sort_unstable_by_key(|&(slot, _)| slot);
        light_row
            .drain(..)
            .for_each(|(slot, w)| light.push(slot, w));
        light.end_row();
    }
    (heavy, light)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn film(film_id: i32, title: &str, genres: &[&str]) -> FilmRecord {
        FilmRecord {
            film_id,
            title: title.to_owned(),
            genres: genres.iter().map(|g| g.to_string()).collect(),
            rating: 7.0,
            persons: Vec::new(),
        }
    }

    #[test]
    fn rows_are_sorted_by_film_id() {
        let films = [film(30, "c", &[]), film(10, "a", &[]), film(20, "b", &[])];
        let matrix = TfIdfMatrix::build(&films, FeatureSet::Default);
        assert_eq!(matrix.len(), 3);
        assert_eq!(
            (0..3).map(|i| matrix.film_id(i)).collect::<Vec<_>>(),
            [10, 20, 30]
        );
        assert_eq!(matrix.index_of(30), Some(2));
        assert_eq!(matrix.index_of(15), None);
        assert_eq!(matrix.index_of(99), None);
    }

    #[test]
    fn light_rows_list_their_rarest_terms_first() {
        // "zebra" comes first in film 1's title, but is in two films where "quiet" is in one.
        let films = [
            film(1, "zebra quiet", &[]),
            film(2, "zebra", &[]),
            film(3, "other", &[]),
        ];
        let m = TfIdfMatrix::build_with_split(
            &films,
            FeatureSet::Default,
            HeavySplit::MinDf(usize::MAX),
        );
        for i in 0..m.len() {
            let slots = m.light_terms.row(i).0;
            assert!(slots.windows(2).all(|w| w[0] < w[1]), "film {i}: {slots:?}");
            let dfs: Vec<usize> = slots
                .iter()
                .map(|&s| m.light_postings.row_len(s as usize))
                .collect();
            assert!(dfs.windows(2).all(|w| w[0] <= w[1]), "film {i}: {dfs:?}");
        }
        assert_eq!(m.light_terms.row(0).0.len(), 2);
    }

    #[test]
    fn partners_are_the_largest_normalised_weights_first() {
        // "word" in PARTNERS + 10 films, with 1 to 4 other words: the more, the lower its
        // normalised weight; 20 films without it.
        let films: Vec<FilmRecord> = (0..PARTNERS as i32 + 30)
            .map(|i| {
                let others = ["a", "a b", "a b c", "a b c d"][(i % 4) as usize];
                let title = if i < PARTNERS as i32 + 10 {
                    format!("word {others}")
                } else {
                    "other".to_owned()
                };
                film(i, &title, &[])
            })
            .collect();
        let mut m = TfIdfMatrix::build_with_split(
            &films,
            FeatureSet::Default,
            HeavySplit::MinDf(usize::MAX),
        );
        m.set_broad_df(PARTNERS + 10);
        let word = m.broad_from;
        assert_eq!(
            m.light_postings.row_len(word as usize),
            PARTNERS + 10,
            "word is broad"
        );
        let (partners, weights) = m.partners.of(word);
        assert_eq!(partners.len(), PARTNERS);
        let normalised: Vec<f64> = (partners.iter().zip(weights))
            .map(|(&b, &w)| w * m.inv_norm[b as usize])
            .collect();
        assert!(
            normalised.windows(2).all(|w| w[0] >= w[1]),
            "{normalised:?}"
        );
        let least = normalised[PARTNERS - 1];
        let (films_with_word, all_weights) = m.light_postings.row(word as usize);
        let above = (films_with_word.iter().zip(all_weights))
            .filter(|&(&b, &w)| w * m.inv_norm[b as usize] > least)
            .count();
        assert!(above <= PARTNERS, "no film left out has a larger weight");
    }

    #[test]
    fn a_term_in_every_film_weighs_nothing() {
        // "x" and the rating are in both films: both films are all-zero vectors.
        let films = [film(1, "x", &[]), film(2, "x", &[])];
        let matrix = TfIdfMatrix::build(&films, FeatureSet::Default);
        assert_eq!(matrix.inv_norm, [0.0, 0.0]);
        assert!(matrix.normalised_row(0).is_empty());
    }

    #[test]
    fn normalised_rows_have_unit_length() {
        let films = [
            film(1, "the cat the", &["Drama"]),
            film(2, "a dog", &["Drama", "Comedy"]),
            film(3, "x", &[]),
        ];
        let matrix = TfIdfMatrix::build(&films, FeatureSet::Default);
        for i in 0..3 {
            let length: f64 = matrix.normalised_row(i).iter().map(|(_, v)| v * v).sum();
            assert!((length - 1.0).abs() < 1e-12);
        }
        // "the" occurs twice in film 1: tf 2, so its weight is twice that of "cat".
        let row = matrix.normalised_row(0);
        assert!((row[0].1 - 2.0 * row[1].1).abs() < 1e-12);
    }
}
