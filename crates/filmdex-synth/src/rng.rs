//! Deterministic randomness: one xoshiro256** stream per (seed, part, item), and portable math.
//!
//! Every title, name and aka row draws from its own stream, keyed by the seed, the part of the
//! dump and the item's index, so the five files can be written independently, in parallel, and
//! each row is the same whatever else is generated. `ln` and `exp` are computed here with only
//! IEEE basic operations (exactly rounded everywhere), not the platform's libm, so the same
//! parameters give the same rows on every machine.

use std::f64::consts::{LN_2, SQRT_2};

/// Which part of the dump a stream feeds; part of every stream's key.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Stream {
    Title = 1,
    TitleText = 2,
    Principals = 3,
    Name = 4,
    Akas = 5,
}

/// xoshiro256** (Blackman and Vigna), seeded through SplitMix64 as its authors recommend.
pub(crate) struct Rng {
    state: [u64; 4],
}

fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Rng {
    /// The stream of one item. The seed is hashed first so that nearby seeds share nothing;
    /// the part sits in the top byte and the index below it, so no two keys coincide.
    pub(crate) fn for_item(seed: u64, stream: Stream, index: u64) -> Rng {
        let mut hashed_seed = seed;
        let mut key = splitmix64(&mut hashed_seed) ^ ((stream as u64) << 56) ^ index;
        let state = [
            splitmix64(&mut key),
            splitmix64(&mut key),
            splitmix64(&mut key),
            splitmix64(&mut key),
        ];
        Rng { state }
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        let s = &mut self.state;
        let result = s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        result
    }

    /// Uniform in [0, 1), on the 2^-53 grid.
    pub(crate) fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in 0..n (Lemire's multiply-shift; its bias below 2^-40 does not matter here).
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform in lo..=hi.
    pub(crate) fn between(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }

    pub(crate) fn chance(&mut self, probability: f64) -> bool {
        self.unit() < probability
    }

    /// One element of a small slice, uniformly.
    pub(crate) fn choose<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    /// An item of a small weighted table, by a linear scan (the tables have a few dozen rows).
    pub(crate) fn weighted<T: Copy>(&mut self, table: &[(T, u32)]) -> T {
        let total: u64 = table.iter().map(|&(_, weight)| u64::from(weight)).sum();
        let mut target = self.below(total);
        for &(item, weight) in table {
            if target < u64::from(weight) {
                return item;
            }
            target -= u64::from(weight);
        }
        table[table.len() - 1].0
    }

    /// Standard normal, by Marsaglia's polar method: it needs only `ln` and `sqrt`.
    pub(crate) fn normal(&mut self) -> f64 {
        loop {
            let u = 2.0 * self.unit() - 1.0;
            let v = 2.0 * self.unit() - 1.0;
            let s = u * u + v * v;
            if s > 0.0 && s < 1.0 {
                return u * (-2.0 * ln(s) / s).sqrt();
            }
        }
    }
}

/// Natural logarithm of a positive normal number, to about 1e-15 relative error.
pub(crate) fn ln(x: f64) -> f64 {
    debug_assert!(x.is_normal() && x > 0.0, "ln of {x}");
    let bits = x.to_bits();
    let mut exponent = ((bits >> 52) & 0x7ff) as i64 - 1023;
    let mut mantissa = f64::from_bits((bits & 0x000F_FFFF_FFFF_FFFF) | 0x3FF0_0000_0000_0000);
    if mantissa > SQRT_2 {
        mantissa *= 0.5;
        exponent += 1;
    }
    // ln(m) = 2 atanh(f) with f = (m-1)/(m+1); |f| <= 0.172, so ten series terms suffice.
    let f = (mantissa - 1.0) / (mantissa + 1.0);
    let f2 = f * f;
    let mut term = f;
    let mut sum = 0.0;
    let mut denominator = 1.0;
    for _ in 0..10 {
        sum += term / denominator;
        term *= f2;
        denominator += 2.0;
    }
    exponent as f64 * LN_2 + 2.0 * sum
}

/// e^x for |x| <= 700, to about 1e-15 relative error.
pub(crate) fn exp(x: f64) -> f64 {
    let x = x.clamp(-700.0, 700.0);
    // x = k ln2 + r with |r| <= ln2/2; e^r by its Taylor series, then scaled by 2^k exactly.
    let k = (x / LN_2).round();
    let r = x - k * LN_2;
    let mut term = 1.0;
    let mut sum = 1.0;
    for i in 1..=14 {
        term *= r / f64::from(i);
        sum += term;
    }
    sum * f64::from_bits(((k as i64 + 1023) as u64) << 52)
}

/// Zipf-Mandelbrot ranks: P(rank k) roughly proportional to 1/(k + 1 + q), k in 0..n.
///
/// Sampled by inverting the continuous density, one `exp` per draw: O(1) and no table, which
/// matters for 98 million principals over 15 million people. A larger `q` flattens the head.
pub(crate) struct Zipf {
    n: u64,
    q: f64,
    span: f64,
}

impl Zipf {
    pub(crate) fn new(n: u64, q: f64) -> Zipf {
        let n = n.max(1);
        let span = ln((n as f64 + 1.0 + q) / (1.0 + q));
        Zipf { n, q, span }
    }

    pub(crate) fn sample(&self, rng: &mut Rng) -> u64 {
        let x = (1.0 + self.q) * exp(rng.unit() * self.span) - self.q;
        (x as u64).saturating_sub(1).min(self.n - 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ln_and_exp_match_the_platform_closely() {
        for &x in &[
            1e-9, 0.001, 0.5, 0.999, 1.0, 1.5, 2.0, 10.0, 12345.678, 1e12,
        ] {
            let relative = (ln(x) - x.ln()).abs() / x.ln().abs().max(1.0);
            assert!(relative < 1e-13, "ln({x}) = {} vs {}", ln(x), x.ln());
        }
        for &x in &[-30.0, -1.0, -0.1, 0.0, 0.3, 1.0, 5.5, 16.6, 40.0] {
            let relative = (exp(x) - x.exp()).abs() / x.exp();
            assert!(relative < 1e-13, "exp({x}) = {} vs {}", exp(x), x.exp());
        }
    }

    #[test]
    fn streams_are_reproducible_and_distinct() {
        let first: Vec<u64> = (0..4)
            .map(|_| Rng::for_item(7, Stream::Title, 3).next_u64())
            .collect();
        assert!(first.windows(2).all(|pair| pair[0] == pair[1]));
        let other = Rng::for_item(7, Stream::Title, 4).next_u64();
        let other_part = Rng::for_item(7, Stream::Name, 3).next_u64();
        let other_seed = Rng::for_item(8, Stream::Title, 3).next_u64();
        assert!(![other, other_part, other_seed].contains(&first[0]));
    }

    #[test]
    fn normal_has_mean_zero_and_unit_variance() {
        let mut rng = Rng::for_item(1, Stream::Title, 0);
        let draws: Vec<f64> = (0..100_000).map(|_| rng.normal()).collect();
        let mean = draws.iter().sum::<f64>() / draws.len() as f64;
        let variance = draws.iter().map(|d| (d - mean) * (d - mean)).sum::<f64>() / 1e5;
        assert!(mean.abs() < 0.02, "mean {mean}");
        assert!((variance - 1.0).abs() < 0.02, "variance {variance}");
    }

    #[test]
    fn zipf_favours_low_ranks_and_stays_in_range() {
        let zipf = Zipf::new(1000, 1.0);
        let mut rng = Rng::for_item(1, Stream::Name, 0);
        let mut counts = vec![0u32; 1000];
        for _ in 0..200_000 {
            counts[zipf.sample(&mut rng) as usize] += 1;
        }
        // P(0)/P(9) is about (10 + 1.5) / (1 + 1.5) = 4.6 for q = 1.
        let ratio = f64::from(counts[0]) / f64::from(counts[9]);
        assert!((3.8..5.5).contains(&ratio), "ratio {ratio}");
        assert!(counts[999] > 0);
    }

    #[test]
    fn weighted_follows_the_weights() {
        let mut rng = Rng::for_item(2, Stream::Akas, 0);
        let table = [('a', 1), ('b', 3)];
        let b = (0..40_000).filter(|_| rng.weighted(&table) == 'b').count();
        assert!((29_000..31_000).contains(&b), "{b}");
    }
}
