//! Evaluating a plan over record batches.
