//! [`ir::Program`] + as-of date → [`Plan`]: predicates bound to columns, ready to
//! evaluate over Arrow batches.
//!
//! Compiling resolves everything that does not depend on the data: relative dates
//! become fixed days (calendar months clamp to the month's end), literals become
//! Arrow scalars, regexes are compiled, and identical sub-expressions across all
//! segments and tiers become one node of a flat arena ([`NodeId`]), evaluated once
//! per batch. Segment references point at the referenced segment's node. The plan
//! also lists exactly the columns it reads ([`Plan::columns`], key first) and the
//! population statistics it needs before the main pass ([`Plan::stats`]).
//! It never reads data: see [`crate::eval`].

mod aggregate;
mod compile;
pub mod dates;
mod explain;
mod node;

use arrow::array::{ArrayRef, Scalar};
use chrono::NaiveDate;

use crate::check::ir;
pub use aggregate::{Aggregate, AggregateId, EventScan, ScanId, TimeRange};
pub use node::{ConstId, Fraction, Lit, Node, NodeId, PatternId, StatId};

/// What to compile.
#[derive(Clone, Debug)]
pub struct PlanOptions {
    /// The run's as-of date: relative dates count from it.
    pub as_of: NaiveDate,
    /// `--segment NAME…`: the segments and tiers blocks to output, or `None` for
    /// every non-paused segment and every tiers block. A paused segment named here
    /// is output (it was asked for by name); a tiers block not named is not.
    pub segments: Option<Vec<String>>,
    /// Fields copied unchanged into the membership table after the segment and
    /// tier columns (e.g. the field of `stats --by FIELD`).
    pub carry: Vec<ir::FieldId>,
    /// Per-customer numbers computed after the carried fields, one `Float64`
    /// column each (`measure 0`, `measure 1`, …): the arguments of `expect
    /// lift(…)`, which may look past the as-of date (`within next`).
    pub measures: Vec<ir::Expr>,
}

impl PlanOptions {
    /// Every non-paused segment at `as_of`, nothing carried.
    pub fn new(as_of: NaiveDate) -> PlanOptions {
        PlanOptions {
            as_of,
            segments: None,
            carry: Vec::new(),
            measures: Vec::new(),
        }
    }
}

/// Why a program could not be compiled to a plan.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PlanError {
    /// `--segment NAME` names no segment.
    #[error("unknown segment `{name}`{}", help.as_deref().map(|h| format!("; {h}")).unwrap_or_default())]
    UnknownSegment {
        /// The name given.
        name: String,
        /// A "did you mean" suggestion.
        help: Option<String>,
    },
    /// A form the engine does not evaluate yet.
    #[error("{owner}: {what} cannot be evaluated yet")]
    Unsupported {
        /// `segment NAME` or `tiers NAME`.
        owner: String,
        /// The form (e.g. `event fields outside an aggregate`).
        what: String,
    },
    /// A regex the checker should have rejected.
    #[error("{owner}: invalid regular expression {pattern:?}: {reason}")]
    InvalidRegex {
        /// `segment NAME` or `tiers NAME`.
        owner: String,
        /// The pattern.
        pattern: String,
        /// What the regex engine said.
        reason: String,
    },
    /// An inconsistency in the program that the checker should have rejected.
    #[error("{owner}: {reason}")]
    Invalid {
        /// `segment NAME` or `tiers NAME`.
        owner: String,
        /// What is wrong.
        reason: String,
    },
}

/// A compiled program, ready to run over batches holding [`Plan::columns`].
#[derive(Debug)]
pub struct Plan {
    pub(crate) as_of: NaiveDate,
    pub(crate) schema: ir::Schema,
    pub(crate) columns: Vec<ir::FieldId>,
    pub(crate) nodes: Vec<Node>,
    pub(crate) consts: Vec<Const>,
    pub(crate) patterns: Vec<Pattern>,
    pub(crate) stats: Vec<Stat>,
    pub(crate) outputs: Vec<Output>,
    pub(crate) carry: Vec<ir::FieldId>,
    /// The nodes of [`PlanOptions::measures`], in order.
    pub(crate) measures: Vec<NodeId>,
    pub(crate) tier_labels: Vec<Vec<String>>,
    /// Every compiled segment (outputs and the segments they refer to), in program order.
    pub(crate) segment_roots: Vec<(ir::SegmentId, String, NodeId)>,
    /// The event aggregates, indexed by [`AggregateId`], each computed once.
    pub(crate) aggregates: Vec<Aggregate>,
    /// One scan per event table the aggregates read.
    pub(crate) scans: Vec<EventScan>,
}

/// A literal and its Arrow scalar.
#[derive(Debug)]
pub struct Const {
    /// The value.
    pub lit: Lit,
    /// The same value as a one-row Arrow scalar of its canonical type.
    pub scalar: Scalar<ArrayRef>,
}

/// A string test's pattern; `regex` is set for `matches`.
#[derive(Debug)]
pub struct Pattern {
    /// The pattern as written.
    pub text: String,
    /// The compiled regex (`matches` only).
    pub regex: Option<regex::Regex>,
}

/// A value whose distribution over the whole input is needed (top/bottom %,
/// quintile, decile, percentile).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stat {
    /// The ranked value.
    pub value: NodeId,
    /// 1 for a value without population statistics inside it; n + 1 when its
    /// value uses a statistic of level n. Levels are computed in that order.
    pub level: u32,
}

/// One column of the membership table after the key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Output {
    /// The column name (segment or tiers block name).
    pub name: String,
    /// What it is.
    pub kind: OutputKind,
    /// The node giving the mask (segment) or the labels (tiers).
    pub node: NodeId,
}

/// The kind of an [`Output`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputKind {
    /// A segment: a non-null boolean column.
    Segment(ir::SegmentId),
    /// A tiers block: a nullable string column (missing when no tier matched).
    Tiers(ir::TierId),
}

/// Compiles the selected outputs of `program` (and everything they refer to).
pub fn compile(program: &ir::Program, options: &PlanOptions) -> Result<Plan, PlanError> {
    compile::compile(program, options)
}

impl Plan {
    /// The columns to read, key first, each once: the key, the fields the outputs
    /// use (in schema order), then the carried fields.
    pub fn columns(&self) -> &[ir::FieldId] {
        &self.columns
    }

    /// The as-of date relative dates were resolved against.
    pub fn as_of(&self) -> NaiveDate {
        self.as_of
    }

    /// The customer table's schema.
    pub fn schema(&self) -> &ir::Schema {
        &self.schema
    }

    /// The membership columns after the key: selected segments in program order,
    /// then the selected tiers blocks.
    pub fn outputs(&self) -> &[Output] {
        &self.outputs
    }

    /// The carried fields, appended after the outputs.
    pub fn carry(&self) -> &[ir::FieldId] {
        &self.carry
    }

    /// The measures' nodes ([`PlanOptions::measures`]), output after the
    /// carried fields as `Float64` columns.
    pub fn measures(&self) -> &[NodeId] {
        &self.measures
    }

    /// The arena; children come before parents.
    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }

    /// The node with this id.
    pub fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id.0 as usize]
    }

    /// The literal with this id.
    pub fn constant(&self, id: ConstId) -> &Const {
        &self.consts[id.0 as usize]
    }

    /// The pattern with this id.
    pub fn pattern(&self, id: PatternId) -> &Pattern {
        &self.patterns[id.0 as usize]
    }

    /// Population statistics needed before the main pass (empty for most plans).
    pub fn stats(&self) -> &[Stat] {
        &self.stats
    }

    /// The event aggregates computed before the main pass (identical ones once).
    pub fn aggregates(&self) -> &[Aggregate] {
        &self.aggregates
    }

    /// The aggregate with this id.
    pub fn aggregate(&self, id: AggregateId) -> Option<&Aggregate> {
        self.aggregates.get(id.0 as usize)
    }

    /// One scan per event table the plan reads, in program order.
    pub fn scans(&self) -> &[EventScan] {
        &self.scans
    }

    /// The scan with this id.
    pub fn scan(&self, id: ScanId) -> Option<&EventScan> {
        self.scans.get(id.0 as usize)
    }

    /// The event tables the plan reads (indexes into [`ir::Program::events`]).
    pub fn event_tables(&self) -> Vec<ir::EventsId> {
        self.scans.iter().map(|scan| scan.table).collect()
    }

    /// The labels of a tiers block, in order.
    pub fn tier_labels(&self, block: ir::TierId) -> &[String] {
        self.tier_labels
            .get(block.0 as usize)
            .map_or(&[], |labels| labels.as_slice())
    }

    /// Whether `other` has the same nodes, literals and patterns (so the same
    /// node ids compute the same values): e.g. the filters of one event table
    /// compiled at two as-of dates, equal unless a filter has a relative date.
    pub fn same_arena(&self, other: &Plan) -> bool {
        self.nodes == other.nodes
            && self.consts.len() == other.consts.len()
            && self
                .consts
                .iter()
                .zip(&other.consts)
                .all(|(a, b)| a.lit == b.lit)
            && self.patterns.len() == other.patterns.len()
            && self
                .patterns
                .iter()
                .zip(&other.patterns)
                .all(|(a, b)| a.text == b.text && a.regex.is_some() == b.regex.is_some())
    }

    /// The position of a field in [`Plan::columns`].
    pub fn column_index(&self, field: ir::FieldId) -> Option<usize> {
        self.columns.iter().position(|f| *f == field)
    }
}
