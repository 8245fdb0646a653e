//! Spark's term hashing: MurmurHash3 x86_32 and the bucket `HashingTF` derives from it.

const C1: u32 = 0xcc9e_2d51;
const C2: u32 = 0x1b87_3593;

/// The seed Spark's `HashingTF` and `FeatureHasher` use.
const SPARK_SEED: u32 = 42;

fn mix_k1(k1: u32) -> u32 {
    k1.wrapping_mul(C1).rotate_left(15).wrapping_mul(C2)
}

fn mix_h1(h1: u32, k1: u32) -> u32 {
    (h1 ^ mix_k1(k1))
        .rotate_left(13)
        .wrapping_mul(5)
        .wrapping_add(0xe654_6b64)
}

fn final_mix(mut h: u32) -> u32 {
    h ^= h >> 16;
    h = h.wrapping_mul(0x85eb_ca6b);
    h ^= h >> 13;
    h = h.wrapping_mul(0xc2b2_ae35);
    h ^ (h >> 16)
}

/// Austin Appleby's MurmurHash3_x86_32 of `bytes` (blocks read little-endian).
pub(crate) fn murmur3_x86_32(bytes: &[u8], seed: u32) -> u32 {
    let mut blocks = bytes.chunks_exact(4);
    let mut h1 = seed;
    for block in blocks.by_ref() {
        let k1 = u32::from_le_bytes([block[0], block[1], block[2], block[3]]);
        h1 = mix_h1(h1, k1);
    }
    let tail = blocks.remainder();
    if !tail.is_empty() {
        let k1 = tail
            .iter()
            .enumerate()
            .fold(0u32, |k1, (i, &byte)| k1 | u32::from(byte) << (8 * i));
        h1 ^= mix_k1(k1);
    }
    // The length is mixed in modulo 2^32, as the reference implementation's `int len` does.
    final_mix(h1 ^ bytes.len() as u32)
}

/// The bucket Spark 3/4 `HashingTF` gives a string term: murmur3 of its UTF-8 bytes with seed
/// 42 (`FeatureHasher.murmur3Hash`, which calls `hashUnsafeBytes2`, the standard algorithm),
/// read as a signed 32-bit integer, then its non-negative remainder modulo `buckets`.
pub(crate) fn spark_bucket(bytes: &[u8], buckets: u32) -> u32 {
    let hash = murmur3_x86_32(bytes, SPARK_SEED) as i32;
    let buckets = i64::from(buckets);
    // rem_euclid is Spark's nonNegativeMod: (x % n + n) % n.
    u32::try_from(i64::from(hash).rem_euclid(buckets))
        .expect("a remainder is below the bucket count")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Published MurmurHash3_x86_32 vectors (SMHasher's verification values, as collected on
    /// Wikipedia and in other ports' test suites).
    #[test]
    fn matches_published_vectors() {
        let cases: &[(&[u8], u32, u32)] = &[
            (b"", 0, 0),
            (b"", 1, 0x514e_28b7),
            (b"", 0xffff_ffff, 0x81f1_6f39),
            (&[0, 0, 0, 0], 0, 0x2362_f9de),
            (&[0xff, 0xff, 0xff, 0xff], 0, 0x7629_3b50),
            (&[0x21, 0x43, 0x65, 0x87], 0, 0xf55b_516b),
            (&[0x21, 0x43, 0x65, 0x87], 0x5082_edee, 0x2362_f9de),
            (&[0x21, 0x43, 0x65], 0, 0x7e4a_8634),
            (&[0x21, 0x43], 0, 0xa0f7_b07a),
            (&[0x21], 0, 0x7266_1cf4),
            (b"a", 0x9747_b28c, 0x7fa0_9ea6),
            (b"ab", 0x9747_b28c, 0x7487_5592),
            (b"abc", 0x9747_b28c, 0xc84a_62dd),
            (b"abcd", 0x9747_b28c, 0xf047_8627),
            (b"aaaa", 0x9747_b28c, 0x5a97_808a),
            (b"Hello, world!", 0x9747_b28c, 0x2488_4cba),
            (
                b"The quick brown fox jumps over the lazy dog",
                0x9747_b28c,
                0x2fa8_26cd,
            ),
            (
                b"The quick brown fox jumps over the lazy dog",
                0,
                0x2e4f_f723,
            ),
        ];
        for &(bytes, seed, expected) in cases {
            assert_eq!(
                murmur3_x86_32(bytes, seed),
                expected,
                "{bytes:?} seed {seed:#x}"
            );
        }
    }

    /// pyspark's documented `HashingTF` example: ["a", "b", "c"] with 10 features is
    /// {5, 7, 8} ("b" is 5), and with 5 features {0, 2, 3}.
    #[test]
    fn matches_pyspark_hashing_tf_example() {
        let ten: Vec<u32> = ["a", "b", "c"]
            .iter()
            .map(|t| spark_bucket(t.as_bytes(), 10))
            .collect();
        let mut sorted = ten.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, [5, 7, 8]);
        assert_eq!(ten[1], 5);
        let mut five: Vec<u32> = ["a", "b", "c"]
            .iter()
            .map(|t| spark_bucket(t.as_bytes(), 5))
            .collect();
        five.sort_unstable();
        assert_eq!(five, [0, 2, 3]);
    }

    #[test]
    fn negative_hashes_wrap_to_non_negative_buckets() {
        // Find a term whose signed hash is negative, and check Spark's rule on it.
        let term = (0..100)
            .map(|i| format!("term{i}"))
            .find(|t| (murmur3_x86_32(t.as_bytes(), SPARK_SEED) as i32) < 0)
            .expect("half of all hashes are negative");
        let hash = murmur3_x86_32(term.as_bytes(), SPARK_SEED) as i32;
        let expected = ((hash % 262_144) + 262_144) % 262_144;
        assert_eq!(
            i64::from(spark_bucket(term.as_bytes(), 262_144)),
            i64::from(expected)
        );
    }
}
