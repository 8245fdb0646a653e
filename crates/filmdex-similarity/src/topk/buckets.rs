//! Similarity buckets: a coarse, order-preserving key that lets the search count and place a
//! film's candidates (a counting sort) instead of selecting or sorting them all.

use crate::kernel::Ranked;

/// Candidates are picked by similarity bucket: the exponent and the top `MANTISSA_BITS`
/// mantissa bits, so buckets order as similarities do and each spans a factor of at most
/// 1 + 2^-5: a handful of a film's candidates. Similarities below 2^-16 share bucket 0, and
/// the last bucket holds any rounded a little above 1.
const MANTISSA_BITS: u32 = 5;
/// The exponent and mantissa bits of 2^-16, bucket 0.
const LOWEST: u64 = (1023 - 16) << MANTISSA_BITS;
pub(super) const BUCKETS: usize = (16 << MANTISSA_BITS) + 2;

#[inline]
pub(super) fn bucket(r: Ranked) -> usize {
    let top = r.similarity_bits() >> (52 - MANTISSA_BITS);
    (top.saturating_sub(LOWEST) as usize).min(BUCKETS - 1)
}

/// The highest bucket from `lowest` up with at least k films counted in it and above, and how
/// many those are (fewer than k if `lowest` is returned); none is counted above bucket `top`.
/// Buckets are fine (a few candidates each) and the k-th best is often several octaves below
/// the best, so the walk sums eight buckets a step until the next eight would reach k.
pub(super) fn highest_cut(
    counts: &[u32; BUCKETS],
    lowest: usize,
    top: usize,
    k: usize,
) -> (usize, usize) {
    const STEP: usize = 8;
    let (mut cut, mut above) = (top + 1, 0);
    while cut >= lowest + STEP {
        let step: u32 = counts[cut - STEP..cut].iter().sum();
        if above + step as usize >= k {
            break;
        }
        above += step as usize;
        cut -= STEP;
    }
    while cut > lowest && above < k {
        cut -= 1;
        above += counts[cut] as usize;
    }
    (cut, above)
}

/// `highest_cut` from bucket 0 when `counted` films were counted in all: with fewer than k the
/// answer is bucket 0, found without walking down to it.
pub(super) fn highest_cut_of(
    counts: &[u32; BUCKETS],
    top: usize,
    counted: usize,
    k: usize,
) -> (usize, usize) {
    if counted < k {
        (0, counted)
    } else {
        highest_cut(counts, 0, top, k)
    }
}

/// The lowest similarity in bucket `b`: every similarity in it or above is at least this.
pub(super) fn bucket_floor(b: usize) -> f64 {
    if b == 0 {
        0.0
    } else {
        f64::from_bits((b as u64 + LOWEST) << (52 - MANTISSA_BITS))
    }
}

/// Sorts one bucket's candidates: insertion sort, as a bucket holds a handful; a big one (many
/// equal similarities) goes to the library's sort.
pub(super) fn sort_bucket(rows: &mut [Ranked]) {
    if rows.len() > 16 {
        rows.sort_unstable();
        return;
    }
    for i in 1..rows.len() {
        let r = rows[i];
        let mut j = i;
        while j > 0 && r < rows[j - 1] {
            rows[j] = rows[j - 1];
            j -= 1;
        }
        rows[j] = r;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// `highest_cut` walking one bucket a step: the plain walk the stepped one must agree with.
    fn highest_cut_one_by_one(
        counts: &[u32; BUCKETS],
        lowest: usize,
        top: usize,
        k: usize,
    ) -> (usize, usize) {
        let (mut cut, mut above) = (top + 1, 0);
        while cut > lowest && above < k {
            cut -= 1;
            above += counts[cut] as usize;
        }
        (cut, above)
    }

    proptest! {
        /// Eight buckets a step finds the same cut as one a step, for sparse and dense counts,
        /// any range and any k (fewer than the counted films included).
        #[test]
        fn highest_cut_steps_land_where_single_steps_do(
            filled in prop::collection::vec((0..BUCKETS, 0u32..5), 0..200),
            lowest in 0..BUCKETS,
            span in 0..BUCKETS,
            k in 1usize..300,
        ) {
            let mut counts = [0u32; BUCKETS];
            let top = (lowest + span).min(BUCKETS - 1);
            for (at, n) in filled {
                counts[lowest + at % (top - lowest + 1)] += n;
            }
            prop_assert_eq!(
                highest_cut(&counts, lowest, top, k),
                highest_cut_one_by_one(&counts, lowest, top, k)
            );
            if lowest == 0 {
                let counted = counts.iter().map(|&n| n as usize).sum();
                prop_assert_eq!(
                    highest_cut_of(&counts, top, counted, k),
                    highest_cut_one_by_one(&counts, 0, top, k)
                );
            }
        }
    }

    #[test]
    fn buckets_order_as_similarities() {
        let similarities = [
            0.0,
            1e-9,
            0.5f64.powi(16),
            0.01,
            0.0101,
            0.5,
            0.99,
            1.0,
            1.1,
        ];
        let buckets: Vec<usize> = (similarities.iter())
            .map(|&s| bucket(Ranked::new(s, 0)))
            .collect();
        assert!(buckets.windows(2).all(|w| w[0] <= w[1]), "{buckets:?}");
        assert_eq!(buckets[..3], [0, 0, 0]);
        assert!(buckets[3] < buckets[4] && buckets[6] < buckets[7]);
        assert_eq!(buckets[8], BUCKETS - 1);
    }

    #[test]
    fn a_bucket_floor_is_at_most_its_similarities() {
        let mut s = 1e-7;
        while s < 1.2 {
            let b = bucket(Ranked::new(s, 0));
            assert!(bucket_floor(b) <= s, "{s}");
            assert!(
                b == 0 || bucket(Ranked::new(bucket_floor(b), 0)) == b,
                "{s}"
            );
            s *= 1.0 + 1.0 / 97.0;
        }
    }

    #[test]
    fn sort_bucket_sorts_small_and_big_buckets() {
        for n in [0, 1, 2, 16, 17, 40] {
            let mut rows: Vec<Ranked> = (0..n)
                .map(|i: u32| Ranked::new(f64::from((i * 7) % 5) / 8.0, (i * 13) % 17))
                .collect();
            let mut expected = rows.clone();
            expected.sort_unstable();
            sort_bucket(&mut rows);
            assert_eq!(rows, expected, "{n} rows");
        }
    }
}
