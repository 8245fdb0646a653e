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

    /// Every row of `films`.
    pub fn full(films: usize) -> RowSet {
        let mut words = vec![u64::MAX; films.div_ceil(64)];
        if let Some(last) = words.last_mut().filter(|_| !films.is_multiple_of(64)) {
            *last = (1 << (films % 64)) - 1;
        }
        RowSet { words }
    }

    /// Keeps the rows whose value in `column` (one per row) passes `keep`. Each word's 64
    /// values are tested without branches, so a long column is read at memory speed; words
    /// with no row left are skipped.
    pub fn retain<T: Copy>(&mut self, column: &[T], keep: impl Fn(T) -> bool) {
        for (word, values) in self.words.iter_mut().zip(column.chunks(64)) {
            if *word == 0 {
                continue;
            }
            let mut kept = 0u64;
            for (bit, &value) in values.iter().enumerate() {
                kept |= u64::from(keep(value)) << bit;
            }
            *word &= kept;
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

    #[test]
    fn a_full_set_holds_every_row_and_retain_keeps_the_passing_ones() {
        for films in [0, 1, 63, 64, 65, 130] {
            let full = RowSet::full(films);
            assert_eq!(
                full.rows().collect::<Vec<u32>>(),
                (0..films as u32).collect::<Vec<_>>()
            );
        }
        let values: Vec<u32> = (0..130).collect();
        let mut set = RowSet::full(130);
        set.retain(&values, |value| value % 3 == 0);
        let mut set_again = set.clone();
        set_again.retain(&values, |value| value >= 64);
        assert_eq!(set.count(), 44);
        assert_eq!(
            set_again.rows().collect::<Vec<u32>>(),
            (64..130).filter(|value| value % 3 == 0).collect::<Vec<_>>()
        );
    }
}
