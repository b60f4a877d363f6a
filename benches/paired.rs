//! Ratios measured by alternating the two sides in short rounds, so that a machine that
//! speeds up or slows down during the run (a shared VM does, by 10–20 %) moves both sides
//! alike. Criterion times each benchmark in its own stretch of the run; a ratio of two such
//! means carries the drift between the stretches, a median of per-round ratios does not.
//!
//! Another tenant on the same core does not slow both sides alike: it costs code that waits
//! on memory and branches far more than SHA-256 rounds. Such interference only ever adds
//! time, so the fastest round of each side is also reported: the ratio of the two is the
//! cost of the code itself, and moves far less from run to run than the median does.

use std::time::{Duration, Instant};

/// One side of a comparison: runs `n` iterations and returns the time they took (any set-up,
/// such as copying the requests to sign, done before the clock starts).
pub(crate) type Side<'a> = Box<dyn FnMut(usize) -> Duration + 'a>;

/// The median and interquartile range of the per-round ratios `a / b`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PairedRatio {
    pub(crate) median: f64,
    pub(crate) q1: f64,
    pub(crate) q3: f64,
    /// Nanoseconds per iteration of each side, medians over the rounds.
    pub(crate) a_ns: f64,
    pub(crate) b_ns: f64,
    /// Nanoseconds per iteration of each side in its fastest round.
    pub(crate) a_fastest_ns: f64,
    pub(crate) b_fastest_ns: f64,
}

fn quartiles(mut values: Vec<f64>) -> (f64, f64, f64) {
    values.sort_by(f64::total_cmp);
    let at = |q: f64| values[((values.len() - 1) as f64 * q).round() as usize];
    (at(0.25), at(0.5), at(0.75))
}

/// Alternates `a` and `b`, `iterations` each per round, for `rounds` rounds (after one
/// unmeasured warm-up round).
pub(crate) fn paired_ratio(
    a: &mut Side<'_>,
    b: &mut Side<'_>,
    rounds: usize,
    iterations: usize,
) -> PairedRatio {
    a(iterations);
    b(iterations);
    let (mut ratios, mut a_ns, mut b_ns) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..rounds {
        // Which side goes first alternates too, so neither always runs on a warmer cache.
        let (ta, tb) = if round % 2 == 0 {
            let ta = a(iterations);
            (ta, b(iterations))
        } else {
            let tb = b(iterations);
            (a(iterations), tb)
        };
        let per = |t: Duration| t.as_nanos() as f64 / iterations as f64;
        ratios.push(per(ta) / per(tb));
        a_ns.push(per(ta));
        b_ns.push(per(tb));
    }
    let (q1, median, q3) = quartiles(ratios);
    let fastest = |ns: &[f64]| ns.iter().copied().fold(f64::INFINITY, f64::min);
    PairedRatio {
        median,
        q1,
        q3,
        a_fastest_ns: fastest(&a_ns),
        b_fastest_ns: fastest(&b_ns),
        a_ns: quartiles(a_ns).1,
        b_ns: quartiles(b_ns).1,
    }
}

/// A side that calls `f` `n` times on nothing prepared (a floor).
pub(crate) fn plain<'a>(mut f: impl FnMut() + 'a) -> Side<'a> {
    Box::new(move |n| {
        let start = Instant::now();
        for _ in 0..n {
            f();
        }
        start.elapsed()
    })
}

/// A side that calls `f` once on each of `n` inputs from `make`, made before the clock
/// starts and dropped after it stops, 16 at a time as the criterion benchmarks do (so the
/// inputs stay in cache, as a request being signed is).
pub(crate) fn on_fresh<'a, T: 'a>(make: fn() -> T, mut f: impl FnMut(&mut T) + 'a) -> Side<'a> {
    const BATCH: usize = 16;
    Box::new(move |n| {
        let mut elapsed = Duration::ZERO;
        let mut done = 0;
        while done < n {
            let mut inputs: Vec<T> = (0..BATCH.min(n - done)).map(|_| make()).collect();
            let start = Instant::now();
            for input in &mut inputs {
                f(input);
            }
            elapsed += start.elapsed();
            done += inputs.len();
        }
        elapsed
    })
}
