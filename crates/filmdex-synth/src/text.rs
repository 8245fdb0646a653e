//! Text of titles and people: Zipf words with the quotes, commas, apostrophes and scripts that
//! real dumps carry (double quotes are data in IMDb files, never quoting).

use crate::plan::{Plan, TitleCore};
use crate::profiles::Kind;
use crate::rng::{Rng, Stream};
use crate::vocab::{self, FEMALE_FIRST_NAMES, FOREIGN_WORDS, MALE_FIRST_NAMES, ROLES, TITLE_WORDS};

/// Writes a title's primaryTitle and originalTitle into two cleared buffers; both basics and
/// akas call it, and get the same text because it comes from the title's own stream.
pub(crate) fn title_texts(
    plan: &Plan,
    core: &TitleCore,
    primary: &mut Vec<u8>,
    original: &mut Vec<u8>,
) {
    primary.clear();
    original.clear();
    let mut rng = Rng::for_item(plan.seed, Stream::TitleText, core.index);
    if core.kind() == Kind::TvEpisode && rng.chance(0.3) {
        // Real episodes are very often just "Episode #1.5".
        let season = rng.between(1, 12);
        let episode = rng.between(1, 30);
        primary.extend_from_slice(format!("Episode #{season}.{episode}").as_bytes());
    } else {
        write_words(plan, &mut rng, primary);
    }
    if core.original_differs {
        let words = rng.weighted(&[(1, 30), (2, 35), (3, 20), (4, 15)]);
        foreign_words(plan, &mut rng, words, original);
    } else {
        original.extend_from_slice(primary);
    }
}

/// 1 to 6 words with occasional separators, quotes and sequel numbers.
fn write_words(plan: &Plan, rng: &mut Rng, out: &mut Vec<u8>) {
    let words = rng.weighted(&[(1, 25), (2, 30), (3, 20), (4, 12), (5, 8), (6, 5)]);
    let quoted = if rng.chance(0.015) {
        rng.below(words)
    } else {
        words
    };
    for position in 0..words {
        if position > 0 {
            let separator = rng.weighted(&[(" ", 920), (", ", 30), (": ", 40), (" - ", 10)]);
            out.extend_from_slice(separator.as_bytes());
        }
        if position == quoted {
            out.push(b'"');
        }
        title_word(plan, rng, out);
        if position == quoted {
            out.push(b'"');
        }
    }
    // An unbalanced quote, as in `12" Single`, and sequels, which make franchises.
    if rng.chance(0.002) {
        out.push(b'"');
    }
    if rng.chance(0.03) {
        let sequel = rng.choose(&[" 2", " 3", " II", " III", ": Part 2", " 4"]);
        out.extend_from_slice(sequel.as_bytes());
    }
}

fn title_word(plan: &Plan, rng: &mut Rng, out: &mut Vec<u8>) {
    let rank = plan.title_words.sample(rng);
    match TITLE_WORDS.get(rank as usize) {
        Some(word) => out.extend_from_slice(word.as_bytes()),
        None => vocab::synthetic_word(rank - TITLE_WORDS.len() as u64, out),
    }
}

/// A title in other languages: accents, Cyrillic, Greek, CJK, Hangul.
pub(crate) fn foreign_words(plan: &Plan, rng: &mut Rng, count: u64, out: &mut Vec<u8>) {
    for position in 0..count {
        if position > 0 {
            out.push(b' ');
        }
        let rank = plan.foreign_words.sample(rng) as usize;
        out.extend_from_slice(FOREIGN_WORDS[rank].as_bytes());
    }
}

/// A person's primaryName; `female` picks the first name list.
pub(crate) fn person_name(plan: &Plan, female: bool, rng: &mut Rng, out: &mut Vec<u8>) {
    let first_names = if female {
        FEMALE_FIRST_NAMES
    } else {
        MALE_FIRST_NAMES
    };
    out.extend_from_slice(rng.choose(first_names).as_bytes());
    if rng.chance(0.01) {
        // A mononym, like Björk.
        return;
    }
    out.push(b' ');
    if rng.chance(0.05) {
        out.push(b'A' + rng.below(26) as u8);
        out.extend_from_slice(b". ");
    }
    vocab::surname(plan.surnames.sample(rng), out);
    if rng.chance(0.01) {
        out.extend_from_slice(b" Jr.");
    }
}

/// A `characters` JSON array of one or two parts, some with escaped quotes.
pub(crate) fn characters(plan: &Plan, female: bool, rng: &mut Rng, out: &mut Vec<u8>) {
    out.push(b'[');
    let parts = if rng.chance(0.05) { 2 } else { 1 };
    for part in 0..parts {
        if part > 0 {
            out.push(b',');
        }
        out.push(b'"');
        character(plan, female, rng, out);
        out.push(b'"');
    }
    out.push(b']');
}

fn character(plan: &Plan, female: bool, rng: &mut Rng, out: &mut Vec<u8>) {
    let first_names = if female {
        FEMALE_FIRST_NAMES
    } else {
        MALE_FIRST_NAMES
    };
    match rng.below(20) {
        0..=11 => out.extend_from_slice(rng.choose(first_names).as_bytes()),
        12..=15 => person_name(plan, female, rng, out),
        16..=18 => out.extend_from_slice(rng.choose(ROLES).as_bytes()),
        _ => {
            // A nickname in quotes: JSON escapes them inside the array.
            out.extend_from_slice(rng.choose(first_names).as_bytes());
            out.extend_from_slice(b" \\\"");
            title_word(plan, rng, out);
            out.extend_from_slice(b"\\\"");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extra::Extra;
    use crate::{Shape, SynthParams};

    fn sample_titles(count: u64) -> Vec<String> {
        let params = SynthParams {
            shape: Shape::Dumps { scale: 0.01 },
            seed: 5,
        };
        let plan = Plan::new(&params, &Extra::default()).expect("valid plan");
        let (mut primary, mut original) = (Vec::new(), Vec::new());
        (0..count)
            .map(|index| {
                let core = TitleCore::generate(&plan, index);
                title_texts(&plan, &core, &mut primary, &mut original);
                String::from_utf8(primary.clone()).expect("titles are UTF-8")
            })
            .collect()
    }

    #[test]
    fn titles_carry_the_quirks_of_real_ones() {
        let titles = sample_titles(20_000);
        let has = |needle: char| titles.iter().filter(|t| t.contains(needle)).count();
        assert!(has('"') > 50, "double quotes");
        assert!(has(',') > 200, "commas");
        assert!(has('\'') > 50, "apostrophes");
        assert!(
            titles.iter().filter(|t| !t.is_ascii()).count() > 200,
            "unicode"
        );
        assert!(titles
            .iter()
            .all(|t| !t.is_empty() && !t.contains(['\t', '\n'])));
    }
}
