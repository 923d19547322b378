//! Syntax fixtures: `tests/syntax/ok/*.seg` snapshot a compact, span-annotated AST;
//! `tests/syntax/err/*.seg` snapshot the diagnostics as plain text. A third test walks
//! every AST from `ok/` and checks that child spans lie inside their parent's, in order.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may fail loudly

use std::fmt::Write as _;
use std::path::Path;

use segmint::diagnostic::Diagnostics;
use segmint::source::{SourceFile, Sources, Span};
use segmint::syntax::{self, ast};

// ───────────────────────────── harness ─────────────────────────────

fn load(path: &Path) -> (Sources, segmint::source::FileId) {
    let text = std::fs::read_to_string(path).unwrap();
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    let mut sources = Sources::new();
    let id = sources.add(name, text);
    (sources, id)
}

fn parse(file: &SourceFile) -> (ast::File, Diagnostics) {
    let mut diagnostics = Diagnostics::new();
    let parsed = syntax::parse(file, &mut diagnostics);
    (parsed, diagnostics)
}

/// `code line:col-line:col message` plus `help:` and secondary labels, one per line.
fn render_diagnostics(file: &SourceFile, diagnostics: &Diagnostics) -> String {
    let mut out = String::new();
    let at = |span: Span| {
        let (l1, c1) = file.line_col(span.start);
        let (l2, c2) = file.line_col(span.end);
        format!("{l1}:{c1}-{l2}:{c2}")
    };
    for d in diagnostics.iter() {
        writeln!(out, "{} {} {}", d.code, at(d.primary.span), d.message).unwrap();
        if let Some(text) = &d.primary.text {
            writeln!(out, "  label: {text}").unwrap();
        }
        for label in &d.secondary {
            let text = label.text.as_deref().unwrap_or("");
            writeln!(out, "  also {}: {text}", at(label.span)).unwrap();
        }
        if let Some(help) = &d.help {
            writeln!(out, "  help: {help}").unwrap();
        }
    }
    out
}

#[test]
fn ok_fixtures_parse_to_the_expected_tree() {
    insta::glob!("syntax/ok/*.seg", |path| {
        let (sources, id) = load(path);
        let file = sources.get(id).unwrap();
        let (parsed, diagnostics) = parse(file);
        assert!(
            diagnostics.is_empty(),
            "{}:\n{}",
            path.display(),
            render_diagnostics(file, &diagnostics)
        );
        let mut out = String::new();
        for node in tree(&parsed) {
            print_node(&node, 0, &mut out);
        }
        insta::assert_snapshot!(out);
    });
}

#[test]
fn err_fixtures_give_the_expected_diagnostics() {
    insta::glob!("syntax/err/*.seg", |path| {
        let (sources, id) = load(path);
        let file = sources.get(id).unwrap();
        let (_, diagnostics) = parse(file);
        assert!(!diagnostics.is_empty(), "{} parsed cleanly", path.display());
        let rendered = format!(
            "----- SOURCE\n{}\n----- DIAGNOSTICS\n{}",
            file.text.trim_end(),
            render_diagnostics(file, &diagnostics)
        );
        insta::assert_snapshot!(rendered);
    });
}

#[test]
fn child_spans_lie_inside_their_parents_in_order() {
    insta::glob!("syntax/ok/*.seg", |path| {
        let (sources, id) = load(path);
        let file = sources.get(id).unwrap();
        let (parsed, _) = parse(file);
        for node in tree(&parsed) {
            check_spans(&node, None, file, path);
        }
    });
}

#[test]
fn blocks_around_a_broken_one_are_kept() {
    let text = "segment a { where vip } stray\nsegment b { where }\nsegment c { where x }\n";
    let mut sources = Sources::new();
    let id = sources.add("broken.seg", text);
    let (parsed, diagnostics) = parse(sources.get(id).unwrap());
    let names: Vec<&str> = parsed
        .items
        .iter()
        .filter_map(|item| match item {
            ast::Item::Segment(s) => Some(s.name.name.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(names, ["a", "c"]);
    assert_eq!(diagnostics.len(), 2);
}

#[test]
fn control_characters_are_named_and_escaped_never_shown_raw() {
    for (text, expected) in [
        (
            "segment a { where age \0> 3 }\n",
            "found a control character `\\u{0}`",
        ),
        (
            "segment a { where age \u{1b}> 3 }\n",
            "found a control character `\\u{1b}`",
        ),
    ] {
        let mut sources = Sources::new();
        let id = sources.add("control.seg", text);
        let file = sources.get(id).unwrap();
        let (_, diagnostics) = parse(file);
        let rendered = render_diagnostics(file, &diagnostics);
        assert_eq!(
            rendered.lines().next().unwrap(),
            format!("syntax_error 1:23-1:24 {expected}"),
            "{text:?}"
        );
    }
}

fn check_spans(node: &Node, parent: Option<Span>, file: &SourceFile, path: &Path) {
    let here = node.span.or(parent);
    if let (Some(span), Some(parent)) = (node.span, parent) {
        assert!(
            parent.start <= span.start && span.end <= parent.end,
            "{}: `{}` {:?} lies outside its parent {:?} (`{}`)",
            path.display(),
            node.label,
            span,
            parent,
            file.slice(parent)
        );
    }
    if let Some(span) = node.span {
        assert!(
            span.start <= span.end,
            "{}: empty span on {}",
            path.display(),
            node.label
        );
    }
    let mut previous_end = 0;
    for child in &node.children {
        if let Some(span) = child.span {
            assert!(
                span.start >= previous_end,
                "{}: `{}` starts before its previous sibling ends",
                path.display(),
                child.label
            );
            previous_end = span.end;
        }
        check_spans(child, here, file, path);
    }
}

// ───────────────────────────── AST → tree ─────────────────────────────

/// One printed line: a label, its span (when the node has one), and its children.
/// Doc comments are printed but not part of the span tree: they precede their item.
struct Node {
    label: String,
    span: Option<Span>,
    children: Vec<Node>,
}

fn node(label: impl Into<String>, span: Span, children: Vec<Node>) -> Node {
    Node {
        label: label.into(),
        span: Some(span),
        children,
    }
}

fn group(label: impl Into<String>, children: Vec<Node>) -> Node {
    Node {
        label: label.into(),
        span: None,
        children,
    }
}

fn print_node(node: &Node, indent: usize, out: &mut String) {
    let span = node
        .span
        .map(|s| format!(" @{}..{}", s.start, s.end))
        .unwrap_or_default();
    writeln!(out, "{}{}{span}", "  ".repeat(indent), node.label).unwrap();
    for child in &node.children {
        print_node(child, indent + 1, out);
    }
}

fn tree(file: &ast::File) -> Vec<Node> {
    let mut nodes: Vec<Node> = file.items.iter().map(item).collect();
    for c in &file.comments {
        nodes.push(node(format!("comment {:?}", c.text), c.span, vec![]));
    }
    nodes
}

/// A doc comment, printed before the item with no span check.
fn doc(doc: &Option<ast::Doc>) -> Vec<Node> {
    doc.iter()
        .map(|d| {
            group(
                format!("doc {:?} @{}..{}", d.text, d.span.start, d.span.end),
                vec![],
            )
        })
        .collect()
}

fn ident(label: &str, i: &ast::Ident) -> Node {
    node(format!("{label} {}", i.name), i.span, vec![])
}

fn item(item: &ast::Item) -> Node {
    match item {
        ast::Item::Schema(s) => {
            let mut children = doc(&s.doc);
            children.push(ident("name", &s.name));
            children.extend(s.fields.iter().map(field));
            node("schema", s.span, children)
        }
        ast::Item::Segment(s) => {
            let mut children = doc(&s.doc);
            children.push(ident("name", &s.name));
            // Clauses may come in any order: print them sorted by position.
            let mut clauses: Vec<Node> = Vec::new();
            if let Some(c) = &s.condition {
                clauses.push(group("where", vec![expr(c)]));
            }
            for e in &s.expects {
                clauses.push(node("expect", e.span, expect(&e.kind)));
            }
            if let Some(o) = &s.owner {
                clauses.push(node(format!("owner {:?}", o.value), o.span, vec![]));
            }
            if let Some(p) = s.paused {
                clauses.push(node("paused", p, vec![]));
            }
            for a in &s.allows {
                clauses.push(ident("allow", a));
            }
            clauses.sort_by_key(first_start);
            children.extend(clauses);
            node("segment", s.span, children)
        }
        ast::Item::Tiers(t) => {
            let mut children = doc(&t.doc);
            children.push(ident("name", &t.name));
            for tier in &t.tiers {
                let mut parts = doc(&tier.doc);
                parts.push(ident("label", &tier.name));
                parts.push(match &tier.condition {
                    ast::TierCondition::Expr(e) => expr(e),
                    ast::TierCondition::Otherwise(span) => node("otherwise", *span, vec![]),
                });
                children.push(node("tier", tier.span, parts));
            }
            node("tiers", t.span, children)
        }
        ast::Item::Events(e) => {
            let mut children = doc(&e.doc);
            children.push(ident("name", &e.name));
            let mut lines: Vec<Node> = Vec::new();
            if let Some(k) = &e.key {
                let mut parts = vec![ident("column", &k.name)];
                parts.extend(k.ty.iter().map(type_expr));
                lines.push(node("key", k.span, parts));
            }
            if let Some(t) = &e.time {
                let mut f = field(t);
                f.label = format!("time {}", f.label);
                lines.push(f);
            }
            lines.extend(e.fields.iter().map(field));
            lines.sort_by_key(first_start);
            children.extend(lines);
            node("events", e.span, children)
        }
    }
}

fn first_start(n: &Node) -> u32 {
    n.span
        .or_else(|| n.children.iter().find_map(|c| c.span))
        .map_or(0, |s| s.start)
}

fn field(f: &ast::FieldDecl) -> Node {
    let mut children = doc(&f.doc);
    if let Some(k) = f.key {
        children.push(node("key", k, vec![]));
    }
    children.push(ident("name", &f.name));
    children.push(type_expr(&f.ty));
    node("field", f.span, children)
}

fn type_expr(t: &ast::TypeExpr) -> Node {
    let q = if t.nullable { "?" } else { "" };
    let (label, children) = match &t.kind {
        ast::TypeKind::Bool => ("bool".to_owned(), vec![]),
        ast::TypeKind::Int => ("int".to_owned(), vec![]),
        ast::TypeKind::Float => ("float".to_owned(), vec![]),
        ast::TypeKind::String => ("string".to_owned(), vec![]),
        ast::TypeKind::Date => ("date".to_owned(), vec![]),
        ast::TypeKind::Timestamp => ("timestamp".to_owned(), vec![]),
        ast::TypeKind::Enum(values) => (
            "enum".to_owned(),
            values
                .iter()
                .map(|v| node(format!("{:?}", v.value), v.span, vec![]))
                .collect(),
        ),
        ast::TypeKind::List(inner) => ("list".to_owned(), vec![type_expr(inner)]),
    };
    node(format!("type {label}{q}"), t.span, children)
}

fn expect(kind: &ast::ExpectKind) -> Vec<Node> {
    match kind {
        ast::ExpectKind::Size(b) => vec![group("size", vec![]), bound(b)],
        ast::ExpectKind::Disjoint { other } => vec![ident("disjoint from", other)],
        ast::ExpectKind::Overlap { other, bound: b } => {
            vec![ident("overlap with", other), bound(b)]
        }
        ast::ExpectKind::Lift { value, bound: b } => {
            vec![group("lift", vec![expr(value)]), bound(b)]
        }
    }
}

fn bound(b: &ast::Bound) -> Node {
    match b {
        ast::Bound::Compare { op, value } => {
            group(format!("bound {}", op.as_str()), vec![quantity(value)])
        }
        ast::Bound::Between { low, high } => {
            group("bound between", vec![quantity(low), quantity(high)])
        }
    }
}

fn quantity(q: &ast::Quantity) -> Node {
    let label = match &q.kind {
        ast::QuantityKind::Int(t) => format!("int {t}"),
        ast::QuantityKind::Float(t) => format!("float {t}"),
        ast::QuantityKind::Percent(t) => format!("percent {t}"),
    };
    node(label, q.span, vec![])
}

fn duration(d: &ast::Duration) -> Node {
    node(
        format!("duration {} {:?}", d.amount, d.unit),
        d.span,
        vec![],
    )
}

fn boxed(e: &ast::Expr) -> Vec<Node> {
    vec![expr(e)]
}

fn expr(e: &ast::Expr) -> Node {
    use ast::ExprKind as K;
    let (label, children): (String, Vec<Node>) = match &e.kind {
        K::Or(items) => ("Or".into(), items.iter().map(expr).collect()),
        K::And(items) => ("And".into(), items.iter().map(expr).collect()),
        K::Not(inner) => ("Not".into(), boxed(inner)),
        K::Paren(inner) => ("Paren".into(), boxed(inner)),
        K::Compare { left, op, right } => (
            format!("Compare {}", op.as_str()),
            vec![expr(left), expr(right)],
        ),
        K::InList {
            value,
            items,
            list_span,
            negated,
        } => (
            format!("InList negated={negated}"),
            vec![
                expr(value),
                node("list", *list_span, items.iter().map(expr).collect()),
            ],
        ),
        K::Between {
            value,
            low,
            high,
            negated,
        } => (
            format!("Between negated={negated}"),
            vec![expr(value), expr(low), expr(high)],
        ),
        K::IsMissing { value, negated } => (format!("IsMissing negated={negated}"), boxed(value)),
        K::StringTest { value, op, pattern } => (
            format!("StringTest {op:?}"),
            vec![
                expr(value),
                node(format!("pattern {:?}", pattern.value), pattern.span, vec![]),
            ],
        ),
        K::Has {
            list,
            quantifier,
            items,
        } => {
            let mut children = vec![expr(list)];
            children.extend(items.iter().map(expr));
            (format!("Has {quantifier:?}"), children)
        }
        K::IsEmpty { value, negated } => (format!("IsEmpty negated={negated}"), boxed(value)),
        K::Within {
            value,
            direction,
            window,
        } => (
            format!("Within {direction:?}"),
            vec![expr(value), duration(window)],
        ),
        K::DateCompare { value, op, target } => {
            let target = match target {
                ast::DateTarget::Literal(lit) => expr(lit),
                ast::DateTarget::Ago(d) => group("ago", vec![duration(d)]),
            };
            (format!("DateCompare {op:?}"), vec![expr(value), target])
        }
        K::Percentile {
            value,
            side,
            percent,
        } => (
            format!("Percentile {side:?}"),
            vec![
                expr(value),
                node(format!("percent {}", percent.value), percent.span, vec![]),
            ],
        ),
        K::Arith { left, op, right } => (
            format!("Arith {}", op.as_str()),
            vec![expr(left), expr(right)],
        ),
        K::Neg(inner) => ("Neg".into(), boxed(inner)),
        K::Call { function, args } => {
            let mut children = vec![ident("function", function)];
            children.extend(args.iter().map(expr));
            ("Call".into(), children)
        }
        K::Aggregate(agg) => {
            let mut children = vec![
                node(
                    format!("function {:?}", agg.function),
                    agg.function_span,
                    vec![],
                ),
                ident("table", &agg.table),
            ];
            if let Some(f) = &agg.field {
                children.push(ident("field", f));
            }
            if let Some(f) = &agg.filter {
                children.push(group("where", vec![expr(f)]));
            }
            if let Some(w) = &agg.window {
                children.push(node(
                    format!("within {:?}", w.direction),
                    w.span,
                    vec![duration(&w.duration)],
                ));
            }
            ("Aggregate".into(), children)
        }
        K::Name(i) => (format!("Name {}", i.name), vec![]),
        K::Literal(lit) => (
            match lit {
                ast::Literal::Int(t) => format!("Int {t}"),
                ast::Literal::Float(t) => format!("Float {t}"),
                ast::Literal::String(v) => format!("String {v:?}"),
                ast::Literal::Bool(b) => format!("Bool {b}"),
                ast::Literal::Date(t) => format!("Date {t}"),
                ast::Literal::Timestamp(t) => format!("Timestamp {t}"),
            },
            vec![],
        ),
    };
    node(label, e.span, children)
}
