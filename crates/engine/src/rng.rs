//! Seeded random streams: one independent ChaCha8 generator per
//! `(seed, replication, purpose)`.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// The generator every component draws from.
pub type SimRng = ChaCha8Rng;

/// How many purposes one replication may use (the low bits of the stream id).
pub const PURPOSES: u64 = 256;

/// SplitMix64's finaliser: a bijective mix of 64 bits.
#[inline]
pub fn mix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Derives a child seed from a parent seed and a list of words (for example
/// a sweep cell's parameters), so that the child does not depend on anything
/// else, such as the cell's position in a sweep.
pub fn derive_seed(seed: u64, words: &[u64]) -> u64 {
    words
        .iter()
        .fold(mix64(seed), |acc, &w| mix64(acc ^ mix64(w)))
}

/// The generator for one purpose (arrivals, network, service, jitter, …) in
/// one replication of a run with the given seed.
///
/// The 256-bit ChaCha key comes from the seed; the 64-bit ChaCha stream
/// number is `replication * 256 + purpose`, so every pair gets its own
/// non-overlapping sequence.
pub fn stream(seed: u64, replication: u64, purpose: u64) -> SimRng {
    assert!(purpose < PURPOSES, "purpose must be below {PURPOSES}");
    let mut key = [0u8; 32];
    let mut z = seed;
    for chunk in key.chunks_exact_mut(8) {
        z = mix64(z);
        chunk.copy_from_slice(&z.to_le_bytes());
    }
    let mut rng = ChaCha8Rng::from_seed(key);
    rng.set_stream(replication.wrapping_mul(PURPOSES).wrapping_add(purpose));
    rng
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    fn first(r: &mut SimRng, n: usize) -> Vec<u64> {
        (0..n).map(|_| r.random()).collect()
    }

    #[test]
    fn same_triple_same_numbers() {
        assert_eq!(
            first(&mut stream(7, 3, 1), 8),
            first(&mut stream(7, 3, 1), 8)
        );
    }

    #[test]
    fn streams_differ_by_seed_replication_and_purpose() {
        let base = first(&mut stream(7, 3, 1), 4);
        assert_ne!(base, first(&mut stream(8, 3, 1), 4));
        assert_ne!(base, first(&mut stream(7, 4, 1), 4));
        assert_ne!(base, first(&mut stream(7, 3, 2), 4));
    }

    #[test]
    fn drawing_from_one_stream_leaves_another_alone() {
        let mut a = stream(1, 0, 0);
        let mut b = stream(1, 0, 1);
        let b_alone = first(&mut stream(1, 0, 1), 4);
        let _ = first(&mut a, 1000);
        assert_eq!(first(&mut b, 4), b_alone);
    }

    #[test]
    fn pinned_first_draw() {
        // Pins the derivation: changing it changes every published result.
        let v: u64 = stream(42, 0, 0).random();
        assert_eq!(v, 7_296_272_285_688_312_206);
        assert_eq!(derive_seed(1, &[2, 3]), 105_800_997_263_431_414);
        assert_ne!(derive_seed(1, &[2, 3]), derive_seed(1, &[3, 2]));
    }
}
