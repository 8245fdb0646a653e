//! Why two films are similar: the similarity split into the terms they share.

use std::cmp::Ordering;

use crate::features::{FeatureKind, Label};
use crate::kernel::pair_score;
use crate::matrix::TfIdfMatrix;

/// A similarity and the shared features it is made of.
#[derive(Debug, Clone, PartialEq)]
pub struct Explanation {
    pub similarity: f64,
    /// Highest share first (ties by label); at most the `max_features` asked for.
    pub contributions: Vec<Contribution>,
}

/// One shared feature's part of a similarity.
#[derive(Debug, Clone, PartialEq)]
pub struct Contribution {
    pub kind: FeatureKind,
    /// The feature as people read it: the title word, genre, rating, person name or token.
    /// In seed mode, tokens of the two films that fell into one hash bucket are joined by " / ".
    pub label: String,
    /// This feature's term of the dot product of the two normalised vectors: the shares of
    /// all shared features sum to the similarity (up to rounding).
    pub share: f64,
}

impl TfIdfMatrix {
    /// The similarity of films `a` and `b` (bit-identical to the one the neighbour lists
    /// report) and its `max_features` largest contributions; `None` when a film is unknown.
    pub fn explain(&self, a: i32, b: i32, max_features: usize) -> Option<Explanation> {
        let (ra, rb) = (self.index_of(a)?, self.index_of(b)?);
        let similarity = pair_score(self, ra, rb);
        let mut terms_a = self.weighted_terms(ra);
        let mut terms_b = self.weighted_terms(rb);
        terms_a.sort_unstable_by_key(|&(t, _)| t);
        terms_b.sort_unstable_by_key(|&(t, _)| t);
        let scale = self.inv_norm[ra] * self.inv_norm[rb];
        let mut contributions: Vec<Contribution> = shared_terms(&terms_a, &terms_b)
            .map(|(term, w_a, w_b)| self.contribution(ra, rb, term, w_a * w_b * scale))
            .collect();
        contributions.sort_by(|x, y| {
            y.share
                .total_cmp(&x.share)
                .then_with(|| x.label.cmp(&y.label))
        });
        contributions.truncate(max_features);
        Some(Explanation {
            similarity,
            contributions,
        })
    }

    /// The similarity of two films, `None` when either is unknown.
    pub fn similarity(&self, a: i32, b: i32) -> Option<f64> {
        Some(pair_score(self, self.index_of(a)?, self.index_of(b)?))
    }

    fn contribution(&self, a: usize, b: usize, term: u32, share: f64) -> Contribution {
        let of_term = |label: &&Label| label.term == term;
        let first = self
            .labels_of(a)
            .find(of_term)
            .expect("a film has a label for each term");
        let mut texts: Vec<&str> = Vec::new();
        for label in self
            .labels_of(a)
            .filter(of_term)
            .chain(self.labels_of(b).filter(of_term))
        {
            let text = self.labels.text(label);
            if !texts.contains(&text) {
                texts.push(text);
            }
        }
        Contribution {
            kind: self.labels.kind(first),
            label: texts.join(" / "),
            share,
        }
    }
}

/// (term, weight in a, weight in b) for the terms both sorted lists have.
fn shared_terms<'a>(
    a: &'a [(u32, f64)],
    b: &'a [(u32, f64)],
) -> impl Iterator<Item = (u32, f64, f64)> + 'a {
    let (mut i, mut j) = (0, 0);
    std::iter::from_fn(move || {
        while i < a.len() && j < b.len() {
            match a[i].0.cmp(&b[j].0) {
                Ordering::Less => i += 1,
                Ordering::Greater => j += 1,
                Ordering::Equal => {
                    let item = (a[i].0, a[i].1, b[j].1);
                    i += 1;
                    j += 1;
                    return Some(item);
                }
            }
        }
        None
    })
}
