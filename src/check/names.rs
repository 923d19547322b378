//! The symbol table of a run: schema fields, segments and tiers blocks share one
//! namespace; event tables have their own. Duplicates are reported with both places
//! (primary: the later definition, secondary: the first), and the first definition wins.

use std::collections::{HashMap, HashSet};

use super::ir::{self, EventsId, FieldId, SegmentId, TierId, Type};
use crate::diagnostic::{Code, Diagnostic, Diagnostics, did_you_mean};
use crate::source::Span;
use crate::syntax::ast;

/// What a bare name stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Symbol {
    /// A customer column.
    Field(FieldId),
    /// A segment (membership).
    Segment(SegmentId),
    /// A tiers block (its label).
    Tiers(TierId),
}

/// A tiers block as seen from other expressions: its enum type.
#[derive(Clone, Debug)]
pub(super) struct TiersInfo {
    /// `Type::Enum` of its labels, in order.
    pub ty: Type,
}

/// Everything names resolve against.
#[derive(Debug)]
pub(super) struct Scope {
    /// The customer table.
    pub schema: ir::Schema,
    /// Segment names by id.
    pub segments: Vec<String>,
    /// Tiers blocks by id.
    pub tiers: Vec<TiersInfo>,
    /// Event tables by id.
    pub events: Vec<ir::EventTable>,
    symbols: HashMap<String, Symbol>,
    events_by_name: HashMap<String, EventsId>,
    /// Event tables that were declared but could not be used (already reported).
    broken_events: HashSet<String>,
}

/// A definition in the shared namespace, in source order.
struct Definition<'a> {
    name: &'a ast::Ident,
    what: &'static str,
}

impl Scope {
    /// An empty scope around a lowered schema.
    pub fn new(schema: ir::Schema) -> Self {
        let mut scope = Scope {
            schema,
            segments: Vec::new(),
            tiers: Vec::new(),
            events: Vec::new(),
            symbols: HashMap::new(),
            events_by_name: HashMap::new(),
            broken_events: HashSet::new(),
        };
        for (i, field) in scope.schema.fields.iter().enumerate() {
            let id = FieldId(u32::try_from(i).unwrap_or(u32::MAX));
            scope
                .symbols
                .entry(field.name.clone())
                .or_insert(Symbol::Field(id));
        }
        scope
    }

    /// What a bare name stands for.
    pub fn lookup(&self, name: &str) -> Option<Symbol> {
        self.symbols.get(name).copied()
    }

    /// Every name of the shared namespace (for suggestions).
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.symbols.keys().map(String::as_str)
    }

    /// Segment names (for suggestions after `disjoint from`).
    pub fn segment_names(&self) -> impl Iterator<Item = &str> {
        self.segments.iter().map(String::as_str)
    }

    /// Adds a segment and returns its id.
    pub fn add_segment(&mut self, name: &str) -> SegmentId {
        let id = SegmentId(u32::try_from(self.segments.len()).unwrap_or(u32::MAX));
        self.segments.push(name.to_string());
        self.symbols.insert(name.to_string(), Symbol::Segment(id));
        id
    }

    /// Adds a tiers block and returns its id.
    pub fn add_tiers(&mut self, name: &str, ty: Type) -> TierId {
        let id = TierId(u32::try_from(self.tiers.len()).unwrap_or(u32::MAX));
        self.tiers.push(TiersInfo { ty });
        self.symbols.insert(name.to_string(), Symbol::Tiers(id));
        id
    }

    /// Adds an event table.
    pub fn add_events(&mut self, table: ir::EventTable) -> EventsId {
        let id = EventsId(u32::try_from(self.events.len()).unwrap_or(u32::MAX));
        self.events_by_name.insert(table.name.clone(), id);
        self.events.push(table);
        id
    }

    /// Marks an event table as declared but unusable, so its uses report nothing more.
    pub fn add_broken_events(&mut self, name: &str) {
        self.broken_events.insert(name.to_string());
    }

    /// The event table with this name.
    pub fn events_named(&self, name: &str) -> Option<EventsId> {
        self.events_by_name.get(name).copied()
    }

    /// Whether this event table was declared but is unusable.
    pub fn is_broken_events(&self, name: &str) -> bool {
        self.broken_events.contains(name)
    }

    /// The event table with this id.
    pub fn event_table(&self, id: EventsId) -> Option<&ir::EventTable> {
        self.events.get(id.0 as usize)
    }

    /// The customer field with this id.
    pub fn field(&self, id: FieldId) -> Option<&ir::Field> {
        self.schema.fields.get(id.0 as usize)
    }

    /// Event table names (for suggestions).
    pub fn event_names(&self) -> impl Iterator<Item = &str> {
        self.events_by_name
            .keys()
            .chain(self.broken_events.iter())
            .map(String::as_str)
    }
}

/// Which definitions of the shared namespace come first. Returns, per file and item,
/// whether a segment or tiers block is the first of its name (duplicates are reported).
/// `schema` is the one schema in use (its fields take part in source order).
pub(super) fn first_definitions(
    files: &[ast::File],
    schema: Option<&ast::Schema>,
    out: &mut Diagnostics,
) -> HashSet<Span> {
    let mut seen: HashMap<&str, &ast::Ident> = HashMap::new();
    let mut accepted = HashSet::new();
    for def in definitions(files, schema) {
        match seen.get(def.name.name.as_str()) {
            Some(first) => duplicate(out, def.what, def.name, first.span),
            None => {
                seen.insert(&def.name.name, def.name);
                accepted.insert(def.name.span);
            }
        }
    }
    accepted
}

/// The schema's fields first, then segments and tiers blocks in source order. Fields
/// always come first so that the schema wins a clash whatever the file order: a
/// segment named like a field is the duplicate, and uses of the name stay the field.
fn definitions<'a>(files: &'a [ast::File], schema: Option<&'a ast::Schema>) -> Vec<Definition<'a>> {
    let mut defs: Vec<Definition<'a>> = schema
        .iter()
        .flat_map(|s| &s.fields)
        .map(|f| Definition {
            name: &f.name,
            what: "field",
        })
        .collect();
    for item in files.iter().flat_map(|f| &f.items) {
        match item {
            ast::Item::Segment(s) => defs.push(Definition {
                name: &s.name,
                what: "segment",
            }),
            ast::Item::Tiers(t) => defs.push(Definition {
                name: &t.name,
                what: "tiers block",
            }),
            _ => {}
        }
    }
    defs
}

/// Reports `duplicate_name` with both places.
pub(super) fn duplicate(out: &mut Diagnostics, what: &str, name: &ast::Ident, first: Span) {
    out.push(
        Diagnostic::new(
            Code::DuplicateName,
            name.span,
            format!("{what} `{}` is defined more than once", name.name),
        )
        .with_label("defined again here")
        .with_secondary(first, "first defined here")
        .with_help("names must be unique across fields, segments and tiers; rename one of them"),
    );
}

/// Reports a name defined twice within one block (fields, tier labels, enum values).
pub(super) fn duplicate_in(out: &mut Diagnostics, what: &str, name: &str, span: Span, first: Span) {
    out.push(
        Diagnostic::new(
            Code::DuplicateName,
            span,
            format!("{what} `{name}` is defined more than once"),
        )
        .with_label("defined again here")
        .with_secondary(first, "first defined here"),
    );
}

/// Reports an unknown name in an expression, with a suggestion.
pub(super) fn unknown_field(scope: &Scope, ident: &ast::Ident, out: &mut Diagnostics) {
    let mut help = did_you_mean(&ident.name, scope.names());
    if help.is_none() && scope.events_named(&ident.name).is_some() {
        help = Some(format!(
            "`{0}` is an event table; aggregate it, e.g. `count({0})`",
            ident.name
        ));
    }
    out.push(
        Diagnostic::new(
            Code::UnknownField,
            ident.span,
            format!("unknown field or segment `{}`", ident.name),
        )
        .with_help_opt(help),
    );
}
