//! Unit tests on hand-built IR (the text fixtures are in `tests/lint/`).

use std::sync::Arc;

use super::*;
use crate::check::ir::{
    DateTarget, Direction, Duration, DurationUnit, ExprKind, Field, FieldId, Literal, Schema,
    SegmentId, Tier, Type,
};
use crate::source::{FileId, Sources, Span};
use crate::syntax::ast::CmpOp;

fn span(n: u32) -> Span {
    Span {
        file: FileId(0),
        start: n,
        end: n + 1,
    }
}

fn field(name: &str, ty: Type, nullable: bool) -> Field {
    Field {
        name: name.into(),
        ty,
        nullable,
        doc: None,
        span: span(0),
    }
}

fn program(segments: Vec<Segment>, tiers: Vec<TierBlock>) -> Program {
    let status = Type::Enum(Arc::from(vec!["a".to_string(), "b".to_string()]));
    Program {
        schema: Schema {
            name: "customers".into(),
            key: FieldId(0),
            fields: vec![
                field("id", Type::String, false),
                field("age", Type::Int, true),
                field("orders_count", Type::Int, false),
                field("status", status, false),
                field("opt_in", Type::Bool, true),
                field("last_order_at", Type::Date, true),
            ],
            span: span(0),
        },
        events: Vec::new(),
        segments,
        tiers,
        order: Vec::new(),
    }
}

const AGE: u32 = 1;
const ORDERS: u32 = 2;
const STATUS: u32 = 3;
const OPT_IN: u32 = 4;
const LAST_ORDER: u32 = 5;

fn e(kind: ExprKind, ty: Type) -> Expr {
    Expr {
        kind,
        ty,
        span: span(10),
    }
}

fn fld(id: u32, ty: Type) -> Expr {
    e(ExprKind::Field(FieldId(id)), ty)
}

fn int(n: i64) -> Expr {
    e(ExprKind::Literal(Literal::Int(n)), Type::Int)
}

fn cmp(id: u32, op: CmpOp, n: i64) -> Expr {
    e(
        ExprKind::Compare {
            left: Box::new(fld(id, Type::Int)),
            op,
            right: Box::new(int(n)),
        },
        Type::Bool,
    )
}

fn and(items: Vec<Expr>) -> Expr {
    e(ExprKind::And(items), Type::Bool)
}

fn or(items: Vec<Expr>) -> Expr {
    e(ExprKind::Or(items), Type::Bool)
}

fn not(inner: Expr) -> Expr {
    e(ExprKind::Not(Box::new(inner)), Type::Bool)
}

fn is_missing(id: u32, negated: bool) -> Expr {
    e(
        ExprKind::IsMissing {
            value: Box::new(fld(id, Type::Int)),
            negated,
        },
        Type::Bool,
    )
}

fn segment(name: &str, condition: Expr) -> Segment {
    Segment {
        name: name.into(),
        span: span(1),
        doc: None,
        condition,
        expects: Vec::new(),
        owner: None,
        paused: false,
        allows: Vec::new(),
    }
}

fn tiers(tiers: Vec<(&str, Option<Expr>)>) -> TierBlock {
    let names: Vec<String> = tiers.iter().map(|(n, _)| n.to_string()).collect();
    TierBlock {
        name: "t".into(),
        span: span(2),
        doc: None,
        tiers: tiers
            .into_iter()
            .enumerate()
            .map(|(i, (name, condition))| Tier {
                name: name.into(),
                span: span(100 + i as u32),
                condition,
            })
            .collect(),
        ty: Type::Enum(Arc::from(names)),
    }
}

fn lint(program: &Program, config: &LintConfig) -> Vec<(Code, String)> {
    let mut out = Diagnostics::new();
    run(program, &Sources::new(), config, &mut out);
    out.into_iter().map(|d| (d.code, d.message)).collect()
}

fn codes_of(condition: Expr) -> Vec<Code> {
    let p = program(vec![segment("s", condition)], Vec::new());
    lint(&p, &LintConfig::default())
        .into_iter()
        .map(|(c, _)| c)
        .collect()
}

#[test]
fn criteria_count_ignores_and_or_not() {
    let condition = and(vec![
        cmp(AGE, CmpOp::Gt, 1),
        not(or(vec![cmp(ORDERS, CmpOp::Gt, 1), fld(OPT_IN, Type::Bool)])),
        e(ExprKind::SegmentRef(SegmentId(0)), Type::Bool),
    ]);
    assert_eq!(count_criteria(&condition), 4);
}

#[test]
fn too_many_criteria_warns_above_max_and_respects_allow() {
    let four = and((0..4).map(|n| cmp(ORDERS, CmpOp::NotEq, n)).collect());
    let mut quiet = segment("quiet", four.clone());
    quiet.allows.push(Code::TooManyCriteria);
    let p = program(vec![segment("loud", four), quiet], Vec::new());
    let found = lint(&p, &LintConfig::default());
    assert_eq!(
        found,
        vec![(
            Code::TooManyCriteria,
            "segment `loud` has 4 criteria (max 3)".to_string()
        )]
    );
    assert!(lint(&p, &LintConfig { max_criteria: 4 }).is_empty());
}

#[test]
fn not_over_nullable_field_warns() {
    assert_eq!(
        codes_of(not(cmp(AGE, CmpOp::Gt, 30))),
        vec![Code::NotOverNullable]
    );
    assert_eq!(
        codes_of(not(fld(OPT_IN, Type::Bool))),
        vec![Code::NotOverNullable]
    );
}

#[test]
fn not_over_required_field_is_fine() {
    assert!(codes_of(not(cmp(ORDERS, CmpOp::Gt, 30))).is_empty());
}

#[test]
fn not_over_nullable_is_quiet_when_missing_values_are_named() {
    let guarded = and(vec![is_missing(AGE, true), not(cmp(AGE, CmpOp::Gt, 30))]);
    assert!(codes_of(guarded).is_empty());
    let inside = not(or(vec![cmp(AGE, CmpOp::Gt, 30), is_missing(AGE, false)]));
    assert!(codes_of(inside).is_empty());
}

#[test]
fn not_over_nullable_helps_with_the_positive_form() {
    let p = program(vec![segment("s", not(cmp(AGE, CmpOp::Gt, 30)))], Vec::new());
    let mut out = Diagnostics::new();
    run(&p, &Sources::new(), &LintConfig::default(), &mut out);
    let help = out.into_iter().next().and_then(|d| d.help).unwrap();
    assert_eq!(
        help,
        "write `age <= 30`, or `age <= 30 or age is missing` if customers without `age` belong in the segment"
    );
}

#[test]
fn impossible_comparison_on_disjoint_ranges() {
    let impossible = and(vec![cmp(AGE, CmpOp::Gt, 50), cmp(AGE, CmpOp::Lt, 30)]);
    assert_eq!(codes_of(impossible), vec![Code::ImpossibleComparison]);
    let possible = and(vec![cmp(AGE, CmpOp::Gt, 30), cmp(AGE, CmpOp::Lt, 50)]);
    assert!(codes_of(possible).is_empty());
    let other_fields = and(vec![cmp(AGE, CmpOp::Gt, 50), cmp(ORDERS, CmpOp::Lt, 30)]);
    assert!(codes_of(other_fields).is_empty());
}

#[test]
fn impossible_comparison_on_two_equalities_and_missing() {
    let two = and(vec![cmp(ORDERS, CmpOp::Eq, 1), cmp(ORDERS, CmpOp::Eq, 2)]);
    assert_eq!(codes_of(two), vec![Code::ImpossibleComparison]);
    let missing = and(vec![is_missing(AGE, false), cmp(AGE, CmpOp::Gt, 1)]);
    assert_eq!(codes_of(missing), vec![Code::ImpossibleComparison]);
}

#[test]
fn impossible_comparison_is_quiet_across_or() {
    let either = or(vec![cmp(AGE, CmpOp::Gt, 50), cmp(AGE, CmpOp::Lt, 30)]);
    assert!(codes_of(either).is_empty());
}

#[test]
fn relative_dates_in_days_are_compared() {
    let days = |amount| Duration {
        amount,
        unit: DurationUnit::Day,
    };
    let recent = e(
        ExprKind::Within {
            value: Box::new(fld(LAST_ORDER, Type::Date)),
            direction: Direction::Last,
            duration: days(30),
        },
        Type::Bool,
    );
    let old = e(
        ExprKind::DateCompare {
            value: Box::new(fld(LAST_ORDER, Type::Date)),
            before: true,
            target: DateTarget::Ago(days(90)),
        },
        Type::Bool,
    );
    assert_eq!(
        codes_of(and(vec![recent, old])),
        vec![Code::ImpossibleComparison]
    );
}

#[test]
fn empty_in_list_warns() {
    let empty = e(
        ExprKind::InList {
            value: Box::new(fld(STATUS, Type::String)),
            items: Vec::new(),
            negated: false,
        },
        Type::Bool,
    );
    assert_eq!(codes_of(empty), vec![Code::EmptyInList]);
}

#[test]
fn unreachable_tier_after_a_wider_threshold() {
    let block = tiers(vec![
        ("gold", Some(cmp(ORDERS, CmpOp::GtEq, 2))),
        ("platinum", Some(cmp(ORDERS, CmpOp::GtEq, 10))),
        ("silver", None),
    ]);
    let p = program(Vec::new(), vec![block]);
    let found = lint(&p, &LintConfig::default());
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].0, Code::UnreachableTier);
    assert!(found[0].1.contains("`platinum`"), "{found:?}");
}

#[test]
fn ordered_tiers_are_fine() {
    let block = tiers(vec![
        ("platinum", Some(cmp(ORDERS, CmpOp::GtEq, 10))),
        ("gold", Some(cmp(ORDERS, CmpOp::GtEq, 2))),
        ("silver", None),
    ]);
    assert!(lint(&program(Vec::new(), vec![block]), &LintConfig::default()).is_empty());
}

#[test]
fn tier_after_otherwise_is_unreachable() {
    let block = tiers(vec![
        ("rest", None),
        ("late", Some(cmp(ORDERS, CmpOp::GtEq, 2))),
    ]);
    let found = lint(&program(Vec::new(), vec![block]), &LintConfig::default());
    assert_eq!(found.len(), 1);
    assert!(found[0].1.contains("after `otherwise`"));
}

#[test]
fn subjects_come_in_source_order() {
    let mut late = segment(
        "late",
        and((0..4).map(|n| cmp(ORDERS, CmpOp::NotEq, n)).collect()),
    );
    late.span = span(500);
    let block = tiers(vec![
        ("rest", None),
        ("x", Some(cmp(ORDERS, CmpOp::GtEq, 2))),
    ]);
    let found = lint(&program(vec![late], vec![block]), &LintConfig::default());
    let codes: Vec<Code> = found.into_iter().map(|(c, _)| c).collect();
    assert_eq!(codes, vec![Code::UnreachableTier, Code::TooManyCriteria]);
}
