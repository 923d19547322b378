//! `segmint explain NAME [PATHS] [--plan]`: a segment's (or tiers block's) criteria
//! count and its condition in plain words, with every relative date and window
//! resolved at the as-of date; with `--plan`, also its checked expression as a
//! tree and the compiled engine plan.
//!
//! The tree shows one node per line, indented by depth; values carry their type
//! (`field orders_count: int`), criteria do not (they are all `bool`).

use std::fmt::{self, Write as _};
use std::path::PathBuf;

use chrono::NaiveDate;

use super::funnel::{self, Asked, ExplainFormat};
use super::words::Words;
use super::{Context, ExitStatus, RunError};
use crate::check::ir::{
    Aggregate, DateTarget, Derived, EventsId, Expr, ExprKind, Literal, Program, TierBlock, TierId,
};
use crate::diagnostic::did_you_mean_far;
use crate::lint::count_criteria;
use crate::plan::{self, PlanOptions};
use crate::project::{self, Config};
use crate::run::Selection;

/// Arguments of `segmint explain`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The segment or tiers block to explain.
    name: String,
    /// Segment files or folders (default: `segments` from segmint.toml, else ./segments).
    paths: Vec<PathBuf>,
    /// The data file, and the date relative dates are resolved against (default:
    /// as_of from segmint.toml, else today in UTC). With `--data`, shows the
    /// segment's criteria funnel over it.
    #[command(flatten)]
    input: super::input::Input,
    /// One customer's trace through the segment, by key (reads `--data`, else
    /// `data` from segmint.toml).
    #[arg(long, value_name = "KEY")]
    customer: Option<String>,
    /// How to print the funnel or the trace.
    #[arg(long, value_enum, default_value_t = ExplainFormat::Human)]
    format: ExplainFormat,
    /// Also show the checked expression tree and the engine's plan.
    #[arg(long)]
    plan: bool,
}

/// Runs `segmint explain`.
pub fn run(args: Args, context: &mut Context<'_>) -> Result<ExitStatus, RunError> {
    // a file of the project is explained with the rest of the project around it
    let config = Config::discover(&context.cwd)?;
    let compiled = project::compile_in_project(&args.paths, &config)?;
    let sources = compiled.sources.clone();
    let Some(program) = super::program_or_report(compiled, context)? else {
        return Ok(ExitStatus::Failure);
    };
    if args.input.data.is_some() || args.customer.is_some() {
        let asked = Asked {
            name: &args.name,
            customer: args.customer.as_deref(),
            format: args.format,
        };
        return funnel::run(&program, &sources, &config, &args.input, &asked, context);
    }
    let as_of = super::as_of(args.input.as_of, &config);
    let text = describe(&program, &args.name, as_of, args.plan)?;
    write!(context.stdout, "{text}")?;
    if !args.plan {
        return Ok(ExitStatus::Success);
    }
    // Only the explained item and what it refers to: other tiers blocks would
    // bury it. The tiers blocks it refers to are shown as outputs.
    let root = match program.segment_named(&args.name) {
        Some(id) => Derived::Segment(id),
        None => match program.tiers.iter().position(|t| t.name == args.name) {
            Some(i) => Derived::Tiers(TierId(i as u32)),
            None => return Ok(ExitStatus::Success),
        },
    };
    let options = PlanOptions {
        segments: Selection::around(&program, root).names(),
        ..PlanOptions::new(as_of)
    };
    let compiled_plan = plan::compile(&program, &options)?;
    write!(context.stdout, "\nplan:\n{compiled_plan}")?;
    Ok(ExitStatus::Success)
}

/// The header and the plain words (with `plan`, also the tree) of the named
/// segment or tiers block.
pub(crate) fn describe(
    program: &Program,
    name: &str,
    as_of: NaiveDate,
    plan: bool,
) -> Result<String, RunError> {
    let mut out = String::new();
    let words = Words { program, as_of };
    let written = if let Some(id) = program.segment_named(name) {
        let segment = program.segment(id);
        let count = count_criteria(&segment.condition);
        let paused = if segment.paused { " (paused)" } else { "" };
        let mut lines = Vec::new();
        words.lines(&segment.condition, "  ", &mut lines);
        writeln!(out, "segment {name}{paused}: {}", criteria(count))
            .and_then(|()| writeln!(out, "as of {as_of}, a customer is a member when"))
            .and_then(|()| lines.iter().try_for_each(|l| writeln!(out, "{l}")))
            .and_then(|()| match plan {
                true => writeln!(out, "\nwhere")
                    .and_then(|()| tree(&mut out, program, &segment.condition, 1, None)),
                false => Ok(()),
            })
    } else if let Some(block) = program.tiers.iter().find(|t| t.name == name) {
        describe_tiers(&mut out, &words, block, plan)
    } else {
        let names = program.segments.iter().map(|s| s.name.as_str());
        let names = names.chain(program.tiers.iter().map(|t| t.name.as_str()));
        let help = did_you_mean_far(name, names)
            .map(|h| format!("; {h}"))
            .unwrap_or_default();
        return Err(RunError::Usage(format!(
            "no segment or tiers block named `{name}`{help}"
        )));
    };
    written.map_err(|_| RunError::Usage("cannot format the expression".into()))?;
    Ok(out)
}

fn describe_tiers(
    out: &mut String,
    words: &Words<'_>,
    block: &TierBlock,
    plan: bool,
) -> fmt::Result {
    writeln!(
        out,
        "tiers {}: {} tiers, the first that holds wins (as of {})",
        block.name,
        block.tiers.len(),
        words.as_of
    )?;
    for tier in &block.tiers {
        match &tier.condition {
            Some(condition) => {
                writeln!(out, "{}: when", tier.name)?;
                let mut lines = Vec::new();
                words.lines(condition, "  ", &mut lines);
                lines.iter().try_for_each(|l| writeln!(out, "{l}"))?;
            }
            None => writeln!(out, "{}: everyone else", tier.name)?,
        }
    }
    if plan {
        writeln!(out, "\ntree:")?;
        tree_of_tiers(out, words.program, block)?;
    }
    Ok(())
}

fn tree_of_tiers(out: &mut String, program: &Program, block: &TierBlock) -> fmt::Result {
    for tier in &block.tiers {
        match &tier.condition {
            Some(condition) => {
                writeln!(
                    out,
                    "{}: {}",
                    tier.name,
                    criteria(count_criteria(condition))
                )?;
                tree(out, program, condition, 1, None)?;
            }
            None => writeln!(out, "{}: otherwise", tier.name)?,
        }
    }
    Ok(())
}

fn criteria(count: usize) -> String {
    if count == 1 {
        "1 criterion".into()
    } else {
        format!("{count} criteria")
    }
}

/// Writes `expr` and its children, one per line, indented two spaces per level.
/// `table` is the event table whose fields `ExprKind::EventField` refers to.
fn tree(
    out: &mut String,
    program: &Program,
    expr: &Expr,
    depth: usize,
    table: Option<EventsId>,
) -> fmt::Result {
    let indent = "  ".repeat(depth);
    let label = node_label(program, expr, table);
    if expr.ty == crate::check::ir::Type::Bool {
        writeln!(out, "{indent}{label}")?;
    } else {
        writeln!(out, "{indent}{label}: {}", expr.ty.describe())?;
    }
    let inner_table = match &expr.kind {
        ExprKind::Aggregate(aggregate) => Some(aggregate.table),
        _ => table,
    };
    for child in expr.children() {
        tree(out, program, child, depth + 1, inner_table)?;
    }
    Ok(())
}

/// One node's line, without its children.
fn node_label(program: &Program, expr: &Expr, table: Option<EventsId>) -> String {
    match &expr.kind {
        ExprKind::Or(_) => "or".into(),
        ExprKind::And(_) => "and".into(),
        ExprKind::Not(_) => "not".into(),
        ExprKind::Compare { op, .. } => format!("compare {}", op.as_str()),
        ExprKind::InList { items, negated, .. } => {
            format!("{} [{}]", not("in", *negated), literals(items))
        }
        ExprKind::Between { negated, .. } => not("between", *negated),
        ExprKind::IsMissing { negated, .. } => {
            if *negated { "is present" } else { "is missing" }.into()
        }
        ExprKind::StringTest { op, pattern, .. } => format!("{} {pattern:?}", op.as_str()),
        ExprKind::Has { all, items, .. } => format!(
            "{} [{}]",
            if *all { "has all" } else { "has any" },
            literals(items)
        ),
        ExprKind::IsEmpty { negated, .. } => {
            if *negated { "is not empty" } else { "is empty" }.into()
        }
        ExprKind::Within {
            direction,
            duration,
            ..
        } => format!("within {} {}", direction.as_str(), duration),
        ExprKind::DateCompare { before, target, .. } => {
            format!(
                "{} {}",
                if *before { "before" } else { "after" },
                target_text(target)
            )
        }
        ExprKind::Percentile { side, fraction, .. } => {
            format!("in {} {}%", side.as_str(), fraction * 100.0)
        }
        ExprKind::SegmentRef(id) => format!("segment {}", program.segment(*id).name),
        ExprKind::Field(id) => format!("field {}", program.schema.field(*id).name),
        ExprKind::TierRef(id) => format!("tiers {}", program.tier_block(*id).name),
        ExprKind::Literal(literal) => format!("literal {literal}"),
        ExprKind::Arith { op, .. } => format!("arithmetic {}", op.as_str()),
        ExprKind::Neg(_) => "negate".into(),
        ExprKind::Call { function, .. } => function.as_str().into(),
        ExprKind::Rank { score, .. } => score.as_str().into(),
        ExprKind::DateOf(_) => "date of".into(),
        ExprKind::ToFloat(_) => "to float".into(),
        ExprKind::Aggregate(aggregate) => aggregate_text(program, aggregate),
        ExprKind::EventField(id) => {
            let name = table
                .and_then(|t| program.events.get(t.0 as usize))
                .and_then(|t| t.fields.get(id.0 as usize))
                .map_or("?", |f| f.name.as_str());
            format!("event field {name}")
        }
    }
}

fn not(word: &str, negated: bool) -> String {
    if negated {
        format!("not {word}")
    } else {
        word.into()
    }
}

fn literals(items: &[Literal]) -> String {
    items
        .iter()
        .map(Literal::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

fn target_text(target: &DateTarget) -> String {
    match target {
        DateTarget::Date(date) => date.to_string(),
        DateTarget::Timestamp(micros) => crate::check::ir::format_timestamp(*micros),
        DateTarget::Ago(duration) => format!("{} ago", duration),
    }
}

fn aggregate_text(program: &Program, aggregate: &Aggregate) -> String {
    let source = program.aggregate_source(aggregate);
    let window = aggregate
        .window
        .map(|(direction, duration)| format!(" within {} {}", direction.as_str(), duration))
        .unwrap_or_default();
    let filter = if aggregate.filter.is_some() {
        " where"
    } else {
        ""
    };
    format!("{}({source}{window}){filter}", aggregate.function.as_str())
}
