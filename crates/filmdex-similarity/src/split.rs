//! Which terms are heavy: the exclusive terms (ratings) and the general heavy terms, chosen
//! by document frequency with a cost rule. Everything else is light.

use std::collections::HashMap;

use crate::sparse::SparseRows;

/// How terms are split into heavy (handled per profile) and light (inverted index). The split
/// changes only the summation order of a dot product, never which films are neighbours; the
/// tests force each rule to check that (the `test-hooks` feature), builds use `Auto`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(not(any(test, feature = "test-hooks")), allow(dead_code))]
pub enum HeavySplit {
    /// Ratings exclusive; general heavy terms greedy by document frequency (see `choose`).
    Auto,
    /// Ratings exclusive; every other term whose document frequency is at least this is
    /// general heavy (`usize::MAX`: none).
    MinDf(usize),
    /// No exclusive terms; terms with document frequency at least this are general heavy.
    NoExclusive(usize),
}

/// The role of each term.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    Light,
    /// Part of the base profile.
    Heavy,
    /// One of a group of terms no film has two of (its rating): H adds w_a * w_b only when
    /// two films have the same one.
    Exclusive,
}

/// Below this document frequency a term is always light: its inverted-index cost, df², is
/// too small to be worth a profile split.
const MIN_AUTO_DF: usize = 64;

/// The profile machinery's cost per base profile, in units of one inverted-index
/// multiply-add, besides the base-pairs term: building and reading its streams.
const COST_PER_PROFILE: f64 = 1_000.0;

/// The role of every term. `postings` is term -> (film, weight); `rating_terms` are the
/// candidates for exclusive terms.
pub(crate) fn choose(
    postings: &SparseRows,
    rating_terms: &[u32],
    films: usize,
    split: HeavySplit,
) -> Vec<Role> {
    let mut roles = vec![Role::Light; postings.rows()];
    if !matches!(split, HeavySplit::NoExclusive(_)) {
        for t in exclusive_terms(postings, rating_terms, films) {
            roles[t as usize] = Role::Exclusive;
        }
    }
    match split {
        HeavySplit::MinDf(min_df) | HeavySplit::NoExclusive(min_df) => {
            for (t, role) in roles.iter_mut().enumerate() {
                if *role == Role::Light && postings.row_len(t) >= min_df {
                    *role = Role::Heavy;
                }
            }
        }
        HeavySplit::Auto => choose_auto(postings, films, &mut roles),
    }
    roles
}

/// The rating terms, less any that share a film with another one (a seed-mode hash bucket
/// can hold a rating token and some other token), so that no film has two exclusive terms.
fn exclusive_terms(postings: &SparseRows, rating_terms: &[u32], films: usize) -> Vec<u32> {
    let mut owner = vec![u32::MAX; films];
    let mut clash = vec![false; postings.rows()];
    for &t in rating_terms {
        for &f in postings.row(t as usize).0 {
            let previous = owner[f as usize];
            if previous != u32::MAX && previous != t {
                clash[t as usize] = true;
                clash[previous as usize] = true;
            }
            owner[f as usize] = t;
        }
    }
    // Terms of weight 0 (in every film) have no postings and drop out here too.
    let mut terms: Vec<u32> = rating_terms
        .iter()
        .copied()
        .filter(|&t| !clash[t as usize] && postings.row_len(t as usize) > 0)
        .collect();
    terms.sort_unstable();
    terms
}

/// Visits light terms by document frequency, largest first. Making term `t` heavy saves its
/// inverted-index work, df(t)² multiply-adds, and refines the base profiles from P to P',
/// which costs about P'² - P² (every base profile meets every other once) plus
/// COST_PER_PROFILE per new one. The term becomes heavy when it saves more than it costs.
fn choose_auto(postings: &SparseRows, films: usize, roles: &mut [Role]) {
    let mut candidates: Vec<usize> = (0..postings.rows())
        .filter(|&t| roles[t] == Role::Light && postings.row_len(t) >= MIN_AUTO_DF)
        .collect();
    // Largest df first; ties by term id so the choice is deterministic.
    candidates.sort_by_key(|&t| (std::cmp::Reverse(postings.row_len(t)), t));
    let mut partition = Partition::new(films);
    for t in candidates {
        let (films_of_t, weights) = postings.row(t);
        let refined = partition.refine(films_of_t, weights);
        let (before, after) = (partition.live as f64, refined.live as f64);
        let df = films_of_t.len() as f64;
        let cost = after * after - before * before + COST_PER_PROFILE * (after - before);
        if df * df >= cost {
            partition.apply(films_of_t, refined);
            roles[t] = Role::Heavy;
        }
    }
}

/// The films split by their heavy part so far, as profile numbers (holes allowed).
struct Partition {
    of_film: Vec<u32>,
    sizes: Vec<u32>,
    live: usize,
}

/// The result of refining a partition by one term, before it is applied.
struct Refined {
    /// The new profile number of each film of the term, in the term's film order.
    new_ids: Vec<u32>,
    new_sizes: Vec<u32>,
    live: usize,
}

impl Partition {
    fn new(films: usize) -> Self {
        let size = u32::try_from(films).expect("fewer than 2^32 films");
        Partition {
            of_film: vec![0; films],
            sizes: vec![size],
            live: usize::from(films > 0),
        }
    }

    /// Films having the term move to a new profile per (old profile, weight); an old profile
    /// all of whose films moved disappears.
    fn refine(&self, films: &[u32], weights: &[f64]) -> Refined {
        let mut keys: HashMap<(u32, u64), u32> = HashMap::new();
        let mut moved: HashMap<u32, u32> = HashMap::new();
        let mut new_ids = Vec::with_capacity(films.len());
        let mut new_sizes: Vec<u32> = Vec::new();
        let first_new = u32::try_from(self.sizes.len()).expect("fewer than 2^32 profiles");
        for (&f, &w) in films.iter().zip(weights) {
            let old = self.of_film[f as usize];
            *moved.entry(old).or_insert(0) += 1;
            let next = first_new + new_sizes.len() as u32;
            let id = *keys.entry((old, w.to_bits())).or_insert(next);
            if id == next {
                new_sizes.push(0);
            }
            new_sizes[(id - first_new) as usize] += 1;
            new_ids.push(id);
        }
        let emptied = moved
            .iter()
            .filter(|&(&old, &n)| self.sizes[old as usize] == n)
            .count();
        Refined {
            new_ids,
            new_sizes,
            live: self.live + keys.len() - emptied,
        }
    }

    fn apply(&mut self, films: &[u32], refined: Refined) {
        for (&f, &id) in films.iter().zip(&refined.new_ids) {
            self.sizes[self.of_film[f as usize] as usize] -= 1;
            self.of_film[f as usize] = id;
        }
        self.sizes.extend(refined.new_sizes);
        self.live = refined.live;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partition_counts_profiles() {
        let mut partition = Partition::new(4);
        // Term on films 0 and 1 with equal weight: {0,1} and {2,3}.
        let refined = partition.refine(&[0, 1], &[1.0, 1.0]);
        assert_eq!(refined.live, 2);
        partition.apply(&[0, 1], refined);
        // Term on all films, two weights: {0,1} splits by weight, {2,3} moves whole.
        let refined = partition.refine(&[0, 1, 2, 3], &[1.0, 2.0, 1.0, 1.0]);
        assert_eq!(refined.live, 3);
    }

    #[test]
    fn rating_terms_sharing_a_film_are_not_exclusive() {
        // Terms 0 and 1 are both in film 1; term 2 is alone.
        let mut films = SparseRows::new();
        for row in [&[0u32][..], &[0, 1], &[2]] {
            row.iter().for_each(|&t| films.push(t, 1.0));
            films.end_row();
        }
        let postings = films.transpose(3);
        assert_eq!(exclusive_terms(&postings, &[0, 1, 2], 3), [2]);
    }
}
