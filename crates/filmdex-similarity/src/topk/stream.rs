//! Streams: the films of a set of profiles by descending level of their heavy-only key
//! h(profile) * inv_b, generated lazily and shared by every film of the loaded profile.

use crate::kernel::Scratch;
use crate::matrix::TfIdfMatrix;
use crate::profiles::{Groups, NONE};

/// Keys are grouped in levels: the exponent and top `LEVEL_BITS` mantissa bits, so levels
/// order as keys do and each spans a factor of at most 1 + 2^-LEVEL_BITS.
const LEVEL_BITS: u32 = 3;

#[inline]
pub(super) fn level_of(key: f64) -> u32 {
    (key.to_bits() >> (52 - LEVEL_BITS)) as u32
}

/// The least key of level `level`.
#[inline]
pub(super) fn level_floor(level: u32) -> f64 {
    f64::from_bits(u64::from(level) << (52 - LEVEL_BITS))
}

/// The groups a stream draws films from.
#[derive(Debug, Clone, Copy)]
pub(super) enum Family {
    Base,
    Full,
}

impl Family {
    fn groups(self, m: &TfIdfMatrix) -> &Groups {
        match self {
            Family::Base => &m.profiles.base,
            Family::Full => &m.profiles.full,
        }
    }
}

/// The films of a set of groups level by level of their key h(group) * inv_b (`level_of`),
/// generated lazily and kept (`prefix`) for every film that reads it. Within a level films are
/// in no order: readers score or count every film of a level, and need only know that every
/// later film's key is below the level's least key.
///
/// Films within a group are already by inv_b descending. Groups wait with their upper key (the
/// key of their first film) until a level reaches it; then they are active, and each level
/// takes from every active group its films with a key in the level. A group nobody reaches
/// costs one multiplication. Readers only need levels, not the exact key order, so a level
/// is taken whole from each active group, with no heap and no per-film ordering.
///
/// Readers stop a few dozen films deep, so a start lists only the groups whose upper key
/// reaches a threshold estimated from a sample (about k + 1 groups); a second pass over the
/// source lists the others once a level goes below that threshold.
pub(super) struct Stream {
    family: Family,
    source: Source,
    waiting: Vec<(f64, u32)>,
    /// The largest upper key in `waiting` (-inf if empty).
    waiting_max: f64,
    /// The largest next key of the active groups (-inf if none).
    active_max: f64,
    /// How many groups a start aims to list.
    listed: usize,
    /// Whether the groups whose upper key is below `threshold` are not listed in `waiting`.
    unlisted: bool,
    threshold: f64,
    /// Upper keys of the sample that estimates the threshold.
    sample: Vec<f64>,
    /// h of each listed group, and the next member of each group made active.
    h: Vec<f64>,
    cursor: Vec<u32>,
    /// Groups with films left below the last level; every group ever made active (whose
    /// cursor the next start resets).
    active: Vec<u32>,
    admitted: Vec<u32>,
    /// (key, film, its exclusive slot), level after level.
    prefix: Vec<(f64, u32, u32)>,
    /// (level, end in `prefix`) of each level generated, highest first.
    levels: Vec<(u32, usize)>,
}

/// The groups a stream holds.
#[derive(Debug, Clone, Copy)]
enum Source {
    Nothing,
    /// Base profiles sharing a general heavy term with the loaded one (h = G).
    Others,
    /// Full profiles with exclusive term `x`, h = G + `weight` * their weight for it.
    Same {
        x: u32,
        weight: f64,
    },
}

/// A source with fewer than this many groups per group to list has all of them listed.
const LIST_ALL_BELOW: usize = 3;
/// How many groups' upper keys estimate the threshold.
const SAMPLE: usize = 64;

impl Stream {
    pub(super) fn new(family: Family, m: &TfIdfMatrix) -> Self {
        let groups = family.groups(m).count();
        Stream {
            family,
            source: Source::Nothing,
            waiting: Vec::new(),
            waiting_max: f64::NEG_INFINITY,
            active_max: f64::NEG_INFINITY,
            listed: 1,
            unlisted: false,
            threshold: f64::NEG_INFINITY,
            sample: Vec::new(),
            h: vec![0.0; groups],
            cursor: vec![0; groups],
            active: Vec::new(),
            admitted: Vec::new(),
            prefix: Vec::new(),
            levels: Vec::new(),
        }
    }

    /// Starts over with the groups of `source`.
    fn reset(&mut self, m: &TfIdfMatrix, scratch: &Scratch, source: Source, k: usize) {
        for &g in &self.admitted {
            self.cursor[g as usize] = 0;
        }
        self.admitted.clear();
        self.active.clear();
        self.active_max = f64::NEG_INFINITY;
        self.prefix.clear();
        self.levels.clear();
        self.waiting.clear();
        self.source = source;
        // The first k + 1 films of the stream come from at most k + 1 groups (the ones with
        // the largest upper keys), so that many are listed first.
        self.listed = k.saturating_add(1);
        self.threshold = self.estimate_threshold(m, scratch);
        self.unlisted = false;
        self.list(m, scratch, |upper, threshold| upper >= threshold);
        self.waiting_max = largest_upper(&self.waiting);
    }

    /// A threshold with about `listed` groups at or above it: the upper key of one of `SAMPLE`
    /// groups evenly spread over the source (so at least that group is listed); -inf (list
    /// every group) for a source with few groups more than that.
    fn estimate_threshold(&mut self, m: &TfIdfMatrix, scratch: &Scratch) -> f64 {
        let n = self.source.len(m, scratch);
        if n < LIST_ALL_BELOW.saturating_mul(self.listed) || n < 2 * SAMPLE {
            return f64::NEG_INFINITY;
        }
        self.sample.clear();
        (self.source).sample_uppers(m, scratch, n / SAMPLE, &mut self.sample);
        // The sample's rank with the wanted share of the source above it (at least 1).
        let above = (self.listed * SAMPLE / n).max(1);
        let (_, &mut threshold, _) =
            (self.sample).select_nth_unstable_by(SAMPLE - above, |a, b| a.total_cmp(b));
        threshold
    }

    /// Lists into `waiting` the groups whose upper key passes `keep(upper, threshold)`,
    /// setting their h, and notes whether any was left out.
    fn list(&mut self, m: &TfIdfMatrix, scratch: &Scratch, keep: impl Fn(f64, f64) -> bool) {
        let (threshold, hs, waiting) = (self.threshold, &mut self.h, &mut self.waiting);
        let listed_before = waiting.len();
        let mut visit = |g: u32, h: f64, upper: f64| {
            if keep(upper, threshold) {
                hs[g as usize] = h;
                waiting.push((upper, g));
            }
        };
        let groups = match self.source {
            Source::Nothing => 0,
            Source::Others => {
                let (dots, first_inv) = (scratch.base_dots(), &m.profiles.base.first_inv[..]);
                let touched = scratch.base_touched();
                for &g in touched {
                    let h = dots[g as usize];
                    visit(g, h, h * first_inv[g as usize]);
                }
                touched.len()
            }
            Source::Same { x, weight } => {
                let dots = scratch.base_dots();
                let (fulls, bases, weights, firsts) = m.profiles.exclusive_lists(x);
                let n = fulls.len();
                let (bases, weights, firsts) = (&bases[..n], &weights[..n], &firsts[..n]);
                for i in 0..n {
                    let h = dots[bases[i] as usize] + weight * weights[i];
                    visit(fulls[i], h, h * firsts[i]);
                }
                n
            }
        };
        self.unlisted = self.waiting.len() - listed_before < groups;
    }

    /// Base profiles sharing a general heavy term with the loaded one, with h = G. The others
    /// would have keys of 0, below every neighbour's similarity: their films are found
    /// through a shared light or exclusive term, or are not neighbours.
    pub(super) fn start_others(&mut self, m: &TfIdfMatrix, scratch: &Scratch, k: usize) {
        self.reset(m, scratch, Source::Others, k);
    }

    /// Full profiles with the exclusive term x of the set one, with h = H = G + w_a(x) *
    /// w_b(x) (what `Profiles::heavy` computes for a shared x); none without one.
    pub(super) fn start_same(&mut self, m: &TfIdfMatrix, scratch: &Scratch, k: usize) {
        let (x, weight) = scratch.exclusive();
        let source = if x == NONE {
            Source::Nothing
        } else {
            Source::Same { x, weight }
        };
        self.reset(m, scratch, source, k);
    }

    /// The number of the `i`-th level of the stream that has films, generating it if needed.
    #[inline]
    pub(super) fn level(&mut self, m: &TfIdfMatrix, scratch: &Scratch, i: usize) -> Option<u32> {
        while self.levels.len() <= i {
            if !self.next_level(m, scratch) {
                return None;
            }
        }
        Some(self.levels[i].0)
    }

    /// The films of the `i`-th level generated.
    pub(super) fn level_films(&self, i: usize) -> &[(f64, u32, u32)] {
        let start = if i == 0 { 0 } else { self.levels[i - 1].1 };
        &self.prefix[start..self.levels[i].1]
    }

    /// Generates the next level that has films; false if no film is left.
    fn next_level(&mut self, m: &TfIdfMatrix, scratch: &Scratch) -> bool {
        loop {
            let unlisted_bound = if self.unlisted {
                self.threshold
            } else {
                f64::NEG_INFINITY
            };
            let bound = self.active_max.max(self.waiting_max).max(unlisted_bound);
            if bound == f64::NEG_INFINITY {
                return false;
            }
            let level = level_of(bound);
            let least = level_floor(level);
            // Every pass lists the rest, or takes a film: the bound is an active group's next
            // key, a waiting group's upper key (both at least `least`), or the threshold, and
            // `least` is at most the threshold then. (With `<`, a threshold exactly at a level's
            // least key would loop forever once every listed group was active.)
            if self.unlisted && least <= self.threshold {
                // Unlisted groups (upper keys below the threshold) may reach this level.
                self.list(m, scratch, |upper, threshold| upper < threshold);
                self.unlisted = false;
                self.waiting_max = largest_upper(&self.waiting);
                continue;
            }
            self.activate(least);
            if self.take_level(m, least) {
                self.levels.push((level, self.prefix.len()));
                return true;
            }
        }
    }

    /// Makes active the waiting groups whose upper key is at least `least`.
    fn activate(&mut self, least: f64) {
        let mut most = f64::NEG_INFINITY;
        let mut i = 0;
        while i < self.waiting.len() {
            let (upper, g) = self.waiting[i];
            if upper >= least {
                self.active.push(g);
                self.admitted.push(g);
                self.waiting.swap_remove(i);
            } else {
                most = if upper > most { upper } else { most };
                i += 1;
            }
        }
        self.waiting_max = most;
    }

    /// Takes from each active group its films with a key at least `least`; drops the groups
    /// left with none. Returns whether any film was taken.
    fn take_level(&mut self, m: &TfIdfMatrix, least: f64) -> bool {
        let groups = self.family.groups(m);
        let before = self.prefix.len();
        let mut most = f64::NEG_INFINITY;
        let mut i = 0;
        while i < self.active.len() {
            let g = self.active[i] as usize;
            let h = self.h[g];
            let mut next = self.cursor[g] as usize;
            let mut left = false;
            while let Some((b, inv_b, x)) = groups.member(g, next) {
                let key = h * inv_b;
                if key < least {
                    most = if key > most { key } else { most };
                    left = true;
                    break;
                }
                self.prefix.push((key, b, x));
                next += 1;
            }
            self.cursor[g] = next as u32;
            if left {
                i += 1;
            } else {
                self.active.swap_remove(i);
            }
        }
        self.active_max = most;
        self.prefix.len() > before
    }
}

/// The largest upper key of `waiting`, -inf if empty. Upper keys are never NaN, so a plain
/// comparison does (`f64::max` spends instructions on NaN).
fn largest_upper(waiting: &[(f64, u32)]) -> f64 {
    (waiting.iter()).fold(
        f64::NEG_INFINITY,
        |most, w| if w.0 > most { w.0 } else { most },
    )
}

impl Source {
    /// How many groups the source has.
    fn len(self, m: &TfIdfMatrix, scratch: &Scratch) -> usize {
        match self {
            Source::Nothing => 0,
            Source::Others => scratch.base_touched().len(),
            Source::Same { x, .. } => m.profiles.exclusive_lists(x).0.len(),
        }
    }

    /// The upper keys of `SAMPLE` groups `stride` apart, as `Stream::list` computes them, into
    /// `out`. A loop per source, not a group read per call: the per-call match and slicing
    /// cost more than the key.
    fn sample_uppers(self, m: &TfIdfMatrix, scratch: &Scratch, stride: usize, out: &mut Vec<f64>) {
        let dots = scratch.base_dots();
        let first_inv = &m.profiles.base.first_inv;
        match self {
            Source::Nothing => {}
            Source::Others => {
                let touched = scratch.base_touched();
                out.extend(
                    (0..SAMPLE)
                        .map(|i| touched[i * stride] as usize)
                        .map(|g| dots[g] * first_inv[g]),
                );
            }
            Source::Same { x, weight } => {
                let (_, bases, weights, firsts) = m.profiles.exclusive_lists(x);
                out.extend(
                    (0..SAMPLE)
                        .map(|i| i * stride)
                        .map(|i| (dots[bases[i] as usize] + weight * weights[i]) * firsts[i]),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::{FeatureSet, FilmRecord};
    use crate::split::HeavySplit;

    /// 6,000 films with 1-3 of 20 genres (heavy: hundreds of base profiles) and 10 ratings.
    fn many_profiles() -> TfIdfMatrix {
        let genres: Vec<String> = (0..20).map(|g| format!("genre{g}")).collect();
        let mut state = 7u64;
        let mut next = |n: u64| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) % n
        };
        let films: Vec<FilmRecord> = (0..6000)
            .map(|i| {
                let count = 1 + next(3) as usize;
                let film_genres: Vec<String> = (0..count)
                    .map(|_| genres[next(20) as usize].clone())
                    .collect();
                FilmRecord {
                    film_id: i,
                    title: format!("w{} w{}", next(400), next(40)),
                    genres: film_genres,
                    rating: 6.0 + next(10) as f64 / 10.0,
                    persons: Vec::new(),
                }
            })
            .collect();
        TfIdfMatrix::build_with_split(&films, FeatureSet::Default, HeavySplit::MinDf(100))
    }

    /// Every film of a stream, read to the end, in stream order.
    fn read_all(stream: &mut Stream, m: &TfIdfMatrix, scratch: &Scratch) -> Vec<(f64, u32)> {
        let mut films = Vec::new();
        let mut i = 0;
        while stream.level(m, scratch, i).is_some() {
            films.extend(stream.level_films(i).iter().map(|&(key, b, _)| (key, b)));
            i += 1;
        }
        films
    }

    /// `got` is in descending level of key and holds exactly `expected`.
    fn assert_same_stream(got: &[(f64, u32)], mut expected: Vec<(f64, u32)>) {
        assert!(
            (got.windows(2)).all(|w| level_of(w[0].0) >= level_of(w[1].0)),
            "levels descend"
        );
        let mut got = got.to_vec();
        let order = |x: &(f64, u32), y: &(f64, u32)| y.0.total_cmp(&x.0).then(x.1.cmp(&y.1));
        got.sort_by(order);
        expected.sort_by(order);
        let bits = |v: &[(f64, u32)]| v.iter().map(|&(k, b)| (k.to_bits(), b)).collect::<Vec<_>>();
        assert_eq!(bits(&got), bits(&expected));
    }

    #[test]
    fn streams_list_few_groups_first_and_still_hold_every_film_in_order() {
        let m = &many_profiles();
        let k = 5;
        let mut scratch = Scratch::new(m);
        let (mut others, mut same) = (Stream::new(Family::Base, m), Stream::new(Family::Full, m));
        // The base profile sharing a heavy term with the most others.
        let largest = (0..m.profiles.base.count())
            .max_by_key(|&g| {
                scratch.load_base(m, g);
                scratch.base_touched().len()
            })
            .expect("base profiles");
        scratch.load_base(m, largest);
        others.start_others(m, &scratch, k);
        assert!(
            others.unlisted,
            "the start lists only the groups above a threshold"
        );
        let expected = (scratch.base_touched().iter())
            .flat_map(|&h| {
                let dot = scratch.base_dot(h);
                let members = m.profiles.base.members(h as usize);
                members
                    .iter()
                    .map(move |&b| (dot * m.inv_norm[b as usize], b))
            })
            .collect();
        assert_same_stream(&read_all(&mut others, m, &scratch), expected);

        let full = m.profiles.fulls_of_base(largest)[0] as usize;
        scratch.set_full(m, full);
        same.start_same(m, &scratch, k);
        assert!(
            same.unlisted,
            "the start lists only the groups above a threshold"
        );
        let (x, weight) = scratch.exclusive();
        let expected = (m.profiles.fulls_of_exclusive(x).iter())
            .flat_map(|&q| {
                let q = q as usize;
                let h =
                    scratch.base_dot(m.profiles.full_base[q]) + weight * m.profiles.full_weight[q];
                let members = m.profiles.full.members(q);
                members
                    .iter()
                    .map(move |&b| (h * m.inv_norm[b as usize], b))
            })
            .collect();
        assert_same_stream(&read_all(&mut same, m, &scratch), expected);
    }
}
