//! AST files → [`ir::Program`].
//!
//! Resolves names (fields, segments, tiers, event tables), checks types, validates
//! literal values, orders segments and tiers by dependency and rejects cycles.
//! Everything found goes to the diagnostics sink; a program is returned only when
//! there are no errors. Warnings (lints) are not this phase's business: they run over
//! the returned program.
//!
//! The steps, one module each: `schema` picks and lowers the one schema; `names`
//! builds the shared namespace and reports duplicates; `events` declares event tables;
//! `items` declares and then checks segments and tiers blocks, using `expr` (with
//! `predicates`, `unify`, `values`, `functions`, `aggregate`, `types`, `literals`) for conditions
//! and `expect` for `expect` lines; `order` sorts by dependency.

mod aggregate;
mod events;
mod expect;
mod expr;
mod functions;
pub mod ir;
mod items;
mod literals;
mod names;
mod order;
mod predicates;
mod schema;
mod show;
mod types;
mod unify;
mod values;

use crate::diagnostic::Diagnostics;
use crate::syntax::ast;

/// The deepest expression nesting the checker accepts; deeper input is reported as
/// `too_deeply_nested`. Every later phase may therefore walk an `ir::Expr` recursively:
/// its depth is at most about twice this (conversions such as `ToFloat` add a level).
/// Kept low so that debug builds on 2 MB test-thread stacks are safe as well.
pub const MAX_NESTING: usize = 128;

/// Marker for "the problem was reported already": callers stop checking what depends on
/// the failed part but go on with its siblings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Reported;

/// Checks all files of a run together (they share one namespace). Returns the program
/// only when no error was reported (by this phase or earlier ones into `diagnostics`).
pub fn check(files: &[ast::File], diagnostics: &mut Diagnostics) -> Option<ir::Program> {
    let mut found = Diagnostics::new();
    let program = run(files, &mut found);
    diagnostics.extend(found);
    if diagnostics.has_errors() {
        None
    } else {
        program
    }
}

fn run(files: &[ast::File], out: &mut Diagnostics) -> Option<ir::Program> {
    let schema_ast = schema::pick(files, out)?;
    let schema = schema::lower(schema_ast, out);
    let accepted = names::first_definitions(files, Some(schema_ast), out);
    let mut scope = names::Scope::new(schema);
    events::declare(files, &mut scope, out);
    let decls = items::declare(files, &accepted, &mut scope, out);
    let checked = items::check_all(&decls, &scope, out);
    let order = order::order(&checked.nodes, out).ok()?;
    if !checked.ok {
        return None;
    }
    Some(ir::Program {
        schema: scope.schema,
        events: scope.events,
        segments: checked.segments,
        tiers: checked.tiers,
        order,
    })
}
