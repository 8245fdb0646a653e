//! A set of rows of the film table as a bitset: how criteria intersect cheaply.

/// A set of film rows as a bitset, for intersecting the exact-list criteria cheaply.
#[derive(Debug, Clone, PartialEq)]
pub struct RowSet {
    words: Vec<u64>,
}

impl RowSet {
    pub fn empty(films: usize) -> RowSet {
        RowSet {
            words: vec![0; films.div_ceil(64)],
        }
    }

    pub fn insert(&mut self, row: u32) {
        self.words[row as usize / 64] |= 1 << (row % 64);
    }

    pub fn count(&self) -> usize {
        self.words
            .iter()
            .map(|word| word.count_ones() as usize)
            .sum()
    }

    /// The union of `lists`, over `films` rows.
    pub fn of<'a>(films: usize, lists: impl IntoIterator<Item = &'a [u32]>) -> RowSet {
        let mut set = RowSet {
            words: vec![0; films.div_ceil(64)],
        };
        for &row in lists.into_iter().flatten() {
            set.words[row as usize / 64] |= 1 << (row % 64);
        }
        set
    }

    pub fn intersect(&mut self, other: &RowSet) {
        self.words
            .iter_mut()
            .zip(&other.words)
            .for_each(|(word, other)| *word &= other);
    }

    /// The rows in the set, ascending.
    pub fn rows(&self) -> impl Iterator<Item = u32> + '_ {
        self.words.iter().enumerate().flat_map(|(index, &word)| {
            let mut word = word;
            std::iter::from_fn(move || {
                (word != 0).then(|| {
                    let bit = word.trailing_zeros();
                    word &= word - 1;
                    (index * 64) as u32 + bit
                })
            })
        })
    }

    /// The bitset itself: row `r` is in the set when bit `r % 64` of word `r / 64` is set.
    pub fn words(&self) -> &[u64] {
        &self.words
    }

    pub fn contains(&self, row: u32) -> bool {
        self.words
            .get(row as usize / 64)
            .is_some_and(|word| word & (1 << (row % 64)) != 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn row_sets_intersect() {
        let mut set = RowSet::of(130, [[1u32, 64, 129].as_slice()]);
        set.intersect(&RowSet::of(130, [[64u32].as_slice(), [129u32].as_slice()]));
        assert!(!set.contains(1) && set.contains(64) && set.contains(129) && !set.contains(500));
        assert_eq!(set.rows().collect::<Vec<u32>>(), [64, 129]);
        assert_eq!(set.count(), 2);
    }
}
