//! One thread's top-k search: for each film of a loaded profile, a lower bound of its k-th
//! best similarity (`floor`), the candidates that reach it (`collect`), and the k best of them
//! in neighbour order (`take_best`).

use crate::kernel::{sorted_to_neighbours, Neighbour, Ranked, Scorer, Scratch};
use crate::matrix::TfIdfMatrix;
use crate::shards::FilmSelection;

use super::buckets::{bucket, bucket_floor, highest_cut, highest_cut_of, sort_bucket, BUCKETS};
use super::merged::Merged;
use super::stream::{level_floor, Family, Stream};
use super::TopK;

/// Relative margin that covers the rounding difference between a stream key
/// (`H * inv_b`, then times `inv_a`) and the exact score (`H * (inv_a * inv_b)`): a few ulps,
/// far below this. Bounds are widened by it, so near-ties are always scored exactly.
const TIE_MARGIN: f64 = 1e-12;

/// One thread's state: accumulators, the two streams of the loaded profiles, buffers.
pub(super) struct Worker {
    scratch: Scratch,
    /// Films with the same exclusive term as the loaded full profile.
    same: Stream,
    /// Films of the base profiles sharing a general heavy term, for films whose exclusive
    /// term differs.
    others: Stream,
    /// The two read as one, for all films of the set full profile.
    merged: Merged,
    /// A film's candidates, and the k best of them in neighbour order.
    scored: Vec<Ranked>,
    best: Vec<Ranked>,
    /// Candidates per bucket, then where each bucket goes in `best`; all 0 between films.
    buckets: [u32; BUCKETS],
    /// The widest term's partners `floor` counted, which the streams must not count again.
    counted: FilmSet,
    neighbours: Vec<Neighbour>,
}

/// A set of films as a bitmap, with a list of its members so that emptying it costs what
/// filling it did.
struct FilmSet {
    words: Vec<u64>,
    members: Vec<u32>,
}

impl FilmSet {
    fn new(films: usize) -> Self {
        FilmSet {
            words: vec![0; films.div_ceil(64)],
            members: Vec::new(),
        }
    }

    fn contains(&self, b: u32) -> bool {
        self.words[(b >> 6) as usize] & (1 << (b & 63)) != 0
    }

    fn insert(&mut self, b: u32) {
        self.words[(b >> 6) as usize] |= 1 << (b & 63);
        self.members.push(b);
    }

    fn clear(&mut self) {
        for &b in &self.members {
            self.words[(b >> 6) as usize] = 0;
        }
        self.members.clear();
    }
}

impl Worker {
    pub(super) fn new(m: &TfIdfMatrix) -> Self {
        Worker {
            scratch: Scratch::new(m),
            same: Stream::new(Family::Full, m),
            others: Stream::new(Family::Base, m),
            merged: Merged::new(),
            scored: Vec::new(),
            best: Vec::new(),
            buckets: [0; BUCKETS],
            counted: FilmSet::new(m.len()),
            neighbours: Vec::new(),
        }
    }

    /// The rows of the selected films of base profile `base`, handed to `sink`: the base
    /// profile is loaded once, then each full profile, then each film.
    pub(super) fn rows_of_base(
        &mut self,
        m: &TfIdfMatrix,
        base: usize,
        keep: &TopK,
        films: &FilmSelection,
        sink: &impl Fn(i32, &[Neighbour]),
    ) {
        self.scratch.load_base(m, base);
        self.others.start_others(m, &self.scratch, keep.k);
        for &full in m.profiles.fulls_of_base(base) {
            let members = m.profiles.full.members(full as usize);
            if !films.contains_any(members) {
                continue;
            }
            self.scratch.set_full(m, full as usize);
            self.same.start_same(m, &self.scratch, keep.k);
            self.merged.reset(m.profiles.full_exclusive[full as usize]);
            for &a in members.iter().filter(|&&a| films.contains(a as usize)) {
                let widest = self.scratch.load_but_widest(m, a as usize);
                self.scratch.exclude_loaded(a as usize);
                self.film_top_k(m, a as usize, widest, keep);
                sorted_to_neighbours(m, &self.best, &mut self.neighbours);
                sink(m.film_ids[a as usize], &self.neighbours);
            }
        }
    }

    /// The top k of film `a` into `best`: its profiles and its light terms but the widest
    /// are loaded (`load_but_widest`), and it is excluded from its own candidates.
    ///
    /// First a lower bound `floor` of the k-th best similarity (`floor`). Then only films
    /// scoring at least `floor` are kept: films sharing a light term, scored exactly (those
    /// sharing only the widest term are scored as its postings are read, `score_widest`; the
    /// others from the accumulator), and the other films of the streams down to `floor`,
    /// whose light part is 0. Every film left out scores below `floor`, so ties at the k-th
    /// place are all seen.
    fn film_top_k(&mut self, m: &TfIdfMatrix, a: usize, widest: Option<(u32, f64)>, keep: &TopK) {
        let inv_a = m.inv_norm[a];
        let floor = self.floor(m, inv_a, widest, keep);
        let least = floor.max(keep.least);
        self.scored.clear();
        if let Some(term) = widest {
            (self.scratch).score_widest(m, term, inv_a, least, &mut self.scored);
        }
        self.collect(m, inv_a, floor, keep);
        self.take_best(keep.k, floor);
    }

    /// A lower bound of the loaded film's k-th best similarity, from lower bounds of k
    /// distinct other films' similarities (0 if there are fewer than k films to bound):
    ///
    /// - the first 1.5 k films touched (those sharing a light term but the widest): their L so
    ///   far is a prefix of their fold (the widest term comes last), so their similarity so
    ///   far is at most their final one. The first touched are those of the film's rarest
    ///   terms, its likeliest neighbours: this sample bounds about as well as all of them
    ///   (measured: 1.5 k beat k, 2 k, 3 k and all);
    /// - the widest term's `Partners` not touched: they share only that term, so their
    ///   similarity is exactly (H + product) * (inv_a * inv_b). They are the films most
    ///   similar to a through the widest term alone: without them the bound misses the films
    ///   whose similarity comes from a common title word, and is too low to prune its postings;
    /// - the other films, from the merged streams: every film b scores at least its stream key
    ///   H(a, b) * inv_b times inv_a, as the light part is never negative (less a rounding
    ///   margin). Read level by level (`level_of`), while a level can raise the bound and
    ///   until k films are counted.
    ///
    /// Counted by bucket rather than selected: one pass, no sort; the bound is the lowest value
    /// of the highest bucket with k films in it and above, within a factor 1 + 2^-5 of the
    /// k-th of them.
    fn floor(
        &mut self,
        m: &TfIdfMatrix,
        inv_a: f64,
        widest: Option<(u32, f64)>,
        keep: &TopK,
    ) -> f64 {
        let k = keep.k;
        let least = keep.least;
        let counts = &mut self.buckets;
        let touched = self.scratch.light_touched();
        let touched = &touched[..touched.len().min(k.saturating_add(k / 2))];
        let (mut top, mut counted) =
            count_by_bucket(self.scratch.scorer(m), touched, inv_a, least, counts);
        let count = |counts: &mut [u32; BUCKETS],
                     top: &mut usize,
                     counted: &mut usize,
                     low: f64,
                     b: u32| {
            if low >= least {
                let at = bucket(Ranked::new(low, b));
                counts[at] += 1;
                *top = (*top).max(at);
                *counted += 1;
            }
        };
        self.counted.clear();
        if let Some((slot, w_a)) = widest {
            let (partners, weights) = m.partners.of(slot);
            for (&b, &w_b) in partners.iter().zip(weights) {
                if self.scratch.shares_light(b) {
                    continue;
                }
                let s = self.scratch.score_through_widest(m, inv_a, w_a, b, w_b);
                count(counts, &mut top, &mut counted, s, b);
                self.counted.insert(b);
            }
        }
        let (cut, above) = highest_cut_of(counts, top, counted, k);
        let floor_so_far = bucket_floor(cut);
        let (mut j, mut added) = (0, 0);
        while added < k {
            let Some((level, films)) =
                self.merged
                    .level(m, &self.scratch, j, &mut self.same, &mut self.others)
            else {
                break;
            };
            j += 1;
            // Every key of this level and later ones is below the next level's least key.
            let level_low = level_floor(level + 1) * inv_a * (1.0 - TIE_MARGIN);
            if above >= k && level_low < floor_so_far {
                break;
            }
            for &(key, b) in films {
                // The film itself counts as sharing a light term (`exclude_loaded`).
                if self.scratch.shares_light(b) || self.counted.contains(b) {
                    continue;
                }
                let low = key * inv_a * (1.0 - TIE_MARGIN);
                count(counts, &mut top, &mut counted, low, b);
                added += 1;
            }
        }
        let (cut, above) = highest_cut_of(counts, top, counted, k);
        counts[..=top].fill(0);
        if above >= k {
            bucket_floor(cut)
        } else {
            0.0
        }
    }

    /// The k best of `scored`, all scoring at least `floor`, into `best`, in neighbour order,
    /// without selecting or sorting them all (a film has several times k candidates): counts
    /// them per bucket, finds the highest bucket `cut` with at least k in it and above (the
    /// lowest if none), places those by bucket, highest first (a counting sort), and sorts
    /// within the buckets up to the k-th. A candidate below `cut` is below k others, so it
    /// cannot be among the k best.
    fn take_best(&mut self, k: usize, floor: f64) {
        // No candidate is below `lowest`, so the counts below it stay 0.
        let lowest = bucket(Ranked::new(floor.max(0.0), 0));
        let counts = &mut self.buckets;
        let mut top = lowest;
        for &r in &self.scored {
            let b = bucket(r);
            counts[b] += 1;
            top = top.max(b);
        }
        let (cut, above) = highest_cut(counts, lowest, top, k);
        let mut start = 0;
        for count in counts[cut..=top].iter_mut().rev() {
            (*count, start) = (start, start + *count);
        }
        self.best.clear();
        self.best.resize(above, Ranked::new(0.0, 0));
        for &r in &self.scored {
            let b = bucket(r);
            if b >= cut {
                self.best[counts[b] as usize] = r;
                counts[b] += 1;
            }
        }
        // Each bucket now ends at its entry of `counts`, and starts where the one above ends.
        let mut start = 0;
        for &end in counts[cut..=top].iter().rev() {
            if start >= k {
                break;
            }
            if end as usize > start + 1 {
                sort_bucket(&mut self.best[start..end as usize]);
            }
            start = end as usize;
        }
        self.best.truncate(k);
        // Zero again for the next film: only buckets from `lowest` to `top` were counted.
        counts[lowest..=top].fill(0);
    }

    /// Every film other than `a` scoring at least `floor` (and the query's least) into
    /// `scored`: the films sharing a light term, then the other films of the merged streams
    /// down to `floor`, whose light part is 0.
    fn collect(&mut self, m: &TfIdfMatrix, inv_a: f64, floor: f64, keep: &TopK) {
        let least = floor.max(keep.least);
        self.score_light(m, inv_a, least);
        let mut j = 0;
        while let Some((level, films)) =
            self.merged
                .level(m, &self.scratch, j, &mut self.same, &mut self.others)
        {
            j += 1;
            // Every key of this level is below the next level's least key.
            let level_bound = level_floor(level + 1) * inv_a * (1.0 + TIE_MARGIN);
            if level_bound < least {
                break;
            }
            for &(key, b) in films {
                let bound = key * inv_a * (1.0 + TIE_MARGIN);
                // `a` counts as sharing a light term (`exclude_loaded`), so it is skipped here.
                if bound < least || self.scratch.shares_light(b) {
                    continue;
                }
                let s = self.scratch.score_with(m, inv_a, b);
                if s >= least {
                    self.scored.push(Ranked::new(s, b));
                }
            }
        }
    }

    /// Scores the touched films (sharing a light term with the loaded film, L complete) into
    /// `scored` after what is there, keeping those at least `least` (never the film itself,
    /// which scores NaN).
    fn score_light(&mut self, m: &TfIdfMatrix, inv_a: f64, least: f64) {
        let touched = self.scratch.light_touched();
        let start = self.scored.len();
        // Every entry up to `kept` is written before it counts, so the last film's can stay.
        self.scored
            .resize(start + touched.len(), Ranked::new(0.0, 0));
        let scorer = self.scratch.scorer(m);
        let kept = keep_light(scorer, touched, inv_a, least, &mut self.scored[start..]);
        self.scored.truncate(start + kept);
    }
}

/// `score_light`'s loop, as a function of slices: the compiler then knows that writing `out`
/// changes none of what it reads, and keeps those in registers. Branch-free: each film is
/// written, and counted only if kept, as whether a film passes is hard to predict. Returns how
/// many are kept.
#[inline(never)]
fn keep_light(
    scorer: Scorer,
    touched: &[u32],
    inv_a: f64,
    least: f64,
    out: &mut [Ranked],
) -> usize {
    let mut kept = 0;
    for &b in touched {
        // The loaded film itself scores NaN (`exclude_loaded`), never at least `least`.
        let s = scorer.score_touched(inv_a, b);
        out[kept] = Ranked::new(s, b);
        kept += usize::from(s >= least);
    }
    kept
}

/// `floor`'s loop over the touched films (see `keep_light`): counts those scoring at least
/// `least` by bucket, branch-free (the film itself scores NaN, counted nowhere), and returns
/// the highest bucket counted (0 if none) and how many were counted.
#[inline(never)]
fn count_by_bucket(
    scorer: Scorer,
    touched: &[u32],
    inv_a: f64,
    least: f64,
    counts: &mut [u32; BUCKETS],
) -> (usize, usize) {
    let (mut top, mut total) = (0, 0);
    for &b in touched {
        let s = scorer.score_touched(inv_a, b);
        let counted = s >= least;
        let at = bucket(Ranked::new(s.max(0.0), b));
        counts[at] += u32::from(counted);
        total += usize::from(counted);
        top = top.max(if counted { at } else { 0 });
    }
    (top, total)
}
