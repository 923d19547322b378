//! `segmint explain NAME --data FILE [--customer KEY] [--format human|json]`: the
//! criteria funnel of a segment over the data, or one customer's trace through it
//! ([`crate::funnel`] does the work; this module runs it and prints).

use std::io::Write;

use serde::Serialize;

use super::input::{Input, execute};
use super::output::{Table, percent};
use super::{Context, ExitStatus, RunError};
use crate::check::ir::Program;
use crate::funnel::{Funnel, FunnelCounter, Probe, Trace, TraceFinder};
use crate::project::Config;
use crate::run::{Run, Selection};
use crate::source::Sources;

/// `--format` of `explain` with data.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ExplainFormat {
    /// Aligned text.
    Human,
    /// One JSON object.
    Json,
}

/// What `explain` was asked about the data.
pub struct Asked<'a> {
    /// The segment.
    pub name: &'a str,
    /// `--customer KEY`.
    pub customer: Option<&'a str>,
    /// `--format`.
    pub format: ExplainFormat,
}

/// Runs the funnel or the trace of `asked.name` over the data of `input`.
pub fn run(
    program: &Program,
    sources: &Sources,
    config: &Config,
    input: &Input,
    asked: &Asked<'_>,
    context: &mut Context<'_>,
) -> Result<ExitStatus, RunError> {
    let Some(probe) = Probe::new(program, asked.name) else {
        let kind = if program.tiers.iter().any(|t| t.name == asked.name) {
            "is a tiers block; `--data` and `--customer` explain segments"
        } else {
            "is not a segment"
        };
        return Err(RunError::Usage(format!("`{}` {kind}", asked.name)));
    };
    let mut options = input.options(&probe.program, config, Selection::Named(probe.outputs()))?;
    options.carry = probe.carry();
    options.measures = probe.measures();
    let run = Run::open(&probe.program, &options)?;
    let as_of = run.plan.as_of();
    let text = |span: crate::source::Span| -> String {
        sources
            .get(span.file)
            .map(|f| f.slice(span))
            .unwrap_or("")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    match asked.customer {
        None => {
            let mut counter = FunnelCounter::new(&probe);
            execute(&run, context, &mut |batch| counter.add(&batch))?;
            let funnel = counter.finish(&text);
            match asked.format {
                ExplainFormat::Human => write_funnel(&funnel, as_of, context.stdout)?,
                ExplainFormat::Json => write_json(
                    &Dated {
                        as_of: as_of.to_string(),
                        report: &funnel,
                    },
                    context,
                )?,
            }
            Ok(ExitStatus::Success)
        }
        Some(key) => {
            let mut finder = TraceFinder::new(&probe, key, as_of);
            execute(&run, context, &mut |batch| finder.add(&batch))?;
            let Some(trace) = finder.finish(&text) else {
                return Err(RunError::Usage(format!(
                    "no customer with key `{key}` in {}",
                    super::shown(run.data.path())
                )));
            };
            if trace.duplicates > 0 {
                writeln!(
                    context.stderr,
                    "warning: {} more rows have the key `{key}`; the first is shown",
                    trace.duplicates
                )?;
            }
            match asked.format {
                ExplainFormat::Human => write_trace(&trace, as_of, context.stdout)?,
                ExplainFormat::Json => write_json(
                    &Dated {
                        as_of: as_of.to_string(),
                        report: &trace,
                    },
                    context,
                )?,
            }
            Ok(ExitStatus::Success)
        }
    }
}

/// A report with the date it was measured at.
#[derive(Serialize)]
struct Dated<'a, T: Serialize> {
    as_of: String,
    #[serde(flatten)]
    report: &'a T,
}

fn write_json<T: Serialize>(value: &T, context: &mut Context<'_>) -> Result<(), RunError> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| RunError::Usage(format!("cannot write JSON: {e}")))?;
    writeln!(context.stdout, "{text}")?;
    Ok(())
}

fn write_funnel(
    funnel: &Funnel,
    as_of: chrono::NaiveDate,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    writeln!(
        out,
        "segment {}: {} of {} customers ({}) as of {as_of}",
        funnel.segment,
        funnel.members,
        funnel.customers,
        percent(funnel.members, funnel.customers)
    )?;
    writeln!(out)?;
    let mut table = Table::new(["criterion", "alone", "removes", "remain"]);
    for (i, step) in funnel.steps.iter().enumerate() {
        table.row([
            format!("{}. {}", i + 1, step.criterion),
            format!("{} ({})", step.alone, percent(step.alone, funnel.customers)),
            step.removes.to_string(),
            format!(
                "{} ({})",
                step.remain,
                percent(step.remain, funnel.customers)
            ),
        ]);
    }
    table.write_text(out)?;
    writeln!(out)?;
    writeln!(
        out,
        "alone: customers the criterion holds for by itself; remain: those every criterion up to it holds for; removes: those it leaves out of the previous row's remain"
    )
}

fn write_trace(
    trace: &Trace,
    as_of: chrono::NaiveDate,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let verdict = if trace.member { "is in" } else { "is not in" };
    writeln!(
        out,
        "customer {} {verdict} {} (as of {as_of})",
        trace.customer, trace.segment
    )?;
    let failing: Vec<usize> = trace
        .criteria
        .iter()
        .enumerate()
        .filter(|(_, c)| !c.holds)
        .map(|(i, _)| i + 1)
        .collect();
    if !failing.is_empty() {
        let list: Vec<String> = failing.iter().map(|i| format!("{i}")).collect();
        let noun = if failing.len() == 1 {
            "criterion"
        } else {
            "criteria"
        };
        writeln!(out, "not met: {noun} {}", list.join(", "))?;
    }
    writeln!(out)?;
    for (i, criterion) in trace.criteria.iter().enumerate() {
        let mark = if criterion.holds { "yes" } else { "no " };
        writeln!(out, "{mark} {}. {}", i + 1, criterion.criterion)?;
        for value in &criterion.values {
            writeln!(out, "      {} = {}", value.expression, value.value)?;
        }
    }
    Ok(())
}
