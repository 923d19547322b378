//! Aggregates over a customer's events: `count`, `sum`, `avg`, `min`, `max`, `first`,
//! `last`, `exists`. The table must be declared, the field must be numeric where one is
//! aggregated, the filter may use only the event's own fields, and `within next` is for
//! expectations only.

use super::Reported;
use super::expr::{Checked, Checker};
use super::ir::{self, EventFieldId, EventsId, Type};
use super::{literals, predicates};
use crate::diagnostic::{Code, Diagnostic, did_you_mean};
use crate::source::Span;
use crate::syntax::ast::{self, AggregateFn};

/// Checks one aggregate.
pub(super) fn check(c: &mut Checker, agg: &ast::Aggregate, span: Span) -> Checked {
    if c.events.is_some() {
        return Err(c.report(
            Diagnostic::new(
                Code::MisplacedAggregate,
                span,
                "an aggregate may not stand inside another aggregate's `where`",
            )
            .with_help("filter events by their own fields, e.g. `amount > 100`"),
        ));
    }
    let table = lookup_table(c, &agg.table)?;
    let field = aggregated_field(c, agg, table, span);
    let filter = filter(c, agg, table);
    let window = window(c, agg);
    let (field, filter, window) = (field?, filter?, window?);
    let ty = result_type(c, agg.function, table, field);
    let aggregate = ir::Aggregate {
        function: agg.function,
        table,
        field,
        filter,
        window,
    };
    Ok(ir::Expr {
        kind: ir::ExprKind::Aggregate(Box::new(aggregate)),
        ty,
        span,
    })
}

/// The declared event table, or `unknown_events`.
fn lookup_table(c: &mut Checker, table: &ast::Ident) -> Result<EventsId, Reported> {
    if let Some(id) = c.scope.events_named(&table.name) {
        return Ok(id);
    }
    if c.scope.is_broken_events(&table.name) {
        return Err(Reported);
    }
    let help = did_you_mean(&table.name, c.scope.event_names())
        .unwrap_or_else(|| format!("declare it with an `events {} {{ … }}` block", table.name));
    Err(c.report(
        Diagnostic::new(
            Code::UnknownEvents,
            table.span,
            format!("unknown event table `{}`", table.name),
        )
        .with_help(help),
    ))
}

/// `sum`, `avg`, `min`, `max` need a numeric field; the others take none.
fn aggregated_field(
    c: &mut Checker,
    agg: &ast::Aggregate,
    table: EventsId,
    span: Span,
) -> Result<Option<EventFieldId>, Reported> {
    let name = agg.function.as_str();
    let needs_field = matches!(
        agg.function,
        AggregateFn::Sum | AggregateFn::Avg | AggregateFn::Min | AggregateFn::Max
    );
    match (&agg.field, needs_field) {
        (None, false) => Ok(None),
        (None, true) => Err(c.report(
            Diagnostic::new(
                Code::WrongArgumentCount,
                span,
                format!("`{name}` needs a field to aggregate"),
            )
            .with_help(format!(
                "name one, e.g. `{name}({}.amount)`",
                agg.table.name
            )),
        )),
        (Some(field), false) => Err(c.report(
            Diagnostic::new(
                Code::WrongArgumentCount,
                field.span,
                format!("`{name}` takes an event table, not a field"),
            )
            .with_help(format!("write `{name}({})`", agg.table.name)),
        )),
        (Some(field), true) => numeric_field(c, table, field, name).map(Some),
    }
}

fn numeric_field(
    c: &mut Checker,
    table: EventsId,
    field: &ast::Ident,
    name: &str,
) -> Result<EventFieldId, Reported> {
    let id = lookup_field(c, table, field)?;
    let ty = field_type(c, table, id);
    if ty.is_numeric() {
        return Ok(id);
    }
    Err(c.mismatch(
        field.span,
        format!(
            "`{name}` works on numbers, not on `{}` ({})",
            field.name,
            ty.describe()
        ),
        None,
    ))
}

/// An event field by name, or `unknown_field` with a suggestion from the table.
fn lookup_field(
    c: &mut Checker,
    table: EventsId,
    ident: &ast::Ident,
) -> Result<EventFieldId, Reported> {
    let Some(events) = c.scope.event_table(table) else {
        return Err(Reported);
    };
    if let Some(i) = events.fields.iter().position(|f| f.name == ident.name) {
        return Ok(EventFieldId(u32::try_from(i).unwrap_or(u32::MAX)));
    }
    let help = did_you_mean(&ident.name, events.fields.iter().map(|f| f.name.as_str()));
    let message = format!(
        "unknown field `{}` in event table `{}`",
        ident.name, events.name
    );
    Err(c.report(Diagnostic::new(Code::UnknownField, ident.span, message).with_help_opt(help)))
}

fn field_type(c: &Checker, table: EventsId, id: EventFieldId) -> Type {
    c.scope
        .event_table(table)
        .and_then(|t| t.fields.get(id.0 as usize))
        .map_or(Type::Int, |f| f.ty.clone())
}

/// A name inside an aggregate's `where`: a field of the event table. Customer fields,
/// segments and tiers are `aggregate_uses_customer_field`.
pub(super) fn event_field(c: &mut Checker, table: EventsId, ident: &ast::Ident) -> Checked {
    let own = c
        .scope
        .event_table(table)
        .is_some_and(|t| t.fields.iter().any(|f| f.name == ident.name));
    if !own && c.scope.lookup(&ident.name).is_some() {
        let table_name = c.scope.event_table(table).map_or("", |t| t.name.as_str());
        return Err(c.report(
            Diagnostic::new(
                Code::AggregateUsesCustomerField,
                ident.span,
                format!(
                    "`{}` is not a field of `{table_name}`; an aggregate's `where` may use only the event's own fields",
                    ident.name
                ),
            )
            .with_help(format!("move the condition on `{}` out of the aggregate", ident.name)),
        ));
    }
    let id = lookup_field(c, table, ident)?;
    Ok(ir::Expr {
        kind: ir::ExprKind::EventField(id),
        ty: field_type(c, table, id),
        span: ident.span,
    })
}

/// The `where` of an aggregate, checked with names bound to the event table.
fn filter(
    c: &mut Checker,
    agg: &ast::Aggregate,
    table: EventsId,
) -> Result<Option<ir::Expr>, Reported> {
    let Some(filter) = &agg.filter else {
        return Ok(None);
    };
    let outer = c.events.replace(table);
    let checked = c.criterion(filter);
    c.events = outer;
    checked.map(Some)
}

/// `within last|next N unit` on the event time.
fn window(
    c: &mut Checker,
    agg: &ast::Aggregate,
) -> Result<Option<(ast::Direction, ir::Duration)>, Reported> {
    let Some(window) = &agg.window else {
        return Ok(None);
    };
    let future = predicates::future_window(c, window.direction, window.span);
    let duration = literals::duration(&window.duration, c.out)?;
    future?;
    Ok(Some((window.direction, duration)))
}

/// count → int, sum → the field's type, avg → float, min/max → the field's type,
/// first/last → the time column's type, exists → bool.
fn result_type(
    c: &Checker,
    function: AggregateFn,
    table: EventsId,
    field: Option<EventFieldId>,
) -> Type {
    let field_ty = || field.map_or(Type::Float, |id| field_type(c, table, id));
    match function {
        AggregateFn::Count => Type::Int,
        AggregateFn::Sum | AggregateFn::Min | AggregateFn::Max => field_ty(),
        AggregateFn::Avg => Type::Float,
        AggregateFn::First | AggregateFn::Last => {
            let time = c
                .scope
                .event_table(table)
                .map_or(EventFieldId(0), |t| t.time);
            field_type(c, table, time)
        }
        AggregateFn::Exists => Type::Bool,
    }
}
