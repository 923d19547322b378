//! Segments and tiers blocks: declaring their names (ids and tier types) before any
//! condition is checked, so that they may refer to each other in any order; then
//! checking their conditions, `expect` lines, `allow` lines and `otherwise`.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use super::Reported;
use super::expect;
use super::expr::{Checker, Place};
use super::ir::{self, Derived, SegmentId, TierId, Type};
use super::names::{self, Scope};
use super::order::Node;
use crate::diagnostic::{Code, Diagnostic, Diagnostics, Severity, did_you_mean};
use crate::source::Span;
use crate::syntax::ast;

/// A segment or tiers block that won its name, with its id.
pub(super) enum Decl<'a> {
    /// A segment.
    Segment(&'a ast::Segment, SegmentId),
    /// A tiers block.
    Tiers(&'a ast::Tiers, TierId),
}

/// Everything checked, with `ok` false when any item failed.
pub(super) struct Checked {
    /// Segments by id.
    pub segments: Vec<ir::Segment>,
    /// Tiers blocks by id.
    pub tiers: Vec<ir::TierBlock>,
    /// The dependency graph, in source order.
    pub nodes: Vec<Node>,
    /// Whether every item checked cleanly.
    pub ok: bool,
}

/// Gives every first-defined segment and tiers block an id (in source order) and each
/// tiers block its enum type.
pub(super) fn declare<'a>(
    files: &'a [ast::File],
    accepted: &HashSet<Span>,
    scope: &mut Scope,
    out: &mut Diagnostics,
) -> Vec<Decl<'a>> {
    let mut decls = Vec::new();
    for item in files.iter().flat_map(|f| &f.items) {
        match item {
            ast::Item::Segment(s) if accepted.contains(&s.name.span) => {
                decls.push(Decl::Segment(s, scope.add_segment(&s.name.name)));
            }
            ast::Item::Tiers(t) if accepted.contains(&t.name.span) => {
                let ty = tier_type(t, out);
                decls.push(Decl::Tiers(t, scope.add_tiers(&t.name.name, ty)));
            }
            _ => {}
        }
    }
    decls
}

/// `enum(labels…)` of a tiers block; a repeated label is reported and left out.
fn tier_type(block: &ast::Tiers, out: &mut Diagnostics) -> Type {
    let mut first: HashMap<&str, Span> = HashMap::new();
    let mut labels = Vec::new();
    for tier in &block.tiers {
        match first.get(tier.name.name.as_str()) {
            Some(span) => names::duplicate_in(out, "tier", &tier.name.name, tier.name.span, *span),
            None => {
                first.insert(&tier.name.name, tier.name.span);
                labels.push(tier.name.name.clone());
            }
        }
    }
    Type::Enum(Arc::from(labels))
}

/// Checks every declared item.
pub(super) fn check_all(decls: &[Decl], scope: &Scope, out: &mut Diagnostics) -> Checked {
    let mut checked = Checked {
        segments: Vec::new(),
        tiers: Vec::new(),
        nodes: Vec::new(),
        ok: true,
    };
    for decl in decls {
        match decl {
            Decl::Segment(s, id) => {
                let (segment, deps) = segment(s, *id, scope, out);
                checked
                    .nodes
                    .push(node(Derived::Segment(*id), &s.name, deps));
                match segment {
                    Ok(segment) => checked.segments.push(segment),
                    Err(Reported) => checked.ok = false,
                }
            }
            Decl::Tiers(t, id) => {
                let (block, deps) = tiers(t, *id, scope, out);
                checked.nodes.push(node(Derived::Tiers(*id), &t.name, deps));
                match block {
                    Ok(block) => checked.tiers.push(block),
                    Err(Reported) => checked.ok = false,
                }
            }
        }
    }
    checked
}

fn node(derived: Derived, name: &ast::Ident, deps: Vec<(Derived, Span)>) -> Node {
    Node {
        derived,
        name: name.name.clone(),
        deps,
    }
}

type WithDeps<T> = (Result<T, Reported>, Vec<(Derived, Span)>);

/// One segment: its `where`, `expect` and `allow` lines.
fn segment(
    seg: &ast::Segment,
    id: SegmentId,
    scope: &Scope,
    out: &mut Diagnostics,
) -> WithDeps<ir::Segment> {
    let mut checker = Checker::new(scope, out, Place::Where);
    let condition = match &seg.condition {
        Some(condition) => checker.criterion(condition),
        None => Err(Reported),
    };
    let deps = std::mem::take(&mut checker.deps);
    let expects = expect::lower_all(&seg.expects, id, scope, out);
    let allows = allows(&seg.allows, out);
    let result = match (condition, expects, allows) {
        (Ok(condition), Ok(expects), Ok(allows)) => Ok(ir::Segment {
            name: seg.name.name.clone(),
            span: seg.name.span,
            doc: seg.doc.as_ref().map(|d| d.text.clone()),
            condition,
            expects,
            owner: seg.owner.as_ref().map(|o| o.value.clone()),
            paused: seg.paused.is_some(),
            allows,
        }),
        _ => Err(Reported),
    };
    (result, deps)
}

/// `allow NAME`: NAME must be a lint (a warning code); errors cannot be allowed.
fn allows(idents: &[ast::Ident], out: &mut Diagnostics) -> Result<Vec<Code>, Reported> {
    let mut codes = Vec::new();
    let mut result = Ok(());
    for ident in idents {
        match Code::from_name(&ident.name) {
            Some(code) if code.severity() == Severity::Warning => {
                if !codes.contains(&code) {
                    codes.push(code);
                }
            }
            known => {
                result = Err(Reported);
                unknown_allow(ident, known.is_some(), out);
            }
        }
    }
    result.map(|()| codes)
}

fn unknown_allow(ident: &ast::Ident, is_error: bool, out: &mut Diagnostics) {
    let lints = || {
        Code::ALL
            .iter()
            .filter(|c| c.severity() == Severity::Warning)
            .map(|c| c.as_str())
    };
    let message = if is_error {
        format!("`{}` is an error and cannot be allowed", ident.name)
    } else {
        format!("`{}` is not a lint", ident.name)
    };
    let help = did_you_mean(&ident.name, lints())
        .filter(|_| !is_error)
        .unwrap_or_else(|| {
            format!(
                "lints that can be allowed: {}",
                lints().collect::<Vec<_>>().join(", ")
            )
        });
    out.push(Diagnostic::new(Code::UnknownAllow, ident.span, message).with_help(help));
}

/// One tiers block: every condition, `otherwise` only last.
fn tiers(
    block: &ast::Tiers,
    id: TierId,
    scope: &Scope,
    out: &mut Diagnostics,
) -> WithDeps<ir::TierBlock> {
    let mut checker = Checker::new(scope, out, Place::Tier);
    let mut seen = HashSet::new();
    let mut tiers = Vec::new();
    let mut ok = true;
    let last = block.tiers.len().saturating_sub(1);
    for (i, tier) in block.tiers.iter().enumerate() {
        let condition = match &tier.condition {
            ast::TierCondition::Expr(expr) => checker.criterion(expr).map(Some),
            ast::TierCondition::Otherwise(span) if i != last => {
                Err(otherwise_not_last(&mut checker, block, *span))
            }
            ast::TierCondition::Otherwise(_) => Ok(None),
        };
        match condition {
            Ok(condition) if seen.insert(tier.name.name.as_str()) => tiers.push(ir::Tier {
                name: tier.name.name.clone(),
                span: tier.name.span,
                condition,
            }),
            Ok(_) => {}
            Err(Reported) => ok = false,
        }
    }
    let deps = std::mem::take(&mut checker.deps);
    let ty = scope
        .tiers
        .get(id.0 as usize)
        .map_or(Type::String, |t| t.ty.clone());
    let result = ok.then(|| ir::TierBlock {
        name: block.name.name.clone(),
        span: block.name.span,
        doc: block.doc.as_ref().map(|d| d.text.clone()),
        tiers,
        ty,
    });
    (result.ok_or(Reported), deps)
}

fn otherwise_not_last(checker: &mut Checker, block: &ast::Tiers, span: Span) -> Reported {
    let mut diagnostic = Diagnostic::new(
        Code::OtherwiseNotLast,
        span,
        "`otherwise` must be the last tier",
    )
    .with_help("move the `otherwise` tier to the end: tiers after it could never match");
    if let Some(last) = block.tiers.last() {
        diagnostic = diagnostic.with_secondary(last.name.span, "the last tier");
    }
    checker.report(diagnostic)
}
