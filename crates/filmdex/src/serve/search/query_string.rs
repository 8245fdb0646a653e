//! [`SearchQuery`] as URL query parameters, both ways: `GET /film/search?...` parses them, and
//! the `Link` headers of every search (GET or POST) render them, so a page of results always
//! has a shareable URL. Lists repeat their key (`genres=Action&genres=Drama`), because names
//! may contain commas.

use super::SearchQuery;
use crate::serve::error::ApiError;

/// Every parameter, in the order links render them.
pub const FIELDS: [&str; 20] = [
    "q",
    "title",
    "person",
    "genre",
    "persons",
    "genres",
    "persons_any",
    "genres_any",
    "earliest_date",
    "latest_date",
    "year_from",
    "year_to",
    "min_rating",
    "max_rating",
    "vote_count",
    "min_duration",
    "max_duration",
    "sort",
    "limit",
    "offset",
];

/// Parses a raw query string (`None` or "" is the empty search).
pub fn parse(query: Option<&str>) -> Result<SearchQuery, ApiError> {
    parse_with(query, &[]).map(|(search, _)| search)
}

/// Parses a raw query string of a route that takes the search criteria and parameters of its
/// own: the pairs whose key is in `own` are returned as they are, in order.
pub fn parse_with(
    query: Option<&str>,
    own: &[&str],
) -> Result<(SearchQuery, Vec<(String, String)>), ApiError> {
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(query.unwrap_or("")).map_err(|error| {
            ApiError::invalid_parameter(format!("the query string does not parse: {error}"))
        })?;
    let mut search = SearchQuery::default();
    let mut kept = Vec::new();
    for (key, value) in pairs {
        if own.contains(&key.as_str()) {
            kept.push((key, value));
        } else {
            apply(&mut search, &key, value, own)?;
        }
    }
    Ok((search, kept))
}

fn apply(query: &mut SearchQuery, key: &str, value: String, own: &[&str]) -> Result<(), ApiError> {
    match key {
        "q" => set(&mut query.q, key, value),
        "title" => set(&mut query.title, key, value),
        "person" => set(&mut query.person, key, value),
        "genre" => set(&mut query.genre, key, value),
        "persons" => push(&mut query.persons, value),
        "genres" => push(&mut query.genres, value),
        "persons_any" => push(&mut query.persons_any, value),
        "genres_any" => push(&mut query.genres_any, value),
        "earliest_date" => set(&mut query.earliest_date, key, value),
        "latest_date" => set(&mut query.latest_date, key, value),
        "year_from" => set(&mut query.year_from, key, integer(key, &value)?),
        "year_to" => set(&mut query.year_to, key, integer(key, &value)?),
        "min_rating" => set(&mut query.min_rating, key, number(key, &value)?),
        "max_rating" => set(&mut query.max_rating, key, number(key, &value)?),
        "vote_count" => set(&mut query.vote_count, key, integer(key, &value)?),
        "min_duration" => set(&mut query.min_duration, key, integer(key, &value)?),
        "max_duration" => set(&mut query.max_duration, key, integer(key, &value)?),
        "sort" => set(&mut query.sort, key, value),
        "limit" => set(&mut query.limit, key, integer(key, &value)?),
        "offset" => set(&mut query.offset, key, integer(key, &value)?),
        _ => Err(ApiError::invalid_parameter(format!(
            "unknown query parameter `{}`; expected one of {}",
            shorten(key),
            own.iter()
                .chain(&FIELDS)
                .copied()
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

fn set<T>(slot: &mut Option<T>, key: &str, value: T) -> Result<(), ApiError> {
    if slot.is_some() {
        return Err(ApiError::invalid_parameter(format!(
            "{key} is given more than once"
        )));
    }
    *slot = Some(value);
    Ok(())
}

fn push(slot: &mut Option<Vec<String>>, value: String) -> Result<(), ApiError> {
    slot.get_or_insert_with(Vec::new).push(value);
    Ok(())
}

pub fn integer<T: std::str::FromStr>(key: &str, value: &str) -> Result<T, ApiError> {
    value.trim().parse().map_err(|_| {
        ApiError::invalid_parameter(format!(
            "{key} must be an integer, got `{}`",
            shorten(value)
        ))
    })
}

fn number(key: &str, value: &str) -> Result<f64, ApiError> {
    match value.trim().parse::<f64>() {
        Ok(number) if number.is_finite() => Ok(number),
        _ => Err(ApiError::invalid_parameter(format!(
            "{key} must be a finite number, got `{}`",
            shorten(value)
        ))),
    }
}

/// Echoes at most 100 characters of client input in a message.
pub fn shorten(text: &str) -> String {
    match text.char_indices().nth(100) {
        Some((end, _)) => format!("{}...", &text[..end]),
        None => text.to_owned(),
    }
}

/// The criteria as query pairs, without `limit` and `offset` (the links set those).
pub fn render(query: &SearchQuery) -> Vec<(&'static str, String)> {
    let mut pairs = Vec::new();
    let mut text = |key: &'static str, value: &Option<String>| {
        if let Some(value) = value {
            pairs.push((key, value.clone()));
        }
    };
    text("q", &query.q);
    text("title", &query.title);
    text("person", &query.person);
    text("genre", &query.genre);
    let lists = [
        ("persons", &query.persons),
        ("genres", &query.genres),
        ("persons_any", &query.persons_any),
        ("genres_any", &query.genres_any),
    ];
    for (key, values) in lists {
        pairs.extend(values.iter().flatten().map(|value| (key, value.clone())));
    }
    let mut other =
        |key: &'static str, value: Option<String>| pairs.extend(value.map(|value| (key, value)));
    other("earliest_date", query.earliest_date.clone());
    other("latest_date", query.latest_date.clone());
    other("year_from", query.year_from.map(|v| v.to_string()));
    other("year_to", query.year_to.map(|v| v.to_string()));
    other("min_rating", query.min_rating.map(|v| v.to_string()));
    other("max_rating", query.max_rating.map(|v| v.to_string()));
    other("vote_count", query.vote_count.map(|v| v.to_string()));
    other("min_duration", query.min_duration.map(|v| v.to_string()));
    other("max_duration", query.max_duration.map(|v| v.to_string()));
    other("sort", query.sort.clone());
    pairs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_repeat_their_key_and_numbers_parse() {
        let query = parse(Some(
            "genres=Action&genres=Sci-Fi&min_rating=7.5&year_from=1990&title=star%20wars",
        ))
        .expect("valid");
        assert_eq!(query.genres, Some(vec!["Action".into(), "Sci-Fi".into()]));
        assert_eq!(query.min_rating, Some(7.5));
        assert_eq!(query.year_from, Some(1990));
        assert_eq!(query.title.as_deref(), Some("star wars"));
    }

    #[test]
    fn unknown_repeated_and_malformed_parameters_are_refused() {
        for bad in [
            "colour=red",
            "title=a&title=b",
            "limit=ten",
            "min_rating=NaN",
            "vote_count=1e99",
        ] {
            let error = parse(Some(bad)).expect_err(bad);
            assert_eq!(error.code.as_str(), "invalid_parameter", "{bad}");
        }
    }

    #[test]
    fn rendering_then_parsing_gives_the_same_criteria() {
        let query = SearchQuery {
            q: Some("amélie poulain".into()),
            title: Some("wars.*i".into()),
            persons: Some(vec!["George Lucas".into(), "Lastname, Jr.".into()]),
            genres_any: Some(vec!["Sci-Fi".into()]),
            earliest_date: Some("1970-01-01".into()),
            min_rating: Some(3.2),
            max_duration: Some(240),
            sort: Some("-rating".into()),
            ..Default::default()
        };
        let text = serde_urlencoded::to_string(render(&query)).expect("encodes");
        assert_eq!(parse(Some(&text)).expect("parses back"), query);
    }
}
