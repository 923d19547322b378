//! `events` blocks → [`ir::EventTable`]: unique table names, a time column of type
//! `date` or `timestamp`, unique column names, and a key whose written type (if any)
//! equals the customer key's type.

use std::collections::HashMap;

use super::ir::{self, EventFieldId};
use super::names::{self, Scope};
use super::schema;
use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::source::Span;
use crate::syntax::ast;

/// Lowers every `events` block of the run into the scope, in source order.
pub(super) fn declare(files: &[ast::File], scope: &mut Scope, out: &mut Diagnostics) {
    let mut first: HashMap<&str, Span> = HashMap::new();
    for events in files
        .iter()
        .flat_map(|f| &f.items)
        .filter_map(|item| match item {
            ast::Item::Events(e) => Some(e),
            _ => None,
        })
    {
        if let Some(span) = first.get(events.name.name.as_str()) {
            names::duplicate_in(
                out,
                "event table",
                &events.name.name,
                events.name.span,
                *span,
            );
            continue;
        }
        first.insert(&events.name.name, events.name.span);
        match lower(events, scope, out) {
            Some(table) => {
                scope.add_events(table);
            }
            None => scope.add_broken_events(&events.name.name),
        }
    }
}

/// One block; `None` when the parser already reported a missing `key` or `time`.
fn lower(events: &ast::Events, scope: &Scope, out: &mut Diagnostics) -> Option<ir::EventTable> {
    let key = events.key.as_ref()?;
    let time = events.time.as_ref()?;
    check_key(events, key, scope, out);
    let time_field = schema::lower_field(time, out);
    if !time_field.ty.is_temporal() {
        out.push(
            Diagnostic::new(
                Code::TypeMismatch,
                time.ty.span,
                format!(
                    "the time column `{}` of `{}` is {}",
                    time.name.name,
                    events.name.name,
                    time_field.ty.describe()
                ),
            )
            .with_help(
                "the time column places an event in history: make it a `date` or a `timestamp`",
            ),
        );
    }
    let mut first: HashMap<&str, Span> = HashMap::new();
    first.insert(&key.name.name, key.name.span);
    first.insert(&time.name.name, time.name.span);
    let mut fields = vec![time_field];
    for decl in &events.fields {
        if let Some(span) = first.get(decl.name.name.as_str()) {
            names::duplicate_in(out, "field", &decl.name.name, decl.name.span, *span);
            continue;
        }
        first.insert(&decl.name.name, decl.name.span);
        fields.push(schema::lower_field(decl, out));
    }
    Some(ir::EventTable {
        name: events.name.name.clone(),
        key: key.name.name.clone(),
        time: EventFieldId(0),
        fields,
        span: events.span,
    })
}

/// A written key type must equal the customer key's type.
fn check_key(events: &ast::Events, key: &ast::EventKey, scope: &Scope, out: &mut Diagnostics) {
    let Some(written) = &key.ty else { return };
    let ty = schema::lower_type(written, out);
    let Some(customer_key) = scope.field(scope.schema.key) else {
        return;
    };
    if ty != customer_key.ty {
        out.push(
            Diagnostic::new(
                Code::EventKeyMismatch,
                written.span,
                format!(
                    "the key `{}` of `{}` is {}, but the customer key `{}` is {}",
                    key.name.name,
                    events.name.name,
                    ty.describe(),
                    customer_key.name,
                    customer_key.ty.describe()
                ),
            )
            .with_secondary(customer_key.span, "customer key declared here")
            .with_help(format!(
                "declare it as `key {}: {}`",
                key.name.name,
                customer_key.ty.describe()
            )),
        );
    }
}
