//! The text fields a regex criterion looks at, and the fast way to run a regex over all films:
//! each text field of every film is kept in one [`Haystack`], a line per film, so one regex
//! pass over about a megabyte finds the matching films instead of 40k separate searches.
//!
//! The pass gives the same answer as testing each film when the pattern is compiled a second
//! time with multi-line on (see `search::text`): `^` and `$` then match at each film's line
//! ends as they match at the value's ends, and `\b` sees the line break as it sees the value's
//! edge. A match that crosses a line break proves nothing, so the films it touches are tested
//! one by one.

use regex::Regex;

use super::film::Film;
use super::row_set::RowSet;
use crate::serve::turns::checkpoint;

/// The text fields a regex criterion can look at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextField {
    Title,
    /// The persons joined with ",".
    Persons,
    /// The genres joined with ",".
    Genres,
}

impl TextField {
    pub const ALL: [TextField; 3] = [TextField::Title, TextField::Persons, TextField::Genres];

    pub fn of(self, film: &Film) -> &str {
        match self {
            TextField::Title => &film.title,
            TextField::Persons => &film.persons_joined,
            TextField::Genres => &film.genres_joined,
        }
    }
}

/// The values of one text field of every film, one per line, in row order.
#[derive(Debug, Default)]
pub struct Haystack {
    text: String,
    /// Where each row's line starts.
    starts: Vec<usize>,
    /// False when some value contains a line break, which would make lines ambiguous.
    usable: bool,
}

impl Haystack {
    pub fn new<'a>(values: impl IntoIterator<Item = &'a str>) -> Haystack {
        let mut haystack = Haystack {
            usable: true,
            ..Haystack::default()
        };
        for value in values {
            haystack.usable &= !value.contains(['\n', '\r']);
            haystack.starts.push(haystack.text.len());
            haystack.text.push_str(value);
            haystack.text.push('\n');
        }
        haystack
    }

    pub fn usable(&self) -> bool {
        self.usable
    }

    /// The row whose line holds byte `position` (its line break included), knowing that it is
    /// row `from` or a later one. Matches come in order, so an exponential search from the
    /// previous match's row reads a few nearby entries where a binary search over all rows
    /// would miss the cache at nearly every step.
    fn row_from(&self, from: usize, position: usize) -> usize {
        let starts = &self.starts[from..];
        let mut bound = 1;
        while bound < starts.len() && starts[bound] <= position {
            bound *= 2;
        }
        // starts[bound / 2] <= position (the first time because row `from` holds it).
        let low = bound / 2;
        let high = bound.min(starts.len());
        from + low + starts[low..high].partition_point(|&start| start <= position) - 1
    }

    /// Where row `row`'s line break is.
    fn line_end(&self, row: usize) -> usize {
        self.starts
            .get(row + 1)
            .map_or(self.text.len().saturating_sub(1), |next| next - 1)
    }

    /// Adds to `out` every row whose value `per_value` matches, in one pass of `whole` (the
    /// same pattern compiled with multi-line on); `value` gives a row's value. A row is decided
    /// by its first match: the search goes on from the next row's line, so a pattern that
    /// matches everywhere (`.`, `e`) costs one match per film, not one per character.
    pub fn find<'a>(
        &self,
        whole: &Regex,
        per_value: &Regex,
        value: impl Fn(usize) -> &'a str,
        out: &mut RowSet,
    ) {
        if self.starts.is_empty() {
            return;
        }
        let (mut row, mut at) = (0, 0);
        while at <= self.text.len() {
            // Between matches, a search may lend its turn to a lighter client's request.
            checkpoint();
            let Some(found) = whole.find_at(&self.text, at) else {
                return;
            };
            let first = self.row_from(row, found.start());
            let last = if found.end() <= self.line_end(first) {
                out.insert(first as u32);
                first
            } else {
                // Across a line break (or at the very end): test each film it touches.
                let last = self.row_from(first, found.end());
                for touched in first..=last {
                    if per_value.is_match(value(touched)) {
                        out.insert(touched as u32);
                    }
                }
                last
            };
            match self.starts.get(last + 1) {
                Some(&next) => (row, at) = (last + 1, next),
                None => return,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_position_is_found_in_its_row_from_any_earlier_row() {
        let haystack = Haystack::new(["ab", "", "c", "defgh", "", "", "ijklmnop", "q"]);
        for position in 0..=haystack.text.len() {
            let row = haystack
                .starts
                .iter()
                .rposition(|&start| start <= position)
                .expect("row 0 starts at 0");
            for from in 0..=row {
                assert_eq!(haystack.row_from(from, position), row, "{position} {from}");
            }
        }
    }
}
