//! Recommendations from several films: the liked and disliked films make one query vector, a
//! *taste*, and every film is scored by its cosine similarity to it.
//!
//! With `L` the sum of the liked films' normalised vectors and `D` the sum of the disliked
//! ones', the taste is `q = L / |L| - DISLIKE_WEIGHT * D / |D|` (the second term only when
//! some film is disliked), and a film `b` scores `cos(q, b) = q · b / (|q| |b|)`. This is
//! Rocchio's relevance feedback on the same TF-IDF vectors the neighbour lists use.
//!
//! Scoring reads the matrix's own layout: the heavy part of `q · b` once per base profile, the
//! rating once per full profile, the light part through the light postings of the taste's
//! light terms only. So a taste costs the postings of its light terms plus one pass over the
//! films, never a dot product per pair.

use rustc_hash::FxHashMap;

use crate::features::FeatureKind;
use crate::matrix::TfIdfMatrix;
use crate::profiles::NONE;

/// How much the disliked films weigh against the liked ones: a disliked film's own features
/// are pushed down, but half as strongly as the liked ones pull up, so that one dislike does
/// not wipe out a genre the liked films share.
pub const DISLIKE_WEIGHT: f64 = 0.5;

/// The taste of some liked and disliked films, in the matrix's term slots.
#[derive(Debug, Clone)]
pub struct Taste {
    /// Weight of each general heavy slot and each exclusive slot (dense: there are few).
    pub(crate) heavy: Vec<f64>,
    pub(crate) exclusive: Vec<f64>,
    /// (light slot, weight), slots ascending; only the slots of the input films.
    pub(crate) light: Vec<(u32, f64)>,
    /// Which slots some liked film has (a weight above 0): a film is recommended only when it
    /// shares one of them, as a neighbour shares a feature with its film.
    pub(crate) heavy_liked: Vec<bool>,
    pub(crate) exclusive_liked: Vec<bool>,
    pub(crate) light_liked: Vec<u32>,
    /// The input films' rows, never recommended back.
    pub(crate) input_rows: Vec<usize>,
    /// 1 / |q|, or 0 when the taste is the zero vector.
    pub(crate) inv_norm: f64,
    /// The liked films' rows, for saying where a shared feature comes from.
    liked_rows: Vec<usize>,
    /// The row of the one liked film when nothing is disliked: its taste is the film itself,
    /// and scores are then the neighbour lists' values, bit for bit.
    pub(crate) single: Option<usize>,
}

/// Film ids a taste was asked for that the matrix does not hold, ascending.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownFilms(pub Vec<i32>);

impl std::fmt::Display for UnknownFilms {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ids: Vec<String> = self.0.iter().map(i32::to_string).collect();
        write!(f, "no film has film_id {}", ids.join(", "))
    }
}

impl std::error::Error for UnknownFilms {}

/// One shared feature's part of a film's similarity to a taste.
#[derive(Debug, Clone, PartialEq)]
pub struct TasteContribution {
    pub kind: FeatureKind,
    /// The feature as people read it (title word, genre, rating, person name or token).
    pub label: String,
    /// This feature's term of the cosine; the shares of all features sum to the similarity.
    pub share: f64,
    /// The liked films that have this feature, ascending.
    pub liked_films: Vec<i32>,
}

/// A sum of normalised film vectors, in slots, before it is normalised itself.
struct SlotSum {
    heavy: Vec<f64>,
    exclusive: Vec<f64>,
    light: FxHashMap<u32, f64>,
}

impl SlotSum {
    fn new(matrix: &TfIdfMatrix) -> Self {
        SlotSum {
            heavy: vec![0.0; matrix.heavy_term.len()],
            exclusive: vec![0.0; matrix.exclusive_term.len()],
            light: FxHashMap::default(),
        }
    }

    /// Adds row `row` of the matrix, normalised.
    fn add(&mut self, matrix: &TfIdfMatrix, row: usize) {
        let inv = matrix.inv_norm[row];
        let profiles = &matrix.profiles;
        let full = profiles.full.of_film[row];
        if full != NONE {
            let base = profiles.full_base[full as usize] as usize;
            let (slots, weights) = profiles.base_terms.row(base);
            for (&slot, &weight) in slots.iter().zip(weights) {
                self.heavy[slot as usize] += weight * inv;
            }
            let exclusive = profiles.full_exclusive[full as usize];
            if exclusive != NONE {
                self.exclusive[exclusive as usize] += profiles.full_weight[full as usize] * inv;
            }
        }
        let (slots, weights) = matrix.light_terms.row(row);
        for (&slot, &weight) in slots.iter().zip(weights) {
            *self.light.entry(slot).or_insert(0.0) += weight * inv;
        }
    }

    fn norm(&self) -> f64 {
        let squares = self
            .heavy
            .iter()
            .chain(&self.exclusive)
            .chain(self.light.values());
        squares.map(|w| w * w).sum::<f64>().sqrt()
    }
}

impl TfIdfMatrix {
    /// The taste of `liked` and `disliked` films; every id must be a film of the matrix.
    pub fn taste(&self, liked: &[i32], disliked: &[i32]) -> Result<Taste, UnknownFilms> {
        let rows = |ids: &[i32]| -> (Vec<usize>, Vec<i32>) {
            let mut rows = Vec::new();
            let mut unknown = Vec::new();
            for &id in ids {
                match self.index_of(id) {
                    Some(row) => rows.push(row),
                    None => unknown.push(id),
                }
            }
            (rows, unknown)
        };
        let (mut liked_rows, mut unknown) = rows(liked);
        let (disliked_rows, unknown_disliked) = rows(disliked);
        unknown.extend(unknown_disliked);
        if !unknown.is_empty() {
            unknown.sort_unstable();
            unknown.dedup();
            return Err(UnknownFilms(unknown));
        }
        liked_rows.sort_unstable();
        liked_rows.dedup();
        let mut liked_sum = SlotSum::new(self);
        liked_rows.iter().for_each(|&row| liked_sum.add(self, row));
        let mut disliked_sum = SlotSum::new(self);
        let mut disliked_rows = disliked_rows;
        disliked_rows.sort_unstable();
        disliked_rows.dedup();
        disliked_rows
            .iter()
            .for_each(|&row| disliked_sum.add(self, row));
        let single = match (liked_rows.as_slice(), disliked_rows.is_empty()) {
            (&[row], true) => Some(row),
            _ => None,
        };
        let mut taste = Taste::combine(&liked_sum, &disliked_sum, liked_rows);
        taste.single = single;
        taste.input_rows = taste.liked_rows.clone();
        taste.input_rows.extend(&disliked_rows);
        Ok(taste)
    }

    /// The cosine similarity to `taste` of every film that shares a feature with a liked
    /// film, by row (rows are in film id order); `None` for the other films and for the input
    /// films. With one liked film and none disliked, these are the film's neighbour values
    /// ([`TfIdfMatrix::similar_to`] at 0), bit for bit.
    pub fn taste_scores(&self, taste: &Taste) -> Vec<Option<f64>> {
        let mut scores = match taste.single {
            Some(liked) => self.single_film_scores(liked),
            None => self.profile_scores(taste),
        };
        for &row in &taste.input_rows {
            scores[row] = None;
        }
        scores
    }

    fn single_film_scores(&self, liked: usize) -> Vec<Option<f64>> {
        let mut scores = vec![None; self.len()];
        let neighbours = self
            .similar_to(self.film_id(liked), 0.0)
            .expect("the liked film is a row of this matrix");
        for neighbour in neighbours {
            let row = self
                .index_of(neighbour.film_id)
                .expect("a neighbour is a row of this matrix");
            scores[row] = Some(neighbour.similarity);
        }
        scores
    }

    /// Per base profile: the heavy part of its dot product with the taste, and whether it
    /// has a heavy term some liked film has.
    pub(crate) fn base_dots(&self, taste: &Taste) -> Vec<(f64, bool)> {
        let profiles = &self.profiles;
        (0..profiles.base.count())
            .map(|base| {
                let (slots, weights) = profiles.base_terms.row(base);
                let mut dot = 0.0;
                let mut shared = false;
                for (&slot, &weight) in slots.iter().zip(weights) {
                    dot += taste.heavy[slot as usize] * weight;
                    shared |= weight > 0.0 && taste.heavy_liked[slot as usize];
                }
                (dot, shared)
            })
            .collect()
    }

    fn profile_scores(&self, taste: &Taste) -> Vec<Option<f64>> {
        let profiles = &self.profiles;
        let base_dots = self.base_dots(taste);
        let mut light = vec![0.0; self.len()];
        for &(slot, taste_weight) in &taste.light {
            let (films, weights) = self.light_postings.row(slot as usize);
            for (&film, &weight) in films.iter().zip(weights) {
                light[film as usize] += taste_weight * weight;
            }
        }
        let mut shares_light = vec![false; self.len()];
        for &slot in &taste.light_liked {
            let (films, weights) = self.light_postings.row(slot as usize);
            for (&film, &weight) in films.iter().zip(weights) {
                shares_light[film as usize] |= weight > 0.0;
            }
        }
        (0..self.len())
            .map(|row| {
                let full = profiles.full.of_film[row];
                if full == NONE {
                    return None;
                }
                let full = full as usize;
                let (base_dot, shares_heavy) = base_dots[profiles.full_base[full] as usize];
                let exclusive = profiles.full_exclusive[full];
                let (rating, shares_rating) = if exclusive == NONE {
                    (0.0, false)
                } else {
                    let weight = profiles.full_weight[full];
                    (
                        taste.exclusive[exclusive as usize] * weight,
                        weight > 0.0 && taste.exclusive_liked[exclusive as usize],
                    )
                };
                (shares_heavy || shares_rating || shares_light[row])
                    .then(|| (base_dot + rating + light[row]) * self.inv_norm[row] * taste.inv_norm)
            })
            .collect()
    }

    /// The features of `film_id` that bring it closest to `taste`, largest share first (ties
    /// by label), at most `max_features`; `None` for an unknown film.
    pub fn explain_taste(
        &self,
        taste: &Taste,
        film_id: i32,
        max_features: usize,
    ) -> Option<Vec<TasteContribution>> {
        let row = self.index_of(film_id)?;
        let by_term = taste.by_term(self);
        let scale = self.inv_norm[row] * taste.inv_norm;
        let mut contributions: Vec<TasteContribution> = self
            .weighted_terms(row)
            .into_iter()
            .filter_map(|(term, weight)| {
                let share = by_term.get(&term)? * weight * scale;
                (share > 0.0).then(|| self.taste_contribution(taste, row, term, share))
            })
            .collect();
        contributions.sort_by(|x, y| {
            y.share
                .total_cmp(&x.share)
                .then_with(|| x.label.cmp(&y.label))
        });
        contributions.truncate(max_features);
        Some(contributions)
    }

    fn taste_contribution(
        &self,
        taste: &Taste,
        row: usize,
        term: u32,
        share: f64,
    ) -> TasteContribution {
        let label = self
            .labels_of(row)
            .find(|label| label.term == term)
            .expect("a film has a label for each term");
        let liked_films = taste
            .liked_rows
            .iter()
            .filter(|&&liked| self.labels_of(liked).any(|label| label.term == term))
            .map(|&liked| self.film_id(liked))
            .collect();
        TasteContribution {
            kind: self.labels.kind(label),
            label: self.labels.text(label).to_owned(),
            share,
            liked_films,
        }
    }
}

impl Taste {
    fn combine(liked: &SlotSum, disliked: &SlotSum, liked_rows: Vec<usize>) -> Taste {
        let scale = |norm: f64, weight: f64| if norm > 0.0 { weight / norm } else { 0.0 };
        let like = scale(liked.norm(), 1.0);
        let dislike = scale(disliked.norm(), DISLIKE_WEIGHT);
        let dense = |l: &[f64], d: &[f64]| -> Vec<f64> {
            l.iter()
                .zip(d)
                .map(|(l, d)| l * like - d * dislike)
                .collect()
        };
        let heavy = dense(&liked.heavy, &disliked.heavy);
        let exclusive = dense(&liked.exclusive, &disliked.exclusive);
        let mut light: FxHashMap<u32, f64> = FxHashMap::default();
        for (&slot, &weight) in &liked.light {
            *light.entry(slot).or_insert(0.0) += weight * like;
        }
        for (&slot, &weight) in &disliked.light {
            *light.entry(slot).or_insert(0.0) -= weight * dislike;
        }
        let mut light: Vec<(u32, f64)> = light.into_iter().filter(|&(_, w)| w != 0.0).collect();
        light.sort_unstable_by_key(|&(slot, _)| slot);
        let mut light_liked: Vec<u32> = liked
            .light
            .iter()
            .filter(|&(_, &w)| w > 0.0)
            .map(|(&slot, _)| slot)
            .collect();
        light_liked.sort_unstable();
        let norm = heavy
            .iter()
            .chain(&exclusive)
            .chain(light.iter().map(|(_, w)| w))
            .map(|w| w * w)
            .sum::<f64>()
            .sqrt();
        Taste {
            heavy,
            exclusive,
            light,
            inv_norm: if norm > 0.0 { 1.0 / norm } else { 0.0 },
            heavy_liked: liked.heavy.iter().map(|&w| w > 0.0).collect(),
            exclusive_liked: liked.exclusive.iter().map(|&w| w > 0.0).collect(),
            light_liked,
            input_rows: Vec::new(),
            liked_rows,
            single: None,
        }
    }

    /// The taste as (global term id -> weight), for explanations.
    fn by_term(&self, matrix: &TfIdfMatrix) -> FxHashMap<u32, f64> {
        let heavy = self
            .heavy
            .iter()
            .enumerate()
            .map(|(slot, &w)| (matrix.heavy_term[slot], w));
        let exclusive = self
            .exclusive
            .iter()
            .enumerate()
            .map(|(slot, &w)| (matrix.exclusive_term[slot], w));
        let light = self
            .light
            .iter()
            .map(|&(slot, w)| (matrix.light_term[slot as usize], w));
        heavy
            .chain(exclusive)
            .chain(light)
            .filter(|&(_, w)| w != 0.0)
            .collect()
    }
}
