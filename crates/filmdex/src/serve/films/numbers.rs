//! The numeric fields of every film as columns in row order: a search's bounds (dates,
//! rating, votes, duration) read these small arrays from start to end, 64 films per bitset
//! word, instead of each film's whole struct (over 200 bytes, so a cache line or more per
//! film). The whole-number columns are i32, as the database stores them: half the bytes of
//! i64, and twice the values per vector compare.

use super::film::Film;

/// A whole-number value the film lacks: below every value a film can have (they come from
/// i32 columns whose minimum no real date, count or duration reaches), so no bound admits it
/// once bounds are clamped above it ([`WholeBounds`]).
pub const MISSING: i32 = i32::MIN;

/// One value per film and field. Missing values are [`MISSING`], or NaN for the rating (no
/// comparison holds with NaN).
#[derive(Debug, Default)]
pub struct NumberColumns {
    /// The `year` DATE as yyyymmdd.
    pub date: Vec<i32>,
    pub rating: Vec<f64>,
    pub vote_count: Vec<i32>,
    pub duration: Vec<i32>,
}

impl NumberColumns {
    /// The columns of `films`, in their order.
    pub fn new(films: &[Film]) -> Self {
        let whole = |value: Option<i32>| value.unwrap_or(MISSING);
        NumberColumns {
            date: films.iter().map(|film| whole(film.date)).collect(),
            rating: films
                .iter()
                .map(|film| film.rating.unwrap_or(f64::NAN))
                .collect(),
            vote_count: films.iter().map(|film| whole(film.vote_count)).collect(),
            duration: films.iter().map(|film| whole(film.duration)).collect(),
        }
    }
}

/// Inclusive bounds on a whole-number column, as one unsigned comparison per value: `value`
/// passes when `value - low` (wrapping) is at most `high - low` as u32. A value below `low`
/// wraps to above the span, so the one comparison tests both ends without a branch.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WholeBounds {
    low: i32,
    span: u32,
}

impl WholeBounds {
    /// The values from `min` to `max` (either open when `None`) that are not [`MISSING`];
    /// `None` when no value can pass (the range is empty within i32).
    pub fn new(min: Option<i64>, max: Option<i64>) -> Option<WholeBounds> {
        let low = min.unwrap_or(i64::MIN).max(i64::from(MISSING) + 1);
        let high = max.unwrap_or(i64::MAX).min(i64::from(i32::MAX));
        if low > high {
            return None;
        }
        let low = i32::try_from(low).expect("clamped into i32 above");
        let high = i32::try_from(high).expect("clamped into i32 above");
        Some(WholeBounds {
            low,
            span: high.abs_diff(low),
        })
    }

    #[inline]
    pub fn admits(self, value: i32) -> bool {
        value.wrapping_sub(self.low) as u32 <= self.span
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn bound() -> impl Strategy<Value = Option<i64>> {
        proptest::option::of(prop_oneof![
            any::<i64>(),
            -3i64..3,
            any::<i32>().prop_map(i64::from),
        ])
    }

    proptest! {
        /// One comparison admits exactly the present values within both bounds.
        #[test]
        fn whole_bounds_admit_the_present_values_in_range(
            value in prop_oneof![any::<i32>(), -3i32..3, Just(MISSING), Just(i32::MAX)],
            min in bound(),
            max in bound(),
        ) {
            let expected = value != MISSING
                && min.is_none_or(|min| min <= i64::from(value))
                && max.is_none_or(|max| i64::from(value) <= max);
            let admitted = WholeBounds::new(min, max).is_some_and(|bounds| bounds.admits(value));
            prop_assert_eq!(admitted, expected);
        }
    }

    #[test]
    fn the_widest_bounds_still_refuse_a_missing_value() {
        let all = WholeBounds::new(None, None).expect("not empty");
        assert!(all.admits(i32::MIN + 1) && all.admits(i32::MAX) && !all.admits(MISSING));
        assert_eq!(WholeBounds::new(Some(5), Some(4)), None);
        assert_eq!(WholeBounds::new(Some(i64::from(i32::MAX) + 1), None), None);
        assert_eq!(WholeBounds::new(None, Some(i64::from(MISSING))), None);
    }
}
