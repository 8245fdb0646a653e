//! The JSON forms of films: the original's Film fields (rating as a number, `similarity` 1.0
//! outside the similar route) plus `original_title` and `imdb_url`, and on request the shared
//! features that explain a similarity.

use filmdex_similarity::{Contribution, FeatureKind};
use serde::Serialize;

use super::snapshot::Film;

/// A film as every route returns it.
#[derive(Debug, Serialize)]
pub struct FilmView<'a> {
    pub film_id: i32,
    pub title: &'a str,
    pub year: Option<&'a str>,
    pub duration: Option<i32>,
    pub genres: &'a [String],
    pub rating: Option<f64>,
    pub vote_count: Option<i32>,
    pub persons: &'a [String],
    pub similarity: f64,
    pub original_title: Option<&'a str>,
    pub imdb_url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub explanation: Option<Vec<FeatureView>>,
}

impl<'a> FilmView<'a> {
    pub fn new(film: &'a Film, similarity: f64) -> Self {
        FilmView {
            film_id: film.film_id,
            title: &film.title,
            year: film.year.as_deref(),
            duration: film.duration,
            genres: &film.genres,
            rating: film.rating,
            vote_count: film.vote_count,
            persons: &film.persons,
            similarity,
            original_title: film.original_title.as_deref(),
            imdb_url: film.imdb_url(),
            explanation: None,
        }
    }
}

/// One shared feature and its part of the similarity.
#[derive(Debug, Serialize, PartialEq)]
pub struct FeatureView {
    /// `title_word`, `genre`, `rating`, `person` or `token` (the seed feature set's raw tokens).
    pub kind: &'static str,
    /// For a person: their principal category in the film asked about.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    pub label: String,
    /// This feature's term of the cosine; the shares of all shared features add up to it.
    pub share: f64,
}

impl From<Contribution> for FeatureView {
    fn from(contribution: Contribution) -> Self {
        let (kind, category) = match contribution.kind {
            FeatureKind::TitleWord => ("title_word", None),
            FeatureKind::Genre => ("genre", None),
            FeatureKind::Rating => ("rating", None),
            FeatureKind::Person { category } => ("person", Some(category)),
            FeatureKind::Token => ("token", None),
        };
        FeatureView {
            kind,
            category,
            label: contribution.label,
            share: contribution.share,
        }
    }
}
