//! Population statistics as window functions over the whole customer table,
//! derived from counts exactly as the spec defines them (the engines' own
//! `PERCENT_RANK` and `NTILE` split ties and do not match):
//!
//! - present values below x: `RANK() OVER (ORDER BY v ASC NULLS LAST) - 1`
//!   (ties share the rank, so this counts strictly smaller values);
//! - present values above x: the same, descending;
//! - n: `COUNT(v) OVER ()`.
//!
//! A statistic over a value that uses another statistic is computed in a later
//! stage, so every stage reads only columns of the stage before. A statistic
//! written again (the same SQL) is computed once (`sql::stats_stage`).

use std::collections::HashMap;

use super::SqlError;
use super::expr::{Writer, address};
use crate::check::ir::{Expr, ExprKind, RankScore, Side};

/// One statistic to compute: its expression and its column name.
pub struct Stat<'a> {
    /// The `Rank` or `Percentile` expression.
    pub expr: &'a Expr,
    /// Its column (`Percentile` also has `<column>_n`).
    pub column: String,
    /// 1 + the deepest statistic inside its value.
    pub stage: usize,
}

/// Every statistic in `roots`, in the order met, with its stage.
pub fn collect<'a>(roots: &[&'a Expr]) -> Vec<Stat<'a>> {
    let mut found = Vec::new();
    for root in roots {
        walk(root, &mut found);
    }
    found
}

/// Returns the deepest stage at or under `e`.
fn walk<'a>(e: &'a Expr, found: &mut Vec<Stat<'a>>) -> usize {
    let inner = e
        .children()
        .into_iter()
        .map(|c| walk(c, found))
        .max()
        .unwrap_or(0);
    if !matches!(e.kind, ExprKind::Rank { .. } | ExprKind::Percentile { .. }) {
        return inner;
    }
    if let Some(seen) = found.iter().find(|s| address(s.expr) == address(e)) {
        return seen.stage;
    }
    let stage = inner + 1;
    found.push(Stat {
        expr: e,
        column: format!("_sm_s{}", found.len()),
        stage,
    });
    stage
}

/// The columns of one statistic: (SQL, column name) pairs.
pub fn columns(writer: &Writer<'_>, stat: &Stat<'_>) -> Result<Vec<(String, String)>, SqlError> {
    let (value, side, score) = match &stat.expr.kind {
        ExprKind::Rank { score, value } => (value, Side::Bottom, Some(*score)),
        ExprKind::Percentile { value, side, .. } => (value, *side, None),
        _ => return Ok(Vec::new()),
    };
    if !value.references().is_empty() {
        return Err(SqlError::Unsupported(
            "a population statistic over a segment or tiers field".into(),
        ));
    }
    let v = writer.value(value)?;
    let order = match side {
        Side::Top => "DESC",
        Side::Bottom => "ASC",
    };
    let counted = format!("(RANK() OVER (ORDER BY {v} {order} NULLS LAST) - 1)");
    let n = format!("COUNT({v}) OVER ()");
    let when_present = |sql: String| format!("CASE WHEN {v} IS NULL THEN NULL ELSE {sql} END");
    Ok(match score {
        Some(score) => vec![(
            when_present(score_of(writer, score, &counted, &n)),
            stat.column.clone(),
        )],
        None => vec![
            (when_present(counted), stat.column.clone()),
            (n, format!("{}_n", stat.column)),
        ],
    })
}

/// `quintile`, `decile`, `percentile` from the count of present values below and n.
fn score_of(writer: &Writer<'_>, score: RankScore, below: &str, n: &str) -> String {
    let d = writer.dialect;
    match score {
        RankScore::Quintile => format!("(1 + {})", d.int_div(&format!("5 * {below}"), n)),
        RankScore::Decile => format!("(1 + {})", d.int_div(&format!("10 * {below}"), n)),
        RankScore::Percentile => {
            format!(
                "(CAST(100 * {below} AS {0}) / CAST({n} AS {0}))",
                d.double()
            )
        }
    }
}

/// Registers every statistic's column so later stages can read it.
pub fn register(stats: &[Stat<'_>], computed: &mut HashMap<usize, String>) {
    for stat in stats {
        computed.insert(address(stat.expr), stat.column.clone());
    }
}
