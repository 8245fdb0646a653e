//! Whole rows: one film against every other, for the server's query and the all-pairs table.

use std::cell::RefCell;
use std::cmp::Reverse;

use crate::kernel::{score, to_neighbours, Neighbour, Ranked, Scratch};
use crate::matrix::TfIdfMatrix;
use crate::profiles::NONE;
use crate::query::least_similarity;
use crate::schedule::for_each_in_order;
use crate::shards::FilmSelection;

thread_local! {
    /// What this thread last used for a query, with the id of its matrix. A server thread
    /// answers many queries on one matrix, and a new scratch copies a slot per film (1.3 MB at
    /// 40k films), far more than a query costs; a reused one costs only what the query
    /// touches. It is kept until the thread ends or queries another matrix.
    static QUERY: RefCell<Option<Query>> = const { RefCell::new(None) };
}

/// A thread's scratch for queries on one matrix, and its list of scored films.
struct Query {
    matrix: u64,
    scratch: Scratch,
    scored: Vec<Ranked>,
}

impl TfIdfMatrix {
    /// The neighbours of `film_id` at least `threshold` similar — the films sharing a feature
    /// with it and scoring at least `threshold`, the rule of [`crate::NeighbourQuery`] with
    /// `threshold` as the minimum — in neighbour order; `None` when the film is unknown. A
    /// film whose vector is all zero has no neighbours and is nobody's neighbour. See
    /// [`TfIdfMatrix::similar_page`] for the cost.
    pub fn similar_to(&self, film_id: i32, threshold: f64) -> Option<Vec<Neighbour>> {
        self.similar_page(film_id, threshold, 0, usize::MAX)
            .map(|(page, _)| page)
    }

    /// The films `offset..offset + limit` of [`TfIdfMatrix::similar_to`]'s list, and the
    /// length of the whole list; `None` when the film is unknown. Only the page is sorted,
    /// so a first page costs no more than scoring.
    ///
    /// With a positive threshold, only films that can reach it are scored: those sharing a
    /// light term, and per full profile sharing a heavy term, its films in descending inverse
    /// norm until one falls below the threshold (see `collect_above`); the higher the
    /// threshold, the fewer. A threshold of 0 or less scores every film sharing a feature.
    pub fn similar_page(
        &self,
        film_id: i32,
        threshold: f64,
        offset: usize,
        limit: usize,
    ) -> Option<(Vec<Neighbour>, usize)> {
        let a = self.index_of(film_id)?;
        if self.inv_norm[a] == 0.0 {
            return Some((Vec::new(), 0));
        }
        let page = QUERY.with(|cell| {
            let mut cached = cell.borrow_mut();
            if cached.as_ref().is_none_or(|query| query.matrix != self.id) {
                *cached = Some(Query {
                    matrix: self.id,
                    scratch: Scratch::new(self),
                    scored: Vec::new(),
                });
            }
            let Query {
                scratch, scored, ..
            } = cached.as_mut().expect("set just above");
            let full = self.profiles.full.of_film[a] as usize;
            scratch.load_base(self, self.profiles.full_base[full] as usize);
            scratch.set_full(self, full);
            scratch.load_film(self, a);
            if 0.0 >= threshold {
                collect_row(self, a, scratch, least_similarity(threshold), scored);
            } else {
                collect_above(self, a, scratch, threshold, scored);
            }
            let total = scored.len();
            let mut page = Vec::new();
            to_neighbours(self, page_of(scored, offset, limit), &mut page);
            (page, total)
        });
        Some(page)
    }
}

/// The entries that sorting `scored` would put at `offset..offset + limit`, in any order:
/// two selections move them there without sorting the rest.
fn page_of(scored: &mut [Ranked], offset: usize, limit: usize) -> &mut [Ranked] {
    let end = offset.saturating_add(limit).min(scored.len());
    if offset >= end {
        return &mut [];
    }
    if end < scored.len() {
        scored.select_nth_unstable(end);
    }
    let head = &mut scored[..end];
    if offset > 0 {
        head.select_nth_unstable(offset);
    }
    &mut head[offset..]
}

/// Calls `sink` once per selected film with every film scoring at least `least` with it (a
/// positive `least`: `query::least_similarity`), in neighbour order. Both directions of a
/// pair are reported, once in each film's row.
pub(crate) fn all_pairs_of(
    m: &TfIdfMatrix,
    least: f64,
    films: &FilmSelection,
    sink: impl Fn(i32, &[Neighbour]) + Sync,
) {
    let mut bases: Vec<usize> = (0..m.profiles.base.count())
        .filter(|&g| films.contains_any(m.profiles.base.members(g)))
        .collect();
    // Largest first (a film's row costs about the same whatever its profile), so that the
    // threads finish together.
    bases.sort_by_key(|&g| Reverse(m.profiles.base.members(g).len()));
    for_each_in_order(
        &bases,
        || (Scratch::new(m), Vec::new(), Vec::new()),
        |(scratch, scored, neighbours), base| {
            scratch.load_base(m, base);
            for &full in m.profiles.fulls_of_base(base) {
                let members = m.profiles.full.members(full as usize);
                if !films.contains_any(members) {
                    continue;
                }
                scratch.set_full(m, full as usize);
                for &a in members.iter().filter(|&&a| films.contains(a as usize)) {
                    scratch.load_film(m, a as usize);
                    collect_row(m, a as usize, scratch, least, scored);
                    to_neighbours(m, scored, neighbours);
                    sink(m.film_ids[a as usize], neighbours);
                }
            }
        },
    );
    sink_zero_films(m, films, &sink);
}

/// Films whose vector is all zero have no neighbours; they still get their (empty) row.
pub(crate) fn sink_zero_films(
    m: &TfIdfMatrix,
    films: &FilmSelection,
    sink: &(impl Fn(i32, &[Neighbour]) + Sync),
) {
    for (a, &profile) in m.profiles.full.of_film.iter().enumerate() {
        if profile == NONE && films.contains(a) {
            sink(m.film_ids[a], &[]);
        }
    }
}

/// Scores of every film `b != a` scoring at least `least` (positive), for a film `a` whose
/// base profile, full profile and light row are loaded in `scratch`: every film sharing a
/// term with `a` is scored, as the films sharing none score 0.
fn collect_row(m: &TfIdfMatrix, a: usize, scratch: &Scratch, least: f64, scored: &mut Vec<Ranked>) {
    scored.clear();
    let inv_a = m.inv_norm[a];
    visit_sharing(m, scratch, |b: u32| {
        if b as usize != a {
            let s = scratch.score_with(m, inv_a, b);
            if s >= least {
                scored.push(Ranked::new(s, b));
            }
        }
    });
}

/// Scores of every film `b != a` at least `threshold` similar (a positive threshold, or NaN
/// for none), scoring only the films that can reach it. A film sharing no light term with
/// `a` scores `(H + 0.0) * (inv_a * inv_b)`, where H depends only on its full profile; a
/// profile's films come in descending inverse norm, and rounded products of non-negative
/// numbers never decrease when a factor grows, so once one of them falls below the
/// threshold all that follow do. The films sharing a light term are scored one by one, and
/// films sharing no term score 0. Same values, same set as `collect_row` with `s >= threshold`.
fn collect_above(
    m: &TfIdfMatrix,
    a: usize,
    scratch: &Scratch,
    threshold: f64,
    scored: &mut Vec<Ranked>,
) {
    scored.clear();
    let inv_a = m.inv_norm[a];
    // False for every score when the threshold is NaN.
    let reaches = |s: f64| s >= threshold;
    for &b in scratch.light_touched() {
        if b as usize != a {
            let s = scratch.score_touched(m, inv_a, b);
            if reaches(s) {
                scored.push(Ranked::new(s, b));
            }
        }
    }
    let profiles = &m.profiles;
    let p = scratch.full();
    let x = profiles.full_exclusive[p];
    // The films of full profile q without a shared light term, from the largest inverse norm
    // down to the first below the threshold.
    let mut walk = |q: usize, heavy: f64| {
        for (b, inv_b, _) in (0..).map_while(|i| profiles.full.member(q, i)) {
            if b as usize == a || scratch.shares_light(b) {
                continue;
            }
            let s = score(heavy, 0.0, inv_a, inv_b);
            if !reaches(s) {
                break;
            }
            scored.push(Ranked::new(s, b));
        }
    };
    // Base profiles sharing a general heavy term, but not their profile with a's exclusive
    // term: H is G there, and a base's first film has the largest inverse norm of its films,
    // so when even that one misses the threshold the whole base does.
    for &g in scratch.base_touched() {
        let base_dot = scratch.base_dot(g);
        let best = score(base_dot, 0.0, inv_a, profiles.base.first_inv[g as usize]);
        if !reaches(best) {
            continue;
        }
        for &q in profiles.fulls_of_base(g as usize) {
            if x == NONE || profiles.full_exclusive[q as usize] != x {
                walk(q as usize, base_dot);
            }
        }
    }
    // Every full profile with a's exclusive term, in a shared base profile or not (G is 0.0
    // in the others).
    if x != NONE {
        for (q, g, _, first_inv) in profiles.with_exclusive(x) {
            let heavy = profiles.heavy(scratch.base_dot(g), p, q as usize);
            if reaches(score(heavy, 0.0, inv_a, first_inv)) {
                walk(q as usize, heavy);
            }
        }
    }
}

/// Visits every film sharing a term with the loaded film, once: those in a base profile
/// sharing a general heavy term, those with the same exclusive term in other base profiles,
/// and those sharing a light term in neither of these. The others score 0.
fn visit_sharing(m: &TfIdfMatrix, scratch: &Scratch, mut visit: impl FnMut(u32)) {
    let profiles = &m.profiles;
    for &g in scratch.base_touched() {
        profiles
            .base
            .members(g as usize)
            .iter()
            .for_each(|&b| visit(b));
    }
    let x = profiles.full_exclusive[scratch.full()];
    let same_exclusive = |q: u32| x != NONE && profiles.full_exclusive[q as usize] == x;
    if x != NONE {
        for &q in profiles.fulls_of_exclusive(x) {
            if !scratch.shares_base(profiles.full_base[q as usize]) {
                profiles
                    .full
                    .members(q as usize)
                    .iter()
                    .for_each(|&b| visit(b));
            }
        }
    }
    for &b in scratch.light_touched() {
        let q = profiles.full.of_film[b as usize];
        if !scratch.shares_base(profiles.full_base[q as usize]) && !same_exclusive(q) {
            visit(b);
        }
    }
}
