//! What `segmint explain NAME` compiles: takes the program and the explained
//! segment or tiers block, gives a smaller program holding only it and what it
//! refers to (transitively), so the plan shown has no unrelated tiers blocks and
//! its columns and populations are the ones NAME needs.
//!
//! Ids index the program's lists, so the kept segments and tiers blocks get new ids
//! (in their original order) and every reference is rewritten. Expectations are
//! dropped: plans do not use them, and they may name segments that are not kept.

use std::collections::BTreeSet;

use crate::check::ir::{Derived, Expr, ExprKind, Program, SegmentId, TierId};

/// `program` cut down to `root` and everything it refers to.
pub fn scoped(program: &Program, root: Derived) -> Program {
    let (segments, tiers) = needed(program, root);
    let new_segment = |id: SegmentId| {
        segments
            .iter()
            .position(|s| *s == id)
            .map(|i| SegmentId(i as u32))
    };
    let new_tiers = |id: TierId| {
        tiers
            .iter()
            .position(|t| *t == id)
            .map(|i| TierId(i as u32))
    };
    let mut cut = program.clone();
    cut.segments = segments
        .iter()
        .filter_map(|id| program.segments.get(id.0 as usize).cloned())
        .collect();
    cut.tiers = tiers
        .iter()
        .filter_map(|id| program.tiers.get(id.0 as usize).cloned())
        .collect();
    let remap = &mut |expr: &mut Expr| match &mut expr.kind {
        ExprKind::SegmentRef(id) => *id = new_segment(*id).unwrap_or(*id),
        ExprKind::TierRef(id) => *id = new_tiers(*id).unwrap_or(*id),
        _ => {}
    };
    for segment in &mut cut.segments {
        segment.expects.clear();
        walk_mut(&mut segment.condition, remap);
    }
    for tier in cut.tiers.iter_mut().flat_map(|b| &mut b.tiers) {
        if let Some(condition) = &mut tier.condition {
            walk_mut(condition, remap);
        }
    }
    cut.order = program
        .order
        .iter()
        .filter_map(|derived| match derived {
            Derived::Segment(id) => new_segment(*id).map(Derived::Segment),
            Derived::Tiers(id) => new_tiers(*id).map(Derived::Tiers),
        })
        .collect();
    cut
}

/// The segments and tiers blocks `root` needs, itself included, in program order.
fn needed(program: &Program, root: Derived) -> (BTreeSet<SegmentId>, BTreeSet<TierId>) {
    let mut segments = BTreeSet::new();
    let mut tiers = BTreeSet::new();
    let mut pending = vec![root];
    while let Some(item) = pending.pop() {
        let fresh = match item {
            Derived::Segment(id) => segments.insert(id),
            Derived::Tiers(id) => tiers.insert(id),
        };
        if fresh {
            for condition in program.conditions(item) {
                pending.extend(condition.references());
            }
        }
    }
    (segments, tiers)
}

/// Calls `f` on `expr` and every expression inside it.
fn walk_mut(expr: &mut Expr, f: &mut dyn FnMut(&mut Expr)) {
    f(expr);
    for child in expr.children_mut() {
        walk_mut(child, f);
    }
}
