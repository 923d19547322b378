//! How many threads segmint may use, and how they are shared between the pools
//! that run at the same time: Parquet decoding, the evaluation pipeline and
//! rayon's pool (event records, backtest dates).
//!
//! By default each pool sizes itself to the cores: decoding and evaluation
//! overlap, and on two cores that oversubscription is the fastest measured
//! (docs/performance.md). `--threads N` (or `SEGMINT_THREADS`) is instead a
//! bound on all of them together, so a job sharing a machine gets what it asks
//! for: decoding takes half of `N` (the calling thread decodes when that is one
//! thread), evaluation the rest, and rayon's pool (which works while the
//! calling thread waits) what the decoding threads leave.

use std::sync::OnceLock;

/// The environment variable `--threads` defaults to.
pub const ENV: &str = "SEGMINT_THREADS";

static LIMIT: OnceLock<usize> = OnceLock::new();

/// The threads of each pool.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Budget {
    /// Threads decoding a Parquet file; at most one means the calling thread
    /// decodes.
    pub decoders: usize,
    /// Evaluation threads besides the calling thread; none means the calling
    /// thread evaluates.
    pub evaluators: usize,
    /// Threads of rayon's pool.
    pub rayon: usize,
}

impl Budget {
    /// Each pool one thread per core (none besides the caller on one core).
    pub fn per_core(cores: usize) -> Budget {
        let cores = cores.max(1);
        Budget {
            decoders: cores,
            evaluators: if cores > 1 { cores } else { 0 },
            rayon: cores,
        }
    }

    /// At most `n` threads busy at once: decoding takes half (at least the
    /// calling thread), evaluation the rest. Rayon's pool runs while the
    /// calling thread waits for it, so it has the rest too, or all `n` when
    /// the calling thread decodes (no decoding thread runs beside it).
    pub fn bounded(n: usize) -> Budget {
        let n = n.max(1);
        let decoders = (n / 2).max(1);
        let evaluators = n - decoders;
        let rayon = if decoders > 1 { n - decoders } else { n };
        Budget {
            decoders,
            evaluators,
            rayon,
        }
    }
}

/// Sets the bound for the whole process (the first call wins) and sizes
/// rayon's global pool to its share. `n` is at least 1 (the command line
/// refuses 0).
pub fn set(n: usize) {
    let n = n.max(1);
    if LIMIT.set(n).is_ok() {
        // Fails only when the pool was already built (a second run in the same
        // process, as in tests): it keeps its size, which is harmless.
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(Budget::bounded(n).rayon)
            .build_global();
    }
}

/// The threads asked for (`--threads`), else the number of cores.
pub fn available() -> usize {
    LIMIT.get().copied().unwrap_or_else(cores)
}

/// How the threads are shared now.
pub fn budget() -> Budget {
    match LIMIT.get() {
        Some(&n) => Budget::bounded(n),
        None => Budget::per_core(cores()),
    }
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

#[cfg(test)]
mod tests {
    use super::Budget;

    /// Busy threads while evaluating: the decoders (or the calling thread
    /// decoding) and the evaluators.
    fn evaluating(b: Budget) -> usize {
        b.decoders.max(1) + b.evaluators
    }

    /// Busy threads while rayon works (the calling thread waiting for it): the
    /// decoding threads, if any run beside it, and rayon's.
    fn in_rayon(b: Budget) -> usize {
        (if b.decoders > 1 { b.decoders } else { 0 }) + b.rayon
    }

    #[test]
    fn a_bound_is_never_exceeded_and_always_used() {
        for n in 1..=16 {
            let b = Budget::bounded(n);
            assert_eq!(evaluating(b), n, "{n}: {b:?}");
            assert_eq!(in_rayon(b), n, "{n}: {b:?}");
        }
        assert_eq!(
            Budget::bounded(1),
            Budget {
                decoders: 1,
                evaluators: 0,
                rayon: 1
            }
        );
        assert_eq!(
            Budget::bounded(2),
            Budget {
                decoders: 1,
                evaluators: 1,
                rayon: 2
            }
        );
    }

    #[test]
    fn by_default_each_pool_has_the_cores() {
        assert_eq!(
            Budget::per_core(2),
            Budget {
                decoders: 2,
                evaluators: 2,
                rayon: 2
            }
        );
        assert_eq!(Budget::per_core(1).evaluators, 0);
    }
}
