//! The vocabulary words a query word stands for: itself; with typos, the words within one edit
//! (5 letters or more) or two (9 or more), a swap of two neighbouring letters counting as one;
//! and for the last word, as it is being typed, the words it begins (with the same typos).
//! Each comes with its cost, which ranking reads.

use fst::automaton::{Automaton, Str};
use fst::{IntoStreamer, Streamer};
use levenshtein_automata::{Distance, LevenshteinAutomatonBuilder};
use rustc_hash::FxHashMap;

use crate::index::{TextIndex, MAX_PREFIX_WORDS};

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
        keep(id, WHOLE);
    }
    let typos = allowed_typos(word);
    let top = last.then(|| index.top_prefix_words(word)).flatten();
    if last && top.is_none() {
        let (whole, begun) = last_word(index, word, typos);
        for (id, cost) in whole.into_iter().chain(begun) {
            keep(id, cost);
        }
        return found;
    }
    if typos > 0 {
        let dfa = automaton(index, typos).build_dfa(word);
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
    // At least that many words begin with `word` exactly: they outrank every typo, so the
    // index's list of the ones in most films is what the prefix stands for.
    for &id in top.into_iter().flatten() {
        keep(u64::from(id), WHOLE_PREFIX);
    }
    found
}

/// Vocabulary word ids and what matching them costs.
type Derived = Vec<(u64, Cost)>;

/// The word itself.
const WHOLE: Cost = Cost {
    typos: 0,
    prefix: false,
};

/// A word that begins with the query word.
const WHOLE_PREFIX: Cost = Cost {
    typos: 0,
    prefix: true,
};

fn automaton(index: &TextIndex, typos: u8) -> &LevenshteinAutomatonBuilder {
    if typos == 1 {
        &index.one_typo
    } else {
        &index.two_typos
    }
}

/// For the last word when fewer than [`MAX_PREFIX_WORDS`] words begin with it: the other
/// words within `typos` of it whole, and the words it begins with `typos` edits allowed (at
/// most [`MAX_PREFIX_WORDS`], fewest typos first, then the words in most films). One walk of
/// the vocabulary with the prefix automaton finds both: a word within `typos` of the query
/// whole also has a prefix within `typos` of it, so the walk reaches it.
fn last_word(index: &TextIndex, word: &str, typos: u8) -> (Derived, Derived) {
    let mut whole = Vec::new();
    let mut begun: Vec<(u64, Cost)> = Vec::new();
    if typos == 0 {
        let exact = Str::new(word).starts_with();
        let mut stream = index.vocabulary.search(&exact).into_stream();
        while let Some((key, id)) = stream.next() {
            if key.len() > word.len() {
                begun.push((id, WHOLE_PREFIX));
            }
        }
    } else {
        let builder = automaton(index, typos);
        let whole_dfa = builder.build_dfa(word);
        let prefix_dfa = builder.build_prefix_dfa(word);
        let mut stream = index
            .vocabulary
            .search_with_state(&prefix_dfa)
            .into_stream();
        while let Some((key, id, state)) = stream.next() {
            match prefix_dfa.distance(state) {
                Distance::Exact(0) if key.len() > word.len() => begun.push((id, WHOLE_PREFIX)),
                Distance::Exact(distance) if distance > 0 => begun.push((
                    id,
                    Cost {
                        typos: distance,
                        prefix: true,
                    },
                )),
                _ => {}
            }
            if let Distance::Exact(distance) = whole_dfa.eval(key) {
                if distance > 0 {
                    whole.push((
                        id,
                        Cost {
                            typos: distance,
                            prefix: false,
                        },
                    ));
                }
            }
        }
    }
    if begun.len() > MAX_PREFIX_WORDS {
        begun.sort_unstable_by_key(|&(id, cost)| {
            (
                cost.typos,
                std::cmp::Reverse(index.word_rows[id as usize]),
                id,
            )
        });
        begun.truncate(MAX_PREFIX_WORDS);
    }
    (whole, begun)
}

#[cfg(test)]
mod tests {
    use fst::automaton::{Automaton, Str};
    use fst::{IntoStreamer, Streamer};

    use super::*;
    use crate::index::FilmTexts;

    /// The derivations as first written: the fst streamed for every derivation, three walks for
    /// the last word.
    fn reference_derivations(index: &TextIndex, word: &str, last: bool) -> FxHashMap<u32, Cost> {
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
            for (id, cost) in reference_prefixes(index, word, typos) {
                keep(id, cost);
            }
        }
        found
    }

    /// The words `word` begins, with `typos` edits allowed, at most [`MAX_PREFIX_WORDS`] of them
    /// (fewest typos first, then the words in most films).
    fn reference_prefixes(index: &TextIndex, word: &str, typos: u8) -> Vec<(u64, Cost)> {
        let mut found: Vec<(u64, Cost)> = Vec::new();
        let exact = Str::new(word).starts_with();
        let mut stream = index.vocabulary.search(&exact).into_stream();
        while let Some((key, id)) = stream.next() {
            if key.len() > word.len() {
                found.push((
                    id,
                    Cost {
                        typos: 0,
                        prefix: true,
                    },
                ));
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

    #[test]
    fn derivations_are_the_streamed_ones() {
        // Words from few syllables: many begin with the same letters (more than
        // MAX_PREFIX_WORDS begin with "k" and with "ka"), and many are one or two edits apart.
        let mut state = 4242u64;
        let mut next = |bound: usize| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) as usize % bound
        };
        let syllables = [
            "ka", "ko", "ta", "to", "ra", "ri", "n", "s", "el", "é", "千",
        ];
        let vocabulary: Vec<String> = (0..3000)
            .map(|_| {
                (0..1 + next(6))
                    .map(|_| syllables[next(syllables.len())])
                    .collect()
            })
            .collect();
        let titles: Vec<String> = (0..1500)
            .map(|_| {
                (0..1 + next(3))
                    .map(|_| vocabulary[next(vocabulary.len())].as_str())
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        let index = TextIndex::build(titles.iter().enumerate().map(|(row, title)| FilmTexts {
            title,
            popularity: (row % 7) as i64,
            ..FilmTexts::default()
        }));
        let mut words: Vec<String> = Vec::new();
        for word in vocabulary.iter().take(400) {
            let word = crate::normalise::normalised(word);
            for (end, _) in word.char_indices().skip(1) {
                words.push(word[..end].to_owned());
            }
            let boundaries: Vec<usize> = word
                .char_indices()
                .map(|(at, _)| at)
                .chain([word.len()])
                .collect();
            let mut typo = word.clone();
            typo.insert(boundaries[next(boundaries.len())], 'o');
            words.push(typo.replace('千', ""));
            words.push(word);
        }
        let mut limited = 0;
        for word in &words {
            for last in [false, true] {
                let mut found: Vec<_> = derivations(&index, word, last).into_iter().collect();
                let mut reference: Vec<_> = reference_derivations(&index, word, last)
                    .into_iter()
                    .collect();
                found.sort_unstable();
                reference.sort_unstable();
                assert_eq!(found, reference, "{word:?}, last {last}");
            }
            limited += usize::from(index.top_prefix_words(word).is_some());
        }
        assert!(
            limited > 100,
            "{limited} prefixes begin {MAX_PREFIX_WORDS} words"
        );
    }
}
