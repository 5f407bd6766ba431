//! A small deterministic random-number generator (SplitMix64).
//!
//! Keqing needs randomness that is *reproducible*: the demo company is the
//! same on every machine, a spot check's three customers can be recomputed
//! by an auditor, and an irregular care call falls on the same day on every
//! server. So randomness is derived from a seed, never from the clock.

/// SplitMix64 (Steele, Lea, Flood 2014): tiny, fast, well distributed.
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A generator for `seed`.
    pub fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }

    /// A generator for a seed made of several parts (e.g. person and cycle).
    pub fn from_parts(parts: &[u64]) -> Self {
        let mut g = SplitMix64(0x4b65_7169_6e67_0000); // "Keqing"
        for p in parts {
            g.0 ^= p.wrapping_mul(0x9E37_79B9_7F4A_7C15);
            g.next_u64();
        }
        g
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`), without modulo bias worth noticing for
    /// the small ranges Keqing uses (Lemire's multiply-shift).
    pub fn below(&mut self, n: u64) -> u64 {
        debug_assert!(n > 0);
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// A number in `lo..=hi`.
    pub fn between(&mut self, lo: i64, hi: i64) -> i64 {
        debug_assert!(lo <= hi);
        lo + self.below(hi.abs_diff(lo) + 1) as i64
    }

    /// One element of a non-empty slice.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    /// True with probability `percent`/100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_sequence() {
        let a: Vec<u64> = (0..5).scan(SplitMix64::new(42), |g, _| Some(g.next_u64())).collect();
        let b: Vec<u64> = (0..5).scan(SplitMix64::new(42), |g, _| Some(g.next_u64())).collect();
        assert_eq!(a, b);
        assert_ne!(SplitMix64::from_parts(&[1, 2]).next_u64(), SplitMix64::from_parts(&[2, 1]).next_u64());
    }

    #[test]
    fn between_stays_in_range_and_covers_it() {
        let mut g = SplitMix64::new(7);
        let mut seen = [false; 5];
        for _ in 0..1000 {
            let v = g.between(3, 7);
            assert!((3..=7).contains(&v));
            seen[(v - 3) as usize] = true;
        }
        assert!(seen.iter().all(|s| *s));
    }
}
