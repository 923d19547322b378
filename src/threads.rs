//! How many threads segmint may use: one number for every pool (Parquet decoding,
//! the evaluation pipeline, rayon's pool), set once by `--threads N` or the
//! `SEGMINT_THREADS` environment variable, else the number of cores.

use std::sync::OnceLock;

/// The environment variable `--threads` defaults to.
pub const ENV: &str = "SEGMINT_THREADS";

static LIMIT: OnceLock<usize> = OnceLock::new();

/// Sets the limit for the whole process (the first call wins) and sizes rayon's
/// global pool to it. `n` is at least 1 (the command line refuses 0).
pub fn set(n: usize) {
    let n = n.max(1);
    if LIMIT.set(n).is_ok() {
        // Fails only when the pool was already built (a second run in the same
        // process, as in tests): it keeps its size, which is harmless.
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build_global();
    }
}

/// The threads a pool may use: the limit set, else one per core.
pub fn available() -> usize {
    LIMIT
        .get()
        .copied()
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from))
}
