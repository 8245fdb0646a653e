//! The ranking rules on small indexes, and every page of many random queries against the
//! ranking as first written (kept here as the reference).

use super::*;
use crate::index::FilmTexts;

struct Film {
    title: &'static str,
    original: Option<&'static str>,
    akas: Vec<(&'static str, Option<&'static str>)>,
    persons: Vec<String>,
    votes: i64,
}

/// The ranking as it was first written, every film's hits collected and sorted: what
/// `search` must answer, page for page.
fn search_reference(
    index: &TextIndex,
    query: &str,
    allowed: impl Fn(u32) -> bool,
    keep: usize,
) -> Ranking {
    let mut query_words = words(query);
    query_words.truncate(MAX_QUERY_WORDS);
    if query_words.is_empty() {
        return Ranking::default();
    }
    let count = query_words.len();
    let derived: Vec<FxHashMap<u32, Cost>> = query_words
        .iter()
        .enumerate()
        .map(|(i, word)| derivations(index, word, i + 1 == count))
        .collect();
    let Some(hits) = reference_hits(index, &derived, allowed) else {
        return Ranking::default();
    };
    let films: Vec<&[Hit]> = hits.chunk_by(|a, b| a.row == b.row).collect();
    let total = films.len();
    let mut keyed: Vec<(Key, u32)> = films
        .iter()
        .map(|film| index.key(film, count, reference_typos_and_prefixes(film, count)))
        .collect();
    keyed.sort_unstable();
    keyed.truncate(keep);
    let films = keyed
        .into_iter()
        .map(|(key, text)| key.ranked(text))
        .collect();
    Ranking { total, films }
}

/// Every hit of every query word in the films that have all of them, sorted by row then
/// query word; `None` when no film has them all. The rarest word goes first and sets the
/// candidates; each next word keeps the candidates it also occurs in.
fn reference_hits(
    index: &TextIndex,
    derived: &[FxHashMap<u32, Cost>],
    allowed: impl Fn(u32) -> bool,
) -> Option<Vec<Hit>> {
    let reach = |words: &FxHashMap<u32, Cost>| -> u64 {
        words
            .keys()
            .map(|&word| u64::from(index.word_rows[word as usize]))
            .sum()
    };
    let mut order: Vec<usize> = (0..derived.len()).collect();
    order.sort_by_key(|&i| reach(&derived[i]));
    let mut hits = Vec::new();
    let mut candidates: Option<RowBits> = None;
    for i in order {
        let mut present = RowBits::new(index.films());
        for (&word, &cost) in &derived[i] {
            for posting in index.postings_of(word) {
                for &row in index.rows_of_text(posting.text) {
                    let wanted = match &candidates {
                        Some(candidates) => candidates.contains(row),
                        None => allowed(row),
                    };
                    if wanted {
                        present.insert(row);
                        hits.push(Hit {
                            row,
                            query_word: i as u8,
                            text: posting.text,
                            start: posting.start,
                            end: posting.end,
                            cost,
                        });
                    }
                }
            }
        }
        if present.is_empty() {
            return None;
        }
        candidates = Some(present);
    }
    let candidates = candidates?;
    hits.retain(|hit| candidates.contains(hit.row));
    hits.sort_unstable_by_key(|hit| (hit.row, hit.query_word));
    Some(hits)
}

/// The first two ranking rules of one film from its hits: the typos summed over the query
/// words' best matches, and how many of those are prefixes.
fn reference_typos_and_prefixes(hits: &[Hit], count: usize) -> (u32, u32) {
    let mut best = [Cost {
        typos: u8::MAX,
        prefix: true,
    }; MAX_QUERY_WORDS];
    for hit in hits {
        let word = usize::from(hit.query_word);
        best[word] = best[word].min(hit.cost);
    }
    let best = &best[..count];
    let typos = best.iter().map(|cost| u32::from(cost.typos)).sum();
    let prefixes = best.iter().filter(|cost| cost.prefix).count() as u32;
    (typos, prefixes)
}

/// A set of rows as bits.
struct RowBits {
    words: Vec<u64>,
    any: bool,
}

impl RowBits {
    fn new(rows: usize) -> Self {
        RowBits {
            words: vec![0; rows.div_ceil(64)],
            any: false,
        }
    }
    fn insert(&mut self, row: u32) {
        self.words[row as usize / 64] |= 1 << (row % 64);
        self.any = true;
    }
    fn contains(&self, row: u32) -> bool {
        self.words[row as usize / 64] & (1 << (row % 64)) != 0
    }
    fn is_empty(&self) -> bool {
        !self.any
    }
}

fn film(title: &'static str, votes: i64) -> Film {
    Film {
        title,
        original: None,
        akas: Vec::new(),
        persons: Vec::new(),
        votes,
    }
}

fn index(films: &[Film]) -> TextIndex {
    TextIndex::build(films.iter().map(|film| FilmTexts {
        title: film.title,
        original_title: film.original,
        akas: film.akas.clone(),
        persons: &film.persons,
        popularity: film.votes,
    }))
}

/// The titles `query` finds, best first.
fn titles(films: &[Film], query: &str) -> Vec<&'static str> {
    let index = index(films);
    let ranking = index.search(query, |_| true, 10);
    ranking
        .films
        .iter()
        .map(|ranked| films[ranked.row as usize].title)
        .collect()
}

#[test]
fn accents_case_and_punctuation_do_not_matter() {
    let films = [
        film("Amélie", 10),
        film("Spider-Man", 10),
        film("WALL·E", 10),
        film("Heat", 1),
    ];
    assert_eq!(titles(&films, "amelie"), ["Amélie"]);
    assert_eq!(titles(&films, "AMÉLIE!"), ["Amélie"]);
    assert_eq!(titles(&films, "spiderman"), ["Spider-Man"]);
    assert_eq!(titles(&films, "spider man"), ["Spider-Man"]);
    assert_eq!(titles(&films, "wall e"), ["WALL·E"]);
    assert_eq!(titles(&films, "walle"), ["WALL·E"]);
    assert!(titles(&films, "").is_empty());
    assert!(titles(&films, " -- ").is_empty());
}

#[test]
fn every_word_must_match() {
    let films = [
        film("The Dark Knight", 10),
        film("The Knight Before Christmas", 5),
    ];
    assert_eq!(titles(&films, "dark knight"), ["The Dark Knight"]);
    assert!(titles(&films, "dark christmas").is_empty());
}

#[test]
fn the_last_word_is_also_a_prefix_and_only_the_last() {
    let films = [film("The Godfather", 10), film("Godzilla", 20)];
    assert_eq!(titles(&films, "godf"), ["The Godfather"]);
    assert_eq!(titles(&films, "god"), ["Godzilla", "The Godfather"]);
    assert!(titles(&films, "godf the").is_empty());
}

#[test]
fn typos_by_word_length() {
    let films = [
        film("The Godfather", 10),
        film("Heat", 10),
        film("Amélie", 10),
    ];
    assert_eq!(titles(&films, "godfahter"), ["The Godfather"]);
    assert_eq!(titles(&films, "gotfahter"), ["The Godfather"]);
    assert!(titles(&films, "gxtfahtxr").is_empty());
    assert_eq!(titles(&films, "amelia"), ["Amélie"]);
    // Four letters: no typo allowed.
    assert!(titles(&films, "haet").is_empty());
    assert!(titles(&films, "amxlxe").is_empty());
}

#[test]
fn fewer_typos_then_whole_words_then_the_whole_title_rank_first() {
    let films = [
        film("Bolt", 1000),
        film("Boat", 1),
        film("Bolted", 500),
        film("Bolt Action", 900),
    ];
    // "boat" is an exact word; no typos are allowed in four letters anyway.
    assert_eq!(titles(&films, "boat"), ["Boat"]);
    assert_eq!(titles(&films, "bolt"), ["Bolt", "Bolt Action", "Bolted"]);
    let films = [
        film("Casino Royale", 1000),
        film("Casino", 10),
        film("Cassino", 5000),
    ];
    assert_eq!(
        titles(&films, "casino"),
        ["Casino", "Casino Royale", "Cassino"]
    );
}

#[test]
fn words_close_together_and_in_order_rank_first() {
    let films = [
        film("Knight of the Dark", 1000),
        film("The Dark Knight", 10),
        film("Dark Streets of the Lonely Knight", 5000),
    ];
    assert_eq!(
        titles(&films, "dark knight"),
        [
            "The Dark Knight",
            "Knight of the Dark",
            "Dark Streets of the Lonely Knight"
        ]
    );
}

#[test]
fn a_title_match_ranks_over_a_person_match() {
    let mut by_name = film("Something Else", 1000);
    by_name.persons = vec!["Heat Miser".into()];
    let films = [by_name, film("Heat", 10)];
    assert_eq!(titles(&films, "heat"), ["Heat", "Something Else"]);
    let index = index(&films);
    let ranking = index.search("heat", |_| true, 10);
    assert_eq!(index.matched(ranking.films[1]).field, Field::Person);
}

#[test]
fn original_and_alternate_titles_and_names_match_and_say_so() {
    let mut spirited = film("Spirited Away", 100);
    spirited.original = Some("Sen to Chihiro no kamikakushi");
    spirited.akas = vec![
        ("千と千尋の神隠し", Some("JP")),
        ("Chihiros Reise ins Zauberland", Some("DE")),
    ];
    spirited.persons = vec!["Hayao Miyazaki".into()];
    let mut amelie = film("Amélie", 100);
    amelie.akas = vec![
        ("Le fabuleux destin d'Amélie Poulain", Some("FR")),
        ("Amelie", None),
    ];
    let films = [spirited, amelie];
    let index = index(&films);
    let first = |query: &str| {
        let ranking = index.search(query, |_| true, 1);
        let ranked = ranking.films[0];
        (ranked.row, index.matched(ranked))
    };
    let (row, matched) = first("chihiro");
    assert_eq!(
        (row, matched.field, matched.text),
        (0, Field::OriginalTitle, "Sen to Chihiro no kamikakushi")
    );
    let (_, matched) = first("千尋");
    assert_eq!((matched.field, matched.region), (Field::Aka, Some("JP")));
    let (_, matched) = first("zauberland");
    assert_eq!(matched.region, Some("DE"));
    let (row, matched) = first("fabuleux destin");
    assert_eq!(
        (row, matched.text, matched.region),
        (1, "Le fabuleux destin d'Amélie Poulain", Some("FR"))
    );
    let (row, matched) = first("miyazaki spirited");
    assert_eq!((row, matched.field), (0, Field::Title));
    // "Amelie" is "Amélie" after normalisation: kept once, as the primary title.
    assert_eq!(
        index
            .texts
            .iter()
            .filter(|text| text.field == Field::Aka)
            .count(),
        3
    );
}

#[test]
fn votes_then_row_break_ties_and_the_filter_and_page_apply() {
    let films = [
        film("Heat", 5),
        film("Heat", 10),
        film("Heat", 10),
        film("Heat", 1),
    ];
    assert_eq!(
        index(&films)
            .search("heat", |_| true, 10)
            .films
            .iter()
            .map(|r| r.row)
            .collect::<Vec<_>>(),
        [1, 2, 0, 3]
    );
    let ranking = index(&films).search("heat", |row| row != 1, 2);
    assert_eq!(ranking.total, 3);
    assert_eq!(
        ranking.films.iter().map(|r| r.row).collect::<Vec<_>>(),
        [2, 0]
    );
}

#[test]
fn a_short_page_is_the_start_of_the_full_ranking() {
    // Titles from a small vocabulary, so common words reach most films with every mix of
    // typos, prefixes, whole titles and proximity; votes tie often.
    let vocabulary = [
        "the", "theater", "dark", "darker", "knight", "night", "knights", "de", "del", "star",
        "stars", "start", "war", "wars", "love", "loved", "of", "el", "amor",
    ];
    let mut state = 12345u64;
    let mut next = |bound: usize| {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 33) as usize % bound
    };
    let titles: Vec<&'static str> = (0..600)
        .map(|_| {
            let length = 1 + next(4);
            let title: Vec<&str> = (0..length)
                .map(|_| vocabulary[next(vocabulary.len())])
                .collect();
            &*Box::leak(title.join(" ").into_boxed_str())
        })
        .collect();
    let films: Vec<Film> = titles
        .iter()
        .map(|&title| film(title, next(5) as i64))
        .collect();
    let index = index(&films);
    let rows = |ranking: &Ranking| ranking.films.to_vec();
    for query in [
        "the",
        "th",
        "de",
        "d",
        "dark knight",
        "knight dark",
        "darkk",
        "star wars",
        "sta",
        "love of",
        "el amor",
        "nigth",
        "dark the",
        "wars the",
    ] {
        let full = index.search(query, |row| row % 7 != 0, usize::MAX);
        assert!(full.total > 3, "{query} matches {} films", full.total);
        for keep in [1, 2, 3, 5, 8, 20, 100, full.total] {
            let page = index.search(query, |row| row % 7 != 0, keep);
            assert_eq!(page.total, full.total, "{query}");
            assert_eq!(
                rows(&page),
                full.films[..keep.min(full.total)],
                "{query} {keep}"
            );
        }
    }
}

#[test]
fn every_page_and_suggestion_of_many_random_queries_is_the_reference_ranking() {
    // Words from few syllables, so that many share prefixes (more than
    // MAX_PREFIX_WORDS begin with "k"), are a typo apart, and join; titles, alternate
    // titles and names reuse them, and votes tie often.
    let state = std::cell::Cell::new(987654321u64);
    let next = |bound: usize| {
        state.set(
            state
                .get()
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407),
        );
        (state.get() >> 33) as usize % bound
    };
    let syllables = [
        "ka", "ko", "ta", "to", "ra", "ri", "n", "s", "el", "de", "the",
    ];
    let vocabulary: Vec<String> = (0..400)
        .map(|_| {
            (0..1 + next(4))
                .map(|_| syllables[next(syllables.len())])
                .collect()
        })
        .collect();
    let phrase = |words: usize| -> &'static str {
        let phrase: Vec<&str> = (0..words)
            .map(|_| vocabulary[next(vocabulary.len())].as_str())
            .collect();
        Box::leak(phrase.join(" ").into_boxed_str())
    };
    let films: Vec<Film> = (0..900)
        .map(|_| Film {
            title: phrase(1 + next(4)),
            original: (next(3) == 0).then(|| phrase(1 + next(3))),
            akas: (0..next(3))
                .map(|_| (phrase(1 + next(4)), ["FR", "DE"].get(next(3)).copied()))
                .collect(),
            persons: (0..next(4)).map(|_| phrase(2).to_owned()).collect(),
            votes: next(6) as i64,
        })
        .collect();
    let index = index(&films);
    let mut queries = 0;
    for _ in 0..400 {
        let mut query: Vec<String> = (0..1 + next(3))
            .map(|_| vocabulary[next(vocabulary.len())].clone())
            .collect();
        let last = query.last_mut().expect("a word");
        match next(4) {
            0 => last.truncate(1 + next(last.len())),
            1 if last.len() > 1 => {
                let at = next(last.len() - 1);
                last.replace_range(at..at + 1, "o");
            }
            _ => {}
        }
        let query = query.join(" ");
        let filters: [&dyn Fn(u32) -> bool; 2] = [&|_| true, &|row| row % 5 != 0];
        for allowed in filters {
            let reference = search_reference(&index, &query, allowed, usize::MAX);
            for keep in [1, 2, 3, 5, 8, 13, 20, 50, 100, reference.total, usize::MAX] {
                let page = index.search(&query, allowed, keep);
                assert_eq!(page.total, reference.total, "{query}");
                assert_eq!(
                    page.films,
                    reference.films[..keep.min(reference.total)],
                    "{query}, page of {keep}"
                );
            }
            queries += usize::from(reference.total > 20);
        }
        let reference = search_reference(&index, &query, |_| true, usize::MAX);
        for keep in 1..=20 {
            assert_eq!(
                index.suggest(&query, keep),
                reference.films[..keep.min(reference.total)],
                "suggest {query}, {keep}"
            );
        }
    }
    assert!(
        queries > 200,
        "only {queries} queries match more than 20 films"
    );
}
