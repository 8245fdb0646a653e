//! The JSON forms of films: the original's Film fields (rating as a number, `similarity` 1.0
//! outside the similar route) plus `original_title` and `imdb_url`, and on request the shared
//! features that explain a similarity.

use filmdex_similarity::{Contribution, FeatureKind, TasteContribution};
use filmdex_text::Match;
use serde::{Serialize, Serializer};

use super::films::{Film, FilmTable};
use super::search::SearchResult;
use super::snapshot::{Recommendation, SimilarFilm, Snapshot};

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
    pub imdb_url: ImdbUrl,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub explanation: Option<Vec<FeatureView>>,
    /// With a free-text query: the text that made the film match.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub matched: Option<MatchedView<'a>>,
}

/// What matched a free-text query: which field, its text, and an alternate title's region.
#[derive(Debug, Serialize, PartialEq)]
pub struct MatchedView<'a> {
    pub field: &'static str,
    pub text: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<&'a str>,
}

impl<'a> From<Match<'a>> for MatchedView<'a> {
    fn from(matched: Match<'a>) -> Self {
        MatchedView {
            field: matched.field.name(),
            text: matched.text,
            region: matched.region,
        }
    }
}

/// A film suggested as a query is typed: just enough to show and open it.
#[derive(Debug, Serialize)]
pub struct SuggestionView<'a> {
    pub film_id: i32,
    pub title: &'a str,
    pub year: Option<&'a str>,
    pub matched: MatchedView<'a>,
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
            imdb_url: ImdbUrl(film.film_id),
            explanation: None,
            matched: None,
        }
    }
}

impl<'a> FilmView<'a> {
    /// A similar film, with its explanation when there is one.
    pub fn similar(similar: SimilarFilm<'a>) -> Self {
        let mut view = FilmView::new(similar.film, similar.similarity);
        view.explanation = similar.explanation.map(|explanation| {
            explanation
                .contributions
                .into_iter()
                .map(FeatureView::from)
                .collect()
        });
        view
    }

    /// The films of one page of search results from `table`, each saying what matched when
    /// the search had free text.
    pub fn found(result: &SearchResult, table: &'a FilmTable) -> Vec<Self> {
        let films = table.films();
        let mut views: Vec<FilmView> = result
            .rows
            .iter()
            .map(|&row| FilmView::new(&films[row as usize], 1.0))
            .collect();
        for (view, &ranked) in views.iter_mut().zip(&result.matches) {
            view.matched = Some(table.text_index().matched(ranked).into());
        }
        views
    }

    /// A recommended film, with its explanation when there is one; the liked films the
    /// explanation cites are named by their titles in `snapshot`.
    pub fn recommended(recommended: Recommendation<'a>, snapshot: &Snapshot) -> Self {
        let title_of = |film_id| snapshot.film(film_id).map(|film| film.title.clone());
        let mut view = FilmView::new(recommended.film, recommended.similarity);
        view.explanation = recommended.because.map(|because| {
            because
                .into_iter()
                .map(|feature| FeatureView::of_taste(feature, title_of))
                .collect()
        });
        view
    }
}

/// The JSON list of `films`, written into a buffer sized for them (a film takes about 470
/// bytes) rather than one that doubles its way up.
pub fn films_json(films: &[FilmView]) -> serde_json::Result<Vec<u8>> {
    let mut body = Vec::with_capacity(2 + films.len() * 512);
    serde_json::to_writer(&mut body, films)?;
    Ok(body)
}

/// A film's IMDb page, written straight into the JSON: a list of films would otherwise make
/// a string per film only to copy it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImdbUrl(pub i32);

impl std::fmt::Display for ImdbUrl {
    /// tconsts have at least seven digits.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "https://www.imdb.com/title/tt{:07}/", self.0)
    }
}

impl Serialize for ImdbUrl {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
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
    /// For a recommendation: the liked films that have this feature.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub liked_films: Option<Vec<LikedFilm>>,
}

/// A liked film named in a recommendation's explanation.
#[derive(Debug, Serialize, PartialEq)]
pub struct LikedFilm {
    pub film_id: i32,
    pub title: String,
}

/// The JSON names of a feature kind, and a person's category.
fn kind_names(kind: FeatureKind) -> (&'static str, Option<String>) {
    match kind {
        FeatureKind::TitleWord => ("title_word", None),
        FeatureKind::Genre => ("genre", None),
        FeatureKind::Rating => ("rating", None),
        FeatureKind::Person { category } => ("person", Some(category)),
        FeatureKind::Token => ("token", None),
    }
}

impl FeatureView {
    /// A feature of a recommended film, with the liked films it comes from (`title_of` names
    /// them).
    pub fn of_taste(
        contribution: TasteContribution,
        title_of: impl Fn(i32) -> Option<String>,
    ) -> Self {
        let (kind, category) = kind_names(contribution.kind);
        let liked_films = contribution
            .liked_films
            .into_iter()
            .map(|film_id| LikedFilm {
                film_id,
                title: title_of(film_id).unwrap_or_default(),
            })
            .collect();
        FeatureView {
            kind,
            category,
            label: contribution.label,
            share: contribution.share,
            liked_films: Some(liked_films),
        }
    }
}

impl From<Contribution> for FeatureView {
    fn from(contribution: Contribution) -> Self {
        let (kind, category) = kind_names(contribution.kind);
        FeatureView {
            kind,
            category,
            label: contribution.label,
            share: contribution.share,
            liked_films: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn imdb_urls_are_zero_padded_to_seven_digits() {
        assert_eq!(
            ImdbUrl(99785).to_string(),
            "https://www.imdb.com/title/tt0099785/"
        );
    }
}
