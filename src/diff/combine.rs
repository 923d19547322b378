//! Two versions of a program as one: the head program with the base version's
//! segments and tiers blocks appended under prefixed names, every base reference
//! rewritten to the head's fields, event tables and the appended ids. One plan of
//! the combined program evaluates both versions in one scan, and the plan's
//! hash-consing computes a criterion both versions share once.
//!
//! Base items that read a field (or event column) the head's schema lacks or
//! types differently cannot be evaluated on the head's data: they are left out
//! (with what refers to them) and the fields are reported as [`SchemaChange`]s.

use std::collections::HashSet;

use serde::Serialize;

use crate::check::ir::{
    Derived, EventFieldId, EventsId, ExpectKind, Expr, ExprKind, FieldId, Program, SegmentId,
    TierId, Type,
};

/// Names of base outputs in the combined program start with this (a `.` never
/// appears in a name written in a `.seg` file, so they cannot clash).
pub const BASE_PREFIX: &str = "base.";

/// A field the two versions declare incompatibly.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SchemaChange {
    /// `customers.age` or `orders.amount`.
    pub field: String,
    /// Its type in the base, `None` when the base has no such field.
    pub base: Option<String>,
    /// Its type in the head, `None` when the head has no such field.
    pub head: Option<String>,
}

/// The combined program and how to find each version's items in it.
#[derive(Clone, Debug)]
pub struct Combined {
    /// Head items at their ids, then the comparable base items.
    pub program: Program,
    /// Per base segment: its id in [`Combined::program`], `None` when it reads
    /// an incompatible field.
    pub base_segments: Vec<Option<SegmentId>>,
    /// Per base tiers block: its id in [`Combined::program`], or `None`.
    pub base_tiers: Vec<Option<TierId>>,
    /// Fields that changed incompatibly (empty when base items all compare).
    pub changes: Vec<SchemaChange>,
}

/// `head` with the comparable items of `base` appended.
pub fn combine(base: &Program, head: &Program) -> Combined {
    let mapping = Mapping::new(base, head);
    let usable = usable_items(base, &mapping);
    let mut program = head.clone();
    let base_segments = assign(
        &usable,
        base.segments.len(),
        head.segments.len(),
        |i| Derived::Segment(SegmentId(i)),
        SegmentId,
    );
    let base_tiers = assign(
        &usable,
        base.tiers.len(),
        head.tiers.len(),
        |i| Derived::Tiers(TierId(i)),
        TierId,
    );
    let remap = |expr: &mut Expr| mapping.rewrite(expr, &base_segments, &base_tiers);
    for (i, segment) in base.segments.iter().enumerate() {
        if base_segments[i].is_none() {
            continue;
        }
        let mut segment = segment.clone();
        segment.name = format!("{BASE_PREFIX}{}", segment.name);
        rewrite(&mut segment.condition, &remap);
        segment
            .expects
            .retain_mut(|e| rewrite_expect(&mut e.kind, &mapping, &base_segments, &remap));
        program.segments.push(segment);
    }
    for (i, block) in base.tiers.iter().enumerate() {
        if base_tiers[i].is_none() {
            continue;
        }
        let mut block = block.clone();
        block.name = format!("{BASE_PREFIX}{}", block.name);
        for condition in block.tiers.iter_mut().filter_map(|t| t.condition.as_mut()) {
            rewrite(condition, &remap);
        }
        program.tiers.push(block);
    }
    program
        .order
        .extend(base.order.iter().filter_map(|d| match d {
            Derived::Segment(id) => base_segments[id.0 as usize].map(Derived::Segment),
            Derived::Tiers(id) => base_tiers[id.0 as usize].map(Derived::Tiers),
        }));
    Combined {
        program,
        base_segments,
        base_tiers,
        changes: mapping.changes,
    }
}

/// New ids for the usable base items of one kind (`id_of` picks them out),
/// numbered after the head's `first` in base order.
fn assign<T>(
    usable: &HashSet<Derived>,
    count: usize,
    first: usize,
    id_of: impl Fn(u32) -> Derived,
    make: impl Fn(u32) -> T,
) -> Vec<Option<T>> {
    let mut next = first as u32;
    (0..count as u32)
        .map(|i| {
            usable.contains(&id_of(i)).then(|| {
                next += 1;
                make(next - 1)
            })
        })
        .collect()
}

/// The base items whose conditions (and everything they refer to) read only
/// mapped fields. Dependency order means one pass decides each item.
fn usable_items(base: &Program, mapping: &Mapping) -> HashSet<Derived> {
    let mut usable = HashSet::new();
    for item in &base.order {
        let ok = base.conditions(*item).iter().all(|c| {
            mapping.reads_only_mapped(c) && c.references().iter().all(|r| usable.contains(r))
        });
        if ok {
            usable.insert(*item);
        }
    }
    usable
}

/// Base field ids → head field ids.
struct Mapping {
    fields: Vec<Option<FieldId>>,
    /// Per base event table: the head table and its fields.
    events: Vec<Option<(EventsId, Vec<Option<EventFieldId>>)>>,
    changes: Vec<SchemaChange>,
}

impl Mapping {
    fn new(base: &Program, head: &Program) -> Mapping {
        let mut changes = Vec::new();
        let fields = map_fields(
            &base.schema.name,
            &base.schema.fields,
            &head.schema.fields,
            &mut changes,
        );
        let head_key = &head.schema.field(head.schema.key).name;
        let same_key = base.schema.field(base.schema.key).name == *head_key;
        let fields = if same_key {
            fields
        } else {
            changes.push(SchemaChange {
                field: format!("{}.key", base.schema.name),
                base: Some(base.schema.field(base.schema.key).name.clone()),
                head: Some(head_key.clone()),
            });
            vec![None; fields.len()]
        };
        let events = base
            .events
            .iter()
            .map(|table| {
                let Some(h) = head.events.iter().position(|t| t.name == table.name) else {
                    changes.push(SchemaChange {
                        field: table.name.clone(),
                        base: Some("events".into()),
                        head: None,
                    });
                    return None;
                };
                let head_table = &head.events[h];
                let mapped =
                    map_fields(&table.name, &table.fields, &head_table.fields, &mut changes);
                let same_time = mapped.get(table.time.0 as usize).copied().flatten()
                    == Some(FieldId(head_table.time.0));
                if table.key != head_table.key || !same_time {
                    changes.push(SchemaChange {
                        field: format!("{}.key/time", table.name),
                        base: Some(format!("{} / {}", table.key, field_name(table, table.time))),
                        head: Some(format!(
                            "{} / {}",
                            head_table.key,
                            field_name(head_table, head_table.time)
                        )),
                    });
                    return None;
                }
                let ids = mapped
                    .iter()
                    .map(|f| f.map(|f| EventFieldId(f.0)))
                    .collect();
                Some((EventsId(h as u32), ids))
            })
            .collect();
        Mapping {
            fields,
            events,
            changes,
        }
    }

    fn reads_only_mapped(&self, expr: &Expr) -> bool {
        let ok = match &expr.kind {
            ExprKind::Field(id) => self.fields.get(id.0 as usize).copied().flatten().is_some(),
            ExprKind::Aggregate(aggregate) => match self.events.get(aggregate.table.0 as usize) {
                Some(Some((_, fields))) => {
                    let mut event_ok = aggregate
                        .field
                        .is_none_or(|f| fields.get(f.0 as usize).copied().flatten().is_some());
                    if let Some(filter) = &aggregate.filter {
                        event_ok &= event_fields(filter)
                            .iter()
                            .all(|f| fields.get(f.0 as usize).copied().flatten().is_some());
                    }
                    event_ok
                }
                _ => false,
            },
            _ => true,
        };
        // an aggregate's filter holds event fields only, checked above
        ok && (matches!(expr.kind, ExprKind::Aggregate(_))
            || expr
                .children()
                .into_iter()
                .all(|c| self.reads_only_mapped(c)))
    }

    /// Rewrites one node (children are visited by [`rewrite`]).
    fn rewrite(&self, expr: &mut Expr, segments: &[Option<SegmentId>], tiers: &[Option<TierId>]) {
        match &mut expr.kind {
            ExprKind::Field(id) => *id = self.fields[id.0 as usize].unwrap_or(*id),
            ExprKind::SegmentRef(id) => *id = segments[id.0 as usize].unwrap_or(*id),
            ExprKind::TierRef(id) => *id = tiers[id.0 as usize].unwrap_or(*id),
            ExprKind::Aggregate(aggregate) => {
                if let Some(Some((table, fields))) = self.events.get(aggregate.table.0 as usize) {
                    let map = |f: EventFieldId| fields[f.0 as usize].unwrap_or(f);
                    aggregate.table = *table;
                    aggregate.field = aggregate.field.map(map);
                    if let Some(filter) = &mut aggregate.filter {
                        rewrite_event_fields(filter, &map);
                    }
                }
            }
            _ => {}
        }
    }
}

fn field_name(table: &crate::check::ir::EventTable, id: EventFieldId) -> String {
    table
        .fields
        .get(id.0 as usize)
        .map_or_else(|| "?".into(), |f| f.name.clone())
}

/// Base fields → head fields of the same name and a compatible type (enums are
/// compatible with enums: data is read with the head's values).
fn map_fields(
    table: &str,
    base: &[crate::check::ir::Field],
    head: &[crate::check::ir::Field],
    changes: &mut Vec<SchemaChange>,
) -> Vec<Option<FieldId>> {
    let mut mapped = Vec::with_capacity(base.len());
    for field in base {
        let found = head.iter().position(|h| h.name == field.name);
        let same = |h: &crate::check::ir::Field| match (&field.ty, &h.ty) {
            (Type::Enum(_), Type::Enum(_)) => true,
            (a, b) => a == b,
        };
        match found {
            Some(i) if same(&head[i]) => mapped.push(Some(FieldId(i as u32))),
            other => {
                changes.push(SchemaChange {
                    field: format!("{table}.{}", field.name),
                    base: Some(field.ty.describe()),
                    head: other.map(|i| head[i].ty.describe()),
                });
                mapped.push(None);
            }
        }
    }
    mapped
}

fn event_fields(expr: &Expr) -> Vec<EventFieldId> {
    let mut found = Vec::new();
    let mut stack = vec![expr];
    while let Some(e) = stack.pop() {
        if let ExprKind::EventField(id) = e.kind {
            found.push(id);
        }
        stack.extend(e.children());
    }
    found
}

fn rewrite_event_fields(expr: &mut Expr, map: &dyn Fn(EventFieldId) -> EventFieldId) {
    if let ExprKind::EventField(id) = &mut expr.kind {
        *id = map(*id);
    }
    for child in expr.children_mut() {
        rewrite_event_fields(child, map);
    }
}

/// Calls `f` on `expr` and every expression in it, outside aggregates' filters
/// (which [`Mapping::rewrite`] handles with the event table's fields).
fn rewrite(expr: &mut Expr, f: &dyn Fn(&mut Expr)) {
    f(expr);
    if matches!(expr.kind, ExprKind::Aggregate(_)) {
        return;
    }
    for child in expr.children_mut() {
        rewrite(child, f);
    }
}

/// Rewrites an expectation; false when it names a base segment left out or
/// reads an incompatible field.
fn rewrite_expect(
    kind: &mut ExpectKind,
    mapping: &Mapping,
    segments: &[Option<SegmentId>],
    f: &dyn Fn(&mut Expr),
) -> bool {
    match kind {
        ExpectKind::Size(_) => true,
        ExpectKind::Disjoint(other) | ExpectKind::Overlap(other, _) => {
            match segments.get(other.0 as usize).copied().flatten() {
                Some(id) => {
                    *other = id;
                    true
                }
                None => false,
            }
        }
        ExpectKind::Lift(expr, _) => {
            let ok = mapping.reads_only_mapped(expr);
            if ok {
                rewrite(expr, f);
            }
            ok
        }
    }
}
