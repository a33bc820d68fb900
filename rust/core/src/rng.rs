//! A small, seedable, splittable random number generator (SplitMix64 seeding xoshiro256++).
//!
//! Every item of a generated graph draws from its own stream, keyed by (seed, item, purpose),
//! so the output does not depend on how the work is split across threads.

#[derive(Clone)]
pub struct Rng {
    s: [u64; 4],
}

fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

impl Rng {
    /// The stream for `item` and `purpose` under `seed`.
    pub fn stream(seed: u64, item: u64, purpose: u64) -> Rng {
        let mut state = seed ^ item.wrapping_mul(0xd6e8_feb8_6659_fd93) ^ purpose.rotate_left(47);
        let _ = splitmix(&mut state);
        Rng {
            s: [
                splitmix(&mut state),
                splitmix(&mut state),
                splitmix(&mut state),
                splitmix(&mut state),
            ],
        }
    }

    pub fn next_u64(&mut self) -> u64 {
        let result = (self.s[0].wrapping_add(self.s[3]))
            .rotate_left(23)
            .wrapping_add(self.s[0]);
        let t = self.s[1] << 17;
        self.s[2] ^= self.s[0];
        self.s[3] ^= self.s[1];
        self.s[1] ^= self.s[2];
        self.s[0] ^= self.s[3];
        self.s[2] ^= t;
        self.s[3] = self.s[3].rotate_left(45);
        result
    }

    /// Uniform in the open interval (0, 1): never 0, so `-ln(u)` is finite and positive.
    pub fn open01(&mut self) -> f64 {
        ((self.next_u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }

    /// Uniform integer in `0..n` (`n > 0`), by multiply-shift (bias below 2^-32 for our n).
    pub fn below(&mut self, n: u64) -> u64 {
        ((self.next_u64() as u128 * n as u128) >> 64) as u64
    }

    pub fn bernoulli(&mut self, p: f64) -> bool {
        self.open01() < p
    }

    /// Poisson-distributed count (Knuth's method; fine for the small means used here).
    pub fn poisson(&mut self, mean: f64) -> u64 {
        if mean <= 0.0 {
            return 0;
        }
        if mean > 30.0 {
            // Normal approximation keeps the loop short for large means.
            return (mean + mean.sqrt() * self.normal()).round().max(0.0) as u64;
        }
        let limit = (-mean).exp();
        let mut k = 0u64;
        let mut p = self.open01();
        while p > limit {
            k += 1;
            p *= self.open01();
        }
        k
    }

    /// Standard normal (Box–Muller).
    pub fn normal(&mut self) -> f64 {
        let (u, v) = (self.open01(), self.open01());
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_reproducible_and_distinct() {
        let a: Vec<u64> = (0..4).map(|_| Rng::stream(7, 3, 1).next_u64()).collect();
        assert!(a.windows(2).all(|w| w[0] == w[1]));
        assert_ne!(
            Rng::stream(7, 3, 1).next_u64(),
            Rng::stream(7, 4, 1).next_u64()
        );
        assert_ne!(
            Rng::stream(7, 3, 1).next_u64(),
            Rng::stream(7, 3, 2).next_u64()
        );
        assert_ne!(
            Rng::stream(7, 3, 1).next_u64(),
            Rng::stream(8, 3, 1).next_u64()
        );
    }

    #[test]
    fn distributions_have_the_right_means() {
        let mut r = Rng::stream(1, 2, 3);
        let n = 200_000;
        let u: f64 = (0..n).map(|_| r.open01()).sum::<f64>() / n as f64;
        assert!((u - 0.5).abs() < 0.01);
        let p: f64 = (0..n).map(|_| r.poisson(3.5) as f64).sum::<f64>() / n as f64;
        assert!((p - 3.5).abs() < 0.05);
        let z: f64 = (0..n).map(|_| r.normal()).sum::<f64>() / n as f64;
        assert!(z.abs() < 0.01);
        assert!((0..1000).all(|_| r.below(7) < 7));
    }
}
