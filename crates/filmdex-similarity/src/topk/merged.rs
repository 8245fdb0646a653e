//! A full profile's two streams read as one: `same` (films with the profile's exclusive term)
//! and `others` (films of the base profiles sharing a general heavy term), merged level by
//! level once per full profile.

use crate::kernel::Scratch;
use crate::matrix::TfIdfMatrix;
use crate::profiles::NONE;

use super::stream::Stream;

/// Reads the `same` and `others` streams as one, level by level (`level_of`), for all films
/// of one full profile (they read the same sequence, so it is merged once and kept).
/// `others` holds its films with their key G * inv_b, right for films whose exclusive term
/// differs from the profile's; films with the same one are skipped there, as `same` has them
/// with their key (G + w_a(x) * w_b(x)) * inv_b. Within a level films are in no order.
pub(super) struct Merged {
    exclusive: u32,
    /// How many of each stream's levels are merged.
    same: usize,
    others: usize,
    prefix: Vec<(f64, u32)>,
    /// (level, end in `prefix`) of each merged level, highest level first.
    levels: Vec<(u32, usize)>,
}

impl Merged {
    pub(super) fn new() -> Self {
        Merged {
            exclusive: NONE,
            same: 0,
            others: 0,
            prefix: Vec::new(),
            levels: Vec::new(),
        }
    }

    pub(super) fn reset(&mut self, exclusive: u32) {
        self.exclusive = exclusive;
        self.same = 0;
        self.others = 0;
        self.prefix.clear();
        self.levels.clear();
    }

    /// The `j`-th level of the merged streams: its number and its films with their keys,
    /// merging further if needed.
    #[inline]
    pub(super) fn level(
        &mut self,
        m: &TfIdfMatrix,
        scratch: &Scratch,
        j: usize,
        same: &mut Stream,
        others: &mut Stream,
    ) -> Option<(u32, &[(f64, u32)])> {
        while self.levels.len() <= j {
            if !self.merge_level(m, scratch, same, others) {
                return None;
            }
        }
        let start = if j == 0 { 0 } else { self.levels[j - 1].1 };
        let (level, end) = self.levels[j];
        Some((level, &self.prefix[start..end]))
    }

    /// Merges the next level of either stream (the higher; both if equal).
    #[inline(never)]
    fn merge_level(
        &mut self,
        m: &TfIdfMatrix,
        scratch: &Scratch,
        same: &mut Stream,
        others: &mut Stream,
    ) -> bool {
        let from_same = same.level(m, scratch, self.same);
        let from_others = others.level(m, scratch, self.others);
        let level = match (from_same, from_others) {
            (None, None) => return false,
            (Some(s), None) => s,
            (None, Some(o)) => o,
            (Some(s), Some(o)) => s.max(o),
        };
        if from_same == Some(level) {
            let films = same.level_films(self.same);
            self.prefix
                .extend(films.iter().map(|&(key, b, _)| (key, b)));
            self.same += 1;
        }
        if from_others == Some(level) {
            let films = others.level_films(self.others);
            let exclusive = self.exclusive;
            self.prefix.extend(
                (films.iter())
                    .filter(|&&(_, _, x)| exclusive == NONE || x != exclusive)
                    .map(|&(key, b, _)| (key, b)),
            );
            self.others += 1;
        }
        self.levels.push((level, self.prefix.len()));
        true
    }
}
