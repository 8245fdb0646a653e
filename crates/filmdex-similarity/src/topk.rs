//! Exact top-k neighbours of every film: light candidates from the inverted index (the widest
//! term's only where they can reach the k best), the rest from streams of films by level of
//! heavy-only score, shared per profile.

use std::cmp::Reverse;

use crate::kernel::{sorted_to_neighbours, Neighbour, Ranked, Scorer, Scratch};
use crate::matrix::TfIdfMatrix;
use crate::profiles::{Groups, NONE};
use crate::rows::sink_zero_films;
use crate::schedule::for_each_in_order;
use crate::shards::FilmSelection;

/// What `top_k_neighbours` keeps of each film's row.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TopKParams {
    /// At most this many neighbours per film.
    pub top_k: usize,
    /// Only neighbours with a similarity strictly above this; 0 drops pairs sharing nothing.
    pub min_similarity: f64,
}

impl Default for TopKParams {
    fn default() -> Self {
        TopKParams {
            top_k: 100,
            min_similarity: 0.0,
        }
    }
}

impl TopKParams {
    /// The least similarity above `min_similarity` (none when it is NaN, as nothing is above
    /// NaN), so that one comparison tells whether a film is kept.
    fn least_kept(&self) -> f64 {
        if self.min_similarity.is_nan() {
            f64::INFINITY
        } else {
            self.min_similarity.next_up()
        }
    }
}

/// Candidates are picked by similarity bucket: the exponent and the top `MANTISSA_BITS`
/// mantissa bits, so buckets order as similarities do and each spans a factor of at most
/// 1 + 2^-5: a handful of a film's candidates. Similarities below 2^-16 share bucket 0, and
/// the last bucket holds any rounded a little above 1.
const MANTISSA_BITS: u32 = 5;
/// The exponent and mantissa bits of 2^-16, bucket 0.
const LOWEST: u64 = (1023 - 16) << MANTISSA_BITS;
const BUCKETS: usize = (16 << MANTISSA_BITS) + 2;

#[inline]
fn bucket(r: Ranked) -> usize {
    let top = r.similarity_bits() >> (52 - MANTISSA_BITS);
    (top.saturating_sub(LOWEST) as usize).min(BUCKETS - 1)
}

/// The highest bucket from `lowest` up with at least k films counted in it and above, and how
/// many those are (fewer than k if `lowest` is returned); none is counted above bucket `top`.
/// Buckets are fine (a few candidates each) and the k-th best is often several octaves below
/// the best, so the walk sums eight buckets a step until the next eight would reach k.
fn highest_cut(counts: &[u32; BUCKETS], lowest: usize, top: usize, k: usize) -> (usize, usize) {
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
fn highest_cut_of(counts: &[u32; BUCKETS], top: usize, counted: usize, k: usize) -> (usize, usize) {
    if counted < k {
        (0, counted)
    } else {
        highest_cut(counts, 0, top, k)
    }
}

/// The lowest similarity in bucket `b`: every similarity in it or above is at least this.
fn bucket_floor(b: usize) -> f64 {
    if b == 0 {
        0.0
    } else {
        f64::from_bits((b as u64 + LOWEST) << (52 - MANTISSA_BITS))
    }
}

/// Relative margin that covers the rounding difference between a stream key
/// (`H * inv_b`, then times `inv_a`) and the exact score (`H * (inv_a * inv_b)`): a few ulps,
/// far below this. Bounds are widened by it, so near-ties are always scored exactly.
const TIE_MARGIN: f64 = 1e-12;

/// Calls `sink` once per film with its at most `top_k` most similar films (similarity above
/// `min_similarity`, in neighbour order). Exact: the same neighbours and bit-identical values
/// as sorting `similar_to`'s full row. Parallel over base profiles; rows arrive in any order
/// across threads, each row's content is the same for any number of threads.
pub fn top_k_neighbours(m: &TfIdfMatrix, p: &TopKParams, sink: impl Fn(i32, &[Neighbour]) + Sync) {
    top_k_neighbours_of(m, p, &FilmSelection::all(m), sink);
}

/// [`top_k_neighbours`] for the selected films only (a shard, a block): each of their rows is
/// the same as in a run over every film.
pub fn top_k_neighbours_of(
    m: &TfIdfMatrix,
    p: &TopKParams,
    films: &FilmSelection,
    sink: impl Fn(i32, &[Neighbour]) + Sync,
) {
    if p.top_k == 0 {
        (0..m.len())
            .filter(|&a| films.contains(a))
            .for_each(|a| sink(m.film_ids[a], &[]));
        return;
    }
    let bases = &m.profiles.base;
    let selected_in = |members: &[u32]| members.iter().any(|&a| films.contains(a as usize));
    let mut order: Vec<usize> = (0..bases.count())
        .filter(|&g| selected_in(bases.members(g)))
        .collect();
    // Largest first, so no big one is left for last while the other thread idles.
    order.sort_by_key(|&g| Reverse(bases.members(g).len()));
    for_each_in_order(
        &order,
        || Worker::new(m),
        |worker, base| {
            worker.scratch.load_base(m, base);
            worker.others.start_others(m, &worker.scratch, p);
            for &full in m.profiles.fulls_of_base(base) {
                let members = m.profiles.full.members(full as usize);
                if !selected_in(members) {
                    continue;
                }
                worker.scratch.set_full(m, full as usize);
                worker.same.start_same(m, &worker.scratch, p);
                worker
                    .merged
                    .reset(m.profiles.full_exclusive[full as usize]);
                for &a in members.iter().filter(|&&a| films.contains(a as usize)) {
                    let widest = worker.scratch.load_but_widest(m, a as usize);
                    worker.scratch.exclude_loaded(a as usize);
                    worker.film_top_k(m, a as usize, widest, p);
                    sorted_to_neighbours(m, &worker.best, &mut worker.neighbours);
                    sink(m.film_ids[a as usize], &worker.neighbours);
                }
            }
        },
    );
    sink_zero_films(m, films, &sink);
}

/// One thread's state: accumulators, the two streams of the loaded profiles, buffers.
struct Worker {
    scratch: Scratch,
    /// Films with the same exclusive term as the loaded full profile.
    same: Stream,
    /// Films of every base profile, for films whose exclusive term differs.
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
    fn new(m: &TfIdfMatrix) -> Self {
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

    /// The top k of film `a` into `best`: its profiles and its light terms but the widest
    /// are loaded (`load_but_widest`), and it is excluded from its own candidates.
    ///
    /// First a lower bound `floor` of the k-th best similarity (`floor`). Then only films
    /// scoring at least `floor` are kept: films sharing a light term, scored exactly (those
    /// sharing only the widest term are scored as its postings are read, `score_widest`; the
    /// others from the accumulator), and the other films of the streams down to `floor`,
    /// whose light part is 0. Every film left out scores below `floor`, so ties at the k-th
    /// place are all seen.
    fn film_top_k(
        &mut self,
        m: &TfIdfMatrix,
        a: usize,
        widest: Option<(u32, f64)>,
        p: &TopKParams,
    ) {
        let inv_a = m.inv_norm[a];
        let floor = self.floor(m, inv_a, widest, p);
        let least = floor.max(p.least_kept());
        self.scored.clear();
        if let Some(term) = widest {
            (self.scratch).score_widest(m, term, inv_a, least, &mut self.scored);
        }
        self.collect(m, inv_a, floor, p);
        self.take_best(p.top_k, floor);
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
        p: &TopKParams,
    ) -> f64 {
        let k = p.top_k;
        let least = p.least_kept();
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

    /// Every film other than `a` scoring at least `floor` (and above the minimum) into
    /// `scored`: the films sharing a light term, then the other films of the merged streams
    /// down to `floor`, whose light part is 0.
    fn collect(&mut self, m: &TfIdfMatrix, inv_a: f64, floor: f64, p: &TopKParams) {
        let least = floor.max(p.least_kept());
        self.score_light(m, inv_a, least);
        let mut j = 0;
        while let Some((level, films)) =
            self.merged
                .level(m, &self.scratch, j, &mut self.same, &mut self.others)
        {
            j += 1;
            // Every key of this level is below the next level's least key.
            let level_bound = level_floor(level + 1) * inv_a * (1.0 + TIE_MARGIN);
            if level_bound < floor || level_bound <= p.min_similarity {
                break;
            }
            for &(key, b) in films {
                let bound = key * inv_a * (1.0 + TIE_MARGIN);
                // `a` counts as sharing a light term (`exclude_loaded`), so it is skipped here.
                if bound < floor || bound <= p.min_similarity || self.scratch.shares_light(b) {
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

/// Sorts one bucket's candidates: insertion sort, as a bucket holds a handful; a big one (many
/// equal similarities) goes to the library's sort.
fn sort_bucket(rows: &mut [Ranked]) {
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

/// Reads the `same` and `others` streams as one, level by level (`level_of`), for all films
/// of one full profile (they read the same sequence, so it is merged once and kept).
/// `others` holds every film with its key G * inv_b, right for films whose exclusive term
/// differs from the profile's; films with the same one are skipped there, as `same` has them
/// with their key (G + w_a(x) * w_b(x)) * inv_b. Within a level films are in no order.
struct Merged {
    exclusive: u32,
    /// How many of each stream's levels are merged.
    same: usize,
    others: usize,
    prefix: Vec<(f64, u32)>,
    /// (level, end in `prefix`) of each merged level, highest level first.
    levels: Vec<(u32, usize)>,
}

impl Merged {
    fn new() -> Self {
        Merged {
            exclusive: NONE,
            same: 0,
            others: 0,
            prefix: Vec::new(),
            levels: Vec::new(),
        }
    }

    fn reset(&mut self, exclusive: u32) {
        self.exclusive = exclusive;
        self.same = 0;
        self.others = 0;
        self.prefix.clear();
        self.levels.clear();
    }

    /// The `j`-th level of the merged streams: its number and its films with their keys,
    /// merging further if needed.
    #[inline]
    fn level(
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

/// Keys are grouped in levels: the exponent and top `LEVEL_BITS` mantissa bits, so levels
/// order as keys do and each spans a factor of at most 1 + 2^-LEVEL_BITS.
const LEVEL_BITS: u32 = 3;

#[inline]
fn level_of(key: f64) -> u32 {
    (key.to_bits() >> (52 - LEVEL_BITS)) as u32
}

/// The least key of level `level`.
#[inline]
fn level_floor(level: u32) -> f64 {
    f64::from_bits(u64::from(level) << (52 - LEVEL_BITS))
}

/// The groups a stream draws films from.
#[derive(Debug, Clone, Copy)]
enum Family {
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
/// costs one multiplication. (The stream used to be a heap over the active groups, popping one
/// film at a time in exact key order: 560 instructions a film, heap sifts and batch
/// admissions, for readers that never needed the exact order.)
///
/// Readers stop a few dozen films deep, so a start lists only the groups whose upper key
/// reaches a threshold estimated from a sample (about k + 1 groups); a second pass over the
/// source lists the others once a level goes below that threshold.
struct Stream {
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
    /// Base profiles sharing a general heavy term with the loaded one (h = G), or all of them.
    Others {
        every: bool,
    },
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
    fn new(family: Family, m: &TfIdfMatrix) -> Self {
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
    fn reset(&mut self, m: &TfIdfMatrix, scratch: &Scratch, source: Source, p: &TopKParams) {
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
        // the largest upper keys), so that many are listed first. (Measured at 40k: listing
        // half as many costs 2.8% more instructions, twice as many 0.7%.)
        self.listed = p.top_k.saturating_add(1);
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
            Source::Others { every } => {
                let (dots, first_inv) = (scratch.base_dots(), &m.profiles.base.first_inv[..]);
                if every {
                    for (g, (&h, &first)) in dots.iter().zip(first_inv).enumerate() {
                        visit(g as u32, h, h * first);
                    }
                    dots.len()
                } else {
                    let touched = scratch.base_touched();
                    for &g in touched {
                        let h = dots[g as usize];
                        visit(g, h, h * first_inv[g as usize]);
                    }
                    touched.len()
                }
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

    /// Base profiles sharing a general heavy term with the loaded one, with h = G; every
    /// base profile when a similarity of 0 is kept.
    fn start_others(&mut self, m: &TfIdfMatrix, scratch: &Scratch, p: &TopKParams) {
        let every = p.min_similarity < 0.0;
        self.reset(m, scratch, Source::Others { every }, p);
    }

    /// Full profiles with the exclusive term x of the set one, with h = H = G + w_a(x) *
    /// w_b(x) (what `Profiles::heavy` computes for a shared x); none without one.
    fn start_same(&mut self, m: &TfIdfMatrix, scratch: &Scratch, p: &TopKParams) {
        let (x, weight) = scratch.exclusive();
        let source = if x == NONE {
            Source::Nothing
        } else {
            Source::Same { x, weight }
        };
        self.reset(m, scratch, source, p);
    }

    /// The number of the `i`-th level of the stream that has films, generating it if needed.
    #[inline]
    fn level(&mut self, m: &TfIdfMatrix, scratch: &Scratch, i: usize) -> Option<u32> {
        while self.levels.len() <= i {
            if !self.next_level(m, scratch) {
                return None;
            }
        }
        Some(self.levels[i].0)
    }

    /// The films of the `i`-th level generated.
    fn level_films(&self, i: usize) -> &[(f64, u32, u32)] {
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
            Source::Others { every: true } => m.profiles.base.count(),
            Source::Others { every: false } => scratch.base_touched().len(),
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
            Source::Others { every: true } => out.extend(
                (0..SAMPLE)
                    .map(|i| i * stride)
                    .map(|g| dots[g] * first_inv[g]),
            ),
            Source::Others { every: false } => {
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
    use proptest::prelude::*;

    /// `highest_cut` as first written: one bucket a step.
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
        let p = TopKParams {
            top_k: 5,
            min_similarity: 0.0,
        };
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
        others.start_others(m, &scratch, &p);
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
        same.start_same(m, &scratch, &p);
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
