//! Whole rows: one film against every other, for the server's query and the all-pairs table.

use std::cell::RefCell;

use rayon::prelude::*;

use crate::kernel::{to_neighbours, Neighbour, Ranked, Scratch};
use crate::matrix::TfIdfMatrix;
use crate::profiles::NONE;
use crate::shards::FilmSelection;

thread_local! {
    /// The scratch this thread last used for `similar_to`, with the id of its matrix. A
    /// server thread answers many queries on one matrix, and a new scratch copies a slot per
    /// film (1.3 MB at 40k films), far more than a query costs; a reused one costs only what
    /// the query touches. It is kept until the thread ends or queries another matrix.
    static QUERY_SCRATCH: RefCell<Option<(u64, Scratch)>> = const { RefCell::new(None) };
}

impl TfIdfMatrix {
    /// Every other film whose similarity to `film_id` is at least `threshold`, in neighbour
    /// order; `None` when the film is unknown. A film whose vector is all zero has no
    /// neighbours and is nobody's neighbour. Costs O(films): well under a millisecond at 40k.
    pub fn similar_to(&self, film_id: i32, threshold: f64) -> Option<Vec<Neighbour>> {
        let a = self.index_of(film_id)?;
        let mut neighbours = Vec::new();
        if self.inv_norm[a] == 0.0 {
            return Some(neighbours);
        }
        QUERY_SCRATCH.with(|cell| {
            let mut cached = cell.borrow_mut();
            if cached.as_ref().is_none_or(|(id, _)| *id != self.id) {
                *cached = Some((self.id, Scratch::new(self)));
            }
            let (_, scratch) = cached.as_mut().expect("set just above");
            let full = self.profiles.full.of_film[a] as usize;
            scratch.load_base(self, self.profiles.full_base[full] as usize);
            scratch.set_full(self, full);
            scratch.load_film(self, a);
            let mut scored = Vec::new();
            collect_row(self, a, scratch, |s| s >= threshold, &mut scored);
            to_neighbours(self, &mut scored, &mut neighbours);
        });
        Some(neighbours)
    }
}

/// Calls `sink` once per film with every other film whose similarity is above
/// `min_similarity`, in neighbour order. Each film's row is built, handed over and dropped,
/// so memory stays O(films) per thread; both directions of a pair are reported (once in each
/// film's row). Rows arrive in any order across threads; each row's content is deterministic.
pub fn all_pair_neighbours(
    m: &TfIdfMatrix,
    min_similarity: f64,
    sink: impl Fn(i32, &[Neighbour]) + Sync,
) {
    all_pair_neighbours_of(m, min_similarity, &FilmSelection::all(m), sink);
}

/// [`all_pair_neighbours`] for the selected films only (a shard, a block).
pub fn all_pair_neighbours_of(
    m: &TfIdfMatrix,
    min_similarity: f64,
    films: &FilmSelection,
    sink: impl Fn(i32, &[Neighbour]) + Sync,
) {
    let keep = |s: f64| s > min_similarity;
    let selected_in = |members: &[u32]| members.iter().any(|&a| films.contains(a as usize));
    let bases: Vec<usize> = (0..m.profiles.base.count())
        .filter(|&g| selected_in(m.profiles.base.members(g)))
        .collect();
    bases.into_par_iter().for_each_init(
        || (Scratch::new(m), Vec::new(), Vec::new()),
        |(scratch, scored, neighbours), base| {
            scratch.load_base(m, base);
            for &full in m.profiles.fulls_of_base(base) {
                let members = m.profiles.full.members(full as usize);
                if !selected_in(members) {
                    continue;
                }
                scratch.set_full(m, full as usize);
                for &a in members.iter().filter(|&&a| films.contains(a as usize)) {
                    scratch.load_film(m, a as usize);
                    collect_row(m, a as usize, scratch, keep, scored);
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

/// Scores of every film `b != a` that `keep`s, for a film `a` whose base profile, full
/// profile and light row are loaded in `scratch`.
fn collect_row(
    m: &TfIdfMatrix,
    a: usize,
    scratch: &Scratch,
    keep: impl Fn(f64) -> bool,
    scored: &mut Vec<Ranked>,
) {
    scored.clear();
    let inv_a = m.inv_norm[a];
    let mut visit = |b: u32| {
        if b as usize != a {
            let s = scratch.score_with(m, inv_a, b);
            if keep(s) {
                scored.push(Ranked::new(s, b));
            }
        }
    };
    if keep(0.0) {
        (0..m.len())
            .filter(|&b| m.inv_norm[b] != 0.0)
            .for_each(|b| visit(b as u32));
    } else {
        visit_sharing(m, scratch, visit);
    }
}

/// Visits every film sharing a term with the loaded film, once: those in a base profile
/// sharing a general heavy term, those with the same exclusive term in other base profiles,
/// and those sharing a light term in neither of these. The others score 0.
fn visit_sharing(m: &TfIdfMatrix, scratch: &Scratch, mut visit: impl FnMut(u32)) {
    let profiles = &m.profiles;
    for &g in &scratch.base_touched {
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
    for &b in &scratch.light_touched {
        let q = profiles.full.of_film[b as usize];
        if !scratch.shares_base(profiles.full_base[q as usize]) && !same_exclusive(q) {
            visit(b);
        }
    }
}
