//! `filmdex similar`, `filmdex recommend` and `filmdex search`: the server's answers read straight from the
//! database file, no server needed. The file is loaded as the server loads it, the same
//! snapshot answers, and `--json` prints what the API would send.

use std::fmt::Write as _;
use std::path::PathBuf;

use anyhow::{Context, Result};

use crate::exit::ExitKind;
use crate::serve::{self, Criteria, FilmView, Page, RegexCache, SearchQuery, Snapshot};

/// What `filmdex similar` asks.
#[derive(Debug, Clone)]
pub struct SimilarRequest {
    pub database: PathBuf,
    /// A film_id, a tconst (tt0099785) or a title.
    pub film: String,
    pub threshold: f64,
    pub filters: SearchQuery,
    pub page: Page,
    pub explain: bool,
    pub json: bool,
}

/// What `filmdex recommend` asks.
#[derive(Debug, Clone)]
pub struct RecommendRequest {
    pub database: PathBuf,
    /// Films as ids, tconsts or titles.
    pub like: Vec<String>,
    pub dislike: Vec<String>,
    pub filters: SearchQuery,
    pub page: Page,
    pub explain: bool,
    pub json: bool,
}

/// What `filmdex search` asks: the free text and any criteria, as the API takes them.
#[derive(Debug, Clone)]
pub struct SearchRequest {
    pub database: PathBuf,
    pub query: SearchQuery,
    pub page: Page,
    pub json: bool,
}

/// Prints the films a free-text search finds, best first (or in the asked order).
pub fn search(request: &SearchRequest) -> Result<()> {
    let snapshot = serve::load(&request.database).map_err(|error| ExitKind::Data.mark(error))?;
    let mut query = request.query.clone();
    query.limit = Some(request.page.limit as i64);
    query.offset = Some(request.page.offset as i64);
    let criteria = Criteria::compile(&query, &RegexCache::default())
        .map_err(|error| ExitKind::Usage.error(error.message))?;
    let result = serve::search(snapshot.table(), &criteria);
    let views = FilmView::found(&result, snapshot.table());
    if request.json {
        print!("{}", render(&views, result.total, true)?);
        return Ok(());
    }
    print!("{}", render_found(&views, result.total)?);
    Ok(())
}

/// Found films as a table: rank, id, year, rating, votes, title, and what matched when it is
/// not the title itself.
fn render_found(films: &[FilmView], total: usize) -> Result<String> {
    let mut out = String::new();
    writeln!(
        out,
        "{:>4}  {:>9}  {:>4}  {:>6}  {:>9}  title",
        "#", "film_id", "year", "rating", "votes"
    )?;
    for (rank, film) in films.iter().enumerate() {
        let year = film.year.map_or("", |year| &year[..4.min(year.len())]);
        let rating = film.rating.map_or(String::new(), |r| format!("{r:.1}"));
        let votes = film.vote_count.map_or(String::new(), |v| v.to_string());
        write!(
            out,
            "{:>4}  {:>9}  {:>4}  {:>6}  {:>9}  {}",
            rank + 1,
            film.film_id,
            year,
            rating,
            votes,
            film.title
        )?;
        match &film.matched {
            Some(matched) if matched.field != "title" => {
                let region = matched.region.map_or(String::new(), |r| format!(", {r}"));
                writeln!(out, "  ({}{region}: {})", matched.field, matched.text)?;
            }
            _ => writeln!(out)?,
        }
    }
    writeln!(out, "{} of {total} films", films.len())?;
    Ok(out)
}

/// Prints the films similar to one film.
pub fn similar(request: &SimilarRequest) -> Result<()> {
    let snapshot = serve::load(&request.database).map_err(|error| ExitKind::Data.mark(error))?;
    let film_id = resolve(&snapshot, &request.film)?;
    let allowed = filter(&snapshot, &request.filters)?;
    let (similar, total) = snapshot
        .similar_films(
            film_id,
            request.threshold,
            allowed.as_ref(),
            request.page,
            request.explain,
        )
        .context("the film went missing from the database")?;
    let views: Vec<FilmView> = similar.into_iter().map(FilmView::similar).collect();
    print!("{}", render(&views, total, request.json)?);
    Ok(())
}

/// Prints the films recommended for a list of liked and disliked films.
pub fn recommend(request: &RecommendRequest) -> Result<()> {
    if request.like.is_empty() {
        return Err(ExitKind::Usage.error("--like must name at least one film"));
    }
    let snapshot = serve::load(&request.database).map_err(|error| ExitKind::Data.mark(error))?;
    let ids = |films: &[String]| -> Result<Vec<i32>> {
        films.iter().map(|film| resolve(&snapshot, film)).collect()
    };
    let (like, dislike) = (ids(&request.like)?, ids(&request.dislike)?);
    let taste = snapshot.taste(&like, &dislike)?;
    let allowed = filter(&snapshot, &request.filters)?;
    let (films, total) =
        snapshot.recommend(&taste, allowed.as_ref(), request.page, request.explain);
    let views: Vec<FilmView> = films
        .into_iter()
        .map(|film| FilmView::recommended(film, &snapshot))
        .collect();
    print!("{}", render(&views, total, request.json)?);
    Ok(())
}

fn filter(snapshot: &Snapshot, filters: &SearchQuery) -> Result<Option<serve::RowSet>> {
    serve::filter(snapshot.table(), filters, &RegexCache::default())
        .map_err(|error| ExitKind::Usage.error(error.message))
}

/// The film a person means by `text`: a film_id, a tconst, or a title. A title matches
/// exactly (ignoring case) first, then as a part of a title; among several, the film with the
/// most votes is taken, and the others are named in the log.
pub fn resolve(snapshot: &Snapshot, text: &str) -> Result<i32> {
    let trimmed = text.trim();
    let digits = trimmed
        .strip_prefix("tt")
        .or_else(|| trimmed.strip_prefix("TT"))
        .unwrap_or(trimmed);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        let film_id: i32 = digits
            .parse()
            .map_err(|error| ExitKind::Usage.error(format!("{text} is not a film_id: {error}")))?;
        return match snapshot.film(film_id) {
            Some(_) => Ok(film_id),
            None => Err(ExitKind::Usage.error(format!("no film has film_id {film_id}"))),
        };
    }
    let wanted = trimmed.to_lowercase();
    let exact = |title: &str| title.to_lowercase() == wanted;
    let partial = |title: &str| title.to_lowercase().contains(&wanted);
    for matches in [&exact as &dyn Fn(&str) -> bool, &partial] {
        let mut found: Vec<_> = snapshot
            .films()
            .iter()
            .filter(|film| {
                matches(&film.title) || film.original_title.as_deref().is_some_and(matches)
            })
            .collect();
        found.sort_by_key(|film| (std::cmp::Reverse(film.vote_count), film.film_id));
        if let Some(best) = found.first() {
            if found.len() > 1 {
                tracing::info!(
                    chosen = %best.title,
                    film_id = best.film_id,
                    others = found.len() - 1,
                    "`{text}` matches several films; taking the one with the most votes"
                );
            }
            return Ok(best.film_id);
        }
    }
    Err(ExitKind::Usage.error(format!(
        "no film is called `{text}`; give a film_id, a tconst (tt0099785) or a title"
    )))
}

/// The films as the API's JSON, or as a table for people: rank, similarity, id, year, rating,
/// title, and under each film the features that explain it.
fn render(films: &[FilmView], total: usize, json: bool) -> Result<String> {
    if json {
        let mut text = serde_json::to_string_pretty(films)?;
        text.push('\n');
        return Ok(text);
    }
    let mut out = String::new();
    writeln!(
        out,
        "{:>4}  {:>10}  {:>9}  {:>4}  {:>6}  title",
        "#", "similarity", "film_id", "year", "rating"
    )?;
    for (rank, film) in films.iter().enumerate() {
        let year = film.year.map_or("", |year| &year[..4.min(year.len())]);
        let rating = film.rating.map_or(String::new(), |r| format!("{r:.1}"));
        writeln!(
            out,
            "{:>4}  {:>10.4}  {:>9}  {:>4}  {:>6}  {}",
            rank + 1,
            film.similarity,
            film.film_id,
            year,
            rating,
            film.title
        )?;
        for feature in film.explanation.iter().flatten() {
            let kind = feature.category.as_deref().unwrap_or(feature.kind);
            let from = feature.liked_films.as_ref().map_or(String::new(), |liked| {
                let titles: Vec<&str> = liked.iter().map(|film| film.title.as_str()).collect();
                format!(": {}", titles.join(", "))
            });
            writeln!(
                out,
                "        {:>6.4}  {kind} {}{from}",
                feature.share, feature.label
            )?;
        }
    }
    writeln!(out, "{} of {total} films", films.len())?;
    Ok(out)
}
