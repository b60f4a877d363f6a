//! Exponential backoff with jitter, driven by a seedable RNG so tests are deterministic.

use std::time::Duration;

use rand::rngs::SmallRng;
use rand::Rng;

/// The delays between the attempts of one call.
///
/// Delay `n` (0-based) is drawn uniformly from `[d/2, d]` with `d = min(max, initial * 2^n)`
/// ("equal jitter"): the upper half keeps a throttled caller waiting long enough, the random
/// half spreads out callers that failed together.
#[derive(Debug)]
pub(crate) struct Backoff {
    initial: Duration,
    max: Duration,
    step: u32,
    rng: SmallRng,
}

impl Backoff {
    pub(crate) fn new(initial: Duration, max: Duration, rng: SmallRng) -> Self {
        Backoff {
            initial,
            max: max.max(initial),
            step: 0,
            rng,
        }
    }

    /// The next delay; each call doubles the ceiling until it reaches `max`.
    pub(crate) fn next_delay(&mut self) -> Duration {
        let factor = 2u32.saturating_pow(self.step.min(31));
        self.step = self.step.saturating_add(1);
        let ceiling = self.initial.saturating_mul(factor).min(self.max);
        let half = ceiling / 2;
        let spread = u64::try_from((ceiling - half).as_nanos()).unwrap_or(u64::MAX);
        half + Duration::from_nanos(self.rng.gen_range(0..=spread))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn backoff(seed: u64) -> Backoff {
        Backoff::new(
            Duration::from_millis(100),
            Duration::from_secs(1),
            SmallRng::seed_from_u64(seed),
        )
    }

    #[test]
    fn delays_grow_exponentially_within_jitter_bounds_and_cap() {
        let mut b = backoff(1);
        let ceilings = [100, 200, 400, 800, 1000, 1000, 1000];
        for ceiling in ceilings {
            let d = b.next_delay();
            let ceiling = Duration::from_millis(ceiling);
            assert!(d >= ceiling / 2 && d <= ceiling, "{d:?} vs {ceiling:?}");
        }
    }

    #[test]
    fn same_seed_gives_same_delays_and_other_seeds_differ() {
        let run = |seed| {
            let mut b = backoff(seed);
            (0..5).map(|_| b.next_delay()).collect::<Vec<_>>()
        };
        assert_eq!(run(7), run(7));
        assert_ne!(run(7), run(8));
    }

    #[test]
    fn many_steps_do_not_overflow() {
        let mut b = backoff(3);
        for _ in 0..100 {
            assert!(b.next_delay() <= Duration::from_secs(1));
        }
    }
}
