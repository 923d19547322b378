//! Ties made visible: a quintile or decile whose scores are far from even.
//!
//! `quintile(x)` gives tied values one score, so when many customers share a value
//! (half of them bought once) one score holds far more than a fifth and the next
//! may hold nobody: `quintile(orders_count) <= 2` is then the one-time buyers and
//! not "the lower two fifths". The run reports such scores once per expression.

use std::fmt;

use super::sorted::Sorted;
use crate::check::ir::RankScore;

/// A quintile or decile whose scores ties make uneven: some score holds nobody,
/// or at least twice its share.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnevenScores {
    /// The expression as the plan shows it (`quintile(orders_count)`).
    pub expression: String,
    /// Customers with each score, score 1 first.
    pub counts: Vec<u64>,
}

/// The customers with each score among sorted values (`groups` = 5 or 10), or
/// `None` when they are even enough. Fewer values than scores are left alone:
/// some score must then be empty, ties or not.
pub(super) fn uneven(
    sorted: &Sorted,
    score: RankScore,
    expression: String,
) -> Option<UnevenScores> {
    let groups: u64 = match score {
        RankScore::Quintile => 5,
        RankScore::Decile => 10,
        RankScore::Percentile => return None,
    };
    let counts = match sorted {
        Sorted::Int { values, .. } => counts(values, groups),
        Sorted::Float(values) => counts(values, groups),
        Sorted::Str(values) => counts(values, groups),
        Sorted::Thresholds { .. } => return None,
    };
    let n: u64 = counts.iter().sum();
    if n < groups {
        return None;
    }
    // a score holding at least twice its share: count / n >= 2 / groups
    let crowded = counts.iter().any(|&c| c * groups >= 2 * n);
    let empty = counts.contains(&0);
    (crowded || empty).then_some(UnevenScores { expression, counts })
}

/// Customers per score: each run of equal values gets the score of its first.
fn counts<T: PartialEq>(sorted: &[T], groups: u64) -> Vec<u64> {
    let n = sorted.len() as u128;
    let mut counts = vec![0u64; groups as usize];
    let mut start = 0;
    while start < sorted.len() {
        let run = sorted.get(start..).map_or(1, |rest| {
            rest.iter().take_while(|v| **v == sorted[start]).count()
        });
        let score = (u128::from(groups) * start as u128 / n) as usize;
        if let Some(slot) = counts.get_mut(score) {
            *slot += run as u64;
        }
        start += run.max(1);
    }
    counts
}

impl fmt::Display for UnevenScores {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n: u64 = self.counts.iter().sum::<u64>().max(1);
        let shares: Vec<String> = self
            .counts
            .iter()
            .enumerate()
            .map(|(i, &c)| format!("{}: {:.1}%", i + 1, 100.0 * c as f64 / n as f64))
            .collect();
        let expected = 100 / self.counts.len();
        write!(
            f,
            "ties make `{}` uneven (each score would hold about {expected}%): {}",
            self.expression,
            shares.join(", ")
        )?;
        let empty: Vec<String> = (1..=self.counts.len())
            .filter(|s| self.counts.get(s - 1) == Some(&0))
            .map(|s| s.to_string())
            .collect();
        if !empty.is_empty() {
            let noun = if empty.len() == 1 { "score" } else { "scores" };
            write!(f, "; no customer has {noun} {}", empty.join(", "))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ties_put_a_run_in_the_score_of_its_first_value() {
        // half the customers bought once: scores 1 and 2 collapse into 1
        let values = [1, 1, 1, 1, 1, 2, 2, 3, 4, 5];
        assert_eq!(counts(&values, 5), vec![5, 0, 2, 1, 2]);
        let even = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
        assert_eq!(counts(&even, 5), vec![2, 2, 2, 2, 2]);
    }

    #[test]
    fn uneven_scores_are_reported_with_shares() {
        let sorted = Sorted::Float(vec![1.0, 1.0, 1.0, 1.0, 1.0, 2.0, 2.0, 3.0, 4.0, 5.0]);
        let found = uneven(&sorted, RankScore::Quintile, "quintile(x)".into());
        assert_eq!(
            found.map(|u| u.to_string()),
            Some("ties make `quintile(x)` uneven (each score would hold about 20%): 1: 50.0%, 2: 0.0%, 3: 20.0%, 4: 10.0%, 5: 20.0%; no customer has score 2".into())
        );
        let even = Sorted::Float((1..=10).map(f64::from).collect());
        assert_eq!(uneven(&even, RankScore::Quintile, "q".into()), None);
        let few = Sorted::Float(vec![1.0, 2.0]);
        assert_eq!(uneven(&few, RankScore::Quintile, "q".into()), None);
    }
}
