//! The vocabulary words a query word stands for: itself; with typos, the words within one edit
//! (5 letters or more) or two (9 or more), a swap of two neighbouring letters counting as one;
//! and for the last word, as it is being typed, the words it begins (with the same typos).
//! Each comes with its cost, which ranking reads.

use fst::automaton::{Automaton, Str};
use fst::{IntoStreamer, Streamer};
use levenshtein_automata::Distance;
use rustc_hash::FxHashMap;

use crate::index::TextIndex;

/// A prefix expands to at most this many words, the ones in the most films: "t" would
/// otherwise stand for a large part of the vocabulary. (Meilisearch bounds its derivations the
/// same way.)
pub const MAX_PREFIX_WORDS: usize = 64;

/// What matching a vocabulary word costs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Cost {
    pub typos: u8,
    /// The query word only begins the word.
    pub prefix: bool,
}

/// Typos allowed in a query word of this many letters.
pub fn allowed_typos(word: &str) -> u8 {
    match word.chars().count() {
        0..=4 => 0,
        5..=8 => 1,
        _ => 2,
    }
}

/// Vocabulary word id -> its lowest cost, for one query word.
pub fn derivations(index: &TextIndex, word: &str, last: bool) -> FxHashMap<u32, Cost> {
    let mut found: FxHashMap<u32, Cost> = FxHashMap::default();
    let mut keep = |id: u64, cost: Cost| {
        let best = found.entry(id as u32).or_insert(cost);
        *best = (*best).min(cost);
    };
    if let Some(id) = index.vocabulary.get(word) {
        keep(
            id,
            Cost {
                typos: 0,
                prefix: false,
            },
        );
    }
    let typos = allowed_typos(word);
    if typos > 0 {
        let builder = if typos == 1 {
            &index.one_typo
        } else {
            &index.two_typos
        };
        let dfa = builder.build_dfa(word);
        let mut stream = index.vocabulary.search_with_state(&dfa).into_stream();
        while let Some((_, id, state)) = stream.next() {
            if let Distance::Exact(distance) = dfa.distance(state) {
                keep(
                    id,
                    Cost {
                        typos: distance,
                        prefix: false,
                    },
                );
            }
        }
    }
    if last {
        for (id, cost) in prefixes(index, word, typos) {
            keep(id, cost);
        }
    }
    found
}

/// The words `word` begins, with `typos` edits allowed, at most [`MAX_PREFIX_WORDS`] of them
/// (fewest typos first, then the words in most films).
fn prefixes(index: &TextIndex, word: &str, typos: u8) -> Vec<(u64, Cost)> {
    let whole_prefix = Cost {
        typos: 0,
        prefix: true,
    };
    // At least that many words begin with `word` exactly: they outrank every typo, so the
    // index's list of the ones in most films is the answer.
    if let Some(top) = index.top_prefix_words(word) {
        return top
            .iter()
            .map(|&id| (u64::from(id), whole_prefix))
            .collect();
    }
    let mut found: Vec<(u64, Cost)> = Vec::new();
    let exact = Str::new(word).starts_with();
    let mut stream = index.vocabulary.search(&exact).into_stream();
    while let Some((key, id)) = stream.next() {
        if key.len() > word.len() {
            found.push((id, whole_prefix));
        }
    }
    if typos > 0 {
        let builder = if typos == 1 {
            &index.one_typo
        } else {
            &index.two_typos
        };
        let dfa = builder.build_prefix_dfa(word);
        let mut stream = index.vocabulary.search_with_state(&dfa).into_stream();
        while let Some((_, id, state)) = stream.next() {
            match dfa.distance(state) {
                Distance::Exact(distance) if distance > 0 => found.push((
                    id,
                    Cost {
                        typos: distance,
                        prefix: true,
                    },
                )),
                _ => {}
            }
        }
    }
    if found.len() > MAX_PREFIX_WORDS {
        found.sort_unstable_by_key(|&(id, cost)| {
            (
                cost.typos,
                std::cmp::Reverse(index.word_rows[id as usize]),
                id,
            )
        });
        found.truncate(MAX_PREFIX_WORDS);
    }
    found
}
