//! A query set made from films, the way people look for a film: its exact title, the title in
//! lower case without accents, the title with one typo, the title typed up to a 4-letter
//! prefix, its original title, one of its alternate titles, and a director's name with a title
//! word. Each query knows the film it is meant to find. Deterministic: the same films give the
//! same queries, so tests and benchmarks (and other engines) run the very same set.

use crate::normalise::{normalised, words};
use crate::TextIndex;

/// What a query is made from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum QueryKind {
    ExactTitle,
    LowerCaseNoAccents,
    OneTypo,
    Prefix,
    OriginalTitle,
    AlternateTitle,
    DirectorAndTitleWord,
}

impl QueryKind {
    pub fn name(self) -> &'static str {
        match self {
            QueryKind::ExactTitle => "exact title",
            QueryKind::LowerCaseNoAccents => "lower case, no accents",
            QueryKind::OneTypo => "one typo",
            QueryKind::Prefix => "4-letter prefix",
            QueryKind::OriginalTitle => "original title",
            QueryKind::AlternateTitle => "alternate title",
            QueryKind::DirectorAndTitleWord => "director + title word",
        }
    }
}

/// The texts of one film that queries are made from.
#[derive(Debug, Clone, Default)]
pub struct QuerySource {
    pub row: u32,
    pub title: String,
    pub original_title: Option<String>,
    pub akas: Vec<String>,
    pub directors: Vec<String>,
}

/// One query and the film it is meant to find.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    pub kind: QueryKind,
    pub text: String,
    pub row: u32,
}

/// Every query the film can give (a kind is left out when the film has nothing for it).
pub fn queries_of(film: &QuerySource) -> Vec<Query> {
    let query = |kind, text: String| Query {
        kind,
        text,
        row: film.row,
    };
    let title_spelling = normalised(&film.title);
    let mut queries = Vec::new();
    if title_spelling.is_empty() {
        return queries;
    }
    queries.push(query(QueryKind::ExactTitle, film.title.clone()));
    queries.push(query(QueryKind::LowerCaseNoAccents, title_spelling.clone()));
    if let Some(typo) = with_one_typo(&title_spelling) {
        queries.push(query(QueryKind::OneTypo, typo));
    }
    if let Some(prefix) = typed_up_to_a_prefix(&title_spelling) {
        queries.push(query(QueryKind::Prefix, prefix));
    }
    let mut seen = vec![title_spelling.clone()];
    if let Some(original) = &film.original_title {
        let spelling = normalised(original);
        if !spelling.is_empty() && !seen.contains(&spelling) {
            queries.push(query(QueryKind::OriginalTitle, original.clone()));
            seen.push(spelling);
        }
    }
    let aka = film.akas.iter().find(|aka| {
        let spelling = normalised(aka);
        !spelling.is_empty() && !seen.contains(&spelling)
    });
    if let Some(aka) = aka {
        queries.push(query(QueryKind::AlternateTitle, aka.clone()));
    }
    let director_word = film
        .directors
        .first()
        .and_then(|director| words(director).pop());
    let title_word = words(&film.title)
        .into_iter()
        .filter(|word| word.chars().count() >= 4)
        .max_by_key(|word| word.chars().count());
    if let (Some(name), Some(word)) = (director_word, title_word) {
        queries.push(query(
            QueryKind::DirectorAndTitleWord,
            format!("{name} {word}"),
        ));
    }
    queries
}

/// The title with its longest word of 5 letters or more given one typo: its second and third
/// letters swapped ("godfather" -> "gdofather"), or, when they are the same, its third letter
/// left out.
fn with_one_typo(spelling: &str) -> Option<String> {
    let mut title_words: Vec<String> = spelling.split(' ').map(str::to_owned).collect();
    let (index, _) = title_words
        .iter()
        .enumerate()
        .filter(|(_, word)| word.chars().count() >= 5)
        .max_by_key(|(index, word)| (word.chars().count(), std::cmp::Reverse(*index)))?;
    let mut letters: Vec<char> = title_words[index].chars().collect();
    if letters[1] != letters[2] {
        letters.swap(1, 2);
    } else {
        letters.remove(2);
    }
    title_words[index] = letters.into_iter().collect();
    Some(title_words.join(" "))
}

/// The title as typed until the first 4 letters of its first word of 5 letters or more
/// ("the godfather part ii" -> "the godf").
fn typed_up_to_a_prefix(spelling: &str) -> Option<String> {
    let title_words: Vec<&str> = spelling.split(' ').collect();
    let index = title_words
        .iter()
        .position(|word| word.chars().count() >= 5)?;
    let mut typed: Vec<String> = title_words[..index]
        .iter()
        .map(|word| (*word).to_owned())
        .collect();
    typed.push(title_words[index].chars().take(4).collect());
    Some(typed.join(" "))
}

/// How a query set fared: how often the intended film came first, in the top 3, the mean
/// reciprocal rank, and the queries left out as ambiguous.
#[derive(Debug, Clone, Default)]
pub struct Evaluation {
    pub queries: usize,
    pub first: usize,
    pub top_three: usize,
    pub reciprocal_rank_sum: f64,
    /// Queries whose intended film ties with another film on every text rule (only votes or
    /// film_id would tell them apart, say two films called "Amélie"): the intended film cannot
    /// be known from the text, so they are not counted.
    pub ambiguous: usize,
    /// Of the ambiguous queries, how many still had the intended film first and in the top 3
    /// (the tie broken by votes, then film_id, as the ranking does).
    pub ambiguous_first: usize,
    pub ambiguous_top_three: usize,
    /// Queries whose film did not come first, with the rank it came at (`None`: not found).
    pub misses: Vec<(Query, Option<usize>)>,
}

impl Evaluation {
    pub fn first_share(&self) -> f64 {
        self.first as f64 / self.queries.max(1) as f64
    }
    pub fn top_three_share(&self) -> f64 {
        self.top_three as f64 / self.queries.max(1) as f64
    }
    pub fn mean_reciprocal_rank(&self) -> f64 {
        self.reciprocal_rank_sum / self.queries.max(1) as f64
    }
}

/// Runs every query over `index` and scores where the intended film came.
pub fn evaluate(index: &TextIndex, queries: &[Query]) -> Evaluation {
    let mut evaluation = Evaluation::default();
    for query in queries {
        let ranking = index.search(&query.text, |_| true, usize::MAX);
        let position = ranking
            .films
            .iter()
            .position(|ranked| ranked.row == query.row);
        if let Some(position) = position {
            let relevance = ranking.films[position].relevance;
            let ties = ranking
                .films
                .iter()
                .filter(|ranked| ranked.relevance == relevance)
                .count();
            if ties > 1 {
                evaluation.ambiguous += 1;
                evaluation.ambiguous_first += usize::from(position == 0);
                evaluation.ambiguous_top_three += usize::from(position < 3);
                continue;
            }
        }
        evaluation.queries += 1;
        match position {
            Some(0) => evaluation.first += 1,
            other => evaluation.misses.push((query.clone(), other)),
        }
        if let Some(position) = position {
            if position < 3 {
                evaluation.top_three += 1;
            }
            evaluation.reciprocal_rank_sum += 1.0 / (position + 1) as f64;
        }
    }
    evaluation
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_film_gives_one_query_of_each_kind_it_can() {
        let film = QuerySource {
            row: 7,
            title: "Amélie".into(),
            original_title: Some("Le fabuleux destin d'Amélie Poulain".into()),
            akas: vec!["Amelie".into(), "Die fabelhafte Welt der Amélie".into()],
            directors: vec!["Jean-Pierre Jeunet".into()],
        };
        let texts: Vec<(QueryKind, String)> = queries_of(&film)
            .into_iter()
            .map(|query| (query.kind, query.text))
            .collect();
        assert_eq!(
            texts,
            [
                (QueryKind::ExactTitle, "Amélie".to_owned()),
                (QueryKind::LowerCaseNoAccents, "amelie".to_owned()),
                (QueryKind::OneTypo, "aemlie".to_owned()),
                (QueryKind::Prefix, "amel".to_owned()),
                (
                    QueryKind::OriginalTitle,
                    "Le fabuleux destin d'Amélie Poulain".to_owned()
                ),
                (
                    QueryKind::AlternateTitle,
                    "Die fabelhafte Welt der Amélie".to_owned()
                ),
                (QueryKind::DirectorAndTitleWord, "jeunet amelie".to_owned()),
            ]
        );
    }

    #[test]
    fn typos_and_prefixes_need_a_long_enough_word() {
        assert_eq!(with_one_typo("the godfather"), Some("the gdofather".into()));
        assert_eq!(with_one_typo("a bee"), None);
        assert_eq!(with_one_typo("apple"), Some("aple".into()));
        assert_eq!(
            typed_up_to_a_prefix("the godfather part ii"),
            Some("the godf".into())
        );
        assert_eq!(typed_up_to_a_prefix("up"), None);
    }
}
