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
    /// tests are written as bytes first, which the compiler turns into vector compares, then
    /// packed into the word's bits eight at a time; words with no row left are skipped.
    pub fn retain<T: Copy>(&mut self, column: &[T], keep: impl Fn(T) -> bool) {
        let chunks = column.chunks_exact(64);
        let tail = chunks.remainder();
        for (word, values) in self.words.iter_mut().zip(chunks) {
            if *word != 0 {
                *word &= passing(values, &keep);
            }
        }
        if let Some(word) = self.words.get_mut(column.len() / 64) {
            let mut kept = 0u64;
            for (bit, &value) in tail.iter().enumerate() {
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

    /// Adds every row of `other` (a set over as many rows).
    pub fn unite(&mut self, other: &RowSet) {
        self.words
            .iter_mut()
            .zip(&other.words)
            .for_each(|(word, other)| *word |= other);
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

/// Bit `i` set when `values[i]` (64 of them) passes `keep`. The tests go to bytes of 0 or 1;
/// eight such bytes read as one u64 and multiplied by 0x0102040810204080 carry byte `k`'s bit
/// to bit 56 + k with no two products overlapping, so the top byte is the eight bits. On i32
/// columns this is several times faster than shifting each test into the word
/// (docs/perf-journal.md, "the filter's row set").
#[inline]
fn passing<T: Copy>(values: &[T], keep: &impl Fn(T) -> bool) -> u64 {
    let mut tests = [0u8; 64];
    for (test, &value) in tests.iter_mut().zip(values) {
        *test = u8::from(keep(value));
    }
    let mut bits = 0u64;
    for (group, bytes) in tests.chunks_exact(8).enumerate() {
        let bytes = u64::from_le_bytes(bytes.try_into().expect("chunks of 8 bytes"));
        bits |= (bytes.wrapping_mul(0x0102_0408_1020_4080) >> 56) << (group * 8);
    }
    bits
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

    proptest::proptest! {
        /// The packed tests keep exactly the rows a test row by row keeps, for any length
        /// (whole words and a partial last one) and any starting set.
        #[test]
        fn retain_keeps_the_rows_whose_value_passes(
            values in proptest::collection::vec(-5i32..5, 0..300),
            start in proptest::collection::vec(proptest::prelude::any::<bool>(), 300),
            (low, high) in (-6i32..6, -6i32..6),
        ) {
            let films = values.len();
            let rows: Vec<u32> = (0..films as u32).filter(|&row| start[row as usize]).collect();
            let mut set = RowSet::of(films, [rows.as_slice()]);
            set.retain(&values, |value| low <= value && value <= high);
            let expected: Vec<u32> = rows
                .into_iter()
                .filter(|&row| (low..=high).contains(&values[row as usize]))
                .collect();
            proptest::prop_assert_eq!(set.rows().collect::<Vec<u32>>(), expected);
        }
    }
}
