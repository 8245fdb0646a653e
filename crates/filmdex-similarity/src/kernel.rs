//! The one scoring function, and the per-thread scratch that every kernel computes it with.
//!
//! # Summation order
//!
//! For films a and b with unnormalised weights w(t) = tf * idf:
//!
//! ```text
//! sim(a, b) = (H + L) * (inv_a * inv_b)
//! H = G + w_a(x) * w_b(x)   when a and b have the same exclusive term x (their rating)
//! H = G                     otherwise
//! G = ((0.0 + w_a(h1) * w_b(h1)) + w_a(h2) * w_b(h2)) + ...  general heavy terms shared, ascending id
//! L = ((0.0 + w_a(l1) * w_b(l1)) + w_a(l2) * w_b(l2)) + ...  light terms shared, ascending slot
//! inv_x = 1.0 / sqrt(((0.0 + w_x(t1)^2) + w_x(t2)^2) + ...)   all terms of x, ascending id
//! ```
//!
//! Light slots are numbered by document frequency, then term id (`matrix::Slots`), so a
//! film's widest light term comes last in L: a fold stopped before it is at most the whole.
//!
//! Every path (top k and all pairs through `neighbours_of`, `similar_to`, `explain`) computes
//! exactly these operations in this order, so a pair's value is bit-identical wherever it comes
//! from. It is symmetric bit for bit because IEEE products commute, the folds visit the shared
//! terms in the same order whichever film comes first, and `inv_a * inv_b` commutes. A film
//! with no shared light term has L = 0.0, and `H + 0.0 == H` exactly.

use std::cmp::Ordering;

use crate::matrix::TfIdfMatrix;
use crate::profiles::{FilmSlot, NONE};

/// A similar film.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Neighbour {
    pub film_id: i32,
    pub similarity: f64,
}

/// The cosine similarity from the heavy and light dot products and the two inverse norms.
#[inline]
pub(crate) fn score(heavy: f64, light: f64, inv_a: f64, inv_b: f64) -> f64 {
    (heavy + light) * (inv_a * inv_b)
}

/// A scored film as a sort key whose ascending order is neighbour order: similarity
/// descending, then row (that is, film id) ascending. Similarities are never negative, and
/// the bits of non-negative doubles order as the doubles do, so `!bits` orders them
/// descending; integer keys compare faster than doubles with a tie-break closure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Ranked {
    key: u64,
    row: u32,
}

impl Ranked {
    #[inline]
    pub fn new(similarity: f64, row: u32) -> Self {
        debug_assert!(
            similarity.is_sign_positive(),
            "similarities are never negative"
        );
        Ranked {
            key: !similarity.to_bits(),
            row,
        }
    }

    pub fn similarity(self) -> f64 {
        f64::from_bits(!self.key)
    }

    /// The bits of the similarity: for non-negative doubles they order as the doubles do.
    #[inline]
    pub fn similarity_bits(self) -> u64 {
        !self.key
    }
}

/// Sorts scored rows into neighbour order and converts them to film ids.
pub(crate) fn to_neighbours(m: &TfIdfMatrix, scored: &mut [Ranked], out: &mut Vec<Neighbour>) {
    scored.sort_unstable();
    sorted_to_neighbours(m, scored, out);
}

/// Converts rows already in neighbour order to film ids.
pub(crate) fn sorted_to_neighbours(m: &TfIdfMatrix, scored: &[Ranked], out: &mut Vec<Neighbour>) {
    out.clear();
    out.extend(scored.iter().map(|r| Neighbour {
        film_id: m.film_ids[r.row as usize],
        similarity: r.similarity(),
    }));
}

/// Dense accumulators reused across films. An entry counts only when its stamp is the
/// current epoch, so moving to the next film or profile costs nothing.
pub(crate) struct Scratch {
    /// The full profile of the films being scored, its exclusive slot and weight, and the
    /// slot a film must have to count as the same exclusive term (one no film has when the
    /// profile has none).
    full: usize,
    exclusive: u32,
    exclusive_weight: f64,
    same_exclusive: u32,
    /// G(loaded base profile, g) for every base profile g: 0.0 unless stamped in this epoch,
    /// as the entries of the previous load are reset.
    base_dot: Vec<f64>,
    /// The base profiles stamped in `base_epoch` are the first `base_count`, as with
    /// `light_touched`.
    base_touched: Vec<u32>,
    base_count: usize,
    base_stamp: Vec<u32>,
    base_epoch: u32,
    /// This thread's copy of the film slots, holding L(loaded film, b) for the films b
    /// stamped in `light_epoch`.
    films: Vec<FilmSlot>,
    /// The films stamped in `light_epoch` are the first `light_count`: it holds a place for
    /// every film, so that stamping one writes no length and checks no capacity.
    light_touched: Vec<u32>,
    light_count: usize,
    light_epoch: u32,
}

/// An exclusive slot no film has (`NONE` is what films without one have).
const NO_SLOT: u32 = NONE - 1;

/// Starts a new epoch; on wrap-around, clears the stamps so no stale entry looks current.
fn next_epoch(epoch: &mut u32, clear: impl FnOnce()) {
    *epoch = epoch.wrapping_add(1);
    if *epoch == 0 {
        clear();
        *epoch = 1;
    }
}

impl Scratch {
    pub fn new(m: &TfIdfMatrix) -> Self {
        let bases = m.profiles.base.count();
        Scratch {
            full: 0,
            exclusive: NONE,
            exclusive_weight: 0.0,
            same_exclusive: NO_SLOT,
            base_dot: vec![0.0; bases],
            base_touched: vec![0; bases],
            base_count: 0,
            base_stamp: vec![0; bases],
            base_epoch: 0,
            films: m.profiles.film_slots.clone(),
            light_touched: vec![0; m.profiles.film_slots.len()],
            light_count: 0,
            light_epoch: 0,
        }
    }

    /// Computes G(g, h) for every base profile h (the G fold, from g's side).
    pub fn load_base(&mut self, m: &TfIdfMatrix, g: usize) {
        for &h in &self.base_touched[..self.base_count] {
            self.base_dot[h as usize] = 0.0;
        }
        let stamps = &mut self.base_stamp;
        next_epoch(&mut self.base_epoch, || stamps.fill(0));
        self.base_count = accumulate_base(
            m,
            g,
            self.base_epoch,
            &mut self.base_stamp,
            &mut self.base_dot,
            &mut self.base_touched,
        );
    }

    /// The base profiles sharing a general heavy term with the loaded one.
    #[inline]
    pub fn base_touched(&self) -> &[u32] {
        &self.base_touched[..self.base_count]
    }

    /// Sets the full profile of the films to score; its base profile must be loaded.
    pub fn set_full(&mut self, m: &TfIdfMatrix, full: usize) {
        self.full = full;
        self.exclusive = m.profiles.full_exclusive[full];
        self.exclusive_weight = m.profiles.full_weight[full];
        self.same_exclusive = if self.exclusive == NONE {
            NO_SLOT
        } else {
            self.exclusive
        };
    }

    pub fn full(&self) -> usize {
        self.full
    }

    /// The exclusive slot (or `NONE`) and weight of the set full profile.
    pub fn exclusive(&self) -> (u32, f64) {
        (self.exclusive, self.exclusive_weight)
    }

    /// Whether base profile g shares a general heavy term with the loaded one.
    #[inline]
    pub fn shares_base(&self, g: u32) -> bool {
        self.base_stamp[g as usize] == self.base_epoch
    }

    #[inline]
    pub fn base_dot(&self, g: u32) -> f64 {
        self.base_dot[g as usize]
    }

    /// G(loaded base profile, g) for every base profile g (0.0 for those not touched).
    #[inline]
    pub fn base_dots(&self) -> &[f64] {
        &self.base_dot
    }

    /// Computes L(a, b) for every film b (the L fold, from a's side); `light_touched` is then
    /// the set of films sharing a light term with a, a included.
    pub fn load_film(&mut self, m: &TfIdfMatrix, a: usize) {
        self.next_light_epoch();
        let (epoch, touched) = (self.light_epoch, &mut self.light_touched);
        let terms = m.light_terms.row(a);
        self.light_count = accumulate_light(m, terms, epoch, &mut self.films, touched, 0);
    }

    /// `load_film` but for the loaded film's *widest* term: its last light term, if that is
    /// broad (light slots are numbered by document frequency, so it is the one in the most
    /// films). Each film's L is then its fold over every term but that one, which the widest
    /// term's product can only increase. Returns the widest term (slot, weight in a), if any,
    /// for `score_widest`.
    pub fn load_but_widest(&mut self, m: &TfIdfMatrix, a: usize) -> Option<(u32, f64)> {
        self.next_light_epoch();
        let (slots, weights) = m.light_terms.row(a);
        let widest = match slots.last() {
            Some(&slot) if slot >= m.broad_from => Some((slot, weights[slots.len() - 1])),
            _ => None,
        };
        let head = slots.len() - usize::from(widest.is_some());
        let (epoch, touched) = (self.light_epoch, &mut self.light_touched);
        let terms = (&slots[..head], &weights[..head]);
        self.light_count = accumulate_light(m, terms, epoch, &mut self.films, touched, 0);
        widest
    }

    /// The rest of `load_film` after `load_but_widest`, for the films that can score at least
    /// `least`: a film touched already gets the widest term's product, completing its L; a
    /// film not touched yet shares only the widest term with a, so its similarity is
    /// (H + product) * (inv_a * inv_b), computed here exactly, and it goes to `scored` (and
    /// counts as touched, for the streams) if that is at least `least`. A film left out
    /// scores below `least`.
    pub fn score_widest(
        &mut self,
        m: &TfIdfMatrix,
        (slot, w_a): (u32, f64),
        inv_a: f64,
        least: f64,
        scored: &mut Vec<Ranked>,
    ) {
        // `scorer()` less the film slots, which the loop writes.
        let scorer = Scorer {
            films: &[],
            base_dot: &self.base_dot,
            variants: &m.profiles.variants,
            same_exclusive: self.same_exclusive,
            exclusive_weight: self.exclusive_weight,
        };
        let term = WidestTerm {
            postings: m.light_postings.row(slot as usize),
            w_a,
            inv_a,
            least,
            epoch: self.light_epoch,
        };
        accumulate_widest(&term, scorer, &mut self.films, scored);
    }

    /// The similarity of the loaded film with film `b`, which shares no light term but the
    /// widest one (`load_but_widest`), whose weight in a is `w_a` and in b `w_b`.
    pub fn score_through_widest(
        &self,
        m: &TfIdfMatrix,
        inv_a: f64,
        w_a: f64,
        b: u32,
        w_b: f64,
    ) -> f64 {
        self.scorer(m)
            .score_slot(inv_a, &self.films[b as usize], w_a * w_b)
    }

    fn next_light_epoch(&mut self) {
        let films = &mut self.films;
        next_epoch(&mut self.light_epoch, || {
            films.iter_mut().for_each(|f| f.stamp = 0)
        });
    }

    /// The films sharing a light term with the loaded film, itself included.
    #[inline]
    pub fn light_touched(&self) -> &[u32] {
        &self.light_touched[..self.light_count]
    }

    /// Leaves the loaded film `a` out of its own candidates without a test per candidate: it
    /// counts as sharing a light term (so the streams' films skip it) and its light part is
    /// NaN, so its similarity with itself is NaN, which no comparison keeps.
    pub fn exclude_loaded(&mut self, a: usize) {
        let film = &mut self.films[a];
        film.stamp = self.light_epoch;
        film.light = f64::NAN;
    }

    /// Whether b shares a light term with the loaded film.
    #[inline]
    pub fn shares_light(&self, b: u32) -> bool {
        self.films[b as usize].stamp == self.light_epoch
    }

    /// The similarity of the loaded film `a` with film `b` (not all-zero).
    #[inline(always)]
    pub fn score_with(&self, m: &TfIdfMatrix, inv_a: f64, b: u32) -> f64 {
        let film = &self.films[b as usize];
        let light = if film.stamp == self.light_epoch {
            film.light
        } else {
            0.0
        };
        self.score_slot(m, inv_a, film, light)
    }

    /// The similarity of the loaded film `a` with film `b`, which shares a light term with it.
    #[inline(always)]
    pub fn score_touched(&self, m: &TfIdfMatrix, inv_a: f64, b: u32) -> f64 {
        let film = &self.films[b as usize];
        self.score_slot(m, inv_a, film, film.light)
    }

    #[inline(always)]
    fn score_slot(&self, m: &TfIdfMatrix, inv_a: f64, film: &FilmSlot, light: f64) -> f64 {
        self.scorer(m).score_slot(inv_a, film, light)
    }

    /// What scoring reads, as plain slices and values.
    #[inline]
    pub fn scorer<'a>(&'a self, m: &'a TfIdfMatrix) -> Scorer<'a> {
        Scorer {
            films: &self.films,
            base_dot: &self.base_dot,
            variants: &m.profiles.variants,
            same_exclusive: self.same_exclusive,
            exclusive_weight: self.exclusive_weight,
        }
    }
}

/// The scratch's scoring state borrowed as slices and values: passed to a function, it lets
/// the compiler keep them in registers in a loop that also writes elsewhere, instead of
/// reloading the vectors and checking their lengths again for each film.
#[derive(Clone, Copy)]
pub(crate) struct Scorer<'a> {
    films: &'a [FilmSlot],
    base_dot: &'a [f64],
    variants: &'a [(u32, f64)],
    same_exclusive: u32,
    exclusive_weight: f64,
}

impl Scorer<'_> {
    /// The similarity of the loaded film `a` with film `b`, which shares a light term with it.
    #[inline(always)]
    pub fn score_touched(&self, inv_a: f64, b: u32) -> f64 {
        let film = &self.films[b as usize];
        self.score_slot(inv_a, film, film.light)
    }

    /// The same operations as `Profiles::heavy` and `score`, read from b's slot.
    #[inline(always)]
    fn score_slot(&self, inv_a: f64, film: &FilmSlot, light: f64) -> f64 {
        score(self.heavy(film), light, inv_a, film.inv)
    }

    /// H(a, b), as `Profiles::heavy` computes it, read from b's slot.
    #[inline(always)]
    fn heavy(&self, film: &FilmSlot) -> f64 {
        let base_dot = self.base_dot[film.base as usize];
        if film.exclusive == self.same_exclusive {
            base_dot + self.exclusive_weight * self.variants[film.variant as usize].1
        } else {
            base_dot
        }
    }
}

/// `Scratch::load_base`'s loop, as a function of slices (see `accumulate_light`).
#[inline(never)]
fn accumulate_base(
    m: &TfIdfMatrix,
    g: usize,
    epoch: u32,
    stamps: &mut [u32],
    dots: &mut [f64],
    touched: &mut [u32],
) -> usize {
    let mut count = 0;
    let (slots, weights) = m.profiles.base_terms.row(g);
    for (&slot, &w_g) in slots.iter().zip(weights) {
        let (bases, w_hs) = m.profiles.base_postings.row(slot as usize);
        for (&h, &w_h) in bases.iter().zip(w_hs) {
            let stamp = &mut stamps[h as usize];
            if *stamp == epoch {
                dots[h as usize] += w_g * w_h;
            } else {
                // 0.0 + product == product: the fold's first step, written out.
                *stamp = epoch;
                dots[h as usize] = w_g * w_h;
                touched[count] = h;
                count += 1;
            }
        }
    }
    count
}

/// `Scratch::load_film`'s loop, as a function of slices: the compiler then knows that writing
/// the film slots changes neither `touched` nor the epoch, and keeps them in registers
/// instead of reloading them for every posting. Writes the films it stamps to `touched`
/// after the first `count` (it has a place for every film, and each is stamped once), and
/// returns the new count.
#[inline(never)]
fn accumulate_light(
    m: &TfIdfMatrix,
    (slots, weights): (&[u32], &[f64]),
    epoch: u32,
    films: &mut [FilmSlot],
    touched: &mut [u32],
    mut count: usize,
) -> usize {
    for (&slot, &w_a) in slots.iter().zip(weights) {
        let (postings, w_bs) = m.light_postings.row(slot as usize);
        for (&b, &w_b) in postings.iter().zip(w_bs) {
            let product = w_a * w_b;
            let film = &mut films[b as usize];
            if film.stamp == epoch {
                film.light += product;
            } else {
                // 0.0 + product == product: the fold's first step, written out.
                film.stamp = epoch;
                film.light = product;
                touched[count] = b;
                count += 1;
            }
        }
    }
    count
}

/// The loaded film's widest term, as `accumulate_widest` reads it.
struct WidestTerm<'a> {
    postings: (&'a [u32], &'a [f64]),
    w_a: f64,
    inv_a: f64,
    least: f64,
    epoch: u32,
}

/// `Scratch::score_widest`'s loop, as a function of slices (see `accumulate_light`). A film
/// scored here is stamped with L = NaN, so that it counts as touched but `keep_light` (which
/// reads only the touched list, where it is not) and the streams leave it alone.
#[inline(never)]
fn accumulate_widest(
    term: &WidestTerm,
    scorer: Scorer,
    films: &mut [FilmSlot],
    scored: &mut Vec<Ranked>,
) {
    let (postings, w_bs) = term.postings;
    for (&b, &w_b) in postings.iter().zip(w_bs) {
        let product = term.w_a * w_b;
        let film = &mut films[b as usize];
        if film.stamp == term.epoch {
            film.light += product;
            continue;
        }
        // 0.0 + product == product: the light fold of a film sharing only this term.
        let s = score(scorer.heavy(film), product, term.inv_a, film.inv);
        if s >= term.least {
            scored.push(Ranked::new(s, b));
            film.stamp = term.epoch;
            film.light = f64::NAN;
        }
    }
}

/// The similarity of one pair, by merging the two films' term lists: the same folds as the
/// accumulators above, for `explain` and for checking.
pub(crate) fn pair_score(m: &TfIdfMatrix, a: usize, b: usize) -> f64 {
    let (p, q) = (m.profiles.full.of_film[a], m.profiles.full.of_film[b]);
    if p == NONE || q == NONE {
        return 0.0;
    }
    let (g, h) = (
        m.profiles.full_base[p as usize],
        m.profiles.full_base[q as usize],
    );
    let base_dot = merged_dot(
        m.profiles.base_terms.row(g as usize),
        m.profiles.base_terms.row(h as usize),
    );
    let heavy = m.profiles.heavy(base_dot, p as usize, q as usize);
    let light = merged_dot(m.light_terms.row(a), m.light_terms.row(b));
    score(heavy, light, m.inv_norm[a], m.inv_norm[b])
}

/// The fold of w_a(t) * w_b(t) over the ids both sorted rows have, ascending.
fn merged_dot(a: (&[u32], &[f64]), b: (&[u32], &[f64])) -> f64 {
    let (mut i, mut j, mut sum) = (0, 0, 0.0);
    while i < a.0.len() && j < b.0.len() {
        match a.0[i].cmp(&b.0[j]) {
            Ordering::Less => i += 1,
            Ordering::Greater => j += 1,
            Ordering::Equal => {
                sum += a.1[i] * b.1[j];
                i += 1;
                j += 1;
            }
        }
    }
    sum
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merged_dot_folds_shared_ids_only() {
        let a = (&[1u32, 3, 5][..], &[1.0, 2.0, 3.0][..]);
        let b = (&[0u32, 3, 5, 7][..], &[9.0, 4.0, 0.5, 9.0][..]);
        assert_eq!(merged_dot(a, b), 2.0 * 4.0 + 3.0 * 0.5);
        assert_eq!(merged_dot(a, (&[][..], &[][..])), 0.0);
    }

    #[test]
    fn rank_orders_by_similarity_then_row() {
        let mut rows: Vec<Ranked> = [(0.5, 3), (0.9, 7), (0.5, 1), (0.9, 2), (0.0, 0)]
            .iter()
            .map(|&(s, r)| Ranked::new(s, r))
            .collect();
        rows.sort_unstable();
        let sorted: Vec<(f64, u32)> = rows.iter().map(|r| (r.similarity(), r.row)).collect();
        assert_eq!(sorted, [(0.9, 2), (0.9, 7), (0.5, 1), (0.5, 3), (0.0, 0)]);
    }
}
