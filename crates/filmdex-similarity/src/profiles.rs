//! The heavy side of the matrix: films grouped by base profile (their general heavy terms)
//! and by full profile (base profile plus exclusive term).

use std::collections::HashMap;

use crate::sparse::SparseRows;

/// Marks a film in no group (its vector is all zero), or a profile without exclusive term.
pub(crate) const NONE: u32 = u32::MAX;

/// Films grouped by some key: each group's films by inverse norm descending, then row, so
/// that a group's films are met in descending order of a heavy-only score.
#[derive(Debug, Clone)]
pub(crate) struct Groups {
    pub of_film: Vec<u32>,
    offsets: Vec<usize>,
    members: Vec<u32>,
    /// Alongside `members`: each member's inverse norm and exclusive slot (or `NONE`), so
    /// that reading a group's films in order reads memory in order.
    member_inv: Vec<f64>,
    member_exclusive: Vec<u32>,
    /// Inverse norm of each group's first film, the largest among its films.
    pub first_inv: Vec<f64>,
}

impl Groups {
    fn build(of_film: Vec<u32>, count: usize, inv_norm: &[f64], exclusive: &[u32]) -> Self {
        let mut offsets = vec![0usize; count + 1];
        for &g in of_film.iter().filter(|&&g| g != NONE) {
            offsets[g as usize + 1] += 1;
        }
        for g in 0..count {
            offsets[g + 1] += offsets[g];
        }
        let mut next = offsets.clone();
        let mut members = vec![0u32; offsets[count]];
        for (film, &g) in of_film.iter().enumerate().filter(|&(_, &g)| g != NONE) {
            members[next[g as usize]] = u32::try_from(film).expect("fewer than 2^32 films");
            next[g as usize] += 1;
        }
        for g in 0..count {
            members[offsets[g]..offsets[g + 1]].sort_unstable_by(|&a, &b| {
                inv_norm[b as usize]
                    .total_cmp(&inv_norm[a as usize])
                    .then(a.cmp(&b))
            });
        }
        let first_inv = (0..count)
            .map(|g| inv_norm[members[offsets[g]] as usize])
            .collect();
        let member_inv = members.iter().map(|&b| inv_norm[b as usize]).collect();
        let member_exclusive = members.iter().map(|&b| exclusive[b as usize]).collect();
        Groups {
            of_film,
            offsets,
            members,
            member_inv,
            member_exclusive,
            first_inv,
        }
    }

    pub fn count(&self) -> usize {
        self.offsets.len() - 1
    }

    pub fn members(&self, group: usize) -> &[u32] {
        &self.members[self.offsets[group]..self.offsets[group + 1]]
    }

    /// Member `i` of `group`: film, inverse norm, exclusive slot; `None` past the last.
    #[inline]
    pub fn member(&self, group: usize, i: usize) -> Option<(u32, f64, u32)> {
        let at = self.offsets[group] + i;
        (at < self.offsets[group + 1]).then(|| {
            (
                self.members[at],
                self.member_inv[at],
                self.member_exclusive[at],
            )
        })
    }

    fn heap_bytes(&self) -> usize {
        (self.of_film.capacity() + self.members.capacity() + self.member_exclusive.capacity()) * 4
            + (self.offsets.capacity() + self.first_inv.capacity() + self.member_inv.capacity()) * 8
    }
}

/// A flat list of lists of ids.
#[derive(Debug, Clone)]
struct Lists {
    offsets: Vec<usize>,
    ids: Vec<u32>,
}

impl Lists {
    /// List `k` holds every `i` with `key[i] == k`, ascending; `NONE` keys are left out.
    fn group(key: &[u32], count: usize) -> Self {
        let mut lists: Vec<Vec<u32>> = vec![Vec::new(); count];
        for (i, &k) in key.iter().enumerate().filter(|&(_, &k)| k != NONE) {
            lists[k as usize].push(u32::try_from(i).expect("fewer than 2^32 profiles"));
        }
        let mut offsets = vec![0];
        let mut ids = Vec::new();
        for list in lists {
            ids.extend(list);
            offsets.push(ids.len());
        }
        Lists { offsets, ids }
    }

    fn get(&self, k: usize) -> &[u32] {
        &self.ids[self.offsets[k]..self.offsets[k + 1]]
    }
}

/// One film as a scoring thread sees it: what scoring reads of it, and the thread's light
/// accumulator for it, in one 32-byte record, so that a film costs one cache line. Each
/// thread works on its own copy of `Profiles::film_slots`.
#[derive(Debug, Clone, Copy)]
#[repr(C)]
pub(crate) struct FilmSlot {
    /// L(loaded film, this film), valid when `stamp` is the thread's current epoch.
    pub light: f64,
    pub inv: f64,
    pub stamp: u32,
    /// Base profile, `NONE` for an all-zero film.
    pub base: u32,
    /// Exclusive slot (or `NONE`), and index into `Profiles::variants` for its weight.
    pub exclusive: u32,
    pub variant: u32,
}

/// One film as a recommendation ranking reads it (`ranking.rs`): the half of a [`FilmSlot`]
/// that a score needs, so the pass over the allowed films reads 16 bytes per film, not 32.
/// Only films with a profile are read (see `Profiles::profiled`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct RankSlot {
    pub inv: f64,
    pub base: u32,
    /// Index into `Profiles::variants`.
    pub variant: u32,
}

/// Films grouped by their heavy part. H(a, b) = G(base a, base b), plus w_a(x) * w_b(x) when
/// both films have the same exclusive term x; see `kernel` for the summation order.
#[derive(Debug, Clone)]
pub(crate) struct Profiles {
    pub base: Groups,
    /// Base profile -> (heavy slot, weight), slots ascending.
    pub base_terms: SparseRows,
    /// Heavy slot -> (base profile, weight), base profiles ascending.
    pub base_postings: SparseRows,
    pub full: Groups,
    /// Base profile, exclusive slot (or `NONE`) and its weight, of each full profile.
    pub full_base: Vec<u32>,
    pub full_exclusive: Vec<u32>,
    pub full_weight: Vec<f64>,
    fulls_of_base: Lists,
    fulls_of_exclusive: Lists,
    /// Alongside `fulls_of_exclusive`: each listed profile's base profile, exclusive weight
    /// and first inverse norm, so that starting a same-rating stream reads memory in order.
    exclusive_base: Vec<u32>,
    exclusive_weight: Vec<f64>,
    exclusive_first_inv: Vec<f64>,
    /// Distinct (exclusive slot, weight) pairs; 0 is (`NONE`, 0.0), for no exclusive term.
    pub variants: Vec<(u32, f64)>,
    pub film_slots: Vec<FilmSlot>,
    /// `film_slots` narrowed for ranking, and the films that have a profile as a bitset over
    /// rows (bit `r % 64` of word `r / 64`; no bit past the last film).
    pub rank_slots: Vec<RankSlot>,
    pub profiled: Vec<u64>,
}

/// The heavy part of one film: its general heavy (slot, weight) pairs and its exclusive
/// (slot, weight), if any.
pub(crate) struct HeavyRows {
    pub general: SparseRows,
    pub exclusive: Vec<Option<(u32, f64)>>,
}

/// Profile numbers, in order of first appearance: of each film (`NONE` for all-zero films),
/// and what each base and full profile is.
struct ProfileIds {
    base_of: Vec<u32>,
    full_of: Vec<u32>,
    base_terms: SparseRows,
    full_base: Vec<u32>,
    full_exclusive: Vec<u32>,
    full_weight: Vec<f64>,
}

impl ProfileIds {
    fn assign(rows: &HeavyRows, inv_norm: &[f64]) -> Self {
        let mut base_ids: HashMap<Vec<(u32, u64)>, u32> = HashMap::new();
        let mut full_ids: HashMap<(u32, u32, u64), u32> = HashMap::new();
        let mut ids = ProfileIds {
            base_of: Vec::with_capacity(inv_norm.len()),
            full_of: Vec::with_capacity(inv_norm.len()),
            base_terms: SparseRows::new(),
            full_base: Vec::new(),
            full_exclusive: Vec::new(),
            full_weight: Vec::new(),
        };
        for (film, &inv) in inv_norm.iter().enumerate() {
            if inv == 0.0 {
                ids.base_of.push(NONE);
                ids.full_of.push(NONE);
                continue;
            }
            let (slots, weights) = rows.general.row(film);
            let key = slots
                .iter()
                .zip(weights)
                .map(|(&s, w)| (s, w.to_bits()))
                .collect();
            let next = u32::try_from(base_ids.len()).expect("fewer than 2^32 profiles");
            let base = *base_ids.entry(key).or_insert_with(|| {
                slots
                    .iter()
                    .zip(weights)
                    .for_each(|(&s, &w)| ids.base_terms.push(s, w));
                ids.base_terms.end_row();
                next
            });
            let (x, w) = rows.exclusive[film].unwrap_or((NONE, 0.0));
            let next = u32::try_from(full_ids.len()).expect("fewer than 2^32 profiles");
            let full = *full_ids.entry((base, x, w.to_bits())).or_insert_with(|| {
                ids.full_base.push(base);
                ids.full_exclusive.push(x);
                ids.full_weight.push(w);
                next
            });
            ids.base_of.push(base);
            ids.full_of.push(full);
        }
        ids
    }
}

impl Profiles {
    /// Groups films; films with `inv_norm` 0 (all-zero vectors) get no profile.
    pub fn build(
        rows: &HeavyRows,
        heavy_slots: usize,
        exclusive_slots: usize,
        inv_norm: &[f64],
    ) -> Self {
        let ids = ProfileIds::assign(rows, inv_norm);
        let base_count = ids.base_terms.rows();
        let film_exclusive: Vec<u32> = (ids.full_of.iter())
            .map(|&p| {
                if p == NONE {
                    NONE
                } else {
                    ids.full_exclusive[p as usize]
                }
            })
            .collect();
        let (variants, film_slots) = film_slots(&ids, inv_norm);
        let (rank_slots, profiled) = rank_slots(&film_slots);
        let full = Groups::build(ids.full_of, ids.full_base.len(), inv_norm, &film_exclusive);
        let fulls_of_exclusive = Lists::group(&ids.full_exclusive, exclusive_slots);
        let listed = &fulls_of_exclusive.ids;
        Profiles {
            base: Groups::build(ids.base_of, base_count, inv_norm, &film_exclusive),
            base_postings: ids.base_terms.transpose(heavy_slots),
            base_terms: ids.base_terms,
            exclusive_base: listed.iter().map(|&q| ids.full_base[q as usize]).collect(),
            exclusive_weight: listed
                .iter()
                .map(|&q| ids.full_weight[q as usize])
                .collect(),
            exclusive_first_inv: listed.iter().map(|&q| full.first_inv[q as usize]).collect(),
            full,
            fulls_of_base: Lists::group(&ids.full_base, base_count),
            fulls_of_exclusive,
            full_base: ids.full_base,
            full_exclusive: ids.full_exclusive,
            full_weight: ids.full_weight,
            variants,
            film_slots,
            rank_slots,
            profiled,
        }
    }

    /// Full profiles whose base profile is `base`.
    pub fn fulls_of_base(&self, base: usize) -> &[u32] {
        self.fulls_of_base.get(base)
    }

    /// Full profiles whose exclusive term is `x`.
    pub fn fulls_of_exclusive(&self, x: u32) -> &[u32] {
        self.fulls_of_exclusive.get(x as usize)
    }

    /// The full profiles whose exclusive term is `x`, each with its base profile, exclusive
    /// weight and first inverse norm.
    pub fn with_exclusive(&self, x: u32) -> impl Iterator<Item = (u32, u32, f64, f64)> + '_ {
        let (fulls, bases, weights, firsts) = self.exclusive_lists(x);
        // Zipped slices, not indices: one length check for the lot, not four per profile.
        (fulls.iter().zip(bases).zip(weights).zip(firsts))
            .map(|(((&q, &g), &w), &first_inv)| (q, g, w, first_inv))
    }

    /// The full profiles whose exclusive term is `x`, and alongside, each one's base profile,
    /// exclusive weight and first inverse norm.
    pub fn exclusive_lists(&self, x: u32) -> (&[u32], &[u32], &[f64], &[f64]) {
        let range = self.fulls_of_exclusive.offsets[x as usize]
            ..self.fulls_of_exclusive.offsets[x as usize + 1];
        (
            &self.fulls_of_exclusive.ids[range.clone()],
            &self.exclusive_base[range.clone()],
            &self.exclusive_weight[range.clone()],
            &self.exclusive_first_inv[range],
        )
    }

    /// H of two full profiles from G of their base profiles: the exclusive term's product is
    /// the last step of the fold, and only films with the same exclusive term have one.
    #[inline]
    pub fn heavy(&self, base_dot: f64, p: usize, q: usize) -> f64 {
        let x = self.full_exclusive[p];
        if x != NONE && x == self.full_exclusive[q] {
            base_dot + self.full_weight[p] * self.full_weight[q]
        } else {
            base_dot
        }
    }

    pub fn heap_bytes(&self) -> usize {
        self.base.heap_bytes()
            + self.full.heap_bytes()
            + self.base_terms.heap_bytes()
            + self.base_postings.heap_bytes()
            + self.full_base.capacity() * 16
            + self.film_slots.capacity() * std::mem::size_of::<FilmSlot>()
            + self.rank_slots.capacity() * std::mem::size_of::<RankSlot>()
            + self.profiled.capacity() * 8
    }
}

/// The variants table and each film's slot.
fn film_slots(ids: &ProfileIds, inv_norm: &[f64]) -> (Vec<(u32, f64)>, Vec<FilmSlot>) {
    let (variants, full_variant) = variants(&ids.full_exclusive, &ids.full_weight);
    let slots = (ids.full_of.iter().zip(inv_norm))
        .map(|(&p, &inv)| {
            let (base, exclusive, variant) = match p {
                NONE => (NONE, NONE, 0),
                p => {
                    let p = p as usize;
                    (ids.full_base[p], ids.full_exclusive[p], full_variant[p])
                }
            };
            FilmSlot {
                light: 0.0,
                inv,
                stamp: 0,
                base,
                exclusive,
                variant,
            }
        })
        .collect();
    (variants, slots)
}

/// Each film's ranking slot, and the bitset of the films with a profile.
fn rank_slots(film_slots: &[FilmSlot]) -> (Vec<RankSlot>, Vec<u64>) {
    let mut profiled = vec![0u64; film_slots.len().div_ceil(64)];
    let slots = (film_slots.iter().enumerate())
        .map(|(row, slot)| {
            if slot.base != NONE {
                profiled[row / 64] |= 1 << (row % 64);
            }
            RankSlot {
                inv: slot.inv,
                base: slot.base,
                variant: slot.variant,
            }
        })
        .collect();
    (slots, profiled)
}

/// The distinct (exclusive slot, weight) pairs, (`NONE`, 0.0) first, and each full
/// profile's index among them.
fn variants(full_exclusive: &[u32], full_weight: &[f64]) -> (Vec<(u32, f64)>, Vec<u32>) {
    let mut variants = vec![(NONE, 0.0)];
    let mut variant_of: HashMap<(u32, u64), u32> = HashMap::new();
    let full_variant = (full_exclusive.iter().zip(full_weight))
        .map(|(&x, &w)| match x {
            NONE => 0,
            x => *variant_of.entry((x, w.to_bits())).or_insert_with(|| {
                variants.push((x, w));
                u32::try_from(variants.len() - 1).expect("fewer than 2^32 variants")
            }),
        })
        .collect();
    (variants, full_variant)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_sort_members_by_inverse_norm() {
        let groups = Groups::build(
            vec![0, 0, 1, NONE, 0],
            2,
            &[0.5, 0.7, 0.9, 0.0, 0.7],
            &[NONE; 5],
        );
        assert_eq!(groups.members(0), [1, 4, 0]);
        assert_eq!(groups.members(1), [2]);
        assert_eq!(groups.first_inv, [0.7, 0.9]);
        assert_eq!(groups.member(0, 2), Some((0, 0.5, NONE)));
        assert_eq!(groups.member(0, 3), None);
    }

    #[test]
    fn full_profiles_split_bases_by_exclusive_term() {
        let mut general = SparseRows::new();
        for film in 0..4 {
            if film != 3 {
                general.push(0, 1.5);
            }
            general.end_row();
        }
        let exclusive = vec![Some((0, 2.0)), Some((1, 3.0)), Some((0, 2.0)), None];
        let rows = HeavyRows { general, exclusive };
        let profiles = Profiles::build(&rows, 1, 2, &[0.5, 0.5, 0.5, 0.5]);
        assert_eq!(profiles.base.count(), 2);
        assert_eq!(profiles.full.count(), 3);
        assert_eq!(profiles.full.of_film, [0, 1, 0, 2]);
        assert_eq!(profiles.fulls_of_base(0), [0, 1]);
        assert_eq!(profiles.fulls_of_exclusive(0), [0]);
        assert_eq!(profiles.heavy(1.0, 0, 0), 1.0 + 4.0);
        assert_eq!(profiles.heavy(1.0, 0, 1), 1.0);
        assert_eq!(
            profiles.heavy(0.0, 2, 2),
            0.0,
            "no exclusive term, nothing added"
        );
        assert_eq!(profiles.variants, [(NONE, 0.0), (0, 2.0), (1, 3.0)]);
        let variants: Vec<u32> = profiles.film_slots.iter().map(|s| s.variant).collect();
        assert_eq!(variants, [1, 2, 1, 0]);
    }
}
