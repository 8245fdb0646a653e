//! What a film is made of: the input records, the two feature sets and how a film becomes terms.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use crate::murmur3::spark_bucket;

/// Number of buckets of the original's `HashingTF` (2^18).
pub(crate) const SEED_BUCKETS: u32 = 1 << 18;

/// Which terms describe a film.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum FeatureSet {
    /// The original PySpark job exactly: comma-split raw tokens hashed into 2^18 buckets.
    Seed,
    /// Typed exact terms: title words, genres, the rating and persons by nconst.
    #[default]
    Default,
}

impl FeatureSet {
    fn name(self) -> &'static str {
        match self {
            FeatureSet::Seed => "seed",
            FeatureSet::Default => "default",
        }
    }
}

impl fmt::Display for FeatureSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The error of parsing a [`FeatureSet`] from a name other than `seed` or `default`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseFeatureSetError(String);

impl fmt::Display for ParseFeatureSetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown feature set `{}`, expected `seed` or `default`",
            self.0
        )
    }
}

impl std::error::Error for ParseFeatureSetError {}

impl FromStr for FeatureSet {
    type Err = ParseFeatureSetError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "seed" => Ok(FeatureSet::Seed),
            "default" => Ok(FeatureSet::Default),
            other => Err(ParseFeatureSetError(other.to_owned())),
        }
    }
}

/// One principal of a film.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Person {
    /// The nconst, e.g. `nm0000184`.
    pub id: String,
    pub name: String,
    /// The principal category: `director`, `actor`, ...
    pub category: String,
}

/// One row of the films table, as far as similarity cares.
#[derive(Debug, Clone, PartialEq)]
pub struct FilmRecord {
    pub film_id: i32,
    pub title: String,
    pub genres: Vec<String>,
    /// The DECIMAL(4,2) value, e.g. 7.7.
    pub rating: f64,
    /// In billing order.
    pub persons: Vec<Person>,
}

/// What kind of feature a contribution to a similarity comes from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum FeatureKind {
    TitleWord,
    Genre,
    Rating,
    /// A person, with the category they have in the first film of the explained pair.
    Person {
        category: String,
    },
    /// A raw token of the seed feature set (a hash bucket).
    Token,
}

/// A readable name for one term as it occurs in one film.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Label {
    pub term: u32,
    pub kind: FeatureKind,
    pub text: String,
}

/// Interns terms and labels while films are read, so that each distinct string is stored once
/// and term ids are given in order of first appearance (which makes them deterministic).
#[derive(Default)]
pub(crate) struct Vocabulary {
    pub labels: Vec<Label>,
    pub term_count: u32,
    /// Terms some film got from its rating: the candidates for the exclusive heavy terms.
    pub rating_terms: Vec<u32>,
    /// Per kind, because a title word "star" and a genre "star" are different terms.
    words: HashMap<String, u32>,
    genres: HashMap<String, u32>,
    ratings: HashMap<String, u32>,
    /// nconst to term id; the label also depends on the category, see `person_labels`.
    persons: HashMap<String, u32>,
    categories: HashMap<String, u32>,
    person_labels: HashMap<(u32, u32), u32>,
    /// Seed mode: raw token to label id; a token's bucket is its term.
    tokens: HashMap<String, u32>,
    buckets: HashMap<u32, u32>,
    /// Reused buffers, so reading a film allocates only for strings never seen before.
    text: String,
    word: String,
}

impl Vocabulary {
    /// Pushes the label id of every term occurrence of `film` (a term occurring twice is
    /// pushed twice: that is its term frequency).
    pub fn read_film(&mut self, film: &FilmRecord, set: FeatureSet, out: &mut Vec<u32>) {
        match set {
            FeatureSet::Seed => self.read_seed(film, out),
            FeatureSet::Default => self.read_default(film, out),
        }
    }

    fn new_term(&mut self) -> u32 {
        self.term_count += 1;
        self.term_count - 1
    }

    fn new_label(&mut self, term: u32, kind: FeatureKind, text: &str) -> u32 {
        let id = u32::try_from(self.labels.len()).expect("fewer than 2^32 labels");
        self.labels.push(Label {
            term,
            kind,
            text: text.to_owned(),
        });
        id
    }

    /// The label of a term whose label is the same in every film (all but persons).
    fn simple(&mut self, kind: FeatureKind, text: &str) -> u32 {
        if let Some(&label) = self.simple_map(&kind).get(text) {
            return label;
        }
        let term = self.new_term();
        let label = self.new_label(term, kind.clone(), text);
        self.simple_map(&kind).insert(text.to_owned(), label);
        label
    }

    fn simple_map(&mut self, kind: &FeatureKind) -> &mut HashMap<String, u32> {
        match kind {
            FeatureKind::TitleWord => &mut self.words,
            FeatureKind::Genre => &mut self.genres,
            FeatureKind::Rating => &mut self.ratings,
            FeatureKind::Person { .. } | FeatureKind::Token => {
                unreachable!("persons and tokens have maps of their own")
            }
        }
    }

    fn read_default(&mut self, film: &FilmRecord, out: &mut Vec<u32>) {
        let title = std::mem::take(&mut self.word);
        let mut word = title;
        // Split before lowercasing: lowercasing can produce combining marks (İ -> i̇) that are
        // not alphanumeric and would split one word in two.
        for piece in film.title.split(|c: char| !c.is_alphanumeric()) {
            if piece.is_empty() {
                continue;
            }
            word.clear();
            word.extend(piece.chars().flat_map(char::to_lowercase));
            out.push(self.simple(FeatureKind::TitleWord, &word));
        }
        self.word = word;
        for genre in &film.genres {
            out.push(self.simple(FeatureKind::Genre, genre));
        }
        let rating = self.simple(FeatureKind::Rating, &rating_text(film.rating));
        self.mark_rating(rating);
        out.push(rating);
        for (i, person) in film.persons.iter().enumerate() {
            // A person listed twice (say as director and writer) is one term, counted once,
            // with the category of their first billing.
            if film.persons[..i].iter().any(|p| p.id == person.id) {
                continue;
            }
            out.push(self.person(person));
        }
    }

    fn mark_rating(&mut self, label: u32) {
        let term = self.labels[label as usize].term;
        if !self.rating_terms.contains(&term) {
            self.rating_terms.push(term);
        }
    }

    fn person(&mut self, person: &Person) -> u32 {
        let term = match self.persons.get(person.id.as_str()) {
            Some(&term) => term,
            None => {
                let term = self.new_term();
                self.persons.insert(person.id.clone(), term);
                term
            }
        };
        let next_category = u32::try_from(self.categories.len()).expect("few categories");
        let category = *self
            .categories
            .entry(person.category.clone())
            .or_insert(next_category);
        if let Some(&label) = self.person_labels.get(&(term, category)) {
            return label;
        }
        let kind = FeatureKind::Person {
            category: person.category.clone(),
        };
        let label = self.new_label(term, kind, &person.name);
        self.person_labels.insert((term, category), label);
        label
    }

    fn read_seed(&mut self, film: &FilmRecord, out: &mut Vec<u32>) {
        let mut text = std::mem::take(&mut self.text);
        seed_text(film, &mut text);
        for token in text.split(',') {
            out.push(self.token(token));
        }
        self.text = text;
        // The rating's token: a comma-free " 7.70" after the title and genres.
        let rating = self.token(&format!(" {}", rating_text(film.rating)));
        self.mark_rating(rating);
    }

    fn token(&mut self, token: &str) -> u32 {
        if let Some(&label) = self.tokens.get(token) {
            return label;
        }
        let bucket = spark_bucket(token.as_bytes(), SEED_BUCKETS);
        let term = match self.buckets.get(&bucket) {
            Some(&term) => term,
            None => {
                let term = self.new_term();
                self.buckets.insert(bucket, term);
                term
            }
        };
        let label = self.new_label(term, FeatureKind::Token, token.trim());
        self.tokens.insert(token.to_owned(), label);
        label
    }
}

/// The rating as the original's DECIMAL(4,2) printed it: two decimals, "7.70".
pub(crate) fn rating_text(rating: f64) -> String {
    format!("{rating:.2}")
}

/// The original's `concat_ws(", ", title, genres, rating, persons)`: persons are the distinct
/// names (the original collected a set of names, so two people with one name count once).
pub(crate) fn seed_text(film: &FilmRecord, text: &mut String) {
    text.clear();
    text.push_str(&film.title);
    for genre in &film.genres {
        text.push_str(", ");
        text.push_str(genre);
    }
    text.push_str(", ");
    text.push_str(&rating_text(film.rating));
    for (i, person) in film.persons.iter().enumerate() {
        if film.persons[..i].iter().any(|p| p.name == person.name) {
            continue;
        }
        text.push_str(", ");
        text.push_str(&person.name);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn film(
        title: &str,
        genres: &[&str],
        rating: f64,
        persons: &[(&str, &str, &str)],
    ) -> FilmRecord {
        FilmRecord {
            film_id: 1,
            title: title.to_owned(),
            genres: genres.iter().map(|g| g.to_string()).collect(),
            rating,
            persons: persons
                .iter()
                .map(|(id, name, category)| Person {
                    id: id.to_string(),
                    name: name.to_string(),
                    category: category.to_string(),
                })
                .collect(),
        }
    }

    fn texts(vocabulary: &Vocabulary, labels: &[u32]) -> Vec<String> {
        labels
            .iter()
            .map(|&l| vocabulary.labels[l as usize].text.clone())
            .collect()
    }

    #[test]
    fn feature_set_parses_and_prints() {
        assert_eq!("seed".parse::<FeatureSet>(), Ok(FeatureSet::Seed));
        assert_eq!("default".parse::<FeatureSet>(), Ok(FeatureSet::Default));
        assert_eq!(FeatureSet::Seed.to_string(), "seed");
        assert_eq!(FeatureSet::default().to_string(), "default");
        let error = "Seed"
            .parse::<FeatureSet>()
            .expect_err("names are lowercase");
        assert_eq!(
            error.to_string(),
            "unknown feature set `Seed`, expected `seed` or `default`"
        );
    }

    #[test]
    fn seed_text_matches_concat_ws() {
        let f = film(
            "Crouching Tiger, Hidden Dragon",
            &["Action", "Drama"],
            7.9,
            &[
                ("nm1", "Chow Yun-Fat", "actor"),
                ("nm2", "Ang Lee", "director"),
                ("nm3", "Ang Lee", "producer"),
            ],
        );
        let mut text = String::new();
        seed_text(&f, &mut text);
        assert_eq!(
            text,
            "Crouching Tiger, Hidden Dragon, Action, Drama, 7.90, Chow Yun-Fat, Ang Lee"
        );
        let tokens: Vec<&str> = text.split(',').collect();
        assert_eq!(
            tokens[1], " Hidden Dragon",
            "tokens keep their leading space"
        );
        assert_eq!(tokens.len(), 7);
    }

    #[test]
    fn default_terms_are_typed_and_lowercased() {
        let mut vocabulary = Vocabulary::default();
        let mut labels = Vec::new();
        let f = film(
            "Star Wars: The Star-Maker",
            &["Sci-Fi"],
            8.0,
            &[
                ("nm1", "Star", "actor"),
                ("nm2", "Star", "actor"),
                ("nm1", "Star", "writer"),
            ],
        );
        vocabulary.read_film(&f, FeatureSet::Default, &mut labels);
        assert_eq!(
            texts(&vocabulary, &labels),
            ["star", "wars", "the", "star", "maker", "Sci-Fi", "8.00", "Star", "Star"]
        );
        let terms: Vec<u32> = labels
            .iter()
            .map(|&l| vocabulary.labels[l as usize].term)
            .collect();
        assert_eq!(
            terms[0], terms[3],
            "a repeated title word is one term counted twice"
        );
        assert_ne!(
            terms[0], terms[7],
            "a title word and a person are different terms"
        );
        assert_ne!(terms[7], terms[8], "two people with one name stay apart");
    }

    #[test]
    fn title_words_split_on_unicode_non_alphanumerics() {
        let mut vocabulary = Vocabulary::default();
        let mut labels = Vec::new();
        let f = film("Amélie — İstanbul'da 2 Gün!!", &[], 6.0, &[]);
        vocabulary.read_film(&f, FeatureSet::Default, &mut labels);
        let words = texts(&vocabulary, &labels);
        assert_eq!(words, ["amélie", "i̇stanbul", "da", "2", "gün", "6.00"]);
    }

    #[test]
    fn seed_tokens_share_buckets_by_raw_text() {
        let mut vocabulary = Vocabulary::default();
        let mut first = Vec::new();
        let mut second = Vec::new();
        vocabulary.read_film(
            &film("Drama", &["Drama"], 7.0, &[]),
            FeatureSet::Seed,
            &mut first,
        );
        vocabulary.read_film(
            &film("X", &["Drama"], 7.0, &[]),
            FeatureSet::Seed,
            &mut second,
        );
        let term = |l: u32| vocabulary.labels[l as usize].term;
        assert_ne!(
            term(first[0]),
            term(first[1]),
            "\"Drama\" and \" Drama\" are different tokens"
        );
        assert_eq!(term(first[1]), term(second[1]));
        assert_eq!(
            vocabulary.labels[first[1] as usize].text, "Drama",
            "labels are trimmed"
        );
    }
}
