//! A query run over the index: every query word must match a word of one of the film's texts
//! (any of them: "nolan inception" matches a name and a title), and the films that do are
//! ranked by these rules, in order (Meilisearch's, with titles before names):
//!
//! 1. fewer typos, summed over the query words;
//! 2. more words matched whole rather than as a prefix, then a text that is exactly the query
//!    ("Alien" before "Alien: Covenant");
//! 3. the words close together and in order, in one text;
//! 4. the best text a title (primary, original or alternate) rather than a person's name;
//! 5. more votes;
//! 6. the lower row (film_id).
//!
//! The work is bounded by the rarest query word: its films are the candidates, and the other
//! words only check those.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use rustc_hash::FxHashMap;

use crate::derive::{derivations, Cost};
use crate::index::{Field, TextIndex};
use crate::normalise::words;

/// Words of a query past this many are ignored.
pub const MAX_QUERY_WORDS: usize = 10;

/// Proximity of two query words not found in one text (Meilisearch's bound).
const FAR: u32 = 8;

/// One film of the answer and the text that matched best.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ranked {
    pub row: u32,
    pub text: u32,
    /// How well it matched, before popularity and row break ties.
    pub relevance: Relevance,
}

/// The text rules of the ranking (1 to 4 in the module's list), compared in order: two films
/// with equal relevance are told apart by votes and row alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Relevance {
    pub typos: u32,
    pub prefixes: u32,
    pub not_the_whole_text: bool,
    pub proximity: u32,
    pub person: bool,
}

/// What matched, as the API shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Match<'a> {
    pub field: Field,
    pub text: &'a str,
    pub region: Option<&'a str>,
}

/// The films a query matches: how many pass the filter, and the best ones in order.
#[derive(Debug, Default)]
pub struct Ranking {
    pub total: usize,
    pub films: Vec<Ranked>,
}

/// The ranking rules as one sort key, compared field by field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Key {
    typos: u32,
    prefixes: u32,
    not_the_whole_text: bool,
    proximity: u32,
    person: bool,
    popularity: Reverse<i64>,
    row: u32,
}

impl Key {
    /// The ranked film this key and its best text stand for.
    fn ranked(self, text: u32) -> Ranked {
        Ranked {
            row: self.row,
            text,
            relevance: Relevance {
                typos: self.typos,
                prefixes: self.prefixes,
                not_the_whole_text: self.not_the_whole_text,
                proximity: self.proximity,
                person: self.person,
            },
        }
    }
}

/// One query word found in one text of one film.
#[derive(Debug, Clone, Copy)]
struct Hit {
    row: u32,
    query_word: u8,
    text: u32,
    start: u16,
    end: u16,
    cost: Cost,
}

/// No match of a query word yet.
const NO_COST: Cost = Cost {
    typos: u8::MAX,
    prefix: true,
};

/// The films that have every query word so far: `slots[row]` is 1 + the film's place in
/// `films`, 0 for a row that is not a candidate.
struct Candidates {
    slots: Vec<u32>,
    films: Vec<Candidate>,
}

/// One candidate film: its best cost per query word, which words it has, and whether its
/// best text may be exactly the query.
struct Candidate {
    row: u32,
    costs: [Cost; MAX_QUERY_WORDS],
    /// Bit `i` set when it has query word `i`.
    words: u16,
    may_be_whole: bool,
    /// The rarest query word is in one of its titles (not only in a name).
    in_a_title: bool,
}

impl Candidate {
    fn mark(&mut self, query_word: usize, cost: Cost) {
        self.costs[query_word] = self.costs[query_word].min(cost);
        self.words |= 1 << query_word;
    }

    /// The first two ranking rules: the typos summed over the query words' best matches, and
    /// how many of those are prefixes.
    fn typos_and_prefixes(&self, count: usize) -> (u32, u32) {
        let best = &self.costs[..count];
        let typos = best.iter().map(|cost| u32::from(cost.typos)).sum();
        let prefixes = best.iter().filter(|cost| cost.prefix).count() as u32;
        (typos, prefixes)
    }
}

impl TextIndex {
    /// The films matching `query` among the rows `allowed` says yes to, and the first `keep`
    /// of them in rank order. A query without words matches nothing.
    ///
    /// Three steps, so that a common word ("the", "de") that reaches most films costs a scan
    /// of its postings and not a sorted list of every film's hits: each film's best cost per
    /// query word (which films match, and rules 1 and 2); then the films in the order of a
    /// bound of their rank that needs no hits (their full rank can only be worse); then hits
    /// and the full rank only for the films popped in that order, in batches, until the
    /// page's last film ranks above the next bound.
    pub fn search(&self, query: &str, allowed: impl Fn(u32) -> bool, keep: usize) -> Ranking {
        let derived = self.derived(query);
        if derived.is_empty() {
            return Ranking::default();
        }
        let Some(candidates) = self.candidates(&derived, allowed) else {
            return Ranking::default();
        };
        let total = candidates.films.len();
        Ranking {
            total,
            films: self.rank(&derived, candidates, keep, true),
        }
    }

    /// The first `keep` films of [`TextIndex::search`] over every film, without counting
    /// them all: when at least `keep` films have every query word exactly (no typo, not a
    /// prefix), those rank above every other film, so the typo and prefix derivations are
    /// scanned only for the films that make the page.
    pub fn suggest(&self, query: &str, keep: usize) -> Vec<Ranked> {
        let derived = self.derived(query);
        let exact: Vec<FxHashMap<u32, Cost>> = derived
            .iter()
            .map(|words| {
                words
                    .iter()
                    .filter(|(_, cost)| cost.typos == 0 && !cost.prefix)
                    .map(|(&word, &cost)| (word, cost))
                    .collect()
            })
            .collect();
        if !exact.is_empty() && exact.iter().all(|words| !words.is_empty()) {
            if let Some(candidates) = self.candidates(&exact, |_| true) {
                if candidates.films.len() >= keep {
                    return self.rank(&derived, candidates, keep, false);
                }
            }
        }
        if derived.is_empty() {
            return Vec::new();
        }
        match self.candidates(&derived, |_| true) {
            Some(candidates) => self.rank(&derived, candidates, keep, true),
            None => Vec::new(),
        }
    }

    /// The bounds of the candidates at or above `cutoff`, with their slots, to pop in order.
    /// A film's rank is at least its bound: the same first two rules, the whole text only if
    /// it has a text of the query's length with the rarest word exact, the words adjacent and
    /// in order, a title (for one word: if one of its titles has it), and its own votes and
    /// row.
    fn bounds(
        &self,
        candidates: &Candidates,
        costs: &[(u32, u32)],
        cutoff: (u32, u32),
        count: usize,
        every_derivation: bool,
    ) -> BinaryHeap<Reverse<(Key, u32)>> {
        candidates
            .films
            .iter()
            .enumerate()
            .zip(costs)
            .filter(|(_, &cost)| cost <= cutoff)
            .map(|((slot, film), &(typos, prefixes))| {
                let key = Key {
                    typos,
                    prefixes,
                    not_the_whole_text: !film.may_be_whole,
                    proximity: count as u32 - 1,
                    person: count == 1 && every_derivation && !film.in_a_title,
                    popularity: Reverse(self.popularity[film.row as usize]),
                    row: film.row,
                };
                Reverse((key, slot as u32))
            })
            .collect()
    }

    /// The vocabulary words each query word stands for, with their costs.
    fn derived(&self, query: &str) -> Vec<FxHashMap<u32, Cost>> {
        let mut query_words = words(query);
        query_words.truncate(MAX_QUERY_WORDS);
        let count = query_words.len();
        query_words
            .iter()
            .enumerate()
            .map(|(i, word)| derivations(self, word, i + 1 == count))
            .collect()
    }

    /// The first `keep` of `candidates` in rank order, with hits from every derivation.
    /// `every_derivation`: the candidates were found with all of `derived` (not only the
    /// exact words), so whether a title has the rarest word is known.
    fn rank(
        &self,
        derived: &[FxHashMap<u32, Cost>],
        candidates: Candidates,
        keep: usize,
        every_derivation: bool,
    ) -> Vec<Ranked> {
        let count = derived.len();
        let total = candidates.films.len();
        let keep = keep.min(total);
        if keep == 0 {
            return Vec::new();
        }
        // The first two rules need only each word's best cost: the films whose (typos,
        // prefixes) is worse than the `keep`-th best have `keep` films ranked above them.
        let costs: Vec<(u32, u32)> = candidates
            .films
            .iter()
            .map(|film| film.typos_and_prefixes(count))
            .collect();
        let cutoff = if keep < total {
            let mut sorted = costs.clone();
            *sorted.select_nth_unstable(keep - 1).1
        } else {
            (u32::MAX, u32::MAX)
        };
        let mut bounds = self.bounds(&candidates, &costs, cutoff, count, every_derivation);
        let mut keyed: Vec<(Key, u32)> = Vec::new();
        let mut batch_size = keep.saturating_mul(2).max(16);
        let mut batch: Vec<u32> = Vec::new();
        while let Some(Reverse((next, _))) = bounds.peek() {
            if keyed.len() >= keep && keyed[keep - 1].0 <= *next {
                break;
            }
            batch.clear();
            while batch.len() < batch_size {
                let Some(Reverse((_, slot))) = bounds.pop() else {
                    break;
                };
                batch.push(slot);
            }
            // A film's hits by looking its texts up, or for a large batch by one scan of
            // the postings, whichever reads fewer words.
            let lookups = batch.len() as u64 * self.words_per_row() * count as u64;
            let reach: u64 = derived.iter().map(|words| self.reach(words)).sum();
            let hits = if lookups < reach {
                self.hits_of(derived, &candidates, &batch)
            } else {
                self.hits_by_scan(derived, &candidates, &batch)
            };
            keyed.extend(hits.chunk_by(|a, b| a.row == b.row).map(|film| {
                let slot = candidates.slots[film[0].row as usize] - 1;
                self.key(film, count, costs[slot as usize])
            }));
            if keep < keyed.len() {
                keyed.select_nth_unstable(keep - 1);
                keyed.truncate(keep);
            }
            keyed.sort_unstable();
            batch_size = batch_size.saturating_mul(4);
        }
        keyed
            .into_iter()
            .map(|(key, text)| key.ranked(text))
            .collect()
    }

    /// What the text of a ranked film is.
    pub fn matched(&self, ranked: Ranked) -> Match<'_> {
        let text = self.text(ranked.text);
        Match {
            field: text.field,
            text: &text.text,
            region: text.region.as_deref(),
        }
    }

    /// The films that have every query word, each with its best cost per word; `None` when
    /// none has them all. The rarest word goes first and sets the candidates (among the rows
    /// `allowed`); the others only mark theirs.
    fn candidates(
        &self,
        derived: &[FxHashMap<u32, Cost>],
        allowed: impl Fn(u32) -> bool,
    ) -> Option<Candidates> {
        let count = derived.len();
        let mut order: Vec<usize> = (0..count).collect();
        order.sort_by_key(|&i| self.reach(&derived[i]));
        let mut candidates = Candidates {
            slots: vec![0; self.films()],
            films: Vec::new(),
        };
        let (&rarest, others) = order.split_first()?;
        for (&word, &cost) in &derived[rarest] {
            let whole_word = cost.typos == 0 && !cost.prefix;
            for posting in self.postings_of(word) {
                let text = self.text(posting.text);
                let may_be_whole = whole_word && usize::from(text.word_count) == count;
                let in_a_title = text.field != Field::Person;
                for &row in self.rows_of_text(posting.text) {
                    let slot = &mut candidates.slots[row as usize];
                    if *slot == 0 {
                        if !allowed(row) {
                            continue;
                        }
                        candidates.films.push(Candidate {
                            row,
                            costs: [NO_COST; MAX_QUERY_WORDS],
                            words: 0,
                            may_be_whole: false,
                            in_a_title: false,
                        });
                        *slot = candidates.films.len() as u32;
                    }
                    let film = &mut candidates.films[*slot as usize - 1];
                    film.mark(rarest, cost);
                    film.may_be_whole |= may_be_whole;
                    film.in_a_title |= in_a_title;
                }
            }
        }
        let mut needed = 1u16 << rarest;
        for &i in others {
            needed |= 1 << i;
            // Few candidates against a word that reaches many films: look the word up in the
            // candidates' texts instead of scanning its postings (the same marks either way).
            let checks = candidates.films.len() as u64 * self.words_per_row();
            if checks.saturating_mul(2) < self.reach(&derived[i]) {
                for film in &mut candidates.films {
                    for &text in self.texts_of_row(film.row) {
                        for occurrence in self.words_of_text(text) {
                            if let Some(&cost) = derived[i].get(&occurrence.text) {
                                film.mark(i, cost);
                            }
                        }
                    }
                }
            } else {
                for (&word, &cost) in &derived[i] {
                    for posting in self.postings_of(word) {
                        for &row in self.rows_of_text(posting.text) {
                            let slot = candidates.slots[row as usize];
                            if slot != 0 {
                                candidates.films[slot as usize - 1].mark(i, cost);
                            }
                        }
                    }
                }
            }
            // Drop the films this word missed, so that the next words skip them.
            let slots = &mut candidates.slots;
            candidates.films.retain(|film| {
                let kept = film.words == needed;
                if !kept {
                    slots[film.row as usize] = 0;
                }
                kept
            });
            for (slot, film) in candidates.films.iter().enumerate() {
                slots[film.row as usize] = slot as u32 + 1;
            }
        }
        (!candidates.films.is_empty()).then_some(candidates)
    }

    /// How many film rows the derivations of one query word reach.
    fn reach(&self, words: &FxHashMap<u32, Cost>) -> u64 {
        words
            .keys()
            .map(|&word| u64::from(self.word_rows[word as usize]))
            .sum()
    }

    /// Every hit of every query word in the candidates at `slots`, sorted by row then query
    /// word: each film's texts looked up in the derivations.
    fn hits_of(
        &self,
        derived: &[FxHashMap<u32, Cost>],
        candidates: &Candidates,
        slots: &[u32],
    ) -> Vec<Hit> {
        let mut hits = Vec::new();
        for &slot in slots {
            let row = candidates.films[slot as usize].row;
            for &text in self.texts_of_row(row) {
                for occurrence in self.words_of_text(text) {
                    for (i, words) in derived.iter().enumerate() {
                        if let Some(&cost) = words.get(&occurrence.text) {
                            hits.push(Hit {
                                row,
                                query_word: i as u8,
                                text,
                                start: occurrence.start,
                                end: occurrence.end,
                                cost,
                            });
                        }
                    }
                }
            }
        }
        hits.sort_unstable_by_key(|hit| (hit.row, hit.query_word));
        hits
    }

    /// The same as [`TextIndex::hits_of`], by one scan of every derivation's postings.
    fn hits_by_scan(
        &self,
        derived: &[FxHashMap<u32, Cost>],
        candidates: &Candidates,
        slots: &[u32],
    ) -> Vec<Hit> {
        let mut in_batch = vec![false; candidates.films.len()];
        for &slot in slots {
            in_batch[slot as usize] = true;
        }
        let mut hits = Vec::new();
        for (i, words) in derived.iter().enumerate() {
            for (&word, &cost) in words {
                for posting in self.postings_of(word) {
                    for &row in self.rows_of_text(posting.text) {
                        let slot = candidates.slots[row as usize];
                        if slot != 0 && in_batch[slot as usize - 1] {
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
        }
        hits.sort_unstable_by_key(|hit| (hit.row, hit.query_word));
        hits
    }

    /// The rank of one film from its hits (sorted by query word), and its best text.
    /// `typos_and_prefixes` is [`typos_and_prefixes`] of the same hits.
    fn key(&self, hits: &[Hit], count: usize, typos_and_prefixes: (u32, u32)) -> (Key, u32) {
        let (typos, prefixes) = typos_and_prefixes;
        let (text, whole) = self.best_text(hits, count);
        let row = hits[0].row;
        let key = Key {
            typos,
            prefixes,
            not_the_whole_text: !whole,
            proximity: proximity(hits, count),
            person: self.text(text).field == Field::Person,
            popularity: Reverse(self.popularity[row as usize]),
            row,
        };
        (key, text)
    }

    /// The text that covers the most query words (then the better field, then fewer typos),
    /// and whether it is exactly the query.
    fn best_text(&self, hits: &[Hit], count: usize) -> (u32, bool) {
        // Text -> (query words covered, best cost of each covered word).
        let mut texts: Vec<(u32, u32, [Cost; MAX_QUERY_WORDS])> = Vec::new();
        for hit in hits {
            let index = match texts.iter().position(|(text, _, _)| *text == hit.text) {
                Some(index) => index,
                None => {
                    texts.push((
                        hit.text,
                        0,
                        [Cost {
                            typos: u8::MAX,
                            prefix: true,
                        }; MAX_QUERY_WORDS],
                    ));
                    texts.len() - 1
                }
            };
            let (_, covered, costs) = &mut texts[index];
            *covered |= 1 << hit.query_word;
            let word = usize::from(hit.query_word);
            costs[word] = costs[word].min(hit.cost);
        }
        let text_typos = |costs: &[Cost]| -> u32 {
            costs
                .iter()
                .filter(|cost| cost.typos != u8::MAX)
                .map(|cost| u32::from(cost.typos))
                .sum()
        };
        let (text, covered, costs) = texts
            .iter()
            .min_by_key(|(text, covered, costs)| {
                (
                    Reverse(covered.count_ones()),
                    self.text(*text).field,
                    text_typos(costs),
                    *text,
                )
            })
            .expect("a film with hits has a text");
        let whole = covered.count_ones() as usize == count
            && usize::from(self.text(*text).word_count) == count
            && costs[..count]
                .iter()
                .all(|cost| cost.typos == 0 && !cost.prefix);
        (*text, whole)
    }
}

/// The sum over consecutive query words of how far apart they are in the text that has both
/// closest: 1 when adjacent and in order, one more when reversed, [`FAR`] when no text has both.
fn proximity(hits: &[Hit], count: usize) -> u32 {
    (1..count)
        .map(|word| {
            let before = hits
                .iter()
                .filter(|hit| usize::from(hit.query_word) == word - 1);
            before
                .flat_map(|a| {
                    hits.iter()
                        .filter(move |b| usize::from(b.query_word) == word && b.text == a.text)
                        .map(move |b| distance(a, b))
                })
                .min()
                .unwrap_or(FAR)
        })
        .sum()
}

fn distance(a: &Hit, b: &Hit) -> u32 {
    let gap = if b.start > a.end {
        u32::from(b.start - a.end)
    } else if a.start > b.end {
        u32::from(a.start - b.end) + 1
    } else {
        2
    };
    gap.min(FAR - 1)
}

#[cfg(test)]
mod tests;
