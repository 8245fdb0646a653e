//! The word index: every searchable text of every film (primary title, original title,
//! alternate titles, person names), each distinct text stored once with the rows of the films
//! that have it (a person's name is one text for all their films), its normalised words in an
//! fst (word -> word id) and, per word, the places it occurs (text, position).
//!
//! Two adjacent words are also indexed joined ("spider" + "man" -> "spiderman"), so a query
//! typed without the hyphen or space finds the title that has one.

use fst::{Map, MapBuilder};
use levenshtein_automata::LevenshteinAutomatonBuilder;
use rustc_hash::FxHashMap;

use crate::normalise::{is_ideographic, words};

/// A prefix expands to at most this many words, the ones in the most films: "t" would
/// otherwise stand for a large part of the vocabulary. (Meilisearch bounds its derivations the
/// same way.)
pub const MAX_PREFIX_WORDS: usize = 64;

/// Where a text comes from, best first: ranking prefers a title match over a person match.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Field {
    Title,
    OriginalTitle,
    Aka,
    Person,
}

impl Field {
    /// The name the API uses.
    pub fn name(self) -> &'static str {
        match self {
            Field::Title => "title",
            Field::OriginalTitle => "original_title",
            Field::Aka => "aka",
            Field::Person => "person",
        }
    }
}

/// One searchable text.
#[derive(Debug)]
pub struct Text {
    pub field: Field,
    pub text: Box<str>,
    /// The region of an alternate title, when it has one ("FR").
    pub region: Option<Box<str>>,
    /// How many normalised words it has.
    pub(crate) word_count: u16,
}

/// Where a word occurs: in which text, as which word (a joined pair spans two).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Posting {
    pub text: u32,
    pub start: u16,
    pub end: u16,
}

/// The texts of one film, handed to [`TextIndex::build`].
#[derive(Debug, Default, Clone)]
pub struct FilmTexts<'a> {
    pub title: &'a str,
    pub original_title: Option<&'a str>,
    /// Alternate titles and their regions.
    pub akas: Vec<(&'a str, Option<&'a str>)>,
    pub persons: &'a [String],
    /// Ranks films that match equally well: the vote count.
    pub popularity: i64,
}

/// The whole index, immutable once built.
pub struct TextIndex {
    pub(crate) texts: Vec<Text>,
    /// Rows of each text: `text_rows[text_row_starts[t]..text_row_starts[t + 1]]`.
    text_row_starts: Vec<u32>,
    text_rows: Vec<u32>,
    /// Normalised word -> word id (ids in sorted word order).
    pub(crate) vocabulary: Map<Vec<u8>>,
    /// Postings of each word: `postings[posting_starts[w]..posting_starts[w + 1]]`.
    posting_starts: Vec<u32>,
    postings: Vec<Posting>,
    /// How many film rows each word reaches, to start a query from its rarest word.
    pub(crate) word_rows: Vec<u32>,
    /// The other way round, for checking a few films rather than scanning a word's postings:
    /// the texts of each row (`row_texts[row_text_starts[r]..row_text_starts[r + 1]]`) and
    /// the words of each text (`text_words[text_word_starts[t]..text_word_starts[t + 1]]`,
    /// a [`Posting`] whose `text` is the word id).
    row_text_starts: Vec<u32>,
    row_texts: Vec<u32>,
    text_word_starts: Vec<u32>,
    text_words: Vec<Posting>,
    /// The words a common prefix stands for, found at build time (see [`top_prefix_words`]).
    prefix_words: TopPrefixWords,
    pub(crate) popularity: Vec<i64>,
    pub(crate) one_typo: LevenshteinAutomatonBuilder,
    pub(crate) two_typos: LevenshteinAutomatonBuilder,
}

impl TextIndex {
    /// The index of `films`; a film's row is its position in `films`, and rows that rank
    /// equally come out in row order.
    pub fn build<'a>(films: impl IntoIterator<Item = FilmTexts<'a>>) -> TextIndex {
        let mut builder = Builder::default();
        for (row, film) in films.into_iter().enumerate() {
            builder.add_film(row as u32, &film);
        }
        builder.finish()
    }

    /// How many films the index holds.
    pub fn films(&self) -> usize {
        self.popularity.len()
    }

    /// How many distinct words it knows.
    pub fn words(&self) -> usize {
        self.word_rows.len()
    }

    pub fn text(&self, text: u32) -> &Text {
        &self.texts[text as usize]
    }

    pub(crate) fn rows_of_text(&self, text: u32) -> &[u32] {
        let text = text as usize;
        &self.text_rows
            [self.text_row_starts[text] as usize..self.text_row_starts[text + 1] as usize]
    }

    /// The [`MAX_PREFIX_WORDS`] words in most films (then the lower id) among the words longer
    /// than `prefix` that begin with it, when there are at least that many; `None` otherwise.
    pub(crate) fn top_prefix_words(&self, prefix: &str) -> Option<&[u32]> {
        let &start = self.prefix_words.starts.get(prefix)?;
        let start = start as usize;
        Some(&self.prefix_words.words[start..start + MAX_PREFIX_WORDS])
    }

    /// How many words (with their repeats) the texts of a film hold on average.
    pub(crate) fn words_per_row(&self) -> u64 {
        (self.postings.len() as u64 * self.text_rows.len() as u64)
            .div_ceil((self.texts.len() as u64 * self.films() as u64).max(1))
            .max(1)
    }

    pub(crate) fn texts_of_row(&self, row: u32) -> &[u32] {
        let row = row as usize;
        &self.row_texts[self.row_text_starts[row] as usize..self.row_text_starts[row + 1] as usize]
    }

    /// The words of `text` where they occur: `word` in the `text` field of each.
    pub(crate) fn words_of_text(&self, text: u32) -> &[Posting] {
        let text = text as usize;
        &self.text_words
            [self.text_word_starts[text] as usize..self.text_word_starts[text + 1] as usize]
    }

    pub(crate) fn postings_of(&self, word: u32) -> &[Posting] {
        let word = word as usize;
        &self.postings[self.posting_starts[word] as usize..self.posting_starts[word + 1] as usize]
    }

    /// Approximate heap bytes held, for the benchmarks.
    pub fn heap_bytes(&self) -> usize {
        let texts: usize = self
            .texts
            .iter()
            .map(|text| {
                std::mem::size_of::<Text>()
                    + text.text.len()
                    + text.region.as_ref().map_or(0, |region| region.len())
            })
            .sum();
        texts
            + 4 * (self.text_row_starts.len() + self.text_rows.len() + self.posting_starts.len())
            + std::mem::size_of::<Posting>() * (self.postings.len() + self.text_words.len())
            + 4 * (self.row_text_starts.len() + self.row_texts.len())
            + 4 * self.text_word_starts.len()
            + self.vocabulary.as_fst().as_bytes().len()
            + 4 * self.word_rows.len()
            + 8 * self.popularity.len()
            + self.prefix_words.heap_bytes()
    }
}

/// Gathers texts and words, then sorts the vocabulary into an fst. Flat lists of pairs rather
/// than a list per text and per word: a few hundred thousand small allocations fewer.
#[derive(Default)]
struct Builder {
    texts: Vec<Text>,
    /// A person's name is one text for all their films; titles are rarely shared, so each is
    /// a text of its own. Name -> (text id, the last row given it).
    person_ids: FxHashMap<Box<str>, (u32, u32)>,
    /// (text, row) of every film's texts.
    text_rows: Vec<(u32, u32)>,
    word_ids: FxHashMap<String, u32>,
    /// (word id, where it occurs), the word ids in first-seen order.
    postings: Vec<(u32, Posting)>,
    popularity: Vec<i64>,
    /// The normalised words of the current film's titles, to skip a repeated one.
    seen: Vec<Vec<String>>,
    /// Two words joined ("spider" + "man").
    joined: String,
}

impl Builder {
    fn add_film(&mut self, row: u32, film: &FilmTexts) {
        self.popularity.push(film.popularity);
        // A film's titles are deduplicated after normalisation: an alternate title spelled
        // like the primary one ("Amelie" beside "Amélie") adds nothing to search.
        self.seen.clear();
        let titles = std::iter::once((Field::Title, film.title, None))
            .chain(
                film.original_title
                    .map(|title| (Field::OriginalTitle, title, None)),
            )
            .chain(
                film.akas
                    .iter()
                    .map(|&(title, region)| (Field::Aka, title, region)),
            );
        for (field, text, region) in titles {
            let text_words = words(text);
            if !text_words.is_empty() && !self.seen.contains(&text_words) {
                self.add_text(row, field, text, region, &text_words);
                self.seen.push(text_words);
            }
        }
        for person in film.persons {
            if let Some((id, last_row)) = self.person_ids.get_mut(person.as_str()) {
                if *last_row != row {
                    *last_row = row;
                    self.text_rows.push((*id, row));
                }
                continue;
            }
            self.add_text(row, Field::Person, person, None, &words(person));
        }
    }

    fn add_text(
        &mut self,
        row: u32,
        field: Field,
        text: &str,
        region: Option<&str>,
        text_words: &[String],
    ) {
        let id = self.texts.len() as u32;
        self.texts.push(Text {
            field,
            text: Box::from(text),
            region: region.map(Box::from),
            word_count: text_words.len().min(usize::from(u16::MAX)) as u16,
        });
        if field == Field::Person {
            self.person_ids.insert(Box::from(text), (id, row));
        }
        self.text_rows.push((id, row));
        let mut joined = std::mem::take(&mut self.joined);
        for (position, word) in text_words.iter().enumerate() {
            let position = position.min(usize::from(u16::MAX - 1)) as u16;
            self.add_word(
                word,
                Posting {
                    text: id,
                    start: position,
                    end: position,
                },
            );
            if let Some(next) = text_words.get(usize::from(position) + 1) {
                if joinable(word) && joinable(next) {
                    joined.clear();
                    joined.push_str(word);
                    joined.push_str(next);
                    self.add_word(
                        &joined,
                        Posting {
                            text: id,
                            start: position,
                            end: position + 1,
                        },
                    );
                }
            }
        }
        self.joined = joined;
    }

    fn add_word(&mut self, word: &str, posting: Posting) {
        let id = match self.word_ids.get(word) {
            Some(&id) => id,
            None => {
                let id = self.word_ids.len() as u32;
                self.word_ids.insert(word.to_owned(), id);
                id
            }
        };
        self.postings.push((id, posting));
    }

    fn finish(self) -> TextIndex {
        let (text_row_starts, text_rows) = invert(self.texts.len(), self.text_rows.iter().copied());
        let mut sorted: Vec<(String, u32)> = self.word_ids.into_iter().collect();
        sorted.sort_unstable();
        let mut new_ids = vec![0u32; sorted.len()];
        for (new_id, (_, old_id)) in sorted.iter().enumerate() {
            new_ids[*old_id as usize] = new_id as u32;
        }
        let (posting_starts, postings) = invert(
            sorted.len(),
            self.postings
                .iter()
                .map(|&(old_id, posting)| (new_ids[old_id as usize], posting)),
        );
        let rows_of_text =
            |text: u32| text_row_starts[text as usize + 1] - text_row_starts[text as usize];
        let word_rows: Vec<u32> = posting_starts
            .windows(2)
            .map(|range| {
                let rows: u64 = postings[range[0] as usize..range[1] as usize]
                    .iter()
                    .map(|posting| u64::from(rows_of_text(posting.text)))
                    .sum();
                rows.min(u64::from(u32::MAX)) as u32
            })
            .collect();
        let mut vocabulary = MapBuilder::memory();
        for (new_id, (word, _)) in sorted.iter().enumerate() {
            vocabulary
                .insert(word.as_bytes(), new_id as u64)
                .expect("words are inserted sorted and once");
        }
        let vocabulary = Map::new(
            vocabulary
                .into_inner()
                .expect("an in-memory fst is written"),
        )
        .expect("the fst just built is valid");
        let (row_text_starts, row_texts) = invert(
            self.popularity.len(),
            self.text_rows.iter().map(|&(text, row)| (row, text)),
        );
        let (text_word_starts, text_words) = invert(
            self.texts.len(),
            (0..word_rows.len()).flat_map(|word| {
                postings[posting_starts[word] as usize..posting_starts[word + 1] as usize]
                    .iter()
                    .map(move |posting| {
                        (
                            posting.text,
                            Posting {
                                text: word as u32,
                                ..*posting
                            },
                        )
                    })
            }),
        );
        let prefix_words =
            top_prefix_words(sorted.iter().map(|(word, _)| word.as_str()), &word_rows);
        TextIndex {
            texts: self.texts,
            text_row_starts,
            text_rows,
            vocabulary,
            posting_starts,
            postings,
            word_rows,
            row_text_starts,
            row_texts,
            text_word_starts,
            text_words,
            prefix_words,
            popularity: self.popularity,
            one_typo: LevenshteinAutomatonBuilder::new(1, true),
            two_typos: LevenshteinAutomatonBuilder::new(2, true),
        }
    }
}

/// `(key, value)` pairs with keys below `keys` grouped by key, in the order given within a
/// key (a counting sort): the starts of each key's values, and the values.
fn invert<T: Copy>(
    keys: usize,
    pairs: impl Iterator<Item = (u32, T)> + Clone,
) -> (Vec<u32>, Vec<T>) {
    let mut starts = vec![0u32; keys + 1];
    for (key, _) in pairs.clone() {
        starts[key as usize + 1] += 1;
    }
    for key in 0..keys {
        starts[key + 1] += starts[key];
    }
    let mut next = starts.clone();
    let Some((_, filler)) = pairs.clone().next() else {
        return (starts, Vec::new());
    };
    let mut values = vec![filler; starts[keys] as usize];
    for (key, value) in pairs {
        let at = &mut next[key as usize];
        values[*at as usize] = value;
        *at += 1;
    }
    (starts, values)
}

/// Words of spaced scripts are joined with their neighbour; single CJK characters are not.
fn joinable(word: &str) -> bool {
    word.chars()
        .next()
        .is_some_and(|first| !is_ideographic(first))
}

/// Every prefix that begins at least [`MAX_PREFIX_WORDS`] longer words, with those of them in
/// most films: what the last query word "t" or "de" stands for, without streaming the thousands
/// of vocabulary words under it on every query.
#[derive(Default)]
struct TopPrefixWords {
    /// Prefix -> the start of its words in `words`.
    starts: FxHashMap<Box<str>, u32>,
    /// [`MAX_PREFIX_WORDS`] word ids per prefix.
    words: Vec<u32>,
}

impl TopPrefixWords {
    fn heap_bytes(&self) -> usize {
        let keys: usize = self.starts.keys().map(|prefix| prefix.len()).sum();
        keys + self.starts.capacity() * (std::mem::size_of::<(Box<str>, u32)>() + 1)
            + 4 * self.words.len()
    }
}

/// [`TopPrefixWords`] of the vocabulary `sorted` (word id = position) in one pass: the words a
/// prefix begins are a run of ids, so each prefix is open from its first word to the first word
/// that does not begin with it.
fn top_prefix_words<'a>(
    sorted: impl Iterator<Item = &'a str>,
    word_rows: &[u32],
) -> TopPrefixWords {
    let mut top = TopPrefixWords::default();
    let mut scratch: Vec<u32> = Vec::new();
    let mut close = |prefix: &str, ids: std::ops::Range<usize>, top: &mut TopPrefixWords| {
        if ids.len() < MAX_PREFIX_WORDS {
            return;
        }
        scratch.clear();
        scratch.extend(ids.start as u32..ids.end as u32);
        let by_rows = |&id: &u32| (std::cmp::Reverse(word_rows[id as usize]), id);
        if scratch.len() > MAX_PREFIX_WORDS {
            scratch.select_nth_unstable_by_key(MAX_PREFIX_WORDS - 1, by_rows);
        }
        top.starts.insert(Box::from(prefix), top.words.len() as u32);
        top.words.extend_from_slice(&scratch[..MAX_PREFIX_WORDS]);
    };
    // Open prefixes of the previous word, shortest first: (length in bytes, first word id).
    let mut open: Vec<(usize, usize)> = Vec::new();
    let mut previous = "";
    let mut id = 0;
    for word in sorted {
        let common = previous
            .bytes()
            .zip(word.bytes())
            .take_while(|(a, b)| a == b)
            .count();
        while let Some(&(length, first)) = open.last() {
            if length <= common {
                break;
            }
            close(&previous[..length], first..id, &mut top);
            open.pop();
        }
        // A prefix only begins the words longer than it: the word itself is not counted.
        let longest_open = open.last().map_or(0, |&(length, _)| length);
        open.extend(
            word.char_indices()
                .map(|(length, _)| length)
                .filter(|&length| length > longest_open)
                .map(|length| (length, id)),
        );
        previous = word;
        id += 1;
    }
    while let Some((length, first)) = open.pop() {
        close(&previous[..length], first..id, &mut top);
    }
    top
}
