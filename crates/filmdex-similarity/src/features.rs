//! What a film is made of: the input records, the two feature sets and how a film becomes terms.

use rustc_hash::FxHashMap as HashMap;
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

/// What kind of feature a label names, compactly: a person's category is an index into
/// [`Labels`]'s category names rather than a string per label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LabelKind {
    TitleWord,
    Genre,
    Rating,
    Person { category: u32 },
    Token,
}

/// A readable name for one term as it occurs in one film: the term, and where its kind and
/// text are kept in [`Labels`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Label {
    pub term: u32,
    kind: LabelKind,
    /// Byte range of the text in `Labels::text`.
    start: u32,
    end: u32,
}

/// Every label, their texts in one string: hundreds of thousands of people's names cost one
/// allocation, not one each, as allocating and freeing them one by one is a sizeable share of
/// building a matrix.
#[derive(Debug, Clone, Default)]
pub(crate) struct Labels {
    labels: Vec<Label>,
    text: String,
    categories: Vec<String>,
}

impl Labels {
    fn push(&mut self, term: u32, kind: LabelKind, text: &str) -> u32 {
        let id = u32::try_from(self.labels.len()).expect("fewer than 2^32 labels");
        let start = u32::try_from(self.text.len()).expect("label texts under 4 GiB");
        self.text.push_str(text);
        let end = u32::try_from(self.text.len()).expect("label texts under 4 GiB");
        self.labels.push(Label {
            term,
            kind,
            start,
            end,
        });
        id
    }

    pub fn get(&self, id: u32) -> &Label {
        &self.labels[id as usize]
    }

    pub fn term(&self, id: u32) -> u32 {
        self.labels[id as usize].term
    }

    pub fn text(&self, label: &Label) -> &str {
        &self.text[label.start as usize..label.end as usize]
    }

    pub fn kind(&self, label: &Label) -> FeatureKind {
        match label.kind {
            LabelKind::TitleWord => FeatureKind::TitleWord,
            LabelKind::Genre => FeatureKind::Genre,
            LabelKind::Rating => FeatureKind::Rating,
            LabelKind::Person { category } => FeatureKind::Person {
                category: self.categories[category as usize].clone(),
            },
            LabelKind::Token => FeatureKind::Token,
        }
    }

    pub fn heap_bytes(&self) -> usize {
        self.labels.capacity() * std::mem::size_of::<Label>() + self.text.capacity()
    }
}

/// A person's term and their label with the category they were first seen with.
#[derive(Debug, Clone, Copy)]
struct PersonEntry {
    term: u32,
    category: u32,
    label: u32,
}

/// An nconst ("nm" and 1 to 12 digits) as one integer: the number, and the count of digits
/// (so "nm07" and "nm7" stay apart). Hashing and comparing it never reads the string again,
/// and a credit costs one map lookup instead of two: the vocabulary pass over the credits
/// takes about half the time it takes with strings.
fn packed_nconst(id: &str) -> Option<u64> {
    let digits = id.strip_prefix("nm")?;
    if digits.is_empty() || digits.len() > 12 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let number = digits
        .bytes()
        .fold(0u64, |n, b| n * 10 + u64::from(b - b'0'));
    Some((digits.len() as u64) << 40 | number)
}

/// Interns terms and labels while films are read, so that each distinct string is stored once
/// and term ids are given in order of first appearance (which makes them deterministic).
/// Reading a film allocates only for strings never seen before.
#[derive(Default)]
pub(crate) struct Vocabulary {
    pub labels: Labels,
    pub term_count: u32,
    /// Terms some film got from its rating: the candidates for the exclusive heavy terms.
    pub rating_terms: Vec<u32>,
    /// Per kind, because a title word "star" and a genre "star" are different terms.
    words: HashMap<String, u32>,
    genres: HashMap<String, u32>,
    ratings: HashMap<String, u32>,
    /// A person's term and the label of the category they were first seen with; the label of
    /// any other category is in `person_labels`. nconsts are packed into integers (see
    /// [`packed_nconst`]); other ids, which real dumps do not have, go by their text.
    persons_by_nconst: HashMap<u64, PersonEntry>,
    persons_by_text: HashMap<String, PersonEntry>,
    categories: HashMap<String, u32>,
    person_labels: HashMap<(u32, u32), u32>,
    /// The terms of the persons of the film being read, to count a person listed twice once.
    film_persons: Vec<u32>,
    /// Seed mode: raw token to label id; a token's bucket is its term.
    tokens: HashMap<String, u32>,
    buckets: HashMap<u32, u32>,
    /// Reused buffers.
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

    /// The label of a term whose label is the same in every film (all but persons).
    fn simple(&mut self, kind: LabelKind, text: &str) -> u32 {
        if let Some(&label) = self.simple_map(kind).get(text) {
            return label;
        }
        let term = self.new_term();
        let label = self.labels.push(term, kind, text);
        self.simple_map(kind).insert(text.to_owned(), label);
        label
    }

    fn simple_map(&mut self, kind: LabelKind) -> &mut HashMap<String, u32> {
        match kind {
            LabelKind::TitleWord => &mut self.words,
            LabelKind::Genre => &mut self.genres,
            LabelKind::Rating => &mut self.ratings,
            LabelKind::Person { .. } | LabelKind::Token => {
                unreachable!("persons and tokens have maps of their own")
            }
        }
    }

    fn read_default(&mut self, film: &FilmRecord, out: &mut Vec<u32>) {
        let mut word = std::mem::take(&mut self.word);
        // Split before lowercasing: lowercasing can produce combining marks (İ -> i̇) that are
        // not alphanumeric and would split one word in two.
        for piece in film.title.split(|c: char| !c.is_alphanumeric()) {
            if piece.is_empty() {
                continue;
            }
            word.clear();
            if piece.is_ascii() {
                word.push_str(piece);
                word.make_ascii_lowercase();
            } else {
                word.extend(piece.chars().flat_map(char::to_lowercase));
            }
            out.push(self.simple(LabelKind::TitleWord, &word));
        }
        for genre in &film.genres {
            out.push(self.simple(LabelKind::Genre, genre));
        }
        word.clear();
        push_rating_text(&mut word, film.rating);
        let rating = self.simple(LabelKind::Rating, &word);
        self.word = word;
        self.mark_rating(rating);
        out.push(rating);
        self.film_persons.clear();
        for person in &film.persons {
            // A person listed twice (say as director and writer) is one term, counted once,
            // with the category of their first billing.
            if let Some(label) = self.person(person) {
                out.push(label);
            }
        }
    }

    fn mark_rating(&mut self, label: u32) {
        let term = self.labels.term(label);
        if !self.rating_terms.contains(&term) {
            self.rating_terms.push(term);
        }
    }

    /// The label of `person` in the film being read; `None` if the film already has them.
    fn person(&mut self, person: &Person) -> Option<u32> {
        let category = self.category(&person.category);
        let known = match packed_nconst(&person.id) {
            Some(nconst) => self.persons_by_nconst.get(&nconst),
            None => self.persons_by_text.get(person.id.as_str()),
        };
        if let Some(&PersonEntry {
            term,
            category: first_category,
            label,
        }) = known
        {
            if self.film_persons.contains(&term) {
                return None;
            }
            self.film_persons.push(term);
            if category == first_category {
                return Some(label);
            }
            if let Some(&label) = self.person_labels.get(&(term, category)) {
                return Some(label);
            }
            let label = self.person_label(term, category, person);
            self.person_labels.insert((term, category), label);
            return Some(label);
        }
        let term = self.new_term();
        self.film_persons.push(term);
        let label = self.person_label(term, category, person);
        let entry = PersonEntry {
            term,
            category,
            label,
        };
        match packed_nconst(&person.id) {
            Some(nconst) => self.persons_by_nconst.insert(nconst, entry),
            None => self.persons_by_text.insert(person.id.clone(), entry),
        };
        Some(label)
    }

    fn person_label(&mut self, term: u32, category: u32, person: &Person) -> u32 {
        self.labels
            .push(term, LabelKind::Person { category }, &person.name)
    }

    fn category(&mut self, name: &str) -> u32 {
        if let Some(&category) = self.categories.get(name) {
            return category;
        }
        let category = u32::try_from(self.labels.categories.len()).expect("few categories");
        self.labels.categories.push(name.to_owned());
        self.categories.insert(name.to_owned(), category);
        category
    }

    fn read_seed(&mut self, film: &FilmRecord, out: &mut Vec<u32>) {
        let mut text = std::mem::take(&mut self.text);
        seed_text(film, &mut text);
        for token in text.split(',') {
            out.push(self.token(token));
        }
        // The rating's token: a comma-free " 7.70" after the title and genres.
        text.clear();
        text.push(' ');
        push_rating_text(&mut text, film.rating);
        let rating = self.token(&text);
        self.text = text;
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
        let label = self.labels.push(term, LabelKind::Token, token.trim());
        self.tokens.insert(token.to_owned(), label);
        label
    }
}

/// The rating as the original's DECIMAL(4,2) printed it: two decimals, "7.70".
pub(crate) fn rating_text(rating: f64) -> String {
    let mut text = String::new();
    push_rating_text(&mut text, rating);
    text
}

fn push_rating_text(text: &mut String, rating: f64) {
    use std::fmt::Write;
    write!(text, "{rating:.2}").expect("writing to a String cannot fail");
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
            .map(|&l| {
                let labels = &vocabulary.labels;
                labels.text(labels.get(l)).to_owned()
            })
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
        let terms: Vec<u32> = labels.iter().map(|&l| vocabulary.labels.term(l)).collect();
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
    fn nconsts_pack_into_distinct_integers() {
        assert_eq!(packed_nconst("nm0000184"), Some(7 << 40 | 184));
        assert_ne!(packed_nconst("nm7"), packed_nconst("nm07"));
        assert_eq!(
            packed_nconst("nm999999999999"),
            Some(12 << 40 | 999_999_999_999)
        );
        for other in ["nm", "nm1x", "tt0000184", "nm9999999999999", "nm-1", "NM1"] {
            assert_eq!(packed_nconst(other), None, "{other}");
        }
    }

    #[test]
    fn a_person_keeps_one_term_across_ids_forms_and_categories() {
        let mut vocabulary = Vocabulary::default();
        let mut first = Vec::new();
        let mut second = Vec::new();
        let f = film(
            "A",
            &[],
            7.0,
            &[("nm1", "Ann", "actor"), ("x-2", "Bob", "writer")],
        );
        let g = film(
            "B",
            &[],
            7.0,
            &[
                ("x-2", "Bob", "director"),
                ("nm1", "Ann", "actor"),
                ("nm01", "Ann", "actor"),
            ],
        );
        vocabulary.read_film(&f, FeatureSet::Default, &mut first);
        vocabulary.read_film(&g, FeatureSet::Default, &mut second);
        let term = |l: u32| vocabulary.labels.term(l);
        assert_eq!(term(first[2]), term(second[3]), "nm1 in both films");
        assert_eq!(term(first[3]), term(second[2]), "x-2 in both films");
        assert_ne!(term(second[3]), term(second[4]), "nm1 and nm01 differ");
        assert_eq!(first[2], second[3], "same category: same label");
        assert_ne!(first[3], second[2], "another category: another label");
        let kind = |l: u32| vocabulary.labels.kind(vocabulary.labels.get(l));
        assert_eq!(
            kind(second[2]),
            FeatureKind::Person {
                category: "director".into()
            }
        );
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
        let term = |l: u32| vocabulary.labels.term(l);
        assert_ne!(
            term(first[0]),
            term(first[1]),
            "\"Drama\" and \" Drama\" are different tokens"
        );
        assert_eq!(term(first[1]), term(second[1]));
        assert_eq!(
            vocabulary.labels.text(vocabulary.labels.get(first[1])),
            "Drama",
            "labels are trimmed"
        );
    }
}
