//! What a rule change means, criterion by criterion: the top-level criteria of
//! the two versions of a condition (the parts of its outermost `and`, or the
//! whole condition), as written, matched up: kept, changed (same subject,
//! different test: `last_order_at within last 30 days` → `last_order_at within
//! last 45 days`), added, removed.

use serde::Serialize;

use crate::check::ir::{Expr, ExprKind};
use crate::source::Sources;

/// One difference between two versions of a condition.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum CriterionChange {
    /// A criterion of the head that the base did not have.
    Added {
        /// As written in the head.
        criterion: String,
    },
    /// A criterion of the base that the head dropped.
    Removed {
        /// As written in the base.
        criterion: String,
    },
    /// The same subject tested differently.
    Changed {
        /// As written in the base.
        before: String,
        /// As written in the head.
        after: String,
    },
}

impl std::fmt::Display for CriterionChange {
    /// `` changed `a >= 2` → `a >= 3` ``, `` added `b` ``, `` removed `c` ``.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CriterionChange::Added { criterion } => write!(f, "added `{criterion}`"),
            CriterionChange::Removed { criterion } => write!(f, "removed `{criterion}`"),
            CriterionChange::Changed { before, after } => {
                write!(f, "changed `{before}` → `{after}`")
            }
        }
    }
}

/// The top-level criteria of `condition` as written, whitespace collapsed.
pub fn criteria(condition: &Expr, sources: &Sources) -> Vec<String> {
    let parts: Vec<&Expr> = match &condition.kind {
        ExprKind::And(items) => items.iter().collect(),
        _ => vec![condition],
    };
    parts.iter().map(|part| written(part, sources)).collect()
}

/// An expression as written, on one line.
pub fn written(expr: &Expr, sources: &Sources) -> String {
    let text = sources
        .get(expr.span.file)
        .map_or("", |f| f.slice(expr.span));
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The differences between two lists of criteria: identical ones are kept;
/// of the rest, a removed and an added criterion about the same subject (the
/// first word) make one change; the others are added or removed.
pub fn compare(before: &[String], after: &[String]) -> Vec<CriterionChange> {
    let mut removed: Vec<&String> = before.iter().filter(|c| !after.contains(c)).collect();
    let mut changes = Vec::new();
    for criterion in after.iter().filter(|c| !before.contains(c)) {
        let about = subject(criterion);
        match removed.iter().position(|r| subject(r) == about) {
            Some(i) => {
                let was = removed.remove(i);
                changes.push(CriterionChange::Changed {
                    before: was.clone(),
                    after: criterion.clone(),
                });
            }
            None => changes.push(CriterionChange::Added {
                criterion: criterion.clone(),
            }),
        }
    }
    changes.extend(removed.into_iter().map(|c| CriterionChange::Removed {
        criterion: c.clone(),
    }));
    changes
}

/// The first word of a criterion: the field, segment or function it is about.
fn subject(criterion: &str) -> &str {
    let end = criterion
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(criterion.len());
    let word = &criterion[..end];
    if word == "not" {
        criterion[end..]
            .trim_start()
            .split(' ')
            .next()
            .unwrap_or(word)
    } else {
        word
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn same_subject_is_a_change_others_are_added_or_removed() {
        let before = list(&["last_order_at within last 30 days", "age >= 18", "vip"]);
        let after = list(&[
            "last_order_at within last 45 days",
            "age >= 18",
            "country = \"DE\"",
        ]);
        assert_eq!(
            compare(&before, &after),
            vec![
                CriterionChange::Changed {
                    before: "last_order_at within last 30 days".into(),
                    after: "last_order_at within last 45 days".into(),
                },
                CriterionChange::Added {
                    criterion: "country = \"DE\"".into()
                },
                CriterionChange::Removed {
                    criterion: "vip".into()
                },
            ]
        );
    }

    #[test]
    fn identical_lists_have_no_changes() {
        let same = list(&["a > 1", "b"]);
        assert!(compare(&same, &same).is_empty());
    }
}
