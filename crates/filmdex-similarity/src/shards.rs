//! Which films' rows to compute: all of them, one shard of a run spread over processes, or a
//! block handed over by an engine such as Spark.
//!
//! Every shard builds the same matrix from the same films, so a film's row is the same in
//! whichever process computes it; the union of the shards' rows is the single-process result.

use std::fmt;
use std::str::FromStr;

use crate::matrix::TfIdfMatrix;
use crate::profiles::NONE;
use crate::query::Neighbours;

/// Shard `index` of `count` (numbered from 0), written `I/N` as on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Shard {
    index: u32,
    count: u32,
}

impl Shard {
    /// `None` unless `index < count`.
    pub fn new(index: u32, count: u32) -> Option<Self> {
        (index < count).then_some(Shard { index, count })
    }

    /// The one shard of an unsplit run.
    pub fn whole() -> Self {
        Shard { index: 0, count: 1 }
    }

    pub fn index(self) -> u32 {
        self.index
    }

    pub fn count(self) -> u32 {
        self.count
    }

    pub fn is_whole(self) -> bool {
        self.count == 1
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// Why a shard such as `3/8` could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseShardError(String);

impl fmt::Display for ParseShardError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ParseShardError {}

impl FromStr for Shard {
    type Err = ParseShardError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let error = |why: &str| {
            ParseShardError(format!(
                "shard {text:?}: {why}; write INDEX/COUNT with 0 <= INDEX < COUNT, e.g. 0/4"
            ))
        };
        let (index, count) = text.split_once('/').ok_or_else(|| error("no '/'"))?;
        let number = |part: &str| {
            part.trim()
                .parse::<u32>()
                .map_err(|e| error(&e.to_string()))
        };
        let (index, count) = (number(index)?, number(count)?);
        if count == 0 {
            return Err(error("COUNT must be at least 1"));
        }
        Shard::new(index, count).ok_or_else(|| error("INDEX must be below COUNT"))
    }
}

/// The films (matrix rows) whose rows a run computes.
#[derive(Debug, Clone)]
pub struct FilmSelection {
    selected: Vec<bool>,
    len: usize,
}

impl FilmSelection {
    /// Every film of `m`.
    pub fn all(m: &TfIdfMatrix) -> Self {
        FilmSelection {
            selected: vec![true; m.len()],
            len: m.len(),
        }
    }

    /// The films of `shard`: a split that depends only on the matrix (so every process that
    /// builds it from the same films agrees), with about the same estimated work per shard.
    ///
    /// Films are laid out as the kernel visits them — by base profile, then full profile —
    /// and cut into `count` runs of equal total work. Keeping a profile's films together
    /// means a shard loads few profiles; cutting by work rather than by count matters
    /// because a film with rare-but-shared title words or prolific people costs many times
    /// a film with none. What a film costs depends on which neighbours are computed (see
    /// [`TfIdfMatrix::row_cost`]), not on the minimum similarity.
    pub fn of_shard(m: &TfIdfMatrix, shard: Shard, neighbours: Neighbours) -> Self {
        let mut selected = vec![false; m.len()];
        let costs = visiting_costs(m, neighbours);
        let total: u128 = costs.iter().map(|&(_, c)| u128::from(c)).sum();
        let count = u128::from(shard.count);
        let mut before: u128 = 0;
        for &(a, cost) in &costs {
            // The shard owning the middle of this film's stretch of the work line.
            let middle = 2 * before + u128::from(cost);
            let owner = (middle * count / (2 * total.max(1))).min(count - 1);
            if owner == u128::from(shard.index) {
                selected[a as usize] = true;
            }
            before += u128::from(cost);
        }
        let len = selected.iter().filter(|&&s| s).count();
        FilmSelection { selected, len }
    }

    /// The work the split attributes to the selected films (see [`FilmSelection::of_shard`]).
    pub fn estimated_cost(&self, m: &TfIdfMatrix, neighbours: Neighbours) -> u64 {
        visiting_costs(m, neighbours)
            .into_iter()
            .filter(|&(a, _)| self.selected[a as usize])
            .map(|(_, cost)| cost)
            .sum()
    }

    /// The films with these ids; the ids not in the matrix are returned beside it.
    pub fn of_film_ids(m: &TfIdfMatrix, film_ids: &[i32]) -> (Self, Vec<i32>) {
        let mut selected = vec![false; m.len()];
        let mut unknown = Vec::new();
        for &id in film_ids {
            match m.index_of(id) {
                Some(a) => selected[a] = true,
                None => unknown.push(id),
            }
        }
        let len = selected.iter().filter(|&&s| s).count();
        (FilmSelection { selected, len }, unknown)
    }

    /// Whether row `a` is selected.
    #[inline]
    pub fn contains(&self, a: usize) -> bool {
        self.selected[a]
    }

    /// Whether any of these rows (a profile's films) is selected.
    #[inline]
    pub(crate) fn contains_any(&self, rows: &[u32]) -> bool {
        rows.iter().any(|&a| self.selected[a as usize])
    }

    /// Number of selected films.
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The selected films' ids, ascending.
    pub fn film_ids(&self, m: &TfIdfMatrix) -> Vec<i32> {
        (0..m.len())
            .filter(|&a| self.selected[a])
            .map(|a| m.film_id(a))
            .collect()
    }
}

/// Every row once, in the order the kernel visits them — base profiles, their full profiles,
/// their films; then the films with an all-zero vector — with its estimated cost. The first
/// film of a base profile also carries the profile's cost, and the first of a full profile
/// that of the full profile: the kernel pays them once per profile, and rare profiles are
/// many (most of the cost of the films first seen late in the order).
fn visiting_costs(m: &TfIdfMatrix, neighbours: Neighbours) -> Vec<(u32, u64)> {
    let profiles = &m.profiles;
    let mut costs = Vec::with_capacity(m.len());
    for base in 0..profiles.base.count() {
        let mut profile_cost = match neighbours {
            Neighbours::TopK { .. } => base_cost(m, base),
            Neighbours::AllPairs => 0,
        };
        for &full in profiles.fulls_of_base(base) {
            if let Neighbours::TopK { .. } = neighbours {
                let x = profiles.full_exclusive[full as usize];
                if x != NONE {
                    profile_cost += profiles.fulls_of_exclusive(x).len() as u64;
                }
            }
            for &a in profiles.full.members(full as usize) {
                costs.push((a, m.row_cost(a as usize, neighbours) + profile_cost));
                profile_cost = 0;
            }
        }
    }
    costs.extend(
        (0..m.len() as u32)
            .filter(|&a| profiles.full.of_film[a as usize] == NONE)
            .map(|a| (a, 1)),
    );
    costs
}

/// What loading a base profile costs: its row of heavy dot products (the base profiles sharing
/// each of its heavy terms), then a stream over the base profiles it touched. Its weight
/// against a posting read (one half) was set by timing the shards of a synthetic corpus with
/// `examples/bench_shards.rs`: without it, the shards holding many rare profiles ran longest.
fn base_cost(m: &TfIdfMatrix, base: usize) -> u64 {
    let (slots, _) = m.profiles.base_terms.row(base);
    let touched: usize = slots
        .iter()
        .map(|&slot| m.profiles.base_postings.row_len(slot as usize))
        .sum();
    touched as u64 / 2
}

impl TfIdfMatrix {
    /// Estimated cost of row `a` alone, in postings read: for top-k, the films sharing a light
    /// term with it (its accumulator's reads) plus k; for all pairs, every film.
    pub fn row_cost(&self, a: usize, neighbours: Neighbours) -> u64 {
        match neighbours {
            Neighbours::AllPairs => self.len() as u64,
            Neighbours::TopK { k } => {
                let (slots, _) = self.light_terms.row(a);
                let light: usize = slots
                    .iter()
                    .map(|&t| self.light_postings.row_len(t as usize))
                    .sum();
                (light + k + 1) as u64
            }
        }
    }
}
