//! Recommendations ranked: the best films for a taste among some allowed rows, and how many
//! films are recommended in all, in one pass over the allowed rows that keeps only the best
//! few. It gives exactly what [`TfIdfMatrix::taste_scores`] followed by a filter and a sort
//! gives (same films, same values bit for bit, same order), without the vector of every
//! film's score and the list of every allowed film that ranking those costs.

use std::cmp::Ordering;
use std::sync::{Mutex, PoisonError};

use crate::matrix::TfIdfMatrix;
use crate::profiles::NONE;
use crate::taste::Taste;

/// Light accumulators kept between rankings, most recently used last. A fresh accumulator
/// costs a zeroed page per 512 films on every request; a kept one only the entries a taste
/// touches, which are reset after each use. They are shared by all threads rather than kept
/// per thread: a server answers from many blocking threads, and an accumulator per thread
/// (320 KB at 40k films) would be cold in the cache at every request, where the one another
/// thread has just put back is warm.
static SCRATCHES: Mutex<Vec<LightScratch>> = Mutex::new(Vec::new());

/// At most this many accumulators are kept (as many rankings run at once, at most).
const KEPT_SCRATCHES: usize = 8;

/// One recommended film: its row (rows are in film id order) and its similarity to the taste.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RankedFilm {
    pub row: usize,
    pub similarity: f64,
}

/// The first films recommended for a taste, best first, and how many are recommended in all.
#[derive(Debug, Clone, PartialEq)]
pub struct TasteRanking {
    pub films: Vec<RankedFilm>,
    pub total: usize,
}

impl TfIdfMatrix {
    /// The first `count` films recommended for `taste` among the rows `allowed` (every row
    /// when `None`), by similarity descending, ties by row (so by film id), and how many films
    /// are recommended in all among those rows. `allowed` is a bitset over rows: row `r` is
    /// allowed when bit `r % 64` of word `r / 64` is set. A recommended film is one that
    /// [`TfIdfMatrix::taste_scores`] scores, with the same value.
    pub fn rank_taste(&self, taste: &Taste, allowed: Option<&[u64]>, count: usize) -> TasteRanking {
        let mut best = Best::new(count);
        let total = match taste.single {
            Some(liked) => self.rank_single(taste, liked, allowed, &mut best),
            None => self.rank_profiles(taste, allowed, &mut best),
        };
        TasteRanking {
            films: best.into_sorted(),
            total,
        }
    }

    /// One liked film, nothing disliked: its neighbour list, which is already in rank order.
    fn rank_single(
        &self,
        taste: &Taste,
        liked: usize,
        allowed: Option<&[u64]>,
        best: &mut Best,
    ) -> usize {
        let neighbours = self
            .similar_to(self.film_id(liked), 0.0)
            .expect("the liked film is a row of this matrix");
        let mut total = 0;
        for neighbour in neighbours {
            let row = self
                .index_of(neighbour.film_id)
                .expect("a neighbour is a row of this matrix");
            if taste.input_rows.contains(&row) || !is_allowed(allowed, row) {
                continue;
            }
            total += 1;
            best.offer(neighbour.similarity, row as u32);
        }
        total
    }

    /// The general case, with the arithmetic of `taste_scores` (`profile_scores`) step for
    /// step, so that every value is the same bit for bit; only the films that pass the filter
    /// are scored, and only the best are kept. A film is read from its 16-byte ranking slot
    /// (base profile, rating variant, inverse norm); the films without a profile, the input
    /// films and the films that share no light term are cleared or tested 64 at a time.
    fn rank_profiles(&self, taste: &Taste, allowed: Option<&[u64]>, best: &mut Best) -> usize {
        let base_dots = self.base_dots_by_postings(taste);
        let variant_dots = self.variant_dots(taste);
        let mut scratch = LightScratch::take(self);
        scratch.load(self, taste);
        let slots = &self.profiles.rank_slots;
        let light = &scratch.light[..slots.len()];
        let mut total = 0;
        for (index, &profiled) in self.profiles.profiled.iter().enumerate() {
            let mut word = words_at(allowed, self.len(), index) & profiled & !scratch.inputs[index];
            let shares_light = scratch.shares[index];
            while word != 0 {
                let bit = word.trailing_zeros();
                word &= word - 1;
                let row = index * 64 + bit as usize;
                let slot = slots[row];
                let (base_dot, shares_heavy) = base_dots[slot.base as usize];
                let (rating, shares_rating) = variant_dots[slot.variant as usize];
                // `|`, not `||`: three cheap tests, one branch.
                if !(shares_heavy | shares_rating | (shares_light >> bit & 1 != 0)) {
                    continue;
                }
                total += 1;
                best.offer(
                    (base_dot + rating + light[row]) * slot.inv * taste.inv_norm,
                    row as u32,
                );
            }
        }
        scratch.reset(self, taste);
        scratch.put_back();
        total
    }

    /// [`TfIdfMatrix::base_dots`], bit for bit, through the heavy postings of the taste's
    /// nonzero or liked slots only: slots ascending, so each base profile's terms are added
    /// in the same order; a skipped slot's product is +0.0, which changes no sum (a sum that
    /// starts at +0.0 is never -0.0).
    fn base_dots_by_postings(&self, taste: &Taste) -> Vec<(f64, bool)> {
        let mut dots = vec![(0.0, false); self.profiles.base.count()];
        for (slot, (&weight, &liked)) in taste.heavy.iter().zip(&taste.heavy_liked).enumerate() {
            if weight == 0.0 && !liked {
                continue;
            }
            let (bases, base_weights) = self.profiles.base_postings.row(slot);
            for (&base, &base_weight) in bases.iter().zip(base_weights) {
                let (dot, shared) = &mut dots[base as usize];
                *dot += weight * base_weight;
                *shared |= base_weight > 0.0 && liked;
            }
        }
        dots
    }

    /// Per rating variant (an exclusive slot and its weight): the rating's part of the dot
    /// product with the taste, and whether a liked film has that rating; (0, false) for the
    /// variant without one.
    fn variant_dots(&self, taste: &Taste) -> Vec<(f64, bool)> {
        (self.profiles.variants.iter())
            .map(|&(exclusive, weight)| {
                if exclusive == NONE {
                    (0.0, false)
                } else {
                    (
                        taste.exclusive[exclusive as usize] * weight,
                        weight > 0.0 && taste.exclusive_liked[exclusive as usize],
                    )
                }
            })
            .collect()
    }
}

/// Whether `row` is in the bitset `allowed` (every row is when there is none).
fn is_allowed(allowed: Option<&[u64]>, row: usize) -> bool {
    allowed.is_none_or(|words| {
        words
            .get(row / 64)
            .is_some_and(|word| word & (1 << (row % 64)) != 0)
    })
}

/// Word `index` of the bitset `allowed` over `rows` rows (all ones when there is none), with
/// the bits past the last row cleared.
fn words_at(allowed: Option<&[u64]>, rows: usize, index: usize) -> u64 {
    let word = allowed.map_or(u64::MAX, |words| words.get(index).copied().unwrap_or(0));
    let past_end = (index + 1) * 64 > rows && !rows.is_multiple_of(64);
    if past_end {
        word & ((1 << (rows % 64)) - 1)
    } else {
        word
    }
}

/// The light part of every film's dot product with a taste, and which films share a light
/// term with a liked film; zero and empty between uses.
struct LightScratch {
    matrix: u64,
    /// Per row: the sum over the taste's light slots, ascending, of taste weight * weight.
    light: Vec<f64>,
    /// Bitset over rows: the film has a light term some liked film has.
    shares: Vec<u64>,
    /// Bitset over rows: the input films, never recommended back.
    inputs: Vec<u64>,
}

impl LightScratch {
    /// A kept accumulator for `m`, the most recently used, or a new one. Those kept for
    /// another matrix (before a reload) are dropped.
    fn take(m: &TfIdfMatrix) -> Self {
        let mut kept = SCRATCHES.lock().unwrap_or_else(PoisonError::into_inner);
        kept.retain(|scratch| scratch.matrix == m.id);
        kept.pop().unwrap_or_else(|| LightScratch::new(m))
    }

    /// Keeps this accumulator (zero again) for the next ranking, unless enough are kept.
    fn put_back(self) {
        let mut kept = SCRATCHES.lock().unwrap_or_else(PoisonError::into_inner);
        if kept.len() < KEPT_SCRATCHES {
            kept.push(self);
        }
    }

    fn new(m: &TfIdfMatrix) -> Self {
        LightScratch {
            matrix: m.id,
            light: vec![0.0; m.len()],
            shares: vec![0; m.len().div_ceil(64)],
            inputs: vec![0; m.len().div_ceil(64)],
        }
    }

    /// Folds the taste's light slots in ascending order, as `profile_scores` does.
    fn load(&mut self, m: &TfIdfMatrix, taste: &Taste) {
        for &row in &taste.input_rows {
            self.inputs[row / 64] |= 1 << (row % 64);
        }
        for &(slot, taste_weight) in &taste.light {
            let (films, weights) = m.light_postings.row(slot as usize);
            for (&film, &weight) in films.iter().zip(weights) {
                self.light[film as usize] += taste_weight * weight;
            }
        }
        for &slot in &taste.light_liked {
            let (films, weights) = m.light_postings.row(slot as usize);
            for (&film, &weight) in films.iter().zip(weights) {
                if weight > 0.0 {
                    self.shares[film as usize / 64] |= 1 << (film % 64);
                }
            }
        }
    }

    /// Back to zero: the light entries the taste's postings touched, and the two bitsets
    /// whole (a few words per 64 films: less than walking the postings again).
    fn reset(&mut self, m: &TfIdfMatrix, taste: &Taste) {
        self.inputs.fill(0);
        self.shares.fill(0);
        for &(slot, _) in &taste.light {
            for &film in m.light_postings.row(slot as usize).0 {
                self.light[film as usize] = 0.0;
            }
        }
    }
}

/// The rank order: similarity descending, then row ascending.
fn rank_order(a: &(f64, u32), b: &(f64, u32)) -> Ordering {
    b.0.total_cmp(&a.0).then(a.1.cmp(&b.1))
}

/// The best `count` of (similarity, row) pairs, offered so that of two offers with the same
/// similarity the smaller row comes first (in ascending rows, or in rank order). Offers go to
/// a buffer; when it holds twice `count`, a selection keeps the best `count` and their worst
/// becomes the floor that later offers must beat. A later offer equal to the floor loses
/// (its row is larger), so one comparison turns away most films.
struct Best {
    count: usize,
    kept: Vec<(f64, u32)>,
    /// Whether `kept` has been cut to `count` since it was last full: then `floor`, its worst,
    /// is what an offer must beat; before, `floor` is minus infinity.
    full: bool,
    floor: f64,
}

impl Best {
    fn new(count: usize) -> Self {
        Best {
            count,
            kept: Vec::new(),
            full: false,
            floor: f64::NEG_INFINITY,
        }
    }

    #[inline]
    fn offer(&mut self, similarity: f64, row: u32) {
        // The plain comparison turns most films away; the total order decides the rest.
        if similarity < self.floor
            || (self.full && similarity.total_cmp(&self.floor) != Ordering::Greater)
            || self.count == 0
        {
            return;
        }
        self.kept.push((similarity, row));
        if self.kept.len() >= self.count.saturating_mul(2).max(self.count + 64) {
            self.shrink();
        }
    }

    fn shrink(&mut self) {
        self.kept.select_nth_unstable_by(self.count - 1, rank_order);
        self.kept.truncate(self.count);
        self.full = true;
        self.floor = self.kept[self.count - 1].0;
    }

    fn into_sorted(mut self) -> Vec<RankedFilm> {
        if self.kept.len() > self.count {
            self.shrink();
        }
        self.kept.sort_unstable_by(rank_order);
        self.kept
            .into_iter()
            .map(|(similarity, row)| RankedFilm {
                row: row as usize,
                similarity,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_best_are_kept_in_rank_order_ties_by_row() {
        let offers: Vec<(f64, u32)> = (0..1_000u32)
            .map(|row| (f64::from((row * 7919) % 13), row))
            .collect();
        for count in [0, 1, 5, 64, 65, 200, 999, 1_000, 5_000] {
            let mut best = Best::new(count);
            offers.iter().for_each(|&(s, row)| best.offer(s, row));
            let mut expected = offers.clone();
            expected.sort_by(rank_order);
            expected.truncate(count);
            let kept: Vec<(f64, u32)> = best
                .into_sorted()
                .iter()
                .map(|film| (film.similarity, film.row as u32))
                .collect();
            assert_eq!(kept, expected, "count {count}");
        }
    }

    #[test]
    fn allowed_words_stop_at_the_last_row() {
        let allowed = [0b1011, 1 << 63, u64::MAX];
        assert_eq!(words_at(Some(&allowed), 130, 0), 0b1011);
        assert_eq!(words_at(Some(&allowed), 130, 1), 1 << 63);
        assert_eq!(words_at(Some(&allowed), 130, 2), 0b11);
        assert_eq!(words_at(Some(&allowed), 128, 1), 1 << 63);
        assert_eq!(words_at(Some(&allowed), 130, 3), 0);
        assert_eq!(words_at(None, 3, 0), 0b111);
        assert_eq!(words_at(None, 128, 1), u64::MAX);
        assert!(is_allowed(None, 7) && is_allowed(Some(&[1 << 7]), 7));
        assert!(!is_allowed(Some(&[1 << 7]), 6) && !is_allowed(Some(&[1 << 7]), 64));
    }
}
