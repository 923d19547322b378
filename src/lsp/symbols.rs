//! Definitions and references across a project, from the syntax trees: enough for
//! hover, go to definition, find references, rename and completion even while the
//! project has type errors (the checked program exists only when it has none).
//!
//! Names resolve as the checker resolves them: fields, segments and tiers blocks
//! share one namespace; inside an aggregate's `where`, the event table's own fields
//! come first.

use std::collections::HashMap;

use super::walk::{self, Written};
use crate::diagnostic::Diagnostics;
use crate::source::{FileId, SourceFile, Sources, Span};
use crate::syntax::{self, ast};

/// Something a name can stand for.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Symbol {
    /// A field of the customer schema.
    Field(String),
    /// A segment.
    Segment(String),
    /// A tiers block.
    Tiers(String),
    /// An event table.
    Events(String),
    /// A field of an event table: (table, field).
    EventField(String, String),
}

impl Symbol {
    /// The name as written.
    pub fn name(&self) -> &str {
        match self {
            Symbol::Field(n) | Symbol::Segment(n) | Symbol::Tiers(n) | Symbol::Events(n) => n,
            Symbol::EventField(_, n) => n,
        }
    }
}

/// What a definition says about itself, for hover and completion.
#[derive(Clone, Debug, Default)]
pub struct Detail {
    /// The `///` comment.
    pub doc: Option<String>,
    /// The declared type as written (fields).
    pub ty: Option<String>,
    /// The values of an enum field, or the labels of a tiers block.
    pub values: Vec<String>,
    /// `owner "…"` (segments).
    pub owner: Option<String>,
    /// The `where` condition or the tiers as written (segments, tiers blocks).
    pub body: Option<String>,
    /// Where each tier label is written (tiers blocks, for code lenses).
    pub labels: Vec<Span>,
}

/// One definition.
#[derive(Clone, Debug)]
pub struct Definition {
    /// What is defined.
    pub symbol: Symbol,
    /// The name where it is defined.
    pub name: Span,
    /// What it says about itself.
    pub detail: Detail,
}

/// One place a name is written (its definition included).
#[derive(Clone, Debug)]
pub struct Occurrence {
    /// What the name stands for.
    pub symbol: Symbol,
    /// Where it is written.
    pub span: Span,
}

/// Every definition and occurrence of a project.
#[derive(Clone, Debug, Default)]
pub struct Index {
    /// Definitions in file order (the first of duplicates wins lookups).
    pub definitions: Vec<Definition>,
    /// Every occurrence, definitions included.
    pub occurrences: Vec<Occurrence>,
    by_symbol: HashMap<Symbol, usize>,
}

impl Index {
    /// Parses every file (errors ignored: the checker reports them) and indexes it.
    pub fn build(sources: &Sources) -> Index {
        let files: Vec<(&SourceFile, ast::File)> = sources
            .iter()
            .map(|file| (file, syntax::parse(file, &mut Diagnostics::new())))
            .collect();
        let mut index = Index::default();
        for (source, file) in &files {
            for item in &file.items {
                index.define_item(source, item);
            }
        }
        for (_, file) in &files {
            for item in &file.items {
                index.refer_item(item);
            }
        }
        index
    }

    /// The definition of a symbol.
    pub fn definition(&self, symbol: &Symbol) -> Option<&Definition> {
        self.by_symbol.get(symbol).map(|&i| &self.definitions[i])
    }

    /// The occurrence covering a byte offset of a file (an offset just past a name counts).
    pub fn at(&self, file: FileId, offset: u32) -> Option<&Occurrence> {
        self.occurrences
            .iter()
            .find(|o| o.span.file == file && o.span.start <= offset && offset <= o.span.end)
    }

    /// Every occurrence of a symbol.
    pub fn occurrences_of<'a>(
        &'a self,
        symbol: &'a Symbol,
    ) -> impl Iterator<Item = &'a Occurrence> {
        self.occurrences.iter().filter(move |o| &o.symbol == symbol)
    }

    /// Definitions of one kind, e.g. every segment.
    pub fn all(&self, kind: fn(&Symbol) -> bool) -> impl Iterator<Item = &Definition> {
        self.definitions.iter().filter(move |d| kind(&d.symbol))
    }

    /// Whether a schema was found (completion falls back to an older index without).
    pub fn has_schema(&self) -> bool {
        self.all(|s| matches!(s, Symbol::Field(_))).next().is_some()
    }

    /// What a bare name in a condition stands for.
    pub fn resolve(&self, name: &str, scope: Option<&str>) -> Symbol {
        if let Some(table) = scope {
            let field = Symbol::EventField(table.to_owned(), name.to_owned());
            if self.by_symbol.contains_key(&field) {
                return field;
            }
        }
        [Symbol::Segment(name.into()), Symbol::Tiers(name.into())]
            .into_iter()
            .find(|s| self.by_symbol.contains_key(s))
            .unwrap_or_else(|| Symbol::Field(name.into()))
    }

    fn define(&mut self, symbol: Symbol, name: Span, detail: Detail) {
        self.occurrences.push(Occurrence {
            symbol: symbol.clone(),
            span: name,
        });
        self.by_symbol
            .entry(symbol.clone())
            .or_insert(self.definitions.len());
        self.definitions.push(Definition {
            symbol,
            name,
            detail,
        });
    }

    fn define_item(&mut self, source: &SourceFile, item: &ast::Item) {
        let doc = |d: &Option<ast::Doc>| d.as_ref().map(|d| d.text.clone());
        match item {
            ast::Item::Schema(schema) => {
                for field in &schema.fields {
                    let detail = field_detail(source, field);
                    self.define(
                        Symbol::Field(field.name.name.clone()),
                        field.name.span,
                        detail,
                    );
                }
            }
            ast::Item::Segment(segment) => {
                let detail = Detail {
                    doc: doc(&segment.doc),
                    owner: segment.owner.as_ref().map(|o| o.value.clone()),
                    body: segment
                        .condition
                        .as_ref()
                        .map(|c| source.slice(c.span).into()),
                    ..Detail::default()
                };
                let symbol = Symbol::Segment(segment.name.name.clone());
                self.define(symbol, segment.name.span, detail);
            }
            ast::Item::Tiers(tiers) => {
                let detail = Detail {
                    doc: doc(&tiers.doc),
                    values: tiers.tiers.iter().map(|t| t.name.name.clone()).collect(),
                    body: Some(tier_lines(source, tiers)),
                    labels: tiers.tiers.iter().map(|t| t.name.span).collect(),
                    ..Detail::default()
                };
                self.define(
                    Symbol::Tiers(tiers.name.name.clone()),
                    tiers.name.span,
                    detail,
                );
            }
            ast::Item::Events(events) => self.define_events(source, events),
        }
    }

    fn define_events(&mut self, source: &SourceFile, events: &ast::Events) {
        let table = &events.name.name;
        let fields: Vec<&ast::FieldDecl> = events.time.iter().chain(&events.fields).collect();
        let detail = Detail {
            doc: events.doc.as_ref().map(|d| d.text.clone()),
            body: Some(
                fields
                    .iter()
                    .map(|f| source.slice(f.span).to_owned())
                    .collect::<Vec<_>>()
                    .join("\n"),
            ),
            ..Detail::default()
        };
        self.define(Symbol::Events(table.clone()), events.name.span, detail);
        for field in fields {
            let symbol = Symbol::EventField(table.clone(), field.name.name.clone());
            self.define(symbol, field.name.span, field_detail(source, field));
        }
    }

    fn refer_item(&mut self, item: &ast::Item) {
        match item {
            ast::Item::Segment(segment) => {
                if let Some(condition) = &segment.condition {
                    self.refer_expr(condition);
                }
                for expect in &segment.expects {
                    self.refer_expect(expect);
                }
            }
            ast::Item::Tiers(tiers) => {
                for tier in &tiers.tiers {
                    if let ast::TierCondition::Expr(expr) = &tier.condition {
                        self.refer_expr(expr);
                    }
                }
            }
            ast::Item::Schema(_) | ast::Item::Events(_) => {}
        }
    }

    fn refer_expect(&mut self, expect: &ast::Expect) {
        match &expect.kind {
            ast::ExpectKind::Disjoint { other } | ast::ExpectKind::Overlap { other, .. } => {
                self.refer(Symbol::Segment(other.name.clone()), other.span);
            }
            ast::ExpectKind::Lift { value, .. } => self.refer_expr(value),
            ast::ExpectKind::Size(_) => {}
        }
    }

    fn refer_expr(&mut self, expr: &ast::Expr) {
        let mut found = Vec::new();
        walk::names(expr, None, &mut |written| {
            found.push(match written {
                Written::Name { ident, scope } => (self.resolve(&ident.name, scope), ident.span),
                Written::Table(ident) => (Symbol::Events(ident.name.clone()), ident.span),
                Written::TableField { table, ident } => (
                    Symbol::EventField(table.to_owned(), ident.name.clone()),
                    ident.span,
                ),
            });
        });
        for (symbol, span) in found {
            self.refer(symbol, span);
        }
    }

    fn refer(&mut self, symbol: Symbol, span: Span) {
        self.occurrences.push(Occurrence { symbol, span });
    }
}

fn field_detail(source: &SourceFile, field: &ast::FieldDecl) -> Detail {
    let values = match &field.ty.kind {
        ast::TypeKind::Enum(values) => values.iter().map(|v| v.value.clone()).collect(),
        _ => Vec::new(),
    };
    Detail {
        doc: field.doc.as_ref().map(|d| d.text.clone()),
        ty: Some(source.slice(field.ty.span).to_owned()),
        values,
        ..Detail::default()
    }
}

fn tier_lines(source: &SourceFile, tiers: &ast::Tiers) -> String {
    let lines: Vec<&str> = tiers.tiers.iter().map(|t| source.slice(t.span)).collect();
    lines.join("\n")
}
