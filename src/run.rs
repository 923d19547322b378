//! One run over data: takes a checked program and [`Options`] (what to select,
//! the as-of date, the data and event files), gives membership batches to a sink.
//!
//! This is the library entry point every data command uses (`eval`, `stats`,
//! `test`, `diff`, `backtest`; `explain` uses [`Selection`] alone): open the
//! customer file and the event files the plan reads ([`Run::open`]), compute the
//! population pre-pass, evaluate, and collect the warnings the files and the
//! population gave ([`Run::execute`]). It never prints: progress goes to an
//! observer, warnings come back as sentences. See the crate documentation for an example.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use arrow::record_batch::RecordBatch;
use chrono::NaiveDate;

use crate::check::ir::{Derived, Expr, FieldId, Program, TierId};
use crate::data::{BatchSource, DataError, DataFile};
use crate::eval::{self, EvalError, Summary};
use crate::plan::{self, Plan, PlanError, PlanOptions};

/// Which segments and tiers blocks a run outputs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Selection {
    /// Every segment that is not paused, and every tiers block.
    #[default]
    Default,
    /// Exactly the segments and tiers blocks named (a paused segment too, when
    /// named), in program order; the segments they refer to are evaluated but not
    /// output. An unknown name is an error ([`PlanError::UnknownSegment`]).
    Named(Vec<String>),
}

impl Selection {
    /// `names`, or [`Selection::Default`] when there are none (`--segment` not given).
    pub fn named_or_default(names: &[String]) -> Selection {
        if names.is_empty() {
            Selection::Default
        } else {
            Selection::Named(names.to_vec())
        }
    }

    /// Every segment, paused ones too, and no tiers block (what `segmint test` measures).
    pub fn every_segment(program: &Program) -> Selection {
        Selection::Named(program.segments.iter().map(|s| s.name.clone()).collect())
    }

    /// `root` and every tiers block it refers to, directly or through other
    /// segments (what `segmint explain --plan` shows).
    pub fn around(program: &Program, root: Derived) -> Selection {
        let tiers = tiers_needed(program, root);
        let name = match root {
            Derived::Segment(id) => program.segment(id).name.clone(),
            Derived::Tiers(id) => program.tier_block(id).name.clone(),
        };
        let mut names = vec![name];
        names.extend(tiers.iter().map(|id| program.tier_block(*id).name.clone()));
        names.dedup();
        Selection::Named(names)
    }

    /// The names selected; `None` for the default.
    pub fn names(&self) -> Option<Vec<String>> {
        match self {
            Selection::Default => None,
            Selection::Named(names) => Some(names.clone()),
        }
    }
}

/// The tiers blocks `root` needs (itself included, when it is one), found by
/// following references through segments and tiers blocks.
fn tiers_needed(program: &Program, root: Derived) -> BTreeSet<TierId> {
    let mut segments = BTreeSet::new();
    let mut tiers = BTreeSet::new();
    let mut pending = vec![root];
    while let Some(item) = pending.pop() {
        let fresh = match item {
            Derived::Segment(id) => segments.insert(id),
            Derived::Tiers(id) => tiers.insert(id),
        };
        if fresh {
            for condition in program.conditions(item) {
                pending.extend(condition.references());
            }
        }
    }
    tiers
}

/// What a run reads and outputs.
#[derive(Clone, Debug)]
pub struct Options {
    /// Relative dates count from this day.
    pub as_of: NaiveDate,
    /// The outputs.
    pub select: Selection,
    /// Fields copied into the membership batches after the outputs.
    pub carry: Vec<FieldId>,
    /// Per-customer numbers computed after them (`expect lift(…)`).
    pub measures: Vec<Expr>,
    /// Read the key column (false: it comes out all missing; for callers that
    /// only count, as the key is among the most expensive columns to decode).
    pub key: bool,
    /// The customer table.
    pub data: PathBuf,
    /// A file per event table, by name; only those the plan reads are opened.
    pub events: BTreeMap<String, PathBuf>,
}

impl Options {
    /// Every non-paused segment and tiers block of `data` at `as_of`, with keys.
    pub fn new(as_of: NaiveDate, data: PathBuf) -> Options {
        Options {
            as_of,
            select: Selection::Default,
            carry: Vec::new(),
            measures: Vec::new(),
            key: true,
            data,
            events: BTreeMap::new(),
        }
    }

    /// These outputs.
    pub fn select(self, select: Selection) -> Options {
        Options { select, ..self }
    }

    /// These event files (by table name).
    pub fn with_events(self, events: BTreeMap<String, PathBuf>) -> Options {
        Options { events, ..self }
    }

    /// The options of the plan alone.
    pub fn plan_options(&self) -> PlanOptions {
        PlanOptions {
            as_of: self.as_of,
            segments: self.select.names(),
            carry: self.carry.clone(),
            measures: self.measures.clone(),
        }
    }
}

/// Why a run could not go on (a command's exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// A data file is unreadable or does not fit the schema.
    #[error(transparent)]
    Data(#[from] DataError),
    /// The program could not be compiled (e.g. an unknown selected name).
    #[error(transparent)]
    Plan(#[from] PlanError),
    /// Evaluation stopped.
    #[error(transparent)]
    Eval(#[from] EvalError),
    /// A file was given for an event table the segments do not declare.
    #[error("--events {name}=…: no events table `{name}` in the segments{}", help.as_deref().map(|h| format!("; {h}")).unwrap_or_default())]
    UnknownEvents {
        /// The name given.
        name: String,
        /// A "did you mean" suggestion.
        help: Option<String>,
    },
    /// The plan reads an event table no file was given for.
    #[error(
        "the segments use events table `{0}` but no file was given: pass `--events {0}=FILE` or set `{0}` under [events] in segmint.toml"
    )]
    NoEventsFile(String),
}

/// What [`Run::execute`] reports as it goes.
#[derive(Clone, Copy, Debug)]
pub enum Step<'a> {
    /// A pass over an event table (before evaluation).
    Scan(eval::Step<'a>),
    /// This many more customer rows were evaluated.
    Evaluated(usize),
}

/// What a finished run saw.
#[derive(Clone, Debug, Default)]
pub struct Ran {
    /// Rows evaluated.
    pub summary: Summary,
    /// Sentences about the data: the customer file's, then each event file's
    /// (with the events left out), then uneven population scores.
    pub warnings: Vec<String>,
}

/// A plan and the opened files it runs over.
pub struct Run {
    /// The compiled plan.
    pub plan: Plan,
    /// The customer file, checked against the schema.
    pub data: DataFile,
    /// One file per event table of the program (`None`: not read by the plan).
    pub events: Vec<Option<DataFile>>,
    key: bool,
}

/// [`Run::open`] then [`Run::execute`] without progress.
pub fn run(
    program: &Program,
    options: &Options,
    sink: &mut dyn FnMut(RecordBatch) -> Result<(), EvalError>,
) -> Result<Ran, RunError> {
    Run::open(program, options)?.execute(&mut |_| {}, sink)
}

impl Run {
    /// Compiles the plan and opens the customer file and the event files it reads
    /// (no data is decoded yet).
    pub fn open(program: &Program, options: &Options) -> Result<Run, RunError> {
        let plan = plan::compile(program, &options.plan_options())?;
        let events = open_events(program, options, &plan)?;
        let mut data = DataFile::open(&options.data, &program.schema)?;
        data.check_as_of(plan.as_of());
        Ok(Run {
            plan,
            data,
            events,
            key: options.key,
        })
    }

    /// Runs the plan, handing each membership batch to `sink` in input order.
    pub fn execute(
        &self,
        observe: &mut dyn FnMut(Step<'_>),
        sink: &mut dyn FnMut(RecordBatch) -> Result<(), EvalError>,
    ) -> Result<Ran, RunError> {
        let events: Vec<Option<&dyn BatchSource>> = self
            .events
            .iter()
            .map(|f| f.as_ref().map(|f| f as &dyn BatchSource))
            .collect();
        let population =
            eval::Population::compute_observed(&self.plan, &self.data, &events, &mut |step| {
                observe(Step::Scan(step))
            })?;
        let options = eval::RunOptions { key: self.key };
        let summary =
            eval::run_prepared(&self.plan, &self.data, &population, options, &mut |batch| {
                observe(Step::Evaluated(batch.num_rows()));
                sink(batch)
            })?;
        let mut warnings = self.data.warnings();
        for (file, left_out) in self.events.iter().zip(population.events_left_out()) {
            if let Some(file) = file {
                warnings.extend(file.warnings());
                if *left_out > 0 {
                    let noun = if *left_out == 1 { "event" } else { "events" };
                    warnings.push(format!(
                        "{}: {left_out} {noun} left out (missing time, or a key matching no customer)",
                        file.path().display()
                    ));
                }
            }
        }
        warnings.extend(
            population
                .uneven_scores(&self.plan)
                .iter()
                .map(ToString::to_string),
        );
        Ok(Ran { summary, warnings })
    }
}

/// Opens the file of each event table the plan reads.
fn open_events(
    program: &Program,
    options: &Options,
    plan: &Plan,
) -> Result<Vec<Option<DataFile>>, RunError> {
    let used = plan.event_tables();
    let mut files = Vec::new();
    for (i, table) in program.events.iter().enumerate() {
        if !used.iter().any(|id| id.0 as usize == i) {
            files.push(None);
            continue;
        }
        let Some(path) = options.events.get(&table.name) else {
            return Err(RunError::NoEventsFile(table.name.clone()));
        };
        let schema = program.event_schema(table);
        files.push(Some(DataFile::open_events(path, &schema)?));
    }
    Ok(files)
}

/// Checks that every name given for an event table names one the program declares.
pub fn check_event_names<'a>(
    program: &Program,
    given: impl IntoIterator<Item = &'a str>,
) -> Result<(), RunError> {
    let names: Vec<&str> = program.events.iter().map(|t| t.name.as_str()).collect();
    for name in given {
        if !names.contains(&name) {
            return Err(RunError::UnknownEvents {
                name: name.to_string(),
                help: crate::diagnostic::did_you_mean(name, names.iter().copied()),
            });
        }
    }
    Ok(())
}
