//! Text to search words, the same way for titles, names and queries: compatibility-decomposed
//! (NFKD, so "ﬁ" is "fi" and "Ａ" is "a"), accents dropped (the combining marks NFKD splits
//! off: "Amélie" -> "amelie"), lower-cased, and cut at anything that is not a letter or a digit
//! ("Spider-Man" -> "spider", "man"; "WALL·E" -> "wall", "e"). Chinese, Japanese and Korean
//! are written without spaces, so each of their characters is a word of its own; Cyrillic,
//! Greek, Arabic and the other alphabets are words like Latin ones.

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// The normalised words of `text`, in order.
pub fn words(text: &str) -> Vec<String> {
    if text.is_ascii() {
        // Most titles and names: nothing to decompose, so skip NFKD (a third of the index's
        // build time at 40k films went to it).
        return text
            .split(|character: char| !character.is_ascii_alphanumeric())
            .filter(|word| !word.is_empty())
            .map(str::to_ascii_lowercase)
            .collect();
    }
    let mut words = Vec::new();
    let mut current = String::new();
    for character in text.nfkd() {
        if is_combining_mark(character) {
            continue;
        }
        if is_ideographic(character) {
            flush(&mut current, &mut words);
            words.push(character.to_string());
        } else if character.is_alphanumeric() {
            current.extend(character.to_lowercase());
        } else {
            flush(&mut current, &mut words);
        }
    }
    flush(&mut current, &mut words);
    words
}

/// `text` as one normalised string, its words joined by single spaces: "Amélie!" -> "amelie".
pub fn normalised(text: &str) -> String {
    words(text).join(" ")
}

fn flush(current: &mut String, words: &mut Vec<String>) {
    if !current.is_empty() {
        words.push(std::mem::take(current));
    }
}

/// Scripts written without spaces between words: Han, Hiragana, Katakana, Thai, Lao, Khmer
/// and Myanmar. (Korean puts spaces between words; NFKD spells its syllables as letters.)
pub(crate) fn is_ideographic(character: char) -> bool {
    matches!(character as u32,
        0x0E00..=0x0EFF       // Thai, Lao
        | 0x1000..=0x109F     // Myanmar
        | 0x1780..=0x17FF     // Khmer
        | 0x3040..=0x30FF     // Hiragana, Katakana
        | 0x3400..=0x4DBF     // CJK extension A
        | 0x4E00..=0x9FFF     // CJK unified ideographs
        | 0xF900..=0xFAFF     // CJK compatibility ideographs
        | 0x20000..=0x3134F   // CJK extensions B-G
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_accents_and_punctuation_go() {
        assert_eq!(words("Amélie"), ["amelie"]);
        assert_eq!(
            words("Spider-Man: No Way Home"),
            ["spider", "man", "no", "way", "home"]
        );
        assert_eq!(words("WALL·E"), ["wall", "e"]);
        assert_eq!(
            words("Le fabuleux destin d'Amélie Poulain"),
            ["le", "fabuleux", "destin", "d", "amelie", "poulain"]
        );
        assert_eq!(words("  Ōkami  ÆON ﬁlm Ｘ"), ["okami", "æon", "film", "x"]);
        assert_eq!(words("\"Quoted\" (1999)"), ["quoted", "1999"]);
        assert_eq!(words("!!! --- ..."), Vec::<String>::new());
    }

    #[test]
    fn other_scripts_stay_searchable() {
        assert_eq!(words("Сталкер"), ["сталкер"]);
        assert_eq!(words("Ёлки"), ["елки"]);
        assert_eq!(words("الرسالة"), ["الرسالة"]);
        assert_eq!(
            words("千と千尋の神隠し"),
            ["千", "と", "千", "尋", "の", "神", "隠", "し"]
        );
        // Korean words are spaced; a syllable decomposes into letters, the same in a query.
        assert_eq!(words("기생충 영화").len(), 2);
        assert_eq!(words("기생충"), words("기생충"));
    }

    #[test]
    fn ascii_text_takes_the_short_way_to_the_same_words() {
        for text in [
            "Spider-Man: No Way Home",
            "WALL E",
            "  a--b  ",
            "Se7en (1995)",
            "",
        ] {
            let mut slow = Vec::new();
            let mut current = String::new();
            for character in text.chars() {
                if character.is_alphanumeric() {
                    current.extend(character.to_lowercase());
                } else {
                    flush(&mut current, &mut slow);
                }
            }
            flush(&mut current, &mut slow);
            assert_eq!(words(text), slow, "{text}");
        }
    }

    #[test]
    fn normalised_joins_the_words() {
        assert_eq!(normalised(" Amélie!  "), "amelie");
        assert_eq!(normalised("WALL·E"), "wall e");
    }
}
