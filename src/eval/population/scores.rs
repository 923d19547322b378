//! Rank scores from sorted population values: `quintile(x)` = 1 + floor(5 ×
//! count(< x) / n), `decile` likewise with 10, `percentile(x)` = 100 × count(< x) / n.

use std::sync::Arc;

use arrow::array::{ArrayRef, Float64Array, Int64Array};

use crate::check::ir::RankScore;

/// count(v < x) over sorted values.
pub(super) fn count_below<T: PartialOrd + ?Sized, S: std::borrow::Borrow<T>>(
    sorted: &[S],
    x: &T,
) -> usize {
    sorted.partition_point(|v| v.borrow() < x)
}

/// The rank score of a value with `below` population values under it, of `n`.
fn score_of(score: RankScore, below: usize, n: usize) -> ScoreValue {
    let (below, n) = (below as u128, n as u128);
    match score {
        RankScore::Quintile => ScoreValue::Int(1 + (5 * below / n) as i64),
        RankScore::Decile => ScoreValue::Int(1 + (10 * below / n) as i64),
        RankScore::Percentile => ScoreValue::Float(100.0 * below as f64 / n as f64),
    }
}

enum ScoreValue {
    Int(i64),
    Float(f64),
}

/// Scores for `len` rows (`get` gives each row's value, `None` when missing).
pub(super) fn ranks<
    T: PartialOrd + ?Sized,
    S: std::borrow::Borrow<T>,
    G: Fn(usize) -> Option<R>,
    R: std::borrow::Borrow<T>,
>(
    len: usize,
    get: G,
    sorted: &[S],
    score: RankScore,
) -> ArrayRef {
    let n = sorted.len();
    let scores = (0..len).map(|i| {
        let x = get(i)?;
        (n > 0).then(|| score_of(score, count_below(sorted, x.borrow()), n))
    });
    match score {
        RankScore::Percentile => Arc::new(
            scores
                .map(|s| match s {
                    Some(ScoreValue::Float(f)) => Some(f),
                    _ => None,
                })
                .collect::<Float64Array>(),
        ),
        _ => Arc::new(
            scores
                .map(|s| match s {
                    Some(ScoreValue::Int(v)) => Some(v),
                    _ => None,
                })
                .collect::<Int64Array>(),
        ),
    }
}
