//! The `schema` block → [`ir::Schema`]: exactly one per run, exactly one `key`
//! (of type `string` or `int`, never nullable), unique field names, valid types.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use super::ir::{self, FieldId, Type};
use super::names;
use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::source::Span;
use crate::syntax::ast;

/// Picks the run's one schema: `missing_schema` when there is none, `duplicate_schema`
/// (both places) for every further one.
pub(super) fn pick<'a>(files: &'a [ast::File], out: &mut Diagnostics) -> Option<&'a ast::Schema> {
    let mut schemas = files
        .iter()
        .flat_map(|f| &f.items)
        .filter_map(|item| match item {
            ast::Item::Schema(s) => Some(s),
            _ => None,
        });
    let Some(first) = schemas.next() else {
        let span = files
            .first()
            .map_or(Span::default(), |f| Span::new(f.file, 0, 0));
        out.push(
            Diagnostic::new(Code::MissingSchema, span, "no `schema` block in these files")
                .with_help("declare the customer table once, e.g. `schema customers { key customer_id: string }`"),
        );
        return None;
    };
    for again in schemas {
        out.push(
            Diagnostic::new(
                Code::DuplicateSchema,
                again.name.span,
                format!(
                    "a second schema `{}`; a run has exactly one",
                    again.name.name
                ),
            )
            .with_label("second schema")
            .with_secondary(first.name.span, "first schema here")
            .with_help(
                "keep one `schema` block for the customer table; declare other tables as `events`",
            ),
        );
    }
    Some(first)
}

/// Lowers the schema block. Fields keep declaration order; a duplicate field is left out.
pub(super) fn lower(schema: &ast::Schema, out: &mut Diagnostics) -> ir::Schema {
    let mut fields = Vec::new();
    let mut seen: HashSet<&str> = HashSet::new();
    let mut key: Option<(FieldId, &ast::FieldDecl)> = None;
    for decl in &schema.fields {
        // A repeated field is reported by `names::first_definitions` (with every other
        // duplicate of the shared namespace); here it is only left out.
        if !seen.insert(decl.name.name.as_str()) {
            continue;
        }
        let field = lower_field(decl, out);
        let id = FieldId(u32::try_from(fields.len()).unwrap_or(u32::MAX));
        if decl.key.is_some() {
            key = pick_key(key, (id, decl), &field, out);
        }
        fields.push(field);
    }
    let key = match key {
        Some((id, _)) => id,
        None => {
            no_key(schema, out);
            FieldId(0)
        }
    };
    ir::Schema {
        name: schema.name.name.clone(),
        key,
        fields,
        span: schema.span,
    }
}

/// Keeps the first `key`; reports a second one and keys of the wrong type.
fn pick_key<'a>(
    current: Option<(FieldId, &'a ast::FieldDecl)>,
    candidate: (FieldId, &'a ast::FieldDecl),
    field: &ir::Field,
    out: &mut Diagnostics,
) -> Option<(FieldId, &'a ast::FieldDecl)> {
    let (_, decl) = candidate;
    let key_span = decl.key.unwrap_or(decl.name.span);
    if let Some((_, first)) = current {
        out.push(
            Diagnostic::new(
                Code::InvalidKey,
                key_span,
                format!("a second key `{}`", decl.name.name),
            )
            .with_secondary(first.key.unwrap_or(first.name.span), "first key here")
            .with_help("a customer is identified by exactly one `key` field"),
        );
        return current;
    }
    if field.nullable {
        out.push(
            Diagnostic::new(
                Code::InvalidKey,
                decl.ty.span,
                format!("the key `{}` may not be missing", decl.name.name),
            )
            .with_help("remove the `?`: every customer needs a key"),
        );
    }
    if !matches!(field.ty, Type::String | Type::Int) {
        out.push(
            Diagnostic::new(
                Code::InvalidKey,
                decl.ty.span,
                format!(
                    "the key `{}` has type {}",
                    decl.name.name,
                    field.ty.describe()
                ),
            )
            .with_help("a key is a `string` or an `int`"),
        );
    }
    Some(candidate)
}

fn no_key(schema: &ast::Schema, out: &mut Diagnostics) {
    out.push(
        Diagnostic::new(
            Code::InvalidKey,
            schema.name.span,
            format!("schema `{}` has no key", schema.name.name),
        )
        .with_help("mark the field that identifies a customer, e.g. `key customer_id: string`"),
    );
}

/// One field declaration.
pub(super) fn lower_field(decl: &ast::FieldDecl, out: &mut Diagnostics) -> ir::Field {
    ir::Field {
        name: decl.name.name.clone(),
        ty: lower_type(&decl.ty, out),
        nullable: decl.ty.nullable,
        doc: decl.doc.as_ref().map(|d| d.text.clone()),
        span: decl.name.span,
    }
}

/// A type as written → [`Type`]. Lists hold `string` or `int`; enum values are unique.
/// An unsupported type is reported and read as `string` so checking can go on.
pub(super) fn lower_type(ty: &ast::TypeExpr, out: &mut Diagnostics) -> Type {
    match &ty.kind {
        ast::TypeKind::Bool => Type::Bool,
        ast::TypeKind::Int => Type::Int,
        ast::TypeKind::Float => Type::Float,
        ast::TypeKind::String => Type::String,
        ast::TypeKind::Date => Type::Date,
        ast::TypeKind::Timestamp => Type::Timestamp,
        ast::TypeKind::Enum(values) => lower_enum(values, out),
        ast::TypeKind::List(element) => lower_list(element, out),
    }
}

fn lower_list(element: &ast::TypeExpr, out: &mut Diagnostics) -> Type {
    match (&element.kind, element.nullable) {
        (ast::TypeKind::String, false) => Type::ListString,
        (ast::TypeKind::Int, false) => Type::ListInt,
        _ => {
            out.push(
                Diagnostic::new(Code::TypeMismatch, element.span, "lists hold `string` or `int` values")
                    .with_help("write `list<string>` or `list<int>`; put `?` after the list to allow a missing list"),
            );
            Type::ListString
        }
    }
}

fn lower_enum(values: &[ast::StringLit], out: &mut Diagnostics) -> Type {
    let mut first: HashMap<&str, Span> = HashMap::new();
    let mut kept = Vec::new();
    for value in values {
        match first.get(value.value.as_str()) {
            Some(span) => names::duplicate_in(out, "enum value", &value.value, value.span, *span),
            None => {
                first.insert(&value.value, value.span);
                kept.push(value.value.clone());
            }
        }
    }
    Type::Enum(Arc::from(kept))
}
